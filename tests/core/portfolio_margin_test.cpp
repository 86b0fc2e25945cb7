// Known answers for METHODOLOGY.md 5: the grid-point shocks and MMR_u = max(max(MR1, MR6) + MR4, MR7).
#include <gtest/gtest.h>

#include <cmath>

#include "riskscan/core/portfolio_margin.hpp"

namespace riskscan::core {
namespace {

const pm_params btc_pm{0.12, 0.5, 0.25, 0.24, 0.5, 0.002, 0.0045};

unit_sums flat_sums(double value, double signed_notional, double notional) {
  unit_sums u{};
  for (double& v : u.value) v = value;
  u.signed_notional = signed_notional;
  u.notional = notional;
  return u;
}

TEST(GridLayout, Constants) {
  EXPECT_EQ(pm_grid_points, 23);  // 7 moves x 3 vols + 2 extremes
  EXPECT_EQ(pm_grid_mr1_points, 21);
  EXPECT_EQ(pm_grid_center, 10);  // move 0 (k / 3 == 3), vol same (k % 3 == 1)
}

TEST(UnitMmr, Mr1Binding) {
  // MR1 = 100 (worst grid loss), MR6 = 0.5 x 50 = 25, MR4 = 0.002 x 1000 = 2, MR7 = 0.0045 x 1000 = 4.5.
  unit_sums u = flat_sums(1000.0, 1000.0, 1000.0);
  u.value[0] = 900.0;
  u.value[5] = 960.0;
  u.value[21] = 950.0;
  u.value[22] = 1200.0;  // gains do not count
  EXPECT_DOUBLE_EQ(unit_mmr(u, btc_pm), 102.0);
}

TEST(UnitMmr, Mr6Binding) {
  // MR1 = 100, extreme loss 500 at +X -> MR6 = 250; + MR4 2 = 252.
  unit_sums u = flat_sums(1000.0, -1000.0, 1000.0);
  u.value[20] = 900.0;
  u.value[22] = 500.0;
  EXPECT_DOUBLE_EQ(unit_mmr(u, btc_pm), 252.0);
}

TEST(UnitMmr, Mr4AddsToTheLargerRisk) {
  // MR1 = 100, MR6 = 0, basis on |signed notional| 50,000 x 0.002 = 100 -> 200; MR7 = 225 wins.
  unit_sums u = flat_sums(0.0, -50000.0, 50000.0);
  u.value[3] = -100.0;
  EXPECT_DOUBLE_EQ(unit_mmr(u, btc_pm), 225.0);
  // With a smaller gross notional MR1 + MR4 binds: MR7 = 0.0045 x 30,000 = 135 < 200.
  u.notional = 30000.0;
  EXPECT_DOUBLE_EQ(unit_mmr(u, btc_pm), 200.0);
  // A hedged unit: signed notional 0 -> MR4 = 0.
  u.signed_notional = 0.0;
  EXPECT_DOUBLE_EQ(unit_mmr(u, btc_pm), 135.0);
}

TEST(UnitMmr, Mr7Binding) {
  // No grid loss at all (values increase everywhere): MMR = max(0 + MR4, MR7).
  unit_sums u = flat_sums(10.0, 1e6, 1e6);
  for (int k = 0; k < pm_grid_points; ++k) u.value[k] = 10.0 + (k == pm_grid_center ? 0.0 : 1.0);
  EXPECT_DOUBLE_EQ(unit_mmr(u, btc_pm), 4500.0);  // MR7 = 0.0045 x 1e6 > MR4 = 2000
}

TEST(UnitMmr, ExtremePointsDoNotEnterMr1) {
  // A loss only at the extreme points counts at k_X, not in full.
  unit_sums u = flat_sums(0.0, 0.0, 0.0);
  u.value[21] = -1000.0;
  EXPECT_DOUBLE_EQ(unit_mmr(u, btc_pm), 500.0);
  // And a loss at an MR1 point only counts in MR1.
  unit_sums w = flat_sums(0.0, 0.0, 0.0);
  w.value[0] = -1000.0;
  EXPECT_DOUBLE_EQ(unit_mmr(w, btc_pm), 1000.0);
}

instrument_view member(uint8_t kind, bool inverse) {
  instrument_view in{};
  in.kind = kind;
  in.inverse = inverse ? 1 : 0;
  in.underlying = 0;
  in.quote_factor = inverse ? -1 : 1;
  in.settle_factor = inverse ? 0 : 1;
  in.multiplier = 1.0;
  in.mark_price = 100.0;
  in.quote_price = 1.0;
  in.settle_price = inverse ? 100.0 : 1.0;
  in.strike = 100.0;
  in.expiry_years = 0.5;
  in.iv = 0.6;
  in.is_call = 1;
  in.pm_index = 0;
  in.mm_schedule = kind == kind_option ? -1 : 0;
  return in;
}

TEST(GridPointShock, MovesAndVolScalings) {
  const double r[] = {0.1, -0.02};
  const double v[] = {0.2, 0.0};
  const instrument_view opt = member(kind_option, false);
  const instrument_shock x = instrument_shock_in_state(opt, r, v, 0.0);
  ASSERT_DOUBLE_EQ(x.vol, 0.72);
  const double moves[] = {-0.12, -0.08, -0.04, 0.0, 0.04, 0.08, 0.12};
  const double vols[] = {0.72 * 0.75, 0.72, 0.72 * 1.5};
  for (int k = 0; k < pm_grid_mr1_points; ++k) {
    const instrument_shock y = grid_point_shock(opt, btc_pm, x, r, k);
    EXPECT_NEAR(y.underlying, 1.1 * (1.0 + moves[k / 3]), 1e-15) << k;
    EXPECT_EQ(y.quote, x.quote) << k;  // USDT factor is not the unit's factor: fixed
    EXPECT_EQ(y.settle, x.settle) << k;
    EXPECT_EQ(y.expiry, x.expiry) << k;
    EXPECT_NEAR(y.vol, vols[k % 3], 1e-15) << k;
  }
  // Extreme moves at vol up.
  const instrument_shock dn = grid_point_shock(opt, btc_pm, x, r, 21);
  const instrument_shock up = grid_point_shock(opt, btc_pm, x, r, 22);
  EXPECT_NEAR(dn.underlying, 1.1 * 0.76, 1e-15);
  EXPECT_NEAR(up.underlying, 1.1 * 1.24, 1e-15);
  EXPECT_NEAR(dn.vol, 0.72 * 1.5, 1e-15);
  EXPECT_NEAR(up.vol, 0.72 * 1.5, 1e-15);
  // The centre is the state itself.
  const instrument_shock c = grid_point_shock(opt, btc_pm, x, r, pm_grid_center);
  EXPECT_DOUBLE_EQ(c.underlying, x.underlying);
  EXPECT_EQ(c.vol, x.vol);
}

TEST(GridPointShock, InverseSettleCoinMovesWithTheUnit) {
  const double r[] = {-0.3, 0.0};
  const double v[] = {0.0, 0.0};
  const instrument_view inv = member(kind_perp, true);
  const instrument_shock x = instrument_shock_in_state(inv, r, v, 0.0);
  for (int k = 0; k < pm_grid_points; ++k) {
    const instrument_shock y = grid_point_shock(inv, btc_pm, x, r, k);
    EXPECT_EQ(y.settle, y.underlying) << k;  // the coin's USD price is the unit's factor
    EXPECT_EQ(y.quote, 1.0) << k;            // USD quote
    EXPECT_EQ(y.vol, 0.0) << k;              // not an option: no vol
  }
  EXPECT_NEAR(grid_point_shock(inv, btc_pm, x, r, 0).underlying, 0.7 * 0.88, 1e-15);
}

TEST(GridPointShock, VolFloor) {
  const double r[] = {0.0, 0.0};
  const double v[] = {-0.985, 0.0};  // 0.6 x 0.015 = 0.009 -> 0.01 in the state
  const instrument_view opt = member(kind_option, false);
  const instrument_shock x = instrument_shock_in_state(opt, r, v, 0.0);
  EXPECT_EQ(x.vol, 0.01);
  EXPECT_EQ(grid_point_shock(opt, btc_pm, x, r, 0).vol, 0.01);  // 0.0075 floored
  EXPECT_NEAR(grid_point_shock(opt, btc_pm, x, r, 2).vol, 0.015, 1e-17);
  // A vol-down of 100% floors at 0.01 as well.
  const pm_params all_down{0.12, 0.5, 1.0, 0.24, 0.5, 0.0, 0.0};
  const double v0[] = {0.0, 0.0};
  const instrument_shock x0 = instrument_shock_in_state(opt, r, v0, 0.0);
  EXPECT_EQ(grid_point_shock(opt, all_down, x0, r, 3).vol, 0.01);
}

TEST(GridPointShock, GridAroundAStateCrashFloorsAtTinyPrice) {
  // (1 + r)(1 + g) with r = -1 is floored like any gross return.
  const double r[] = {-1.0, 0.0};
  const double v[] = {0.0, 0.0};
  const instrument_view inv = member(kind_perp, true);
  const instrument_shock x = instrument_shock_in_state(inv, r, v, 0.0);
  for (int k = 0; k < pm_grid_points; ++k) EXPECT_GT(grid_point_shock(inv, btc_pm, x, r, k).underlying, 0.0);
}

}  // namespace
}  // namespace riskscan::core
