// The small tables of a CSV snapshot: factors, assets, collateral and margin tiers, instruments.
// Each is read on one thread, in file order (snapshot_io.cpp says what each file holds).
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "snapshot_loader.hpp"

namespace riskscan::snapshot_csv {
namespace {

// ---- tier schedules (collateral tiers and margin tiers share the rules) ----

struct pending_tier {
  tier_row row;
  std::size_t line = 0;
  bool up_to_ok = false;  // false: already reported, left out of the ordering checks
};

// Checks the rows of one schedule in file order: up_to_usd strictly ascending, inf only last.
void check_tiers(const std::vector<pending_tier>& rows, const std::string& file, std::string_view owner,
                 problem_list& problems) {
  const pending_tier* prev = nullptr;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const pending_tier& t = rows[i];
    if (!t.up_to_ok) continue;
    if (std::isinf(t.row.up_to_usd) && i + 1 < rows.size()) {
      problems.add(file, t.line, "up_to_usd",
                   fmt::format("inf is allowed only in the last tier of '{}' (another follows on line {})", owner,
                               rows[i + 1].line));
    }
    if (prev != nullptr && !(t.row.up_to_usd > prev->row.up_to_usd) && !std::isinf(prev->row.up_to_usd)) {
      problems.add(file, t.line, "up_to_usd",
                   fmt::format("tiers of '{}' must ascend: {} is not above {} (line {})", owner, t.row.up_to_usd,
                               prev->row.up_to_usd, prev->line));
    }
    prev = &t;
  }
}

// Lays the per-owner rows out contiguously in `out`; returns [begin, end) per owner.
std::vector<std::pair<std::int32_t, std::int32_t>> lay_out(const std::vector<std::vector<pending_tier>>& by_owner,
                                                           std::vector<tier_row>& out) {
  std::vector<std::pair<std::int32_t, std::int32_t>> ranges;
  ranges.reserve(by_owner.size());
  for (const auto& rows : by_owner) {
    const auto begin = to_index(out.size());
    for (const auto& t : rows) out.push_back(t.row);
    ranges.emplace_back(begin, to_index(out.size()));
  }
  return ranges;
}

}  // namespace

void loader::factors(const csv::file& f) {
  enum : std::size_t { c_id, c_kind };
  static constexpr csv::column cols[] = {req("factor"),
                                         req("kind"),
                                         opt("beta"),
                                         opt("pm_range"),
                                         opt("pm_vol_up"),
                                         opt("pm_vol_down"),
                                         opt("pm_extreme_move"),
                                         opt("pm_extreme_fraction"),
                                         opt("pm_basis_rate"),
                                         opt("pm_min_charge_rate")};
  const auto l = read_small(f, cols, s_factors, [&](csv::row& r) {
    factor& x = b.factors.emplace_back();
    std::string_view id;
    if (add_key(r, c_id, factor_ids_, "factor", to_index(b.factors.size() - 1), id)) x.id = id;
    int kind = 0;
    if (r.choice(c_kind, {"crypto", "stable"}, kind)) x.kind = static_cast<factor_kind>(kind);
    read_numbers(r, cols, rules::factor_numbers, x);
  });
  factor_ids_.complete = l.has(c_id);
}

void loader::assets(const csv::file& f) {
  enum : std::size_t { c_id, c_price, c_factor };
  static constexpr csv::column cols[] = {req("asset"), req("price_usd"), opt("factor"), opt("borrow_mmr"),
                                         opt("borrow_imr")};
  const auto l = read_small(f, cols, s_assets, [&](csv::row& r) {
    asset& x = b.assets.emplace_back();
    std::string_view id;
    if (add_key(r, c_id, asset_ids_, "asset", to_index(b.assets.size() - 1), id)) x.id = id;
    read_numbers(r, cols, std::span(&rules::asset_price, 1), x);
    x.factor = resolve(r, c_factor, factor_ids_, "factor", false);
    read_numbers(r, cols, rules::asset_borrow, x);
  });
  asset_ids_.complete = l.has(c_id);
}

void loader::collateral_tiers(const csv::file& f) {
  enum : std::size_t { c_asset, c_up_to, c_ratio };
  static constexpr csv::column cols[] = {req("asset"), req("up_to_usd"), req("ratio")};
  std::vector<std::vector<pending_tier>> by_asset(b.assets.size());
  read_small(f, cols, s_collateral, [&](csv::row& r) {
    pending_tier t;
    t.line = r.line();
    t.up_to_ok = rules::read_cell(r, c_up_to, rules::tier_up_to, t.row.up_to_usd, false);
    rules::read_cell(r, c_ratio, rules::collateral_ratio, t.row.rate, false);
    const std::int32_t a = resolve(r, c_asset, asset_ids_, "asset", true);
    if (a != no_index) by_asset[static_cast<std::size_t>(a)].push_back(t);
  });
  for (std::size_t a = 0; a < by_asset.size(); ++a) check_tiers(by_asset[a], f.name, b.assets[a].id, problems);
  const auto ranges = lay_out(by_asset, b.collateral_tiers);
  for (std::size_t a = 0; a < ranges.size(); ++a) std::tie(b.assets[a].tier_begin, b.assets[a].tier_end) = ranges[a];
}

void loader::margin_tiers(const csv::file& f) {
  enum : std::size_t { c_schedule, c_style, c_up_to, c_rate };
  static constexpr csv::column cols[] = {req("schedule"), req("style"), req("up_to_usd"), req("rate")};
  std::vector<std::vector<pending_tier>> by_schedule;
  std::vector<std::size_t> style_line;  // the row that set each schedule's style
  const auto l = read_small(f, cols, s_margin, [&](csv::row& r) {
    pending_tier t;
    t.line = r.line();
    t.up_to_ok = rules::read_cell(r, c_up_to, rules::tier_up_to, t.row.up_to_usd, false);
    rules::read_cell(r, c_rate, rules::margin_rate, t.row.rate, false);
    int style = -1;
    r.choice(c_style, {"step", "marginal"}, style);
    std::string_view id;
    if (!r.id(c_schedule, id)) return;
    // The first row of a schedule creates it; later rows (anywhere in the file) extend it.
    const auto known = schedule_ids_.insert(id, to_index(b.schedules.size()), r.line());
    const std::size_t s = known ? static_cast<std::size_t>(known->index) : b.schedules.size();
    if (!known) {
      b.schedules.push_back({std::string(id), static_cast<tier_style>(std::max(style, 0)), 0, 0});
      by_schedule.emplace_back();
      style_line.push_back(style >= 0 ? r.line() : 0);
    } else if (style >= 0 && style_line[s] == 0) {
      b.schedules[s].style = static_cast<tier_style>(style);
      style_line[s] = r.line();
    } else if (style >= 0 && static_cast<tier_style>(style) != b.schedules[s].style) {
      r.problem(c_style, fmt::format("'{}' differs from the style of schedule '{}' on line {}", r.cell(c_style), id,
                                     style_line[s]));
    }
    by_schedule[s].push_back(t);
  });
  schedule_ids_.complete = l.has(c_schedule);
  for (std::size_t s = 0; s < by_schedule.size(); ++s) check_tiers(by_schedule[s], f.name, b.schedules[s].id, problems);
  const auto ranges = lay_out(by_schedule, b.margin_tiers);
  for (std::size_t s = 0; s < ranges.size(); ++s)
    std::tie(b.schedules[s].tier_begin, b.schedules[s].tier_end) = ranges[s];
}

void loader::instruments(const csv::file& f) {
  // The numbers are read by name through their rules (value_rules.hpp).
  enum : std::size_t { c_id, c_kind, c_underlying, c_settle, c_inverse, c_type = 9, c_schedule = 11 };
  static constexpr csv::column cols[] = {
      req("instrument"),     req("kind"),         req("underlying"), req("settle"),
      req("inverse"),        req("multiplier"),   req("mark_price"), opt("expiry_years"),
      opt("strike"),         opt("option_type"),  opt("iv"),         opt("mm_schedule"),
      opt("option_mm_rate"), opt("liq_fee_rate"), opt("impact_k"),   opt("depth_usd")};
  static_assert(cols[c_type].name == "option_type" && cols[c_schedule].name == "mm_schedule");
  const auto l = read_small(f, cols, s_instruments, [&](csv::row& r) {
    instrument& x = b.instruments.emplace_back();
    std::string_view id;
    if (add_key(r, c_id, instrument_ids_, "instrument", to_index(b.instruments.size() - 1), id)) x.id = id;
    int kind = -1;
    if (r.choice(c_kind, {"perp", "future", "option"}, kind)) x.kind = static_cast<instrument_kind>(kind);
    const bool option = kind == static_cast<int>(instrument_kind::option);
    const bool needs_schedule = kind >= 0 && !option;
    x.underlying = resolve(r, c_underlying, factor_ids_, "factor", true);
    x.settle = resolve(r, c_settle, asset_ids_, "asset", true);
    int inverse = 0;
    if (r.choice(c_inverse, {"0", "1"}, inverse)) x.inverse = inverse == 1;
    read_numbers(r, cols, rules::instrument_size, x);
    x.mm_schedule = resolve(r, c_schedule, schedule_ids_, "schedule", needs_schedule);
    // Option terms are required for options and checked (but unused) wherever else they are given.
    read_numbers(r, cols, rules::instrument_option_terms, x, option);
    int type = 0;
    if ((option || r.given(c_type)) && r.choice(c_type, {"C", "P"}, type)) x.is_call = type == 0;
    read_numbers(r, cols, rules::instrument_rates, x);
    if (x.inverse && x.settle != no_index && x.underlying != no_index &&
        b.assets[static_cast<std::size_t>(x.settle)].factor != x.underlying) {
      r.problem(c_settle, fmt::format("inverse instrument must settle in its underlying coin ('{}' is not priced by "
                                      "factor '{}')",
                                      r.cell(c_settle), r.cell(c_underlying)));
    }
  });
  instrument_ids_.complete = l.has(c_id);
}

}  // namespace riskscan::snapshot_csv
