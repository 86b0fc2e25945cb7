// FORMATS.md "Output directory": accounts.csv floats read back to the in-memory doubles, empty
// cells where a value does not exist, scenarios.csv money with exactly 4 decimals, summary.json
// keys, manifest and recommended_fund = max(ES_0.999, Cover-2). Also format_double / format_fixed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include <sys/stat.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "book_builder.hpp"
#include "riskscan/core/fixed_point.hpp"
#include "riskscan/cpu_backend.hpp"
#include "riskscan/error.hpp"
#include "riskscan/scan_command.hpp"
#include "riskscan/sha256.hpp"

namespace riskscan::test {
namespace {

std::uint64_t bits(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

double parse(const std::string& cell) {
  char* end = nullptr;
  const double x = std::strtod(cell.c_str(), &end);
  EXPECT_EQ(*end, '\0') << "not a whole number: '" << cell << "'";
  return x;
}

TEST(FormatDouble, RoundTripsRandomDoubles) {
  std::mt19937_64 rng(2024);
  int checked = 0;
  while (checked < 100000) {
    const std::uint64_t u = rng();
    double x;
    std::memcpy(&x, &u, sizeof x);
    if (!std::isfinite(x)) continue;
    const std::string s = format_double(x);
    ASSERT_EQ(bits(parse(s)), bits(x)) << s;
    ++checked;
  }
  std::uniform_real_distribution<double> money(-1e9, 1e9);
  for (int i = 0; i < 100000; ++i) {
    const double x = money(rng);
    ASSERT_EQ(bits(parse(format_double(x))), bits(x));
  }
}

TEST(FormatDouble, Shapes) {
  EXPECT_EQ(format_double(0.0), "0.0");
  EXPECT_EQ(format_double(1.0), "1.0");
  EXPECT_EQ(format_double(-19.999999999999996), "-19.999999999999996");
  EXPECT_EQ(format_double(0.1), "0.1");
  EXPECT_EQ(bits(parse(format_double(-0.0))), bits(-0.0));
  EXPECT_EQ(bits(parse(format_double(5e-324))), bits(5e-324));
  EXPECT_EQ(parse(format_double(1.7976931348623157e308)), 1.7976931348623157e308);
}

TEST(FormatFixed, ExactlyFourDecimals) {
  EXPECT_EQ(format_fixed(0), "0.0000");
  EXPECT_EQ(format_fixed(5), "0.0005");
  EXPECT_EQ(format_fixed(-5), "-0.0005");
  EXPECT_EQ(format_fixed(-120500), "-12.0500");
  EXPECT_EQ(format_fixed(123456789), "12345.6789");
  EXPECT_EQ(format_fixed(10000), "1.0000");
  EXPECT_EQ(format_fixed(std::numeric_limits<std::int64_t>::min()), "-922337203685477.5808");
  EXPECT_EQ(format_fixed(std::numeric_limits<std::int64_t>::max()), "922337203685477.5807");
}

// One scan of the golden book through run_scan (the real writer path), shared by the tests.
struct golden_scan {
  temp_dir dir{"rs-outputs"};
  scan_options opts;
  csv_table accounts, scenarios;
  nlohmann::json summary;
  golden_scan() {
    opts.snapshot = golden_dir() / "snapshot";
    opts.scenarios = golden_dir() / "scenarios.csv";
    opts.out = dir / "out";
    opts.backend = "cpu";
    opts.threads = 2;
    opts.fund_balance = 1000.0;
    opts.top_k = 3;
    run_scan(opts);
    accounts = read_csv(opts.out / "accounts.csv");
    scenarios = read_csv(opts.out / "scenarios.csv");
    std::ifstream in(opts.out / "summary.json");
    summary = nlohmann::json::parse(in);
  }
};

const golden_scan& scanned() {
  static const golden_scan g;
  return g;
}

TEST(AccountsCsv, HeaderAndOrder) {
  const auto& t = scanned().accounts;
  const std::vector<std::string> want{"account",
                                      "mode",
                                      "base_equity",
                                      "base_adj_equity",
                                      "base_mm",
                                      "base_margin_ratio",
                                      "base_imr",
                                      "base_liquidated",
                                      "worst_excess",
                                      "worst_scenario",
                                      "scenarios_liquidated",
                                      "max_deficit",
                                      "max_deficit_scenario",
                                      "expected_deficit"};
  EXPECT_EQ(t.header, want);
  const book& b = golden_book();
  ASSERT_EQ(t.rows.size(), b.account_count());
  for (std::size_t a = 0; a < b.account_count(); ++a) EXPECT_EQ(t.rows[a].at(0), b.account_ids[a]);  // input order
}

TEST(AccountsCsv, FloatsReadBackToTheComputedDoubles) {
  const auto& t = scanned().accounts;
  // The same scan in memory: its doubles must be what the file holds, bit for bit.
  auto be = make_cpu_backend(2);
  scan_config cfg;
  cfg.top_k = 3;
  const auto mem = scan_in_memory(golden_book(), bind_scenarios(golden_book(), golden_scenarios(), "s"), *be, cfg);
  const book& b = golden_book();
  std::size_t empty_ratio = 0, empty_imr = 0, empty_scenario = 0;
  for (std::size_t a = 0; a < b.account_count(); ++a) {
    const auto& row = t.rows[a];
    SCOPED_TRACE(b.account_ids[a]);
    auto cell = [&](const char* c) { return row.at(t.column(c)); };
    EXPECT_EQ(bits(parse(cell("base_equity"))), bits(mem.base.equity[a]));
    EXPECT_EQ(bits(parse(cell("base_adj_equity"))), bits(mem.base.adj_equity[a]));
    EXPECT_EQ(bits(parse(cell("base_mm"))), bits(mem.base.mm[a]));
    if (mem.base.mm[a] == 0.0) {
      EXPECT_EQ(cell("base_margin_ratio"), "");  // undefined when MM = 0
      ++empty_ratio;
    } else {
      EXPECT_EQ(bits(parse(cell("base_margin_ratio"))), bits(mem.base.adj_equity[a] / mem.base.mm[a]));
    }
    if (b.account_modes[a] == account_mode::cross) {
      EXPECT_EQ(cell("base_imr"), "");
      ++empty_imr;
    } else {
      EXPECT_EQ(bits(parse(cell("base_imr"))), bits(mem.base.imr[a]));
      EXPECT_EQ(cell("mode"), "portfolio");
    }
    EXPECT_EQ(cell("base_liquidated"), mem.base.liquidated[a] ? "1" : "0");
    EXPECT_EQ(bits(parse(cell("worst_excess"))), bits(mem.red.accounts.worst_excess[a]));
    EXPECT_EQ(cell("worst_scenario"),
              golden_scenarios().ids[static_cast<std::size_t>(mem.red.accounts.worst_scenario[a])]);
    EXPECT_EQ(std::stoi(cell("scenarios_liquidated")), mem.red.accounts.scenarios_liquidated[a]);
    EXPECT_EQ(bits(parse(cell("max_deficit"))), bits(mem.red.accounts.max_deficit[a]));
    if (mem.red.accounts.max_deficit[a] == 0.0) {
      EXPECT_EQ(cell("max_deficit_scenario"), "");
      ++empty_scenario;
    } else {
      EXPECT_EQ(cell("max_deficit_scenario"),
                golden_scenarios().ids[static_cast<std::size_t>(mem.red.accounts.max_deficit_scenario[a])]);
    }
    EXPECT_EQ(bits(parse(cell("expected_deficit"))), bits(mem.red.accounts.expected_deficit[a]));
  }
  // The golden book has examples of each empty cell and of each filled one.
  EXPECT_GT(empty_imr, 0u);
  EXPECT_LT(empty_imr, b.account_count());
  EXPECT_GT(empty_scenario, 0u);
  EXPECT_LT(empty_scenario, b.account_count());
  (void)empty_ratio;
}

TEST(AccountsCsv, SameFileOnAnyThreadCount) {
  // 100,000 accounts: blocks of 8,192 rows formatted on different threads, in rounds of four
  // blocks a thread; 4 rounds on one thread and 2 on two or three, so the last round written is
  // either of the writer's two buffers.
  const book b = generated_exchange(100000, 5, false, false);
  scenario_set set = make_scenario_set(factor_ids(b));
  for (const double shock : {-0.3, 0.2}) {
    const std::size_t s = set.add("all_" + std::to_string(shock));
    for (std::size_t f = 0; f < set.factor_count(); ++f) set.ret(s, f) = shock;
  }
  const bound_scenarios sc = bind_scenarios(b, set, "s");
  auto be = make_cpu_backend(2);
  const scan_result mem = scan_in_memory(b, sc, *be);
  temp_dir dir("rs-accounts-threads");
  for (const int threads : {1, 2, 3}) {
    const auto path = dir / ("accounts_" + std::to_string(threads) + ".csv");
    write_accounts_csv(path, b, mem.base, mem.red.accounts, sc, threads);
    EXPECT_EQ(read_file(path), mem.accounts_csv) << threads << " threads";
  }
  // Every row in input order, and some accounts liquidated so the scenario columns are filled.
  const csv_table t = read_csv(dir / "accounts_3.csv");
  ASSERT_EQ(t.rows.size(), b.account_count());
  for (std::size_t a = 0; a < b.account_count(); ++a) ASSERT_EQ(t.rows[a].at(0), b.account_ids[a]) << a;
  EXPECT_GT(std::count_if(t.rows.begin(), t.rows.end(),
                          [&](const auto& row) { return row.at(t.column("max_deficit_scenario")) != ""; }),
            0);
}

TEST(AccountsCsv, AFailedWriteIsAnOutputError) {
  const auto& g = golden_book();
  auto be = make_cpu_backend(1);
  const bound_scenarios sc = bind_scenarios(g, golden_scenarios(), "s");
  const scan_result mem = scan_in_memory(g, sc, *be);
  EXPECT_THROW(write_accounts_csv("/nonexistent-dir/accounts.csv", g, mem.base, mem.red.accounts, sc), output_error);
  // A path that is not a regular file is refused, not replaced by one (a FIFO stands in for
  // /dev/full, which a rename as root would swap for a file).
  temp_dir d;
  ASSERT_EQ(::mkfifo((d / "fifo").c_str(), 0600), 0);
  EXPECT_THROW(write_accounts_csv(d / "fifo", g, mem.base, mem.red.accounts, sc), output_error);
  EXPECT_TRUE(std::filesystem::is_fifo(d / "fifo"));
  EXPECT_TRUE(leftover_temporaries(d.path()).empty());
}

TEST(ScenariosCsv, MoneyColumnsHaveExactlyFourDecimals) {
  const auto& t = scanned().scenarios;
  const std::vector<std::string> first{"scenario",
                                       "weight",
                                       "accounts_liquidated",
                                       "isolated_liquidated",
                                       "liquidated_notional",
                                       "deficit",
                                       "inflow",
                                       "net_draw",
                                       "adl_need",
                                       "top1_account",
                                       "top1_deficit",
                                       "top2_account",
                                       "top2_deficit",
                                       "top3_account",
                                       "top3_deficit",
                                       "cover1",
                                       "cover2"};
  EXPECT_EQ(t.header, first);
  ASSERT_EQ(t.rows.size(), golden_scenarios().size());
  const std::regex four(R"(-?[0-9]+\.[0-9]{4})");
  for (std::size_t s = 0; s < t.rows.size(); ++s) {
    EXPECT_EQ(t.rows[s].at(0), golden_scenarios().ids[s]);  // scenario-file order
    for (const char* c : {"liquidated_notional", "deficit", "inflow", "net_draw", "adl_need", "top1_deficit",
                          "top2_deficit", "top3_deficit", "cover1", "cover2"}) {
      const std::string& v = t.rows[s].at(t.column(c));
      EXPECT_TRUE(std::regex_match(v, four)) << c << " = '" << v << "' in " << t.rows[s].at(0);
    }
    for (const char* c : {"accounts_liquidated", "isolated_liquidated"})
      EXPECT_TRUE(std::regex_match(t.rows[s].at(t.column(c)), std::regex("[0-9]+"))) << c;
    // Weight is as given in the scenario file.
    EXPECT_EQ(parse(t.rows[s].at(t.column("weight"))), golden_scenarios().weights[s]);
  }
}

TEST(SummaryJson, HasTheRequiredKeys) {
  const auto& j = scanned().summary;
  ASSERT_TRUE(j.is_object());
  ASSERT_TRUE(j.contains("counts"));
  EXPECT_EQ(j["counts"]["accounts"], golden_book().account_count());
  EXPECT_EQ(j["counts"]["scenarios"], golden_scenarios().size());
  ASSERT_TRUE(j.contains("base"));
  for (const char* k : {"var", "es"}) {
    ASSERT_TRUE(j.contains(k)) << k;
    for (const char* q : {"0.99", "0.995", "0.999"}) {
      ASSERT_TRUE(j[k].contains(q)) << k << " " << q;
      EXPECT_TRUE(j[k][q].is_number()) << k << " " << q;
    }
  }
  for (const char* k : {"p_adl", "cover1", "cover2", "recommended_fund"}) {
    ASSERT_TRUE(j.contains(k)) << k;
    EXPECT_TRUE(j[k].is_number()) << k;
  }
  ASSERT_TRUE(j.contains("quantile_method"));
  EXPECT_TRUE(j["quantile_method"].is_string());
  EXPECT_FALSE(j["quantile_method"].get<std::string>().empty());
  ASSERT_TRUE(j.contains("backend"));
  // The backend used and the device, at top level or inside "backend".
  const bool device_top = j.contains("device");
  const bool device_nested = j["backend"].is_object() && j["backend"].contains("device");
  EXPECT_TRUE(device_top || device_nested);
  if (j["backend"].is_object()) {
    EXPECT_EQ(j["backend"]["used"], "cpu");
  }
  ASSERT_TRUE(j.contains("threads"));
  EXPECT_EQ(j["threads"], 2);
  EXPECT_TRUE(j.contains("timings") || j.contains("timings_s"));
  const auto& timings = j.contains("timings") ? j["timings"] : j["timings_s"];
  EXPECT_TRUE(timings.is_object());
  EXPECT_GE(timings.size(), 3u);  // per phase
  for (const auto& [phase, secs] : timings.items()) EXPECT_GE(secs.get<double>(), 0.0) << phase;
}

TEST(SummaryJson, ManifestNamesInputsWithHashesAndRows) {
  const auto& j = scanned().summary;
  ASSERT_TRUE(j.contains("manifest"));
  const auto& m = j["manifest"];
  ASSERT_TRUE(m.contains("tool_version"));
  EXPECT_NE(m["tool_version"].get<std::string>().find("riskscan"), std::string::npos);
  ASSERT_TRUE(m.contains("parameters"));
  EXPECT_EQ(m["parameters"]["top_k"], 3);
  EXPECT_EQ(m["parameters"]["fund_balance"], 1000.0);
  EXPECT_EQ(m["parameters"]["max_slippage"], 0.5);
  EXPECT_EQ(m["parameters"]["gpu_memory_mib"], 0);  // 0: the default, 90% of free device memory
  EXPECT_TRUE(m.contains("seed"));                  // null for a scenario file
  ASSERT_TRUE(m.contains("inputs"));
  // Every snapshot file and the scenario file, each with its SHA-256 and data row count.
  std::map<std::string, bool> seen;
  for (const auto& in : m["inputs"]) {
    const std::filesystem::path p = in["path"].get<std::string>();
    const std::string name = p.filename().string();
    const std::filesystem::path real = name == "scenarios.csv" && p.parent_path().filename() != "snapshot"
                                           ? golden_dir() / "scenarios.csv"
                                           : golden_dir() / "snapshot" / name;
    SCOPED_TRACE(p.string());
    const std::string bytes = read_file(real);
    EXPECT_EQ(in["sha256"], sha256_hex(bytes));
    const auto lines = static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '\n'));
    EXPECT_EQ(in["rows"].get<std::size_t>(), lines - 1);
    seen[real.lexically_relative(golden_dir()).string()] = true;
  }
  for (const char* f : {"snapshot/accounts.csv", "snapshot/assets.csv", "snapshot/balances.csv", "snapshot/factors.csv",
                        "snapshot/instruments.csv", "snapshot/margin_tiers.csv", "snapshot/positions.csv",
                        "snapshot/collateral_tiers.csv", "scenarios.csv"})
    EXPECT_TRUE(seen.count(f)) << f << " missing from the manifest";
}

TEST(SummaryJson, RecommendedFundAndCoversFollowTheScenarios) {
  const auto& j = scanned().summary;
  const auto& t = scanned().scenarios;
  const double es = j["es"]["0.999"];
  const double cover2 = j["cover2"];
  EXPECT_EQ(j["recommended_fund"].get<double>(), std::max(es, cover2));
  double max_c1 = 0, max_c2 = 0;
  double p_adl = 0, total_w = 0;
  for (std::size_t s = 0; s < t.rows.size(); ++s) {
    max_c1 = std::max(max_c1, parse(t.rows[s].at(t.column("cover1"))));
    max_c2 = std::max(max_c2, parse(t.rows[s].at(t.column("cover2"))));
    const double w = golden_scenarios().weights[s];
    total_w += w;
    if (parse(t.rows[s].at(t.column("net_draw"))) > 1000.0) p_adl += w;
  }
  EXPECT_NEAR(j["cover1"].get<double>(), max_c1, 1e-9);
  EXPECT_NEAR(cover2, max_c2, 1e-9);
  EXPECT_NEAR(j["p_adl"].get<double>(), p_adl / total_w, 1e-12);
  EXPECT_GT(max_c2, 0.0) << "golden scenarios should produce deficits";
  // Base totals are the fixed-point sums of the per-account values.
  std::int64_t equity = 0, mm = 0;
  for (const auto& row : scanned().accounts.rows) {
    equity += core::to_fixed(parse(row.at(scanned().accounts.column("base_equity"))));
    mm += core::to_fixed(parse(row.at(scanned().accounts.column("base_mm"))));
  }
  EXPECT_NEAR(j["base"]["equity"].get<double>(), static_cast<double>(equity) / 1e4, 1e-6);
  EXPECT_NEAR(j["base"]["mm"].get<double>(), static_cast<double>(mm) / 1e4, 1e-6);
}

TEST(RunScan, ReferenceAndCpuWriteIdenticalFiles) {
  // Through run_scan, so the writer path and backend choice are the real ones.
  temp_dir dir;
  for (const char* backend : {"reference", "cpu"}) {
    scan_options o = scanned().opts;
    o.backend = backend;
    o.out = dir / backend;
    run_scan(o);
  }
  for (const char* f : {"accounts.csv", "scenarios.csv"})
    EXPECT_EQ(read_file(dir / "reference" / f), read_file(dir / "cpu" / f)) << f;
}

// With progress on (stderr a terminal), every phase shows as it starts and ends with its time,
// in order, and the scan reaches 100% of the scenarios. summary.json's timings are the same
// measurements.
TEST(RunScan, ProgressShowsEveryPhaseWithItsTime) {
  temp_dir dir;
  scan_options o = scanned().opts;
  o.out = dir / "out";
  o.progress = true;
  testing::internal::CaptureStderr();
  run_scan(o);
  const std::string err = testing::internal::GetCapturedStderr();
  const std::size_t n = golden_scenarios().size();
  EXPECT_NE(err.find(fmt::format("scan: 100.0% ({} / {} scenarios, ", n, n)), std::string::npos) << err;
  // What the terminal ends up showing: per line, the text after the last carriage return.
  std::vector<std::string> shown;
  std::istringstream lines(err);
  for (std::string line; std::getline(lines, line);) {
    line = line.substr(line.rfind('\r') + 1);
    EXPECT_EQ(line.substr(line.size() - 3), "\x1b[K") << line;
    shown.push_back(line.substr(0, line.size() - 3));
  }
  const std::vector<std::string> phases{"load snapshot", "load scenarios", "prepare",
                                        "base state",    "scan",           "write outputs"};
  ASSERT_EQ(shown.size(), phases.size()) << err;
  for (std::size_t i = 0; i < phases.size(); ++i)
    EXPECT_TRUE(std::regex_match(shown[i], std::regex(phases[i] + ": [0-9]+\\.[0-9]{2} s"))) << shown[i];
}

}  // namespace
}  // namespace riskscan::test
