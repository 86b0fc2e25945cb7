// `riskscan generate`: determinism, the FORMATS.md rules, the account mix, and that the built-in
// stress set only names factors every generated snapshot has.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../../generate/src/generate_internal.hpp"
#include "riskscan/error.hpp"
#include "riskscan/generate.hpp"
#include "riskscan/snapshot_io.hpp"
#include "test_support.hpp"

namespace riskscan {
namespace {

using test::csv_table;
using test::read_csv;
using test::read_file;
using test::temp_dir;

const std::vector<std::string> snapshot_files = {"assets.csv",       "collateral_tiers.csv", "factors.csv",
                                                 "margin_tiers.csv", "instruments.csv",      "accounts.csv",
                                                 "balances.csv",     "positions.csv"};

generate_options make(std::uint64_t accounts, std::uint64_t seed, bool options = true, bool portfolio = true) {
  generate_options o;
  o.accounts = accounts;
  o.seed = seed;
  o.options = options;
  o.portfolio = portfolio;
  return o;
}

double number(const std::string& cell) {
  char* end = nullptr;
  const double x = std::strtod(cell.c_str(), &end);
  EXPECT_TRUE(!cell.empty() && end == cell.c_str() + cell.size()) << "not a number: '" << cell << "'";
  return x;
}

// A plain decimal: digits, one optional point, optional leading minus; no exponent, nan or inf.
bool plain_decimal(const std::string& cell) {
  if (cell.empty()) return false;
  std::size_t i = cell[0] == '-' ? 1 : 0;
  bool digit = false, point = false;
  for (; i < cell.size(); ++i) {
    if (cell[i] >= '0' && cell[i] <= '9')
      digit = true;
    else if (cell[i] == '.' && !point)
      point = true;
    else
      return false;
  }
  return digit;
}

// The generated tables, keyed for the checks below.
struct snapshot {
  csv_table assets, collateral, factors, tiers, instruments, accounts, balances, positions;
  explicit snapshot(const std::filesystem::path& dir)
      : assets(read_csv(dir / "assets.csv")),
        collateral(read_csv(dir / "collateral_tiers.csv")),
        factors(read_csv(dir / "factors.csv")),
        tiers(read_csv(dir / "margin_tiers.csv")),
        instruments(read_csv(dir / "instruments.csv")),
        accounts(read_csv(dir / "accounts.csv")),
        balances(read_csv(dir / "balances.csv")),
        positions(read_csv(dir / "positions.csv")) {}
};

TEST(Generate, SameOptionsGiveIdenticalFiles) {
  temp_dir a("rs-gen-a"), b("rs-gen-b");
  generate_exchange(make(3000, 11), a.path());
  generate_exchange(make(3000, 11), b.path());
  for (const auto& f : snapshot_files) EXPECT_EQ(read_file(a / f), read_file(b / f)) << f;
}

TEST(Generate, OutputDoesNotDependOnThreadCount) {
  temp_dir a("rs-gen-t1"), b("rs-gen-t3");
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  generate_exchange(make(20000, 5), a.path());
  omp_set_num_threads(3);
  generate_exchange(make(20000, 5), b.path());
  omp_set_num_threads(saved);
  for (const auto& f : {"accounts.csv", "balances.csv", "positions.csv"})
    EXPECT_EQ(read_file(a / f), read_file(b / f)) << f;
}

TEST(Generate, DifferentSeedGivesDifferentBook) {
  temp_dir a("rs-gen-a"), b("rs-gen-b");
  generate_exchange(make(2000, 1), a.path());
  generate_exchange(make(2000, 2), b.path());
  EXPECT_NE(read_file(a / "balances.csv"), read_file(b / "balances.csv"));
  EXPECT_NE(read_file(a / "positions.csv"), read_file(b / "positions.csv"));
  // The market is the same for every seed (the stress set depends on its betas).
  EXPECT_EQ(read_file(a / "factors.csv"), read_file(b / "factors.csv"));
  EXPECT_EQ(read_file(a / "instruments.csv"), read_file(b / "instruments.csv"));
}

TEST(Generate, AccountRowsEqualRequestedCount) {
  for (std::uint64_t n : {1ULL, 2ULL, 9ULL, 8193ULL}) {
    temp_dir d("rs-gen-n");
    generate_exchange(make(n, 3), d.path());
    const auto accounts = read_csv(d / "accounts.csv");
    EXPECT_EQ(accounts.rows.size(), n);
    EXPECT_EQ(accounts.header, (std::vector<std::string>{"account", "mode", "group"}));
  }
}

TEST(Generate, CreatesNestedDirectoryAndReportsUnwritableOutput) {
  temp_dir d("rs-gen-dir");
  generate_exchange(make(10, 1), d / "a" / "b");
  EXPECT_TRUE(std::filesystem::exists(d / "a" / "b" / "positions.csv"));
  test::write_file(d / "plain", "x");
  EXPECT_THROW(generate_exchange(make(10, 1), d / "plain" / "out"), output_error);
  EXPECT_THROW(generate_exchange(make(10, 1), d / "plain"), output_error);
}

TEST(Generate, NoOptionsMeansNoOptionInstrumentsOrPositions) {
  temp_dir d("rs-gen-noopt");
  generate_exchange(make(5000, 4, false, true), d.path());
  const snapshot s(d.path());
  std::set<std::string> ids;
  const auto kind = s.instruments.column("kind"), id = s.instruments.column("instrument");
  for (const auto& r : s.instruments.rows) {
    EXPECT_NE(r[kind], "option") << r[id];
    ids.insert(r[id]);
  }
  for (const auto& r : s.positions.rows) EXPECT_TRUE(ids.count(r[s.positions.column("instrument")]));
  bool portfolio = false;
  for (const auto& r : s.accounts.rows) portfolio |= r[1] == "portfolio";
  EXPECT_TRUE(portfolio);
}

TEST(Generate, NoPortfolioMeansCrossOnly) {
  temp_dir d("rs-gen-nopm");
  generate_exchange(make(5000, 4, true, false), d.path());
  const snapshot s(d.path());
  const auto mode = s.accounts.column("mode");
  for (const auto& r : s.accounts.rows) EXPECT_EQ(r[mode], "cross");
  // Options are still listed and traded (by multi-currency cross accounts).
  std::map<std::string, std::string> kinds;
  for (const auto& r : s.instruments.rows) kinds[r[0]] = r[s.instruments.column("kind")];
  std::size_t option_positions = 0;
  for (const auto& r : s.positions.rows) option_positions += kinds.at(r[1]) == "option";
  EXPECT_GT(option_positions, 0u);
}

// Every rule of FORMATS.md "Snapshot directory" that a generator can break.
TEST(Generate, SatisfiesTheSnapshotFormat) {
  temp_dir d("rs-gen-fmt");
  generate_exchange(make(20000, 9), d.path());
  const snapshot s(d.path());

  EXPECT_EQ(s.assets.header, (std::vector<std::string>{"asset", "price_usd", "factor", "borrow_mmr", "borrow_imr"}));
  EXPECT_EQ(s.positions.header,
            (std::vector<std::string>{"account", "instrument", "qty", "entry_price", "isolated_margin"}));
  EXPECT_EQ(s.balances.header, (std::vector<std::string>{"account", "asset", "amount"}));

  // Factors.
  std::map<std::string, std::string> factor_kind;
  for (const auto& r : s.factors.rows) {
    ASSERT_EQ(r.size(), s.factors.header.size());
    EXPECT_TRUE(factor_kind.emplace(r[0], r[1]).second) << "duplicate factor " << r[0];
    EXPECT_TRUE(r[1] == "crypto" || r[1] == "stable");
    for (std::size_t c = 2; c < r.size(); ++c) EXPECT_TRUE(plain_decimal(r[c])) << r[c];
  }
  EXPECT_GE(factor_kind.size(), 40u);
  EXPECT_EQ(factor_kind.at("USDT"), "stable");
  EXPECT_EQ(factor_kind.at("USDC"), "stable");
  EXPECT_EQ(factor_kind.at("BTC"), "crypto");

  // Assets.
  std::map<std::string, std::string> asset_factor;
  for (const auto& r : s.assets.rows) {
    ASSERT_EQ(r.size(), 5u);
    EXPECT_TRUE(asset_factor.emplace(r[0], r[2]).second) << "duplicate asset " << r[0];
    EXPECT_GT(number(r[1]), 0);
    if (!r[2].empty()) {
      EXPECT_TRUE(factor_kind.count(r[2])) << r[2];
    }
    EXPECT_TRUE(plain_decimal(r[1]) && plain_decimal(r[3]) && plain_decimal(r[4])) << r[0];
  }
  EXPECT_EQ(asset_factor.at("USD"), "");
  EXPECT_EQ(asset_factor.at("USDT"), "USDT");
  EXPECT_EQ(asset_factor.at("USDC"), "USDC");

  // Collateral tiers: known assets, ratios in [0, 1], strictly ascending, inf only last.
  std::map<std::string, std::vector<std::string>> collateral;
  for (const auto& r : s.collateral.rows) {
    EXPECT_TRUE(asset_factor.count(r[0]));
    const double ratio = number(r[2]);
    EXPECT_TRUE(ratio >= 0 && ratio <= 1);
    collateral[r[0]].push_back(r[1]);
  }
  EXPECT_TRUE(collateral.count("BTC") && collateral.count("ETH") && collateral.count("USDT"));
  auto check_ascending = [](const std::string& name, const std::vector<std::string>& up_to) {
    for (std::size_t k = 0; k < up_to.size(); ++k) {
      if (up_to[k] == "inf") {
        EXPECT_EQ(k + 1, up_to.size()) << name << ": inf before the last row";
        continue;
      }
      EXPECT_TRUE(plain_decimal(up_to[k]));
      if (k > 0) {
        EXPECT_LT(number(up_to[k - 1]), number(up_to[k])) << name;
      }
    }
  };
  for (const auto& [asset, rows] : collateral) check_ascending(asset, rows);

  // Margin schedules: one style each, ascending, rates in (0, 1).
  std::map<std::string, std::vector<std::string>> schedule_rows;
  std::map<std::string, std::set<std::string>> schedule_styles;
  for (const auto& r : s.tiers.rows) {
    schedule_rows[r[0]].push_back(r[2]);
    schedule_styles[r[0]].insert(r[1]);
    const double rate = number(r[3]);
    EXPECT_TRUE(rate > 0 && rate < 1) << r[0];
  }
  std::set<std::string> styles;
  for (const auto& [id, rows] : schedule_rows) {
    check_ascending(id, rows);
    EXPECT_EQ(schedule_styles[id].size(), 1u) << id;
    styles.insert(*schedule_styles[id].begin());
  }
  EXPECT_EQ(styles, (std::set<std::string>{"marginal", "step"}));

  // Instruments.
  const auto& ih = s.instruments.header;
  auto col = [&](const char* name) { return s.instruments.column(name); };
  EXPECT_EQ(ih.size(), 16u);
  std::map<std::string, std::vector<std::string>> instruments;
  std::map<std::string, std::size_t> kinds;
  for (const auto& r : s.instruments.rows) {
    ASSERT_EQ(r.size(), ih.size());
    const std::string& id = r[col("instrument")];
    EXPECT_TRUE(instruments.emplace(id, r).second) << "duplicate instrument " << id;
    const std::string& kind = r[col("kind")];
    ++kinds[kind];
    EXPECT_TRUE(factor_kind.count(r[col("underlying")])) << id;
    EXPECT_TRUE(asset_factor.count(r[col("settle")])) << id;
    if (r[col("inverse")] == "1") {
      EXPECT_EQ(asset_factor.at(r[col("settle")]), r[col("underlying")]) << id << ": inverse settles in its coin";
    } else {
      EXPECT_EQ(r[col("inverse")], "0");
    }
    EXPECT_GT(number(r[col("multiplier")]), 0);
    EXPECT_GT(number(r[col("mark_price")]), 0);
    EXPECT_TRUE(plain_decimal(r[col("mark_price")])) << id;
    EXPECT_GT(number(r[col("liq_fee_rate")]), 0);
    EXPECT_GT(number(r[col("depth_usd")]), 0);
    if (kind == "option") {
      EXPECT_TRUE(r[col("option_type")] == "C" || r[col("option_type")] == "P");
      EXPECT_GT(number(r[col("strike")]), 0);
      EXPECT_GT(number(r[col("iv")]), 0);
      EXPECT_GT(number(r[col("expiry_years")]), 0);
      EXPECT_EQ(r[col("mm_schedule")], "");
      EXPECT_GT(number(r[col("option_mm_rate")]), 0);
    } else {
      EXPECT_TRUE(kind == "perp" || kind == "future") << kind;
      EXPECT_TRUE(schedule_rows.count(r[col("mm_schedule")])) << id << ": every perp / future has a schedule";
      EXPECT_EQ(r[col("strike")], "");
      EXPECT_EQ(r[col("option_type")], "");
      if (kind == "future") {
        const double t = number(r[col("expiry_years")]);
        EXPECT_TRUE(t > 0 && t <= 1) << id;
      }
    }
  }
  EXPECT_GE(kinds["perp"], 70u);
  EXPECT_GE(kinds["future"], 8u);
  EXPECT_GE(kinds["option"], 200u);
  EXPECT_TRUE(instruments.count("BTC-USDT-SWAP") && instruments.count("BTC-USD-SWAP") &&
              instruments.count("ETH-USD-SWAP"));

  // Accounts.
  std::set<std::string> accounts;
  for (const auto& r : s.accounts.rows) {
    ASSERT_EQ(r.size(), 3u);
    EXPECT_TRUE(accounts.insert(r[0]).second) << "duplicate account " << r[0];
    EXPECT_TRUE(r[1] == "cross" || r[1] == "portfolio");
    EXPECT_EQ(r[0].find(','), std::string::npos);
  }
  EXPECT_EQ(s.accounts.rows.front()[0], "a0000001");

  // Balances: unique (account, asset), finite, plain decimals.
  std::set<std::pair<std::string, std::string>> balance_keys;
  for (const auto& r : s.balances.rows) {
    ASSERT_EQ(r.size(), 3u);
    EXPECT_TRUE(accounts.count(r[0]));
    EXPECT_TRUE(asset_factor.count(r[1]));
    EXPECT_TRUE(balance_keys.emplace(r[0], r[1]).second) << "duplicate balance " << r[0] << " " << r[1];
    EXPECT_TRUE(plain_decimal(r[2])) << r[2];
    EXPECT_NE(number(r[2]), 0);
  }

  // Positions: unique (account, instrument, isolated or not), qty nonzero, entry rules,
  // isolated only on perps / futures.
  std::set<std::tuple<std::string, std::string, bool>> position_keys;
  for (const auto& r : s.positions.rows) {
    ASSERT_EQ(r.size(), 5u);
    EXPECT_TRUE(accounts.count(r[0]));
    ASSERT_TRUE(instruments.count(r[1])) << r[1];
    const std::string& kind = instruments.at(r[1])[col("kind")];
    const bool isolated = !r[4].empty();
    EXPECT_TRUE(position_keys.emplace(r[0], r[1], isolated).second) << "duplicate position " << r[0] << " " << r[1];
    EXPECT_TRUE(plain_decimal(r[2])) << r[2];
    EXPECT_NE(number(r[2]), 0);
    if (kind == "option") {
      EXPECT_EQ(r[3], "") << r[0] << " " << r[1];
      EXPECT_FALSE(isolated) << "isolated option " << r[0] << " " << r[1];
    } else {
      EXPECT_TRUE(plain_decimal(r[3])) << r[3];
      EXPECT_GT(number(r[3]), 0);
    }
    if (isolated) {
      EXPECT_TRUE(plain_decimal(r[4]));
      EXPECT_GT(number(r[4]), 0);
    }
  }
}

// The account mix of the issue, on 20,000 accounts.
TEST(Generate, AccountMixIsRealistic) {
  temp_dir d("rs-gen-mix");
  const std::size_t n = 20000;
  generate_exchange(make(n, 2024), d.path());
  const snapshot s(d.path());

  std::map<std::string, double> price;
  for (const auto& r : s.assets.rows) price[r[0]] = number(r[1]);
  std::map<std::string, std::vector<std::string>> inst;
  for (const auto& r : s.instruments.rows) inst[r[0]] = r;
  const auto kind_col = s.instruments.column("kind"), settle_col = s.instruments.column("settle"),
             mult_col = s.instruments.column("multiplier"), mark_col = s.instruments.column("mark_price"),
             inverse_col = s.instruments.column("inverse");

  struct info {
    std::vector<std::pair<std::string, double>> balances;
    std::size_t positions = 0, isolated = 0;
    bool usdt_linear_perps_only = true;
    double notional = 0;
    double upnl_usd = 0;  // linear perps and futures
  };
  std::map<std::string, info> acc;
  for (const auto& r : s.balances.rows) acc[r[0]].balances.emplace_back(r[1], number(r[2]));
  for (const auto& r : s.positions.rows) {
    auto& a = acc[r[0]];
    const auto& in = inst.at(r[1]);
    ++a.positions;
    if (!r[4].empty()) ++a.isolated;
    if (!(in[kind_col] == "perp" && in[settle_col] == "USDT" && r[4].empty())) a.usdt_linear_perps_only = false;
    const double q = std::fabs(number(r[2])), m = number(in[mult_col]), mark = number(in[mark_col]);
    a.notional += in[inverse_col] == "1" ? (in[kind_col] == "option" ? q * m * mark : q * m)
                                         : q * m * mark * price.at(in[settle_col]);
    if (in[inverse_col] == "0" && in[kind_col] != "option")
      a.upnl_usd += number(r[2]) * m * (mark - number(r[3])) * price.at(in[settle_col]);
  }

  double single = 0, portfolio = 0, isolated = 0, borrowing = 0, multi_currency = 0, grouped = 0, no_positions = 0;
  std::map<std::string, int> group_size;
  double min_equity = 1e300, max_equity = 0;
  std::vector<double> leverage;
  for (const auto& r : s.accounts.rows) {
    const auto& a = acc[r[0]];
    if (r[1] == "portfolio") ++portfolio;
    if (!r[2].empty()) {
      ++grouped;
      ++group_size[r[2]];
    }
    if (a.isolated > 0) ++isolated;
    if (a.positions == 0) ++no_positions;
    bool borrows = false;
    double wallet = 0;
    for (const auto& [asset, amount] : a.balances) {
      borrows |= amount < 0;
      wallet += amount * price.at(asset);
    }
    if (borrows) ++borrowing;
    if (a.balances.size() > 1) ++multi_currency;
    if (r[1] == "cross" && a.positions > 0 && a.usdt_linear_perps_only && a.balances.size() == 1 &&
        a.balances[0].first == "USDT") {
      ++single;
      if (wallet + a.upnl_usd > 0) leverage.push_back(a.notional / (wallet + a.upnl_usd));
    }
    if (wallet > 0) {
      min_equity = std::min(min_equity, wallet);
      max_equity = std::max(max_equity, wallet);
    }
  }
  const double N = static_cast<double>(n);
  EXPECT_GT(single / N, 0.72);
  EXPECT_LT(single / N, 0.88);
  EXPECT_GT(portfolio / N, 0.03);
  EXPECT_LT(portfolio / N, 0.07);
  EXPECT_GT(isolated / N, 0.03);
  EXPECT_LT(isolated / N, 0.08);
  EXPECT_GT(borrowing / N, 0.01);
  EXPECT_GT(multi_currency / N, 0.04);
  EXPECT_GT(no_positions, 0);
  EXPECT_GT(grouped / N, 0.01);
  EXPECT_LT(grouped / N, 0.03);
  for (const auto& [g, size] : group_size) {
    EXPECT_GE(size, 1) << g;  // a collision may leave a group one member short
    EXPECT_LE(size, 5) << g;
  }
  // Heavy-tailed sizes: at least 4 orders of magnitude.
  EXPECT_LT(min_equity, 100);
  EXPECT_GT(max_equity / min_equity, 1e4);
  // Leverage of single-asset accounts: mostly 1-20x, a thin tail above.
  std::sort(leverage.begin(), leverage.end());
  const double median = leverage[leverage.size() / 2];
  EXPECT_GT(median, 1.5);
  EXPECT_LT(median, 10);
  const auto within = std::count_if(leverage.begin(), leverage.end(), [](double x) { return x >= 0.8 && x <= 21; });
  EXPECT_GT(static_cast<double>(within) / static_cast<double>(leverage.size()), 0.85);
  EXPECT_GT(leverage.back(), 30);
  EXPECT_LT(leverage.back(), 150);
}

// The stress set names only factors that every generated snapshot has.
TEST(Generate, StressSetColumnsNameGeneratedFactors) {
  const auto stress = read_csv(test::source_dir() / "scenarios" / "data" / "stress_v1.csv");
  ASSERT_GE(stress.header.size(), 3u);
  EXPECT_EQ(stress.header[0], "scenario");
  for (std::uint64_t n : {1ULL, 500ULL}) {
    for (bool options : {false, true}) {
      temp_dir d("rs-gen-stress");
      generate_exchange(make(n, 1, options, options), d.path());
      std::set<std::string> factors;
      for (const auto& r : read_csv(d / "factors.csv").rows) factors.insert(r[0]);
      for (const auto& h : stress.header) {
        if (h.rfind("r:", 0) == 0 || h.rfind("v:", 0) == 0)
          EXPECT_TRUE(factors.count(h.substr(2))) << h << " is not a generated factor";
        else
          EXPECT_TRUE(h == "scenario" || h == "weight" || h == "horizon_days") << h;
      }
    }
  }
  EXPECT_GE(stress.rows.size(), 25u);
  std::set<std::string> names;
  for (const auto& r : stress.rows) {
    ASSERT_EQ(r.size(), stress.header.size());
    EXPECT_TRUE(names.insert(r[0]).second) << r[0];
    for (std::size_t c = 1; c < r.size(); ++c) {
      const double x = number(r[c]);
      EXPECT_TRUE(std::isfinite(x));
      if (stress.header[c] == "weight") {
        EXPECT_GT(x, 0);
      } else {
        EXPECT_GE(x, -1) << r[0] << " " << stress.header[c];
      }
    }
  }
}

TEST(Generate, SnapshotLoadsWithoutProblems) {
  for (bool options : {true, false}) {
    temp_dir d("rs-gen-load");
    generate_exchange(make(5000, 77, options, options), d.path());
    const auto loaded = load_snapshot(d.path());
    EXPECT_EQ(loaded.data.account_count(), 5000u);
    EXPECT_EQ(loaded.data.position_count(), read_csv(d / "positions.csv").rows.size());
    EXPECT_EQ(loaded.data.balance_count(), read_csv(d / "balances.csv").rows.size());
    EXPECT_EQ(loaded.data.instruments.size(), read_csv(d / "instruments.csv").rows.size());
  }
}

// The generator's own arithmetic (bit-reproducible everywhere) stays close to libm.
TEST(Generate, DeterministicMathIsAccurate) {
  for (double x : {1e-9, 0.001, 0.3, 0.7071, 1.0, 1.5, 2.0, 10.0, 91234.5, 1e8}) {
    EXPECT_NEAR(gen::det_log(x), std::log(x), 1e-15 * std::max(1.0, std::fabs(std::log(x)))) << x;
  }
  for (double x : {-30.0, -5.0, -0.5, 0.0, 0.1, 1.0, 3.3, 20.0}) {
    EXPECT_NEAR(gen::det_exp(x), std::exp(x), 1e-15 * std::exp(x)) << x;
  }
  for (double p : {1e-6, 0.01, 0.2, 0.5, 0.8, 0.99, 1 - 1e-6}) {
    EXPECT_NEAR(gen::norm_cdf(gen::norm_inv(p)), p, 2e-7 * std::max(p, 1e-3)) << p;
  }
  // Put-call parity of the undiscounted Black-76: C - P = F - K.
  const double f = 91234.5, k = 100000, t = 0.25, s = 0.55;
  EXPECT_NEAR(gen::black76(f, k, t, s, true) - gen::black76(f, k, t, s, false), f - k, 1e-6 * f);
  EXPECT_EQ(gen::black76(f, k, 0, s, false), k - f);
  EXPECT_EQ(gen::round_dec(0.1 + 0.2, 2), 0.3);
  EXPECT_EQ(gen::round_sig(0.0000123456789, 4), 0.00001235);
  fmt::memory_buffer b;
  gen::put_number(b, 0.00001234);
  gen::put(b, ' ');
  gen::put_number(b, -1.5e-7);
  gen::put(b, ' ');
  gen::put_number(b, 1e16);
  gen::put(b, ' ');
  gen::put_number(b, 91234.5);
  EXPECT_EQ(fmt::to_string(b), "0.00001234 -0.00000015 10000000000000000 91234.5");
}

}  // namespace
}  // namespace riskscan
