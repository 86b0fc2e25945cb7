#pragma once
// The subcommands of the riskscan command line (FORMATS.md "Command contract"), one file each
// (cli_*.cpp): each adds its CLI11 subcommand and options to the app and, once the command line
// has been parsed, runs. main.cpp parses, dispatches and turns errors into exit codes.
#include <CLI/CLI.hpp>

#include <memory>

namespace riskscan::cli {

class command {
 public:
  explicit command(CLI::App* sub) : sub_(sub) {}
  virtual ~command() = default;
  command(const command&) = delete;
  command& operator=(const command&) = delete;

  // Whether the parsed command line names this subcommand.
  bool chosen() const { return static_cast<bool>(*sub_); }
  // The threads to start before run() (0: all cores); commands without --threads use them all.
  virtual int threads() const { return 0; }
  // Runs the command and returns its exit code; failures are thrown as riskscan::error.
  virtual int run() = 0;

 protected:
  CLI::App& sub() const { return *sub_; }

 private:
  CLI::App* sub_;
};

// Each adds its subcommand to `app`; the returned command holds the options it parses into.
std::unique_ptr<command> add_generate_command(CLI::App& app);
std::unique_ptr<command> add_validate_command(CLI::App& app);
std::unique_ptr<command> add_pack_command(CLI::App& app);
std::unique_ptr<command> add_scan_command(CLI::App& app);
std::unique_ptr<command> add_scenarios_command(CLI::App& app);

}  // namespace riskscan::cli
