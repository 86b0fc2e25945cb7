#pragma once
// Instrument pricing in a state (METHODOLOGY.md 1-2): shocked marks, undiscounted Black-76,
// per-contract value coefficients and notionals. Everything here is per contract; positions
// multiply by their signed quantity.
#include "riskscan/core/config.hpp"
#include "riskscan/core/views.hpp"

namespace riskscan::core {

// Standard normal CDF through erfc, accurate in both tails.
RS_HD double norm_cdf(double x) { return 0.5 * erfc(-x * 0.70710678118654752440); }

// Undiscounted Black-76 price of a call or put on forward F with strike K, expiry T (years),
// vol s. At T = 0 (or zero total vol) it is the intrinsic value.
RS_HD double black76(double F, double K, double T, double s, bool is_call) {
  const double total_vol = s * sqrt(T);
  if (!(total_vol > 0.0)) return is_call ? max_of(F - K, 0.0) : max_of(K - F, 0.0);
  const double d1 = (log(F / K) + 0.5 * total_vol * total_vol) / total_vol;
  const double d2 = d1 - total_vol;
  return is_call ? F * norm_cdf(d1) - K * norm_cdf(d2) : K * norm_cdf(-d2) - F * norm_cdf(-d1);
}

// Gross returns (1 + r, floored) of the factors an instrument depends on, and its option inputs.
struct instrument_shock {
  double underlying = 1.0;  // gross return of the underlying factor
  double quote = 1.0;       // gross return of the quote asset's factor (1 for USD-quoted inverse)
  double settle = 1.0;      // gross return of the settle asset's factor
  double vol = 0.0;         // option vol s(x), already floored
  double expiry = 0.0;      // option time to expiry T(x) in years
};

// Per-contract quantities of one instrument in one state.
// A position of q contracts with entry term c (see entry_term) is worth q * (a + b * c)
// settle units: linear perps/futures a = m M, b = m, c = -E  ->  q m (M - E);
// inverse perps/futures a = -m / M, b = m, c = 1 / E        ->  q m (1/E - 1/M);
// options a = m B (linear) or m B / F (inverse), b = 0.
struct instrument_state {
  double a = 0.0;
  double b = 0.0;
  double notional = 0.0;      // USD per contract (|q| = 1)
  double settle_price = 0.0;  // USD price of the settle asset in this state
};

// The entry-price term c of a position (0 for options, whose value does not depend on entry).
RS_HD double entry_term(const instrument_view& in, double entry_price) {
  if (in.kind == kind_option) return 0.0;
  return in.inverse ? 1.0 / entry_price : -entry_price;
}

// Settle-unit value (perps/futures: unrealised PnL) of q contracts with entry term c.
RS_HD double position_value(double q, double c, double a, double b) { return q * (a + b * c); }

RS_HD instrument_state price_instrument(const instrument_view& in, const instrument_shock& x) {
  instrument_state st;
  st.settle_price = in.settle_price * x.settle;
  // Marks are quoted in the quote asset: M(x) = M (1 + r_u) / (1 + r_q).
  const double mark = in.mark_price * x.underlying / x.quote;
  const double quote_price = in.quote_price * x.quote;
  const double m = in.multiplier;
  if (in.kind != kind_option) {
    st.b = m;
    if (in.inverse) {
      st.a = -m / mark;
      st.notional = m;
    } else {
      st.a = m * mark;
      st.notional = m * mark * quote_price;
    }
    return st;
  }
  const double price = black76(mark, in.strike, x.expiry, x.vol, in.is_call != 0);
  if (in.inverse) {
    st.a = m * price / mark;
    st.notional = m * mark;
  } else {
    st.a = m * price;
    st.notional = m * mark * quote_price;
  }
  return st;
}

// The shock an instrument sees in a state given by factor returns r[], vol shocks v[] (indexed by
// factor) and a horizon in days.
RS_HD instrument_shock instrument_shock_in_state(const instrument_view& in, const double* r, const double* v,
                                                 double horizon_days) {
  instrument_shock x;
  x.underlying = gross_return(r[in.underlying]);
  x.quote = in.quote_factor >= 0 ? gross_return(r[in.quote_factor]) : 1.0;
  x.settle = in.settle_factor >= 0 ? gross_return(r[in.settle_factor]) : 1.0;
  if (in.kind == kind_option) {
    x.vol = max_of(in.iv * (1.0 + v[in.underlying]), min_vol);
    x.expiry = max_of(in.expiry_years - horizon_days / 365.0, 0.0);
  }
  return x;
}

}  // namespace riskscan::core
