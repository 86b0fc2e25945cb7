#pragma once
// Reduction steps shared by every backend, CPU and GPU: the per-account fold over scenarios (fed
// in scenario order, so every backend computes the same doubles) and the per-scenario top-k order.
#include "riskscan/core/account_eval.hpp"
#include "riskscan/core/config.hpp"

namespace riskscan::core {

// Fold of one account's outcomes over the scenario set, fed in scenario order.
struct account_fold {
  double worst_excess = INFINITY;
  int32_t worst_scenario = -1;
  int32_t scenarios_liquidated = 0;
  double max_deficit = 0.0;
  int32_t max_deficit_scenario = -1;
  double expected_deficit = 0.0;

  RS_HD void add(int32_t scenario, const account_outcome& o, double normalized_weight) {
    add_excess(scenario, o.adj_equity - o.mm);
    add_loss(scenario, o, normalized_weight);
  }

  RS_HD void add_excess(int32_t scenario, double excess) {
    if (excess < worst_excess) {  // strict: ties keep the first scenario
      worst_excess = excess;
      worst_scenario = scenario;
    }
  }

  // May be skipped for a scenario where nothing was liquidated: it would add zeros.
  RS_HD void add_loss(int32_t scenario, const account_outcome& o, double normalized_weight) {
    if (o.liquidated) ++scenarios_liquidated;
    if (o.deficit > max_deficit) {
      max_deficit = o.deficit;
      max_deficit_scenario = scenario;
    }
    expected_deficit += normalized_weight * o.deficit;
  }
};

// Top-k order of account deficits: larger deficit first, ties to the lower account row.
RS_HD bool ranks_before(int64_t deficit_a, int64_t row_a, int64_t deficit_b, int64_t row_b) {
  return deficit_a > deficit_b || (deficit_a == deficit_b && row_a < row_b);
}

// Inserts (account, value) into a top-k list kept sorted by ranks_before; empty entries have
// account -1 and sit at the end. Single writer.
RS_HD void offer_top(int64_t* account, int64_t* value, int k, int64_t row, int64_t deficit) {
  int j = k;
  while (j > 0 && (account[j - 1] < 0 || ranks_before(deficit, row, value[j - 1], account[j - 1]))) --j;
  if (j == k) return;
  for (int m = k - 1; m > j; --m) {
    account[m] = account[m - 1];
    value[m] = value[m - 1];
  }
  account[j] = row;
  value[j] = deficit;
}

// Keeps the two largest values offered (Cover-1 / Cover-2 candidates); both start at 0 and every
// value offered is >= 0, so only the values matter, never the order they come in.
RS_HD void offer_cover(int64_t& top0, int64_t& top1, int64_t value) {
  if (value > top0) {
    top1 = top0;
    top0 = value;
  } else if (value > top1) {
    top1 = value;
  }
}

}  // namespace riskscan::core
