// riskscan command-line interface: generate, validate, pack, scenarios, scan (FORMATS.md "Command contract").
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <new>
#include <string>

#include <unistd.h>

#include "riskscan/build_config.hpp"
#include "riskscan/error.hpp"
#include "riskscan/generate.hpp"
#include "riskscan/output_file.hpp"
#include "riskscan/scan_command.hpp"
#include "riskscan/scan_types.hpp"
#include "riskscan/scenario_io.hpp"
#include "riskscan/scenarios/spec.hpp"
#include "riskscan/snapshot_io.hpp"
#include "riskscan/snapshot_pack.hpp"
#include "riskscan/thread_start.hpp"

namespace {

using riskscan::exit_code;

int run_generate(const riskscan::generate_options& options, const std::filesystem::path& out) {
  riskscan::generate_exchange(options, out);
  fmt::print("wrote a snapshot of {} accounts (seed {}) to {}\n", options.accounts, options.seed, out.string());
  return 0;
}

int run_scenarios(const std::filesystem::path& spec, const std::filesystem::path& snapshot,
                  const std::filesystem::path& out, int threads) {
  riskscan::loaded_snapshot snap;
  if (!snapshot.empty()) snap = riskscan::load_snapshot(snapshot, threads);
  riskscan::scenarios::scenario_source_info info;
  const auto set = riskscan::scenarios::load_scenario_spec(spec, snapshot.empty() ? nullptr : &snap.data.factors,
                                                           threads, &info);
  riskscan::check_shock_range(set, spec.string());  // scan would refuse to read such a file
  riskscan::write_scenario_csv(set, out);
  fmt::print("wrote {} scenarios x {} factors to {}\n", set.size(), set.factor_count(), out.string());
  for (const auto& g : info.generators) fmt::print("  {}\n", g);
  return 0;
}

int run_pack(const std::filesystem::path& snapshot, const std::filesystem::path& out, int threads) {
  const auto loaded = riskscan::load_snapshot(snapshot, threads);
  riskscan::write_snapshot_pack(loaded, out);
  std::error_code ec;
  const auto bytes = ec ? 0 : std::filesystem::file_size(out, ec);
  fmt::print("packed {} accounts, {} balances, {} positions from {} into {} ({:.1f} MB)\n", loaded.data.account_count(),
             loaded.data.balance_count(), loaded.data.position_count(), snapshot.string(), out.string(),
             static_cast<double>(bytes) / 1e6);
  return 0;
}

int run_validate(const std::filesystem::path& snapshot) {
  const auto loaded = riskscan::load_snapshot(snapshot);
  const auto& b = loaded.data;
  fmt::print("{}: ok: {} accounts, {} balances, {} positions, {} instruments, {} assets, {} factors ({:.2f} s)\n",
             snapshot.string(), b.account_count(), b.balance_count(), b.position_count(), b.instruments.size(),
             b.assets.size(), b.factors.size(), loaded.load_seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"riskscan: portfolio risk scanner for crypto derivatives exchanges"};
  app.require_subcommand(1);
  app.set_version_flag("--version", RS_VERSION);

  riskscan::generate_options gen;
  std::filesystem::path gen_out;
  auto* generate = app.add_subcommand("generate", "write a synthetic exchange snapshot");
  // The range also refuses "-3", which CLI11 alone reads into the unsigned count as 2^64 - 3.
  generate->add_option("--accounts", gen.accounts, "number of accounts")
      ->required()
      ->check(CLI::Range(std::uint64_t{0}, riskscan::max_generated_accounts));
  generate->add_option("--seed", gen.seed, "random seed")->required();
  generate->add_option("--out", gen_out, "output snapshot directory")->required();
  bool no_options = false;
  bool no_portfolio = false;
  generate->add_flag("--no-options", no_options, "no option instruments or positions");
  generate->add_flag("--no-portfolio", no_portfolio, "no portfolio-margin accounts");

  std::filesystem::path validate_snapshot;
  auto* validate =
      app.add_subcommand("validate", "check a snapshot (directory or pack file); exit 65 listing every problem");
  validate->add_option("--snapshot", validate_snapshot, "snapshot directory or pack file")->required();

  std::filesystem::path pack_snapshot, pack_out;
  int pack_threads = 0;
  auto* pack = app.add_subcommand("pack", "check a snapshot directory and pack it into one file that loads fast");
  pack->add_option("--snapshot", pack_snapshot, "snapshot directory")->required();
  pack->add_option("--out", pack_out, "pack file to write (conventionally *.rspack)")->required();
  pack->add_option("--threads", pack_threads, "threads, 0 = all cores")->check(CLI::Range(0, riskscan::max_threads));

  riskscan::scan_options scan_opts;
  auto* scan = app.add_subcommand("scan", "scan every account under every scenario");
  scan->add_option("--snapshot", scan_opts.snapshot, "snapshot directory or pack file")->required();
  scan->add_option("--scenarios", scan_opts.scenarios, "scenario CSV, or a TOML scenario spec (.toml)")->required();
  scan->add_option("--out", scan_opts.out, "output directory (created)")->required();
  scan->add_option("--backend", scan_opts.backend, "auto | cpu | cuda | reference")
      ->check(CLI::IsMember({"auto", "cpu", "cuda", "reference"}))
      ->capture_default_str();
  scan->add_option("--threads", scan_opts.threads, "CPU threads, 0 = all cores")
      ->check(CLI::Range(0, riskscan::max_threads));
  scan->add_option("--fund-balance", scan_opts.fund_balance, "insurance fund balance in USD")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  scan->add_option("--max-slippage", scan_opts.max_slippage, "cap of the square-root slippage, as a fraction")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  scan->add_option("--top-k", scan_opts.top_k, "largest account deficits listed per scenario")
      ->check(CLI::Range(1, riskscan::max_top_k))
      ->capture_default_str();
  scan->add_option("--imr-factor", scan_opts.imr_factor, "portfolio-margin IMR multiple of MMR")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  scan->add_option("--gpu-memory", scan_opts.gpu_memory_mib,
                   "MiB of device memory the cuda backend may use (0 = 90% of free); a larger book is scanned in "
                   "chunks of accounts, with the same result")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();

  std::filesystem::path spec_file, spec_snapshot, spec_out;
  int spec_threads = 0;
  auto* scenarios = app.add_subcommand("scenarios", "generate a scenario set from a TOML spec into a scenario CSV");
  scenarios->add_option("--spec", spec_file, "TOML scenario spec (see docs/scenarios.md)")->required();
  scenarios->add_option("--out", spec_out, "scenario CSV to write")->required();
  scenarios->add_option("--snapshot", spec_snapshot,
                        "take factors (kind, beta) from this snapshot (directory or pack)");
  scenarios->add_option("--threads", spec_threads, "threads, 0 = all cores")
      ->check(CLI::Range(0, riskscan::max_threads));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(exit_code::usage);
  }

  riskscan::remove_temporaries_on_signal();  // Ctrl-C leaves no half-written output behind
  try {
    riskscan::start_threads(*pack ? pack_threads : *scenarios ? spec_threads : *scan ? scan_opts.threads : 0);
    if (*generate) {
      gen.options = !no_options;
      gen.portfolio = !no_portfolio;
      return run_generate(gen, gen_out);
    }
    if (*validate) return run_validate(validate_snapshot);
    if (*pack) return run_pack(pack_snapshot, pack_out, pack_threads);
    if (*scenarios) return run_scenarios(spec_file, spec_snapshot, spec_out, spec_threads);
    if (*scan) {
      scan_opts.progress = ::isatty(STDERR_FILENO) != 0;
      const auto summary = riskscan::run_scan(scan_opts);
      fmt::print("{}", riskscan::describe(summary, scan_opts.out));
      return 0;
    }
  } catch (const riskscan::input_error& e) {
    // Every problem, one per line (what() stops after 50): the contract lists them all.
    for (const auto& p : e.problems().items()) std::fprintf(stderr, "%s\n", p.to_string().c_str());
    std::fprintf(stderr, "riskscan: %zu problem(s) in the input\n", e.problems().size());
    return static_cast<int>(e.code());
  } catch (const riskscan::error& e) {
    std::fprintf(stderr, "riskscan: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    // No exit code of its own in the contract: 70, with a message that says what happened.
    std::fprintf(stderr,
                 "riskscan: out of memory (the input needs more than the machine or the process limit allows)\n");
    return static_cast<int>(exit_code::internal);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "riskscan: internal error: %s\n", e.what());
    return static_cast<int>(exit_code::internal);
  }
  return static_cast<int>(exit_code::internal);
}
