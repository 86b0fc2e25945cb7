#pragma once
// Portfolio margin by risk unit (METHODOLOGY.md 5). The grid around a state is priced once per
// instrument in the instrument stage (grid_point_shock / price_instrument); the account stage
// sums member values per grid point and turns them into MMR_u (unit_mmr).
#include "riskscan/core/config.hpp"
#include "riskscan/core/pricing.hpp"
#include "riskscan/core/views.hpp"

namespace riskscan::core {

// The shock of grid point k for an instrument whose unit factor is its underlying, around the
// state shock x (whose factor returns are r[]): the unit factor's return becomes
// (1 + r_f)(1 + g) - 1 wherever the instrument uses that factor (underlying, and the settle
// coin of inverse contracts), and option vols scale by (1 + vol_up) or (1 - vol_down).
RS_HD instrument_shock grid_point_shock(const instrument_view& in, const pm_params& pm, const instrument_shock& x,
                                        const double* r, int k) {
  double move = 0.0;
  double vol_scale = 1.0;
  if (k < pm_grid_mr1_points) {
    move = pm.range * static_cast<double>(k / 3 - 3) / 3.0;
    const int vol = k % 3;
    vol_scale = vol == 0 ? 1.0 - pm.vol_down : (vol == 2 ? 1.0 + pm.vol_up : 1.0);
  } else {
    move = k == pm_grid_mr1_points ? -pm.extreme_move : pm.extreme_move;
    vol_scale = 1.0 + pm.vol_up;
  }
  const double shifted = gross_return((1.0 + r[in.underlying]) * (1.0 + move) - 1.0);
  instrument_shock y = x;
  y.underlying = shifted;
  if (in.quote_factor == in.underlying) y.quote = shifted;
  if (in.settle_factor == in.underlying) y.settle = shifted;
  if (in.kind == kind_option && vol_scale != 1.0) y.vol = max_of(x.vol * vol_scale, min_vol);
  return y;
}

// Per-unit accumulators of one account in one state.
struct unit_sums {
  double value[pm_grid_points];  // sum of member USD values at each grid point
  double signed_notional;        // perps and futures, in the state
  double notional;               // all members, in the state
};

// MMR_u = max(max(MR1, MR6) + MR4, MR7) from a unit's sums and its factor's parameters.
RS_HD double unit_mmr(const unit_sums& u, const pm_params& pm) {
  const double center = u.value[pm_grid_center];
  double mr1 = 0.0;
  for (int k = 0; k < pm_grid_mr1_points; ++k) mr1 = max_of(mr1, center - u.value[k]);
  double extreme = 0.0;
  for (int k = pm_grid_mr1_points; k < pm_grid_points; ++k) extreme = max_of(extreme, center - u.value[k]);
  const double mr6 = pm.extreme_fraction * extreme;
  const double mr4 = pm.basis_rate * fabs(u.signed_notional);
  const double mr7 = pm.min_charge_rate * u.notional;
  return max_of(max_of(mr1, mr6) + mr4, mr7);
}

}  // namespace riskscan::core
