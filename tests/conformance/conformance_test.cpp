// Every case under tests/conformance/cases (copied from shared/conformance) on every CPU backend:
// the published checks of expected.json, and for the golden book the whole expected/ directory.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "riskscan/scan_command.hpp"
#include "test_support.hpp"

namespace riskscan::test {
namespace {

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(conformance_dir()))
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Applies the case's extra `run` arguments (FORMATS.md option names) to the options.
void apply_run_args(const nlohmann::json& run, scan_options& o) {
  for (std::size_t i = 0; i + 1 < run.size(); i += 2) {
    const std::string flag = run[i];
    const double value = std::stod(run[i + 1].get<std::string>());
    if (flag == "--fund-balance")
      o.fund_balance = value;
    else if (flag == "--max-slippage")
      o.max_slippage = value;
    else if (flag == "--top-k")
      o.top_k = static_cast<int>(value);
    else
      FAIL() << "unsupported run argument " << flag;
  }
}

nlohmann::json read_json(const std::filesystem::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

class conformance : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(conformance, matches_expected) {
  const auto& [name, backend] = GetParam();
  const auto dir = conformance_dir() / name;
  const auto expected = read_json(dir / "expected.json");
  temp_dir out("conformance");
  scan_options o;
  o.snapshot = dir / "snapshot";
  o.scenarios = dir / "scenarios.csv";
  o.out = out.path();
  o.backend = backend;
  if (expected.contains("run")) apply_run_args(expected["run"], o);
  run_scan(o);

  std::map<std::string, csv_table> outputs;
  for (const char* file : {"accounts.csv", "scenarios.csv"}) outputs[file] = read_csv(out / file);
  for (const auto& check : expected["checks"]) {
    const csv_table& table = outputs.at(check["file"].get<std::string>());
    const auto& row = table.row(check["key_column"], check["key"]);
    const std::string cell = row.at(table.column(check["column"]));
    const double want = check["value"];
    ASSERT_FALSE(cell.empty()) << check["key"] << " " << check["column"];
    const double got = std::stod(cell);
    const double tol = std::max(check["abs_tol"].get<double>(), check["rel_tol"].get<double>() * std::fabs(want));
    EXPECT_LE(std::fabs(got - want), tol) << name << ": " << check["key"] << " " << check["column"] << " got " << cell
                                          << " want " << want << " (" << check["source"] << ")";
  }

  // A case with a complete expected/ directory is compared cell by cell (conformance README).
  if (!std::filesystem::exists(dir / "expected")) return;
  const csv_table want_accounts = read_csv(dir / "expected" / "accounts.csv");
  const csv_table want_scenarios = read_csv(dir / "expected" / "scenarios.csv");
  const std::size_t n_accounts = want_accounts.rows.size();
  const double money_tol = 0.01 * std::ceil(static_cast<double>(n_accounts) / 1000.0);
  const std::set<std::string> account_floats{"base_equity", "base_adj_equity", "base_mm",     "base_margin_ratio",
                                             "base_imr",    "worst_excess",    "max_deficit", "expected_deficit"};
  const std::set<std::string> scenario_money{"liquidated_notional", "deficit",      "inflow", "net_draw", "adl_need",
                                             "top1_deficit",        "top2_deficit", "cover1", "cover2",   "weight"};
  auto compare = [&](const csv_table& want, const csv_table& got, const std::string& key,
                     const std::function<bool(const std::string&)>& is_float,
                     const std::function<double(const std::string&, double)>& tolerance) {
    ASSERT_EQ(want.header, got.header);
    ASSERT_EQ(want.rows.size(), got.rows.size());
    for (std::size_t r = 0; r < want.rows.size(); ++r) {
      for (std::size_t c = 0; c < want.header.size(); ++c) {
        const std::string& w = want.rows[r][c];
        const std::string& g = got.rows[r].at(c);
        const std::string where = want.rows[r][want.column(key)] + " " + want.header[c];
        if (!is_float(want.header[c]) || w.empty() || g.empty()) {
          EXPECT_EQ(w, g) << where;
          continue;
        }
        const double wv = std::stod(w);
        EXPECT_LE(std::fabs(std::stod(g) - wv), tolerance(want.header[c], wv))
            << where << ": got " << g << " want " << w;
      }
    }
  };
  compare(
      want_accounts, outputs["accounts.csv"], "account",
      [&](const std::string& c) { return account_floats.count(c) > 0; },
      [](const std::string&, double v) { return std::max(1e-6, 1e-9 * std::fabs(v)); });
  compare(
      want_scenarios, outputs["scenarios.csv"], "scenario",
      [&](const std::string& c) { return scenario_money.count(c) > 0; },
      [&](const std::string& c, double v) { return c == "weight" ? 1e-12 * std::fabs(v) : money_tol; });
}

INSTANTIATE_TEST_SUITE_P(cases, conformance,
                         ::testing::Combine(::testing::ValuesIn(case_names()), ::testing::Values("reference", "cpu")),
                         [](const auto& test) {  // not `info`: gtest's macro already uses that name
                           return std::get<0>(test.param) + "_" + std::get<1>(test.param);
                         });

}  // namespace
}  // namespace riskscan::test
