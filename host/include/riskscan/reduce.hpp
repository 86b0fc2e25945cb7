#pragma once
// Reduction steps shared by the backends: the per-account fold over scenarios (in scenario
// order, so every backend computes the same doubles) and the per-scenario top-k order.
#include <cstdint>
#include <limits>

#include "riskscan/core/account_eval.hpp"
#include "riskscan/core/fixed_point.hpp"

namespace riskscan {

// Fold of one account's outcomes over the scenario set, fed in scenario order.
struct account_fold {
  double worst_excess = std::numeric_limits<double>::infinity();
  std::int32_t worst_scenario = -1;
  std::int32_t scenarios_liquidated = 0;
  double max_deficit = 0.0;
  std::int32_t max_deficit_scenario = -1;
  double expected_deficit = 0.0;

  void add(std::int32_t scenario, const core::account_outcome& o, double normalized_weight) {
    add_excess(scenario, o.adj_equity - o.mm);
    add_loss(scenario, o, normalized_weight);
  }

  void add_excess(std::int32_t scenario, double excess) {
    if (excess < worst_excess) {  // strict: ties keep the first scenario
      worst_excess = excess;
      worst_scenario = scenario;
    }
  }

  // May be skipped for a scenario where nothing was liquidated: it would add zeros.
  void add_loss(std::int32_t scenario, const core::account_outcome& o, double normalized_weight) {
    if (o.liquidated) ++scenarios_liquidated;
    if (o.deficit > max_deficit) {
      max_deficit = o.deficit;
      max_deficit_scenario = scenario;
    }
    expected_deficit += normalized_weight * o.deficit;
  }
};

// Top-k order of account deficits: larger deficit first, ties to the lower account row.
inline bool ranks_before(std::int64_t deficit_a, std::int64_t row_a, std::int64_t deficit_b, std::int64_t row_b) {
  return deficit_a > deficit_b || (deficit_a == deficit_b && row_a < row_b);
}

}  // namespace riskscan
