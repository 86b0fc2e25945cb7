// `riskscan scenarios --spec FILE --out FILE [--snapshot PATH] [--threads N]`: a TOML scenario
// spec generated into a scenario CSV.
#include <fmt/core.h>

#include <filesystem>

#include "cli_command.hpp"
#include "riskscan/scan_types.hpp"
#include "riskscan/scenario_io.hpp"
#include "riskscan/scenarios/spec.hpp"
#include "riskscan/snapshot_io.hpp"

namespace riskscan::cli {
namespace {

class scenarios_command final : public command {
 public:
  explicit scenarios_command(CLI::App& app)
      : command(app.add_subcommand("scenarios", "generate a scenario set from a TOML spec into a scenario CSV")) {
    sub().add_option("--spec", spec_, "TOML scenario spec (see docs/scenarios.md)")->required();
    sub().add_option("--out", out_, "scenario CSV to write")->required();
    sub().add_option("--snapshot", snapshot_, "take factors (kind, beta) from this snapshot (directory or pack)");
    sub().add_option("--threads", threads_, "threads, 0 = all cores")->check(CLI::Range(0, max_threads));
  }

  int threads() const override { return threads_; }

  int run() override {
    loaded_snapshot snap;
    if (!snapshot_.empty()) snap = load_snapshot(snapshot_, threads_);
    scenarios::scenario_source_info info;
    const auto set =
        scenarios::load_scenario_spec(spec_, snapshot_.empty() ? nullptr : &snap.data.factors, threads_, &info);
    check_shock_range(set, spec_.string());  // scan would refuse to read such a file
    write_scenario_csv(set, out_);
    fmt::print("wrote {} scenarios x {} factors to {}\n", set.size(), set.factor_count(), out_.string());
    for (const auto& g : info.generators) fmt::print("  {}\n", g);
    return 0;
  }

 private:
  std::filesystem::path spec_, snapshot_, out_;
  int threads_ = 0;
};

}  // namespace

std::unique_ptr<command> add_scenarios_command(CLI::App& app) { return std::make_unique<scenarios_command>(app); }

}  // namespace riskscan::cli
