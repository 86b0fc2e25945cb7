// `riskscan generate`: the random sizes every account type draws (generate_accounts.cpp).
#include <algorithm>
#include <initializer_list>

#include "generate_internal.hpp"

namespace riskscan::gen {

// Account equity, USD: log-normal body (median ~$300, $10 .. $2M) plus a Pareto tail
// ($10k .. $100M, alpha 0.8).
double sample_equity(rng& r) {
  if (r.chance(0.965)) {
    double lg = 0;
    for (int i = 0; i < 64; ++i) {
      lg = 2.5 + 0.85 * r.normal();
      if (lg >= 1.0 && lg <= 6.3) break;
      lg = 2.5;
    }
    return round_sig(det_pow10(lg), 6);
  }
  constexpr double lo = 1e4, alpha = 0.8;
  const double tail_mass = 1.0 - det_exp(alpha * det_log(lo / 1e8));  // 1 - (lo/hi)^alpha
  const double v = 1.0 - r.uniform() * tail_mass;
  return round_sig(std::min(lo * det_exp(-det_log(v) / alpha), 1e8), 6);
}

// Gross leverage (notional / equity): log-normal around 4x, 3% tail at 20x .. 100x.
double sample_leverage(rng& r, bool& tail) {
  tail = r.chance(0.03);
  if (tail) return r.log_uniform(20, 100);
  double lg = 0;
  for (int i = 0; i < 64; ++i) {
    lg = det_log(4.0) + 0.85 * r.normal();
    if (lg >= det_log(0.2) && lg <= det_log(25.0)) break;
    lg = det_log(4.0);
  }
  return det_exp(lg);
}

int draw_count(rng& r, std::initializer_list<double> shares) {
  double u = r.uniform();
  int k = 0;
  for (double s : shares) {
    if (u < s) return k;
    u -= s;
    ++k;
  }
  return k - 1;
}

}  // namespace riskscan::gen
