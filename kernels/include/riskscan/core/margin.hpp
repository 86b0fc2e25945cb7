#pragma once
// Maintenance-margin tiers, progressive collateral ratios and liquidation costs
// (METHODOLOGY.md 3, 4 and 6).
#include "riskscan/core/config.hpp"
#include "riskscan/core/views.hpp"

namespace riskscan::core {

// MM of one perp or future with USD notional N under a tier schedule. N falls in the first tier
// with N <= up_to (past the last finite tier: the last tier). `step`: N * rate for the whole
// position; `marginal`: N * rate - cum, cum precomputed at load (book_view::margin_cum).
// The tier is found by counting the thresholds N exceeds (up_to is ascending): branch-free, so
// the CPU backend's lane loops use the same formulation and compute the same bits.
RS_HD double tier_mm(const book_view& bk, int32_t schedule, double notional) {
  const int32_t begin = bk.schedule_tier_begin[schedule];
  const int32_t last = bk.schedule_tier_begin[schedule + 1] - 1;
  int32_t k = begin;
  for (int32_t j = begin; j < last; ++j) k += notional > bk.margin_up_to[j] ? 1 : 0;
  const double mm = notional * bk.margin_rate[k];
  return bk.schedule_marginal[schedule] ? mm - bk.margin_cum[k] : mm;
}

// The part of a positive USD amount v between lower and upper, weighted by the tier's ratio
// (0 when v <= lower, so adding it changes nothing).
RS_HD double collateral_term(double v, double lower, double upper, double ratio) {
  return v > lower ? ratio * (min_of(v, upper) - lower) : 0.0;
}

// Collateral value of a USD amount v of one asset: progressive ratios for a positive amount
// (the part beyond the last finite tier counts 0), the full amount when negative or untiered.
RS_HD double collateral_value(const book_view& bk, int32_t asset, double v) {
  const int32_t begin = bk.asset_tier_begin[asset];
  const int32_t end = bk.asset_tier_begin[asset + 1];
  if (v <= 0.0 || begin == end) return v;
  double adjusted = 0.0;
  double lower = 0.0;
  for (int32_t k = begin; k < end; ++k) {
    adjusted += collateral_term(v, lower, bk.collateral_up_to[k], bk.collateral_ratio[k]);
    lower = bk.collateral_up_to[k];
  }
  return adjusted;
}

// Maintenance margin of one cross position outside portfolio mode with USD notional N:
// tiered for perps and futures, option_mm_rate * N for short options, 0 for long options.
RS_HD double position_mm(const book_view& bk, const instrument_view& in, double qty, double notional) {
  if (in.kind != kind_option) return tier_mm(bk, in.mm_schedule, notional);
  return qty < 0.0 ? in.option_mm_rate * notional : 0.0;
}

// Square-root market impact of closing a position of slippage base B (USD):
// B * min(k sqrt(B / depth), max_slippage); no depth given (0) means no slippage.
RS_HD double slippage(const instrument_view& in, double base, double max_slippage) {
  if (!(in.depth_usd > 0.0)) return 0.0;
  return base * min_of(in.impact_k * sqrt(base / in.depth_usd), max_slippage);
}

}  // namespace riskscan::core
