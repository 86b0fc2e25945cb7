// Loading and validating a snapshot directory (FORMATS.md "Snapshot directory").
//
// What each file may hold. "header": R = the header must name the column, - = the column may be
// left out. "cell": when a value must be given (an empty cell = not given). IDs are non-empty.
// Every number must be finite (nan, inf and overflow are rejected) except up_to_usd, which may be
// inf in the last row of its schedule. Options are told apart from perps and futures by `kind`.
//
// file              column               header cell                     rule
// ----------------- -------------------- ------ ------------------------ ------------------------------------------
// factors           factor               R      always                   unique
//                   kind                 R      always                   crypto | stable
//                   beta                 -      default 1                finite, any sign
//                   pm_range, pm_vol_up, pm_vol_down, pm_extreme_move, pm_extreme_fraction, pm_basis_rate,
//                   pm_min_charge_rate   -      default 0                >= 0
// assets            asset                R      always                   unique
//                   price_usd            R      always                   > 0
//                   factor               -      empty = never shocked    a factor
//                   borrow_mmr, _imr     -      default 0                >= 0
// collateral_tiers  asset                R      always                   an asset
// (optional file)   up_to_usd            R      always                   > 0, strictly ascending per asset (file
//                                                                        order, rows need not be adjacent), inf
//                                                                        only in the asset's last row
//                   ratio                R      always                   in [0, 1]
// margin_tiers      schedule             R      always                   rows of a schedule need not be adjacent
//                   style                R      always                   step | marginal, one per schedule
//                   up_to_usd            R      always                   as for collateral tiers
//                   rate                 R      always                   in [0, 1]
// instruments       instrument           R      always                   unique
//                   kind                 R      always                   perp | future | option
//                   underlying           R      always                   a factor
//                   settle               R      always                   an asset; inverse: its factor = underlying
//                   inverse              R      always                   0 | 1
//                   multiplier           R      always                   > 0
//                   mark_price           R      always                   > 0 (options: the forward F)
//                   mm_schedule          -      perps, futures           a schedule (checked whenever given)
//                   expiry_years         -      options; else default 0  >= 0
//                   strike               -      options                  > 0
//                   option_type          -      options                  C | P
//                   iv                   -      options                  > 0
//                   option_mm_rate       -      default 0                >= 0
//                   liq_fee_rate         -      default 0                >= 0
//                   impact_k             -      default 0                >= 0
//                   depth_usd            -      empty = no slippage (0)  > 0
//                   (a cell that is given is checked even where the kind does not use it)
// accounts          account              R      always                   unique
//                   mode                 R      always                   cross | portfolio
//                   group                -      empty = no group         any id
// balances          account, asset       R      always                   known; (account, asset) unique
//                   amount               R      always                   finite, any sign
// positions         account, instrument  R      always                   known
//                   qty                  R      always                   finite, nonzero
//                   entry_price          R      perps, futures           > 0 (options: checked if given, stored NaN)
//                   isolated_margin      -      empty = cross (NaN)      >= 0; not for options
//                   (account, instrument, isolated or not) unique
//
// Speed: every file is read whole; accounts, balances and positions are cut at line boundaries
// into one slice per thread, each slice parsed into its own rows and problems and merged in file
// order. IDs are looked up in flat hash tables of 8-byte slots (id_index.hpp), with a per-thread
// shortcut for rows of the same or one of the next few accounts; in a shuffled file the account
// lookups go in batches whose cache misses overlap (batched_lookup). Rows are placed in the book
// on every thread, in account order or not (account_rows.hpp). Tables and file bytes ask for huge
// pages (huge_pages.hpp). SHA-256 of the files runs on its own thread meanwhile.
#include "riskscan/snapshot_io.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "account_rows.hpp"
#include "id_index.hpp"
#include "riskscan/csv_reader.hpp"
#include "riskscan/error.hpp"
#include "riskscan/sha256.hpp"
#include "riskscan/snapshot_pack.hpp"

namespace riskscan {
namespace {

using csv::domain;
constexpr double not_given = std::numeric_limits<double>::quiet_NaN();

constexpr csv::column req(std::string_view name) { return {name, true}; }
constexpr csv::column opt(std::string_view name) { return {name, false}; }

// ---- IDs ----

// Registers the key of table row `index`, reporting a duplicate. False when the key is missing.
bool add_key(csv::row& r, std::size_t c, id_index& ids, std::string_view what, std::int32_t index,
             std::string_view& id) {
  if (!r.id(c, id)) return false;
  if (const auto first = ids.insert(id, index, r.line())) {
    r.problem(c, fmt::format("duplicate {} '{}' (first on line {})", what, id, first->line));
  }
  return true;
}

std::string unknown(std::string_view what, std::string_view id) {
  return fmt::format("unknown {} '{}'", what, csv::printable(id));
}

// Resolves a reference cell through a lookup (id_index, cached_lookup, row_lookup). no_index when empty
// (reported if `required`) or unknown (reported).
template <class Lookup>
std::int32_t resolve(csv::row& r, std::size_t c, Lookup& ids, std::string_view what, bool required) {
  const std::string_view id = r.cell(c);
  if (id.empty()) {
    std::string_view ignored;
    if (required) r.id(c, ignored);  // reports the missing value
    return no_index;
  }
  const std::int32_t index = ids.find(id);
  if (index == no_index && ids.complete) r.problem(c, unknown(what, id));
  return index;
}

// A batched_lookup asked for the account of one row, as resolve() asks any lookup: its answer
// may be batched_lookup::queued, and an unknown account is then reported with the batch.
struct row_lookup {
  batched_lookup& accounts;
  std::size_t row;
  bool complete = accounts.complete;
  std::int32_t find(std::string_view id) { return accounts.find(id, row); }
};

std::int32_t to_index(std::size_t i) { return static_cast<std::int32_t>(i); }

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

// ---- the loader ----

struct file_slot {
  std::string_view name;
  bool required;
};
// The fixed order of loaded_snapshot::files.
constexpr file_slot file_slots[] = {{"assets.csv", true},       {"collateral_tiers.csv", false}, {"factors.csv", true},
                                    {"margin_tiers.csv", true}, {"instruments.csv", true},       {"accounts.csv", true},
                                    {"balances.csv", true},     {"positions.csv", true}};
enum slot : std::size_t {
  s_assets,
  s_collateral,
  s_factors,
  s_margin,
  s_instruments,
  s_accounts,
  s_balances,
  s_positions
};

class loader {
 public:
  explicit loader(int threads) : threads_(resolve_threads(threads)) {}

  void factors(const csv::file& f);
  void assets(const csv::file& f);
  void collateral_tiers(const csv::file& f);
  void margin_tiers(const csv::file& f);
  void instruments(const csv::file& f);
  void accounts(const csv::file& f);
  void balances(const csv::file& f);
  void positions(const csv::file& f);

  problem_list problems;
  book b;
  std::size_t rows[std::size(file_slots)] = {};

 private:
  // Reads a small file on this thread; fn(row&) per data row. Returns the layout.
  template <class Fn>
  csv::layout read_small(const csv::file& f, std::span<const csv::column> cols, slot s, Fn&& fn) {
    csv::layout l = csv::read_header(f, cols, problems);
    const auto slices = csv::split_lines(f, l, 1, 1);
    for (const auto& sl : slices) {
      csv::for_each_row(f, l, cols, sl, problems, [&](csv::row& r) {
        ++rows[s];
        fn(r);
      });
    }
    return l;
  }

  // How the rows of a large file tie to accounts.csv: accounts.csv keys them in `column`; balances
  // and positions refer to them in `column`, and read_large resolves that into Row::*refers.
  template <class Row>
  struct account_link {
    std::size_t column;
    std::int32_t Row::*refers = nullptr;  // null: the file is accounts.csv
  };

  // Reads a large file in slices on all threads; returns the rows of every slice, in file order.
  // make_parser() is called once per slice and returns the parser(row&, Row&) that fills a row
  // (but not the account it refers to), so a parser may keep per-thread state (cached_lookup).
  template <class Row, class MakeParser>
  std::vector<std::vector<Row>> read_large(const csv::file& f, std::span<const csv::column> cols, slot s,
                                           account_link<Row> link, MakeParser&& make_parser) {
    const csv::layout l = csv::read_header(f, cols, problems);
    if (link.refers == nullptr && !l.has(link.column)) account_ids_.complete = false;
    const auto slices = csv::split_lines(f, l, static_cast<std::size_t>(threads_), threads_);
    std::vector<std::vector<Row>> parts(slices.size());
    std::vector<problem_list> found(slices.size());
    std::vector<problem_list> unknown_accounts(slices.size());  // found a batch later than the rest
    parallel_for(slices.size(), threads_, [&](std::size_t i) {
      std::vector<Row>& part = parts[i];
      // ~40 bytes a line is typical: reserve so the vector grows at most once or twice.
      part.reserve((slices[i].end - slices[i].begin) / 32);
      auto parse = make_parser();
      batched_lookup accounts(account_ids_);
      const auto resolve_waiting = [&] {
        accounts.resolve([&](std::size_t k, std::string_view id, std::int32_t index) {
          part[k].*link.refers = index;
          if (index == no_index && accounts.complete) {
            unknown_accounts[i].add(f.name, part[k].line, std::string(cols[link.column].name), unknown("account", id));
          }
        });
      };
      csv::for_each_row(f, l, cols, slices[i], found[i], [&](csv::row& r) {
        Row& x = part.emplace_back();
        if (link.refers != nullptr) {
          row_lookup lookup{accounts, part.size() - 1};
          x.*link.refers = resolve(r, link.column, lookup, "account", true);
        }
        parse(r, x);
        if (accounts.full()) resolve_waiting();
      });
      resolve_waiting();
    });
    for (std::size_t i = 0; i < slices.size(); ++i) {
      // Ahead of the slice's other problems: the report is sorted by line, stably, and on a line
      // the account column is read first.
      problems.append(unknown_accounts[i]);
      problems.append(found[i]);
      rows[s] += parts[i].size();
    }
    return parts;
  }

  template <class Report>
  void duplicates(const std::vector<std::int64_t>& begin, std::span<const std::uint64_t> keys, Report&& report) {
    const std::size_t parts = static_cast<std::size_t>(threads_);
    std::vector<problem_list> found(parts);
    const std::size_t accounts = begin.size() - 1;
    parallel_for(parts, threads_, [&](std::size_t p) {
      for (std::size_t a = accounts * p / parts; a < accounts * (p + 1) / parts; ++a) {
        for_each_duplicate(
            begin[a], begin[a + 1], [&](std::size_t i) { return keys[i]; },
            [&](std::size_t later, std::size_t first) { report(found[p], a, later, first); });
      }
    });
    for (const auto& f : found) problems.append(f);
  }

  int threads_;
  id_index factor_ids_, asset_ids_, schedule_ids_, instrument_ids_, account_ids_;
};

void loader::factors(const csv::file& f) {
  enum : std::size_t { c_id, c_kind, c_beta, c_range, c_vol_up, c_vol_down, c_x, c_xf, c_basis, c_min };
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
    r.number_or(c_beta, 1.0, x.beta, domain::any);
    r.number_or(c_range, 0.0, x.pm_range, domain::non_negative);
    r.number_or(c_vol_up, 0.0, x.pm_vol_up, domain::non_negative);
    r.number_or(c_vol_down, 0.0, x.pm_vol_down, domain::non_negative);
    r.number_or(c_x, 0.0, x.pm_extreme_move, domain::non_negative);
    r.number_or(c_xf, 0.0, x.pm_extreme_fraction, domain::non_negative);
    r.number_or(c_basis, 0.0, x.pm_basis_rate, domain::non_negative);
    r.number_or(c_min, 0.0, x.pm_min_charge_rate, domain::non_negative);
  });
  factor_ids_.complete = l.has(c_id);
}

void loader::assets(const csv::file& f) {
  enum : std::size_t { c_id, c_price, c_factor, c_mmr, c_imr };
  static constexpr csv::column cols[] = {req("asset"), req("price_usd"), opt("factor"), opt("borrow_mmr"),
                                         opt("borrow_imr")};
  const auto l = read_small(f, cols, s_assets, [&](csv::row& r) {
    asset& x = b.assets.emplace_back();
    std::string_view id;
    if (add_key(r, c_id, asset_ids_, "asset", to_index(b.assets.size() - 1), id)) x.id = id;
    r.number(c_price, x.price_usd, domain::positive);
    x.factor = resolve(r, c_factor, factor_ids_, "factor", false);
    r.number_or(c_mmr, 0.0, x.borrow_mmr, domain::non_negative);
    r.number_or(c_imr, 0.0, x.borrow_imr, domain::non_negative);
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
    t.up_to_ok = r.number(c_up_to, t.row.up_to_usd, domain::positive_or_inf);
    r.number(c_ratio, t.row.rate, domain::unit_interval);
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
    t.up_to_ok = r.number(c_up_to, t.row.up_to_usd, domain::positive_or_inf);
    r.number(c_rate, t.row.rate, domain::unit_interval);
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
  enum : std::size_t {
    c_id,
    c_kind,
    c_underlying,
    c_settle,
    c_inverse,
    c_mult,
    c_mark,
    c_expiry,
    c_strike,
    c_type,
    c_iv,
    c_schedule,
    c_option_mm,
    c_fee,
    c_impact,
    c_depth
  };
  static constexpr csv::column cols[] = {
      req("instrument"),     req("kind"),         req("underlying"), req("settle"),
      req("inverse"),        req("multiplier"),   req("mark_price"), opt("expiry_years"),
      opt("strike"),         opt("option_type"),  opt("iv"),         opt("mm_schedule"),
      opt("option_mm_rate"), opt("liq_fee_rate"), opt("impact_k"),   opt("depth_usd")};
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
    r.number(c_mult, x.multiplier, domain::positive);
    r.number(c_mark, x.mark_price, domain::positive);
    x.mm_schedule = resolve(r, c_schedule, schedule_ids_, "schedule", needs_schedule);
    // Option terms are required for options and checked (but unused) wherever else they are given.
    if (option) {
      r.number(c_expiry, x.expiry_years, domain::non_negative);
      r.number(c_strike, x.strike, domain::positive);
      r.number(c_iv, x.iv, domain::positive);
    } else {
      r.number_or(c_expiry, 0.0, x.expiry_years, domain::non_negative);
      r.number_or(c_strike, 0.0, x.strike, domain::positive);
      r.number_or(c_iv, 0.0, x.iv, domain::positive);
    }
    int type = 0;
    if ((option || r.given(c_type)) && r.choice(c_type, {"C", "P"}, type)) x.is_call = type == 0;
    r.number_or(c_option_mm, 0.0, x.option_mm_rate, domain::non_negative);
    r.number_or(c_fee, 0.0, x.liq_fee_rate, domain::non_negative);
    r.number_or(c_impact, 0.0, x.impact_k, domain::non_negative);
    r.number_or(c_depth, 0.0, x.depth_usd, domain::positive);
    if (x.inverse && x.settle != no_index && x.underlying != no_index &&
        b.assets[static_cast<std::size_t>(x.settle)].factor != x.underlying) {
      r.problem(c_settle, fmt::format("inverse instrument must settle in its underlying coin ('{}' is not priced by "
                                      "factor '{}')",
                                      r.cell(c_settle), r.cell(c_underlying)));
    }
  });
  instrument_ids_.complete = l.has(c_id);
}

void loader::accounts(const csv::file& f) {
  enum : std::size_t { c_id, c_mode, c_group };
  static constexpr csv::column cols[] = {req("account"), req("mode"), opt("group")};
  struct account_row {
    std::string_view id, group;
    std::uint64_t hash = 0;  // of id, computed on the parsing threads
    account_mode mode = account_mode::cross;
    std::size_t line = 0;
  };
  const auto parse = [](csv::row& r, account_row& x) {
    x.line = r.line();
    if (r.id(c_id, x.id)) x.hash = id_index::hash(x.id);
    x.group = r.cell(c_group);
    if (!x.group.empty() && !r.id(c_group, x.group)) x.group = {};  // not text: reported
    int mode = 0;
    if (r.choice(c_mode, {"cross", "portfolio"}, mode)) x.mode = static_cast<account_mode>(mode);
  };
  const auto parts = read_large<account_row>(f, cols, s_accounts, {c_id}, [&] { return parse; });
  // Keys and groups in file order, on this thread: the index of an account is its row.
  const std::size_t n = rows[s_accounts];
  account_ids_.reserve(n);
  b.account_ids.reserve(n);
  b.account_modes.reserve(n);
  b.account_groups.reserve(n);
  id_index groups;
  constexpr std::size_t ahead = 16;  // prefetch distance, in rows
  for (const auto& part : parts) {
    for (std::size_t i = 0; i < part.size(); ++i) {
      const account_row& x = part[i];
      if (i + ahead < part.size()) account_ids_.prefetch(part[i + ahead].hash);
      const auto index = to_index(b.account_ids.size());
      if (!x.id.empty()) {
        if (const auto first = account_ids_.insert(x.id, x.hash, index, x.line)) {
          problems.add(f.name, x.line, "account",
                       fmt::format("duplicate account '{}' (first on line {})", x.id, first->line));
        }
      }
      b.account_ids.emplace_back(x.id);
      b.account_modes.push_back(x.mode);
      std::int32_t group = no_index;
      if (!x.group.empty()) {
        group = to_index(b.group_ids.size());
        if (const auto known = groups.insert(x.group, group, x.line)) {
          group = known->index;
        } else {
          b.group_ids.emplace_back(x.group);
        }
      }
      b.account_groups.push_back(group);
    }
  }
}

void loader::balances(const csv::file& f) {
  enum : std::size_t { c_account, c_asset, c_amount };
  static constexpr csv::column cols[] = {req("account"), req("asset"), req("amount")};
  struct balance_row {
    std::int32_t account = no_index, asset = no_index;
    double amount = 0.0;
    std::size_t line = 0;
  };
  const auto parts = read_large<balance_row>(f, cols, s_balances, {c_account, &balance_row::account}, [&] {
    return [&, assets = cached_lookup(asset_ids_)](csv::row& r, balance_row& x) mutable {
      x.line = r.line();
      x.asset = resolve(r, c_asset, assets, "asset", true);
      r.number(c_amount, x.amount, domain::any);
    };
  });
  const std::size_t total = rows[s_balances];
  resize_columns(total, threads_, b.balance_asset, b.balance_amount);
  const auto keys = std::make_unique_for_overwrite<std::uint64_t[]>(total);  // written by the grouping
  const auto lines = std::make_unique_for_overwrite<std::size_t[]>(total);
  b.balance_begin = group_by_account(parts, b.account_count(), threads_, [&](const balance_row& x, std::size_t k) {
    b.balance_asset[k] = x.asset;
    b.balance_amount[k] = x.amount;
    // An unknown asset (already reported) gets a key of its own so it never looks duplicated.
    keys[k] = x.asset >= 0 ? static_cast<std::uint64_t>(x.asset) : (std::uint64_t{1} << 32) + k;
    lines[k] = x.line;
  });
  // Unknown-account rows were left out of the CSR; shrink to what was placed.
  const auto placed = static_cast<std::size_t>(b.balance_begin.back());
  b.balance_asset.resize(placed);
  b.balance_amount.resize(placed);
  duplicates(b.balance_begin, {keys.get(), placed},
             [&](problem_list& out, std::size_t a, std::size_t later, std::size_t first) {
               out.add(f.name, lines[later], "asset",
                       fmt::format("duplicate balance of '{}' for account '{}' (first on line {})",
                                   b.assets[static_cast<std::size_t>(b.balance_asset[later])].id, b.account_ids[a],
                                   lines[first]));
             });
}

void loader::positions(const csv::file& f) {
  enum : std::size_t { c_account, c_instrument, c_qty, c_entry, c_isolated };
  static constexpr csv::column cols[] = {req("account"), req("instrument"), req("qty"), req("entry_price"),
                                         opt("isolated_margin")};
  struct position_row {
    std::int32_t account = no_index, instrument = no_index;
    double qty = 0.0, entry = not_given, isolated = not_given;
    std::size_t line = 0;
  };
  const auto parts = read_large<position_row>(f, cols, s_positions, {c_account, &position_row::account}, [&] {
    return [&, instruments = cached_lookup(instrument_ids_)](csv::row& r, position_row& x) mutable {
      x.line = r.line();
      x.instrument = resolve(r, c_instrument, instruments, "instrument", true);
      r.number(c_qty, x.qty, domain::nonzero);
      const instrument* inst =
          x.instrument == no_index ? nullptr : &b.instruments[static_cast<std::size_t>(x.instrument)];
      const bool option = inst != nullptr && inst->kind == instrument_kind::option;
      if (inst != nullptr && !option) {
        r.number(c_entry, x.entry, domain::positive);
      } else {
        r.number_or(c_entry, not_given, x.entry, domain::positive);
        if (option) x.entry = not_given;  // options are valued from the forward; an entry is unused
      }
      if (r.number_or(c_isolated, not_given, x.isolated, domain::non_negative) && option && is_isolated(x.isolated)) {
        r.problem(c_isolated, fmt::format("isolated options are not supported ('{}')", inst->id));
      }
    };
  });
  const std::size_t total = rows[s_positions];
  resize_columns(total, threads_, b.position_instrument, b.position_qty, b.position_entry, b.position_isolated);
  const auto keys = std::make_unique_for_overwrite<std::uint64_t[]>(total);  // written by the grouping
  const auto lines = std::make_unique_for_overwrite<std::size_t[]>(total);
  b.position_begin = group_by_account(parts, b.account_count(), threads_, [&](const position_row& x, std::size_t k) {
    b.position_instrument[k] = x.instrument;
    b.position_qty[k] = x.qty;
    b.position_entry[k] = x.entry;
    b.position_isolated[k] = x.isolated;
    // Key = (instrument, isolated or not); an unknown instrument never matches anything.
    keys[k] = x.instrument >= 0 ? static_cast<std::uint64_t>(x.instrument) * 2 + (is_isolated(x.isolated) ? 1 : 0)
                                : (std::uint64_t{1} << 33) + k;
    lines[k] = x.line;
  });
  const auto placed = static_cast<std::size_t>(b.position_begin.back());
  b.position_instrument.resize(placed);
  b.position_qty.resize(placed);
  b.position_entry.resize(placed);
  b.position_isolated.resize(placed);
  duplicates(b.position_begin, {keys.get(), placed},
             [&](problem_list& out, std::size_t a, std::size_t later, std::size_t first) {
               out.add(f.name, lines[later], "instrument",
                       fmt::format("duplicate {} position in '{}' for account '{}' (first on line {})",
                                   is_isolated(b.position_isolated[later]) ? "isolated" : "cross",
                                   b.instruments[static_cast<std::size_t>(b.position_instrument[later])].id,
                                   b.account_ids[a], lines[first]));
             });
}

// SHA-256 of every file into `digests`; returns early, leaving digests empty, if `stop` is requested.
void hash_files(const std::vector<std::optional<csv::file>>& files, std::vector<std::string>& digests,
                std::stop_token stop) {
  constexpr std::size_t block = std::size_t{1} << 20;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!files[i]) continue;
    const std::string_view bytes = files[i]->bytes();
    sha256 h;
    for (std::size_t pos = 0; pos < bytes.size(); pos += block) {
      if (stop.stop_requested()) return;
      h.update(bytes.data() + pos, std::min(block, bytes.size() - pos));
    }
    digests[i] = h.hex_digest();
  }
}

// Hashes the files on a thread of its own, so the digests cost no wall time beside parsing.
// A jthread's destructor asks it to stop before joining, so it stops early only when the load
// throws; a load that succeeds joins it first, and gets every digest. Where no thread can be
// started (a process or address-space limit), the thread returned is empty and the caller hashes.
std::jthread start_hashing(const std::vector<std::optional<csv::file>>& files, std::vector<std::string>& digests) {
  return try_start_thread([&files, &digests](std::stop_token stop) { hash_files(files, digests, stop); });
}

}  // namespace

loaded_snapshot load_snapshot(const std::filesystem::path& dir, int threads) {
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  if (std::filesystem::is_regular_file(dir, ec)) return load_snapshot_pack(dir, threads);
  if (!std::filesystem::is_directory(dir, ec)) {
    throw missing_input_error(fmt::format("snapshot directory {} does not exist", dir.string()));
  }
  std::string missing;
  for (const auto& slot : file_slots) {
    if (slot.required && !std::filesystem::exists(dir / slot.name, ec)) {
      missing += (missing.empty() ? "" : ", ") + std::string(slot.name);
    }
  }
  if (!missing.empty())
    throw missing_input_error(fmt::format("snapshot {} lacks required file(s): {}", dir.string(), missing));

  std::vector<std::optional<csv::file>> files(std::size(file_slots));
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto path = dir / file_slots[i].name;
    if (file_slots[i].required || std::filesystem::exists(path, ec)) files[i] = csv::read_file(path);
  }
  std::vector<std::string> digests(files.size());
  loaded_snapshot out;
  {
    std::jthread hasher = start_hashing(files, digests);
    loader load(threads);
    // Dependency order: every table is read after the tables it refers to.
    load.factors(*files[s_factors]);
    load.assets(*files[s_assets]);
    if (files[s_collateral]) load.collateral_tiers(*files[s_collateral]);
    load.margin_tiers(*files[s_margin]);
    load.instruments(*files[s_instruments]);
    load.accounts(*files[s_accounts]);
    load.balances(*files[s_balances]);
    load.positions(*files[s_positions]);
    if (!load.problems.empty()) {
      load.problems.sort();
      throw input_error(std::move(load.problems));
    }
    if (hasher.joinable()) {
      hasher.join();
    } else {
      hash_files(files, digests, {});
    }
    out.data = std::move(load.b);
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (files[i]) out.files.push_back({files[i]->path, std::move(digests[i]), load.rows[i]});
    }
  }
  out.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace riskscan
