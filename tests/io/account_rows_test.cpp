// Gathering the loader's per-account rows: the CSR layout must be the stable sort by account of
// the rows of all slices, whether the rows come in account order (placed by every slice on its
// own thread) or not (counted and placed by runs of slices, one thread each), for any thread count.
#include "../../io/src/account_rows.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

namespace riskscan {
namespace {

struct test_row {
  std::int32_t account;  // < 0: unknown, left out
  int serial;            // the row's place in the file
};
using parts_t = std::vector<std::vector<test_row>>;

parts_t make_parts(const std::vector<std::vector<std::int32_t>>& accounts) {
  parts_t parts;
  int serial = 0;
  for (const auto& part : accounts) {
    parts.emplace_back();
    for (std::int32_t a : part) parts.back().push_back({a, serial++});
  }
  return parts;
}

// The plain definition: stable sort by account, then count.
void expect_grouped(const parts_t& parts, std::size_t accounts) {
  std::vector<test_row> rows;
  for (const auto& part : parts)
    for (const auto& row : part)
      if (row.account >= 0) rows.push_back(row);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const test_row& x, const test_row& y) { return x.account < y.account; });
  std::vector<std::int64_t> begin(accounts + 1, 0);
  for (const auto& row : rows) ++begin[static_cast<std::size_t>(row.account) + 1];
  std::partial_sum(begin.begin(), begin.end(), begin.begin());
  for (int threads : {1, 2, 3, 8}) {
    SCOPED_TRACE(threads);
    std::vector<int> placed(rows.size(), -1);
    const auto got = group_by_account(parts, accounts, threads, [&](const test_row& row, std::size_t k) {
      ASSERT_LT(k, placed.size());
      placed[k] = row.serial;
    });
    EXPECT_EQ(got, begin);
    for (std::size_t k = 0; k < rows.size(); ++k) EXPECT_EQ(placed[k], rows[k].serial) << "CSR row " << k;
  }
}

TEST(GroupByAccount, InOrderAcrossSlices) {
  // Account 2 spans the first two slices, 5 the last three; 0, 3, 4, 7 and 8 have no rows; the
  // second and fourth slices are empty; unknown accounts (-1) come anywhere.
  expect_grouped(make_parts({{1, 1, 2, -1}, {}, {-1, 2, 5}, {}, {5}, {-1, 5, 6, -1}}), 9);
  expect_grouped(make_parts({{0, 0, 1}, {2, 3}}), 4);
  expect_grouped(make_parts({{-1, -1}, {}}), 3);  // nothing placed
  expect_grouped(make_parts({}), 2);
  expect_grouped(make_parts({{}, {}}), 0);
}

TEST(GroupByAccount, OutOfOrder) {
  expect_grouped(make_parts({{1, 0, 2}, {3}}), 4);           // within a slice
  expect_grouped(make_parts({{0, 2}, {1, 3}}), 4);           // each slice ascending, not across
  expect_grouped(make_parts({{2, -1}, {}, {-1, 1}}), 3);     // across an empty slice
  expect_grouped(make_parts({{3, 3, 1, 1}, {0, 3, 0}}), 5);  // interleaved repeats
}

TEST(GroupByAccount, RandomSlicesInAndOutOfOrder) {
  std::mt19937 random(5);
  for (int round = 0; round < 200; ++round) {
    const std::size_t accounts = random() % 40;
    std::vector<std::int32_t> rows(random() % 120);
    for (auto& a : rows) a = accounts == 0 || random() % 10 == 0 ? -1 : static_cast<std::int32_t>(random() % accounts);
    if (round % 2 == 0) std::sort(rows.begin(), rows.end());  // in order, unknowns first
    std::vector<std::vector<std::int32_t>> slices(1 + random() % 6);
    for (std::size_t i = 0; i < rows.size(); ++i)
      slices[i * slices.size() / std::max<std::size_t>(rows.size(), 1)].push_back(rows[i]);
    SCOPED_TRACE(round);
    expect_grouped(make_parts(slices), accounts);
  }
}

TEST(ForEachDuplicate, ReportsEveryRepeatAgainstItsFirstRow) {
  // Small accounts scan pairwise, large ones (over 32 rows) sort: both must report the same.
  for (std::size_t n : {5u, 80u}) {
    std::vector<std::uint64_t> keys(n);
    for (std::size_t i = 0; i < n; ++i) keys[i] = i % 3 == 0 ? 7 : 100 + i;  // key 7 repeats
    keys[n - 1] = keys[1];
    std::vector<std::pair<std::size_t, std::size_t>> found;
    for_each_duplicate(
        0, static_cast<std::int64_t>(n), [&](std::size_t i) { return keys[i]; },
        [&](std::size_t later, std::size_t first) { found.emplace_back(later, first); });
    std::sort(found.begin(), found.end());
    std::vector<std::pair<std::size_t, std::size_t>> expected;
    for (std::size_t i = 3; i < n; i += 3) expected.emplace_back(i, 0);
    expected.emplace_back(n - 1, 1);
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(found, expected) << n << " rows";
  }
}

}  // namespace
}  // namespace riskscan
