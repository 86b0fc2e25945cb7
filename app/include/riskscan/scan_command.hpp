#pragma once
// `riskscan scan`: load, bind, evaluate, reduce, size the fund, write the output directory.
#include <cstdint>
#include <filesystem>
#include <string>

namespace riskscan {

// Smallest --top-k (the largest is max_top_k of scan_types.hpp): the CLI and run_scan both
// check the option against these two bounds.
inline constexpr int min_top_k = 1;

struct scan_options {
  std::filesystem::path snapshot;
  std::filesystem::path scenarios;
  std::filesystem::path out;
  std::string backend = "auto";  // auto | cpu | cuda | reference
  int threads = 0;               // 0: all cores
  double fund_balance = 0.0;     // USD
  double max_slippage = 0.5;
  int top_k = 2;
  double imr_factor = 1.3;
  std::size_t gpu_memory_mib = 0;  // device memory the cuda backend may use; 0: 90% of what is free
  bool progress = false;           // a progress line on stderr
};

// The headline of a finished scan, for the command's closing lines on stdout.
struct scan_summary {
  std::size_t accounts = 0;
  std::size_t scenarios = 0;
  std::string backend;
  int threads = 0;
  double scan_seconds = 0.0;
  double pairs_per_second = 0.0;
  std::size_t base_liquidated = 0;
  std::string worst_scenario;  // largest net draw; empty without scenarios
  double worst_net_draw = 0.0;
  double cover2 = 0.0;
  double recommended_fund = 0.0;
};

// Runs the scan and writes accounts.csv, scenarios.csv and summary.json into `out`.
// Throws riskscan::error subclasses carrying the exit code.
scan_summary run_scan(const scan_options& options);
// The summary as a few lines of text.
std::string describe(const scan_summary& s, const std::filesystem::path& out);

}  // namespace riskscan
