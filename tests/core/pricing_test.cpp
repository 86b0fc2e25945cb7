// Known answers for METHODOLOGY.md 1-2: norm_cdf, undiscounted Black-76, shocked marks (incl. the
// quote-asset de-peg), horizon and vol shocks, per-contract values and notionals of all four kinds.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "riskscan/core/pricing.hpp"

namespace riskscan::core {
namespace {

// Factors of the hand-made states: 0 = BTC (underlying), 1 = USDT (quote / settle of linear).
constexpr int32_t f_btc = 0;
constexpr int32_t f_usdt = 1;

instrument_view linear_perp(double mark, double m, double usdt_price = 1.0) {
  instrument_view in{};
  in.kind = kind_perp;
  in.inverse = 0;
  in.underlying = f_btc;
  in.quote_factor = f_usdt;
  in.settle_factor = f_usdt;
  in.settle_asset = 1;
  in.mm_schedule = 0;
  in.pm_index = -1;
  in.multiplier = m;
  in.mark_price = mark;
  in.quote_price = usdt_price;
  in.settle_price = usdt_price;
  return in;
}

instrument_view inverse_perp(double mark, double m, double btc_price) {
  instrument_view in{};
  in.kind = kind_perp;
  in.inverse = 1;
  in.underlying = f_btc;
  in.quote_factor = -1;  // USD
  in.settle_factor = f_btc;
  in.settle_asset = 0;
  in.mm_schedule = 0;
  in.pm_index = -1;
  in.multiplier = m;
  in.mark_price = mark;
  in.quote_price = 1.0;
  in.settle_price = btc_price;
  return in;
}

instrument_view option(bool inverse, bool call, double forward, double strike, double expiry, double iv, double m,
                       double settle_price) {
  instrument_view in = inverse ? inverse_perp(forward, m, settle_price) : linear_perp(forward, m, settle_price);
  in.kind = kind_option;
  in.is_call = call ? 1 : 0;
  in.strike = strike;
  in.expiry_years = expiry;
  in.iv = iv;
  in.mm_schedule = -1;
  return in;
}

// Relative closeness.
void expect_rel(double got, double want, double rel) {
  EXPECT_LE(std::fabs(got - want), rel * std::fabs(want)) << "got " << got << " want " << want;
}

TEST(NormCdf, KnownValuesAndSymmetry) {
  EXPECT_EQ(norm_cdf(0.0), 0.5);
  expect_rel(norm_cdf(1.96), 0.975002104851779563787, 1e-15);
  // Tails are accurate relative to the (tiny) value, not just absolutely (erfc, not 1 - erf).
  expect_rel(norm_cdf(-5.0), 2.866515718791939116737e-07, 1e-13);
  expect_rel(norm_cdf(-10.0), 7.619853024160526065973e-24, 1e-13);
  expect_rel(norm_cdf(-30.0), 4.906713927148187059533e-198, 1e-12);
  EXPECT_EQ(norm_cdf(40.0), 1.0);
  EXPECT_EQ(norm_cdf(-40.0), 0.0);
  for (double x : {0.1, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0}) EXPECT_NEAR(norm_cdf(x) + norm_cdf(-x), 1.0, 1e-15) << x;
  double prev = 0.0;
  for (double x = -8.0; x <= 8.0; x += 0.25) {
    EXPECT_GE(norm_cdf(x), prev) << x;
    prev = norm_cdf(x);
  }
}

TEST(Black76, AtTheMoneyKnownAnswer) {
  // F = K = 100, T = 1, s = 0.2: C = P = 100 (2 N(0.1) - 1) = 7.96556745540579673...
  EXPECT_NEAR(black76(100, 100, 1, 0.2, true), 7.965567455405804, 1e-12);
  EXPECT_NEAR(black76(100, 100, 1, 0.2, false), 7.965567455405804, 1e-12);
  EXPECT_NEAR(black76(100, 100, 1, 0.2, true), 7.96556745540579673378678, 1e-12);
}

TEST(Black76, OtherKnownAnswers) {
  // Reference values computed with 40-digit arithmetic (mpmath).
  expect_rel(black76(100, 110, 0.5, 0.3, true), 4.745683813458088507668, 1e-12);
  expect_rel(black76(100, 110, 0.5, 0.3, false), 14.74568381345808850766, 1e-12);
  expect_rel(black76(91416.969, 82111.05, 0.08, 1.1555, true), 16511.65003989647787664, 1e-12);
  expect_rel(black76(3000, 3500, 0.25, 0.6, false), 687.0789742117421574706, 1e-12);
}

TEST(Black76, PutCallParity) {
  struct c {
    double F, K, T, s;
  };
  for (const auto& x : std::vector<c>{{100, 100, 1, 0.2},
                                      {100, 80, 0.25, 0.5},
                                      {100, 130, 2, 0.9},
                                      {91416.969, 63864.15, 0.0027397260273972603, 0.8053},
                                      {3056.35, 4270.35, 0.5, 1.17},
                                      {0.17, 0.2, 0.1, 1.5}}) {
    const double C = black76(x.F, x.K, x.T, x.s, true);
    const double P = black76(x.F, x.K, x.T, x.s, false);
    EXPECT_NEAR(C - P, x.F - x.K, 1e-11 * std::max(x.F, x.K)) << x.F << " " << x.K << " " << x.T << " " << x.s;
    EXPECT_GE(C, std::max(x.F - x.K, 0.0) - 1e-12 * x.F);  // above intrinsic
    EXPECT_LE(C, x.F);
  }
}

TEST(Black76, ZeroExpiryIsIntrinsic) {
  EXPECT_EQ(black76(120, 100, 0.0, 0.5, true), 20.0);
  EXPECT_EQ(black76(120, 100, 0.0, 0.5, false), 0.0);
  EXPECT_EQ(black76(80, 100, 0.0, 0.5, true), 0.0);
  EXPECT_EQ(black76(80, 100, 0.0, 0.5, false), 20.0);
  EXPECT_EQ(black76(100, 100, 0.0, 0.5, true), 0.0);
  // Zero total vol is intrinsic as well.
  EXPECT_EQ(black76(120, 100, 1.0, 0.0, true), 20.0);
  // Continuity: a tiny T is close to intrinsic.
  EXPECT_NEAR(black76(120, 100, 1e-12, 0.5, true), 20.0, 1e-9);
}

TEST(Pricing, LinearPerpUpnlMatchesClosedForm) {
  const double mark = 91273.04195248132;
  const instrument_view in = linear_perp(mark, 0.01, 0.9996);
  const double r[] = {0.0, 0.0};
  const double v[] = {0.0, 0.0};
  for (const double ret : {-0.5, -0.123, 0.0, 0.07, 1.5}) {
    const double rr[] = {ret, 0.0};
    const instrument_state st = price_instrument(in, instrument_shock_in_state(in, rr, v, 0.0));
    const double M = mark * (1.0 + ret);
    for (const double q : {3.30989, -12.5, 1.0}) {
      for (const double E : {90978.26309, 50000.0, 120000.0}) {
        const double got = position_value(q, entry_term(in, E), st.a, st.b);
        const double want = q * 0.01 * (M - E);
        EXPECT_LE(std::fabs(got - want), 1e-12 * std::fabs(q * 0.01 * M) + 1e-12 * std::fabs(want))
            << ret << " " << q << " " << E;
      }
    }
  }
  (void)r;
}

TEST(Pricing, InversePerpUpnlMatchesClosedForm) {
  const double mark = 91221.55709062096;
  const instrument_view in = inverse_perp(mark, 100, 91234.5);
  const double v[] = {0.0, 0.0};
  for (const double ret : {-0.5, -0.123, 0.0, 0.07, 1.5}) {
    const double rr[] = {ret, 0.0};
    const instrument_state st = price_instrument(in, instrument_shock_in_state(in, rr, v, 0.0));
    const double M = mark * (1.0 + ret);
    for (const double q : {250.0, -1000.0, 1.0}) {
      for (const double E : {90000.0, 45000.0, 150000.0}) {
        const double got = position_value(q, entry_term(in, E), st.a, st.b);
        const double want = q * 100 * (1.0 / E - 1.0 / M);
        EXPECT_LE(std::fabs(got - want), 1e-12 * std::fabs(q * 100 / E)) << ret << " " << q << " " << E;
      }
    }
    // USD price of the settle coin moves with the factor.
    expect_rel(st.settle_price, 91234.5 * (1.0 + ret), 1e-15);
    EXPECT_EQ(st.notional, 100.0);  // inverse: |q| m USD face
  }
}

TEST(Pricing, QuoteAssetShockMovesLinearMark) {
  // USDT -10%: BTC-USDT mark is M (1 + r_u) / (1 + r_q) = M / 0.9; notional in USD unchanged.
  const double mark = 90000.0;
  const instrument_view in = linear_perp(mark, 1.0, 1.0);
  const double r[] = {0.0, -0.1};
  const double v[] = {0.0, 0.0};
  const instrument_shock x = instrument_shock_in_state(in, r, v, 0.0);
  EXPECT_EQ(x.underlying, 1.0);
  EXPECT_DOUBLE_EQ(x.quote, 0.9);
  EXPECT_DOUBLE_EQ(x.settle, 0.9);
  const instrument_state st = price_instrument(in, x);
  expect_rel(st.a, mark / 0.9, 1e-15);  // a = m M(x)
  expect_rel(st.notional, mark / 0.9 * 0.9, 1e-15);
  expect_rel(st.settle_price, 0.9, 1e-15);
  // A long at entry = base mark gains q (M/0.9 - M) USDT, worth that times 0.9 USD.
  const double upnl = position_value(2.0, entry_term(in, mark), st.a, st.b);
  expect_rel(upnl, 2.0 * (mark / 0.9 - mark), 1e-12);

  // Both shocks at once: M (1.2) / 0.95.
  const double r2[] = {0.2, -0.05};
  const instrument_state st2 = price_instrument(in, instrument_shock_in_state(in, r2, v, 0.0));
  expect_rel(st2.a, mark * 1.2 / 0.95, 1e-15);
  expect_rel(st2.notional, mark * 1.2, 1e-15);  // m M(x) P_q(x) = m M 1.2 / 0.95 * 0.95

  // Inverse contracts are quoted in USD: a USDT shock does nothing to them.
  const instrument_view inv = inverse_perp(mark, 100, mark);
  const instrument_state si = price_instrument(inv, instrument_shock_in_state(inv, r, v, 0.0));
  expect_rel(si.a, -100.0 / mark, 1e-15);
}

TEST(Pricing, ReturnOfMinusOneIsFloored) {
  const instrument_view in = inverse_perp(100.0, 1.0, 100.0);
  const double r[] = {-1.0, 0.0};
  const double v[] = {0.0, 0.0};
  const instrument_state st = price_instrument(in, instrument_shock_in_state(in, r, v, 0.0));
  EXPECT_TRUE(std::isfinite(st.a));
  EXPECT_GT(st.settle_price, 0.0);
}

TEST(Pricing, HorizonShortensExpiry) {
  const instrument_view in = option(false, true, 100, 100, 0.5, 0.4, 1, 1);
  const double r[] = {0.0, 0.0};
  const double v[] = {0.0, 0.0};
  EXPECT_EQ(instrument_shock_in_state(in, r, v, 0.0).expiry, 0.5);
  EXPECT_NEAR(instrument_shock_in_state(in, r, v, 73.0).expiry, 0.3, 1e-15);  // 0.5 - 73/365
  EXPECT_NEAR(instrument_shock_in_state(in, r, v, 7.0).expiry, 0.5 - 7.0 / 365.0, 1e-15);
  EXPECT_EQ(instrument_shock_in_state(in, r, v, 365.0).expiry, 0.0);  // past expiry: 0, not negative
  EXPECT_EQ(instrument_shock_in_state(in, r, v, 182.5).expiry, 0.0);
  // The price uses T(x): at the horizon past expiry, an ATM option is worth intrinsic = 0.
  EXPECT_EQ(price_instrument(in, instrument_shock_in_state(in, r, v, 400.0)).a, 0.0);
  expect_rel(price_instrument(in, instrument_shock_in_state(in, r, v, 73.0)).a, black76(100, 100, 0.3, 0.4, true),
             1e-14);
}

TEST(Pricing, VolShockAndFloor) {
  const instrument_view in = option(false, true, 100, 100, 0.5, 0.8, 1, 1);
  const double r[] = {0.0, 0.0};
  auto vol = [&](double shock) {
    const double v[] = {shock, 0.0};
    return instrument_shock_in_state(in, r, v, 0.0).vol;
  };
  EXPECT_EQ(vol(0.0), 0.8);
  EXPECT_NEAR(vol(-0.5), 0.4, 1e-16);
  EXPECT_NEAR(vol(0.25), 1.0, 1e-16);
  EXPECT_EQ(vol(-1.0), 0.01);   // floored
  EXPECT_EQ(vol(-0.99), 0.01);  // 0.008 -> floored at 0.01
  EXPECT_NEAR(vol(-0.98), 0.016, 1e-15);
  // A vol shock of another factor does not touch this option.
  const double v_other[] = {0.0, 0.9};
  EXPECT_EQ(instrument_shock_in_state(in, r, v_other, 0.0).vol, 0.8);
  // Non-options get no vol / expiry.
  const instrument_view p = linear_perp(100, 1);
  const double v[] = {0.5, 0.0};
  EXPECT_EQ(instrument_shock_in_state(p, r, v, 10.0).vol, 0.0);
}

TEST(Pricing, NotionalsOfAllFourKinds) {
  const double r[] = {0.2, -0.05};  // BTC +20%, USDT -5%
  const double v[] = {0.0, 0.0};
  const double F0 = 90000.0, usdt = 0.9996, btc = 91234.5;
  // linear perp: |q| m M P_q(x) = m (F0 1.2 / 0.95) (0.9996 0.95)
  {
    const instrument_view in = linear_perp(F0, 0.01, usdt);
    expect_rel(price_instrument(in, instrument_shock_in_state(in, r, v, 0)).notional, 0.01 * F0 * 1.2 * usdt, 1e-14);
  }
  // inverse perp: |q| m
  {
    const instrument_view in = inverse_perp(F0, 100, btc);
    EXPECT_EQ(price_instrument(in, instrument_shock_in_state(in, r, v, 0)).notional, 100.0);
  }
  // linear option: |q| m F P_q(x)
  {
    const instrument_view in = option(false, false, F0, 80000, 0.25, 0.6, 0.1, usdt);
    const instrument_state st = price_instrument(in, instrument_shock_in_state(in, r, v, 0));
    expect_rel(st.notional, 0.1 * F0 * 1.2 * usdt, 1e-14);
    // value a = m B(F(x), K, T, s)
    expect_rel(st.a, 0.1 * black76(F0 * 1.2 / 0.95, 80000, 0.25, 0.6, false), 1e-13);
    EXPECT_EQ(st.b, 0.0);
    EXPECT_EQ(entry_term(in, 123.0), 0.0);
  }
  // inverse option: |q| m F (F in USD), value m B / F in coin
  {
    const instrument_view in = option(true, true, F0, 80000, 0.25, 0.6, 1.0, btc);
    const instrument_state st = price_instrument(in, instrument_shock_in_state(in, r, v, 0));
    expect_rel(st.notional, F0 * 1.2, 1e-15);
    expect_rel(st.a, black76(F0 * 1.2, 80000, 0.25, 0.6, true) / (F0 * 1.2), 1e-13);
    expect_rel(st.settle_price, btc * 1.2, 1e-15);
  }
}

TEST(Pricing, EntryTerm) {
  EXPECT_EQ(entry_term(linear_perp(100, 1), 250.0), -250.0);
  EXPECT_EQ(entry_term(inverse_perp(100, 1, 100), 250.0), 1.0 / 250.0);
  EXPECT_EQ(position_value(2.0, -3.0, 10.0, 4.0), 2.0 * (10.0 - 12.0));
}

}  // namespace
}  // namespace riskscan::core
