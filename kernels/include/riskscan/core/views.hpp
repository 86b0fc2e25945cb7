#pragma once
// Trivially copyable views of the prepared book and of the instrument-stage tables. They hold
// raw pointers into host memory (CPU backends) or device memory (CUDA); the owner is
// riskscan::eval_book / the backend's table buffers. Read-only during evaluation.
#include <stddef.h>

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
  int32_t mm_schedule;  // -1 for options
  int32_t pm_index;     // row in the portfolio grid tables, -1 if no portfolio account holds it
  double multiplier;
  double mark_price;    // base mark (options: forward), quote units
  double quote_price;   // base USD price of the quote asset (1 for USD)
  double settle_price;  // base USD price of the settle asset
  double expiry_years;
  double strike;
  double iv;
  double option_mm_rate;
  double liq_fee_rate;
  double impact_k;
  double depth_usd;  // 0: no slippage
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

// The sets whose rows index the arrays behind book_view. The first six are the reference tables,
// the same in every chunk of a book; the others belong to the accounts.
enum class book_extent : uint8_t {
  none,  // as array_layout::into: the values are not rows of the book
  assets,
  collateral_tiers,
  schedules,
  margin_tiers,
  instruments,
  factors,
  accounts,
  slots,
  cross,
  iso,
  units,
  unit_members,
};
inline constexpr int book_extent_count = static_cast<int>(book_extent::unit_members) + 1;

RS_HD bool per_account(book_extent e) { return e >= book_extent::accounts; }

// How one array behind book_view is laid out: an element per row of `rows`, plus one for a CSR
// begin array (row r owns [begin[r], begin[r + 1]) of `into`); `into`: the set whose rows the
// values are (begin arrays, slot_pos_end, unit_member and the like), else none.
struct array_layout {
  book_extent rows;
  bool begins = false;
  book_extent into = book_extent::none;
};

// The arrays of the prepared book, each as Array<element type>: book_view holds them as const
// pointers, riskscan::eval_book as host vectors, the CUDA device_book as device buffers. A new
// array is declared here and listed once in for_each_array below.
//
// Per-account arrays are CSR: account a owns [x_begin[a], x_begin[a+1]). Cross positions of an
// account are grouped by settle-asset slot (slot order = asset order); slot k of the account owns
// cross positions [slot_pos_begin[k], slot_pos_begin[k+1]).
template <template <class> class Array>
struct book_arrays {
  // Assets.
  Array<double> asset_price;
  Array<int32_t> asset_factor;
  Array<double> borrow_mmr;
  Array<double> borrow_imr;
  Array<int32_t> asset_tier_begin;  // size assets + 1
  Array<double> collateral_up_to;
  Array<double> collateral_ratio;

  // Margin schedules.
  Array<int32_t> schedule_tier_begin;  // size schedules + 1
  Array<uint8_t> schedule_marginal;
  Array<double> margin_up_to;
  Array<double> margin_rate;
  Array<double> margin_cum;

  Array<instrument_view> instrument;
  Array<pm_params> factor_pm;

  // Accounts.
  Array<uint8_t> account_portfolio;
  Array<int64_t> slot_begin;   // size accounts + 1
  Array<int64_t> cross_begin;  // size accounts + 1
  Array<int64_t> iso_begin;    // size accounts + 1
  Array<int64_t> unit_begin;   // size accounts + 1 (portfolio risk units)

  // Asset slots.
  Array<int32_t> slot_asset;
  Array<double> slot_balance;
  Array<int64_t> slot_pos_end;  // end of the slot's cross positions

  // Cross positions (grouped by slot).
  Array<int32_t> cross_inst;
  Array<double> cross_qty;
  Array<double> cross_entry_term;  // c of position_value

  // Isolated positions.
  Array<int32_t> iso_inst;
  Array<double> iso_qty;
  Array<double> iso_entry_term;
  Array<double> iso_margin;  // settle units

  // Portfolio risk units: unit u is factor unit_factor[u] with members
  // unit_member[unit_member_begin[u] .. unit_member_begin[u+1]) (indices of cross positions).
  Array<int32_t> unit_factor;
  Array<int64_t> unit_member_begin;  // size units + 1
  Array<int64_t> unit_member;
};

// The one list of the book's arrays: calls fn(layout, b.array...) for every array of
// book_arrays, the same member of each `b` together (any structs with these member names). For
// building, sizing and copying books, never in an evaluation loop.
template <class Fn, class... Books>
constexpr void for_each_array(Fn&& fn, Books&... b) {
  using e = book_extent;
  fn(array_layout{e::assets, false, e::none}, b.asset_price...);
  fn(array_layout{e::assets, false, e::factors}, b.asset_factor...);
  fn(array_layout{e::assets, false, e::none}, b.borrow_mmr...);
  fn(array_layout{e::assets, false, e::none}, b.borrow_imr...);
  fn(array_layout{e::assets, true, e::collateral_tiers}, b.asset_tier_begin...);
  fn(array_layout{e::collateral_tiers, false, e::none}, b.collateral_up_to...);
  fn(array_layout{e::collateral_tiers, false, e::none}, b.collateral_ratio...);
  fn(array_layout{e::schedules, true, e::margin_tiers}, b.schedule_tier_begin...);
  fn(array_layout{e::schedules, false, e::none}, b.schedule_marginal...);
  fn(array_layout{e::margin_tiers, false, e::none}, b.margin_up_to...);
  fn(array_layout{e::margin_tiers, false, e::none}, b.margin_rate...);
  fn(array_layout{e::margin_tiers, false, e::none}, b.margin_cum...);
  fn(array_layout{e::instruments, false, e::none}, b.instrument...);
  fn(array_layout{e::factors, false, e::none}, b.factor_pm...);
  fn(array_layout{e::accounts, false, e::none}, b.account_portfolio...);
  fn(array_layout{e::accounts, true, e::slots}, b.slot_begin...);
  fn(array_layout{e::accounts, true, e::cross}, b.cross_begin...);
  fn(array_layout{e::accounts, true, e::iso}, b.iso_begin...);
  fn(array_layout{e::accounts, true, e::units}, b.unit_begin...);
  fn(array_layout{e::slots, false, e::assets}, b.slot_asset...);
  fn(array_layout{e::slots, false, e::none}, b.slot_balance...);
  fn(array_layout{e::slots, false, e::cross}, b.slot_pos_end...);
  fn(array_layout{e::cross, false, e::instruments}, b.cross_inst...);
  fn(array_layout{e::cross, false, e::none}, b.cross_qty...);
  fn(array_layout{e::cross, false, e::none}, b.cross_entry_term...);
  fn(array_layout{e::iso, false, e::instruments}, b.iso_inst...);
  fn(array_layout{e::iso, false, e::none}, b.iso_qty...);
  fn(array_layout{e::iso, false, e::none}, b.iso_entry_term...);
  fn(array_layout{e::iso, false, e::none}, b.iso_margin...);
  fn(array_layout{e::units, false, e::factors}, b.unit_factor...);
  fn(array_layout{e::units, true, e::unit_members}, b.unit_member_begin...);
  fn(array_layout{e::unit_members, false, e::cross}, b.unit_member...);
}

template <class T>
using view_array = const T*;

// for_each_array visits every member of book_arrays once, and every set has an array that is not
// a begin array (so the sizes of a book's arrays give the rows of every set); else the build fails.
constexpr bool lists_every_array() {
  book_arrays<view_array> b{};
  constexpr int n = sizeof(b) / sizeof(const void*);
  const void* seen[n] = {};
  bool sized[book_extent_count] = {};
  int count = 0;
  bool once = true;
  for_each_array(
      [&](array_layout layout, const auto& member) {
        for (int i = 0; i < count && i < n; ++i) once = once && seen[i] != &member;
        if (count < n) seen[count] = &member;
        ++count;
        if (!layout.begins) sized[static_cast<int>(layout.rows)] = true;
      },
      b);
  for (int e = 1; e < book_extent_count; ++e) once = once && sized[e];
  return once && count == n;
}
static_assert(lists_every_array(), "for_each_array must list every member of book_arrays once, and size every set");

// Rows of each book_extent of one book, and so the element count of each of its arrays.
struct book_sizes {
  size_t rows[book_extent_count] = {};
  size_t& operator[](book_extent e) { return rows[static_cast<int>(e)]; }
  size_t operator[](book_extent e) const { return rows[static_cast<int>(e)]; }
  size_t elements(array_layout a) const { return (*this)[a.rows] + (a.begins ? 1 : 0); }
};

struct book_counts {
  int64_t accounts;
  int32_t factors;
  int32_t assets;
  int32_t instruments;
};

// The prepared book, read by the evaluation: the counts, then the arrays above as pointers.
struct book_view : book_counts, book_arrays<view_array> {};

// Rows [begin, end) of a per-account set that account a owns.
struct row_range {
  int64_t begin;
  int64_t end;
};
RS_HD row_range account_rows(const book_view& b, int64_t a, book_extent e) {
  switch (e) {
    case book_extent::accounts:
      return {a, a + 1};
    case book_extent::slots:
      return {b.slot_begin[a], b.slot_begin[a + 1]};
    case book_extent::cross:
      return {b.cross_begin[a], b.cross_begin[a + 1]};
    case book_extent::iso:
      return {b.iso_begin[a], b.iso_begin[a + 1]};
    case book_extent::units:
      return {b.unit_begin[a], b.unit_begin[a + 1]};
    case book_extent::unit_members:
      return {b.unit_member_begin[b.unit_begin[a]], b.unit_member_begin[b.unit_begin[a + 1]]};
    default:
      return {0, 0};  // not a per-account set
  }
}

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
