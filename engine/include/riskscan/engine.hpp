#pragma once
// The scan pipeline between loading and writing: bind scenarios to the book, evaluate the base
// state, run a backend over the scenario set, and size the insurance fund from the result.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "riskscan/backend.hpp"
#include "riskscan/book.hpp"
#include "riskscan/eval_book.hpp"
#include "riskscan/scan_types.hpp"
#include "riskscan/scenario_set.hpp"

namespace riskscan {

// Maps the set's factor columns onto the book's factors (missing factors shock 0). A column for
// a factor the book does not have is bad input: `source:1: r:<factor>: unknown factor`.
bound_scenarios bind_scenarios(const book& b, const scenario_set& set, const std::string& source);

// Per-account values in the base state (all r = v = 0, horizon 0).
struct base_values {
  std::vector<double> equity;      // cross E_raw + USD equity of isolated positions
  std::vector<double> adj_equity;  // cross AE
  std::vector<double> mm;          // cross MM
  std::vector<double> imr;         // portfolio accounts; 0 for cross accounts
  std::vector<std::uint8_t> liquidated;
};
base_values evaluate_base(const eval_book& book, const scan_config& config);

// base_margin_ratio of accounts.csv: AE / MM, which does not exist when MM is 0.
inline std::optional<double> margin_ratio(const base_values& base, std::size_t a) {
  if (base.mm[a] == 0.0) return std::nullopt;
  return base.adj_equity[a] / base.mm[a];
}

// Cover-N group of every account: its group's index, or a unique id when it has none.
std::vector<std::int64_t> cover_groups(const book& b);

// Every per-scenario money total must stay below core::total_limit (9.2e14 USD), the range of
// the int64 fixed-point sums (METHODOLOGY.md 8); backends saturate a total that reaches it. Throws
// bad input (exit 65) naming such scenarios: only an implausible snapshot gets there, and a
// wrapped or clipped total must not be written as if it were a result.
void check_totals(const bound_scenarios& scenarios, const scenario_reductions& reductions);

// Every number accounts.csv will hold must be finite. Inf or NaN there means a value overflowed
// double precision somewhere, which valid inputs do not reach (scenario shocks are bounded, base
// totals are range-checked); a doctored pack or an input beyond the checks still must not end as
// 'inf' in a result. Throws bad input (exit 65) naming the accounts and columns.
void check_account_values(const book& b, const base_values& base, const account_reductions& r, bool have_scenarios);

// Insurance-fund sizing over the scenario set (METHODOLOGY.md 9). Money in USD.
struct quantile_value {
  double q = 0.0;
  double value = 0.0;
};
struct fund_sizing {
  std::vector<quantile_value> var;
  std::vector<quantile_value> es;
  double p_adl = 0.0;
  double cover1 = 0.0;
  double cover2 = 0.0;
  double recommended_fund = 0.0;
  bool empty = true;  // no scenarios: every figure is undefined
};
inline const std::vector<double> reported_quantiles{0.99, 0.995, 0.999};
inline constexpr double recommended_quantile = 0.999;
inline constexpr const char* quantile_method =
    "weighted empirical: VaR_q = min{L_(j): cumulative weight >= q - 1e-12}; "
    "ES_q = Acerbi-Tasche [sum_{L > VaR} w L + (W(L <= VaR) - q) VaR] / (1 - q)";

fund_sizing size_fund(const bound_scenarios& scenarios, const scenario_reductions& reductions,
                      std::int64_t fund_balance_fp);

// VaR and ES of losses `loss` with weights `w` (normalised to 1) at quantile q.
double value_at_risk(const std::vector<double>& loss, const std::vector<double>& w, double q);
double expected_shortfall(const std::vector<double>& loss, const std::vector<double>& w, double q);

}  // namespace riskscan
