#pragma once
// The rule of every number a snapshot holds, declared once: the CSV loader (snapshot_io.cpp)
// parses each cell by it, and a pack load (snapshot_pack.cpp) checks each stored value by it.
// A rule names the book field (the pack column is "<table>.<field>") and the CSV column, says
// which values a given cell may hold (csv::domain) and when a cell must be given; an empty cell
// stores `absent`, so a pack holding `absent` there is a snapshot that left the cell empty.
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include "riskscan/book.hpp"
#include "riskscan/csv_reader.hpp"

namespace riskscan::value_rules {

using csv::domain;

enum class presence : std::uint8_t {
  required,        // every row gives it
  optional,        // an empty cell stores `absent`
  for_options,     // required for options; optional (absent) for perps and futures
  except_options,  // required for perps and futures; options store `absent` whatever the cell
};

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

struct column_rule {
  std::string_view field;   // book field, and pack column after the table's prefix
  std::string_view column;  // CSV column
  domain given;
  presence when;
  double absent = 0.0;
};

// A rule of a field of a small table's row struct.
template <class Row>
struct number_rule : column_rule {
  double Row::*member;
};

// Small tables: the loader reads these cells in the order listed (problems on a line are reported
// in reading order).
inline constexpr number_rule<factor> factor_numbers[] = {
    {{"beta", "beta", domain::any, presence::optional, 1.0}, &factor::beta},
    {{"pm_range", "pm_range", domain::non_negative, presence::optional}, &factor::pm_range},
    {{"pm_vol_up", "pm_vol_up", domain::non_negative, presence::optional}, &factor::pm_vol_up},
    {{"pm_vol_down", "pm_vol_down", domain::non_negative, presence::optional}, &factor::pm_vol_down},
    {{"pm_extreme_move", "pm_extreme_move", domain::non_negative, presence::optional}, &factor::pm_extreme_move},
    {{"pm_extreme_fraction", "pm_extreme_fraction", domain::non_negative, presence::optional},
     &factor::pm_extreme_fraction},
    {{"pm_basis_rate", "pm_basis_rate", domain::non_negative, presence::optional}, &factor::pm_basis_rate},
    {{"pm_min_charge_rate", "pm_min_charge_rate", domain::non_negative, presence::optional},
     &factor::pm_min_charge_rate}};

inline constexpr number_rule<asset> asset_price{{"price_usd", "price_usd", domain::positive, presence::required},
                                                &asset::price_usd};
inline constexpr number_rule<asset> asset_borrow[] = {
    {{"borrow_mmr", "borrow_mmr", domain::non_negative, presence::optional}, &asset::borrow_mmr},
    {{"borrow_imr", "borrow_imr", domain::non_negative, presence::optional}, &asset::borrow_imr}};

// up_to_usd may be inf only in the last row of its schedule (checked with the tier order).
inline constexpr number_rule<tier_row> tier_up_to{
    {"up_to_usd", "up_to_usd", domain::positive_or_inf, presence::required}, &tier_row::up_to_usd};
inline constexpr number_rule<tier_row> collateral_ratio{{"rate", "ratio", domain::unit_interval, presence::required},
                                                        &tier_row::rate};
inline constexpr number_rule<tier_row> margin_rate{{"rate", "rate", domain::unit_interval, presence::required},
                                                   &tier_row::rate};

inline constexpr number_rule<instrument> instrument_size[] = {
    {{"multiplier", "multiplier", domain::positive, presence::required}, &instrument::multiplier},
    {{"mark_price", "mark_price", domain::positive, presence::required}, &instrument::mark_price}};
inline constexpr number_rule<instrument> instrument_option_terms[] = {
    {{"expiry_years", "expiry_years", domain::non_negative, presence::for_options}, &instrument::expiry_years},
    {{"strike", "strike", domain::positive, presence::for_options}, &instrument::strike},
    {{"iv", "iv", domain::positive, presence::for_options}, &instrument::iv}};
// depth_usd: empty = no slippage (0); a depth that is given is positive.
inline constexpr number_rule<instrument> instrument_rates[] = {
    {{"option_mm_rate", "option_mm_rate", domain::non_negative, presence::optional}, &instrument::option_mm_rate},
    {{"liq_fee_rate", "liq_fee_rate", domain::non_negative, presence::optional}, &instrument::liq_fee_rate},
    {{"impact_k", "impact_k", domain::non_negative, presence::optional}, &instrument::impact_k},
    {{"depth_usd", "depth_usd", domain::positive, presence::optional}, &instrument::depth_usd}};

// Large tables, stored as columns of the book.
inline constexpr column_rule balance_amount{"amount", "amount", domain::any, presence::required};
inline constexpr column_rule position_qty{"qty", "qty", domain::nonzero, presence::required};
// Options are valued from the forward: an entry price given for one is checked, then not kept.
inline constexpr column_rule position_entry{"entry", "entry_price", domain::positive, presence::except_options, nan};
// Empty: a cross position (NaN); isolated options are refused by the loader and the pack check.
inline constexpr column_rule position_isolated{"isolated", "isolated_margin", domain::non_negative, presence::optional,
                                               nan};

// Whether a cell of this rule must be given in a row (of an option or not).
constexpr bool must_give(const column_rule& rule, bool option) {
  return rule.when == presence::required || (rule.when == presence::for_options && option) ||
         (rule.when == presence::except_options && !option);
}

// Reads cell `c` of a CSV row by its rule into `out`.
inline bool read_cell(csv::row& r, std::size_t c, const column_rule& rule, double& out, bool option) {
  const bool ok = must_give(rule, option) ? r.number(c, out, rule.given) : r.number_or(c, rule.absent, out, rule.given);
  if (rule.when == presence::except_options && option) out = rule.absent;
  return ok;
}

// The index of a CSV column in a loader's column list.
inline std::size_t column_index(std::span<const csv::column> columns, std::string_view name) {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == name) return i;
  return columns.size();
}

// A stored value against its rule: "" when a CSV cell could have given it, else why not.
inline std::string stored_value_problem(double x, const column_rule& rule, bool option) {
  if (rule.when == presence::except_options && option) return {};
  const bool absent = std::isnan(rule.absent) ? std::isnan(x) : x == rule.absent;
  if (!must_give(rule, option) && absent) return {};
  const bool inf_allowed = rule.given == domain::positive_or_inf && x == std::numeric_limits<double>::infinity();
  if (!std::isfinite(x) && !inf_allowed) return fmt::format("{} is not a finite number", x);
  const char* why = csv::domain_rule(x, rule.given);
  return why == nullptr ? std::string() : fmt::format("{} (got {})", why, x);
}

}  // namespace riskscan::value_rules
