#pragma once
// Evaluation of one account in one state (METHODOLOGY.md 4-7): cross equity and adjusted equity,
// maintenance margin (cross or portfolio mode), the liquidation test and outcome, and the
// isolated positions. Every backend calls evaluate_account, so the operation order below is the
// contract for bit-identical results: slots in asset order, positions in prepared order.
#include "riskscan/core/config.hpp"
#include "riskscan/core/margin.hpp"
#include "riskscan/core/portfolio_margin.hpp"
#include "riskscan/core/pricing.hpp"
#include "riskscan/core/views.hpp"

namespace riskscan::core {

struct run_params {
  double max_slippage;  // cap of the square-root impact, default 0.5
  double imr_factor;    // portfolio IMR = imr_factor * sum MMR_u + borrow IM, default 1.3
};

// What one (account, state) evaluation produces. Money in USD.
struct account_outcome {
  double raw_equity;       // cross E_raw
  double adj_equity;       // cross AE
  double mm;               // cross MM (portfolio: sum MMR_u + borrow MM)
  double imr;              // portfolio mode only, else 0
  double isolated_equity;  // sum of the isolated positions' USD equity
  double deficit;          // cross + isolated bankrupt deficit
  double inflow;           // cross + isolated insurance-fund inflow
  double liquidated_notional;
  int32_t isolated_liquidated;
  bool liquidated;  // the cross part
};

// A lane of the instrument-stage tables.
struct table_lane {
  const state_tables& t;
  int64_t lane;
  RS_HD double asset_price(int32_t asset) const { return t.asset_price[asset * t.stride + lane]; }
  RS_HD double a(int32_t i) const { return t.a[i * t.stride + lane]; }
  RS_HD double b(int32_t i) const { return t.b[i * t.stride + lane]; }
  RS_HD double notional(int32_t i) const { return t.notional[i * t.stride + lane]; }
  RS_HD double grid_a(int32_t pm, int k) const { return t.grid_a[(pm * pm_grid_points + k) * t.stride + lane]; }
  RS_HD double grid_b(int32_t pm, int k) const { return t.grid_b[(pm * pm_grid_points + k) * t.stride + lane]; }
};

// Adds the USD values of a unit's members at every grid point, and their notionals.
RS_HD void accumulate_unit(const book_view& bk, const table_lane& x, int64_t unit, unit_sums& u) {
  for (int k = 0; k < pm_grid_points; ++k) u.value[k] = 0.0;
  u.signed_notional = 0.0;
  u.notional = 0.0;
  for (int64_t m = bk.unit_member_begin[unit]; m < bk.unit_member_begin[unit + 1]; ++m) {
    const int64_t p = bk.unit_member[m];
    const int32_t i = bk.cross_inst[p];
    const instrument_view& in = bk.instrument[i];
    const double q = bk.cross_qty[p];
    const double c = bk.cross_entry_term[p];
    for (int k = 0; k < pm_grid_points; ++k)
      u.value[k] += position_value(q, c, x.grid_a(in.pm_index, k), x.grid_b(in.pm_index, k));
    const double notional = fabs(q) * x.notional(i);
    u.notional += notional;
    if (in.kind != kind_option) u.signed_notional += q < 0.0 ? -notional : notional;
  }
}

// Liquidation outcome (METHODOLOGY.md 6) of remaining equity R = equity - slippage against fees F.
RS_HD void settle_liquidation(double equity, double slip, double fees, account_outcome& out) {
  const double remaining = equity - slip;
  out.inflow += min_of(max_of(remaining, 0.0), fees);
  out.deficit += max_of(-remaining, 0.0);
}

// Borrowing of the cross part in one state.
struct borrow_totals {
  double mm = 0.0;
  double im = 0.0;
  bool any = false;  // some asset has a liability
};

// Cross equity per asset slot: w_c = balance + value of positions settled in c; E_raw, AE and the
// borrow MM / IM of liabilities.
RS_HD borrow_totals cross_equity(const book_view& bk, int64_t acct, const table_lane& x, account_outcome& out) {
  borrow_totals borrow;
  int64_t p = bk.cross_begin[acct];
  for (int64_t s = bk.slot_begin[acct]; s < bk.slot_begin[acct + 1]; ++s) {
    double w = bk.slot_balance[s];
    for (; p < bk.slot_pos_end[s]; ++p) {
      const int32_t i = bk.cross_inst[p];
      w += position_value(bk.cross_qty[p], bk.cross_entry_term[p], x.a(i), x.b(i));
    }
    const int32_t asset = bk.slot_asset[s];
    const double price = x.asset_price(asset);
    const double usd = w * price;
    out.raw_equity += usd;
    out.adj_equity += collateral_value(bk, asset, usd);
    if (w < 0.0) {
      const double liability = -w * price;
      borrow.mm += liability * bk.borrow_mmr[asset];
      borrow.im += liability * bk.borrow_imr[asset];
      borrow.any = true;
    }
  }
  return borrow;
}

// Cross-mode MM without borrowing: tiered perps/futures plus short options, in position order.
RS_HD double cross_position_mm(const book_view& bk, int64_t acct, const table_lane& x) {
  double mm = 0.0;
  for (int64_t q = bk.cross_begin[acct]; q < bk.cross_begin[acct + 1]; ++q) {
    const int32_t i = bk.cross_inst[q];
    const double qty = bk.cross_qty[q];
    mm += position_mm(bk, bk.instrument[i], qty, fabs(qty) * x.notional(i));
  }
  return mm;
}

// Sum of MMR_u over the account's risk units.
RS_HD double portfolio_units_mmr(const book_view& bk, int64_t acct, const table_lane& x) {
  double units_mmr = 0.0;
  for (int64_t u = bk.unit_begin[acct]; u < bk.unit_begin[acct + 1]; ++u) {
    unit_sums sums;
    accumulate_unit(bk, x, u, sums);
    units_mmr += unit_mmr(sums, bk.factor_pm[bk.unit_factor[u]]);
  }
  return units_mmr;
}

// The liquidation test: cross positions or liabilities, and AE < MM.
RS_HD bool cross_liquidated(const book_view& bk, int64_t acct, bool has_liability, double adj_equity, double mm) {
  return (bk.cross_begin[acct + 1] > bk.cross_begin[acct] || has_liability) && adj_equity < mm;
}

// Closes every cross position of a liquidated account: fees, slippage, notional, outcome.
RS_HD void liquidate_cross(const book_view& bk, int64_t acct, const table_lane& x, const run_params& rp,
                           account_outcome& out) {
  double fees = 0.0;
  double slip = 0.0;
  for (int64_t q = bk.cross_begin[acct]; q < bk.cross_begin[acct + 1]; ++q) {
    const int32_t i = bk.cross_inst[q];
    const instrument_view& in = bk.instrument[i];
    const double qty = bk.cross_qty[q];
    const double notional = fabs(qty) * x.notional(i);
    fees += in.liq_fee_rate * notional;
    const double base =
        in.kind == kind_option
            ? fabs(position_value(qty, bk.cross_entry_term[q], x.a(i), x.b(i)) * x.asset_price(in.settle_asset))
            : notional;
    slip += slippage(in, base, rp.max_slippage);
    out.liquidated_notional += notional;
  }
  settle_liquidation(out.raw_equity, slip, fees, out);
}

// Isolated positions: (m_iso + upnl) P_settle against the tiered MM of the position.
RS_HD void evaluate_isolated(const book_view& bk, int64_t acct, const table_lane& x, const run_params& rp,
                             account_outcome& out) {
  for (int64_t q = bk.iso_begin[acct]; q < bk.iso_begin[acct + 1]; ++q) {
    const int32_t i = bk.iso_inst[q];
    const instrument_view& in = bk.instrument[i];
    const double qty = bk.iso_qty[q];
    const double upnl = position_value(qty, bk.iso_entry_term[q], x.a(i), x.b(i));
    const double equity = (bk.iso_margin[q] + upnl) * x.asset_price(in.settle_asset);
    const double notional = fabs(qty) * x.notional(i);
    out.isolated_equity += equity;
    if (equity < tier_mm(bk, in.mm_schedule, notional)) {
      ++out.isolated_liquidated;
      out.liquidated_notional += notional;
      settle_liquidation(equity, slippage(in, notional, rp.max_slippage), in.liq_fee_rate * notional, out);
    }
  }
}

RS_HD account_outcome evaluate_account(const book_view& bk, int64_t acct, const table_lane& x, const run_params& rp) {
  account_outcome out{};
  const borrow_totals borrow = cross_equity(bk, acct, x, out);
  if (bk.account_portfolio[acct]) {
    const double units_mmr = portfolio_units_mmr(bk, acct, x);
    out.mm = units_mmr + borrow.mm;
    out.imr = rp.imr_factor * units_mmr + borrow.im;
  } else {
    out.mm = cross_position_mm(bk, acct, x) + borrow.mm;
  }
  out.liquidated = cross_liquidated(bk, acct, borrow.any, out.adj_equity, out.mm);
  if (out.liquidated) liquidate_cross(bk, acct, x, rp, out);
  evaluate_isolated(bk, acct, x, rp, out);
  return out;
}

}  // namespace riskscan::core
