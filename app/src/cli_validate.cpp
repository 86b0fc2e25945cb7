// `riskscan validate --snapshot PATH`: checks a snapshot; exit 65 listing every problem.
#include <fmt/core.h>

#include <filesystem>

#include "cli_command.hpp"
#include "riskscan/snapshot_io.hpp"

namespace riskscan::cli {
namespace {

class validate_command final : public command {
 public:
  explicit validate_command(CLI::App& app)
      : command(app.add_subcommand("validate",
                                   "check a snapshot (directory or pack file); exit 65 listing every problem")) {
    sub().add_option("--snapshot", snapshot_, "snapshot directory or pack file")->required();
  }

  int run() override {
    const auto loaded = load_snapshot(snapshot_);
    const auto& b = loaded.data;
    fmt::print("{}: ok: {} accounts, {} balances, {} positions, {} instruments, {} assets, {} factors ({:.2f} s)\n",
               snapshot_.string(), b.account_count(), b.balance_count(), b.position_count(), b.instruments.size(),
               b.assets.size(), b.factors.size(), loaded.load_seconds);
    return 0;
  }

 private:
  std::filesystem::path snapshot_;
};

}  // namespace

std::unique_ptr<command> add_validate_command(CLI::App& app) { return std::make_unique<validate_command>(app); }

}  // namespace riskscan::cli
