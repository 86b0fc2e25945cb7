#pragma once
// A deep copy of an eval_book on the device: every array behind core::book_view is copied, and
// view() is the same book_view with device pointers, passed by value to the kernels.
#include "device_buffer.cuh"
#include "riskscan/core/views.hpp"
#include "riskscan/eval_book.hpp"

namespace riskscan::cuda {

class device_book {
 public:
  explicit device_book(const eval_book& book) {
    const core::book_view& h = book.view();
    const eval_book::array_sizes n = book.sizes();
    const auto accounts = static_cast<std::size_t>(h.accounts);
    const auto assets = static_cast<std::size_t>(h.assets);
    view_ = h;  // counts; every pointer is replaced below
    view_.asset_price = copy(asset_price_, h.asset_price, assets);
    view_.asset_factor = copy(asset_factor_, h.asset_factor, assets);
    view_.borrow_mmr = copy(borrow_mmr_, h.borrow_mmr, assets);
    view_.borrow_imr = copy(borrow_imr_, h.borrow_imr, assets);
    view_.asset_tier_begin = copy(asset_tier_begin_, h.asset_tier_begin, n.asset_tier_begin);
    view_.collateral_up_to = copy(collateral_up_to_, h.collateral_up_to, n.collateral_tiers);
    view_.collateral_ratio = copy(collateral_ratio_, h.collateral_ratio, n.collateral_tiers);
    view_.schedule_tier_begin = copy(schedule_tier_begin_, h.schedule_tier_begin, n.schedule_tier_begin);
    view_.schedule_marginal = copy(schedule_marginal_, h.schedule_marginal, n.schedules);
    view_.margin_up_to = copy(margin_up_to_, h.margin_up_to, n.margin_tiers);
    view_.margin_rate = copy(margin_rate_, h.margin_rate, n.margin_tiers);
    view_.margin_cum = copy(margin_cum_, h.margin_cum, n.margin_tiers);
    view_.instrument = copy(instrument_, h.instrument, static_cast<std::size_t>(h.instruments));
    view_.factor_pm = copy(factor_pm_, h.factor_pm, static_cast<std::size_t>(h.factors));
    view_.account_portfolio = copy(account_portfolio_, h.account_portfolio, accounts);
    view_.slot_begin = copy(slot_begin_, h.slot_begin, n.account_begin);
    view_.cross_begin = copy(cross_begin_, h.cross_begin, n.account_begin);
    view_.iso_begin = copy(iso_begin_, h.iso_begin, n.account_begin);
    view_.unit_begin = copy(unit_begin_, h.unit_begin, n.account_begin);
    view_.slot_asset = copy(slot_asset_, h.slot_asset, n.slots);
    view_.slot_balance = copy(slot_balance_, h.slot_balance, n.slots);
    view_.slot_pos_end = copy(slot_pos_end_, h.slot_pos_end, n.slots);
    view_.cross_inst = copy(cross_inst_, h.cross_inst, n.cross);
    view_.cross_qty = copy(cross_qty_, h.cross_qty, n.cross);
    view_.cross_entry_term = copy(cross_entry_term_, h.cross_entry_term, n.cross);
    view_.iso_inst = copy(iso_inst_, h.iso_inst, n.iso);
    view_.iso_qty = copy(iso_qty_, h.iso_qty, n.iso);
    view_.iso_entry_term = copy(iso_entry_term_, h.iso_entry_term, n.iso);
    view_.iso_margin = copy(iso_margin_, h.iso_margin, n.iso);
    view_.unit_factor = copy(unit_factor_, h.unit_factor, n.units);
    view_.unit_member_begin = copy(unit_member_begin_, h.unit_member_begin, n.unit_member_begin);
    view_.unit_member = copy(unit_member_, h.unit_member, n.unit_members);
  }

  // Device pointers; valid while this object lives.
  const core::book_view& view() const noexcept { return view_; }

 private:
  template <typename T>
  static const T* copy(device_buffer<T>& dst, const T* src, std::size_t n) {
    dst = to_device(src, n);
    return dst.get();
  }

  device_buffer<double> asset_price_, borrow_mmr_, borrow_imr_, collateral_up_to_, collateral_ratio_;
  device_buffer<std::int32_t> asset_factor_, asset_tier_begin_, schedule_tier_begin_;
  device_buffer<std::uint8_t> schedule_marginal_;
  device_buffer<double> margin_up_to_, margin_rate_, margin_cum_;
  device_buffer<core::instrument_view> instrument_;
  device_buffer<core::pm_params> factor_pm_;
  device_buffer<std::uint8_t> account_portfolio_;
  device_buffer<std::int64_t> slot_begin_, cross_begin_, iso_begin_, unit_begin_;
  device_buffer<std::int32_t> slot_asset_;
  device_buffer<double> slot_balance_;
  device_buffer<std::int64_t> slot_pos_end_;
  device_buffer<std::int32_t> cross_inst_;
  device_buffer<double> cross_qty_, cross_entry_term_;
  device_buffer<std::int32_t> iso_inst_;
  device_buffer<double> iso_qty_, iso_entry_term_, iso_margin_;
  device_buffer<std::int32_t> unit_factor_;
  device_buffer<std::int64_t> unit_member_begin_, unit_member_;
  core::book_view view_{};
};

}  // namespace riskscan::cuda
