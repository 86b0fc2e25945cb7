// Historical events (every shipped event loads, every number has a source) and price-history
// windows.
#include "riskscan/scenarios/historical.hpp"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "riskscan/error.hpp"
#include "test_support.hpp"

namespace {

using namespace riskscan;
using namespace riskscan::scenarios;
using riskscan::test::input_problems;
using riskscan::test::temp_dir;
using riskscan::test::write_file;

TEST(Events, EveryShippedEventLoadsWithASourceForEveryNumber) {
  const auto events = load_events(default_events_dir());
  std::set<std::string> ids;
  for (const auto& e : events) {
    ids.insert(e.id);
    EXPECT_FALSE(e.title.empty()) << e.id;
    EXPECT_FALSE(e.start_date.empty()) << e.id;
    EXPECT_LE(e.start_date, e.end_date) << e.id;
    ASSERT_FALSE(e.moves.empty()) << e.id;
    bool has_btc = false;
    for (const auto& m : e.moves) {
      EXPECT_GE(m.source.size(), 20u) << e.id << " " << m.factor << ": a source says what was measured";
      EXPECT_GE(m.r, -1.0) << e.id << " " << m.factor;
      EXPECT_LE(m.r, 1.0) << e.id << " " << m.factor;
      if (m.has_v) {
        EXPECT_FALSE(m.v_source.empty()) << e.id << " " << m.factor;
      }
      has_btc = has_btc || m.factor == "BTC";
    }
    EXPECT_TRUE(has_btc) << e.id << ": BTC anchors the other-crypto rule";
    if (e.has_other_crypto) {
      EXPECT_FALSE(e.other_crypto_source.empty()) << e.id;
    }
  }
  for (const char* required : {"2020-03-12", "2021-05-19", "2022-05-luna-ust", "2022-11-ftx", "2023-03-usdc-depeg",
                               "2024-08-05", "2025-10-10"}) {
    EXPECT_TRUE(ids.count(required)) << required;
  }
}

TEST(Events, OtherCryptoRules) {
  const auto events = load_events(default_events_dir());
  const auto carry = std::find_if(events.begin(), events.end(), [](const auto& e) { return e.id == "2024-08-05"; });
  const auto covid = std::find_if(events.begin(), events.end(), [](const auto& e) { return e.id == "2020-03-12"; });
  ASSERT_NE(carry, events.end());
  ASSERT_NE(covid, events.end());
  const std::vector<factor_info> factors = {{"BTC", factor_kind::crypto, 1.0, 0.0},
                                            {"XRPL", factor_kind::crypto, 1.5, 0.0},
                                            {"USDT", factor_kind::stable, 0.0, 0.0}};
  event_params p;
  const auto set = event_scenarios({*carry, *covid}, &factors, p);
  ASSERT_EQ(set.size(), 2u);
  EXPECT_EQ(set.ids[0], "event:2024-08-05");
  EXPECT_EQ(set.ret(0, 0), -0.15);
  EXPECT_EQ(set.ret(0, 1), carry->other_crypto) << "the event's own market-wide move";
  EXPECT_EQ(set.ret(0, 2), 0.0) << "stablecoins not named stay at 0";
  EXPECT_EQ(set.ret(1, 1), 1.5 * -0.372) << "beta * BTC when the event has no other_crypto";
  EXPECT_EQ(set.horizon_days[1], 1.0);
  p.other_crypto = other_crypto_rule::beta_btc;
  EXPECT_EQ(event_scenarios({*carry}, &factors, p).ret(0, 1), 1.5 * -0.15);
  p.other_crypto = other_crypto_rule::zero;
  EXPECT_EQ(event_scenarios({*carry}, &factors, p).ret(0, 1), 0.0);
  // Without a factor list the columns are the named factors.
  const auto named = event_scenarios(events, nullptr, event_params{});
  EXPECT_EQ(named.size(), events.size());
  EXPECT_NE(std::find(named.factors.begin(), named.factors.end(), "LUNA"), named.factors.end());
}

TEST(Events, BadEventFilesAreReportedWithLineAndColumn) {
  temp_dir dir;
  write_file(dir / "bad.toml",
             "id = \"x\"\ntitle = \"t\"\nstart_date = 2020-01-01\nend_date = 2020-01-02\ncolour = 1\n"
             "[[move]]\nfactor = \"BTC\"\nr = -0.1\n");
  try {
    load_event(dir / "bad.toml");
    FAIL();
  } catch (const input_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("bad.toml:5: column 1: unknown key \"colour\""), std::string::npos) << what;
    EXPECT_NE(what.find("needs a non-empty \"source\""), std::string::npos) << what;
    EXPECT_EQ(e.code(), exit_code::bad_input);
  }
}

// Two files giving one event id: the later file's id is reported at its place, naming the first.
TEST(Events, AnIdInTwoFilesNamesBothPlaces) {
  temp_dir dir;
  const std::string body =
      "title = \"t\"\nstart_date = 2020-01-01\nend_date = 2020-01-02\n"
      "[[move]]\nfactor = \"BTC\"\nr = -0.1\nsource = \"s\"\n";
  write_file(dir / "a.toml", "id = \"crash\"\n" + body);
  write_file(dir / "b.toml", "id = \"other\"\n" + body);
  write_file(dir / "c.toml", "# the same crash\n\nid =   \"crash\"\n" + body);
  EXPECT_EQ(test::input_problems([&] { load_events(dir.path()); }),
            fmt::format("{0}:3: column 8: event id \"crash\" is also used by {1}:1", (dir / "c.toml").string(),
                        (dir / "a.toml").string()));
}

TEST(PriceHistory, WindowsOfHDays) {
  temp_dir dir;
  write_file(dir / "p.csv",
             "date,BTC,ETH,USDT\n"
             "2024-01-01,100,10,1\n"
             "2024-01-02,110,12,1\n"
             "2024-01-03,99,,0.99\n"
             "2024-01-05,120,15,1\n");
  const auto h = read_price_history(dir / "p.csv");
  ASSERT_EQ(h.dates.size(), 4u);
  const std::vector<factor_info> factors = {{"BTC", factor_kind::crypto, 1.0, 0.0},
                                            {"ETH", factor_kind::crypto, 2.0, 0.0},
                                            {"USDT", factor_kind::stable, 0.0, 0.0},
                                            {"SOL", factor_kind::crypto, 1.5, 0.0}};
  history_params p;
  const auto one = price_history_scenarios(h, &factors, p);
  // 1-day windows end on 01-02 and 01-03 (01-05 has no 01-04 price).
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one.ids[0], "hist:2024-01-02");
  EXPECT_EQ(one.horizon_days[0], 1.0);
  EXPECT_NEAR(one.ret(0, 0), 0.1, 1e-14);
  EXPECT_NEAR(one.ret(0, 1), 0.2, 1e-14);
  EXPECT_EQ(one.ret(0, 2), 0.0);
  EXPECT_NEAR(one.ret(0, 3), 1.5 * 0.1, 1e-14) << "SOL not in the file: beta * BTC";
  EXPECT_NEAR(one.ret(1, 0), 99.0 / 110.0 - 1.0, 1e-14);
  EXPECT_NEAR(one.ret(1, 1), 2.0 * (99.0 / 110.0 - 1.0), 1e-14) << "missing ETH price: beta * BTC";
  EXPECT_NEAR(one.ret(1, 2), 0.99 - 1.0, 1e-14);
  p.horizon_days = 2;
  const auto two = price_history_scenarios(h, &factors, p);
  ASSERT_EQ(two.size(), 2u);  // 01-03 (from 01-01) and 01-05 (from 01-03)
  EXPECT_EQ(two.ids[1], "hist:2024-01-05");
  EXPECT_NEAR(two.ret(0, 0), -0.01, 1e-14);
  p.from = "2024-01-04";
  EXPECT_EQ(price_history_scenarios(h, &factors, p).size(), 1u);
  p.from.clear();
  p.step_days = 2;
  EXPECT_EQ(price_history_scenarios(h, &factors, p).size(), 1u);
}

TEST(PriceHistory, SampleFileLoads) {
  const auto h = read_price_history(riskscan::test::source_dir() / "scenarios" / "data" / "sample_prices.csv");
  EXPECT_GE(h.dates.size(), 5u);
  const auto set = price_history_scenarios(h, nullptr, history_params{});
  EXPECT_EQ(set.factors, h.factors);
  EXPECT_GT(set.size(), 0u);
}

TEST(PriceHistory, BadFilesListEveryProblem) {
  temp_dir dir;
  write_file(dir / "p.csv",
             "date,BTC,ETH\n"
             "2024-01-02,100,10\n"
             "2024-01-01,100,10\n"
             "2024-13-01,100,10\n"
             "2024-01-03,-5,nan\n"
             "2024-01-04,1\n");
  try {
    read_price_history(dir / "p.csv");
    FAIL();
  } catch (const input_error& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.problems().size(), 5u) << what;
    EXPECT_NE(what.find("p.csv:3: date: 2024-01-01 is not after"), std::string::npos) << what;
    EXPECT_NE(what.find("p.csv:4: date:"), std::string::npos) << what;
    EXPECT_NE(what.find("p.csv:5: BTC: price must be > 0"), std::string::npos) << what;
    EXPECT_NE(what.find("p.csv:5: ETH:"), std::string::npos) << what;
    EXPECT_NE(what.find("p.csv:6: ETH: missing: the row ends after 2 of 3 fields"), std::string::npos) << what;
  }
  // Control bytes in a header or a cell are refused and come back escaped, never raw.
  write_file(dir / "c.csv",
             "date,BT\x07"
             "C\n2024-01\x01-02,100\n2024-01-03,1\x1b"
             "0\n");
  try {
    read_price_history(dir / "c.csv");
    FAIL();
  } catch (const input_error& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.problems().size(), 3u) << what;
    EXPECT_NE(what.find("c.csv:1: BT\\x07C: factor name is not UTF-8 text"), std::string::npos) << what;
    EXPECT_NE(what.find("c.csv:2: date: \"2024-01\\x01-02\" is not a date"), std::string::npos) << what;
    EXPECT_NE(what.find("c.csv:3: BT\\x07C: \"1\\x1b0\" is not a finite number"), std::string::npos) << what;
    for (const char raw : {'\x01', '\x07', '\x1b'}) EXPECT_EQ(what.find(raw), std::string::npos) << what;
  }
  EXPECT_THROW(read_price_history(dir / "absent.csv"), missing_input_error);
}

TEST(PriceHistory, FilesWithoutHeaderColumnsOrRowsNameWhereTheyFallShort) {
  temp_dir dir;
  const std::pair<std::string, std::string> cases[] = {
      {"", "p.csv:1: date: missing header row: the first column must be `date`"},
      {"day,BTC\n2024-01-01,1\n", "p.csv:1: day: the first column must be `date`"},
      {"date\n2024-01-01\n", "p.csv:1: column 2: no price columns: after `date`"},
      {"date,BTC\n", "p.csv:2: date: no price rows: the file ends after its header"},
  };
  for (const auto& [text, expected] : cases) {
    write_file(dir / "p.csv", text);
    const std::string got = input_problems([&] { read_price_history(dir / "p.csv"); });
    EXPECT_TRUE(got.starts_with(expected) && got.find('\n') == std::string::npos) << text << ": " << got;
  }
}

}  // namespace
