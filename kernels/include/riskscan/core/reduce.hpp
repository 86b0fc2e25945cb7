#pragma once
// Reduction steps shared by every backend, CPU and GPU: the per-account fold over scenarios (fed
// in scenario order, so every backend computes the same doubles) and the per-scenario top-k order.
#include "riskscan/core/account_eval.hpp"
#include "riskscan/core/config.hpp"
#include "riskscan/core/fixed_point.hpp"

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

// The one list of account_fold's fields: calls fn(name, f.field...) for each, the same field of
// every `f` together (any structs with these member names: riskscan::account_reductions holds
// them as columns). A new fold field is declared above and listed here.
template <class Fn, class... Folds>
RS_HD void for_each_fold_field(Fn&& fn, Folds&... f) {
  fn("worst_excess", f.worst_excess...);
  fn("worst_scenario", f.worst_scenario...);
  fn("scenarios_liquidated", f.scenarios_liquidated...);
  fn("max_deficit", f.max_deficit...);
  fn("max_deficit_scenario", f.max_deficit_scenario...);
  fn("expected_deficit", f.expected_deficit...);
}

// The per-scenario sums over accounts (METHODOLOGY.md 8): integers, so they add in any order;
// money in 1e-4 USD fixed point.
struct scenario_sums {
  int64_t accounts_liquidated = 0;
  int64_t isolated_liquidated = 0;
  int64_t liquidated_notional = 0;
  int64_t deficit = 0;
  int64_t inflow = 0;

  // One account's outcome in the scenario.
  RS_HD static scenario_sums of(const account_outcome& o);
  // Counts add; money totals saturate at total_limit (core::add_total).
  RS_HD scenario_sums& operator+=(const scenario_sums& x);
};

enum class sum_kind { count, money };
inline constexpr int scenario_sum_count = 5;

// The one list of scenario_sums' fields: calls fn(q, kind, name, s.field...) for each, q = 0, 1,
// ... in this order, the same field of every `s` together (any structs with these member names:
// riskscan::scenario_reductions holds them as columns, the cuda kernels as sum q of a lane).
template <class Fn, class... Sums>
RS_HD constexpr void for_each_sum(Fn&& fn, Sums&... s) {
  fn(0, sum_kind::count, "accounts_liquidated", s.accounts_liquidated...);
  fn(1, sum_kind::count, "isolated_liquidated", s.isolated_liquidated...);
  fn(2, sum_kind::money, "liquidated_notional", s.liquidated_notional...);
  fn(3, sum_kind::money, "deficit", s.deficit...);
  fn(4, sum_kind::money, "inflow", s.inflow...);
}

constexpr int listed_sums() {
  int n = 0;
  scenario_sums s;
  for_each_sum([&](int q, sum_kind, const char*, int64_t) { n += q == n ? 1 : 0; }, s);
  return n;
}
static_assert(listed_sums() == scenario_sum_count && sizeof(scenario_sums) == scenario_sum_count * sizeof(int64_t),
              "for_each_sum must list every field of scenario_sums, numbered in order");

RS_HD scenario_sums scenario_sums::of(const account_outcome& o) {
  scenario_sums s;
  s.accounts_liquidated = o.liquidated ? 1 : 0;
  s.isolated_liquidated = o.isolated_liquidated;
  s.liquidated_notional = to_fixed(o.liquidated_notional);
  s.deficit = to_fixed(o.deficit);
  s.inflow = to_fixed(o.inflow);
  return s;
}

RS_HD scenario_sums& scenario_sums::operator+=(const scenario_sums& x) {
  for_each_sum(
      [](int, sum_kind kind, const char*, int64_t& total, const int64_t& add) {
        if (kind == sum_kind::money) {
          add_total(total, add);
        } else {
          total += add;
        }
      },
      *this, x);
  return *this;
}

// The kind of sum q (0 <= q < scenario_sum_count) of for_each_sum.
RS_HD sum_kind sum_kind_of(int64_t q) {
  sum_kind found = sum_kind::money;
  scenario_sums s;
  for_each_sum([&](int i, sum_kind kind, const char*, int64_t) { found = q == i ? kind : found; }, s);
  return found;
}

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

// Cover-2 of a scenario: the largest candidate plus the second, saturating like every money total.
RS_HD int64_t cover2_of(int64_t cover1, int64_t second) {
  int64_t total = cover1;
  add_total(total, second);
  return total;
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
