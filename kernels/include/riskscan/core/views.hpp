#pragma once
// Trivially copyable views of the prepared book and of the instrument-stage tables. They hold
// raw pointers into host memory (CPU backends) or device memory (CUDA); the owner is
// riskscan::eval_book / the backend's table buffers. Read-only during evaluation.
#include "riskscan/core/config.hpp"

namespace riskscan::core {

inline constexpr uint8_t kind_perp = 0;
inline constexpr uint8_t kind_future = 1;
inline constexpr uint8_t kind_option = 2;

// Everything the evaluation needs about one instrument, flattened.
struct instrument_view {
  uint8_t kind;
  uint8_t inverse;
  uint8_t is_call;
  int32_t underlying;     // factor index
  int32_t quote_factor;   // factor of the quote asset (linear: the settle asset), -1 for USD
  int32_t settle_factor;  // factor of the settle asset, -1 if never shocked
  int32_t settle_asset;
  int32_t mm_schedule;    // -1 for options
  int32_t pm_index;       // row in the portfolio grid tables, -1 if no portfolio account holds it
  double multiplier;
  double mark_price;      // base mark (options: forward), quote units
  double quote_price;     // base USD price of the quote asset (1 for USD)
  double settle_price;    // base USD price of the settle asset
  double expiry_years;
  double strike;
  double iv;
  double option_mm_rate;
  double liq_fee_rate;
  double impact_k;
  double depth_usd;       // 0: no slippage
};

// Portfolio-margin parameters of one factor (METHODOLOGY.md 5).
struct pm_params {
  double range;
  double vol_up;
  double vol_down;
  double extreme_move;
  double extreme_fraction;
  double basis_rate;
  double min_charge_rate;
};

// The prepared book. Per-account arrays are CSR: account a owns [x_begin[a], x_begin[a+1]).
// Cross positions of an account are grouped by settle-asset slot (slot order = asset order);
// slot k of the account owns cross positions [slot_pos_begin[k], slot_pos_begin[k+1]).
struct book_view {
  int64_t accounts;
  int32_t factors;
  int32_t assets;
  int32_t instruments;

  // Assets.
  const double* asset_price;
  const int32_t* asset_factor;
  const double* borrow_mmr;
  const double* borrow_imr;
  const int32_t* asset_tier_begin;  // size assets + 1
  const double* collateral_up_to;
  const double* collateral_ratio;

  // Margin schedules.
  const int32_t* schedule_tier_begin;  // size schedules + 1
  const uint8_t* schedule_marginal;
  const double* margin_up_to;
  const double* margin_rate;
  const double* margin_cum;

  const instrument_view* instrument;
  const pm_params* factor_pm;

  // Accounts.
  const uint8_t* account_portfolio;
  const int64_t* slot_begin;     // size accounts + 1
  const int64_t* cross_begin;    // size accounts + 1
  const int64_t* iso_begin;      // size accounts + 1
  const int64_t* unit_begin;     // size accounts + 1 (portfolio risk units)

  // Asset slots.
  const int32_t* slot_asset;
  const double* slot_balance;
  const int64_t* slot_pos_end;   // end of the slot's cross positions

  // Cross positions (grouped by slot).
  const int32_t* cross_inst;
  const double* cross_qty;
  const double* cross_entry_term;  // c of position_value

  // Isolated positions.
  const int32_t* iso_inst;
  const double* iso_qty;
  const double* iso_entry_term;
  const double* iso_margin;        // settle units

  // Portfolio risk units: unit u is factor unit_factor[u] with members
  // unit_member[unit_member_begin[u] .. unit_member_begin[u+1]) (indices of cross positions).
  const int32_t* unit_factor;
  const int64_t* unit_member_begin;  // size units + 1
  const int64_t* unit_member;
};

// Number of portfolio grid points per instrument and state (METHODOLOGY.md 5):
// moves {-R, -2R/3, -R/3, 0, R/3, 2R/3, R} x vol {down, same, up}, then {-X, +X} at vol up.
inline constexpr int pm_grid_points = 23;
inline constexpr int pm_grid_center = 10;  // move 0, vol same: the state itself
inline constexpr int pm_grid_mr1_points = 21;

// Instrument-stage tables for a tile of states: element (row, lane) at row * stride + lane.
// Rows: assets for asset_price; instruments for a, b, notional; (pm_index * pm_grid_points + k)
// for the portfolio grid, whose values are USD per contract.
struct state_tables {
  int64_t stride;
  const double* asset_price;
  const double* a;
  const double* b;
  const double* notional;
  const double* grid_a;
  const double* grid_b;
};

// Writable counterpart of state_tables.
struct state_tables_out {
  int64_t stride;
  double* asset_price;
  double* a;
  double* b;
  double* notional;
  double* grid_a;
  double* grid_b;
};

}  // namespace riskscan::core
