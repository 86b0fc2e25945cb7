// `riskscan scan --snapshot PATH --scenarios FILE --out DIR [options]`: scans every account under
// every scenario (scan_command.cpp) and prints the summary.
#include <fmt/core.h>

#include <unistd.h>

#include "cli_command.hpp"
#include "riskscan/scan_command.hpp"
#include "riskscan/scan_types.hpp"

namespace riskscan::cli {
namespace {

class scan_command final : public command {
 public:
  explicit scan_command(CLI::App& app)
      : command(app.add_subcommand("scan", "scan every account under every scenario")) {
    add_inputs();
    add_parameters();
  }

  int threads() const override { return o_.threads; }

  int run() override {
    o_.progress = ::isatty(STDERR_FILENO) != 0;
    const auto summary = run_scan(o_);
    fmt::print("{}", describe(summary, o_.out));
    return 0;
  }

 private:
  // Where the scan reads and writes, and how it runs.
  void add_inputs() {
    sub().add_option("--snapshot", o_.snapshot, "snapshot directory or pack file")->required();
    sub().add_option("--scenarios", o_.scenarios, "scenario CSV, or a TOML scenario spec (.toml)")->required();
    sub().add_option("--out", o_.out, "output directory (created)")->required();
    sub()
        .add_option("--backend", o_.backend, "auto | cpu | cuda | reference")
        ->check(CLI::IsMember({"auto", "cpu", "cuda", "reference"}))
        ->capture_default_str();
    sub().add_option("--threads", o_.threads, "CPU threads, 0 = all cores")->check(CLI::Range(0, max_threads));
  }

  // The parameters of the risk figures, and the cuda backend's memory budget. run_scan checks
  // them again (it is called without this parser too), with the same bounds.
  void add_parameters() {
    sub()
        .add_option("--fund-balance", o_.fund_balance, "insurance fund balance in USD")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    sub()
        .add_option("--max-slippage", o_.max_slippage, "cap of the square-root slippage, as a fraction")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    sub()
        .add_option("--top-k", o_.top_k, "largest account deficits listed per scenario")
        ->check(CLI::Range(min_top_k, max_top_k))
        ->capture_default_str();
    sub()
        .add_option("--imr-factor", o_.imr_factor, "portfolio-margin IMR multiple of MMR")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    sub()
        .add_option("--gpu-memory", o_.gpu_memory_mib,
                    "MiB of device memory the cuda backend may use (0 = 90% of free); a larger book is scanned in "
                    "chunks of accounts, with the same result")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
  }

  scan_options o_;
};

}  // namespace

std::unique_ptr<command> add_scan_command(CLI::App& app) { return std::make_unique<scan_command>(app); }

}  // namespace riskscan::cli
