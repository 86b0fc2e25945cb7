// Bad snapshots: one table row per rejection rule of FORMATS.md. Each case edits one line of one
// file of the valid fixture and expects input_error listing exactly `count` problems, one of them
// starting with the exact `file:line: column: reason` prefix.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <cmath>

#include <sstream>
#include <string>
#include <vector>

#include "riskscan/error.hpp"
#include "riskscan/snapshot_io.hpp"
#include "snapshot_fixture.hpp"
#include "test_support.hpp"

namespace riskscan {
namespace {

constexpr int append = 0;       // add `text` as a new last line
constexpr int whole_file = -1;  // replace the whole file by `text`

struct bad_case {
  const char* name;
  const char* file;
  int line;  // 1-based line to replace, or append / whole_file
  const char* text;
  const char* expect;  // prefix of one reported problem
  std::size_t count;   // problems reported in all
};

std::string edit(const std::string& original, int line, const std::string& text) {
  if (line == whole_file) return text;
  if (line == append) return original + text + "\n";
  std::vector<std::string> lines;
  std::istringstream in(original);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  lines.at(static_cast<std::size_t>(line - 1)) = text;
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

const bad_case cases[] = {
    // Header rules.
    {"unknown_column", "assets.csv", 1, "asset,price_usd,factor,borrow_mmr,borrow_imrr",
     "assets.csv:1: borrow_imrr: unknown column", 1},
    {"missing_required_column", "accounts.csv", whole_file, "account,group\na1,g1\na2,\na3,g1\na4,g2\n",
     "accounts.csv:1: mode: missing required column", 1},
    {"duplicate_column", "accounts.csv", 1, "account,mode,mode", "accounts.csv:1: mode: duplicate column", 1},
    {"empty_column_name", "accounts.csv", 1, "account,mode,", "accounts.csv:1: field 3: empty column name", 1},
    {"missing_header", "accounts.csv", whole_file, "",
     "accounts.csv:1: account: missing header row: the file is empty or its first line is blank", 1},
    // Line and field rules.
    {"empty_line", "accounts.csv", append, "", "accounts.csv:6: account: empty line", 1},
    {"wrong_field_count", "balances.csv", 3, "a2,BTC,1.5,7",
     "balances.csv:3: field 4: not in the header: the row has 4 fields, the header 3", 1},
    {"truncated_row", "positions.csv", 4, "a1,BTC-USDT-SWAP,-5",
     "positions.csv:4: entry_price: missing: the row ends after 3 of 5 fields", 1},
    // Numbers.
    {"not_a_number", "assets.csv", 4, "BTC,9o000,BTC,0.05,0.2", "assets.csv:4: price_usd: '9o000' is not a number", 1},
    {"trailing_junk", "factors.csv", 2, "BTC,crypto,1x,0.12,0.5,0.25,0.24,0.5,0.002,0.0045",
     "factors.csv:2: beta: '1x' is not a number", 1},
    {"nan", "balances.csv", 2, "a1,USDT,nan", "balances.csv:2: amount: 'nan' is not a finite number", 1},
    {"inf_price", "assets.csv", 4, "BTC,inf,BTC,0.05,0.2", "assets.csv:4: price_usd: 'inf' is not a finite number", 1},
    {"overflow", "positions.csv", 2, "a1,BTC-USDT-SWAP,1e999,89000,",
     "positions.csv:2: qty: '1e999' is not a finite number", 1},
    // IDs are UTF-8 text without control characters; the report shows the bad bytes escaped.
    {"non_utf8_id", "accounts.csv", append,
     "a\xff"
     "9,cross,",
     "accounts.csv:6: account: 'a\\xff9' is not UTF-8 text without control characters", 1},
    {"overlong_utf8_id", "accounts.csv", append, "a\xc0\xaf,cross,",
     "accounts.csv:6: account: 'a\\xc0\\xaf' is not UTF-8 text", 1},
    {"surrogate_id", "accounts.csv", append, "a\xed\xa0\x80,cross,",
     "accounts.csv:6: account: 'a\\xed\\xa0\\x80' is not", 1},
    {"cut_short_utf8_id", "accounts.csv", append, "a\xe8\xb4,cross,", "accounts.csv:6: account: 'a\\xe8\\xb4' is not",
     1},
    {"control_char_id", "accounts.csv", append,
     "a\x01"
     "9,cross,",
     "accounts.csv:6: account: 'a\\x019' is not", 1},
    {"control_char_in_number", "balances.csv", append, "a1,USD,1\r2",
     "balances.csv:7: amount: '1\\x0d2' is not a number", 1},
    {"control_char_group", "accounts.csv", append, "a9,cross,g\x1b[31m",
     "accounts.csv:6: group: 'g\\x1b[31m' is not UTF-8 text", 1},
    {"unprintable_header", "assets.csv", 1, "asset,price_usd,factor,borrow_mmr,borrow_imr\x1b",
     "assets.csv:1: borrow_imr\\x1b: unknown column", 1},
    {"non_utf8_reference", "balances.csv", append, "gh\xffost,USDT,1",
     "balances.csv:7: account: unknown account 'gh\\xffost'", 1},
    // up_to_usd may be inf, spelled out; a number too large for a double is still an overflow.
    {"overflow_up_to", "margin_tiers.csv", 4, "bin,marginal,1e400,0.01",
     "margin_tiers.csv:4: up_to_usd: '1e400' is not a finite number", 1},
    {"negative_price", "assets.csv", 4, "BTC,-90000,BTC,0.05,0.2", "assets.csv:4: price_usd: must be > 0", 1},
    {"zero_multiplier", "instruments.csv", 2, "BTC-USDT-SWAP,perp,BTC,USDT,0,0,90050,,,,,bin,,0.0005,0.1,50000000",
     "instruments.csv:2: multiplier: must be > 0", 1},
    {"negative_borrow_mmr", "assets.csv", 3, "USDT,0.9996,USDT,-0.02,0.1", "assets.csv:3: borrow_mmr: must be >= 0", 1},
    {"negative_pm_param", "factors.csv", 2, "BTC,crypto,1,-0.12,0.5,0.25,0.24,0.5,0.002,0.0045",
     "factors.csv:2: pm_range: must be >= 0", 1},
    {"ratio_above_one", "collateral_tiers.csv", 2, "BTC,2000000,1.5",
     "collateral_tiers.csv:2: ratio: must be in [0, 1]", 1},
    {"negative_rate", "margin_tiers.csv", 5, "okx,step,100000,-0.008", "margin_tiers.csv:5: rate: must be in [0, 1]",
     1},
    {"zero_depth", "instruments.csv", 2, "BTC-USDT-SWAP,perp,BTC,USDT,0,0.01,90050,,,,,bin,,0.0005,0.1,0",
     "instruments.csv:2: depth_usd: must be > 0", 1},
    {"negative_expiry", "instruments.csv", 4, "ETH-USDT-FUT,future,ETH,USDT,0,0.1,3010,-0.25,,,,okx,,0.0005,0.1,",
     "instruments.csv:4: expiry_years: must be >= 0", 1},
    {"zero_qty", "positions.csv", 2, "a1,BTC-USDT-SWAP,0,89000,", "positions.csv:2: qty: must not be 0", 1},
    {"missing_entry_price", "positions.csv", 2, "a1,BTC-USDT-SWAP,10,,", "positions.csv:2: entry_price: missing value",
     1},
    {"negative_isolated_margin", "positions.csv", 4, "a1,BTC-USDT-SWAP,-5,91000,-1",
     "positions.csv:4: isolated_margin: must be >= 0", 1},
    // Tiers.
    {"margin_tiers_not_ascending", "margin_tiers.csv", 3, "bin,marginal,50000,0.005",
     "margin_tiers.csv:3: up_to_usd: tiers of 'bin' must ascend", 1},
    {"collateral_tiers_not_ascending", "collateral_tiers.csv", 4, "BTC,1000000,0.8",
     "collateral_tiers.csv:4: up_to_usd: tiers of 'BTC' must ascend", 1},
    {"margin_inf_not_last", "margin_tiers.csv", 2, "bin,marginal,inf,0.004",
     "margin_tiers.csv:2: up_to_usd: inf is allowed only in the last tier of 'bin'", 1},
    {"collateral_inf_not_last", "collateral_tiers.csv", append, "BTC,9000000,0.7",
     "collateral_tiers.csv:4: up_to_usd: inf is allowed only in the last tier of 'BTC'", 1},
    {"zero_up_to", "margin_tiers.csv", 2, "bin,marginal,0,0.004", "margin_tiers.csv:2: up_to_usd: must be > 0", 1},
    {"minus_inf_up_to", "collateral_tiers.csv", 4, "BTC,-inf,0.8", "collateral_tiers.csv:4: up_to_usd: must be > 0", 1},
    {"style_mismatch", "margin_tiers.csv", 3, "bin,step,250000,0.005",
     "margin_tiers.csv:3: style: 'step' differs from the style of schedule 'bin' on line 2", 1},
    // Enumerations.
    {"bad_factor_kind", "factors.csv", 4, "USDT,fiat,0,0.02,0,0,0.05,0.5,0,0",
     "factors.csv:4: kind: 'fiat' is not one of crypto, stable", 1},
    {"bad_account_mode", "accounts.csv", 2, "a1,isolated,g1",
     "accounts.csv:2: mode: 'isolated' is not one of cross, portfolio", 1},
    {"bad_instrument_kind", "instruments.csv", 2,
     "BTC-USDT-SWAP,swap,BTC,USDT,0,0.01,90050,,,,,bin,,0.0005,0.1,50000000",
     "instruments.csv:2: kind: 'swap' is not one of perp, future, option", 1},
    {"bad_inverse_flag", "instruments.csv", 3, "BTC-USD-SWAP,perp,BTC,BTC,2,100,90010,,,,,okx,,0.0005,,",
     "instruments.csv:3: inverse: '2' is not one of 0, 1", 1},
    {"bad_option_type", "instruments.csv", 5,
     "BTC-C-100000,option,BTC,BTC,1,1,90100,0.1,100000,X,0.6,,0.1,0.003,0.2,2000000",
     "instruments.csv:5: option_type: 'X' is not one of C, P", 1},
    {"bad_style", "margin_tiers.csv", 5, "okx,tiered,100000,0.008",
     "margin_tiers.csv:5: style: 'tiered' is not one of step, marginal", 1},
    // Required cells.
    {"empty_account_id", "accounts.csv", 5, ",cross,g2", "accounts.csv:5: account: missing value", 1},
    {"empty_balance_account", "balances.csv", 2, ",USDT,10000", "balances.csv:2: account: missing value", 1},
    {"perp_without_schedule", "instruments.csv", 2,
     "BTC-USDT-SWAP,perp,BTC,USDT,0,0.01,90050,,,,,,,0.0005,0.1,50000000",
     "instruments.csv:2: mm_schedule: missing value", 1},
    {"option_without_strike", "instruments.csv", 5,
     "BTC-C-100000,option,BTC,BTC,1,1,90100,0.1,,C,0.6,,0.1,0.003,0.2,2000000",
     "instruments.csv:5: strike: missing value", 1},
    {"option_without_iv", "instruments.csv", 6, "ETH-P-2800,option,ETH,USDT,0,1,3005,0.05,2800,P,,,0.1,0.003,,",
     "instruments.csv:6: iv: missing value", 1},
    // Unknown references.
    {"unknown_factor_of_asset", "assets.csv", 5, "ETH,3000,ETC,,", "assets.csv:5: factor: unknown factor 'ETC'", 1},
    {"unknown_underlying", "instruments.csv", 4, "ETH-USDT-FUT,future,ETC,USDT,0,0.1,3010,0.25,,,,okx,,0.0005,0.1,",
     "instruments.csv:4: underlying: unknown factor 'ETC'", 1},
    {"unknown_settle", "instruments.csv", 2, "BTC-USDT-SWAP,perp,BTC,USDX,0,0.01,90050,,,,,bin,,0.0005,0.1,50000000",
     "instruments.csv:2: settle: unknown asset 'USDX'", 1},
    {"unknown_schedule", "instruments.csv", 2, "BTC-USDT-SWAP,perp,BTC,USDT,0,0.01,90050,,,,,binn,,0.0005,0.1,50000000",
     "instruments.csv:2: mm_schedule: unknown schedule 'binn'", 1},
    {"unknown_collateral_asset", "collateral_tiers.csv", 3, "DOGE,5000000,1",
     "collateral_tiers.csv:3: asset: unknown asset 'DOGE'", 1},
    {"unknown_balance_asset", "balances.csv", 2, "a1,USDC,10000", "balances.csv:2: asset: unknown asset 'USDC'", 1},
    {"unknown_balance_account", "balances.csv", 6, "a9,USDT,20000", "balances.csv:6: account: unknown account 'a9'", 1},
    {"unknown_position_account", "positions.csv", 2, "zz,BTC-USDT-SWAP,10,89000,",
     "positions.csv:2: account: unknown account 'zz'", 1},
    {"unknown_instrument", "positions.csv", 6, "a2,ETH-USDT-FUT2,4,2990,",
     "positions.csv:6: instrument: unknown instrument 'ETH-USDT-FUT2'", 1},
    // Duplicate keys.
    {"duplicate_asset", "assets.csv", append, "BTC,1,BTC,0,0",
     "assets.csv:6: asset: duplicate asset 'BTC' (first on line 4)", 1},
    {"duplicate_factor", "factors.csv", append, "ETH,crypto,1,0,0,0,0,0,0,0",
     "factors.csv:5: factor: duplicate factor 'ETH' (first on line 3)", 1},
    {"duplicate_instrument", "instruments.csv", append, "BTC-USD-SWAP,perp,BTC,BTC,1,100,90010,,,,,okx,,0.0005,,",
     "instruments.csv:7: instrument: duplicate instrument 'BTC-USD-SWAP' (first on line 3)", 1},
    {"duplicate_account", "accounts.csv", append, "a2,cross,",
     "accounts.csv:6: account: duplicate account 'a2' (first on line 3)", 1},
    {"duplicate_balance", "balances.csv", append, "a1,BTC,3",
     "balances.csv:7: asset: duplicate balance of 'BTC' for account 'a1' (first on line 4)", 1},
    {"duplicate_cross_position", "positions.csv", append, "a1,BTC-USDT-SWAP,1,90000,",
     "positions.csv:8: instrument: duplicate cross position in 'BTC-USDT-SWAP' for account 'a1' (first on line 2)", 1},
    {"duplicate_isolated_position", "positions.csv", append, "a1,BTC-USDT-SWAP,1,90000,50",
     "positions.csv:8: instrument: duplicate isolated position in 'BTC-USDT-SWAP' for account 'a1' (first on line 4)",
     1},
    // Semantic rules.
    {"isolated_option", "positions.csv", 3, "a2,BTC-C-100000,-2,,5",
     "positions.csv:3: isolated_margin: isolated options are not supported", 1},
    {"inverse_settles_in_other_coin", "instruments.csv", 3, "BTC-USD-SWAP,perp,BTC,USDT,1,100,90010,,,,,okx,,0.0005,,",
     "instruments.csv:3: settle: inverse instrument must settle in its underlying coin", 1},
    {"inverse_settles_in_usd", "instruments.csv", 3, "BTC-USD-SWAP,perp,BTC,USD,1,100,90010,,,,,okx,,0.0005,,",
     "instruments.csv:3: settle: inverse instrument must settle in its underlying coin", 1},
};

class SnapshotReject : public ::testing::TestWithParam<bad_case> {};

TEST_P(SnapshotReject, ListsTheProblem) {
  const bad_case& c = GetParam();
  test::temp_dir dir("riskscan-reject");
  auto files = test::valid_snapshot();
  files.at(c.file) = edit(files.at(c.file), c.line, c.text);
  test::write_snapshot(dir.path(), files);
  try {
    load_snapshot(dir.path(), 2);
    FAIL() << "loaded a snapshot with " << c.expect;
  } catch (const input_error& e) {
    EXPECT_EQ(e.code(), exit_code::bad_input);
    bool found = false;
    for (const auto& p : e.problems().items()) found = found || p.to_string().starts_with(c.expect);
    EXPECT_TRUE(found) << "expected a problem starting with\n  " << c.expect << "\ngot\n" << e.what();
    EXPECT_EQ(e.problems().size(), c.count) << e.what();
    EXPECT_NE(std::string(e.what()).find(c.expect), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, SnapshotReject, ::testing::ValuesIn(cases),
                         [](const ::testing::TestParamInfo<bad_case>& p) { return std::string(p.param.name); });

TEST(SnapshotRejectMissing, MissingRequiredFileIsExit66) {
  for (const char* name : {"assets.csv", "factors.csv", "margin_tiers.csv", "instruments.csv", "accounts.csv",
                           "balances.csv", "positions.csv"}) {
    test::temp_dir dir("riskscan-reject");
    auto files = test::valid_snapshot();
    files.erase(name);
    test::write_snapshot(dir.path(), files);
    try {
      load_snapshot(dir.path());
      FAIL() << "loaded without " << name;
    } catch (const missing_input_error& e) {
      EXPECT_EQ(e.code(), exit_code::missing_input);
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}

TEST(SnapshotRejectMissing, MissingDirectoryIsExit66) {
  test::temp_dir dir("riskscan-reject");
  EXPECT_THROW(load_snapshot(dir.path() / "nope"), missing_input_error);
}

TEST(SnapshotRejectMissing, Utf8IdsAreFine) {
  test::temp_dir dir("riskscan-reject");
  auto files = test::valid_snapshot();
  files["accounts.csv"] = edit(files["accounts.csv"], append, "\u8d26\u6237-\u00e9-\U0001F600,cross,");
  test::write_snapshot(dir.path(), files);
  const book b = load_snapshot(dir.path()).data;
  EXPECT_EQ(b.account_ids.back(), "\u8d26\u6237-\u00e9-\U0001F600");
}

TEST(SnapshotRejectMissing, InfIsFineInTheLastTierOnly) {
  test::temp_dir dir("riskscan-reject");
  auto files = test::valid_snapshot();
  files["collateral_tiers.csv"] = "asset,up_to_usd,ratio\nUSDT,inf,1\nETH,1000000,0.9\nETH,Infinity,0.5\n";
  test::write_snapshot(dir.path(), files);
  const book b = load_snapshot(dir.path()).data;
  ASSERT_EQ(b.collateral_tiers.size(), 3u);
  EXPECT_TRUE(std::isinf(b.collateral_tiers[2].up_to_usd));
}

TEST(SnapshotRejectMissing, ReportsEveryProblemOfEveryFileSorted) {
  test::temp_dir dir("riskscan-reject");
  auto files = test::valid_snapshot();
  files["assets.csv"] = edit(files["assets.csv"], 4, "BTC,-1,BTC,0.05,0.2");
  files["balances.csv"] = edit(files["balances.csv"], 2, "a1,USDT,nan");
  files["positions.csv"] = edit(files["positions.csv"], 2, "a1,BTC-USDT-SWAP,0,89000,");
  files["positions.csv"] = edit(files["positions.csv"], 6, "a2,NOPE,4,2990,");
  files["accounts.csv"] = edit(files["accounts.csv"], append, "a1,cross,");
  test::write_snapshot(dir.path(), files);
  try {
    load_snapshot(dir.path(), 2);
    FAIL();
  } catch (const input_error& e) {
    const auto& items = e.problems().items();
    ASSERT_EQ(items.size(), 5u) << e.what();
    EXPECT_TRUE(items[0].to_string().starts_with("accounts.csv:6: account: duplicate account 'a1'"));
    EXPECT_TRUE(items[1].to_string().starts_with("assets.csv:4: price_usd: must be > 0"));
    EXPECT_TRUE(items[2].to_string().starts_with("balances.csv:2: amount: 'nan' is not a finite number"));
    EXPECT_TRUE(items[3].to_string().starts_with("positions.csv:2: qty: must not be 0"));
    EXPECT_TRUE(items[4].to_string().starts_with("positions.csv:6: instrument: unknown instrument 'NOPE'"));
  }
}

// Problems found by different threads in different slices come out in line order with the
// right line numbers.
TEST(SnapshotRejectMissing, LineNumbersAcrossSlices) {
  test::temp_dir dir("riskscan-reject");
  auto files = test::valid_snapshot();
  std::string accounts = "account,mode,group\n";
  for (int i = 0; i < 5000; ++i) accounts += fmt::format("x{},{},\n", i, i % 1000 == 999 ? "bogus" : "cross");
  files["accounts.csv"] = accounts + "a1,cross,\na2,cross,\na3,cross,\na4,cross,\n";
  test::write_snapshot(dir.path(), files);
  for (int threads : {1, 3, 8}) {
    try {
      load_snapshot(dir.path(), threads);
      FAIL();
    } catch (const input_error& e) {
      ASSERT_EQ(e.problems().size(), 5u) << e.what();
      for (std::size_t k = 0; k < 5; ++k) {
        EXPECT_EQ(e.problems().items()[k].line, 1001 + 1000 * k) << threads;
        EXPECT_EQ(e.problems().items()[k].column, "mode");
      }
    }
  }
}

// In a shuffled file, account IDs are looked up in batches after their rows are parsed: an
// unknown account is still reported at its line, ahead of the other problems of that line (the
// account column is read first), and every row's account is resolved.
TEST(SnapshotRejectMissing, UnknownAccountsOfAShuffledFileInLineOrder) {
  test::temp_dir dir("riskscan-reject");
  auto files = test::valid_snapshot();
  std::string accounts = "account,mode,group\n", balances = "account,asset,amount\n";
  for (int i = 0; i < 3000; ++i) accounts += fmt::format("x{},cross,\n", i);
  std::vector<std::string> expected;  // every problem, in report order
  // Descending: never the order the cache guesses.
  for (int i = 2999, line = 2; i >= 0; --i, ++line) {
    if (i % 700 == 0) {
      balances += fmt::format("ghost{},USDT,nan\n", i);
      expected.push_back(fmt::format("balances.csv:{}: account: unknown account 'ghost{}'", line, i));
      expected.push_back(fmt::format("balances.csv:{}: amount: 'nan' is not a finite number", line));
    } else if (i % 500 == 0) {
      balances += fmt::format("ghost{},USDT,1\n", i);
      expected.push_back(fmt::format("balances.csv:{}: account: unknown account 'ghost{}'", line, i));
    } else {
      balances += fmt::format("x{},USDT,1\n", i);
    }
  }
  files["accounts.csv"] = accounts + "a1,cross,\na2,cross,\na3,cross,\na4,cross,\n";
  files["balances.csv"] = balances;
  test::write_snapshot(dir.path(), files);
  for (int threads : {1, 2, 5}) {
    SCOPED_TRACE(threads);
    try {
      load_snapshot(dir.path(), threads);
      FAIL();
    } catch (const input_error& e) {
      std::vector<std::string> got;
      for (const auto& p : e.problems().items()) got.push_back(p.to_string());
      EXPECT_EQ(got, expected);
    }
  }
  // Without the bad rows the same shuffled file loads, each account with its one balance.
  std::string good = "account,asset,amount\n";
  for (int i = 2999; i >= 0; --i) good += fmt::format("x{},USDT,{}\n", i, i);
  files["balances.csv"] = good;
  test::write_snapshot(dir.path(), files);
  const book b = load_snapshot(dir.path(), 2).data;
  ASSERT_EQ(b.balance_count(), 3000u);
  for (std::size_t a = 0; a < 3000; ++a) {
    ASSERT_EQ(b.balance_begin[a + 1] - b.balance_begin[a], 1);
    EXPECT_EQ(b.balance_amount[static_cast<std::size_t>(b.balance_begin[a])], static_cast<double>(a));
  }
}

}  // namespace
}  // namespace riskscan
