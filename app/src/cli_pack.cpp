// `riskscan pack --snapshot DIR --out FILE [--threads N]`: a checked snapshot as one pack file.
#include <fmt/core.h>

#include <filesystem>
#include <system_error>

#include "cli_command.hpp"
#include "riskscan/scan_types.hpp"
#include "riskscan/snapshot_io.hpp"
#include "riskscan/snapshot_pack.hpp"

namespace riskscan::cli {
namespace {

class pack_command final : public command {
 public:
  explicit pack_command(CLI::App& app)
      : command(app.add_subcommand("pack", "check a snapshot directory and pack it into one file that loads fast")) {
    sub().add_option("--snapshot", snapshot_, "snapshot directory")->required();
    sub().add_option("--out", out_, "pack file to write (conventionally *.rspack)")->required();
    sub().add_option("--threads", threads_, "threads, 0 = all cores")->check(CLI::Range(0, max_threads));
  }

  int threads() const override { return threads_; }

  int run() override {
    const auto loaded = load_snapshot(snapshot_, threads_);
    write_snapshot_pack(loaded, out_);
    std::error_code ec;
    const auto bytes = ec ? 0 : std::filesystem::file_size(out_, ec);
    fmt::print("packed {} accounts, {} balances, {} positions from {} into {} ({:.1f} MB)\n",
               loaded.data.account_count(), loaded.data.balance_count(), loaded.data.position_count(),
               snapshot_.string(), out_.string(), static_cast<double>(bytes) / 1e6);
    return 0;
  }

 private:
  std::filesystem::path snapshot_, out_;
  int threads_ = 0;
};

}  // namespace

std::unique_ptr<command> add_pack_command(CLI::App& app) { return std::make_unique<pack_command>(app); }

}  // namespace riskscan::cli
