#pragma once
// The book prepared for evaluation: flat arrays in the layout of core::book_view (asset slots,
// cross positions grouped by settle asset, isolated positions, portfolio risk units, cumulative
// deductions of marginal schedules). Built once per scan on the host; immutable afterwards.
#include <cstdint>
#include <vector>

#include "riskscan/book.hpp"
#include "riskscan/core/views.hpp"

namespace riskscan {

class eval_book {
 public:
  explicit eval_book(const book& b);
  // Accounts `rows` of `whole`, in that order, with the same reference tables (and so the same
  // instrument tables): one chunk of a book too large for the device.
  eval_book(const eval_book& whole, const std::vector<std::int64_t>& rows);
  eval_book(const eval_book&) = delete;
  eval_book& operator=(const eval_book&) = delete;

  // Pointers into this object's vectors; valid while it lives.
  const core::book_view& view() const noexcept { return view_; }
  std::int32_t pm_instrument_count() const noexcept { return pm_instruments_; }
  std::int32_t factor_count() const noexcept { return view_.factors; }

  // Element counts of the arrays behind view() that book_view does not size itself, so that a
  // backend can deep-copy the view to another memory space (the CUDA device).
  struct array_sizes {
    std::size_t asset_tier_begin, collateral_tiers, schedule_tier_begin, schedules, margin_tiers;
    std::size_t account_begin;  // slot_begin, cross_begin, iso_begin, unit_begin: accounts + 1
    std::size_t slots, cross, iso, units, unit_member_begin, unit_members;
  };
  // Bytes account a takes in the per-account arrays behind view() (for chunk planning).
  std::size_t account_bytes(std::int64_t a) const noexcept;
  // Bytes of the reference tables behind view() (assets, schedules, instruments, factors).
  std::size_t reference_bytes() const noexcept;

  array_sizes sizes() const noexcept {
    return {asset_tier_begin_.size(), collateral_up_to_.size(), schedule_tier_begin_.size(),
            schedule_marginal_.size(), margin_up_to_.size(),   slot_begin_.size(),
            slot_asset_.size(),       cross_inst_.size(),       iso_inst_.size(),
            unit_factor_.size(),      unit_member_begin_.size(), unit_member_.size()};
  }

 private:
  void build_reference_tables(const book& b);
  void build_accounts(const book& b);
  void copy_reference_tables(const eval_book& whole);
  void copy_account(const eval_book& whole, std::int64_t a);
  void bind_view();

  std::int32_t pm_instruments_ = 0;

  std::vector<double> asset_price_, borrow_mmr_, borrow_imr_, collateral_up_to_, collateral_ratio_;
  std::vector<std::int32_t> asset_factor_, asset_tier_begin_;
  std::vector<std::int32_t> schedule_tier_begin_;
  std::vector<std::uint8_t> schedule_marginal_;
  std::vector<double> margin_up_to_, margin_rate_, margin_cum_;
  std::vector<core::instrument_view> instruments_;
  std::vector<core::pm_params> factor_pm_;

  std::vector<std::uint8_t> account_portfolio_;
  std::vector<std::int64_t> slot_begin_, cross_begin_, iso_begin_, unit_begin_;
  std::vector<std::int32_t> slot_asset_;
  std::vector<double> slot_balance_;
  std::vector<std::int64_t> slot_pos_end_;
  std::vector<std::int32_t> cross_inst_;
  std::vector<double> cross_qty_, cross_entry_term_;
  std::vector<std::int32_t> iso_inst_;
  std::vector<double> iso_qty_, iso_entry_term_, iso_margin_;
  std::vector<std::int32_t> unit_factor_;
  std::vector<std::int64_t> unit_member_begin_, unit_member_;

  core::book_view view_{};
};

}  // namespace riskscan
