// METHODOLOGY.md 8 on hand-built books with exact deficits: top-k order and its tie rule (equal
// deficits: lower account row first; fewer positive deficits than k: empty), Cover-1 / Cover-2
// over account groups, on every CPU backend and thread count.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "book_builder.hpp"
#include "riskscan/cpu_backend.hpp"
#include "riskscan/engine.hpp"

namespace riskscan::test {
namespace {

// Every special account holds 10 x a USD-settled linear perp at 100 (1 % step MM, no fees, no
// depth); at r = -50 % it loses exactly 500 USD, so a balance of 500 - d leaves a deficit of d.
// Filler accounts (balance 10,000, 1 contract) never liquidate. Deficits are exact binary values.
struct special {
  std::size_t row;
  double deficit;
  std::string group;
};

book deficit_book(std::size_t accounts, const std::vector<special>& specials) {
  book_builder bb = linear_perp_market();
  for (std::size_t a = 0; a < accounts; ++a) {
    const special* s = nullptr;
    for (const auto& x : specials)
      if (x.row == a) s = &x;
    bb.account("acct" + std::to_string(a), account_mode::cross, s ? s->group : "");
    if (s) {
      bb.balance("USD", 500.0 - s->deficit);
      bb.position("BTC-USD", 10.0, 100.0);
    } else {
      bb.balance("USD", 10000.0);
      bb.position("BTC-USD", 1.0, 100.0);
    }
  }
  return bb.get();
}

bound_scenarios crash_scenarios(const book& b) {
  scenario_set set = make_scenario_set({"BTC"});
  set.ret(set.add("crash"), 0) = -0.5;
  set.add("flat");
  set.ret(set.add("dip"), 0) = -0.45;  // every special account's deficit is 50 less (or none)
  return bind_scenarios(b, set, "test");
}

std::vector<std::unique_ptr<backend>> all_backends() {
  std::vector<std::unique_ptr<backend>> out;
  out.push_back(make_reference_backend());
  out.push_back(make_cpu_backend(1));
  out.push_back(make_cpu_backend(2));
  out.push_back(make_cpu_backend(3));
  return out;
}

constexpr std::int64_t usd(double x) { return static_cast<std::int64_t>(x * 10000.0); }

TEST(TopK, OrderAndTieRuleOnEveryBackend) {
  // 700 accounts so that the cpu backend's dynamic chunks (256) land on different threads.
  const std::vector<special> specials{
      {650, 100.0, ""}, {100, 100.0, ""}, {300, 150.0, ""}, {450, 100.0, ""}, {20, 60.0, ""}};
  const book b = deficit_book(700, specials);
  const auto sc = crash_scenarios(b);
  for (const auto& be : all_backends()) {
    SCOPED_TRACE(be->name() + " x" + std::to_string(be->threads()));
    scan_config cfg;
    cfg.top_k = 5;
    const eval_book e(b);
    const auto red = be->scan(e, cover_groups(b), sc, cfg).scenarios;
    ASSERT_EQ(red.top_k, 5);
    // crash: 150 (row 300), then the three tied 100s in row order 100, 450, 650, then 60 (row 20).
    const std::vector<std::int64_t> want_acc{300, 100, 450, 650, 20};
    const std::vector<std::int64_t> want_def{usd(150), usd(100), usd(100), usd(100), usd(60)};
    for (int j = 0; j < 5; ++j) {
      EXPECT_EQ(red.top_account[j], want_acc[j]) << "crash rank " << j;
      EXPECT_EQ(red.top_deficit[j], want_def[j]) << "crash rank " << j;
    }
    EXPECT_EQ(red.deficit[0], usd(510));
    EXPECT_EQ(red.accounts_liquidated[0], 5);
    // flat: no deficit, every slot empty.
    for (int j = 0; j < 5; ++j) {
      EXPECT_EQ(red.top_account[5 + j], -1);
      EXPECT_EQ(red.top_deficit[5 + j], 0);
    }
    // dip: 100 (300), 50 x 3 (100, 450, 650), row 20 has 10 -> it is still positive.
    const std::vector<std::int64_t> dip_acc{300, 100, 450, 650, 20};
    const std::vector<std::int64_t> dip_def{usd(100), usd(50), usd(50), usd(50), usd(10)};
    for (int j = 0; j < 5; ++j) {
      EXPECT_EQ(red.top_account[10 + j], dip_acc[j]) << "dip rank " << j;
      EXPECT_EQ(red.top_deficit[10 + j], dip_def[j]) << "dip rank " << j;
    }
  }
}

TEST(TopK, FewerPositiveDeficitsThanKLeaveEmptySlots) {
  const book b = deficit_book(300, {{7, 30.0, ""}, {250, 40.0, ""}});
  const auto sc = crash_scenarios(b);
  for (const auto& be : all_backends()) {
    SCOPED_TRACE(be->name() + " x" + std::to_string(be->threads()));
    scan_config cfg;
    cfg.top_k = 4;
    const eval_book e(b);
    const auto red = be->scan(e, cover_groups(b), sc, cfg).scenarios;
    EXPECT_EQ(red.top_account[0], 250);
    EXPECT_EQ(red.top_account[1], 7);
    EXPECT_EQ(red.top_account[2], -1);
    EXPECT_EQ(red.top_account[3], -1);
    EXPECT_EQ(red.top_deficit[2], 0);
    // dip: 40 - 50 and 30 - 50 are no deficits at all.
    for (int j = 0; j < 4; ++j) EXPECT_EQ(red.top_account[8 + j], -1);
    EXPECT_EQ(red.deficit[2], 0);
  }
}

TEST(TopK, WrittenColumns) {
  const book b = deficit_book(10, {{3, 100.0, ""}, {1, 100.0, ""}});
  const auto sc = crash_scenarios(b);
  auto be = make_reference_backend();
  scan_config cfg;
  cfg.top_k = 3;
  const auto res = scan_in_memory(b, sc, *be, cfg);
  temp_dir dir;
  write_file(dir / "s.csv", res.scenarios_csv);
  const csv_table t = read_csv(dir / "s.csv");
  const auto& crash = t.row("scenario", "crash");
  EXPECT_EQ(crash.at(t.column("top1_account")), "acct1");  // tie: lower row first
  EXPECT_EQ(crash.at(t.column("top1_deficit")), "100.0000");
  EXPECT_EQ(crash.at(t.column("top2_account")), "acct3");
  EXPECT_EQ(crash.at(t.column("top3_account")), "");
  EXPECT_EQ(crash.at(t.column("top3_deficit")), "0.0000");
  const auto& flat = t.row("scenario", "flat");
  EXPECT_EQ(flat.at(t.column("top1_account")), "");
  EXPECT_EQ(flat.at(t.column("top1_deficit")), "0.0000");
}

TEST(Cover, GroupDeficitsAreSummed) {
  // Groups: g = 100 + 50 = 150 (rows 0 and 420), h = 30 + 0 (rows 610, 611);
  // ungrouped: 120 (row 300), 110 (row 5). Cover-1 = 150, Cover-2 = 150 + 120 = 270.
  // Ungrouped accounts are groups of one: merging them would give 230.
  const book b = deficit_book(
      700,
      {{0, 100.0, "g"}, {420, 50.0, "g"}, {610, 30.0, "h"}, {611, -1000.0, "h"}, {300, 120.0, ""}, {5, 110.0, ""}});
  const auto sc = crash_scenarios(b);
  for (const auto& be : all_backends()) {
    SCOPED_TRACE(be->name() + " x" + std::to_string(be->threads()));
    const eval_book e(b);
    const auto red = be->scan(e, cover_groups(b), sc, scan_config{}).scenarios;
    EXPECT_EQ(red.cover1[0], usd(150));
    EXPECT_EQ(red.cover2[0], usd(270));
    // Top-k is per account, not per group.
    EXPECT_EQ(red.top_account[0], 300);
    EXPECT_EQ(red.top_account[1], 5);
    // dip (each 50 less): g = 50 + 0, ungrouped 70 and 60, h = 0 -> Cover-1 70, Cover-2 130.
    EXPECT_EQ(red.cover1[2], usd(70));
    EXPECT_EQ(red.cover2[2], usd(130));
    // flat: nothing.
    EXPECT_EQ(red.cover1[1], 0);
    EXPECT_EQ(red.cover2[1], 0);
  }
}

TEST(Cover, SingleGroupHoldsEverything) {
  // One group of three: Cover-1 = Cover-2 = the group's sum (there is no second group with a deficit).
  const book b = deficit_book(5, {{0, 10.0, "g"}, {2, 20.0, "g"}, {4, 30.0, "g"}});
  const auto sc = crash_scenarios(b);
  for (const auto& be : all_backends()) {
    SCOPED_TRACE(be->name());
    const eval_book e(b);
    const auto red = be->scan(e, cover_groups(b), sc, scan_config{}).scenarios;
    EXPECT_EQ(red.cover1[0], usd(60));
    EXPECT_EQ(red.cover2[0], usd(60));
  }
}

}  // namespace
}  // namespace riskscan::test
