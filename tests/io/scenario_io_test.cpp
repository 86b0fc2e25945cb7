// The scenario CSV: exact round trips, defaults, and rejected rows with file:line: column.
#include "riskscan/scenario_io.hpp"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "riskscan/error.hpp"
#include "riskscan/sha256.hpp"
#include "test_support.hpp"

namespace riskscan {
namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(ScenarioCsv, RoundTripKeepsEveryDouble) {
  scenario_set set;
  set.factors = {"BTC", "ETH", "USDT"};
  const double awkward[] = {0.1,  1.0 / 3.0,       -0.999999999999,     -1.0,      1e-300, 5e-324, 999.123456789123456,
                            -0.0, 2.0 / 3.0 - 1.0, 0.30000000000000004, max_shock, 7.0};
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> ret(-1.0, 3.0);
  for (int s = 0; s < 200; ++s) {
    const std::size_t i = set.add(fmt::format("s{}", s), 0.001 + ret(rng) + 1.0, s % 3 == 0 ? 0.0 : ret(rng) + 1.0);
    for (std::size_t f = 0; f < 3; ++f) {
      set.ret(i, f) = s < 12 ? awkward[(static_cast<std::size_t>(s) + f) % 12] : ret(rng);
      set.vol(i, f) = ret(rng);
    }
  }
  test::temp_dir dir("riskscan-scen");
  write_scenario_csv(set, dir / "s.csv");
  input_file_info info;
  const scenario_set back = read_scenario_csv(dir / "s.csv", &info);
  ASSERT_EQ(back.factors, set.factors);
  ASSERT_EQ(back.ids, set.ids);
  for (std::size_t s = 0; s < set.size(); ++s) {
    EXPECT_TRUE(same_bits(back.weights[s], set.weights[s])) << s;
    EXPECT_TRUE(same_bits(back.horizon_days[s], set.horizon_days[s])) << s;
  }
  ASSERT_EQ(back.r.size(), set.r.size());
  for (std::size_t k = 0; k < set.r.size(); ++k) {
    EXPECT_TRUE(same_bits(back.r[k], set.r[k])) << k << ": " << set.r[k];
    EXPECT_TRUE(same_bits(back.v[k], set.v[k])) << k;
  }
  EXPECT_EQ(info.rows, 200u);
  EXPECT_EQ(info.sha256, sha256_hex(test::read_file(dir / "s.csv")));
  EXPECT_EQ(test::read_csv(dir / "s.csv").header,
            (std::vector<std::string>{"scenario", "weight", "horizon_days", "r:BTC", "r:ETH", "r:USDT", "v:BTC",
                                      "v:ETH", "v:USDT"}));
}

TEST(ScenarioCsv, DefaultsAndFactorOrder) {
  test::temp_dir dir("riskscan-scen");
  test::write_file(dir / "s.csv", "v:ETH,scenario,r:BTC,r:ETH\r\n0.5,up,0.1,\r\n,down,-0.2,-0.3\r\n");
  const scenario_set set = read_scenario_csv(dir / "s.csv");
  ASSERT_EQ(set.factors, (std::vector<std::string>{"ETH", "BTC"}));  // first appearance in the header
  ASSERT_EQ(set.size(), 2u);
  EXPECT_EQ(set.ids[0], "up");
  EXPECT_EQ(set.weights[0], 1.0);
  EXPECT_EQ(set.horizon_days[1], 0.0);
  EXPECT_EQ(set.ret(0, 1), 0.1);
  EXPECT_EQ(set.ret(0, 0), 0.0);  // empty cell
  EXPECT_EQ(set.vol(0, 0), 0.5);
  EXPECT_EQ(set.vol(0, 1), 0.0);  // no v:BTC column
  EXPECT_EQ(set.ret(1, 0), -0.3);
  EXPECT_EQ(set.vol(1, 0), 0.0);
}

TEST(ScenarioCsv, ConformanceScenarioFilesRead) {
  const scenario_set set = read_scenario_csv(test::conformance_dir() / "golden_small_book" / "scenarios.csv");
  EXPECT_EQ(set.factor_count(), 7u);
  EXPECT_GT(set.size(), 10u);
  EXPECT_EQ(set.ids[0], "s0000");
  EXPECT_EQ(set.weights[0], 1.92775);
  EXPECT_EQ(set.ret(0, 0), 0.180857);
  EXPECT_EQ(set.vol(0, 0), 0.0702456);
  EXPECT_EQ(set.vol(0, 5), 0.0);  // USDT has an r: column but no v: column
  const scenario_set binance =
      read_scenario_csv(test::conformance_dir() / "binance_isolated_liquidation_price" / "scenarios.csv");
  EXPECT_EQ(binance.size(), 10u);
  EXPECT_EQ(binance.ret(0, 0), -0.09638463838554201);
}

struct bad_scenario {
  const char* name;
  const char* text;
  const char* expect;
};

const bad_scenario bad_scenarios[] = {
    {"return_below_minus_one", "scenario,r:BTC\na,0.1\nb,-1.5\n", "s.csv:3: r:BTC: must be in [-1, 1000]"},
    {"vol_below_minus_one", "scenario,v:BTC\na,-2\n", "s.csv:2: v:BTC: must be in [-1, 1000]"},
    {"unprintable_factor", "scenario,r:B\x02TC\na,0.1\n", "s.csv:1: r:B\\x02TC: unknown column"},
    {"return_above_max", "scenario,r:BTC\na,1e308\n", "s.csv:2: r:BTC: must be in [-1, 1000] (got 1e308)"},
    {"vol_above_max", "scenario,v:BTC\na,1000.5\n", "s.csv:2: v:BTC: must be in [-1, 1000] (got 1000.5)"},
    {"zero_weight", "scenario,weight,r:BTC\na,0,0.1\n", "s.csv:2: weight: must be > 0"},
    {"negative_horizon", "scenario,horizon_days\na,-1\n", "s.csv:2: horizon_days: must be >= 0"},
    {"unknown_column", "scenario,x:BTC\na,0.1\n", "s.csv:1: x:BTC: unknown column"},
    {"factorless_column", "scenario,r:\na,0.1\n", "s.csv:1: r:: unknown column"},
    {"duplicate_column", "scenario,r:BTC,r:BTC\na,0.1,0.2\n", "s.csv:1: r:BTC: duplicate column"},
    {"duplicate_id", "scenario,r:BTC\na,0.1\nb,0.2\na,0.3\n",
     "s.csv:4: scenario: duplicate scenario 'a' (first on line 2)"},
    {"nan", "scenario,r:BTC\na,nan\n", "s.csv:2: r:BTC: 'nan' is not a finite number"},
    {"inf_weight", "scenario,weight\na,inf\n", "s.csv:2: weight: 'inf' is not a finite number"},
    {"not_a_number", "scenario,r:BTC\na,ten\n", "s.csv:2: r:BTC: 'ten' is not a number"},
    {"missing_id", "scenario,r:BTC\n,0.1\n", "s.csv:2: scenario: missing value"},
    {"missing_scenario_column", "r:BTC\n0.1\n", "s.csv:1: scenario: missing required column"},
    {"wrong_field_count", "scenario,r:BTC\na,0.1,0.2\n",
     "s.csv:2: field 3: not in the header: the row has 3 fields, the header 2"},
    {"empty_line", "scenario,r:BTC\na,0.1\n\nb,0.2\n", "s.csv:3: scenario: empty line"},
};

class ScenarioCsvReject : public ::testing::TestWithParam<bad_scenario> {};

TEST_P(ScenarioCsvReject, ListsTheProblem) {
  const auto& c = GetParam();
  test::temp_dir dir("riskscan-scen");
  test::write_file(dir / "s.csv", c.text);
  try {
    read_scenario_csv(dir / "s.csv");
    FAIL() << "read a scenario file with " << c.expect;
  } catch (const input_error& e) {
    ASSERT_EQ(e.problems().size(), 1u) << e.what();
    EXPECT_TRUE(e.problems().items()[0].to_string().starts_with(c.expect)) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, ScenarioCsvReject, ::testing::ValuesIn(bad_scenarios),
                         [](const ::testing::TestParamInfo<bad_scenario>& p) { return std::string(p.param.name); });

TEST(ScenarioCsv, EveryBadRowIsListed) {
  test::temp_dir dir("riskscan-scen");
  test::write_file(dir / "s.csv", "scenario,weight,r:BTC\na,0,0.1\nb,1,-3\na,1,nan\n");
  try {
    read_scenario_csv(dir / "s.csv");
    FAIL();
  } catch (const input_error& e) {
    EXPECT_EQ(e.problems().size(), 4u) << e.what();  // weight, r:BTC, duplicate id, nan
  }
}

TEST(ScenarioCsv, MissingFileIsExit66AndUnwritablePathExit73) {
  test::temp_dir dir("riskscan-scen");
  EXPECT_THROW(read_scenario_csv(dir / "none.csv"), missing_input_error);
  scenario_set set;
  set.factors = {"BTC"};
  set.add("a");
  try {
    write_scenario_csv(set, dir / "no" / "such" / "dir" / "s.csv");
    FAIL();
  } catch (const output_error& e) {
    EXPECT_EQ(e.code(), exit_code::cannot_write);
  }
}

}  // namespace
}  // namespace riskscan
