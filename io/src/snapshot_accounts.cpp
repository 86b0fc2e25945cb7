// The large tables of a CSV snapshot: accounts, balances and positions, read in slices on every
// thread and placed in the book by account (snapshot_io.cpp says what each file holds).
#include <fmt/core.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "snapshot_loader.hpp"

namespace riskscan::snapshot_csv {

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
      rules::read_cell(r, c_amount, rules::balance_amount, x.amount, false);
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
    double qty = 0.0, entry = rules::nan, isolated = rules::nan;
    std::size_t line = 0;
  };
  const auto parts = read_large<position_row>(f, cols, s_positions, {c_account, &position_row::account}, [&] {
    return [&, instruments = cached_lookup(instrument_ids_)](csv::row& r, position_row& x) mutable {
      x.line = r.line();
      x.instrument = resolve(r, c_instrument, instruments, "instrument", true);
      rules::read_cell(r, c_qty, rules::position_qty, x.qty, false);
      const instrument* inst =
          x.instrument == no_index ? nullptr : &b.instruments[static_cast<std::size_t>(x.instrument)];
      const bool option = inst != nullptr && inst->kind == instrument_kind::option;
      // An unknown instrument (reported) is read as an option: an entry price is checked if given.
      rules::read_cell(r, c_entry, rules::position_entry, x.entry, inst == nullptr || option);
      if (rules::read_cell(r, c_isolated, rules::position_isolated, x.isolated, false) && option &&
          is_isolated(x.isolated)) {
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

}  // namespace riskscan::snapshot_csv
