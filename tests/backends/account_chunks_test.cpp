// Chunked scans (account_chunks.hpp), on the cpu backend so they run everywhere: a book cut
// into chunks of any size gives exactly the whole book's reductions. The cuda backend uses the
// same planner and merge when the book does not fit on the device.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <type_traits>

#include "book_builder.hpp"
#include "expect_reductions.hpp"
#include "riskscan/account_chunks.hpp"
#include "riskscan/cpu_backend.hpp"
#include "riskscan/generate.hpp"
#include "riskscan/group_slots.hpp"

namespace riskscan::test {
namespace {

// A generated exchange (options, portfolio and isolated accounts), twice over: rows n..2n-1
// repeat rows 0..n-1, so equal deficits tie across chunks and the top-k tie-break is exercised.
const book& doubled_book() {
  static const book b = [] {
    temp_dir dir("rs-chunks");
    generate_options o;
    o.accounts = 300;
    o.seed = 7;
    generate_exchange(o, dir / "snap");
    const book once = load_snapshot(dir / "snap", 1).data;
    std::vector<std::size_t> perm(2 * once.account_count());
    for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i % once.account_count();
    return permute_accounts(once, perm);
  }();
  return b;
}

bound_scenarios crash_scenarios(const book& b, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> crypto(-0.7, 0.5), vol(-0.3, 1.0);
  scenario_set set = make_scenario_set(factor_ids(b));
  for (std::size_t s = 0; s < n; ++s) {
    std::string id = std::to_string(s);
    id.insert(id.begin(), 'c');  // not "c" + ...: g++ 12 warns falsely (-Wrestrict) on that
    set.add(std::move(id), 1.0 + static_cast<double>(s % 3), static_cast<double>(s % 2));
    for (std::size_t f = 0; f < b.factors.size(); ++f) {
      set.ret(s, f) = b.factors[f].kind == factor_kind::stable ? 0.0 : crypto(rng);
      set.vol(s, f) = vol(rng);
    }
  }
  return bind_scenarios(b, set, "crash");
}

// Interleaved Cover-N groups: about a third of the accounts in groups of 2-4 spread across the
// book, the rest alone.
std::vector<std::int64_t> interleaved_groups(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::int64_t> g(n);
  std::iota(g.begin(), g.end(), std::int64_t{1000});
  for (std::size_t a = 0; a < n; ++a)
    if (rng() % 3 == 0) g[a] = static_cast<std::int64_t>(rng() % (n / 8));
  return g;
}

// Dense ids (as cover_groups makes) and sparse ones take different counting paths.
TEST(group_slots, number_groups_of_two_or_more_in_order_of_first_account) {
  for (const std::int64_t offset : {std::int64_t{0}, std::int64_t{1} << 40, -(std::int64_t{1} << 40)}) {
    SCOPED_TRACE("offset " + std::to_string(offset));
    const std::vector<std::int64_t> groups{offset + 7, offset + 3, offset + 7, offset + 5,
                                           offset + 3, offset + 9, offset + 7};
    const group_slots s = make_group_slots(groups);
    EXPECT_EQ(s.count, 2);
    EXPECT_EQ(s.slot, (std::vector<std::int64_t>{0, 1, 0, -1, 1, -1, 0}));
  }
  EXPECT_EQ(make_group_slots({}).count, 0);
}

TEST(eval_book_subset, evaluates_each_account_as_the_whole_book_does) {
  const book& b = doubled_book();
  const eval_book whole(b);
  std::vector<std::int64_t> rows(b.account_count());
  std::iota(rows.begin(), rows.end(), std::int64_t{0});
  std::shuffle(rows.begin(), rows.end(), std::mt19937_64(3));
  rows.resize(rows.size() / 3);
  const eval_book part(whole, rows);
  ASSERT_EQ(part.view().accounts, static_cast<std::int64_t>(rows.size()));
  EXPECT_EQ(part.pm_instrument_count(), whole.pm_instrument_count());

  const auto sc = crash_scenarios(b, 40, 1);
  const std::vector<std::int64_t> alone_whole = [&] {
    std::vector<std::int64_t> g(b.account_count());
    std::iota(g.begin(), g.end(), std::int64_t{0});
    return g;
  }();
  std::vector<std::int64_t> alone_part(rows.size());
  std::iota(alone_part.begin(), alone_part.end(), std::int64_t{0});
  scan_config cfg;
  auto cpu = make_cpu_backend(2);
  const auto w = cpu->scan(whole, alone_whole, sc, cfg);
  const auto p = cpu->scan(part, alone_part, sc, cfg);
  std::size_t liquidated = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto a = static_cast<std::size_t>(rows[i]);
    EXPECT_EQ(p.accounts.worst_excess[i], w.accounts.worst_excess[a]) << "row " << a;
    EXPECT_EQ(p.accounts.worst_scenario[i], w.accounts.worst_scenario[a]) << "row " << a;
    EXPECT_EQ(p.accounts.scenarios_liquidated[i], w.accounts.scenarios_liquidated[a]) << "row " << a;
    EXPECT_EQ(p.accounts.expected_deficit[i], w.accounts.expected_deficit[a]) << "row " << a;
    EXPECT_EQ(part.account_bytes(static_cast<std::int64_t>(i)), whole.account_bytes(rows[i])) << "row " << a;
    liquidated += p.accounts.scenarios_liquidated[i] > 0;
  }
  EXPECT_GT(liquidated, rows.size() / 10) << "too few liquidations for the comparison to mean much";
}

// Every per-account array behind two prepared books, element by element.
void expect_same_account_arrays(const eval_book& x, const eval_book& y) {
  const core::book_sizes sx = x.sizes(), sy = y.sizes();
  int index = 0;  // of the array in core::for_each_array's list
  core::for_each_array(
      [&](core::array_layout layout, const auto* p, const auto* q) {
        const int array = index++;
        if (!core::per_account(layout.rows)) return;
        const std::size_t n = sx.elements(layout);
        ASSERT_EQ(n, sy.elements(layout)) << "array " << array;
        if constexpr (std::is_arithmetic_v<std::remove_cvref_t<decltype(*p)>>) {
          for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(p[i], q[i]) << "array " << array << " [" << i << "]";
        } else {
          FAIL() << "array " << array << ": a per-account array of structs needs a comparison here";
        }
      },
      x.view(), y.view());
}

// The whole-book constructor sizes and fills accounts on all threads; the subset constructor
// appends them one after another. Over all rows in order the two must build the same arrays, and
// the thread count must not matter.
TEST(eval_book, parallel_build_equals_appending_account_by_account) {
  const book b = generated_exchange(20000, 21, true, true);  // blocks of accounts on every thread
  const eval_book serial(b, 1);
  const eval_book parallel(b, 3);
  ASSERT_GT(parallel.sizes()[core::book_extent::units], 0u) << "the book needs portfolio accounts";
  ASSERT_GT(parallel.sizes()[core::book_extent::iso], 0u) << "the book needs isolated positions";
  expect_same_account_arrays(serial, parallel);
  std::vector<std::int64_t> rows(b.account_count());
  std::iota(rows.begin(), rows.end(), std::int64_t{0});
  expect_same_account_arrays(eval_book(parallel, rows), parallel);
}

TEST(eval_book_subset, account_bytes_counts_every_array_row) {
  const eval_book whole(doubled_book());
  const auto sizes = whole.sizes();
  std::size_t sum = 0;
  for (std::int64_t a = 0; a < whole.view().accounts; ++a) sum += whole.account_bytes(a);
  using e = core::book_extent;
  const std::size_t expected = whole.view().accounts * (1 + 4 * 8) + sizes[e::slots] * 20 + sizes[e::cross] * 20 +
                               sizes[e::iso] * 28 + sizes[e::units] * 12 + sizes[e::unit_members] * 8;
  EXPECT_EQ(sum, expected);
}

TEST(plan_account_chunks, covers_every_row_once_keeps_groups_whole_and_respects_the_budget) {
  const std::size_t n = 500;
  const auto groups = interleaved_groups(n, 9);
  auto bytes = [](std::int64_t a) { return static_cast<std::size_t>(10 + a % 7); };
  std::map<std::int64_t, std::size_t> group_bytes;
  for (std::size_t a = 0; a < n; ++a) group_bytes[groups[a]] += bytes(static_cast<std::int64_t>(a));

  for (const std::size_t budget :
       {std::size_t{0}, std::size_t{30}, std::size_t{100}, std::size_t{1000}, std::size_t{1} << 40}) {
    SCOPED_TRACE("budget " + std::to_string(budget));
    const chunk_rows chunks = plan_account_chunks(groups, bytes, budget);
    std::vector<int> seen(n, 0);
    std::map<std::int64_t, std::size_t> chunk_of_group;
    for (std::size_t c = 0; c < chunks.size(); ++c) {
      const auto& rows = chunks[c];
      ASSERT_FALSE(rows.empty());
      EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end()));
      std::size_t used = 0;
      std::set<std::int64_t> groups_here;
      for (const auto a : rows) {
        ++seen[static_cast<std::size_t>(a)];
        used += bytes(a);
        const auto g = groups[static_cast<std::size_t>(a)];
        groups_here.insert(g);
        const auto [it, fresh] = chunk_of_group.try_emplace(g, c);
        EXPECT_EQ(it->second, c) << "group " << g << " split across chunks";
      }
      if (used > budget) {
        EXPECT_EQ(groups_here.size(), 1u) << "chunk " << c << " passes the budget with more than one group";
        EXPECT_GT(group_bytes[*groups_here.begin()], budget);
      }
    }
    EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int x) { return x == 1; }));
    if (budget == 0) {
      EXPECT_EQ(chunks.size(), group_bytes.size());
    } else if (budget == 1000) {
      EXPECT_GT(chunks.size(), 3u);
    } else if (budget == std::size_t{1} << 40) {
      EXPECT_EQ(chunks.size(), 1u);
    }
  }
  EXPECT_TRUE(plan_account_chunks({}, bytes, 100).empty());
}

TEST(scan_in_chunks, equals_the_unchunked_scan_for_any_chunk_size) {
  const book& b = doubled_book();
  const eval_book whole(b);
  const auto groups = interleaved_groups(b.account_count(), 4);
  auto bytes = [&](std::int64_t a) { return whole.account_bytes(a); };
  auto cpu = make_cpu_backend(2);
  for (const std::size_t scenarios : {std::size_t{0}, std::size_t{1}, std::size_t{70}}) {
    const auto sc = crash_scenarios(b, scenarios, 5 + scenarios);
    for (const int k : {0, 1, 4}) {
      scan_config cfg;
      cfg.top_k = k;
      std::size_t last_done = 0, last_total = 0;
      cfg.progress = [&](std::size_t done, std::size_t total) {
        EXPECT_GE(done, last_done);
        last_done = done;
        last_total = total;
      };
      const auto want = cpu->scan(whole, groups, sc, cfg);
      const chunk_scanner scan_chunk = [&](const eval_book& bk, const std::vector<std::int64_t>& g,
                                           const scan_config& c) { return cpu->scan(bk, g, sc, c); };
      for (const std::size_t budget : {std::size_t{0}, std::size_t{5000}, std::size_t{30000}, std::size_t{1} << 40}) {
        if (budget == 0 && scenarios > 1) continue;  // a chunk per group: slow, once is enough
        SCOPED_TRACE("scenarios " + std::to_string(scenarios) + " top-k " + std::to_string(k) + " budget " +
                     std::to_string(budget));
        const chunk_rows chunks = plan_account_chunks(groups, bytes, budget);
        if (budget == 5000) {
          EXPECT_GT(chunks.size(), 5u);
        }
        last_done = 0;
        expect_identical_reductions(want, scan_in_chunks(whole, groups, chunks, sc.size(), cfg, scan_chunk));
        EXPECT_EQ(last_done, last_total) << "progress ends at the total";
      }
      if (scenarios == 70 && k == 4) {
        // Not vacuous: deficits, grouped deficits and tied top-k entries (rows n and n + 300).
        EXPECT_GT(*std::max_element(want.scenarios.deficit.begin(), want.scenarios.deficit.end()), 0);
        EXPECT_GT(want.scenarios.cover2[0] + want.scenarios.cover2[1], 0);
        bool tie = false;
        for (std::size_t j = 0; j + 1 < want.scenarios.top_deficit.size(); ++j)
          tie |= j % 4 != 3 && want.scenarios.top_deficit[j] > 0 &&
                 want.scenarios.top_deficit[j] == want.scenarios.top_deficit[j + 1];
        EXPECT_TRUE(tie);
      }
    }
  }
}

}  // namespace
}  // namespace riskscan::test
