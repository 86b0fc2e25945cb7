// Known answers for METHODOLOGY.md 3, 4 and 6: step and marginal MM tiers (with the cumulative
// deductions the prepared book computes), progressive collateral ratios, option MM and slippage.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "book_builder.hpp"
#include "riskscan/core/margin.hpp"
#include "riskscan/eval_book.hpp"

namespace riskscan::test {
namespace {

using core::collateral_value;
using core::tier_mm;

void expect_rel(double got, double want, double rel) {
  EXPECT_LE(std::fabs(got - want), rel * std::fabs(want)) << "got " << got << " want " << want;
}

// Binance USDS-M BTCUSDT leverage brackets (2021): notional floor/cap, MMR, cum.
const std::vector<std::pair<double, double>> binance_2021 = {
    {50000.0, 0.004},  {250000.0, 0.005},    {1000000.0, 0.01},   {10000000.0, 0.025}, {20000000.0, 0.05},
    {50000000.0, 0.1}, {100000000.0, 0.125}, {200000000.0, 0.15}, {300000000.0, 0.25}, {kInf, 0.5}};
const std::vector<double> binance_2021_cum = {0,       50,      1300,    16300,    266300,
                                              1266300, 2516300, 5016300, 25016300, 100016300};

// OKX-style whole-position step tiers (finite last tier on purpose).
const std::vector<std::pair<double, double>> okx_step = {
    {100000.0, 0.008}, {500000.0, 0.012}, {2000000.0, 0.02}, {10000000.0, 0.04}};

book tier_book() {
  book_builder bb;
  bb.factor("BTC");
  bb.factor("USDT", factor_kind::stable);
  bb.asset("USD", 1.0);
  // Binance cross-margin BTC collateral ratios (finite last tier: the rest counts 0).
  bb.asset("BTC", 20000.0, "BTC", 0.05, 0.2,
           {{100000000.0, 1.0}, {120000000.0, 0.975}, {150000000.0, 0.95}, {180000000.0, 0.9}, {200000000.0, 0.85}});
  // OKX discount tiers for USDT.
  bb.asset("USDT", 1.0, "USDT", 0.02, 0.1, {{5000000.0, 1.0}, {10000000.0, 0.9}, {kInf, 0.8}});
  bb.asset("USDC", 1.0, "", 0.0, 0.0);  // no tiers
  bb.schedule("bin21", tier_style::marginal, binance_2021);
  bb.schedule("okx", tier_style::step, okx_step);
  bb.schedule("hl", tier_style::marginal, {{150000000.0, 0.0125}, {kInf, 0.025}});
  bb.schedule("flat", tier_style::step, {{kInf, 0.01}});
  bb.schedule("one_marginal", tier_style::marginal, {{1000.0, 0.02}});
  return bb.get();
}

TEST(TierMM, MarginalCumulativeDeductionsMatchBinance) {
  const book b = tier_book();
  const eval_book e(b);
  const auto& v = e.view();
  const int32_t s = 0;
  ASSERT_EQ(v.schedule_tier_begin[s + 1] - v.schedule_tier_begin[s], 10);
  for (int k = 0; k < 10; ++k) EXPECT_NEAR(v.margin_cum[v.schedule_tier_begin[s] + k], binance_2021_cum[k], 1e-6) << k;
  EXPECT_EQ(v.schedule_marginal[0], 1);
  EXPECT_EQ(v.schedule_marginal[1], 0);
}

TEST(TierMM, MarginalKnownAnswers) {
  const book b = tier_book();
  const eval_book e(b);
  const auto& v = e.view();
  // Bracket 1 up to and including 50,000: 0.4%.
  expect_rel(tier_mm(v, 0, 10000.0), 40.0, 1e-15);
  expect_rel(tier_mm(v, 0, 50000.0), 200.0, 1e-15);
  // 500,000: 50,000 x 0.4% + 200,000 x 0.5% + 250,000 x 1% = 200 + 1000 + 2500 = 3,700 = 500,000 x 1% - 1,300.
  expect_rel(tier_mm(v, 0, 500000.0), 3700.0, 1e-13);
  // 3,000,000 x 2.5% - 16,300 = 58,700.
  expect_rel(tier_mm(v, 0, 3000000.0), 58700.0, 1e-13);
  // 15,000,000 x 5% - 266,300 = 483,700.
  expect_rel(tier_mm(v, 0, 15000000.0), 483700.0, 1e-13);
  // 250,000,000 x 25% - 25,016,300 = 37,483,700.
  expect_rel(tier_mm(v, 0, 250000000.0), 37483700.0, 1e-13);
  // 400,000,000 in the inf tier: x 50% - 100,016,300 = 99,983,700.
  expect_rel(tier_mm(v, 0, 400000000.0), 99983700.0, 1e-13);
  // Hyperliquid BTC: 200M notional -> 200M x 2.5% - 150M x 1.25% = 3,125,000.
  expect_rel(tier_mm(v, 2, 200000000.0), 3125000.0, 1e-13);
  // Past the last finite tier of a marginal schedule: the last tier.
  expect_rel(tier_mm(v, 4, 5000.0), 100.0, 1e-15);
  EXPECT_EQ(tier_mm(v, 0, 0.0), 0.0);
}

// The marginal form MM(N) = sum_k rate_k clamp(N - up_{k-1}, 0, up_k - up_{k-1}).
double banded_mm(const std::vector<std::pair<double, double>>& rows, double n) {
  double mm = 0.0, lower = 0.0;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const double upper = k + 1 == rows.size() ? kInf : rows[k].first;
    mm += rows[k].second * std::max(0.0, std::min(n, upper) - lower);
    lower = upper;
  }
  return mm;
}

TEST(TierMM, MarginalEqualsBandedSum) {
  const book b = tier_book();
  const eval_book e(b);
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> log_n(0.0, std::log(1e9));
  for (int i = 0; i < 2000; ++i) {
    const double n = std::exp(log_n(rng));
    expect_rel(tier_mm(e.view(), 0, n), banded_mm(binance_2021, n), 1e-11);
  }
}

TEST(TierMM, MarginalIsContinuousAtEveryBoundary) {
  const book b = tier_book();
  const eval_book e(b);
  for (const int32_t s : {0, 2}) {
    const auto& sched = b.schedules[static_cast<std::size_t>(s)];
    for (auto k = sched.tier_begin; k < sched.tier_end; ++k) {
      const double up = b.margin_tiers[static_cast<std::size_t>(k)].up_to_usd;
      if (!std::isfinite(up)) continue;
      const double below = tier_mm(e.view(), s, up * (1.0 - 1e-12));
      const double at = tier_mm(e.view(), s, up);
      const double above = tier_mm(e.view(), s, up * (1.0 + 1e-12));
      EXPECT_LE(std::fabs(above - below), 1e-9 * at) << "schedule " << sched.id << " boundary " << up;
      const double next = tier_mm(e.view(), s, std::nextafter(up, kInf));
      EXPECT_LE(std::fabs(next - at), 1e-9 * at) << "schedule " << sched.id << " boundary " << up;
    }
  }
}

TEST(TierMM, StepKnownAnswersAndJumps) {
  const book b = tier_book();
  const eval_book e(b);
  const auto& v = e.view();
  // Whole position at one rate; a notional equal to up_to is in that tier.
  expect_rel(tier_mm(v, 1, 50000.0), 400.0, 1e-15);
  expect_rel(tier_mm(v, 1, 100000.0), 800.0, 1e-15);
  expect_rel(tier_mm(v, 1, 100000.5), 100000.5 * 0.012, 1e-15);
  expect_rel(tier_mm(v, 1, 1000000.0), 20000.0, 1e-15);
  expect_rel(tier_mm(v, 1, 10000000.0), 400000.0, 1e-15);
  // Past the last finite tier: the last tier.
  expect_rel(tier_mm(v, 1, 20000000.0), 800000.0, 1e-15);
  // A single inf tier is a flat rate.
  expect_rel(tier_mm(v, 3, 123456.0), 1234.56, 1e-14);
  // Step tiers jump at the boundary (the test of continuity above can tell them apart).
  EXPECT_GT(tier_mm(v, 1, 100000.0 * (1 + 1e-12)) - tier_mm(v, 1, 100000.0), 300.0);
}

TEST(CollateralValue, BinanceSixThousandBtc) {
  const book b = tier_book();
  const eval_book e(b);
  // 6,000 BTC at 20,000 = 120M USD: 100M x 1 + 20M x 0.975 = 119.5M.
  expect_rel(collateral_value(e.view(), 1, 6000.0 * 20000.0), 119500000.0, 1e-15);
  // Beyond the last finite tier the amount counts 0: 250M -> 100 + 19.5 + 28.5 + 27 + 17 = 192M.
  expect_rel(collateral_value(e.view(), 1, 250000000.0), 192000000.0, 1e-15);
  expect_rel(collateral_value(e.view(), 1, 200000000.0), 192000000.0, 1e-15);
  expect_rel(collateral_value(e.view(), 1, 50000000.0), 50000000.0, 1e-15);
}

TEST(CollateralValue, OkxElevenMillionUsdt) {
  const book b = tier_book();
  const eval_book e(b);
  // 11M USDT with 5M @ 1, 10M @ 0.9, inf @ 0.8: 5 + 4.5 + 0.8 = 10.3M.
  expect_rel(collateral_value(e.view(), 2, 11000000.0), 10300000.0, 1e-15);
  expect_rel(collateral_value(e.view(), 2, 5000000.0), 5000000.0, 1e-15);
  expect_rel(collateral_value(e.view(), 2, 7000000.0), 6800000.0, 1e-15);
  expect_rel(collateral_value(e.view(), 2, 1e9), 5e6 + 4.5e6 + 0.8 * (1e9 - 1e7), 1e-15);
}

TEST(CollateralValue, NegativeCountsInFullAndNoTiersIsIdentity) {
  const book b = tier_book();
  const eval_book e(b);
  EXPECT_EQ(collateral_value(e.view(), 2, -11000000.0), -11000000.0);
  EXPECT_EQ(collateral_value(e.view(), 1, -500.25), -500.25);
  EXPECT_EQ(collateral_value(e.view(), 2, 0.0), 0.0);
  EXPECT_EQ(collateral_value(e.view(), 3, 1.23e9), 1.23e9);  // USDC: no tiers
  EXPECT_EQ(collateral_value(e.view(), 0, 77.5), 77.5);      // USD: no tiers
  EXPECT_EQ(collateral_value(e.view(), 3, -4.0), -4.0);
}

TEST(CollateralValue, ProgressiveIsMonotoneAndContinuous) {
  const book b = tier_book();
  const eval_book e(b);
  for (const double up : {5000000.0, 10000000.0}) {
    const double below = collateral_value(e.view(), 2, up * (1 - 1e-12));
    const double above = collateral_value(e.view(), 2, up * (1 + 1e-12));
    EXPECT_LE(std::fabs(above - below), 1e-9 * up);
  }
  double prev = 0.0;
  for (double x = 0.0; x < 3e8; x += 1.7e6) {
    const double c = collateral_value(e.view(), 1, x);
    EXPECT_GE(c, prev);
    EXPECT_LE(c, x);
    prev = c;
  }
}

core::instrument_view slip_instrument(double impact_k, double depth) {
  core::instrument_view in{};
  in.kind = core::kind_perp;
  in.impact_k = impact_k;
  in.depth_usd = depth;
  return in;
}

TEST(Slippage, SquareRootImpactCapAndNoDepth) {
  // B min(k sqrt(B / depth), cap): 250,000 x 0.1 x sqrt(0.25) = 12,500.
  expect_rel(core::slippage(slip_instrument(0.1, 1e6), 250000.0, 0.5), 12500.0, 1e-15);
  // 1e6 x 0.1 x sqrt(1e6 / 4e6) = 50,000.
  expect_rel(core::slippage(slip_instrument(0.1, 4e6), 1e6, 0.5), 50000.0, 1e-15);
  // Capped: k sqrt(B / depth) = 2 > 0.5 -> 0.5 B.
  expect_rel(core::slippage(slip_instrument(2.0, 1e6), 1e6, 0.5), 500000.0, 1e-15);
  expect_rel(core::slippage(slip_instrument(2.0, 1e6), 1e6, 0.25), 250000.0, 1e-15);
  EXPECT_EQ(core::slippage(slip_instrument(2.0, 1e6), 1e6, 0.0), 0.0);
  // No depth given: no slippage, whatever k.
  EXPECT_EQ(core::slippage(slip_instrument(0.1, 0.0), 1e9, 0.5), 0.0);
  EXPECT_EQ(core::slippage(slip_instrument(0.1, 1e6), 0.0, 0.5), 0.0);
}

TEST(PositionMM, OptionsAndFutures) {
  const book b = tier_book();
  const eval_book e(b);
  core::instrument_view opt{};
  opt.kind = core::kind_option;
  opt.option_mm_rate = 0.1;
  opt.mm_schedule = -1;
  EXPECT_EQ(core::position_mm(e.view(), opt, 2.0, 50000.0), 0.0);  // long option
  expect_rel(core::position_mm(e.view(), opt, -2.0, 50000.0), 5000.0, 1e-15);
  core::instrument_view fut{};
  fut.kind = core::kind_future;
  fut.mm_schedule = 0;
  expect_rel(core::position_mm(e.view(), fut, -5.0, 500000.0), 3700.0, 1e-13);
  expect_rel(core::position_mm(e.view(), fut, 5.0, 500000.0), 3700.0, 1e-13);
}

}  // namespace
}  // namespace riskscan::test
