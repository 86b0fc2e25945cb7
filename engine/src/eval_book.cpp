#include "riskscan/eval_book.hpp"

#include <omp.h>

#include <algorithm>
#include <numeric>
#include <type_traits>

#include "riskscan/core/pricing.hpp"
#include "riskscan/region_errors.hpp"

namespace riskscan {

eval_book::eval_book(const book& b, int threads) {
  build_reference_tables(b);
  build_accounts(b, threads > 0 ? threads : omp_get_max_threads());
  bind_view();
}

// The reference tables as they are in `whole`, then its accounts `rows` appended one by one.
eval_book::eval_book(const eval_book& whole, const std::vector<std::int64_t>& rows) {
  pm_instruments_ = whole.pm_instruments_;
  core::for_each_array(
      [](core::array_layout layout, auto& mine, const auto& theirs) {
        if (!core::per_account(layout.rows)) {
          mine = theirs;
        } else if (layout.begins) {
          mine.assign(1, {});  // no rows yet
        }
      },
      arrays_, whole.arrays_);
  for (const std::int64_t a : rows) copy_account(whole, a);
  bind_view();
}

// Appends account a of `w`: each per-account array gets the account's rows of its set. Values
// that are rows of a per-account set (begin arrays, slot_pos_end, unit_member) point into w's
// arrays and are shifted to this book's.
void eval_book::copy_account(const eval_book& w, std::int64_t a) {
  const core::book_sizes here = sizes();  // before the account
  core::for_each_array(
      [&](core::array_layout layout, auto& mine, const auto& theirs) {
        if (!core::per_account(layout.rows)) return;
        using T = std::remove_cvref_t<decltype(theirs[0])>;
        const core::row_range from = core::account_rows(w.view_, a, layout.rows);
        // Row r of a begin array is the end of row r: element r + 1.
        const auto first = theirs.begin() + from.begin + (layout.begins ? 1 : 0);
        const auto last = first + (from.end - from.begin);
        if constexpr (std::is_integral_v<T>) {
          if (core::per_account(layout.into)) {
            const std::int64_t shift =
                static_cast<std::int64_t>(here[layout.into]) - core::account_rows(w.view_, a, layout.into).begin;
            for (auto p = first; p != last; ++p) mine.push_back(static_cast<T>(*p + shift));
            return;
          }
        }
        mine.insert(mine.end(), first, last);
      },
      arrays_, w.arrays_);
}

core::book_sizes eval_book::sizes() const noexcept {
  core::book_sizes n;
  core::for_each_array(
      [&](core::array_layout layout, const auto& array) {
        if (!layout.begins) n[layout.rows] = array.size();
      },
      arrays_);
  return n;
}

std::size_t eval_book::account_bytes(std::int64_t a) const noexcept {
  std::size_t bytes = 0;
  core::for_each_array(
      [&](core::array_layout layout, const auto& array) {
        if (!core::per_account(layout.rows)) return;
        const core::row_range r = core::account_rows(view_, a, layout.rows);
        bytes += static_cast<std::size_t>(r.end - r.begin) * sizeof(array[0]);
      },
      arrays_);
  return bytes;
}

std::size_t eval_book::reference_bytes() const noexcept {
  std::size_t bytes = 0;
  core::for_each_array(
      [&](core::array_layout layout, const auto& array) {
        if (!core::per_account(layout.rows)) bytes += array.size() * sizeof(array[0]);
      },
      arrays_);
  return bytes;
}

void eval_book::build_reference_tables(const book& b) {
  arrays_.asset_tier_begin.push_back(0);
  for (const auto& a : b.assets) {
    arrays_.asset_price.push_back(a.price_usd);
    arrays_.asset_factor.push_back(a.factor);
    arrays_.borrow_mmr.push_back(a.borrow_mmr);
    arrays_.borrow_imr.push_back(a.borrow_imr);
    for (std::int32_t k = a.tier_begin; k < a.tier_end; ++k) {
      arrays_.collateral_up_to.push_back(b.collateral_tiers[k].up_to_usd);
      arrays_.collateral_ratio.push_back(b.collateral_tiers[k].rate);
    }
    arrays_.asset_tier_begin.push_back(static_cast<std::int32_t>(arrays_.collateral_up_to.size()));
  }

  // Marginal schedules: cum_1 = 0, cum_k = cum_{k-1} + up_to_{k-1} (rate_k - rate_{k-1}).
  arrays_.schedule_tier_begin.push_back(0);
  for (const auto& s : b.schedules) {
    arrays_.schedule_marginal.push_back(s.style == tier_style::marginal ? 1 : 0);
    double cum = 0.0;
    for (std::int32_t k = s.tier_begin; k < s.tier_end; ++k) {
      if (k > s.tier_begin) {
        const auto& prev = b.margin_tiers[k - 1];
        cum += prev.up_to_usd * (b.margin_tiers[k].rate - prev.rate);
      }
      arrays_.margin_up_to.push_back(b.margin_tiers[k].up_to_usd);
      arrays_.margin_rate.push_back(b.margin_tiers[k].rate);
      arrays_.margin_cum.push_back(cum);
    }
    arrays_.schedule_tier_begin.push_back(static_cast<std::int32_t>(arrays_.margin_up_to.size()));
  }

  for (const auto& f : b.factors) {
    arrays_.factor_pm.push_back({f.pm_range, f.pm_vol_up, f.pm_vol_down, f.pm_extreme_move, f.pm_extreme_fraction,
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
    v.kind = in.kind == instrument_kind::perp     ? core::kind_perp
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
    arrays_.instrument.push_back(v);
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

  void build(const book& b, const account_array<core::instrument_view>& instruments, std::size_t a) {
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
void for_each_layout(const book& b, const account_array<core::instrument_view>& instruments, int threads, Fn&& fn) {
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
  account_array<std::int64_t> member_begin;  // per account, into arrays_.unit_member
  for (auto* begin :
       {&arrays_.slot_begin, &arrays_.cross_begin, &arrays_.iso_begin, &arrays_.unit_begin, &member_begin}) {
    begin->resize(n + 1);  // entries 1..n are the sizes pass 1 writes, then their prefix sums
    (*begin)[0] = 0;
  }

  for_each_layout(b, arrays_.instrument, threads, [&](std::size_t a, const account_layout& layout) {
    arrays_.slot_begin[a + 1] = static_cast<std::int64_t>(layout.assets.size());
    arrays_.cross_begin[a + 1] = static_cast<std::int64_t>(layout.cross.size());
    arrays_.iso_begin[a + 1] = static_cast<std::int64_t>(layout.isolated);
    arrays_.unit_begin[a + 1] = static_cast<std::int64_t>(layout.units);
    member_begin[a + 1] = static_cast<std::int64_t>(layout.members.size());
  });
  for (auto* begin :
       {&arrays_.slot_begin, &arrays_.cross_begin, &arrays_.iso_begin, &arrays_.unit_begin, &member_begin})
    std::partial_sum(begin->begin(), begin->end(), begin->begin());

  const auto total = [](const account_array<std::int64_t>& begin) { return static_cast<std::size_t>(begin.back()); };
  core::book_sizes rows;
  rows[core::book_extent::accounts] = n;
  rows[core::book_extent::slots] = total(arrays_.slot_begin);
  rows[core::book_extent::cross] = total(arrays_.cross_begin);
  rows[core::book_extent::iso] = total(arrays_.iso_begin);
  rows[core::book_extent::units] = total(arrays_.unit_begin);
  rows[core::book_extent::unit_members] = total(member_begin);
  core::for_each_array(
      [&](core::array_layout layout, auto& array) {
        if (core::per_account(layout.rows)) array.resize(rows.elements(layout));
      },
      arrays_);
  arrays_.unit_member_begin[0] = 0;

  const auto z = [](std::int64_t k) { return static_cast<std::size_t>(k); };
  for_each_layout(b, arrays_.instrument, threads, [&](std::size_t a, const account_layout& layout) {
    arrays_.account_portfolio[a] = b.account_modes[a] == account_mode::portfolio ? 1 : 0;

    std::size_t iso = z(arrays_.iso_begin[a]);
    for (auto p = b.position_begin[a]; p < b.position_begin[a + 1]; ++p) {
      if (!is_isolated(b.position_isolated[p])) continue;
      const auto& in = arrays_.instrument[b.position_instrument[p]];
      arrays_.iso_inst[iso] = b.position_instrument[p];
      arrays_.iso_qty[iso] = b.position_qty[p];
      arrays_.iso_entry_term[iso] = core::entry_term(in, b.position_entry[p]);
      arrays_.iso_margin[iso] = b.position_isolated[p];
      ++iso;
    }

    const std::int64_t first_cross = arrays_.cross_begin[a];
    std::size_t next = 0;  // into layout.cross
    std::size_t slot = z(arrays_.slot_begin[a]);
    for (const std::int32_t asset : layout.assets) {
      double balance = 0.0;  // (account, asset) is unique in balances.csv
      for (auto r = b.balance_begin[a]; r < b.balance_begin[a + 1]; ++r)
        if (b.balance_asset[r] == asset) balance = b.balance_amount[r];
      for (; next < layout.cross.size(); ++next) {
        const auto p = layout.cross[next];
        const auto& in = arrays_.instrument[b.position_instrument[p]];
        if (in.settle_asset != asset) break;
        const std::size_t q = z(first_cross) + next;
        arrays_.cross_inst[q] = b.position_instrument[p];
        arrays_.cross_qty[q] = b.position_qty[p];
        arrays_.cross_entry_term[q] = core::entry_term(in, b.position_entry[p]);
      }
      arrays_.slot_asset[slot] = asset;
      arrays_.slot_balance[slot] = balance;
      arrays_.slot_pos_end[slot] = first_cross + static_cast<std::int64_t>(next);
      ++slot;
    }

    // Units in factor order; arrays_.unit_member_begin[g + 1] is where global unit g ends.
    std::size_t unit = z(arrays_.unit_begin[a]);
    const std::size_t first_member = z(member_begin[a]);
    for (std::size_t m = 0; m < layout.members.size(); ++m) {
      const std::int64_t j = layout.members[m];
      const std::int32_t factor = arrays_.instrument[arrays_.cross_inst[z(first_cross + j)]].underlying;
      if (m > 0 && factor != arrays_.unit_factor[unit]) ++unit;
      arrays_.unit_factor[unit] = factor;
      arrays_.unit_member[first_member + m] = first_cross + j;
      arrays_.unit_member_begin[unit + 1] = static_cast<std::int64_t>(first_member + m + 1);
    }
  });
}

void eval_book::bind_view() {
  core::for_each_array([](core::array_layout, auto& pointer, const auto& array) { pointer = array.data(); }, view_,
                       arrays_);
  view_.accounts = static_cast<std::int64_t>(arrays_.account_portfolio.size());
  view_.factors = static_cast<std::int32_t>(arrays_.factor_pm.size());
  view_.assets = static_cast<std::int32_t>(arrays_.asset_price.size());
  view_.instruments = static_cast<std::int32_t>(arrays_.instrument.size());
}

}  // namespace riskscan
