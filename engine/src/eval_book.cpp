#include "riskscan/eval_book.hpp"

#include <omp.h>

#include <algorithm>
#include <numeric>

#include "riskscan/core/pricing.hpp"
#include "riskscan/region_errors.hpp"

namespace riskscan {

eval_book::eval_book(const book& b, int threads) {
  build_reference_tables(b);
  build_accounts(b, threads > 0 ? threads : omp_get_max_threads());
  bind_view();
}

eval_book::eval_book(const eval_book& whole, const std::vector<std::int64_t>& rows) {
  copy_reference_tables(whole);
  slot_begin_.assign(1, 0);
  cross_begin_.assign(1, 0);
  iso_begin_.assign(1, 0);
  unit_begin_.assign(1, 0);
  unit_member_begin_.assign(1, 0);
  for (const std::int64_t a : rows) copy_account(whole, a);
  bind_view();
}

void eval_book::copy_reference_tables(const eval_book& w) {
  pm_instruments_ = w.pm_instruments_;
  asset_price_ = w.asset_price_;
  borrow_mmr_ = w.borrow_mmr_;
  borrow_imr_ = w.borrow_imr_;
  collateral_up_to_ = w.collateral_up_to_;
  collateral_ratio_ = w.collateral_ratio_;
  asset_factor_ = w.asset_factor_;
  asset_tier_begin_ = w.asset_tier_begin_;
  schedule_tier_begin_ = w.schedule_tier_begin_;
  schedule_marginal_ = w.schedule_marginal_;
  margin_up_to_ = w.margin_up_to_;
  margin_rate_ = w.margin_rate_;
  margin_cum_ = w.margin_cum_;
  instruments_ = w.instruments_;
  factor_pm_ = w.factor_pm_;
}

// Appends account a of `w`. Indices stored inside the arrays (slot_pos_end, unit_member_begin,
// unit_member) point into w's arrays and are shifted to this book's.
void eval_book::copy_account(const eval_book& w, std::int64_t a) {
  const auto z = [](std::int64_t i) { return static_cast<std::size_t>(i); };
  account_portfolio_.push_back(w.account_portfolio_[z(a)]);

  const std::int64_t cross_shift = static_cast<std::int64_t>(cross_inst_.size()) - w.cross_begin_[z(a)];
  for (auto p = w.cross_begin_[z(a)]; p < w.cross_begin_[z(a) + 1]; ++p) {
    cross_inst_.push_back(w.cross_inst_[z(p)]);
    cross_qty_.push_back(w.cross_qty_[z(p)]);
    cross_entry_term_.push_back(w.cross_entry_term_[z(p)]);
  }
  cross_begin_.push_back(static_cast<std::int64_t>(cross_inst_.size()));

  for (auto j = w.slot_begin_[z(a)]; j < w.slot_begin_[z(a) + 1]; ++j) {
    slot_asset_.push_back(w.slot_asset_[z(j)]);
    slot_balance_.push_back(w.slot_balance_[z(j)]);
    slot_pos_end_.push_back(w.slot_pos_end_[z(j)] + cross_shift);
  }
  slot_begin_.push_back(static_cast<std::int64_t>(slot_asset_.size()));

  for (auto p = w.iso_begin_[z(a)]; p < w.iso_begin_[z(a) + 1]; ++p) {
    iso_inst_.push_back(w.iso_inst_[z(p)]);
    iso_qty_.push_back(w.iso_qty_[z(p)]);
    iso_entry_term_.push_back(w.iso_entry_term_[z(p)]);
    iso_margin_.push_back(w.iso_margin_[z(p)]);
  }
  iso_begin_.push_back(static_cast<std::int64_t>(iso_inst_.size()));

  for (auto u = w.unit_begin_[z(a)]; u < w.unit_begin_[z(a) + 1]; ++u) {
    unit_factor_.push_back(w.unit_factor_[z(u)]);
    for (auto m = w.unit_member_begin_[z(u)]; m < w.unit_member_begin_[z(u) + 1]; ++m)
      unit_member_.push_back(w.unit_member_[z(m)] + cross_shift);
    unit_member_begin_.push_back(static_cast<std::int64_t>(unit_member_.size()));
  }
  unit_begin_.push_back(static_cast<std::int64_t>(unit_factor_.size()));
}

std::size_t eval_book::account_bytes(std::int64_t a) const noexcept {
  const auto z = static_cast<std::size_t>(a);
  const auto count = [z](const account_array<std::int64_t>& begin) {
    return static_cast<std::size_t>(begin[z + 1] - begin[z]);
  };
  const std::size_t slots = count(slot_begin_), cross = count(cross_begin_), iso = count(iso_begin_);
  const std::size_t units = count(unit_begin_);
  const auto members = static_cast<std::size_t>(unit_member_begin_[static_cast<std::size_t>(unit_begin_[z + 1])] -
                                                unit_member_begin_[static_cast<std::size_t>(unit_begin_[z])]);
  return sizeof(std::uint8_t) + 4 * sizeof(std::int64_t) +                            // mode, begins
         slots * (sizeof(std::int32_t) + sizeof(double) + sizeof(std::int64_t)) +     // slots
         cross * (sizeof(std::int32_t) + 2 * sizeof(double)) +                        // cross
         iso * (sizeof(std::int32_t) + 3 * sizeof(double)) +                          // isolated
         units * (sizeof(std::int32_t) + sizeof(std::int64_t)) + members * sizeof(std::int64_t);  // units
}

std::size_t eval_book::reference_bytes() const noexcept {
  const auto bytes = [](const auto& v) { return v.size() * sizeof(v[0]); };
  return bytes(asset_price_) + bytes(borrow_mmr_) + bytes(borrow_imr_) + bytes(collateral_up_to_) +
         bytes(collateral_ratio_) + bytes(asset_factor_) + bytes(asset_tier_begin_) + bytes(schedule_tier_begin_) +
         bytes(schedule_marginal_) + bytes(margin_up_to_) + bytes(margin_rate_) + bytes(margin_cum_) +
         bytes(instruments_) + bytes(factor_pm_);
}

void eval_book::build_reference_tables(const book& b) {
  asset_tier_begin_.push_back(0);
  for (const auto& a : b.assets) {
    asset_price_.push_back(a.price_usd);
    asset_factor_.push_back(a.factor);
    borrow_mmr_.push_back(a.borrow_mmr);
    borrow_imr_.push_back(a.borrow_imr);
    for (std::int32_t k = a.tier_begin; k < a.tier_end; ++k) {
      collateral_up_to_.push_back(b.collateral_tiers[k].up_to_usd);
      collateral_ratio_.push_back(b.collateral_tiers[k].rate);
    }
    asset_tier_begin_.push_back(static_cast<std::int32_t>(collateral_up_to_.size()));
  }

  // Marginal schedules: cum_1 = 0, cum_k = cum_{k-1} + up_to_{k-1} (rate_k - rate_{k-1}).
  schedule_tier_begin_.push_back(0);
  for (const auto& s : b.schedules) {
    schedule_marginal_.push_back(s.style == tier_style::marginal ? 1 : 0);
    double cum = 0.0;
    for (std::int32_t k = s.tier_begin; k < s.tier_end; ++k) {
      if (k > s.tier_begin) {
        const auto& prev = b.margin_tiers[k - 1];
        cum += prev.up_to_usd * (b.margin_tiers[k].rate - prev.rate);
      }
      margin_up_to_.push_back(b.margin_tiers[k].up_to_usd);
      margin_rate_.push_back(b.margin_tiers[k].rate);
      margin_cum_.push_back(cum);
    }
    schedule_tier_begin_.push_back(static_cast<std::int32_t>(margin_up_to_.size()));
  }

  for (const auto& f : b.factors) {
    factor_pm_.push_back({f.pm_range, f.pm_vol_up, f.pm_vol_down, f.pm_extreme_move, f.pm_extreme_fraction,
                          f.pm_basis_rate, f.pm_min_charge_rate});
  }

  // Instruments held cross by a portfolio account need grid tables.
  std::vector<bool> in_portfolio(b.instruments.size(), false);
  for (std::size_t a = 0; a < b.account_count(); ++a) {
    if (b.account_modes[a] != account_mode::portfolio) continue;
    for (auto p = b.position_begin[a]; p < b.position_begin[a + 1]; ++p)
      if (!is_isolated(b.position_isolated[p])) in_portfolio[b.position_instrument[p]] = true;
  }

  for (std::size_t i = 0; i < b.instruments.size(); ++i) {
    const auto& in = b.instruments[i];
    const auto& settle = b.assets[in.settle];
    core::instrument_view v{};
    v.kind = in.kind == instrument_kind::perp ? core::kind_perp
             : in.kind == instrument_kind::future ? core::kind_future
                                                  : core::kind_option;
    v.inverse = in.inverse ? 1 : 0;
    v.is_call = in.is_call ? 1 : 0;
    v.underlying = in.underlying;
    // Linear contracts are quoted in their settle asset; inverse contracts in USD.
    v.quote_factor = in.inverse ? no_index : settle.factor;
    v.quote_price = in.inverse ? 1.0 : settle.price_usd;
    v.settle_factor = settle.factor;
    v.settle_asset = in.settle;
    v.settle_price = settle.price_usd;
    v.mm_schedule = in.mm_schedule;
    v.pm_index = in_portfolio[i] ? pm_instruments_++ : no_index;
    v.multiplier = in.multiplier;
    v.mark_price = in.mark_price;
    v.expiry_years = in.expiry_years;
    v.strike = in.strike;
    v.iv = in.iv;
    v.option_mm_rate = in.option_mm_rate;
    v.liq_fee_rate = in.liq_fee_rate;
    v.impact_k = in.impact_k;
    v.depth_usd = in.depth_usd;
    instruments_.push_back(v);
  }
}

namespace {

// One account's prepared layout, from the book: its cross position rows grouped by settle asset
// (file order within an asset), its slot assets (every asset with a balance or a cross position
// settled in it, ascending) and, for a portfolio account, its cross positions grouped by risk
// unit (underlying factor, ascending; prepared order within a unit). The same function serves
// both passes of build_accounts, so the sizes and the contents cannot disagree.
struct account_layout {
  std::vector<std::int64_t> cross;    // position rows
  std::vector<std::int32_t> assets;   // slot assets
  std::vector<std::int64_t> members;  // indices into `cross`
  std::size_t isolated = 0;
  std::size_t units = 0;

  void build(const book& b, const std::vector<core::instrument_view>& instruments, std::size_t a) {
    const auto settle_of = [&](std::int64_t p) { return instruments[b.position_instrument[p]].settle_asset; };
    const auto unit_of = [&](std::int64_t j) {
      return instruments[b.position_instrument[cross[static_cast<std::size_t>(j)]]].underlying;
    };
    cross.clear();
    isolated = 0;
    for (auto p = b.position_begin[a]; p < b.position_begin[a + 1]; ++p) {
      if (is_isolated(b.position_isolated[p])) {
        ++isolated;
      } else {
        cross.push_back(p);
      }
    }
    assets.clear();
    for (auto r = b.balance_begin[a]; r < b.balance_begin[a + 1]; ++r) assets.push_back(b.balance_asset[r]);
    for (auto p : cross) assets.push_back(settle_of(p));
    std::sort(assets.begin(), assets.end());
    assets.erase(std::unique(assets.begin(), assets.end()), assets.end());
    std::stable_sort(cross.begin(), cross.end(), [&](auto x, auto y) { return settle_of(x) < settle_of(y); });

    members.clear();
    units = 0;
    if (b.account_modes[a] != account_mode::portfolio) return;
    members.resize(cross.size());
    std::iota(members.begin(), members.end(), std::int64_t{0});
    std::stable_sort(members.begin(), members.end(), [&](auto x, auto y) { return unit_of(x) < unit_of(y); });
    for (std::size_t m = 0; m < members.size(); ++m) units += m == 0 || unit_of(members[m]) != unit_of(members[m - 1]);
  }
};

// Calls fn(a, layout of account a) for every account, on `threads` threads.
template <class Fn>
void for_each_layout(const book& b, const std::vector<core::instrument_view>& instruments, int threads, Fn&& fn) {
  const auto accounts = static_cast<std::int64_t>(b.account_count());
  region_errors errors;  // a layout grows vectors: an exception must not leave the region
#pragma omp parallel num_threads(threads)
  {
    account_layout layout;
#pragma omp for schedule(dynamic, 4096)
    for (std::int64_t i = 0; i < accounts; ++i) {
      errors.run([&] {
        const auto a = static_cast<std::size_t>(i);
        layout.build(b, instruments, a);
        fn(a, layout);
      });
    }
  }
  errors.rethrow();
}

}  // namespace

// Two passes over the accounts, each on all threads: the first sizes every account's part of the
// arrays, a prefix sum turns the sizes into offsets, and the second writes each account at its
// offsets. The arrays are the same as appending account after account, in any thread count.
void eval_book::build_accounts(const book& b, int threads) {
  const std::size_t n = b.account_count();
  account_portfolio_.resize(n);
  account_array<std::int64_t> member_begin;  // per account, into unit_member_
  for (auto* begin : {&slot_begin_, &cross_begin_, &iso_begin_, &unit_begin_, &member_begin}) {
    begin->resize(n + 1);  // entries 1..n are the sizes pass 1 writes, then their prefix sums
    (*begin)[0] = 0;
  }

  for_each_layout(b, instruments_, threads, [&](std::size_t a, const account_layout& layout) {
    slot_begin_[a + 1] = static_cast<std::int64_t>(layout.assets.size());
    cross_begin_[a + 1] = static_cast<std::int64_t>(layout.cross.size());
    iso_begin_[a + 1] = static_cast<std::int64_t>(layout.isolated);
    unit_begin_[a + 1] = static_cast<std::int64_t>(layout.units);
    member_begin[a + 1] = static_cast<std::int64_t>(layout.members.size());
  });
  for (auto* begin : {&slot_begin_, &cross_begin_, &iso_begin_, &unit_begin_, &member_begin})
    std::partial_sum(begin->begin(), begin->end(), begin->begin());

  const auto total = [](const account_array<std::int64_t>& begin) { return static_cast<std::size_t>(begin.back()); };
  slot_asset_.resize(total(slot_begin_));
  slot_balance_.resize(total(slot_begin_));
  slot_pos_end_.resize(total(slot_begin_));
  cross_inst_.resize(total(cross_begin_));
  cross_qty_.resize(total(cross_begin_));
  cross_entry_term_.resize(total(cross_begin_));
  iso_inst_.resize(total(iso_begin_));
  iso_qty_.resize(total(iso_begin_));
  iso_entry_term_.resize(total(iso_begin_));
  iso_margin_.resize(total(iso_begin_));
  unit_factor_.resize(total(unit_begin_));
  unit_member_begin_.resize(total(unit_begin_) + 1);
  unit_member_begin_[0] = 0;
  unit_member_.resize(total(member_begin));

  const auto z = [](std::int64_t k) { return static_cast<std::size_t>(k); };
  for_each_layout(b, instruments_, threads, [&](std::size_t a, const account_layout& layout) {
    account_portfolio_[a] = b.account_modes[a] == account_mode::portfolio ? 1 : 0;

    std::size_t iso = z(iso_begin_[a]);
    for (auto p = b.position_begin[a]; p < b.position_begin[a + 1]; ++p) {
      if (!is_isolated(b.position_isolated[p])) continue;
      const auto& in = instruments_[b.position_instrument[p]];
      iso_inst_[iso] = b.position_instrument[p];
      iso_qty_[iso] = b.position_qty[p];
      iso_entry_term_[iso] = core::entry_term(in, b.position_entry[p]);
      iso_margin_[iso] = b.position_isolated[p];
      ++iso;
    }

    const std::int64_t first_cross = cross_begin_[a];
    std::size_t next = 0;  // into layout.cross
    std::size_t slot = z(slot_begin_[a]);
    for (const std::int32_t asset : layout.assets) {
      double balance = 0.0;  // (account, asset) is unique in balances.csv
      for (auto r = b.balance_begin[a]; r < b.balance_begin[a + 1]; ++r)
        if (b.balance_asset[r] == asset) balance = b.balance_amount[r];
      for (; next < layout.cross.size(); ++next) {
        const auto p = layout.cross[next];
        const auto& in = instruments_[b.position_instrument[p]];
        if (in.settle_asset != asset) break;
        const std::size_t q = z(first_cross) + next;
        cross_inst_[q] = b.position_instrument[p];
        cross_qty_[q] = b.position_qty[p];
        cross_entry_term_[q] = core::entry_term(in, b.position_entry[p]);
      }
      slot_asset_[slot] = asset;
      slot_balance_[slot] = balance;
      slot_pos_end_[slot] = first_cross + static_cast<std::int64_t>(next);
      ++slot;
    }

    // Units in factor order; unit_member_begin_[g + 1] is where global unit g ends.
    std::size_t unit = z(unit_begin_[a]);
    const std::size_t first_member = z(member_begin[a]);
    for (std::size_t m = 0; m < layout.members.size(); ++m) {
      const std::int64_t j = layout.members[m];
      const std::int32_t factor = instruments_[cross_inst_[z(first_cross + j)]].underlying;
      if (m > 0 && factor != unit_factor_[unit]) ++unit;
      unit_factor_[unit] = factor;
      unit_member_[first_member + m] = first_cross + j;
      unit_member_begin_[unit + 1] = static_cast<std::int64_t>(first_member + m + 1);
    }
  });
}

void eval_book::bind_view() {
  core::book_view& v = view_;
  v.accounts = static_cast<std::int64_t>(account_portfolio_.size());
  v.factors = static_cast<std::int32_t>(factor_pm_.size());
  v.assets = static_cast<std::int32_t>(asset_price_.size());
  v.instruments = static_cast<std::int32_t>(instruments_.size());
  v.asset_price = asset_price_.data();
  v.asset_factor = asset_factor_.data();
  v.borrow_mmr = borrow_mmr_.data();
  v.borrow_imr = borrow_imr_.data();
  v.asset_tier_begin = asset_tier_begin_.data();
  v.collateral_up_to = collateral_up_to_.data();
  v.collateral_ratio = collateral_ratio_.data();
  v.schedule_tier_begin = schedule_tier_begin_.data();
  v.schedule_marginal = schedule_marginal_.data();
  v.margin_up_to = margin_up_to_.data();
  v.margin_rate = margin_rate_.data();
  v.margin_cum = margin_cum_.data();
  v.instrument = instruments_.data();
  v.factor_pm = factor_pm_.data();
  v.account_portfolio = account_portfolio_.data();
  v.slot_begin = slot_begin_.data();
  v.cross_begin = cross_begin_.data();
  v.iso_begin = iso_begin_.data();
  v.unit_begin = unit_begin_.data();
  v.slot_asset = slot_asset_.data();
  v.slot_balance = slot_balance_.data();
  v.slot_pos_end = slot_pos_end_.data();
  v.cross_inst = cross_inst_.data();
  v.cross_qty = cross_qty_.data();
  v.cross_entry_term = cross_entry_term_.data();
  v.iso_inst = iso_inst_.data();
  v.iso_qty = iso_qty_.data();
  v.iso_entry_term = iso_entry_term_.data();
  v.iso_margin = iso_margin_.data();
  v.unit_factor = unit_factor_.data();
  v.unit_member_begin = unit_member_begin_.data();
  v.unit_member = unit_member_.data();
}

}  // namespace riskscan
