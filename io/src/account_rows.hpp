#pragma once
// Per-account rows of the snapshot loader (balances, positions): gathering the parsed rows of
// every slice into the book's CSR layout, account by account, and finding repeated keys within
// an account.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <numeric>
#include <span>
#include <utility>
#include <vector>

#include "riskscan/csv_reader.hpp"

namespace riskscan {

// Sizes the columns of n rows, one column per thread (run_each).
template <class... Columns>
void resize_columns(std::size_t n, int threads, Columns&... columns) {
  run_each(threads, [&] { columns.resize(n); }...);
}

// What group_by_account needs to know of one slice's rows (a row with account < 0 had an unknown
// or missing account, already reported, and is left out).
struct slice_order {
  std::size_t placed = 0;              // rows with an account
  std::int64_t first = -1, last = -1;  // their first and last account
  bool ascending = true;               // accounts never decrease from row to row
};

template <class Row>
slice_order order_of(const std::vector<Row>& rows) {
  slice_order o;
  for (const Row& row : rows) {
    if (row.account < 0) continue;
    if (o.placed++ == 0) o.first = row.account;
    o.ascending = o.ascending && row.account >= o.last;
    o.last = row.account;
  }
  return o;
}

// The stable counting sort of group_by_account for rows out of account order. The parts are cut
// into runs (groups), one thread each: a group counts its rows per account, its rows of an
// account go after those of the groups before it, and it places them in file order. A group
// keeps a count per account, 4 bytes each (an account has fewer than 2^32 rows), so at most
// max_groups run at once: 320 MB at ten million accounts.
template <class Row, class Place>
void scatter_by_account(const std::vector<std::vector<Row>>& parts, int threads, Place& place,
                        std::vector<std::int64_t>& begin) {
  constexpr std::size_t max_groups = 8;
  const std::size_t accounts = begin.size() - 1;
  const std::size_t groups =
      std::max<std::size_t>(1, std::min({static_cast<std::size_t>(threads), parts.size(), max_groups}));
  const auto rows_of = [&](std::size_t g, auto&& fn) {
    for (std::size_t p = parts.size() * g / groups; p < parts.size() * (g + 1) / groups; ++p)
      for (const Row& row : parts[p])
        if (row.account >= 0) fn(row, static_cast<std::size_t>(row.account));
  };
  std::vector<std::unique_ptr<std::uint32_t[]>> count(groups);
  parallel_for(groups, threads, [&](std::size_t g) {
    count[g] = std::make_unique<std::uint32_t[]>(accounts);  // zeroed
    rows_of(g, [&](const Row&, std::size_t a) { ++count[g][a]; });
  });
  // Each group's count becomes its first place within the account; begin[a + 1] = the account's rows.
  const auto ranges = static_cast<std::size_t>(threads);
  parallel_for(ranges, threads, [&](std::size_t r) {
    for (std::size_t a = accounts * r / ranges; a < accounts * (r + 1) / ranges; ++a) {
      std::uint32_t run = 0;
      for (std::size_t g = 0; g < groups; ++g) run += std::exchange(count[g][a], run);
      begin[a + 1] = run;
    }
  });
  std::partial_sum(begin.begin(), begin.end(), begin.begin());
  parallel_for(groups, threads, [&](std::size_t g) {
    rows_of(g, [&](const Row& row, std::size_t a) { place(row, static_cast<std::size_t>(begin[a]) + count[g][a]++); });
  });
}

// Stable counting sort by account: the rows of one account stay in file order. `place(row, k)`
// stores a row at CSR position k; it is called from several threads at once, for different k.
// Returns the CSR begin array (accounts + 1 entries).
//
// Snapshot exports list rows account by account, in the accounts file's order. Then the sort is
// the identity, and every slice places its rows and writes its accounts' begin entries on its own
// thread. Otherwise scatter_by_account sorts them on up to eight threads.
template <class Row, class Place>
std::vector<std::int64_t> group_by_account(const std::vector<std::vector<Row>>& parts, std::size_t accounts,
                                           int threads, Place&& place) {
  std::vector<std::int64_t> begin(accounts + 1, 0);
  std::vector<slice_order> order(parts.size());
  parallel_for(parts.size(), threads, [&](std::size_t p) { order[p] = order_of(parts[p]); });
  // offset[p]: the CSR position of part p's first row, were the rows in account order;
  // before[p]: the last account of the parts before p (-1 for none).
  std::vector<std::size_t> offset(parts.size());
  std::vector<std::int64_t> before(parts.size());
  bool ascending = true;
  std::size_t placed = 0;
  std::int64_t last = -1;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    offset[p] = placed;
    before[p] = last;
    if (order[p].placed == 0) continue;
    ascending = ascending && order[p].ascending && order[p].first >= last;
    placed += order[p].placed;
    last = order[p].last;
  }
  if (!ascending) {
    scatter_by_account(parts, threads, place, begin);
    return begin;
  }
  // In order: begin[a] is the position of account a's first row, or of the next row after it
  // for an account without rows. A part writes the entries of the accounts from after the one
  // before its first row up to its last row's, so no two parts write the same entry.
  parallel_for(parts.size(), threads, [&](std::size_t p) {
    std::int64_t previous = before[p];
    auto k = static_cast<std::int64_t>(offset[p]);
    for (const Row& row : parts[p]) {
      if (row.account < 0) continue;
      for (std::int64_t a = previous + 1; a <= row.account; ++a) begin[static_cast<std::size_t>(a)] = k;
      previous = row.account;
      place(row, static_cast<std::size_t>(k++));
    }
  });
  std::fill(begin.begin() + (last + 1), begin.end(), static_cast<std::int64_t>(placed));
  return begin;
}

// Calls report(later, first) for every CSR row whose key(row) (a std::uint64_t) repeats an
// earlier row of its account. Accounts hold a handful of rows, so a quadratic scan is cheapest;
// heavy accounts are sorted.
template <class Key, class Report>
void for_each_duplicate(std::int64_t begin, std::int64_t end, Key&& key, Report&& report) {
  const auto b = static_cast<std::size_t>(begin);
  const auto e = static_cast<std::size_t>(end);
  if (e - b <= 32) {
    for (std::size_t j = b + 1; j < e; ++j) {
      for (std::size_t i = b; i < j; ++i) {
        if (key(i) == key(j)) {
          report(j, i);
          break;
        }
      }
    }
    return;
  }
  std::vector<std::pair<std::uint64_t, std::size_t>> sorted;
  sorted.reserve(e - b);
  for (std::size_t i = b; i < e; ++i) sorted.emplace_back(key(i), i);
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t k = 1, first = 0; k < sorted.size(); ++k) {
    if (sorted[k].first != sorted[first].first) {
      first = k;
    } else {
      report(sorted[k].second, sorted[first].second);
    }
  }
}

}  // namespace riskscan
