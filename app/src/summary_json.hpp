#pragma once
// Internal to `riskscan scan`: the figures a finished scan reports in summary.json, and the
// builder of that document (summary_json.cpp). Its keys and their order are part of the output
// contract (FORMATS.md).
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "riskscan/backend.hpp"
#include "riskscan/engine.hpp"
#include "riskscan/scan_command.hpp"
#include "riskscan/scenarios/spec.hpp"
#include "riskscan/snapshot_io.hpp"

namespace riskscan {

// Base-state totals in fixed point, like every cross-account sum.
struct base_totals {
  std::int64_t equity = 0, adj_equity = 0, mm = 0, imr = 0, liquidated = 0;
};

// Seconds of each phase of a scan, and of the whole run.
struct scan_timings {
  double load_snapshot = 0.0, load_scenarios = 0.0, prepare = 0.0, base = 0.0, scan = 0.0, write = 0.0, total = 0.0;
};

// Everything summary.json reports, as the scan left it.
struct summary_inputs {
  const scan_options& options;
  const loaded_snapshot& snap;
  const scenarios::scenario_source_info& scenario_info;
  std::size_t scenarios = 0;
  const base_totals& base;
  const fund_sizing& fund;
  std::int64_t fund_balance_fp = 0;
  const backend& used;
  const std::string& backend_note;  // why auto chose the backend it used; empty otherwise
  const scan_timings& timings;
  std::size_t pairs = 0;  // accounts x scenarios
};

nlohmann::ordered_json summary_json(const summary_inputs& in);

}  // namespace riskscan
