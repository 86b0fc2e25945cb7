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

// Per-account reductions over the scenario set (METHODOLOGY.md 8): core::account_fold's fields
// as columns, visited with core::for_each_fold_field.
struct account_reductions {
  std::vector<double> worst_excess;          // min (AE - MM); +inf when no scenario
  std::vector<std::int32_t> worst_scenario;  // first scenario reaching it, -1 if none
  std::vector<std::int32_t> scenarios_liquidated;
  std::vector<double> max_deficit;                 // 0 when never in deficit
  std::vector<std::int32_t> max_deficit_scenario;  // -1 when max_deficit is 0
  std::vector<double> expected_deficit;            // sum_s w_s d_s / sum_s w_s

  // Every account at the start of the fold, core::account_fold{}; one column per thread.
  void resize(std::size_t accounts, int threads);

  // Account a's reductions, from the fold a backend kept for it.
  void store(std::size_t a, const core::account_fold& fold) {
    core::for_each_fold_field([a](const char*, auto& column, const auto& value) { column[a] = value; }, *this, fold);
  }
  // Account a's reductions as a fold.
  core::account_fold load(std::size_t a) const {
    core::account_fold fold;
    core::for_each_fold_field([a](const char*, const auto& column, auto& value) { value = column[a]; }, *this, fold);
    return fold;
  }
};

// Per-scenario reductions, money in 1e-4 USD: core::scenario_sums' fields as columns (visited
// with core::for_each_sum), then the top-k lists and the Cover-N values.
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

  // Scenario s's sums.
  core::scenario_sums sums(std::size_t s) const {
    core::scenario_sums out;
    core::for_each_sum([s](int, core::sum_kind, const char*, const auto& column, auto& value) { value = column[s]; },
                       *this, out);
    return out;
  }
  void set_sums(std::size_t s, const core::scenario_sums& x) {
    core::for_each_sum([s](int, core::sum_kind, const char*, auto& column, const auto& value) { column[s] = value; },
                       *this, x);
  }
  void add_sums(std::size_t s, const core::scenario_sums& x) {
    core::scenario_sums total = sums(s);
    total += x;
    set_sums(s, total);
  }
  // Scenario s's Cover-N values from its two largest group deficits.
  void set_cover(std::size_t s, std::int64_t largest, std::int64_t second) {
    cover1[s] = largest;
    cover2[s] = core::cover2_of(largest, second);
  }
};

struct scan_reductions {
  account_reductions accounts;
  scenario_reductions scenarios;
};

}  // namespace riskscan
