#pragma once
// `riskscan scan`: load, bind, evaluate, reduce, size the fund, write the output directory.
#include <cstdint>
#include <filesystem>
#include <string>

namespace riskscan {

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
  bool progress = false;         // a progress line on stderr
};

// Runs the scan and writes accounts.csv, scenarios.csv and summary.json into `out`.
// Throws riskscan::error subclasses carrying the exit code.
void run_scan(const scan_options& options);

}  // namespace riskscan
