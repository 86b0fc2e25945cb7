#pragma once
// The book prepared for evaluation: flat arrays in the layout of core::book_view (asset slots,
// cross positions grouped by settle asset, isolated positions, portfolio risk units, cumulative
// deductions of marginal schedules). Built once per scan on the host; immutable afterwards.
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "riskscan/book.hpp"
#include "riskscan/core/views.hpp"

namespace riskscan {

// An allocator whose resize() leaves new elements uninitialised (default-initialised, which for
// the arithmetic types here is no write at all). The per-account arrays are sized first and then
// written by all threads: zero-filling them on one thread beforehand would touch every page
// twice, 1.2 GB at 10 M accounts.
template <class T>
struct uninitialised_allocator : std::allocator<T> {
  static_assert(std::is_trivially_default_constructible_v<T>);
  template <class U>
  struct rebind {
    using other = uninitialised_allocator<U>;
  };
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
template <class T>
using account_array = std::vector<T, uninitialised_allocator<T>>;

class eval_book {
 public:
  // Built on `threads` threads (0: all); the arrays do not depend on the count.
  explicit eval_book(const book& b, int threads = 0);
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
  void build_accounts(const book& b, int threads);
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

  account_array<std::uint8_t> account_portfolio_;
  account_array<std::int64_t> slot_begin_, cross_begin_, iso_begin_, unit_begin_;
  account_array<std::int32_t> slot_asset_;
  account_array<double> slot_balance_;
  account_array<std::int64_t> slot_pos_end_;
  account_array<std::int32_t> cross_inst_;
  account_array<double> cross_qty_, cross_entry_term_;
  account_array<std::int32_t> iso_inst_;
  account_array<double> iso_qty_, iso_entry_term_, iso_margin_;
  account_array<std::int32_t> unit_factor_;
  account_array<std::int64_t> unit_member_begin_, unit_member_;

  core::book_view view_{};
};

}  // namespace riskscan
