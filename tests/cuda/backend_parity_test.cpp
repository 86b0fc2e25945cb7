// The cuda backend against the reference backend (ARCHITECTURE.md 7): every conformance case,
// generated books at sizes around the block (256 accounts) and tile boundaries, books with
// accounts heavy enough for the warp-per-account path, runs whose device memory limit forces
// account chunks and small tiles, and random edits of a small snapshot, compared reduction by
// reduction. Books without options must match bit for bit; with options the device
// transcendental functions may differ from libm by an ulp, so money is compared with a tolerance.
// Skips without a CUDA device (label gpu).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "book_builder.hpp"
#include "expect_reductions.hpp"
#include "random_edits.hpp"
#include "riskscan/core/fixed_point.hpp"
#include "riskscan/cpu_backend.hpp"
#include "riskscan/cuda_backend.hpp"
#include "riskscan/error.hpp"
#include "riskscan/generate.hpp"
#include "snapshot_fixture.hpp"

namespace riskscan::test {
namespace {

bool has_options(const eval_book& prepared) {
  const core::book_view& v = prepared.view();
  for (std::int32_t i = 0; i < v.instruments; ++i)
    if (v.instrument[i].kind == core::kind_option) return true;
  return false;
}

bool close(double want, double got, double rel) {
  if (want == got) return true;
  return std::fabs(want - got) <= rel * std::max({std::fabs(want), std::fabs(got), 1e-6});
}

// Returns whether the reference found some deficit (so the comparison exercised the loss path).
bool expect_parity(const book& b, const bound_scenarios& sc, const scan_config& cfg, const std::string& what) {
  SCOPED_TRACE(what);
  const eval_book prepared(b);
  const auto groups = cover_groups(b);
  scan_config reference_cfg = cfg;
  reference_cfg.device_memory_limit = 0;
  const auto want = make_reference_backend()->scan(prepared, groups, sc, reference_cfg);
  const auto got = make_cuda_backend()->scan(prepared, groups, sc, cfg);
  const auto& wa = want.accounts;
  const auto& ga = got.accounts;
  const auto& ws = want.scenarios;
  const auto& gs = got.scenarios;
  const bool any_deficit = std::any_of(ws.deficit.begin(), ws.deficit.end(), [](std::int64_t d) { return d > 0; });
  EXPECT_EQ(wa.worst_excess.size(), ga.worst_excess.size());
  EXPECT_EQ(ws.deficit.size(), gs.deficit.size());
  if (wa.worst_excess.size() != ga.worst_excess.size() || ws.deficit.size() != gs.deficit.size()) return any_deficit;
  EXPECT_EQ(ws.top_k, gs.top_k);
  if (!has_options(prepared)) {
    expect_identical_reductions(want, got);
    return any_deficit;
  }
  // Options: per-account values within 1e-12 relative; a decision (liquidated or not, which
  // scenario is worst) may only differ where the worst excess is within 1e-9 relative of zero.
  constexpr double rel = 1e-12;
  for (std::size_t a = 0; a < wa.worst_excess.size(); ++a) {
    EXPECT_PRED3(close, wa.worst_excess[a], ga.worst_excess[a], rel) << "account " << a;
    EXPECT_PRED3(close, wa.max_deficit[a], ga.max_deficit[a], rel) << "account " << a;
    EXPECT_PRED3(close, wa.expected_deficit[a], ga.expected_deficit[a], rel) << "account " << a;
    const bool borderline = std::fabs(wa.worst_excess[a]) <= 1e-9 * std::max(1.0, std::fabs(wa.max_deficit[a]));
    if (!borderline) {
      EXPECT_EQ(wa.worst_scenario[a], ga.worst_scenario[a]) << "account " << a;
      EXPECT_EQ(wa.scenarios_liquidated[a], ga.scenarios_liquidated[a]) << "account " << a;
      EXPECT_EQ(wa.max_deficit_scenario[a], ga.max_deficit_scenario[a]) << "account " << a;
    }
  }
  // Fixed-point sums: each account's value may round to a neighbouring 1e-4 USD unit.
  const auto units = static_cast<std::int64_t>(wa.worst_excess.size()) + 1;
  auto near_fp = [&](std::int64_t x, std::int64_t y) {
    return std::llabs(x - y) <= units + static_cast<std::int64_t>(rel * std::fabs(static_cast<double>(x)));
  };
  for (std::size_t s = 0; s < ws.deficit.size(); ++s) {
    EXPECT_EQ(ws.accounts_liquidated[s], gs.accounts_liquidated[s]) << "scenario " << s;
    EXPECT_EQ(ws.isolated_liquidated[s], gs.isolated_liquidated[s]) << "scenario " << s;
    EXPECT_TRUE(near_fp(ws.liquidated_notional[s], gs.liquidated_notional[s])) << "scenario " << s;
    EXPECT_TRUE(near_fp(ws.deficit[s], gs.deficit[s])) << "scenario " << s;
    EXPECT_TRUE(near_fp(ws.inflow[s], gs.inflow[s])) << "scenario " << s;
    EXPECT_TRUE(near_fp(ws.cover1[s], gs.cover1[s])) << "scenario " << s;
    EXPECT_TRUE(near_fp(ws.cover2[s], gs.cover2[s])) << "scenario " << s;
  }
  for (std::size_t j = 0; j < ws.top_deficit.size(); ++j)
    EXPECT_TRUE(near_fp(ws.top_deficit[j], gs.top_deficit[j])) << "top entry " << j;
  return any_deficit;
}

// Deterministic stress scenarios: a zero shock, a -100% crash, then random returns and vol shocks.
bound_scenarios random_scenarios(const book& b, std::size_t count, std::uint64_t seed) {
  scenario_set set = make_scenario_set(factor_ids(b));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> ret(-0.6, 0.6), vol(-0.5, 1.0), weight(0.25, 4.0), horizon(0.0, 10.0);
  for (std::size_t s = 0; s < count; ++s) {
    std::string id = std::to_string(s);
    id.insert(id.begin(), 's');  // not "s" + ...: g++ 12 warns falsely (-Wrestrict) on that
    set.add(std::move(id), weight(rng), s % 3 == 0 ? 0.0 : horizon(rng));
    for (std::size_t f = 0; f < set.factor_count(); ++f) {
      set.ret(s, f) = s == 0 ? 0.0 : s == 1 ? -1.0 : ret(rng);
      set.vol(s, f) = s == 0 ? 0.0 : vol(rng);
    }
  }
  return bind_scenarios(b, set, "random");
}

book first_accounts(const book& b, std::size_t n, bool reversed) {
  std::vector<std::size_t> perm(n);
  for (std::size_t i = 0; i < n; ++i) perm[i] = reversed ? b.account_count() - 1 - i : i;
  return permute_accounts(b, perm);
}

class cuda_parity : public ::testing::Test {
 protected:
  void SetUp() override {
    const cuda_status status = cuda_device_status();
    if (status.devices == 0) GTEST_SKIP() << "no CUDA device: " << status.message;
  }
};

TEST_F(cuda_parity, conformance_cases) {
  for (const auto& entry : std::filesystem::directory_iterator(conformance_dir())) {
    if (!std::filesystem::exists(entry.path() / "snapshot")) continue;
    const book b = load_snapshot(entry.path() / "snapshot", 1).data;
    const auto set = read_scenario_csv(entry.path() / "scenarios.csv");
    const auto sc = bind_scenarios(b, set, "scenarios.csv");
    for (const int k : {2, 5}) {
      scan_config cfg;
      cfg.top_k = k;
      expect_parity(b, sc, cfg, entry.path().filename().string() + " top-k " + std::to_string(k));
    }
  }
}

void generated_parity(bool options, std::uint64_t seed) {
  const book full = generated_exchange(600, seed, options, true);
  bool any_deficit = false;
  for (const std::size_t accounts :
       {std::size_t{0}, std::size_t{1}, std::size_t{255}, std::size_t{256}, std::size_t{257}, std::size_t{600}}) {
    for (const bool reversed : {false, true}) {
      if (reversed && accounts != 257) continue;
      const book b = first_accounts(full, accounts, reversed);
      for (const std::size_t scenarios :
           {std::size_t{0}, std::size_t{1}, std::size_t{63}, std::size_t{64}, std::size_t{65}, std::size_t{129}}) {
        if (accounts == 600 && scenarios != 129) continue;
        const auto sc = random_scenarios(b, scenarios, seed * 1000 + scenarios);
        scan_config cfg;
        cfg.top_k = scenarios % 2 == 0 ? 2 : 3;
        any_deficit |=
            expect_parity(b, sc, cfg,
                          std::string(options ? "options" : "linear") + " accounts " + std::to_string(accounts) +
                              (reversed ? " reversed" : "") + " scenarios " + std::to_string(scenarios));
      }
    }
  }
  EXPECT_TRUE(any_deficit) << "the random scenarios never produced a deficit: the loss path went untested";
}

TEST_F(cuda_parity, generated_book_without_options) { generated_parity(false, 11); }

TEST_F(cuda_parity, heavy_accounts_take_the_warp_path) {
  for (const bool options : {false, true}) {
    const book b = with_heavy_accounts(generated_exchange(400, 13, options, true), 7);
    for (const std::size_t scenarios : {std::size_t{1}, std::size_t{31}, std::size_t{33}, std::size_t{129}}) {
      scan_config cfg;
      cfg.top_k = 4;
      const bool any =
          expect_parity(b, random_scenarios(b, scenarios, 77 + scenarios), cfg,
                        std::string(options ? "options" : "linear") + " scenarios " + std::to_string(scenarios));
      if (scenarios == 129) {
        EXPECT_TRUE(any);
      }
    }
  }
}

// Limits small enough for narrow tiles and several account chunks (checked on the CPU by
// cuda_plan_test); Cover-N groups must stay whole, and the merged top-k must rank ties by row.
TEST_F(cuda_parity, chunked_runs_equal_whole_runs) {
  for (const chunked_case& c : chunked_cases) {
    const book b = chunked_case_book(c.options);
    scan_config cfg;
    cfg.top_k = 3;
    cfg.device_memory_limit = c.limit;
    expect_parity(b, random_scenarios(b, 70, 14), cfg,
                  std::string(c.options ? "options" : "linear") + " limit " + std::to_string(c.limit));
  }
}

TEST_F(cuda_parity, a_limit_below_one_scenario_lane_is_a_configuration_error) {
  const book b = generated_exchange(50, 15, true, true);
  const eval_book prepared(b);
  scan_config cfg;
  cfg.device_memory_limit = 1024;
  EXPECT_THROW(make_cuda_backend()->scan(prepared, cover_groups(b), random_scenarios(b, 3, 1), cfg), config_error);
}

// Long lists: merge_tile runs fewer threads per scenario (3 at the largest K). In the random
// scenarios 2 to 4, 130 to 180 of the 600 accounts have a deficit (checked on the reference), so
// a block ranks about 60 candidates at once and K = 300 and 1000 leave lists partly empty.
TEST_F(cuda_parity, long_top_k_lists_merge_like_the_reference) {
  const book b = generated_exchange(600, 16, false, true);
  const auto sc = random_scenarios(b, 5, 16);
  for (const int k : {1, 64, 300, max_top_k}) {
    scan_config cfg;
    cfg.top_k = k;
    EXPECT_TRUE(expect_parity(b, sc, cfg, "top-k " + std::to_string(k)));
  }
}

TEST_F(cuda_parity, generated_book_with_options) { generated_parity(true, 12); }

// Money scaled by 2^24, 2^28 and 2^40 (exact in binary): per-scenario totals both just inside the
// 9.2e14 USD range of the fixed-point sums and beyond it, on light and heavy accounts. The
// device's overflow flags must saturate exactly the totals the reference saturates.
TEST_F(cuda_parity, totals_beyond_the_fixed_point_range_saturate_like_the_reference) {
  const book unscaled = with_heavy_accounts(generated_exchange(400, 17, false, true), 5);
  std::size_t saturated = 0, exact = 0;
  for (const double k : {0x1p24, 0x1p28, 0x1p40}) {
    const book b = scale_book(unscaled, k);
    const auto sc = random_scenarios(b, 40, 17);
    const eval_book prepared(b);
    const auto want = make_reference_backend()->scan(prepared, cover_groups(b), sc, scan_config{}).scenarios;
    for (std::size_t s = 0; s < sc.size(); ++s) {
      for (const std::int64_t total : {want.liquidated_notional[s], want.deficit[s], want.inflow[s]}) {
        saturated += total == core::total_limit;
        exact += total > 0 && total < core::total_limit;
      }
    }
    expect_parity(b, sc, scan_config{}, "money x " + std::to_string(k));
  }
  EXPECT_GT(saturated, 0U);
  EXPECT_GT(exact, 0U);
}

// Random edits of the io tests' fixture snapshot (options, isolated positions, groups): every
// edit that loads, and that a scan would not refuse for values that are not finite, must scan
// on the device as on the reference, stray values and all.
TEST_F(cuda_parity, edited_fixture_snapshots) {
  random_edits fuzz(3);
  temp_dir dir("rs-cuda-edits");
  std::size_t scanned = 0;
  for (std::size_t i = 0; i < 1000; ++i) {
    snapshot_files files = valid_snapshot();
    const auto edited = std::next(files.begin(), static_cast<std::ptrdiff_t>(fuzz.pick(files.size())));
    fuzz.edit_text(edited->second);
    write_snapshot(dir.path(), files);
    book b;
    try {
      b = load_snapshot(dir.path(), 1).data;
    } catch (const input_error&) {
      continue;
    }
    const auto sc = random_scenarios(b, 1 + i % 7, i);
    try {
      const auto r = scan_in_memory(b, sc, *make_reference_backend());
      check_account_values(b, r.base, r.red.accounts, sc.size() > 0);
    } catch (const error&) {
      continue;  // `riskscan scan` would refuse it (exit 65) whatever the backend
    }
    ++scanned;
    scan_config cfg;
    cfg.top_k = 2;
    expect_parity(b, sc, cfg, "edit " + std::to_string(i) + " of " + edited->first + ":\n" + edited->second);
    if (HasFailure()) break;
  }
  EXPECT_GT(scanned, 20U);
}

}  // namespace
}  // namespace riskscan::test
