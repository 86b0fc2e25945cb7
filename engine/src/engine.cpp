#include "riskscan/engine.hpp"

#include <fmt/core.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "riskscan/core/fixed_point.hpp"
#include "riskscan/core/reduce.hpp"
#include "riskscan/error.hpp"
#include "riskscan/instrument_tables.hpp"
#include "riskscan/scenario_io.hpp"

namespace riskscan {

bound_scenarios bind_scenarios(const book& b, const scenario_set& set, const std::string& source) {
  std::unordered_map<std::string, std::int32_t> factor_index;
  for (std::size_t f = 0; f < b.factors.size(); ++f)
    factor_index.emplace(b.factors[f].id, static_cast<std::int32_t>(f));
  std::vector<std::int32_t> column_factor;
  problem_list problems;
  for (const auto& name : set.factors) {
    const auto it = factor_index.find(name);
    if (it == factor_index.end()) {
      problems.add(source, 1, "r:" + name, "unknown factor (not in factors.csv)");
      column_factor.push_back(no_index);
    } else {
      column_factor.push_back(it->second);
    }
  }
  if (!problems.empty()) throw input_error(problems);
  // A scenario file was checked cell by cell as it was read; a generated set (a Monte Carlo draw
  // over a long horizon) is checked here, before any of it is priced.
  check_shock_range(set, source);

  bound_scenarios out;
  out.ids = set.ids;
  out.weights = set.weights;
  out.horizon_days = set.horizon_days;
  out.factors = static_cast<std::int32_t>(b.factors.size());
  const std::size_t n = set.size();
  const auto nf = static_cast<std::size_t>(out.factors);
  out.r.assign(n * nf, 0.0);
  out.v.assign(n * nf, 0.0);
  for (std::size_t s = 0; s < n; ++s) {
    for (std::size_t c = 0; c < set.factor_count(); ++c) {
      out.r[s * nf + static_cast<std::size_t>(column_factor[c])] = set.ret(s, c);
      out.v[s * nf + static_cast<std::size_t>(column_factor[c])] = set.vol(s, c);
    }
  }
  const double total = std::accumulate(out.weights.begin(), out.weights.end(), 0.0);
  for (const double w : out.weights) out.normalized_weights.push_back(w / total);
  return out;
}

base_values evaluate_base(const eval_book& book, const scan_config& config) {
  const core::book_view& bk = book.view();
  const auto n = static_cast<std::size_t>(bk.accounts);
  instrument_tables tables(book, 1);
  const std::vector<double> zeros(static_cast<std::size_t>(bk.factors), 0.0);
  tables.compute_state(zeros.data(), zeros.data(), 0.0);
  base_values out;
  out.equity.resize(n);
  out.adj_equity.resize(n);
  out.mm.resize(n);
  out.imr.resize(n);
  out.liquidated.resize(n);
  const core::table_lane lane{tables.tables(), 0};
#pragma omp parallel for schedule(dynamic, 1024) \
    num_threads(config.threads > 0 ? config.threads : omp_get_max_threads())
  for (std::int64_t a = 0; a < bk.accounts; ++a) {
    const auto o = core::evaluate_account(bk, a, lane, config.params);
    const auto i = static_cast<std::size_t>(a);
    out.equity[i] = o.raw_equity + o.isolated_equity;
    out.adj_equity[i] = o.adj_equity;
    out.mm[i] = o.mm;
    out.imr[i] = o.imr;
    out.liquidated[i] = o.liquidated ? 1 : 0;
  }
  return out;
}

std::vector<std::int64_t> cover_groups(const book& b) {
  const auto n_groups = static_cast<std::int64_t>(b.group_ids.size());
  std::vector<std::int64_t> out(b.account_count());
  for (std::size_t a = 0; a < out.size(); ++a)
    out[a] = b.account_groups[a] >= 0 ? b.account_groups[a] : n_groups + static_cast<std::int64_t>(a);
  return out;
}

namespace {
// Indices of `loss` in ascending order of loss (ties by index, for determinism).
std::vector<std::size_t> ascending(const std::vector<double>& loss) {
  std::vector<std::size_t> order(loss.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](auto x, auto y) { return loss[x] < loss[y]; });
  return order;
}
}  // namespace

// The cumulative weight is summed with Neumaier compensation: a plain running sum of 1e5 equal
// weights drifts by ~1e-11, more than the 1e-12 slack of the definition, and picks the next
// order statistic.
double value_at_risk(const std::vector<double>& loss, const std::vector<double>& w, double q) {
  double sum = 0.0;
  double compensation = 0.0;
  const auto order = ascending(loss);
  for (const auto i : order) {
    const double t = sum + w[i];
    compensation += std::fabs(sum) >= std::fabs(w[i]) ? (sum - t) + w[i] : (w[i] - t) + sum;
    sum = t;
    if (sum + compensation >= q - 1e-12) return loss[i];
  }
  return loss[order.back()];
}

// Acerbi-Tasche ES_q = [sum_{L > VaR} w L + (W(L <= VaR) - q) VaR] / (1 - q). With the weights
// summing to 1 this equals VaR + sum_{L > VaR} w (L - VaR) / (1 - q), computed that way: it is
// exactly VaR when no loss exceeds it and does not cancel two large sums.
double expected_shortfall(const std::vector<double>& loss, const std::vector<double>& w, double q) {
  const double var = value_at_risk(loss, w, q);
  double excess = 0.0;
  for (std::size_t i = 0; i < loss.size(); ++i)
    if (loss[i] > var) excess += w[i] * (loss[i] - var);
  return var + excess / (1.0 - q);
}

void check_totals(const bound_scenarios& scenarios, const scenario_reductions& r) {
  constexpr std::size_t max_listed = 20;
  std::string listed;
  std::size_t count = 0;
  for (std::size_t s = 0; s < r.deficit.size(); ++s) {
    std::string which;
    core::for_each_sum(
        [&](int, core::sum_kind kind, const char* name, const std::vector<std::int64_t>& totals) {
          if (kind != core::sum_kind::money || totals[s] < core::total_limit) return;
          which += which.empty() ? name : std::string(", ") + name;
        },
        r);
    if (which.empty()) continue;
    if (++count <= max_listed) listed += "\n  scenario " + scenarios.ids[s] + ": " + which;
  }
  if (count == 0) return;
  if (count > max_listed) listed += "\n  ... and " + std::to_string(count - max_listed) + " more scenarios";
  throw error(exit_code::bad_input,
              std::to_string(count) +
                  " scenario(s) have a money total of 9.2e14 USD or more, beyond the range of the " +
                  "1e-4 USD fixed-point sums (METHODOLOGY.md 8); the snapshot holds implausible balances or " +
                  "positions:" + listed);
}

void check_account_values(const book& b, const base_values& base, const account_reductions& r, bool have_scenarios) {
  constexpr std::size_t max_listed = 20;
  std::string listed;
  std::size_t count = 0;
  for (std::size_t a = 0; a < b.account_count(); ++a) {
    const bool portfolio = b.account_modes[a] == account_mode::portfolio;
    const std::optional<double> ratio = margin_ratio(base, a);
    std::string which;
    for (const auto& [name, value, written] :
         {std::tuple{"base_equity", base.equity[a], true}, std::tuple{"base_adj_equity", base.adj_equity[a], true},
          std::tuple{"base_mm", base.mm[a], true},
          std::tuple{"base_margin_ratio", ratio.value_or(0.0), ratio.has_value()},
          std::tuple{"base_imr", base.imr[a], portfolio}, std::tuple{"worst_excess", r.worst_excess[a], have_scenarios},
          std::tuple{"max_deficit", r.max_deficit[a], true},
          std::tuple{"expected_deficit", r.expected_deficit[a], have_scenarios}}) {
      if (!written || std::isfinite(value)) continue;
      which += fmt::format("{}{} = {}", which.empty() ? "" : ", ", name, value);
    }
    if (which.empty()) continue;
    if (++count <= max_listed) listed += "\n  account " + b.account_ids[a] + ": " + which;
  }
  if (count == 0) return;
  if (count > max_listed) listed += "\n  ... and " + std::to_string(count - max_listed) + " more accounts";
  throw error(exit_code::bad_input, std::to_string(count) +
                                        " account(s) have values that are not finite: a price, quantity or rate in "
                                        "the inputs is too large for double precision:" +
                                        listed);
}

fund_sizing size_fund(const bound_scenarios& scenarios, const scenario_reductions& r, std::int64_t fund_balance_fp) {
  fund_sizing out;
  const std::size_t n = scenarios.size();
  if (n == 0) return out;
  out.empty = false;
  std::vector<double> net_draw(n);
  std::int64_t cover1 = 0;
  std::int64_t cover2 = 0;
  for (std::size_t s = 0; s < n; ++s) {
    const std::int64_t draw = r.deficit[s] - r.inflow[s];
    net_draw[s] = static_cast<double>(draw) / core::fixed_scale;
    if (draw > fund_balance_fp) out.p_adl += scenarios.normalized_weights[s];
    cover1 = std::max(cover1, r.cover1[s]);
    cover2 = std::max(cover2, r.cover2[s]);
  }
  for (const double q : reported_quantiles) {
    out.var.push_back({q, value_at_risk(net_draw, scenarios.normalized_weights, q)});
    out.es.push_back({q, expected_shortfall(net_draw, scenarios.normalized_weights, q)});
  }
  out.cover1 = static_cast<double>(cover1) / core::fixed_scale;
  out.cover2 = static_cast<double>(cover2) / core::fixed_scale;
  const double es = expected_shortfall(net_draw, scenarios.normalized_weights, recommended_quantile);
  out.recommended_fund = std::max(es, out.cover2);
  return out;
}

}  // namespace riskscan
