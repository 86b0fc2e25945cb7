#pragma once
// The cpu backend's hot loop: cross equity and MM (cross or portfolio mode) of one account for a
// tile of scenario lanes at once, lanes innermost so the compiler vectorises over scenarios.
//
// Bit-identical to core::cross_equity + core::cross_position_mm / portfolio_units_mmr: the same primitives
// (position_value, collateral_term, the tier index of tier_mm) in the same
// order per lane. A branch of the scalar code that adds nothing becomes an added +0.0, which
// leaves a non-negative sum unchanged bit for bit.
#include <cstdint>

#include "riskscan/core/account_eval.hpp"

namespace riskscan::cpu {

inline constexpr int max_lanes = 64;

struct cross_lanes {
  double raw_equity[max_lanes];
  double adj_equity[max_lanes];
  double mm[max_lanes];
  double borrow_mm[max_lanes];
  double has_liability[max_lanes];  // 0.0 / 1.0: a double so lane loops stay one vector type
};

// mm[l] += tier_mm(schedule, n[l]) for every lane, with tier_mm's formulation: count the
// thresholds each notional exceeds (in a double, so the compares vectorise), then N rate - cum.
inline void add_tier_mm(const core::book_view& bk, std::int32_t schedule, const double* n, int lanes, double* mm) {
  const std::int32_t begin = bk.schedule_tier_begin[schedule];
  const std::int32_t last = bk.schedule_tier_begin[schedule + 1] - 1;
  double tier[max_lanes];
  double largest = 0.0;
#pragma omp simd reduction(max : largest)
  for (int l = 0; l < lanes; ++l) {
    tier[l] = 0.0;
    largest = core::max_of(largest, n[l]);
  }
  // Thresholds are ascending: once one is >= every notional of the tile, no later one is exceeded.
  std::int32_t j = begin;
  for (; j < last && bk.margin_up_to[j] < largest; ++j) {
    const double up = bk.margin_up_to[j];
#pragma omp simd
    for (int l = 0; l < lanes; ++l) tier[l] += n[l] > up ? 1.0 : 0.0;
  }
  const bool marginal = bk.schedule_marginal[schedule] != 0;
  if (j == begin) {  // the whole tile is in the first tier
    const double rate = bk.margin_rate[begin];
    const double cum = bk.margin_cum[begin];
    if (marginal) {
#pragma omp simd
      for (int l = 0; l < lanes; ++l) mm[l] += n[l] * rate - cum;
    } else {
#pragma omp simd
      for (int l = 0; l < lanes; ++l) mm[l] += n[l] * rate;
    }
    return;
  }
  if (marginal) {
    for (int l = 0; l < lanes; ++l) {
      const auto k = begin + static_cast<std::int32_t>(tier[l]);
      mm[l] += n[l] * bk.margin_rate[k] - bk.margin_cum[k];
    }
  } else {
    for (int l = 0; l < lanes; ++l) mm[l] += n[l] * bk.margin_rate[begin + static_cast<std::int32_t>(tier[l])];
  }
}

// mm[l] += core::cross_position_mm for every lane: tiered perps and futures, short options.
inline void add_cross_position_mm(const core::book_view& bk, std::int64_t acct, const core::state_tables& t, int lanes,
                                  double* mm) {
  const std::int64_t stride = t.stride;
  double n[max_lanes];
  for (std::int64_t q = bk.cross_begin[acct]; q < bk.cross_begin[acct + 1]; ++q) {
    const std::int32_t i = bk.cross_inst[q];
    const core::instrument_view& in = bk.instrument[i];
    const double qty_abs = fabs(bk.cross_qty[q]);
    const double* notional = t.notional + i * stride;
    if (in.kind == core::kind_option) {
      const double rate = bk.cross_qty[q] < 0.0 ? in.option_mm_rate : 0.0;
      if (rate == 0.0) {
        continue;  // long option: the scalar code adds +0.0
      }
#pragma omp simd
      for (int l = 0; l < lanes; ++l) mm[l] += rate * (qty_abs * notional[l]);
      continue;
    }
#pragma omp simd
    for (int l = 0; l < lanes; ++l) n[l] = qty_abs * notional[l];
    add_tier_mm(bk, in.mm_schedule, n, lanes, mm);
  }
}

// mm[l] += core::portfolio_units_mmr for every lane: per risk unit, the members' USD values at
// the 23 grid points (core::accumulate_unit), then core::unit_mmr's maxima, in the same order.
inline void add_portfolio_mm(const core::book_view& bk, std::int64_t acct, const core::state_tables& t, int lanes,
                             double* mm) {
  const std::int64_t stride = t.stride;
  double value[core::pm_grid_points][max_lanes];
  double signed_notional[max_lanes];
  double notional_sum[max_lanes];
  double units[max_lanes];
#pragma omp simd
  for (int l = 0; l < lanes; ++l) units[l] = 0.0;
  for (std::int64_t u = bk.unit_begin[acct]; u < bk.unit_begin[acct + 1]; ++u) {
    for (int k = 0; k < core::pm_grid_points; ++k) {
#pragma omp simd
      for (int l = 0; l < lanes; ++l) value[k][l] = 0.0;
    }
#pragma omp simd
    for (int l = 0; l < lanes; ++l) {
      signed_notional[l] = 0.0;
      notional_sum[l] = 0.0;
    }
    for (std::int64_t m = bk.unit_member_begin[u]; m < bk.unit_member_begin[u + 1]; ++m) {
      const std::int64_t p = bk.unit_member[m];
      const std::int32_t i = bk.cross_inst[p];
      const core::instrument_view& in = bk.instrument[i];
      const double q = bk.cross_qty[p];
      const double c = bk.cross_entry_term[p];
      for (int k = 0; k < core::pm_grid_points; ++k) {
        const std::int64_t row = (static_cast<std::int64_t>(in.pm_index) * core::pm_grid_points + k) * stride;
        const double* ga = t.grid_a + row;
        const double* gb = t.grid_b + row;
#pragma omp simd
        for (int l = 0; l < lanes; ++l) value[k][l] += core::position_value(q, c, ga[l], gb[l]);
      }
      const double qty_abs = fabs(q);
      const double* notional = t.notional + i * stride;
      const bool perp_or_future = in.kind != core::kind_option;
      const bool short_position = q < 0.0;
#pragma omp simd
      for (int l = 0; l < lanes; ++l) {
        const double n = qty_abs * notional[l];
        notional_sum[l] += n;
        if (perp_or_future) signed_notional[l] += short_position ? -n : n;
      }
    }
    const core::pm_params& pm = bk.factor_pm[bk.unit_factor[u]];
#pragma omp simd
    for (int l = 0; l < lanes; ++l) {
      const double center = value[core::pm_grid_center][l];
      double mr1 = 0.0;
      for (int k = 0; k < core::pm_grid_mr1_points; ++k) mr1 = core::max_of(mr1, center - value[k][l]);
      double extreme = 0.0;
      for (int k = core::pm_grid_mr1_points; k < core::pm_grid_points; ++k)
        extreme = core::max_of(extreme, center - value[k][l]);
      const double mr6 = pm.extreme_fraction * extreme;
      const double mr4 = pm.basis_rate * fabs(signed_notional[l]);
      const double mr7 = pm.min_charge_rate * notional_sum[l];
      units[l] += core::max_of(core::max_of(mr1, mr6) + mr4, mr7);
    }
  }
#pragma omp simd
  for (int l = 0; l < lanes; ++l) mm[l] += units[l];
}

// Compiled twice, for baseline x86-64 (SSE2) and for x86-64-v3 (AVX2), and picked when the
// program loads: the release build is not -march=native, and four doubles per instruction instead
// of two make the account stage about 1.4x faster on an AVX2 machine. The bits are the same:
// -ffp-contract=off forbids the FMA that v3 adds, and each lane's operations and their order do
// not depend on the vector width.
__attribute__((target_clones("default", "arch=x86-64-v3"))) inline void evaluate_cross_lanes(
    const core::book_view& bk, std::int64_t acct, const core::state_tables& t, int lanes, cross_lanes& out) {
  const std::int64_t stride = t.stride;
  double w[max_lanes];
  double usd[max_lanes];
  double adjusted[max_lanes];
  for (int l = 0; l < lanes; ++l) {
    out.raw_equity[l] = 0.0;
    out.adj_equity[l] = 0.0;
    out.mm[l] = 0.0;
    out.borrow_mm[l] = 0.0;
    out.has_liability[l] = 0.0;
  }

  std::int64_t p = bk.cross_begin[acct];
  for (std::int64_t s = bk.slot_begin[acct]; s < bk.slot_begin[acct + 1]; ++s) {
    const double balance = bk.slot_balance[s];
    for (int l = 0; l < lanes; ++l) w[l] = balance;
    for (; p < bk.slot_pos_end[s]; ++p) {
      const std::int32_t i = bk.cross_inst[p];
      const double q = bk.cross_qty[p];
      const double c = bk.cross_entry_term[p];
      const double* a = t.a + i * stride;
      const double* b = t.b + i * stride;
#pragma omp simd
      for (int l = 0; l < lanes; ++l) w[l] += core::position_value(q, c, a[l], b[l]);
    }
    const std::int32_t asset = bk.slot_asset[s];
    const double* price = t.asset_price + asset * stride;
#pragma omp simd
    for (int l = 0; l < lanes; ++l) {
      usd[l] = w[l] * price[l];
      out.raw_equity[l] += usd[l];
    }
    const std::int32_t tier_begin = bk.asset_tier_begin[asset];
    const std::int32_t tier_end = bk.asset_tier_begin[asset + 1];
    if (tier_begin == tier_end) {
#pragma omp simd
      for (int l = 0; l < lanes; ++l) out.adj_equity[l] += usd[l];
    } else {
      double largest = 0.0;
#pragma omp simd reduction(max : largest)
      for (int l = 0; l < lanes; ++l) {
        adjusted[l] = 0.0;
        largest = core::max_of(largest, usd[l]);
      }
      // A tier whose lower bound is >= every amount of the tile adds only zeros: stop there.
      double lower = 0.0;
      for (std::int32_t k = tier_begin; k < tier_end && lower < largest; ++k) {
        const double upper = bk.collateral_up_to[k];
        const double ratio = bk.collateral_ratio[k];
#pragma omp simd
        for (int l = 0; l < lanes; ++l) adjusted[l] += core::collateral_term(usd[l], lower, upper, ratio);
        lower = upper;
      }
#pragma omp simd
      for (int l = 0; l < lanes; ++l) out.adj_equity[l] += usd[l] <= 0.0 ? usd[l] : adjusted[l];
    }
    const double mmr = bk.borrow_mmr[asset];
#pragma omp simd
    for (int l = 0; l < lanes; ++l) {
      // max(-w, 0) P is -w P when borrowed and +-0.0 otherwise, which adds nothing.
      const double liability = core::max_of(-w[l], 0.0) * price[l];
      out.borrow_mm[l] += liability * mmr;
      out.has_liability[l] = w[l] < 0.0 ? 1.0 : out.has_liability[l];
    }
  }

  if (bk.account_portfolio[acct]) {
    add_portfolio_mm(bk, acct, t, lanes, out.mm);
  } else {
    add_cross_position_mm(bk, acct, t, lanes, out.mm);
  }
#pragma omp simd
  for (int l = 0; l < lanes; ++l) out.mm[l] += out.borrow_mm[l];
}

// Marks (1.0) the lanes where at least one isolated position of the account is liquidated:
// (m_iso + upnl) P_settle < tiered MM, computed as core::evaluate_isolated does. Only those lanes
// need the scalar outcome.
inline void isolated_liquidation_lanes(const core::book_view& bk, std::int64_t acct, const core::state_tables& t,
                                       int lanes, double* liquidated) {
  const std::int64_t stride = t.stride;
  double n[max_lanes];
  double mm[max_lanes];
#pragma omp simd
  for (int l = 0; l < lanes; ++l) liquidated[l] = 0.0;
  for (std::int64_t q = bk.iso_begin[acct]; q < bk.iso_begin[acct + 1]; ++q) {
    const std::int32_t i = bk.iso_inst[q];
    const core::instrument_view& in = bk.instrument[i];
    const double qty = bk.iso_qty[q];
    const double qty_abs = fabs(qty);
    const double c = bk.iso_entry_term[q];
    const double margin = bk.iso_margin[q];
    const double* a = t.a + i * stride;
    const double* b = t.b + i * stride;
    const double* notional = t.notional + i * stride;
    const double* price = t.asset_price + in.settle_asset * stride;
#pragma omp simd
    for (int l = 0; l < lanes; ++l) {
      n[l] = qty_abs * notional[l];
      mm[l] = 0.0;
    }
    add_tier_mm(bk, in.mm_schedule, n, lanes, mm);
#pragma omp simd
    for (int l = 0; l < lanes; ++l) {
      const double equity = (margin + core::position_value(qty, c, a[l], b[l])) * price[l];
      liquidated[l] = equity < mm[l] ? 1.0 : liquidated[l];
    }
  }
}

}  // namespace riskscan::cpu
