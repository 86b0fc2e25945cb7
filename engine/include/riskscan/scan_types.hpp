#pragma once
// Inputs and outputs of a scan, shared by the engine and every backend.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "riskscan/core/account_eval.hpp"
#include "riskscan/core/reduce.hpp"

namespace riskscan {

// Scenarios bound to a book: returns and vol shocks in the book's factor order.
struct bound_scenarios {
  std::vector<std::string> ids;
  std::vector<double> weights;             // as given
  std::vector<double> normalized_weights;  // weights / sum(weights)
  std::vector<double> horizon_days;
  std::int32_t factors = 0;
  std::vector<double> r;  // [s * factors + f]
  std::vector<double> v;  // [s * factors + f]
  std::size_t size() const noexcept { return ids.size(); }
  const double* returns(std::size_t s) const { return r.data() + s * static_cast<std::size_t>(factors); }
  const double* vol_shocks(std::size_t s) const { return v.data() + s * static_cast<std::size_t>(factors); }
};

// Largest --top-k. Each scenario's list becomes 2 K columns of scenarios.csv, and the cuda
// backend merges a scenario's lists in one block's shared memory (cuda_shape::merge_threads).
inline constexpr int max_top_k = 1000;
// --threads at most: no machine we target has more hardware threads, and libgomp crashes when a
// region asks for about 1e5.
inline constexpr int max_threads = 1024;

struct scan_config {
  core::run_params params{0.5, 1.3};
  std::int64_t fund_balance_fp = 0;  // 1e-4 USD
  int top_k = 2;                     // 0 ..= max_top_k
  int threads = 0;                   // 0: all cores
  // GPU backends: device memory the scan may use, in bytes (0: 90% of what is free). A book that
  // does not fit is scanned in chunks of accounts, with the same result.
  std::size_t device_memory_limit = 0;
  // Called from the calling thread with (scenarios done, total) as tiles finish.
  std::function<void(std::size_t, std::size_t)> progress;
};

// Per-account reductions over the scenario set (METHODOLOGY.md 8).
struct account_reductions {
  std::vector<double> worst_excess;            // min (AE - MM); +inf when no scenario
  std::vector<std::int32_t> worst_scenario;    // first scenario reaching it, -1 if none
  std::vector<std::int32_t> scenarios_liquidated;
  std::vector<double> max_deficit;             // 0 when never in deficit
  std::vector<std::int32_t> max_deficit_scenario;  // -1 when max_deficit is 0
  std::vector<double> expected_deficit;        // sum_s w_s d_s / sum_s w_s

  // Every account at the identity of each reduction; one column per thread.
  void resize(std::size_t accounts, int threads);

  // Account a's reductions, from the fold a backend kept for it.
  void store(std::size_t a, const core::account_fold& fold) {
    worst_excess[a] = fold.worst_excess;
    worst_scenario[a] = fold.worst_scenario;
    scenarios_liquidated[a] = fold.scenarios_liquidated;
    max_deficit[a] = fold.max_deficit;
    max_deficit_scenario[a] = fold.max_deficit_scenario;
    expected_deficit[a] = fold.expected_deficit;
  }
};

// Per-scenario reductions, money in 1e-4 USD.
struct scenario_reductions {
  int top_k = 0;
  std::vector<std::int64_t> accounts_liquidated;
  std::vector<std::int64_t> isolated_liquidated;
  std::vector<std::int64_t> liquidated_notional;
  std::vector<std::int64_t> deficit;
  std::vector<std::int64_t> inflow;
  std::vector<std::int64_t> top_account;  // [s * top_k + j], -1 when empty
  std::vector<std::int64_t> top_deficit;  // [s * top_k + j], 0 when empty
  std::vector<std::int64_t> cover1;
  std::vector<std::int64_t> cover2;

  void resize(std::size_t scenarios, int k);
};

struct scan_reductions {
  account_reductions accounts;
  scenario_reductions scenarios;
};

}  // namespace riskscan
