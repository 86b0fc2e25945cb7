// Invariants of whole scans (ARCHITECTURE.md 7) on golden_small_book and on a generated book:
// zero shock = base; scaling every quantity by k scales money by k; account order, thread count
// and backend never change outputs (byte-identical accounts.csv / scenarios.csv, also at the cpu
// backend's 64-scenario tile edges and with 0 / 1 accounts); deficit >= 0; inflow <= fees.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <sstream>

#include "book_builder.hpp"
#include "riskscan/core/account_eval.hpp"
#include "riskscan/cpu_backend.hpp"
#include "riskscan/generate.hpp"
#include "riskscan/instrument_tables.hpp"

namespace riskscan::test {
namespace {

// A generated exchange (options and portfolio accounts included), loaded once.
const book& generated_book() {
  static const book b = [] {
    temp_dir dir("rs-gen");
    generate_options o;
    o.accounts = 600;
    o.seed = 20240611;
    generate_exchange(o, dir / "snap");
    return load_snapshot(dir / "snap", 1).data;
  }();
  return b;
}

// n random scenarios over every factor of the book: crypto returns in [-60 %, +60 %] (some
// crashes), stablecoins +-5 %, vol shocks in [-50 %, +80 %], horizons 0 / 1 / 7 / 30 days, weights
// in [0.5, 2].
bound_scenarios random_scenarios(const book& b, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> crypto(-0.6, 0.6), stable(-0.05, 0.05), vol(-0.5, 0.8), weight(0.5, 2.0);
  const double horizons[] = {0.0, 1.0, 7.0, 30.0};
  scenario_set set = make_scenario_set(factor_ids(b));
  for (std::size_t s = 0; s < n; ++s) {
    const auto i = set.add("rnd" + std::to_string(s), weight(rng), horizons[rng() % 4]);
    for (std::size_t f = 0; f < b.factors.size(); ++f) {
      set.ret(i, f) = b.factors[f].kind == factor_kind::stable ? stable(rng) : crypto(rng);
      set.vol(i, f) = vol(rng);
    }
  }
  return bind_scenarios(b, set, "random");
}

bound_scenarios golden_bound() { return bind_scenarios(golden_book(), golden_scenarios(), "scenarios.csv"); }

// Rows of a CSV text keyed by their first cell.
std::map<std::string, std::string> rows_by_key(const std::string& csv) {
  std::map<std::string, std::string> out;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) out[line.substr(0, line.find(','))] = line;
  return out;
}

void expect_backends_identical(const book& b, const bound_scenarios& sc, const std::string& what) {
  SCOPED_TRACE(what);
  auto ref = make_reference_backend();
  auto cpu = make_cpu_backend(2);
  scan_config cfg;
  cfg.top_k = 3;
  cfg.fund_balance_fp = 1234567;
  const auto a = scan_in_memory(b, sc, *ref, cfg);
  const auto c = scan_in_memory(b, sc, *cpu, cfg);
  EXPECT_EQ(a.accounts_csv, c.accounts_csv);
  EXPECT_EQ(a.scenarios_csv, c.scenarios_csv);
  // Not vacuous: one header plus a row per account / scenario.
  EXPECT_EQ(std::count(a.accounts_csv.begin(), a.accounts_csv.end(), '\n'), static_cast<long>(b.account_count() + 1));
  EXPECT_EQ(std::count(a.scenarios_csv.begin(), a.scenarios_csv.end(), '\n'), static_cast<long>(sc.size() + 1));
}

// ---------------------------------------------------------------------------------------------
// Zero shock = base.

void check_zero_shock(const book& b) {
  scenario_set set = make_scenario_set(factor_ids(b));
  set.add("zero_a");
  set.add("zero_b", 3.0);
  const auto sc = bind_scenarios(b, set, "zero");
  std::vector<std::unique_ptr<backend>> backends;
  backends.push_back(make_reference_backend());
  backends.push_back(make_cpu_backend(2));
  for (const auto& be : backends) {
    SCOPED_TRACE(be->name());
    const auto res = scan_in_memory(b, sc, *be);
    std::int64_t base_liquidated = 0;
    for (std::size_t a = 0; a < b.account_count(); ++a) {
      // Bit-identical: the same state priced by the same functions.
      EXPECT_EQ(res.red.accounts.worst_excess[a], res.base.adj_equity[a] - res.base.mm[a]) << b.account_ids[a];
      EXPECT_EQ(res.red.accounts.worst_scenario[a], 0) << b.account_ids[a];  // ties: the first scenario
      EXPECT_EQ(res.red.accounts.scenarios_liquidated[a], res.base.liquidated[a] ? 2 : 0) << b.account_ids[a];
      base_liquidated += res.base.liquidated[a];
    }
    EXPECT_EQ(res.red.scenarios.accounts_liquidated[0], base_liquidated);
    EXPECT_EQ(res.red.scenarios.deficit[0], res.red.scenarios.deficit[1]);
    EXPECT_EQ(res.red.scenarios.inflow[0], res.red.scenarios.inflow[1]);
  }
}

TEST(ZeroShock, EqualsBaseOnGoldenBook) { check_zero_shock(golden_book()); }
TEST(ZeroShock, EqualsBaseOnGeneratedBook) { check_zero_shock(generated_book()); }

TEST(ZeroShock, GoldenBookHasBaseLiquidationsSoTheCheckBites) {
  auto be = make_reference_backend();
  scenario_set set = make_scenario_set({});
  set.add("zero");
  const auto res = scan_in_memory(golden_book(), bind_scenarios(golden_book(), set, "zero"), *be);
  EXPECT_GT(res.red.scenarios.accounts_liquidated[0], 0);
}

// ---------------------------------------------------------------------------------------------
// Scaling every quantity by k scales money by k (see scale_book for what scales and why it is
// exact for k a power of two).

void check_scaling(const book& b, const bound_scenarios& sc) {
  constexpr double k = 4.0;
  const book scaled = scale_book(b, k);
  auto be = make_cpu_backend(2);
  const auto x = scan_in_memory(b, sc, *be);
  const auto y = scan_in_memory(scaled, sc, *be);
  const std::size_t n = b.account_count();
  for (std::size_t a = 0; a < n; ++a) {
    SCOPED_TRACE(b.account_ids[a]);
    EXPECT_EQ(y.base.equity[a], k * x.base.equity[a]);
    EXPECT_EQ(y.base.adj_equity[a], k * x.base.adj_equity[a]);
    EXPECT_EQ(y.base.mm[a], k * x.base.mm[a]);
    EXPECT_EQ(y.base.imr[a], k * x.base.imr[a]);
    EXPECT_EQ(y.base.liquidated[a], x.base.liquidated[a]);
    EXPECT_EQ(y.red.accounts.worst_excess[a], k * x.red.accounts.worst_excess[a]);
    EXPECT_EQ(y.red.accounts.worst_scenario[a], x.red.accounts.worst_scenario[a]);
    EXPECT_EQ(y.red.accounts.scenarios_liquidated[a], x.red.accounts.scenarios_liquidated[a]);
    EXPECT_EQ(y.red.accounts.max_deficit[a], k * x.red.accounts.max_deficit[a]);
    EXPECT_EQ(y.red.accounts.max_deficit_scenario[a], x.red.accounts.max_deficit_scenario[a]);
    EXPECT_EQ(y.red.accounts.expected_deficit[a], k * x.red.accounts.expected_deficit[a]);
  }
  // Fixed-point sums: llround(k v 1e4) vs k llround(v 1e4) differ by at most k / 2 per account.
  const auto tol = static_cast<std::int64_t>(k / 2) * static_cast<std::int64_t>(n);
  const auto& xs = x.red.scenarios;
  const auto& ys = y.red.scenarios;
  std::int64_t total_deficit = 0;
  for (std::size_t s = 0; s < sc.size(); ++s) {
    SCOPED_TRACE(sc.ids[s]);
    EXPECT_EQ(ys.accounts_liquidated[s], xs.accounts_liquidated[s]);
    EXPECT_EQ(ys.isolated_liquidated[s], xs.isolated_liquidated[s]);
    EXPECT_LE(std::llabs(ys.liquidated_notional[s] - 4 * xs.liquidated_notional[s]), tol);
    EXPECT_LE(std::llabs(ys.deficit[s] - 4 * xs.deficit[s]), tol);
    EXPECT_LE(std::llabs(ys.inflow[s] - 4 * xs.inflow[s]), tol);
    EXPECT_LE(std::llabs(ys.cover1[s] - 4 * xs.cover1[s]), tol);
    EXPECT_LE(std::llabs(ys.cover2[s] - 4 * xs.cover2[s]), tol);
    EXPECT_LE(std::llabs(ys.top_deficit[s * 2] - 4 * xs.top_deficit[s * 2]), 2);
    total_deficit += xs.deficit[s];
  }
  EXPECT_GT(total_deficit, 0) << "the scenario set should produce deficits for the check to bite";
}

TEST(Scaling, GoldenBookTimesFour) { check_scaling(golden_book(), golden_bound()); }
TEST(Scaling, GeneratedBookTimesFour) { check_scaling(generated_book(), random_scenarios(generated_book(), 20, 3)); }

// ---------------------------------------------------------------------------------------------
// Account order never changes an account's row.

void check_permutation(const book& b, const bound_scenarios& sc, bool compare_scenarios) {
  std::vector<std::size_t> perm(b.account_count());
  std::iota(perm.begin(), perm.end(), std::size_t{0});
  std::mt19937_64 rng(99);
  std::shuffle(perm.begin(), perm.end(), rng);
  const book shuffled = permute_accounts(b, perm);
  auto be = make_cpu_backend(2);
  const auto x = scan_in_memory(b, sc, *be);
  const auto y = scan_in_memory(shuffled, sc, *be);
  const auto xr = rows_by_key(x.accounts_csv);
  const auto yr = rows_by_key(y.accounts_csv);
  ASSERT_EQ(xr.size(), b.account_count());
  EXPECT_EQ(xr, yr);
  // Per-scenario sums are order-free integers; top-k accounts too when no deficits tie.
  for (std::size_t s = 0; s < sc.size(); ++s) {
    EXPECT_EQ(x.red.scenarios.deficit[s], y.red.scenarios.deficit[s]);
    EXPECT_EQ(x.red.scenarios.inflow[s], y.red.scenarios.inflow[s]);
    EXPECT_EQ(x.red.scenarios.liquidated_notional[s], y.red.scenarios.liquidated_notional[s]);
    EXPECT_EQ(x.red.scenarios.cover1[s], y.red.scenarios.cover1[s]);
    EXPECT_EQ(x.red.scenarios.cover2[s], y.red.scenarios.cover2[s]);
  }
  if (compare_scenarios) {
    EXPECT_EQ(x.scenarios_csv, y.scenarios_csv);
  }
}

TEST(AccountOrder, PermutedGoldenBookGivesIdenticalRows) { check_permutation(golden_book(), golden_bound(), true); }
TEST(AccountOrder, PermutedGeneratedBookGivesIdenticalRows) {
  check_permutation(generated_book(), random_scenarios(generated_book(), 20, 5), true);
}

// ---------------------------------------------------------------------------------------------
// Thread count never changes outputs.

TEST(Threads, OneTwoThreeThreadsByteIdentical) {
  const book& b = generated_book();
  const auto sc = random_scenarios(b, 65, 11);
  scan_config cfg;
  cfg.top_k = 4;
  auto one = make_cpu_backend(1);
  const auto x = scan_in_memory(b, sc, *one, cfg);
  for (const int t : {2, 3}) {
    auto many = make_cpu_backend(t);
    EXPECT_EQ(many->threads(), t);
    cfg.threads = t;
    const auto y = scan_in_memory(b, sc, *many, cfg);
    EXPECT_EQ(x.accounts_csv, y.accounts_csv) << t << " threads";
    EXPECT_EQ(x.scenarios_csv, y.scenarios_csv) << t << " threads";
  }
}

// OpenMP may give a region fewer threads than asked: OMP_DYNAMIC, OMP_THREAD_LIMIT, or (here) a
// call from inside another parallel region with nesting off. Every per-thread partial must still
// be cleared before the tile's merge reads it. And a scan leaves OpenMP's default thread count
// as it found it: later "all cores" regions in the same process must not inherit it.
TEST(Threads, FewerThreadsThanAskedByteIdentical) {
  const book& b = generated_book();
  const auto sc = random_scenarios(b, 65, 12);
  scan_config cfg;
  cfg.top_k = 4;
  const int default_threads = omp_get_max_threads();
  const auto expected = scan_in_memory(b, sc, *make_cpu_backend(1), cfg);
  EXPECT_EQ(omp_get_max_threads(), default_threads);
  const int saved_levels = omp_get_max_active_levels();
  omp_set_max_active_levels(1);
  scan_result inner;
  cfg.threads = 3;
#pragma omp parallel num_threads(2)
  {
    if (omp_get_thread_num() == 0) inner = scan_in_memory(b, sc, *make_cpu_backend(3), cfg);
  }
  omp_set_max_active_levels(saved_levels);
  EXPECT_EQ(expected.accounts_csv, inner.accounts_csv);
  EXPECT_EQ(expected.scenarios_csv, inner.scenarios_csv);
}

// ---------------------------------------------------------------------------------------------
// Reference vs cpu: byte-identical accounts.csv and scenarios.csv.

TEST(Backends, IdenticalOnGoldenBook) { expect_backends_identical(golden_book(), golden_bound(), "golden"); }

TEST(Backends, IdenticalAtTileEdges) {
  for (const std::size_t n : {1u, 63u, 64u, 65u, 129u})
    expect_backends_identical(golden_book(), random_scenarios(golden_book(), n, 100 + n),
                              "golden, " + std::to_string(n) + " scenarios");
}

TEST(Backends, IdenticalOnGeneratedBook) {
  for (const std::size_t n : {63u, 64u, 65u})
    expect_backends_identical(generated_book(), random_scenarios(generated_book(), n, 200 + n),
                              "generated, " + std::to_string(n) + " scenarios");
}

TEST(Backends, IdenticalWithNoScenarios) {
  scenario_set set = make_scenario_set({});
  const auto sc = bind_scenarios(golden_book(), set, "empty");
  expect_backends_identical(golden_book(), sc, "golden, 0 scenarios");
  // Worst values do not exist: empty cells.
  auto be = make_reference_backend();
  const auto res = scan_in_memory(golden_book(), sc, *be);
  temp_dir d;
  write_file(d / "a.csv", res.accounts_csv);
  const csv_table t = read_csv(d / "a.csv");
  for (const auto& row : t.rows) {
    EXPECT_EQ(row.at(t.column("worst_excess")), "");
    EXPECT_EQ(row.at(t.column("worst_scenario")), "");
    EXPECT_EQ(row.at(t.column("max_deficit_scenario")), "");
    EXPECT_EQ(row.at(t.column("expected_deficit")), "");
  }
}

TEST(Backends, IdenticalWithZeroAccounts) {
  const book empty = permute_accounts(golden_book(), {});
  ASSERT_EQ(empty.account_count(), 0u);
  expect_backends_identical(empty, random_scenarios(empty, 65, 1), "0 accounts");
  auto be = make_cpu_backend(2);
  const auto res = scan_in_memory(empty, random_scenarios(empty, 65, 1), *be);
  for (std::size_t s = 0; s < 65; ++s) {
    EXPECT_EQ(res.red.scenarios.deficit[s], 0);
    EXPECT_EQ(res.red.scenarios.top_account[s * 2], -1);
  }
}

TEST(Backends, IdenticalWithOneAccount) {
  // Each kind of golden account alone: cross (row 0), portfolio (row 1), and the largest row.
  const book& g = golden_book();
  for (const std::size_t row : {std::size_t{0}, std::size_t{1}, g.account_count() - 1}) {
    const book one = permute_accounts(g, {row});
    for (const std::size_t n : {64u, 65u})
      expect_backends_identical(one, random_scenarios(one, n, 300 + n), g.account_ids[row] + " alone");
  }
  // The first portfolio account of the generated book alone (options and grid tables).
  const book& gen = generated_book();
  const auto it = std::find(gen.account_modes.begin(), gen.account_modes.end(), account_mode::portfolio);
  ASSERT_NE(it, gen.account_modes.end());
  const auto row = static_cast<std::size_t>(it - gen.account_modes.begin());
  const book one = permute_accounts(gen, {row});
  expect_backends_identical(one, random_scenarios(one, 65, 400), gen.account_ids[row] + " alone");
}

// ---------------------------------------------------------------------------------------------
// deficit >= 0, inflow <= fees, per account and per scenario.

double max_fee_rate(const book& b) {
  double m = 0.0;
  for (const auto& i : b.instruments) m = std::max(m, i.liq_fee_rate);
  return m;
}

void check_outcome_bounds(const book& b, const bound_scenarios& sc) {
  const eval_book e(b);
  instrument_tables tables(e, 1);
  const core::run_params params{0.5, 1.3};
  const double fee_rate = max_fee_rate(b);
  std::int64_t liquidations = 0;
  for (std::size_t s = 0; s < sc.size(); ++s) {
    tables.compute_state(sc.returns(s), sc.vol_shocks(s), sc.horizon_days[s]);
    for (std::int64_t a = 0; a < e.view().accounts; ++a) {
      const auto o = core::evaluate_account(e.view(), a, core::table_lane{tables.tables(), 0}, params);
      SCOPED_TRACE(b.account_ids[static_cast<std::size_t>(a)] + " in " + sc.ids[s]);
      EXPECT_GE(o.deficit, 0.0);
      EXPECT_GE(o.inflow, 0.0);
      EXPECT_GE(o.liquidated_notional, 0.0);
      // Fees are charged only on what is liquidated: inflow <= max rate x liquidated notional.
      EXPECT_LE(o.inflow, fee_rate * o.liquidated_notional * (1.0 + 1e-12));
      if (o.deficit > 0.0 || o.inflow > 0.0) {
        EXPECT_TRUE(o.liquidated || o.isolated_liquidated > 0);
      }
      if (!o.liquidated && o.isolated_liquidated == 0) {
        EXPECT_EQ(o.liquidated_notional, 0.0);
      }
      // A cross account with positions that is not liquidated has AE >= MM.
      if (!o.liquidated && e.view().cross_begin[a + 1] > e.view().cross_begin[a]) {
        EXPECT_GE(o.adj_equity, o.mm);
      }
      liquidations += o.liquidated ? 1 : 0;
    }
  }
  EXPECT_GT(liquidations, 0);
}

void check_scenario_bounds(const book& b, const bound_scenarios& sc) {
  auto be = make_cpu_backend(2);
  scan_config cfg;
  cfg.fund_balance_fp = 5000000;  // 500 USD
  const auto res = scan_in_memory(b, sc, *be, cfg);
  const double fee_rate = max_fee_rate(b);
  const auto n = static_cast<std::int64_t>(b.account_count());
  std::int64_t total_inflow = 0;
  for (std::size_t s = 0; s < sc.size(); ++s) {
    const auto& r = res.red.scenarios;
    EXPECT_GE(r.deficit[s], 0);
    EXPECT_GE(r.inflow[s], 0);
    // inflow <= sum of fees <= max fee rate x liquidated notional (+ per-account rounding).
    EXPECT_LE(static_cast<double>(r.inflow[s]),
              fee_rate * static_cast<double>(r.liquidated_notional[s]) + static_cast<double>(n));
    EXPECT_GE(r.cover2[s], r.cover1[s]);
    EXPECT_LE(r.cover2[s], r.deficit[s]);
    EXPECT_GE(r.cover1[s], r.top_deficit[s * 2]);  // a group holds at least its largest account
    EXPECT_GE(r.top_deficit[s * 2], r.top_deficit[s * 2 + 1]);
    total_inflow += r.inflow[s];
  }
  EXPECT_GT(total_inflow, 0);
  // The written net_draw and adl_need follow from deficit and inflow.
  temp_dir d;
  write_file(d / "s.csv", res.scenarios_csv);
  const csv_table t = read_csv(d / "s.csv");
  for (std::size_t s = 0; s < t.rows.size(); ++s) {
    const auto& row = t.rows[s];
    const double deficit = std::stod(row.at(t.column("deficit")));
    const double inflow = std::stod(row.at(t.column("inflow")));
    const double draw = std::stod(row.at(t.column("net_draw")));
    EXPECT_NEAR(draw, deficit - inflow, 1e-6);
    EXPECT_NEAR(std::stod(row.at(t.column("adl_need"))), std::max(0.0, draw - 500.0), 1e-6);
  }
  for (std::size_t a = 0; a < b.account_count(); ++a) {
    EXPECT_GE(res.red.accounts.max_deficit[a], 0.0);
    EXPECT_GE(res.red.accounts.expected_deficit[a], 0.0);
    EXPECT_LE(res.red.accounts.expected_deficit[a], res.red.accounts.max_deficit[a] * (1 + 1e-12));
  }
}

TEST(Bounds, GoldenBookPerAccount) { check_outcome_bounds(golden_book(), golden_bound()); }
TEST(Bounds, GeneratedBookPerAccount) {
  check_outcome_bounds(generated_book(), random_scenarios(generated_book(), 24, 17));
}
TEST(Bounds, GoldenBookPerScenario) { check_scenario_bounds(golden_book(), random_scenarios(golden_book(), 40, 23)); }
TEST(Bounds, GeneratedBookPerScenario) {
  check_scenario_bounds(generated_book(), random_scenarios(generated_book(), 40, 29));
}

}  // namespace
}  // namespace riskscan::test
