#pragma once
// Instrument stage (ARCHITECTURE.md 1): per state, the USD price of every asset and the
// per-contract coefficients, notionals and portfolio-grid values of every instrument. Cheap,
// O(states x instruments); the account stage reads these tables.
#include "riskscan/core/config.hpp"
#include "riskscan/core/portfolio_margin.hpp"
#include "riskscan/core/pricing.hpp"
#include "riskscan/core/views.hpp"

namespace riskscan::core {

// State given by factor returns r[f], vol shocks v[f] (book factor order) and a horizon in days.
RS_HD void price_asset_in_state(const book_view& bk, int32_t asset, const double* r, const state_tables_out& t,
                                int64_t lane) {
  const int32_t f = bk.asset_factor[asset];
  t.asset_price[asset * t.stride + lane] = bk.asset_price[asset] * (f >= 0 ? gross_return(r[f]) : 1.0);
}

RS_HD void price_instrument_in_state(const book_view& bk, int32_t i, const double* r, const double* v,
                                     double horizon_days, const state_tables_out& t, int64_t lane) {
  const instrument_view& in = bk.instrument[i];
  const instrument_shock x = instrument_shock_in_state(in, r, v, horizon_days);
  const instrument_state st = price_instrument(in, x);
  t.a[i * t.stride + lane] = st.a;
  t.b[i * t.stride + lane] = st.b;
  t.notional[i * t.stride + lane] = st.notional;
  if (in.pm_index < 0) return;
  const pm_params& pm = bk.factor_pm[in.underlying];
  for (int k = 0; k < pm_grid_points; ++k) {
    const instrument_state g = price_instrument(in, grid_point_shock(in, pm, x, r, k));
    const int64_t row = static_cast<int64_t>(in.pm_index) * pm_grid_points + k;
    t.grid_a[row * t.stride + lane] = g.a * g.settle_price;
    t.grid_b[row * t.stride + lane] = g.b * g.settle_price;
  }
}

}  // namespace riskscan::core
