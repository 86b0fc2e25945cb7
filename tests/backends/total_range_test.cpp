// METHODOLOGY.md 8: per-scenario money totals are int64 sums of 1e-4 USD, so they hold at most
// 9.2e14 USD (core::total_limit). Below it every backend is exact; a total that reaches it
// saturates identically on every backend and in chunked runs (never a wrapped, plausible-looking
// number, never undefined behaviour), and the scan stops with exit 65 naming the scenario.
#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "book_builder.hpp"
#include "riskscan/account_chunks.hpp"
#include "riskscan/core/fixed_point.hpp"
#include "riskscan/cpu_backend.hpp"
#include "riskscan/engine.hpp"
#include "riskscan/error.hpp"

namespace riskscan::test {
namespace {

using core::total_limit;

struct whale {
  double quantity;  // of a linear perp at 100; r = -50% loses 50 USD each
  double balance;   // USD
  std::string group;
};

// Whales first, then `fillers` small accounts that never liquidate. No fees, no depth: a whale's
// crash deficit is exactly 50 x quantity - balance, its liquidated notional 50 x quantity.
book whale_book(const std::vector<whale>& whales, std::size_t fillers) {
  book_builder bb = linear_perp_market();
  for (std::size_t a = 0; a < whales.size(); ++a) {
    bb.account("whale" + std::to_string(a), account_mode::cross, whales[a].group);
    bb.balance("USD", whales[a].balance);
    bb.position("BTC-USD", whales[a].quantity, 100.0);
  }
  for (std::size_t a = 0; a < fillers; ++a) {
    bb.account("small" + std::to_string(a), account_mode::cross, "");
    bb.balance("USD", 10000.0);
    bb.position("BTC-USD", 1.0, 100.0);
  }
  return bb.get();
}

bound_scenarios crash_and_flat(const book& b) {
  scenario_set set = make_scenario_set({"BTC"});
  set.ret(set.add("crash"), 0) = -0.5;
  set.add("flat");
  return bind_scenarios(b, set, "test");
}

std::vector<std::unique_ptr<backend>> cpu_backends() {
  std::vector<std::unique_ptr<backend>> out;
  out.push_back(make_reference_backend());
  out.push_back(make_cpu_backend(1));
  out.push_back(make_cpu_backend(3));
  return out;
}

// The whole book on `be`, and the book cut into one chunk per Cover-N group (whales of a group
// are adjacent), merged.
std::vector<scenario_reductions> whole_and_chunked(const book& b, backend& be) {
  const eval_book e(b);
  const auto groups = cover_groups(b);
  const auto sc = crash_and_flat(b);
  std::vector<scenario_reductions> out;
  out.push_back(be.scan(e, groups, sc, scan_config{}).scenarios);
  chunk_rows chunks;
  for (std::size_t a = 0; a < groups.size(); ++a) {
    if (a == 0 || groups[a] != groups[a - 1]) chunks.emplace_back();
    chunks.back().push_back(static_cast<std::int64_t>(a));
  }
  auto whole = [&be, &sc](const eval_book& part, const std::vector<std::int64_t>& part_groups, const scan_config& c) {
    return be.scan(part, part_groups, sc, c);
  };
  out.push_back(scan_in_chunks(e, groups, chunks, sc.size(), scan_config{}, whole).scenarios);
  return out;
}

constexpr std::int64_t units(double usd) { return static_cast<std::int64_t>(usd * 1e4); }

TEST(TotalRange, JustBelowTheLimitTotalsAreExact) {
  // Two whales of 8e12 contracts with 1e14 USD: each loses 4e14 in the crash, a deficit of 3e14
  // on a notional of 4e14. Totals 6e14 and 8e14 USD, just inside 9.2e14.
  const book b = whale_book({{8e12, 1e14, ""}, {8e12, 1e14, ""}}, 300);
  for (const auto& be : cpu_backends()) {
    for (const auto& r : whole_and_chunked(b, *be)) {
      SCOPED_TRACE(be->name() + " x" + std::to_string(be->threads()));
      EXPECT_EQ(r.deficit[0], units(6e14));
      EXPECT_EQ(r.liquidated_notional[0], units(8e14));
      EXPECT_EQ(r.cover1[0], units(3e14));
      EXPECT_EQ(r.cover2[0], units(6e14));
      EXPECT_EQ(r.deficit[1], 0);
      EXPECT_NO_THROW(check_totals(crash_and_flat(b), r));
    }
  }
}

TEST(TotalRange, TotalsBeyondTheLimitSaturateOnEveryBackend) {
  // Three whales of 2e13 contracts with 6e14 USD: each a crash deficit of 4e14 and a notional of
  // 1e15 (one account's value alone saturates). Exact totals 1.2e15 and 3e15 USD would wrap an
  // int64 sum of 1e-4 USD. Whales 0 and 1 share a group: 8e14 fits, but Cover-2 = 8e14 + 4e14
  // does not.
  const book b = whale_book({{2e13, 6e14, "g"}, {2e13, 6e14, "g"}, {2e13, 6e14, ""}}, 300);
  for (const auto& be : cpu_backends()) {
    for (const auto& r : whole_and_chunked(b, *be)) {
      SCOPED_TRACE(be->name() + " x" + std::to_string(be->threads()));
      EXPECT_EQ(r.accounts_liquidated[0], 3);
      EXPECT_EQ(r.deficit[0], total_limit);
      EXPECT_EQ(r.liquidated_notional[0], total_limit);
      EXPECT_EQ(r.inflow[0], 0);
      EXPECT_EQ(r.cover1[0], units(8e14));
      EXPECT_EQ(r.cover2[0], total_limit);
      EXPECT_EQ(r.top_deficit[0], units(4e14));
      EXPECT_EQ(r.deficit[1], 0);
      try {
        check_totals(crash_and_flat(b), r);
        ADD_FAILURE() << "check_totals accepted a saturated total";
      } catch (const error& e) {
        EXPECT_EQ(e.code(), exit_code::bad_input);
        const std::string what = e.what();
        EXPECT_NE(what.find("1 scenario(s)"), std::string::npos) << what;
        EXPECT_NE(what.find("scenario crash: liquidated_notional, deficit"), std::string::npos) << what;
        EXPECT_EQ(what.find("scenario flat"), std::string::npos) << what;
      }
    }
  }
}

// Through the CLI: the scenario check, and the same range check on the base-state totals.
TEST(TotalRange, ScanExits65AndWritesNothing) {
  struct case_ {
    std::vector<whale> whales;
    std::string message;
  };
  // Two whales with 3e14 USD each: crash deficits of 7e14 and notionals of 1e15 each. Then two
  // with 5e14 USD each and no exposure to speak of: a base equity of 1e15 USD.
  const case_ cases[] = {{{{2e13, 3e14, ""}, {2e13, 3e14, ""}}, "scenario crash: liquidated_notional, deficit"},
                         {{{1.0, 5e14, ""}, {1.0, 5e14, ""}}, "the base-state equity total reaches 9.2e14 USD"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    temp_dir dir;
    write_snapshot(whale_book(c.whales, 3), dir / "snap");
    scenario_set set = make_scenario_set({"BTC"});
    set.ret(set.add("crash"), 0) = -0.5;
    write_scenario_csv(set, dir / "scenarios.csv");
    const cli_result r =
        run_cli({"scan", "--snapshot", (dir / "snap").string(), "--scenarios", (dir / "scenarios.csv").string(),
                 "--out", (dir / "out").string(), "--backend", "cpu"});
    EXPECT_EQ(r.exit_code, 65) << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(dir / "out" / "scenarios.csv"));
    EXPECT_FALSE(std::filesystem::exists(dir / "out" / "summary.json"));
  }
}

}  // namespace
}  // namespace riskscan::test

namespace riskscan::test {
namespace {

// The problems binding `set` to the golden book reports, as `spec.toml` would see them.
std::vector<input_problem> range_problems(const scenario_set& set) {
  try {
    bind_scenarios(golden_book(), set, "spec.toml");
  } catch (const input_error& e) {
    return e.problems().items();
  }
  ADD_FAILURE() << "out-of-range shocks were bound";
  return {};
}

// Returns and vol shocks are bounded by max_shock (a thousandfold rise) so that prices stay finite;
// a scenario file is checked as it is read, a generated set (a Monte Carlo draw over a horizon of
// a billion days made returns of inf) when it is bound to the book.
TEST(ShockRange, GeneratedValuesOutsideTheRangeAreReported) {
  scenario_set set = make_scenario_set({"BTC", "ETH"});
  set.ret(set.add("edge"), 0) = max_shock;
  set.vol(set.add("edge-down"), 1) = -1.0;
  EXPECT_NO_THROW(bind_scenarios(golden_book(), set, "spec.toml"));
  set.ret(set.add("rally"), 0) = 5000.0;
  set.vol(set.add("vol"), 1) = -3.0;
  set.ret(set.add("nan"), 1) = std::numeric_limits<double>::quiet_NaN();
  const auto items = range_problems(set);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].to_string(), "spec.toml: r:BTC: scenario 'rally': 5000 is outside [-1, 1000]");
  EXPECT_EQ(items[1].to_string(), "spec.toml: v:ETH: scenario 'vol': -3 is outside [-1, 1000]");
  EXPECT_EQ(items[2].to_string(), "spec.toml: r:ETH: scenario 'nan': nan is outside [-1, 1000]");
}

// Past the first 20 values the rest are counted, at the column and scenario of the first of them.
TEST(ShockRange, ValuesPastTheFirstTwentyAreCountedWhereTheyStart) {
  scenario_set set = make_scenario_set({"BTC", "ETH"});
  for (int s = 0; s < 12; ++s) {
    const auto i = set.add("crash" + std::to_string(s));
    set.ret(i, 0) = -2.0;
    set.vol(i, 1) = 1e9;
  }
  const auto items = range_problems(set);
  ASSERT_EQ(items.size(), 21u);
  EXPECT_EQ(items[19].to_string(), "spec.toml: v:ETH: scenario 'crash9': 1000000000 is outside [-1, 1000]");
  EXPECT_EQ(items[20].to_string(), "spec.toml: r:BTC: scenario 'crash10' and after: 4 more values outside [-1, 1000]");
}

}  // namespace
}  // namespace riskscan::test

namespace riskscan::test {
namespace {

// The last guard before accounts.csv: no inf or NaN is written as if it were a result.
TEST(AccountValues, ANonFiniteValueIsReportedNotWritten) {
  const book& b = golden_book();
  const eval_book prepared(b);
  const auto sc = bind_scenarios(b, golden_scenarios(), "scenarios.csv");
  base_values base = evaluate_base(prepared, {});
  scan_reductions red = make_cpu_backend(1)->scan(prepared, cover_groups(b), sc, {});
  EXPECT_NO_THROW(check_account_values(b, base, red.accounts, true));

  red.accounts.worst_excess[3] = -std::numeric_limits<double>::infinity();
  base.equity[5] = std::numeric_limits<double>::quiet_NaN();
  red.accounts.expected_deficit[7] = std::numeric_limits<double>::infinity();
  try {
    check_account_values(b, base, red.accounts, true);
    FAIL() << "non-finite account values passed";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), exit_code::bad_input);
    const std::string what = e.what();
    EXPECT_NE(what.find("3 account(s) have values that are not finite"), std::string::npos) << what;
    EXPECT_NE(what.find("account " + b.account_ids[3] + ": worst_excess = -inf"), std::string::npos) << what;
    EXPECT_NE(what.find("account " + b.account_ids[5] + ": base_equity = nan"), std::string::npos) << what;
    EXPECT_NE(what.find("account " + b.account_ids[7] + ": expected_deficit = inf"), std::string::npos) << what;
  }
  // Without scenarios, worst_excess is +inf by definition and written as an empty cell.
  red.accounts.worst_excess.assign(b.account_count(), std::numeric_limits<double>::infinity());
  base.equity[5] = 0.0;
  red.accounts.expected_deficit[7] = 0.0;
  EXPECT_NO_THROW(check_account_values(b, base, red.accounts, false));
}

}  // namespace
}  // namespace riskscan::test
