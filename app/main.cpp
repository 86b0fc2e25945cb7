// riskscan command-line interface: generate, validate, pack, scenarios, scan (FORMATS.md "Command
// contract"). Each command lives in src/cli_*.cpp; here the command line is parsed, the chosen
// command run, and its errors turned into the contract's exit codes.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <memory>
#include <new>
#include <span>

#include "cli_command.hpp"
#include "riskscan/build_config.hpp"
#include "riskscan/error.hpp"
#include "riskscan/output_file.hpp"
#include "riskscan/thread_start.hpp"

namespace {

using riskscan::exit_code;

// Runs the command the command line chose, with its threads started.
int run_chosen(std::span<const std::unique_ptr<riskscan::cli::command>> commands) {
  for (const auto& c : commands) {
    if (!c->chosen()) continue;
    riskscan::start_threads(c->threads());
    return c->run();
  }
  return static_cast<int>(exit_code::internal);  // the parser requires one subcommand
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"riskscan: portfolio risk scanner for crypto derivatives exchanges"};
  app.require_subcommand(1);
  app.set_version_flag("--version", RS_VERSION);
  // In this order in --help.
  const std::unique_ptr<riskscan::cli::command> commands[] = {
      riskscan::cli::add_generate_command(app), riskscan::cli::add_validate_command(app),
      riskscan::cli::add_pack_command(app), riskscan::cli::add_scan_command(app),
      riskscan::cli::add_scenarios_command(app)};

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(exit_code::usage);
  }

  riskscan::remove_temporaries_on_signal();  // Ctrl-C leaves no half-written output behind
  try {
    return run_chosen(commands);
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
}
