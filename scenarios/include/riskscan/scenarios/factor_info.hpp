#pragma once
// What the scenario generators need to know about a risk factor (METHODOLOGY.md 10): its name,
// whether it is a crypto asset or a stablecoin, its beta to the market, and (Monte Carlo only) its
// annual volatility. The caller passes a snapshot's factors (`from_book`) or the spec lists them
// inline (`[[factor]]`, docs/scenarios.md).
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "riskscan/book.hpp"
#include "riskscan/scenario_set.hpp"

namespace riskscan::scenarios {

struct factor_info {
  std::string id;
  factor_kind kind = factor_kind::crypto;
  double beta = 1.0;                                             // co-moving grid move = g * beta
  double annual_vol = std::numeric_limits<double>::quiet_NaN();  // NaN = not given
};

std::vector<factor_info> from_book(const std::vector<riskscan::factor>& book_factors);

// Index of `id` in `factors`, or -1.
std::ptrdiff_t find_factor(const std::vector<factor_info>& factors, std::string_view id);

// An empty set whose columns are `factors` in that order.
scenario_set empty_set(const std::vector<factor_info>& factors);

// An empty set with `count` scenarios of all-zero r and v, ids left empty; storage sized once
// (for generators that fill rows in parallel).
void resize_scenarios(scenario_set& set, std::size_t count);

// Appends every scenario of `from` to `into`, columns matched by factor name. A factor of `from`
// that `into` lacks becomes a new column of `into` (0 in its earlier rows). Ids are not checked
// for uniqueness here (see first_repeated_id).
void append_scenarios(scenario_set& into, const scenario_set& from);

// The first scenario whose id an earlier one already has, as (earlier, later) indices.
std::optional<std::pair<std::size_t, std::size_t>> first_repeated_id(const scenario_set& set);

}  // namespace riskscan::scenarios
