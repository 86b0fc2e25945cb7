// Scenario specs: the sample spec, factor sources, error reporting with line and column, CSV
// passthrough and reproducibility.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "riskscan/error.hpp"
#include "riskscan/scenario_io.hpp"
#include "riskscan/scenarios/spec.hpp"
#include "test_support.hpp"

namespace {

using namespace riskscan;
using namespace riskscan::scenarios;
using riskscan::test::input_problems;
using riskscan::test::temp_dir;
using riskscan::test::write_file;

std::filesystem::path sample_spec() { return riskscan::test::source_dir() / "scenarios" / "data" / "sample_spec.toml"; }

std::size_t count_prefix(const scenario_set& set, const std::string& prefix) {
  return static_cast<std::size_t>(
      std::count_if(set.ids.begin(), set.ids.end(), [&](const std::string& id) { return id.rfind(prefix, 0) == 0; }));
}

std::string config_message(const std::filesystem::path& spec, const std::vector<factor>* book = nullptr) {
  try {
    load_scenario_spec(spec, book, 1);
  } catch (const config_error& e) {
    return e.what();
  }
  return "(no config_error)";
}

const char* inline_factors =
    "[[factor]]\nid = \"BTC\"\nvol = 0.6\n"
    "[[factor]]\nid = \"ETH\"\nbeta = 1.2\nvol = 0.8\n"
    "[[factor]]\nid = \"SOL\"\nbeta = 1.5\nvol = 1.0\n"
    "[[factor]]\nid = \"USDT\"\nkind = \"stable\"\n";

TEST(Spec, SampleSpecProducesEveryGenerator) {
  scenario_source_info info;
  const auto set = load_scenario_spec(sample_spec(), nullptr, 0, &info);
  EXPECT_EQ(set.factors, (std::vector<std::string>{"BTC", "ETH", "SOL", "XRP", "DOGE", "USDT", "USDC"}));
  EXPECT_EQ(count_prefix(set, "pm:"), 7u * 3u + 2u);
  EXPECT_EQ(count_prefix(set, "single:"), 17u + 17u + 7u);
  EXPECT_EQ(count_prefix(set, "mc:"), 10000u);
  EXPECT_EQ(count_prefix(set, "mct:"), 5000u);
  EXPECT_EQ(count_prefix(set, "event:"), 7u);
  EXPECT_EQ(count_prefix(set, "hist:"), 6u);
  EXPECT_EQ(count_prefix(set, "custom_"), 2u);
  EXPECT_EQ(set.size(), 23u + 41u + 10000u + 5000u + 7u + 6u + 2u);
  EXPECT_EQ(set.ids.front(), "pm:-0.15:down");  // document order
  EXPECT_EQ(info.generators.size(), 7u);
  EXPECT_EQ(info.seeds, (std::vector<std::uint64_t>{20240805u, 7u}));
  ASSERT_GE(info.inputs.size(), 3u);
  EXPECT_EQ(info.inputs[0].sha256.size(), 64u);
  // Stablecoins are not shocked by the grid; USDC (no vol) not by Monte Carlo either.
  const std::size_t usdc = 6;
  for (std::size_t s = 0; s < set.size(); ++s) {
    if (set.ids[s].rfind("pm:", 0) == 0 || set.ids[s].rfind("mc", 0) == 0) {
      ASSERT_EQ(set.ret(s, usdc), 0.0) << set.ids[s];
    }
    for (std::size_t f = 0; f < set.factor_count(); ++f) {
      ASSERT_TRUE(std::isfinite(set.ret(s, f)) && set.ret(s, f) >= -1.0) << set.ids[s];
    }
  }
  // The written set reads back identically.
  temp_dir dir;
  write_scenario_csv(set, dir / "s.csv");
  const auto back = load_scenarios(dir / "s.csv", nullptr, 1);
  EXPECT_EQ(back.ids, set.ids);
  EXPECT_EQ(back.r, set.r);
  EXPECT_EQ(back.v, set.v);
}

TEST(Spec, SameBytesWhateverTheThreads) {
  temp_dir dir;
  const auto one = load_scenario_spec(sample_spec(), nullptr, 1);
  const auto two = load_scenario_spec(sample_spec(), nullptr, 2);
  write_scenario_csv(one, dir / "a.csv");
  write_scenario_csv(two, dir / "b.csv");
  EXPECT_EQ(riskscan::test::read_file(dir / "a.csv"), riskscan::test::read_file(dir / "b.csv"));
}

TEST(Spec, SnapshotFactorsDecideColumnsKindAndBeta) {
  temp_dir dir;
  write_file(dir / "s.toml", std::string(inline_factors) +
                                 "[[grid]]\nrange = 0.1\nsteps = 3\n"
                                 "[[monte_carlo]]\nscenarios = 10\nseed = 1\n");
  std::vector<factor> book(3);
  book[0].id = "ETH";
  book[0].beta = 2.0;  // the snapshot's beta wins over the spec's 1.2
  book[1].id = "USDT";
  book[1].kind = factor_kind::stable;
  book[2].id = "BTC";
  const auto set = load_scenario_spec(dir / "s.toml", &book, 1);
  EXPECT_EQ(set.factors, (std::vector<std::string>{"ETH", "USDT", "BTC"}));
  EXPECT_EQ(set.size(), 3u + 10u);
  EXPECT_EQ(set.ret(0, 0), -0.2);
  EXPECT_EQ(set.ret(0, 2), -0.1);
  EXPECT_EQ(set.ret(0, 1), 0.0);
  // A snapshot factor without a vol is an error for Monte Carlo (not for the grid).
  book.emplace_back();
  book.back().id = "XRPL";
  const std::string what = config_message(dir / "s.toml", &book);
  EXPECT_NE(what.find("no annual vol for factor XRPL"), std::string::npos) << what;
  EXPECT_NE(what.find("s.toml:"), std::string::npos) << what;
}

TEST(Spec, UnknownKeysAreErrorsWithLineAndColumn) {
  temp_dir dir;
  write_file(dir / "s.toml", std::string(inline_factors) +     // 14 lines
                                 "[[grid]]\n"                  // 15
                                 "range = 0.1\n"               // 16
                                 "  rnage = 0.2\n"             // 17
                                 "[[monte_carlo]]\n"           // 18
                                 "scenarios = 10\nseed = 1\n"  // 19, 20
                                 "sead = 2\n");                // 21
  const std::string what = config_message(dir / "s.toml");
  EXPECT_NE(what.find("s.toml:17: column 3: unknown key \"rnage\" in [[grid]] #1"), std::string::npos) << what;
  EXPECT_NE(what.find("s.toml:21: column 1: unknown key \"sead\" in [[monte_carlo]] #1"), std::string::npos) << what;
  write_file(dir / "t.toml", "[[grdi]]\nrange = 1\n");
  EXPECT_NE(config_message(dir / "t.toml").find("t.toml:1: column 3: unknown key \"grdi\""), std::string::npos)
      << config_message(dir / "t.toml");
  write_file(dir / "u.toml", "[[grid]\nrange = 1\n");
  EXPECT_NE(config_message(dir / "u.toml").find("u.toml:1: column"), std::string::npos)
      << config_message(dir / "u.toml");
}

TEST(Spec, BadValuesAreConfigErrors) {
  temp_dir dir;
  write_file(dir / "a.toml", std::string(inline_factors) + "[[grid]]\nrange = 0.1\nsteps = 4\n");
  EXPECT_NE(config_message(dir / "a.toml").find("steps must be an odd number"), std::string::npos);
  write_file(dir / "b.toml", "[[grid]]\nrange = 0.1\n");
  EXPECT_NE(config_message(dir / "b.toml").find("a grid needs factors"), std::string::npos);
  // A draw count that could not fit in memory is reported, not attempted (2^32 ran out of memory).
  write_file(dir / "mc.toml", std::string(inline_factors) + "[[monte_carlo]]\nscenarios = 4294967296\nseed = 1\n");
  EXPECT_NE(config_message(dir / "mc.toml").find("[[monte_carlo]] #1: scenarios must be in [1, 10000000]"),
            std::string::npos)
      << config_message(dir / "mc.toml");
  write_file(dir / "c.toml", std::string(inline_factors) +
                                 "[[monte_carlo]]\nscenarios = 10\nseed = 1\ncorrelations = [[\"BTC\", \"ETH\", 0.99],"
                                 " [\"BTC\", \"SOL\", 0.99], [\"ETH\", \"SOL\", 0.5]]\n");
  const std::string pd = config_message(dir / "c.toml");
  EXPECT_NE(
      pd.find("c.toml:15: column 1: [[monte_carlo]] #1: correlation matrix is not positive definite at factor SOL"),
      std::string::npos)
      << pd;
  write_file(dir / "d.toml",
             std::string(inline_factors) + "[[monte_carlo]]\nscenarios = 10\nseed = 1\ndistribution = \"student_t\"\n");
  EXPECT_NE(config_message(dir / "d.toml").find("needs key \"nu\""), std::string::npos);
  write_file(dir / "e.toml", std::string(inline_factors) + "[[grid]]\nrange = 0.1\n[[grid]]\nrange = 0.2\n");
  // Named by the second generator's line, and the first's.
  const std::string twice = config_message(dir / "e.toml");
  EXPECT_NE(twice.find("e.toml:17: column 1: [[grid]] #2: scenario id \"grid:"), std::string::npos) << twice;
  EXPECT_NE(twice.find("is also produced by [[grid]] #1 on line 15 (give the generators"), std::string::npos) << twice;
  write_file(dir / "f.toml", std::string(inline_factors) + "[[events]]\nevents = [\"1999-01-01\"]\n");
  EXPECT_NE(config_message(dir / "f.toml").find("no event \"1999-01-01\""), std::string::npos);
  write_file(dir / "g.toml",
             std::string(inline_factors) +
                 "[[monte_carlo]]\nscenarios = 10\nseed = 1\ncorrelations = [[\"BTC\", \"XBT\", 0.5]]\n");
  EXPECT_NE(config_message(dir / "g.toml").find("unknown factor XBT"), std::string::npos);
  write_file(dir / "h.toml", "version = 1\n");
  EXPECT_NE(config_message(dir / "h.toml").find("h.toml:1: column 1: the spec names no generator ([[grid]], "),
            std::string::npos);
  write_file(dir / "i.toml", "");  // an empty file, likewise
  EXPECT_NE(config_message(dir / "i.toml").find("i.toml:1: column 1: the spec names no generator"), std::string::npos);
  EXPECT_THROW(load_scenario_spec(dir / "absent.toml", nullptr, 1), missing_input_error);
}

// A file the spec names that is not there is missing input (exit 66), said at the key naming it
// (inline_factors takes lines 1 to 12).
TEST(Spec, AMissingFileIsReportedAtTheKeyThatNamesIt) {
  temp_dir dir;
  const std::pair<const char*, const char*> cases[] = {
      {"[[file]]\npath = \"nope.csv\"\n", ":16: column 8: path names a missing input file "},
      {"[[price_history]]\nname = \"h\"\nfile = \"nope.csv\"\n", ":17: column 8: file names a missing input file "},
      {"[[monte_carlo]]\nscenarios = 5\nseed = 1\nvol_file = \"nope.csv\"\n",
       ":18: column 12: vol_file names a missing input file "},
      {"[[monte_carlo]]\nscenarios = 5\nseed = 1\ncorrelation_file = \"nope.csv\"\n",
       ":18: column 20: correlation_file names a missing input file "}};
  for (const auto& [generator, want] : cases) {
    SCOPED_TRACE(generator);
    write_file(dir / "s.toml", std::string(inline_factors) + generator);
    try {
      load_scenario_spec(dir / "s.toml", nullptr, 1);
      ADD_FAILURE() << "loaded";
    } catch (const missing_input_error& e) {
      EXPECT_EQ(e.code(), exit_code::missing_input);
      EXPECT_EQ(std::string(e.what()), (dir / "s.toml").string() + want + (dir / "nope.csv").string());
    }
  }
}

// A name from the spec becomes part of a scenario id or a column of the written CSV, which the
// scenario reader would then refuse; reports escape what TOML escapes let in.
TEST(Spec, NamesWithControlCharactersAreRefusedAndEscaped) {
  temp_dir dir;
  write_file(dir / "f.toml", "[[factor]]\nid = \"BT\\u0007C\"\nvol = 0.6\n[[grid]]\nrange = 0.1\n");
  const std::string f = config_message(dir / "f.toml");
  EXPECT_NE(f.find("f.toml:1: column 1: [[factor]] #1 needs a non-empty \"id\" without commas or control characters"),
            std::string::npos)
      << f;
  write_file(dir / "g.toml", std::string(inline_factors) + "[[grid]]\nname = \"g\\tx\"\nrange = 0.1\n");
  EXPECT_NE(config_message(dir / "g.toml").find("name must be non-empty"), std::string::npos)
      << config_message(dir / "g.toml");
  write_file(dir / "k.toml", std::string(inline_factors) + "[[grid]]\nrange = 0.1\n\"ra\\u0001nge\" = 2\n");
  const std::string k = config_message(dir / "k.toml");
  EXPECT_NE(k.find("unknown key \"ra\\x01nge\""), std::string::npos) << k;
  EXPECT_EQ(k.find('\x01'), std::string::npos) << k;
}

// Matrix files: a short row names its first missing column; control bytes come back escaped.
TEST(Spec, BadCorrelationFilesNameLineAndColumn) {
  temp_dir dir;
  write_file(dir / "corr.csv", "factor,BTC,ET\x01H\nBTC,1\nET\x01H,0.5,1,7\n");
  write_file(dir / "s.toml", std::string(inline_factors) +
                                 "[[monte_carlo]]\nscenarios = 5\nseed = 1\ncorrelation_file = \"corr.csv\"\n");
  try {
    load_scenario_spec(dir / "s.toml", nullptr, 1);
    FAIL() << "loaded a spec with a bad correlation file";
  } catch (const input_error& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.problems().size(), 3u) << what;
    EXPECT_NE(what.find("corr.csv:1: ET\\x01H: factor name is not UTF-8 text"), std::string::npos) << what;
    EXPECT_NE(what.find("corr.csv:2: ET\\x01H: missing: the row ends after 2 of 3 fields"), std::string::npos) << what;
    EXPECT_NE(what.find("corr.csv:3: field 4: not in the header: the row has 4 fields, the header 3"),
              std::string::npos)
        << what;
    EXPECT_EQ(what.find('\x01'), std::string::npos) << what;
  }
  // A header that is not `factor,<factor>,...` is named by the cell that breaks the rule.
  const std::pair<std::string, std::string> headers[] = {
      {"", "corr.csv:1: factor: header must be"},
      {"name,BTC\nBTC,1\n", "corr.csv:1: name: header must be"},
      {"factor\nBTC\n", "corr.csv:1: column 2: header must be"},
  };
  for (const auto& [text, expected] : headers) {
    write_file(dir / "corr.csv", text);
    const std::string got = input_problems([&] { load_scenario_spec(dir / "s.toml", nullptr, 1); });
    EXPECT_TRUE(got.starts_with(expected) && got.find('\n') == std::string::npos) << text << ": " << got;
  }
}

TEST(Spec, CorrelationAndVolFilesEqualInlineTables) {
  temp_dir dir;
  write_file(dir / "corr.csv",
             "factor,BTC,ETH,SOL,USDT,LUNA\n"
             "BTC,1,0.8,0.7,0,0.5\n"
             "ETH,0.8,1,0.75,0,0.5\n"
             "SOL,0.7,0.75,1,0,0.5\n"
             "USDT,0,0,0,1,0\n"
             "LUNA,0.5,0.5,0.5,0,1\n");
  write_file(dir / "vols.csv", "factor,annual_vol\nBTC,0.6\nETH,0.8\nSOL,1.0\nUSDT,0.01\n");
  const char* factors =
      "[[factor]]\nid = \"BTC\"\n[[factor]]\nid = \"ETH\"\n[[factor]]\nid = \"SOL\"\n"
      "[[factor]]\nid = \"USDT\"\nkind = \"stable\"\n";
  write_file(dir / "files.toml", std::string(factors) +
                                     "[[monte_carlo]]\nscenarios = 500\nseed = 5\ncorrelation_file = \"corr.csv\"\n"
                                     "vol_file = \"vols.csv\"\n");
  write_file(dir / "inline.toml", std::string(factors) +
                                      "[[monte_carlo]]\nscenarios = 500\nseed = 5\n"
                                      "vols = { BTC = 0.6, ETH = 0.8, SOL = 1.0, USDT = 0.01 }\n"
                                      "correlations = [[\"BTC\", \"ETH\", 0.8], [\"BTC\", \"SOL\", 0.7], "
                                      "[\"ETH\", \"SOL\", 0.75]]\n");
  scenario_source_info info;
  const auto a = load_scenario_spec(dir / "files.toml", nullptr, 2, &info);
  const auto b = load_scenario_spec(dir / "inline.toml", nullptr, 1);
  EXPECT_EQ(info.inputs.size(), 3u);
  ASSERT_EQ(a.r.size(), b.r.size());
  EXPECT_EQ(0, std::memcmp(a.r.data(), b.r.data(), a.r.size() * sizeof(double)));
  // default_correlation fills crypto pairs that are not listed.
  write_file(dir / "dflt.toml", std::string(factors) +
                                    "[[monte_carlo]]\nscenarios = 500\nseed = 5\ndefault_correlation = 0.5\n"
                                    "vols = { BTC = 0.6, ETH = 0.8, SOL = 1.0, USDT = 0.01 }\n");
  EXPECT_NE(load_scenario_spec(dir / "dflt.toml", nullptr, 1).r, b.r);
  // A malformed matrix file is bad input data.
  write_file(dir / "corr.csv", "factor,BTC,ETH\nBTC,1,x\n");
  EXPECT_THROW(load_scenario_spec(dir / "files.toml", nullptr, 1), input_error);
}

TEST(Spec, LoadScenariosAcceptsCsvAndSpec) {
  temp_dir dir;
  write_file(dir / "s.csv", "scenario,weight,horizon_days,r:BTC,v:BTC\ndown,2,1,-0.3,0.5\n");
  scenario_source_info info;
  const auto csv = load_scenarios(dir / "s.csv", nullptr, 1, &info);
  ASSERT_EQ(csv.size(), 1u);
  EXPECT_EQ(csv.ret(0, 0), -0.3);
  EXPECT_EQ(info.inputs.size(), 1u);
  EXPECT_TRUE(is_scenario_spec("x/Spec.TOML"));
  EXPECT_FALSE(is_scenario_spec("x/spec.csv"));
  write_file(dir / "s.toml", "[[file]]\npath = \"s.csv\"\n[[events]]\nevents = [\"2022-11-ftx\"]\n");
  const auto set = load_scenarios(dir / "s.toml", nullptr, 1);
  ASSERT_EQ(set.size(), 2u);
  EXPECT_EQ(set.ids[1], "event:2022-11-ftx");
  EXPECT_NE(std::find(set.factors.begin(), set.factors.end(), "FTT"), set.factors.end());
}

}  // namespace
