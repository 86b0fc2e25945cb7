// evaluate_account on hand-built accounts (METHODOLOGY.md 4-7), every figure worked by hand:
// liquidation test, deficit / inflow / fee clamp, slippage, borrow MM, isolated positions,
// inverse contracts, short options, and portfolio mode (MR1 / MR6 / MR4 / MR7, post-shock grid).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "book_builder.hpp"
#include "riskscan/core/account_eval.hpp"
#include "riskscan/eval_book.hpp"
#include "riskscan/instrument_tables.hpp"

namespace riskscan::test {
namespace {

void expect_rel(double got, double want, double rel, const char* what = "") {
  EXPECT_LE(std::fabs(got - want), rel * std::fabs(want)) << what << ": got " << got << " want " << want;
}

book hand_book() {
  book_builder bb;
  bb.factor("BTC", factor_kind::crypto, {0.12, 0.5, 0.25, 0.24, 0.5, 0.002, 0.0045});
  bb.factor("USDT", factor_kind::stable);
  bb.asset("USD", 1.0);
  bb.asset("BTC", 20000.0, "BTC", 0.05, 0.2);
  bb.asset("USDT", 1.0, "USDT", 0.02, 0.1);
  bb.schedule("flat1", tier_style::step, {{kInf, 0.01}});
  bb.schedule("flat2", tier_style::step, {{kInf, 0.02}});
  instrument_spec lin{.id = "BTC-USD-LIN", .underlying = "BTC", .settle = "USD", .mark = 100.0, .schedule = "flat2"};
  lin.liq_fee_rate = 0.005;
  lin.impact_k = 0.1;
  lin.depth_usd = 1e6;
  bb.instrument(lin);
  bb.instrument({.id = "BTC-USDT", .underlying = "BTC", .settle = "USDT", .mark = 100.0, .schedule = "flat1"});
  bb.instrument({.id = "BTC-INV",
                 .underlying = "BTC",
                 .settle = "BTC",
                 .inverse = true,
                 .multiplier = 100.0,
                 .mark = 20000.0,
                 .schedule = "flat1"});
  instrument_spec call;
  call.id = "BTC-C";
  call.kind = instrument_kind::option;
  call.underlying = "BTC";
  call.settle = "USD";
  call.mark = 100.0;
  call.expiry_years = 0.5;
  call.strike = 100.0;
  call.is_call = true;
  call.iv = 0.6;
  call.option_mm_rate = 0.1;
  call.liq_fee_rate = 0.003;
  call.impact_k = 0.2;
  call.depth_usd = 1e6;
  bb.instrument(call);

  bb.account("deficit");  // 0
  bb.balance("USD", 400.0);
  bb.position("BTC-USD-LIN", 10.0, 100.0);
  bb.account("partial_inflow");  // 1
  bb.balance("USD", 503.0);
  bb.position("BTC-USD-LIN", 10.0, 100.0);
  bb.account("full_fee");  // 2
  bb.balance("USD", 506.0);
  bb.position("BTC-USD-LIN", 10.0, 100.0);
  bb.account("safe");  // 3
  bb.balance("USD", 511.0);
  bb.position("BTC-USD-LIN", 10.0, 100.0);
  bb.account("borrow");  // 4
  bb.balance("USDT", -1000.0);
  bb.balance("BTC", 1.0);
  bb.account("isolated");  // 5
  bb.balance("USDT", 50.0);
  bb.position("BTC-USDT", 1.0, 100.0, 10.0);
  bb.account("pm_long", account_mode::portfolio);  // 6
  bb.balance("USD", 1000.0);
  bb.position("BTC-USD-LIN", 1.0, 100.0);
  bb.account("pm_hedged", account_mode::portfolio);  // 7
  bb.balance("USD", 1000.0);
  bb.position("BTC-USD-LIN", 1.0, 100.0);
  bb.position("BTC-USDT", -1.0, 100.0);
  bb.account("cross_hedged");  // 8: same positions, cross mode
  bb.balance("USD", 1000.0);
  bb.position("BTC-USD-LIN", 1.0, 100.0);
  bb.position("BTC-USDT", -1.0, 100.0);
  bb.account("inverse_short");  // 9
  bb.balance("BTC", 0.01);
  bb.position("BTC-INV", -10.0, 20000.0);
  bb.account("short_call");  // 10
  bb.balance("USD", 100.0);
  bb.position("BTC-C", -2.0, kNaN);
  bb.account("empty");  // 11: nothing at all
  return bb.get();
}

struct evaluator {
  book b = hand_book();
  eval_book e{b};
  instrument_tables tables{e, 1};
  core::run_params params{0.5, 1.3};

  core::account_outcome operator()(std::int64_t account, double r_btc, double r_usdt = 0.0, double v_btc = 0.0,
                                   double horizon = 0.0) {
    const double r[] = {r_btc, r_usdt};
    const double v[] = {v_btc, 0.0};
    tables.compute_state(r, v, horizon);
    return core::evaluate_account(e.view(), account, core::table_lane{tables.tables(), 0}, params);
  }
};

TEST(EvaluateAccount, BaseStateOfLinearCrossAccount) {
  evaluator ev;
  const auto o = ev(0, 0.0);
  EXPECT_EQ(o.raw_equity, 400.0);
  EXPECT_EQ(o.adj_equity, 400.0);
  EXPECT_DOUBLE_EQ(o.mm, 20.0);  // 0.02 x 10 x 100
  EXPECT_FALSE(o.liquidated);
  EXPECT_EQ(o.deficit, 0.0);
  EXPECT_EQ(o.inflow, 0.0);
  EXPECT_EQ(o.liquidated_notional, 0.0);
  EXPECT_EQ(o.imr, 0.0);
}

TEST(EvaluateAccount, LiquidationWithDeficit) {
  evaluator ev;
  // BTC -50%: M = 50, N = 500, upnl = -500, E_raw = -100, MM = 10.
  const auto o = ev(0, -0.5);
  const double slip = 500.0 * 0.1 * std::sqrt(500.0 / 1e6);
  expect_rel(o.raw_equity, -100.0, 1e-14);
  expect_rel(o.mm, 10.0, 1e-14);
  EXPECT_TRUE(o.liquidated);
  expect_rel(o.liquidated_notional, 500.0, 1e-14);
  expect_rel(o.deficit, 100.0 + slip, 1e-13);
  EXPECT_EQ(o.inflow, 0.0);
}

TEST(EvaluateAccount, LiquidationInflowBelowFees) {
  evaluator ev;
  // E_raw = 3 < MM 10; R = 3 - slip = 1.882 < F = 2.5: inflow = R, no deficit.
  const auto o = ev(1, -0.5);
  const double slip = 500.0 * 0.1 * std::sqrt(500.0 / 1e6);
  EXPECT_TRUE(o.liquidated);
  expect_rel(o.inflow, 3.0 - slip, 1e-12);
  EXPECT_EQ(o.deficit, 0.0);
}

TEST(EvaluateAccount, LiquidationInflowClampedToFees) {
  evaluator ev;
  // E_raw = 6 < MM 10; R = 4.88 > F = 0.005 x 500 = 2.5: inflow = F.
  const auto o = ev(2, -0.5);
  EXPECT_TRUE(o.liquidated);
  expect_rel(o.inflow, 2.5, 1e-14);
  EXPECT_EQ(o.deficit, 0.0);
  // E_raw = 11 > MM: not liquidated, nothing flows.
  const auto s = ev(3, -0.5);
  EXPECT_FALSE(s.liquidated);
  EXPECT_EQ(s.inflow, 0.0);
  EXPECT_EQ(s.deficit, 0.0);
  EXPECT_EQ(s.liquidated_notional, 0.0);
}

TEST(EvaluateAccount, MaxSlippageParameterCapsImpact) {
  evaluator ev;
  ev.params.max_slippage = 0.001;  // 0.1 sqrt(5e-4) = 0.00224 > 0.001: capped
  const auto o = ev(0, -0.5);
  expect_rel(o.deficit, 100.0 + 500.0 * 0.001, 1e-13);
  ev.params.max_slippage = 0.0;
  expect_rel(ev(0, -0.5).deficit, 100.0, 1e-13);
}

TEST(EvaluateAccount, BorrowMarginAndSpotOnlyLiquidation) {
  evaluator ev;
  const auto base = ev(4, 0.0);
  EXPECT_EQ(base.raw_equity, 19000.0);
  EXPECT_EQ(base.adj_equity, 19000.0);
  expect_rel(base.mm, 1000.0 * 0.02, 1e-15);  // borrow MM on the USDT liability
  EXPECT_FALSE(base.liquidated);
  // BTC -96%: 800 - 1000 = -200 < MM 20: an account with liabilities is liquidated even without positions.
  const auto crash = ev(4, -0.96);
  expect_rel(crash.raw_equity, -200.0, 1e-12);
  EXPECT_TRUE(crash.liquidated);
  expect_rel(crash.deficit, 200.0, 1e-12);
  EXPECT_EQ(crash.inflow, 0.0);
  EXPECT_EQ(crash.liquidated_notional, 0.0);
  // USDT de-peg +10% makes the liability dearer: L = 1100, MM = 22.
  const auto peg = ev(4, 0.0, 0.1);
  expect_rel(peg.mm, 22.0, 1e-14);
  expect_rel(peg.raw_equity, 20000.0 - 1100.0, 1e-14);
}

TEST(EvaluateAccount, IsolatedPosition) {
  evaluator ev;
  // Base: isolated equity (10 + 0) x 1 = 10; cross part is the 50 USDT balance, no MM.
  const auto base = ev(5, 0.0);
  EXPECT_EQ(base.raw_equity, 50.0);
  EXPECT_EQ(base.isolated_equity, 10.0);
  EXPECT_EQ(base.mm, 0.0);
  EXPECT_FALSE(base.liquidated);
  EXPECT_EQ(base.isolated_liquidated, 0);
  // -5%: equity 5 > MM 0.95.
  EXPECT_EQ(ev(5, -0.05).isolated_liquidated, 0);
  // -12%: equity (10 - 12) = -2 < MM 0.88 -> liquidated, deficit 2 (no fees, no depth).
  const auto o = ev(5, -0.12);
  EXPECT_EQ(o.isolated_liquidated, 1);
  EXPECT_FALSE(o.liquidated);  // the cross part is fine
  expect_rel(o.isolated_equity, -2.0, 1e-12);
  expect_rel(o.deficit, 2.0, 1e-12);
  expect_rel(o.liquidated_notional, 88.0, 1e-14);
  EXPECT_EQ(o.raw_equity, 50.0);  // the cross balance does not cover the isolated loss
}

TEST(EvaluateAccount, PortfolioModeRiskUnit) {
  evaluator ev;
  // Long 1 x 100 USD-settled: MR1 = 100 x 0.12 = 12, MR6 = 0.5 x 24 = 12, MR4 = 0.002 x 100 = 0.2,
  // MR7 = 0.45 -> MMR = 12.2, IMR = 1.3 x 12.2.
  const auto base = ev(6, 0.0);
  expect_rel(base.mm, 12.2, 1e-12, "mm");
  expect_rel(base.imr, 1.3 * 12.2, 1e-12, "imr");
  EXPECT_EQ(base.raw_equity, 1000.0);
  // Post-shock grid: around M = 110 every term scales by 1.1.
  const auto up = ev(6, 0.1);
  expect_rel(up.mm, 13.42, 1e-12, "mm after +10%");
  expect_rel(up.imr, 1.3 * 13.42, 1e-12, "imr after +10%");
  // A vol shock does nothing to a unit without options.
  expect_rel(ev(6, 0.0, 0.0, 0.7).mm, 12.2, 1e-12);
}

TEST(EvaluateAccount, PortfolioHedgeOffsetsButCrossDoesNot) {
  evaluator ev;
  // Long USD-settled vs short USDT-settled at USDT = 1: grid losses cancel, signed notional 0,
  // so only MR7 = 0.0045 x 200 = 0.9 remains. Cross mode charges both legs: 2 + 1 = 3.
  expect_rel(ev(7, 0.0).mm, 0.9, 1e-12, "portfolio");
  expect_rel(ev(8, 0.0).mm, 3.0, 1e-12, "cross");
  EXPECT_EQ(ev(8, 0.0).imr, 0.0);
}

TEST(EvaluateAccount, InverseShortWithCoinCollateral) {
  evaluator ev;
  // Base: upnl 0, E = 0.01 BTC x 20000 = 200 USD, MM = 0.01 x |q| m = 0.01 x 1000 = 10.
  const auto base = ev(9, 0.0);
  expect_rel(base.raw_equity, 200.0, 1e-14);
  expect_rel(base.mm, 10.0, 1e-14);
  // BTC +50%: upnl = -1000 (1/20000 - 1/30000) BTC; w = 0.01 - 0.01667 = -0.006667 BTC = -200 USD;
  // borrow MM 0.05 x 200 = 10 on top of the tier MM 10.
  const auto o = ev(9, 0.5);
  expect_rel(o.raw_equity, -200.0, 1e-11);
  expect_rel(o.mm, 20.0, 1e-11);
  EXPECT_TRUE(o.liquidated);
  expect_rel(o.deficit, 200.0, 1e-11);
  expect_rel(o.liquidated_notional, 1000.0, 1e-15);
}

TEST(EvaluateAccount, ShortOptionCross) {
  evaluator ev;
  const double b0 = core::black76(100, 100, 0.5, 0.6, true);
  const auto base = ev(10, 0.0);
  expect_rel(base.raw_equity, 100.0 - 2.0 * b0, 1e-13);
  expect_rel(base.mm, 0.1 * 2.0 * 100.0, 1e-14);  // option_mm_rate x notional
  EXPECT_FALSE(base.liquidated);
  // BTC +50%, 73 days horizon, vol +50%: F = 150, T = 0.3, s = 0.9.
  const double b1 = core::black76(150, 100, 0.3, 0.9, true);
  const auto o = ev(10, 0.5, 0.0, 0.5, 73.0);
  const double value = 2.0 * b1;  // |value| in USD: the slippage base of an option
  const double slip = value * std::min(0.2 * std::sqrt(value / 1e6), 0.5);
  const double fees = 0.003 * 2.0 * 150.0;
  const double remaining = 100.0 - value - slip;
  ASSERT_LT(remaining, 0.0);
  EXPECT_TRUE(o.liquidated);
  expect_rel(o.mm, 30.0, 1e-14);
  expect_rel(o.raw_equity, 100.0 - value, 1e-12);
  expect_rel(o.deficit, -remaining, 1e-12);
  EXPECT_EQ(o.inflow, 0.0);
  expect_rel(o.liquidated_notional, 300.0, 1e-14);
  (void)fees;
}

TEST(EvaluateAccount, EmptyAccountIsNeverLiquidated) {
  evaluator ev;
  for (const double r : {-1.0, -0.5, 0.0, 3.0}) {
    const auto o = ev(11, r);
    EXPECT_EQ(o.raw_equity, 0.0);
    EXPECT_EQ(o.mm, 0.0);
    EXPECT_FALSE(o.liquidated);  // AE = MM = 0 and no positions or liabilities
    EXPECT_EQ(o.deficit, 0.0);
  }
}

}  // namespace
}  // namespace riskscan::test
