// Loading valid snapshots: the conformance cases and a small hand-written book whose rows are
// deliberately out of account order, with exact values checked.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "riskscan/sha256.hpp"
#include "riskscan/snapshot_io.hpp"
#include "snapshot_fixture.hpp"
#include "test_support.hpp"

namespace riskscan {
namespace {

using test::conformance_dir;

std::int32_t find_id(const auto& rows, const std::string& id) {
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (rows[i].id == id) return static_cast<std::int32_t>(i);
  return no_index;
}

std::int32_t find_account(const book& b, const std::string& id) {
  for (std::size_t i = 0; i < b.account_ids.size(); ++i)
    if (b.account_ids[i] == id) return static_cast<std::int32_t>(i);
  return no_index;
}

// Structural invariants every loaded book must satisfy.
void expect_well_formed(const book& b) {
  ASSERT_EQ(b.balance_begin.size(), b.account_count() + 1);
  ASSERT_EQ(b.position_begin.size(), b.account_count() + 1);
  EXPECT_EQ(b.balance_begin.front(), 0);
  EXPECT_EQ(static_cast<std::size_t>(b.balance_begin.back()), b.balance_count());
  EXPECT_EQ(static_cast<std::size_t>(b.position_begin.back()), b.position_count());
  EXPECT_EQ(b.account_modes.size(), b.account_count());
  EXPECT_EQ(b.account_groups.size(), b.account_count());
  for (std::size_t a = 0; a < b.account_count(); ++a) {
    EXPECT_LE(b.balance_begin[a], b.balance_begin[a + 1]);
    EXPECT_LE(b.position_begin[a], b.position_begin[a + 1]);
  }
  for (const auto& s : b.schedules) EXPECT_LT(s.tier_begin, s.tier_end) << s.id;
  for (const auto& i : b.instruments) {
    if (i.kind != instrument_kind::option) {
      EXPECT_NE(i.mm_schedule, no_index) << i.id;
    }
  }
}

TEST(SnapshotLoad, EveryConformanceCaseLoads) {
  int cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(conformance_dir())) {
    if (!std::filesystem::is_directory(entry.path() / "snapshot")) continue;
    SCOPED_TRACE(entry.path().filename().string());
    const auto loaded = load_snapshot(entry.path() / "snapshot");
    expect_well_formed(loaded.data);
    // Row counts in the manifest match the files (data rows, header excluded).
    for (const auto& f : loaded.files) {
      const auto table = test::read_csv(f.path);
      EXPECT_EQ(f.rows, table.rows.size()) << f.path;
      EXPECT_EQ(f.sha256, sha256_hex(test::read_file(f.path))) << f.path;
    }
    ++cases;
  }
  EXPECT_GE(cases, 4);
}

// The digests are computed on a thread of their own beside the parsers. A tiny snapshot loads
// before that thread has even started, and every digest must still be there: a load that lets the
// hasher stop early (as a jthread's destructor asks it to) leaves them empty.
TEST(SnapshotLoad, DigestsArePresentHoweverFastTheLoad) {
  const auto dir = conformance_dir() / "binance_isolated_liquidation_price" / "snapshot";
  std::vector<std::string> expected;
  for (const auto& f : load_snapshot(dir).files) expected.push_back(sha256_hex(test::read_file(f.path)));
  for (int run = 0; run < 200; ++run) {
    const auto loaded = load_snapshot(dir, 1 + run % 3);
    ASSERT_EQ(loaded.files.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
      ASSERT_EQ(loaded.files[i].sha256, expected[i]) << "run " << run << ": " << loaded.files[i].path;
  }
}

TEST(SnapshotLoad, GoldenSmallBook) {
  const auto dir = conformance_dir() / "golden_small_book" / "snapshot";
  const auto loaded = load_snapshot(dir, 2);
  const book& b = loaded.data;
  EXPECT_EQ(b.account_count(), 120u);
  EXPECT_EQ(b.balance_count(), 232u);
  EXPECT_EQ(b.position_count(), 325u);
  EXPECT_EQ(b.instruments.size(), 135u);
  EXPECT_EQ(b.assets.size(), 8u);
  EXPECT_EQ(b.factors.size(), 7u);
  EXPECT_EQ(b.schedules.size(), 3u);
  EXPECT_EQ(b.margin_tiers.size(), 13u);
  EXPECT_EQ(b.collateral_tiers.size(), 13u);

  // The manifest lists every file in the fixed order, with data-row counts.
  const char* names[] = {"assets.csv",      "collateral_tiers.csv", "factors.csv",  "margin_tiers.csv",
                         "instruments.csv", "accounts.csv",         "balances.csv", "positions.csv"};
  const std::size_t rows[] = {8, 13, 7, 13, 135, 120, 232, 325};
  ASSERT_EQ(loaded.files.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(std::filesystem::path(loaded.files[i].path).filename(), names[i]);
    EXPECT_EQ(loaded.files[i].rows, rows[i]) << names[i];
    EXPECT_EQ(loaded.files[i].sha256.size(), 64u);
  }
  EXPECT_GE(loaded.load_seconds, 0.0);

  // acct000006 holds BTC-USDT-SWAP twice: once cross, once isolated with margin 6716.9863.
  const auto a6 = find_account(b, "acct000006");
  ASSERT_EQ(a6, 6);
  EXPECT_EQ(b.account_modes[6], account_mode::cross);
  const auto begin = static_cast<std::size_t>(b.position_begin[6]);
  ASSERT_EQ(b.position_begin[7] - b.position_begin[6], 6);
  const auto swap = find_id(b.instruments, "BTC-USDT-SWAP");
  EXPECT_EQ(b.position_instrument[begin + 2], swap);
  EXPECT_EQ(b.position_qty[begin + 2], 32.408);
  EXPECT_EQ(b.position_entry[begin + 2], 91128.75241);
  EXPECT_FALSE(is_isolated(b.position_isolated[begin + 2]));
  EXPECT_EQ(b.position_instrument[begin + 3], swap);
  EXPECT_EQ(b.position_qty[begin + 3], -8.27225);
  EXPECT_EQ(b.position_entry[begin + 3], 85934.11832);
  EXPECT_EQ(b.position_isolated[begin + 3], 6716.9863);
  // Options carry no entry price.
  EXPECT_EQ(b.position_instrument[begin], find_id(b.instruments, "BTC-0.5000-1.0-C"));
  EXPECT_TRUE(std::isnan(b.position_entry[begin]));
  ASSERT_EQ(b.balance_begin[7] - b.balance_begin[6], 1);
  EXPECT_EQ(b.balance_asset[static_cast<std::size_t>(b.balance_begin[6])], find_id(b.assets, "DOGE"));
  EXPECT_EQ(b.balance_amount[static_cast<std::size_t>(b.balance_begin[6])], 298261.43);

  // Groups in first-appearance order: acct000000 is in g6, the first group named.
  ASSERT_FALSE(b.group_ids.empty());
  EXPECT_EQ(b.group_ids[0], "g6");
  EXPECT_EQ(b.account_groups[0], 0);
  EXPECT_EQ(b.account_groups[1], no_index);
  EXPECT_EQ(b.group_ids.size(), 15u);
  EXPECT_EQ(b.account_modes[1], account_mode::portfolio);

  // Marginal schedule `bin`: 5 rows in file order, the last one open-ended.
  const auto bin = find_id(b.schedules, "bin");
  ASSERT_NE(bin, no_index);
  const auto& s = b.schedules[static_cast<std::size_t>(bin)];
  EXPECT_EQ(s.style, tier_style::marginal);
  ASSERT_EQ(s.tier_end - s.tier_begin, 5);
  EXPECT_EQ(b.margin_tiers[static_cast<std::size_t>(s.tier_begin)].up_to_usd, 50000.0);
  EXPECT_EQ(b.margin_tiers[static_cast<std::size_t>(s.tier_begin)].rate, 0.004);
  EXPECT_TRUE(std::isinf(b.margin_tiers[static_cast<std::size_t>(s.tier_end - 1)].up_to_usd));
  EXPECT_EQ(b.margin_tiers[static_cast<std::size_t>(s.tier_end - 1)].rate, 0.05);
  EXPECT_EQ(b.schedules[static_cast<std::size_t>(find_id(b.schedules, "okx"))].style, tier_style::step);

  // Collateral tiers: BTC 3 rows ending at inf, USD none.
  const auto& btc = b.assets[static_cast<std::size_t>(find_id(b.assets, "BTC"))];
  ASSERT_EQ(btc.tier_end - btc.tier_begin, 3);
  EXPECT_EQ(b.collateral_tiers[static_cast<std::size_t>(btc.tier_begin)].up_to_usd, 2000000.0);
  EXPECT_EQ(b.collateral_tiers[static_cast<std::size_t>(btc.tier_begin)].rate, 0.95);
  EXPECT_TRUE(std::isinf(b.collateral_tiers[static_cast<std::size_t>(btc.tier_begin + 2)].up_to_usd));
  EXPECT_EQ(b.collateral_tiers[static_cast<std::size_t>(btc.tier_begin + 2)].rate, 0.8);
  const auto& usd = b.assets[static_cast<std::size_t>(find_id(b.assets, "USD"))];
  EXPECT_EQ(usd.tier_begin, usd.tier_end);
  EXPECT_EQ(usd.factor, no_index);
  EXPECT_EQ(btc.price_usd, 91234.5);
  EXPECT_EQ(btc.borrow_mmr, 0.05);

  // An inverse option and a beta.
  const auto& opt = b.instruments[static_cast<std::size_t>(find_id(b.instruments, "BTC-0.0000-0.7-C"))];
  EXPECT_EQ(opt.kind, instrument_kind::option);
  EXPECT_TRUE(opt.inverse);
  EXPECT_TRUE(opt.is_call);
  EXPECT_EQ(opt.strike, 63864.15);
  EXPECT_EQ(opt.iv, 0.8614);
  EXPECT_EQ(opt.expiry_years, 0.0);
  EXPECT_EQ(opt.option_mm_rate, 0.1);
  EXPECT_EQ(opt.depth_usd, 2000000.0);
  EXPECT_EQ(opt.mm_schedule, no_index);
  EXPECT_EQ(b.factors[static_cast<std::size_t>(find_id(b.factors, "SOL"))].beta, 0.803);
  EXPECT_EQ(b.factors[static_cast<std::size_t>(find_id(b.factors, "USDT"))].kind, factor_kind::stable);
}

TEST(SnapshotLoad, OtherConformanceCases) {
  {
    const auto loaded = load_snapshot(conformance_dir() / "binance_isolated_liquidation_price" / "snapshot");
    const book& b = loaded.data;
    EXPECT_EQ(loaded.files.size(), 7u);  // no collateral_tiers.csv
    EXPECT_EQ(b.account_count(), 5u);
    EXPECT_EQ(b.balance_count(), 0u);
    ASSERT_EQ(b.position_count(), 5u);
    EXPECT_EQ(b.position_isolated[3], 1000000.0);
    EXPECT_EQ(b.position_qty[3], -100.0);
    EXPECT_EQ(b.margin_tiers.size(), 10u);
    EXPECT_EQ(b.margin_tiers.back().up_to_usd, 500000000.0);
  }
  {
    const book b = load_snapshot(conformance_dir() / "collateral_and_tiers" / "snapshot").data;
    const auto& btc = b.assets[static_cast<std::size_t>(find_id(b.assets, "BTC"))];
    const auto& usdt = b.assets[static_cast<std::size_t>(find_id(b.assets, "USDT"))];
    EXPECT_EQ(btc.tier_end - btc.tier_begin, 5);
    EXPECT_EQ(b.collateral_tiers[static_cast<std::size_t>(btc.tier_begin + 4)].up_to_usd, 200000000.0);
    EXPECT_EQ(b.collateral_tiers[static_cast<std::size_t>(btc.tier_begin + 4)].rate, 0.85);
    ASSERT_EQ(usdt.tier_end - usdt.tier_begin, 3);
    EXPECT_TRUE(std::isinf(b.collateral_tiers[static_cast<std::size_t>(usdt.tier_end - 1)].up_to_usd));
  }
  {
    const book b = load_snapshot(conformance_dir() / "okx_pm_position_builder" / "snapshot").data;
    ASSERT_EQ(b.account_count(), 1u);
    EXPECT_EQ(b.account_modes[0], account_mode::portfolio);
    EXPECT_EQ(b.balance_amount[0], 130.72365826000168);
    EXPECT_EQ(b.position_count(), 2u);
  }
}

TEST(SnapshotLoad, FixtureRowsGroupedByAccountInFileOrder) {
  test::temp_dir dir("riskscan-load");
  test::write_snapshot(dir.path(), test::valid_snapshot());
  const auto loaded = load_snapshot(dir.path());
  const book& b = loaded.data;
  expect_well_formed(b);
  ASSERT_EQ(b.account_count(), 4u);
  EXPECT_EQ((std::vector<std::int64_t>{0, 2, 4, 5, 5}), b.balance_begin);
  // a1: USDT 10000 then BTC -0.1 (file order, although a2's rows come between them).
  EXPECT_EQ(b.balance_asset[0], find_id(b.assets, "USDT"));
  EXPECT_EQ(b.balance_amount[0], 10000.0);
  EXPECT_EQ(b.balance_asset[1], find_id(b.assets, "BTC"));
  EXPECT_EQ(b.balance_amount[1], -0.1);
  EXPECT_EQ(b.balance_amount[2], 1.5);
  EXPECT_EQ(b.balance_amount[3], 20000.0);
  EXPECT_EQ(b.balance_amount[4], 500.0);

  EXPECT_EQ((std::vector<std::int64_t>{0, 2, 5, 6, 6}), b.position_begin);
  const auto swap = find_id(b.instruments, "BTC-USDT-SWAP");
  EXPECT_EQ(b.position_instrument[0], swap);
  EXPECT_EQ(b.position_instrument[1], swap);
  EXPECT_FALSE(is_isolated(b.position_isolated[0]));
  EXPECT_EQ(b.position_isolated[1], 1000.0);
  EXPECT_EQ(b.position_qty[1], -5.0);
  EXPECT_EQ(b.position_instrument[2], find_id(b.instruments, "BTC-C-100000"));
  EXPECT_EQ(b.position_instrument[3], find_id(b.instruments, "ETH-USDT-FUT"));
  EXPECT_EQ(b.position_instrument[4], find_id(b.instruments, "ETH-P-2800"));
  EXPECT_EQ(b.position_isolated[5], 0.5);

  EXPECT_EQ((std::vector<std::string>{"g1", "g2"}), b.group_ids);
  EXPECT_EQ((std::vector<std::int32_t>{0, no_index, 0, 1}), b.account_groups);

  // Defaults of optional cells.
  const auto& eth = b.assets[static_cast<std::size_t>(find_id(b.assets, "ETH"))];
  EXPECT_EQ(eth.borrow_mmr, 0.0);
  EXPECT_EQ(eth.borrow_imr, 0.0);
  const auto& fut = b.instruments[static_cast<std::size_t>(find_id(b.instruments, "ETH-USDT-FUT"))];
  EXPECT_EQ(fut.depth_usd, 0.0);
  EXPECT_EQ(fut.expiry_years, 0.25);
  EXPECT_EQ(fut.option_mm_rate, 0.0);
  const auto& put = b.instruments[static_cast<std::size_t>(find_id(b.instruments, "ETH-P-2800"))];
  EXPECT_FALSE(put.is_call);
  EXPECT_EQ(put.impact_k, 0.0);

  // Collateral rows of BTC are not adjacent in the file; they stay in file order.
  const auto& btc = b.assets[static_cast<std::size_t>(find_id(b.assets, "BTC"))];
  ASSERT_EQ(btc.tier_end - btc.tier_begin, 2);
  EXPECT_EQ(b.collateral_tiers[static_cast<std::size_t>(btc.tier_begin)].up_to_usd, 2000000.0);
  EXPECT_TRUE(std::isinf(b.collateral_tiers[static_cast<std::size_t>(btc.tier_begin + 1)].up_to_usd));
}

TEST(SnapshotLoad, CrlfLineEndsByteOrderMarkAndMissingFinalNewline) {
  test::temp_dir dir("riskscan-load");
  auto files = test::valid_snapshot();
  for (auto& [name, text] : files) {
    std::string crlf;
    for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    text = crlf;
  }
  files["positions.csv"].resize(files["positions.csv"].size() - 2);  // no line end after the last row
  files["accounts.csv"] = "\xEF\xBB\xBF" + files["accounts.csv"];    // a UTF-8 byte-order mark, as spreadsheets write
  test::write_snapshot(dir.path(), files);
  const book b = load_snapshot(dir.path()).data;
  EXPECT_EQ(b.position_count(), 6u);
  EXPECT_EQ(b.account_ids[3], "a4");
  EXPECT_EQ(b.position_isolated[5], 0.5);
}

TEST(SnapshotLoad, CollateralTiersAreOptional) {
  test::temp_dir dir("riskscan-load");
  auto files = test::valid_snapshot();
  files.erase("collateral_tiers.csv");
  test::write_snapshot(dir.path(), files);
  const auto loaded = load_snapshot(dir.path());
  EXPECT_EQ(loaded.files.size(), 7u);
  EXPECT_TRUE(loaded.data.collateral_tiers.empty());
  for (const auto& a : loaded.data.assets) EXPECT_EQ(a.tier_begin, a.tier_end);
}

// Rows of one account spread over the whole file (so over every slice): each account's rows
// are gathered in file order whatever the thread count.
TEST(SnapshotLoad, InterleavedRowsAcrossSlices) {
  test::temp_dir dir("riskscan-load");
  auto files = test::valid_snapshot();
  constexpr int n = 3000;
  std::string accounts = "account,mode,group\n", balances = "account,asset,amount\n",
              positions = "account,instrument,qty,entry_price,isolated_margin\n";
  for (int i = 0; i < n; ++i) accounts += fmt::format("acc{},cross,\n", i);
  const char* assets[] = {"USD", "USDT", "BTC"};
  for (int round = 0; round < 3; ++round) {
    for (int i = n - 1; i >= 0; --i) {
      balances += fmt::format("acc{},{},{}\n", i, assets[round], i * 10 + round);
      // BTC-USDT-SWAP cross, then isolated, then ETH-USDT-FUT cross: three distinct position keys.
      if (i % 2 == 0) {
        positions += fmt::format("acc{},{},{},3000,{}\n", i, round == 2 ? "ETH-USDT-FUT" : "BTC-USDT-SWAP", round + 1,
                                 round == 1 ? "5" : "");
      }
    }
  }
  files["accounts.csv"] = accounts;
  files["balances.csv"] = balances;
  files["positions.csv"] = positions;
  test::write_snapshot(dir.path(), files);
  for (int threads : {1, 2, 5}) {
    SCOPED_TRACE(threads);
    const book b = load_snapshot(dir.path(), threads).data;
    ASSERT_EQ(b.account_count(), static_cast<std::size_t>(n));
    for (std::size_t a = 0; a < b.account_count(); ++a) {
      ASSERT_EQ(b.balance_begin[a], static_cast<std::int64_t>(3 * a));
      for (std::size_t k = 0; k < 3; ++k) {
        EXPECT_EQ(b.balance_amount[3 * a + k], static_cast<double>(a * 10 + k));
        EXPECT_EQ(b.balance_asset[3 * a + k], find_id(b.assets, assets[k]));
      }
      const auto begin = static_cast<std::size_t>(b.position_begin[a]);
      ASSERT_EQ(b.position_begin[a + 1] - b.position_begin[a], a % 2 == 0 ? 3 : 0);
      if (a % 2 == 0) {
        EXPECT_EQ(b.position_qty[begin], 1.0);
        EXPECT_EQ(b.position_qty[begin + 1], 2.0);
        EXPECT_EQ(b.position_isolated[begin + 1], 5.0);
        EXPECT_EQ(b.position_qty[begin + 2], 3.0);
        EXPECT_EQ(b.position_instrument[begin + 2], find_id(b.instruments, "ETH-USDT-FUT"));
      }
    }
  }
}

// Parsing in slices must not depend on the thread count: same book, bit for bit.
TEST(SnapshotLoad, ThreadCountDoesNotChangeTheBook) {
  const auto dir = conformance_dir() / "golden_small_book" / "snapshot";
  const book one = load_snapshot(dir, 1).data;
  for (int threads : {2, 3, 7, 64}) {
    SCOPED_TRACE(threads);
    const book many = load_snapshot(dir, threads).data;
    EXPECT_EQ(one.account_ids, many.account_ids);
    EXPECT_EQ(one.account_groups, many.account_groups);
    EXPECT_EQ(one.balance_begin, many.balance_begin);
    EXPECT_EQ(one.balance_asset, many.balance_asset);
    EXPECT_EQ(one.balance_amount, many.balance_amount);
    EXPECT_EQ(one.position_begin, many.position_begin);
    EXPECT_EQ(one.position_instrument, many.position_instrument);
    EXPECT_EQ(one.position_qty, many.position_qty);
    ASSERT_EQ(one.position_isolated.size(), many.position_isolated.size());
    for (std::size_t i = 0; i < one.position_isolated.size(); ++i) {
      EXPECT_EQ(is_isolated(one.position_isolated[i]), is_isolated(many.position_isolated[i]));
      if (is_isolated(one.position_isolated[i])) {
        EXPECT_EQ(one.position_isolated[i], many.position_isolated[i]);
      }
    }
  }
}

}  // namespace
}  // namespace riskscan
