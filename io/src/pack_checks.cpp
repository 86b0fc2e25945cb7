#include "pack_checks.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string_view>
#include <type_traits>
#include <vector>

#include "account_rows.hpp"
#include "riskscan/csv_reader.hpp"
#include "riskscan/region_errors.hpp"
#include "value_rules.hpp"

namespace riskscan {
namespace {

// The checks of a loaded pack's book: each finds a column's bad rows and reports the first of
// them and how many more there are (a doctored file could have millions). Balances and positions
// are millions of rows, so rows are checked in blocks on every thread; the report is the same as
// from one thread.
class book_check {
 public:
  book_check(std::string file, problem_list& problems, int threads)
      : file_(std::move(file)), problems_(problems), threads_(threads) {}

  // fn(i) returns an empty string for a good row, else what is wrong with it. fn must be safe to
  // call from several threads at once.
  template <class Fn>
  void rows(std::string_view column, std::size_t n, Fn&& fn) {
    const tally t = count_bad(n, [&](std::size_t lo, std::size_t hi, tally& here) {
      for (std::size_t i = lo; i < hi; ++i)
        if (!fn(i).empty()) here.add(i);
    });
    if (t.bad > 0) report(column, t, fn(t.first));
  }

  // CSR rows (begin: offsets by account) whose key(row) repeats an earlier row of their account.
  template <class Key>
  void repeated_rows(std::string_view column, const std::vector<std::int64_t>& begin, Key&& key) {
    const std::size_t accounts = begin.size() - 1;
    const tally t = count_bad(accounts, [&](std::size_t lo, std::size_t hi, tally& here) {
      for (std::size_t a = lo; a < hi; ++a)
        for_each_duplicate(begin[a], begin[a + 1], key, [&](std::size_t later, std::size_t) { here.add(later); });
    });
    if (t.bad > 0) report(column, t, "repeats an earlier row of its account");
  }

  void same_length(std::string_view column, std::size_t n, std::string_view other, std::size_t m) {
    if (n != m) problems_.add(file_, 0, std::string(column), fmt::format("has {} rows, {} has {}", n, other, m));
  }

  // CSR offsets: `owners` + 1 entries from 0 to `rows`, never descending.
  void offsets(std::string_view column, const std::vector<std::int64_t>& begin, std::size_t owners, std::size_t rows) {
    if (begin.size() != owners + 1 || begin.front() != 0 || begin.back() != static_cast<std::int64_t>(rows)) {
      problems_.add(file_, 0, std::string(column), fmt::format("must hold {} offsets from 0 to {}", owners + 1, rows));
      return;
    }
    this->rows(column, owners, [&](std::size_t a) {
      return begin[a] <= begin[a + 1] ? std::string()
                                      : fmt::format("{} is above the next offset {}", begin[a], begin[a + 1]);
    });
  }

 private:
  // The bad rows of a column: how many, and the first.
  struct tally {
    std::size_t bad = 0;
    std::size_t first = std::numeric_limits<std::size_t>::max();
    void add(std::size_t row) {
      ++bad;
      first = std::min(first, row);
    }
  };

  // The tally of items [0, n), from scan(lo, hi, tally) over blocks of items on every thread.
  template <class Scan>
  tally count_bad(std::size_t n, Scan&& scan) {
    constexpr std::size_t block = std::size_t{1} << 16;
    const auto blocks = static_cast<std::int64_t>((n + block - 1) / block);
    tally all;
    std::size_t bad = 0, first = all.first;
    region_errors errors;  // a report allocates: an exception must not leave the region
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads_) if (blocks > 1) reduction(+ : bad) \
    reduction(min : first)
    for (std::int64_t k = 0; k < blocks; ++k) {
      const auto lo = static_cast<std::size_t>(k) * block;
      errors.run([&] {
        tally here;
        scan(lo, std::min(n, lo + block), here);
        bad += here.bad;
        first = std::min(first, here.first);
      });
    }
    errors.rethrow();
    all.bad = bad;
    all.first = first;
    return all;
  }

  void report(std::string_view column, const tally& t, std::string_view why) {
    std::string text = fmt::format("row {}: {}", t.first, why);
    if (t.bad > 1) text += fmt::format(" (and {} more rows)", t.bad - 1);
    problems_.add(file_, 0, std::string(column), std::move(text));
  }

  std::string file_;
  problem_list& problems_;
  int threads_;
};

std::string index_problem(std::int32_t i, std::size_t n, bool optional, std::string_view what) {
  if ((optional && i == no_index) || (i >= 0 && static_cast<std::size_t>(i) < n)) return {};
  return fmt::format("{} index {} is not one of the {} {}s", what, i, n, what);
}

std::string tier_range_problem(std::int32_t begin, std::int32_t end, std::size_t n, bool nonempty) {
  if (begin >= 0 && begin <= end && static_cast<std::size_t>(end) <= n && (!nonempty || begin < end)) return {};
  return fmt::format("tiers [{}, {}) are not a{} range of the {} tiers", begin, end, nonempty ? " nonempty" : "", n);
}

std::string enum_problem(std::uint8_t value, std::uint8_t count) {
  return value < count ? std::string() : fmt::format("{} is not a known value (0 to {})", value, count - 1);
}

void check_references(const book& b, book_check& check) {
  const std::size_t factors = b.factors.size(), assets = b.assets.size(), instruments = b.instruments.size();
  check.rows("factor.kind", factors,
             [&](std::size_t i) { return enum_problem(static_cast<std::uint8_t>(b.factors[i].kind), 2); });
  check.rows("asset.factor", assets,
             [&](std::size_t i) { return index_problem(b.assets[i].factor, factors, true, "factor"); });
  check.rows("asset.tier_begin", assets, [&](std::size_t i) {
    return tier_range_problem(b.assets[i].tier_begin, b.assets[i].tier_end, b.collateral_tiers.size(), false);
  });
  check.rows("schedule.style", b.schedules.size(),
             [&](std::size_t i) { return enum_problem(static_cast<std::uint8_t>(b.schedules[i].style), 2); });
  check.rows("schedule.tier_begin", b.schedules.size(), [&](std::size_t i) {
    return tier_range_problem(b.schedules[i].tier_begin, b.schedules[i].tier_end, b.margin_tiers.size(), true);
  });
  check.rows("instrument.kind", instruments,
             [&](std::size_t i) { return enum_problem(static_cast<std::uint8_t>(b.instruments[i].kind), 3); });
  check.rows("instrument.underlying", instruments,
             [&](std::size_t i) { return index_problem(b.instruments[i].underlying, factors, false, "factor"); });
  check.rows("instrument.settle", instruments,
             [&](std::size_t i) { return index_problem(b.instruments[i].settle, assets, false, "asset"); });
  check.rows("instrument.mm_schedule", instruments, [&](std::size_t i) {
    const instrument& x = b.instruments[i];
    return index_problem(x.mm_schedule, b.schedules.size(), x.kind == instrument_kind::option, "schedule");
  });

  const std::size_t accounts = b.account_ids.size();
  check.same_length("account.mode", b.account_modes.size(), "account.id", accounts);
  check.same_length("account.group", b.account_groups.size(), "account.id", accounts);
  check.rows("account.mode", b.account_modes.size(),
             [&](std::size_t a) { return enum_problem(static_cast<std::uint8_t>(b.account_modes[a]), 2); });
  check.rows("account.group", b.account_groups.size(),
             [&](std::size_t a) { return index_problem(b.account_groups[a], b.group_ids.size(), true, "group"); });

  check.same_length("balance.amount", b.balance_amount.size(), "balance.asset", b.balance_asset.size());
  check.offsets("balance.begin", b.balance_begin, accounts, b.balance_asset.size());
  check.rows("balance.asset", b.balance_asset.size(),
             [&](std::size_t r) { return index_problem(b.balance_asset[r], assets, false, "asset"); });

  const std::size_t positions = b.position_instrument.size();
  check.same_length("position.qty", b.position_qty.size(), "position.instrument", positions);
  check.same_length("position.entry", b.position_entry.size(), "position.instrument", positions);
  check.same_length("position.isolated", b.position_isolated.size(), "position.instrument", positions);
  check.offsets("position.begin", b.position_begin, accounts, positions);
  check.rows("position.instrument", positions,
             [&](std::size_t r) { return index_problem(b.position_instrument[r], instruments, false, "instrument"); });
  // Not an index, but the kernels rely on it: an isolated position is margined on its
  // instrument's schedule, and options have none.
  check.rows("position.isolated", std::min(positions, b.position_isolated.size()), [&](std::size_t r) {
    const std::int32_t i = b.position_instrument[r];
    const bool option = i >= 0 && static_cast<std::size_t>(i) < instruments &&
                        b.instruments[static_cast<std::size_t>(i)].kind == instrument_kind::option;
    return option && is_isolated(b.position_isolated[r]) ? std::string("an option position is isolated")
                                                         : std::string();
  });
}

namespace rules = value_rules;

// Tier rows [begin, end) of one schedule: up_to_usd strictly ascending, inf only in the last row.
std::string tier_order_problem(const std::vector<tier_row>& tiers, std::int32_t begin, std::int32_t end) {
  for (auto i = static_cast<std::size_t>(begin); i + 1 < static_cast<std::size_t>(end); ++i) {
    if (!(tiers[i].up_to_usd < tiers[i + 1].up_to_usd))
      return fmt::format("up_to_usd of tier rows {} and {} do not ascend ({}, {})", i, i + 1, tiers[i].up_to_usd,
                         tiers[i + 1].up_to_usd);
  }
  return {};
}

// Every number against its rule (value_rules.hpp), as the CSV loader would have read it.
void check_numbers(const book& b, book_check& check) {
  const auto option = [&](std::int32_t i) {
    return b.instruments[static_cast<std::size_t>(i)].kind == instrument_kind::option;
  };
  const auto rows = [&](std::string_view table, const auto& list, const auto& numbers) {
    for (const auto& rule : numbers) {
      check.rows(fmt::format("{}.{}", table, rule.field), list.size(), [&](std::size_t i) {
        bool is_option = false;
        if constexpr (std::is_same_v<std::decay_t<decltype(list[i])>, instrument>)
          is_option = list[i].kind == instrument_kind::option;
        return rules::stored_value_problem(list[i].*rule.member, rule, is_option);
      });
    }
  };
  rows("factor", b.factors, rules::factor_numbers);
  rows("asset", b.assets, std::span(&rules::asset_price, 1));
  rows("asset", b.assets, rules::asset_borrow);
  rows("collateral_tier", b.collateral_tiers, std::span(&rules::tier_up_to, 1));
  rows("collateral_tier", b.collateral_tiers, std::span(&rules::collateral_ratio, 1));
  rows("margin_tier", b.margin_tiers, std::span(&rules::tier_up_to, 1));
  rows("margin_tier", b.margin_tiers, std::span(&rules::margin_rate, 1));
  rows("instrument", b.instruments, rules::instrument_size);
  rows("instrument", b.instruments, rules::instrument_option_terms);
  rows("instrument", b.instruments, rules::instrument_rates);
  const auto column = [&](std::string_view table, const rules::column_rule& rule, const std::vector<double>& values,
                          auto is_option) {
    check.rows(fmt::format("{}.{}", table, rule.field), values.size(),
               [&](std::size_t r) { return rules::stored_value_problem(values[r], rule, is_option(r)); });
  };
  const auto never = [](std::size_t) { return false; };
  column("balance", rules::balance_amount, b.balance_amount, never);
  column("position", rules::position_qty, b.position_qty, never);
  column("position", rules::position_entry, b.position_entry,
         [&](std::size_t r) { return option(b.position_instrument[r]); });
  column("position", rules::position_isolated, b.position_isolated, never);
}

// Every value against the rules of the CSV loader, after check_references found every index in
// range (tests/io/input_fuzz_test.cpp edits and reseals packs).
void check_values(const book& b, book_check& check) {
  // IDs are copied into every output file: each must be a name a CSV cell can hold, and within a
  // small table unique. Account and group IDs are not checked for repeats: hashing ten million
  // IDs would double the time of these checks, and a repeated account ID changes no number; the
  // two rows of accounts.csv then carry the same name.
  const auto id_of = [](const auto& row) -> std::string_view {
    if constexpr (std::is_same_v<std::decay_t<decltype(row)>, std::string>) {
      return row;  // account and group IDs are a table of their own
    } else {
      return row.id;
    }
  };
  const auto ids = [&](std::string_view name, const auto& rows, bool unique) {
    const std::size_t n = rows.size();
    check.rows(name, n, [&](std::size_t i) {
      const std::string_view id = id_of(rows[i]);
      return csv::is_name(id) ? std::string()
                              : fmt::format("'{}' is not an ID a CSV cell can hold", csv::printable(id));
    });
    if (!unique) return;
    std::map<std::string_view, std::size_t> first;
    std::vector<std::size_t> repeats(n, n);  // n: not a repeat
    for (std::size_t i = 0; i < n; ++i)
      if (const auto [at, added] = first.try_emplace(id_of(rows[i]), i); !added) repeats[i] = at->second;
    check.rows(name, n, [&](std::size_t i) {
      return repeats[i] == n ? std::string() : fmt::format("repeats the ID of row {}", repeats[i]);
    });
  };
  ids("factor.id", b.factors, true);
  ids("asset.id", b.assets, true);
  ids("schedule.id", b.schedules, true);
  ids("instrument.id", b.instruments, true);
  ids("account.id", b.account_ids, false);
  ids("group.id", b.group_ids, false);

  check_numbers(b, check);
  check.rows("asset.tier_begin", b.assets.size(), [&](std::size_t i) {
    return tier_order_problem(b.collateral_tiers, b.assets[i].tier_begin, b.assets[i].tier_end);
  });
  check.rows("schedule.tier_begin", b.schedules.size(), [&](std::size_t i) {
    return tier_order_problem(b.margin_tiers, b.schedules[i].tier_begin, b.schedules[i].tier_end);
  });
  check.rows("instrument.settle", b.instruments.size(), [&](std::size_t i) {
    const instrument& x = b.instruments[i];
    return x.inverse && b.assets[static_cast<std::size_t>(x.settle)].factor != x.underlying
               ? std::string("an inverse instrument must settle in its underlying coin")
               : std::string();
  });

  // An account holds an asset once, and an instrument once cross and once isolated.
  check.repeated_rows("balance.asset", b.balance_begin,
                      [&](std::size_t r) { return static_cast<std::uint64_t>(b.balance_asset[r]); });
  check.repeated_rows("position.instrument", b.position_begin, [&](std::size_t r) {
    return static_cast<std::uint64_t>(b.position_instrument[r]) * 2 + (is_isolated(b.position_isolated[r]) ? 1 : 0);
  });
}

}  // namespace

void check_pack_book(const book& b, const std::string& file, problem_list& problems, int threads) {
  book_check check(file, problems, threads);
  check_references(b, check);
  if (problems.empty()) check_values(b, check);  // indices first: the value rules follow them
}

}  // namespace riskscan
