// `riskscan generate --accounts N --seed S --out DIR [--no-options] [--no-portfolio]`.
#include <fmt/core.h>

#include <cstdint>
#include <filesystem>

#include "cli_command.hpp"
#include "riskscan/generate.hpp"

namespace riskscan::cli {
namespace {

class generate_command final : public command {
 public:
  explicit generate_command(CLI::App& app)
      : command(app.add_subcommand("generate", "write a synthetic exchange snapshot")) {
    // The range also refuses "-3", which CLI11 alone reads into the unsigned count as 2^64 - 3.
    sub()
        .add_option("--accounts", options_.accounts, "number of accounts")
        ->required()
        ->check(CLI::Range(std::uint64_t{0}, max_generated_accounts));
    sub().add_option("--seed", options_.seed, "random seed")->required();
    sub().add_option("--out", out_, "output snapshot directory")->required();
    sub().add_flag("--no-options", no_options_, "no option instruments or positions");
    sub().add_flag("--no-portfolio", no_portfolio_, "no portfolio-margin accounts");
  }

  int run() override {
    options_.options = !no_options_;
    options_.portfolio = !no_portfolio_;
    generate_exchange(options_, out_);
    fmt::print("wrote a snapshot of {} accounts (seed {}) to {}\n", options_.accounts, options_.seed, out_.string());
    return 0;
  }

 private:
  generate_options options_;
  std::filesystem::path out_;
  bool no_options_ = false;
  bool no_portfolio_ = false;
};

}  // namespace

std::unique_ptr<command> add_generate_command(CLI::App& app) { return std::make_unique<generate_command>(app); }

}  // namespace riskscan::cli
