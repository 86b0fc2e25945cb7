#pragma once
// Header-only helpers to build small in-memory books (riskscan::book) for tests, to transform
// them (permute accounts, scale every quantity), to write them as a snapshot directory, and to
// run a whole scan in memory and render the output files as strings.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "riskscan/backend.hpp"
#include "riskscan/book.hpp"
#include "riskscan/engine.hpp"
#include "riskscan/eval_book.hpp"
#include "riskscan/generate.hpp"
#include "riskscan/results_io.hpp"
#include "riskscan/scan_types.hpp"
#include "riskscan/scenario_io.hpp"
#include "riskscan/scenario_set.hpp"
#include "riskscan/snapshot_io.hpp"
#include "test_support.hpp"

namespace riskscan::test {

inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Everything an instrument row holds; defaults give a linear perp without fees or slippage.
struct instrument_spec {
  std::string id;
  instrument_kind kind = instrument_kind::perp;
  std::string underlying;
  std::string settle;
  bool inverse = false;
  double multiplier = 1.0;
  double mark = 0.0;
  double expiry_years = 0.0;
  double strike = 0.0;
  bool is_call = true;
  double iv = 0.0;
  std::string schedule;  // perps, futures
  double option_mm_rate = 0.0;
  double liq_fee_rate = 0.0;
  double impact_k = 0.0;
  double depth_usd = 0.0;
};

struct pm_spec {
  double range = 0.0, vol_up = 0.0, vol_down = 0.0, extreme_move = 0.0, extreme_fraction = 0.0, basis_rate = 0.0,
         min_charge_rate = 0.0;
};

class book_builder {
 public:
  book_builder() {
    b_.balance_begin.assign(1, 0);
    b_.position_begin.assign(1, 0);
  }

  std::int32_t factor(const std::string& id, factor_kind kind = factor_kind::crypto, pm_spec pm = {},
                      double beta = 1.0) {
    riskscan::factor f;
    f.id = id;
    f.kind = kind;
    f.beta = beta;
    f.pm_range = pm.range;
    f.pm_vol_up = pm.vol_up;
    f.pm_vol_down = pm.vol_down;
    f.pm_extreme_move = pm.extreme_move;
    f.pm_extreme_fraction = pm.extreme_fraction;
    f.pm_basis_rate = pm.basis_rate;
    f.pm_min_charge_rate = pm.min_charge_rate;
    b_.factors.push_back(f);
    return static_cast<std::int32_t>(b_.factors.size() - 1);
  }

  // `factor_id` empty: never shocked. Collateral tiers (up_to, ratio) ascending, optional.
  std::int32_t asset(const std::string& id, double price, const std::string& factor_id = "", double borrow_mmr = 0.0,
                     double borrow_imr = 0.0, const std::vector<std::pair<double, double>>& tiers = {}) {
    riskscan::asset a;
    a.id = id;
    a.price_usd = price;
    a.factor = factor_id.empty() ? no_index : factor_index(factor_id);
    a.borrow_mmr = borrow_mmr;
    a.borrow_imr = borrow_imr;
    a.tier_begin = static_cast<std::int32_t>(b_.collateral_tiers.size());
    for (const auto& [up, ratio] : tiers) b_.collateral_tiers.push_back({up, ratio});
    a.tier_end = static_cast<std::int32_t>(b_.collateral_tiers.size());
    b_.assets.push_back(a);
    return static_cast<std::int32_t>(b_.assets.size() - 1);
  }

  std::int32_t schedule(const std::string& id, tier_style style, const std::vector<std::pair<double, double>>& rows) {
    margin_schedule s;
    s.id = id;
    s.style = style;
    s.tier_begin = static_cast<std::int32_t>(b_.margin_tiers.size());
    for (const auto& [up, rate] : rows) b_.margin_tiers.push_back({up, rate});
    s.tier_end = static_cast<std::int32_t>(b_.margin_tiers.size());
    b_.schedules.push_back(s);
    return static_cast<std::int32_t>(b_.schedules.size() - 1);
  }

  std::int32_t instrument(const instrument_spec& s) {
    riskscan::instrument in;
    in.id = s.id;
    in.kind = s.kind;
    in.underlying = factor_index(s.underlying);
    in.settle = asset_index(s.settle);
    in.inverse = s.inverse;
    in.multiplier = s.multiplier;
    in.mark_price = s.mark;
    in.expiry_years = s.expiry_years;
    in.strike = s.strike;
    in.is_call = s.is_call;
    in.iv = s.iv;
    in.mm_schedule = s.schedule.empty() ? no_index : schedule_index(s.schedule);
    in.option_mm_rate = s.option_mm_rate;
    in.liq_fee_rate = s.liq_fee_rate;
    in.impact_k = s.impact_k;
    in.depth_usd = s.depth_usd;
    b_.instruments.push_back(in);
    return static_cast<std::int32_t>(b_.instruments.size() - 1);
  }

  // Starts a new account; balance() and position() apply to the last one.
  std::int64_t account(const std::string& id, account_mode mode = account_mode::cross, const std::string& group = "") {
    b_.account_ids.push_back(id);
    b_.account_modes.push_back(mode);
    if (group.empty()) {
      b_.account_groups.push_back(no_index);
    } else {
      std::int32_t g = no_index;
      for (std::size_t i = 0; i < b_.group_ids.size(); ++i)
        if (b_.group_ids[i] == group) g = static_cast<std::int32_t>(i);
      if (g == no_index) {
        b_.group_ids.push_back(group);
        g = static_cast<std::int32_t>(b_.group_ids.size() - 1);
      }
      b_.account_groups.push_back(g);
    }
    b_.balance_begin.push_back(b_.balance_begin.back());
    b_.position_begin.push_back(b_.position_begin.back());
    return static_cast<std::int64_t>(b_.account_ids.size() - 1);
  }

  void balance(const std::string& asset_id, double amount) {
    b_.balance_asset.push_back(asset_index(asset_id));
    b_.balance_amount.push_back(amount);
    b_.balance_begin.back() = static_cast<std::int64_t>(b_.balance_asset.size());
  }

  // entry NaN for options; isolated NaN = cross.
  void position(const std::string& instrument_id, double qty, double entry, double isolated = kNaN) {
    b_.position_instrument.push_back(instrument_index(instrument_id));
    b_.position_qty.push_back(qty);
    b_.position_entry.push_back(entry);
    b_.position_isolated.push_back(isolated);
    b_.position_begin.back() = static_cast<std::int64_t>(b_.position_instrument.size());
  }

  const book& get() const { return b_; }
  book& get() { return b_; }

  std::int32_t factor_index(const std::string& id) const { return find(b_.factors, id, "factor"); }
  std::int32_t asset_index(const std::string& id) const { return find(b_.assets, id, "asset"); }
  std::int32_t schedule_index(const std::string& id) const { return find(b_.schedules, id, "schedule"); }
  std::int32_t instrument_index(const std::string& id) const { return find(b_.instruments, id, "instrument"); }

 private:
  template <class T>
  static std::int32_t find(const std::vector<T>& v, const std::string& id, const char* what) {
    for (std::size_t i = 0; i < v.size(); ++i)
      if (v[i].id == id) return static_cast<std::int32_t>(i);
    throw std::runtime_error(std::string("book_builder: unknown ") + what + " " + id);
  }
  book b_;
};

// The smallest market with exact losses: factor BTC, asset USD, and the USD-settled linear perp
// "BTC-USD" at 100 with a flat 1% step MM, no fees and no depth. A return r changes a position of
// q contracts by exactly 100 r q USD.
inline book_builder linear_perp_market() {
  book_builder bb;
  bb.factor("BTC");
  bb.asset("USD", 1.0);
  bb.schedule("flat", tier_style::step, {{kInf, 0.01}});
  bb.instrument({.id = "BTC-USD", .underlying = "BTC", .settle = "USD", .mark = 100.0, .schedule = "flat"});
  return bb;
}

// The book with its accounts reordered: new row i is old row perm[i]. Balances and positions of
// each account keep their order.
inline book permute_accounts(const book& in, const std::vector<std::size_t>& perm) {
  book out = in;
  out.account_ids.clear();
  out.account_modes.clear();
  out.account_groups.clear();
  out.balance_begin.assign(1, 0);
  out.balance_asset.clear();
  out.balance_amount.clear();
  out.position_begin.assign(1, 0);
  out.position_instrument.clear();
  out.position_qty.clear();
  out.position_entry.clear();
  out.position_isolated.clear();
  for (const std::size_t a : perm) {
    out.account_ids.push_back(in.account_ids[a]);
    out.account_modes.push_back(in.account_modes[a]);
    out.account_groups.push_back(in.account_groups[a]);
    for (auto r = in.balance_begin[a]; r < in.balance_begin[a + 1]; ++r) {
      out.balance_asset.push_back(in.balance_asset[r]);
      out.balance_amount.push_back(in.balance_amount[r]);
    }
    out.balance_begin.push_back(static_cast<std::int64_t>(out.balance_asset.size()));
    for (auto p = in.position_begin[a]; p < in.position_begin[a + 1]; ++p) {
      out.position_instrument.push_back(in.position_instrument[p]);
      out.position_qty.push_back(in.position_qty[p]);
      out.position_entry.push_back(in.position_entry[p]);
      out.position_isolated.push_back(in.position_isolated[p]);
    }
    out.position_begin.push_back(static_cast<std::int64_t>(out.position_instrument.size()));
  }
  return out;
}

// The book plus `count` accounts that each hold the positions and balances of many consecutive
// accounts of it (400 for cross, 30 for portfolio accounts, which alternate): work far above
// cuda_shape::heavy_work, so the cuda backend gives them a warp each (cuda_plan.hpp).
inline book with_heavy_accounts(const book& in, std::size_t count) {
  book out = in;
  for (std::size_t h = 0; h < count; ++h) {
    const bool portfolio = h % 2 == 1;
    out.account_ids.push_back("heavy" + std::to_string(h));
    out.account_modes.push_back(portfolio ? account_mode::portfolio : account_mode::cross);
    out.account_groups.push_back(no_index);
    const std::size_t span = portfolio ? 30 : 400;
    for (std::size_t i = 0; i < span; ++i) {
      const std::size_t a = (h * 37 + i) % in.account_count();
      for (auto r = in.balance_begin[a]; r < in.balance_begin[a + 1]; ++r) {
        out.balance_asset.push_back(in.balance_asset[r]);
        out.balance_amount.push_back(in.balance_amount[r]);
      }
      for (auto p = in.position_begin[a]; p < in.position_begin[a + 1]; ++p) {
        out.position_instrument.push_back(in.position_instrument[p]);
        out.position_qty.push_back(in.position_qty[p]);
        out.position_entry.push_back(in.position_entry[p]);
        out.position_isolated.push_back(in.position_isolated[p]);
      }
    }
    out.balance_begin.push_back(static_cast<std::int64_t>(out.balance_asset.size()));
    out.position_begin.push_back(static_cast<std::int64_t>(out.position_instrument.size()));
  }
  return out;
}

// A generated exchange of `accounts` accounts, with or without option chains and portfolio accounts.
inline book generated_exchange(std::size_t accounts, std::uint64_t seed, bool options, bool portfolio) {
  temp_dir dir("rs-generated");
  generate_options g;
  g.accounts = accounts;
  g.seed = seed;
  g.options = options;
  g.portfolio = portfolio;
  generate_exchange(g, dir / "snapshot");
  return load_snapshot(dir / "snapshot", 1).data;
}

// The chunked runs of the cuda parity suite: a book of 900 generated and 3 heavy accounts (with
// options and portfolio accounts, or neither), and a device memory limit in bytes. cuda_plan_test checks on the CPU
// that each limit gives several account chunks, and tiles of several lanes for the book without options.
struct chunked_case {
  bool options;
  std::size_t limit;
};
inline constexpr chunked_case chunked_cases[] = {{false, 102400}, {false, 250000}, {true, 160000}, {true, 250000}};
inline book chunked_case_book(bool options) {
  return with_heavy_accounts(generated_exchange(900, 14, options, options), 3);
}

// Scales every quantity of money by k:
//  - balances, position quantities and isolated margins (so every settle amount, upnl, option
//    value and USD notional scales by k);
//  - the `up_to_usd` thresholds of margin and collateral tiers (so a position or balance falls in
//    the same tier: step MM = N rate scales, a marginal cum_k is linear in the thresholds, and
//    progressive collateral sum_k ratio_k clamp(v - up_{k-1}, ...) is homogeneous in (v, up));
//  - instrument depth_usd (so B / depth and with it the slippage rate is unchanged and slip = B
//    min(k_i sqrt(B / depth), cap) scales by k).
// Prices, marks, entry prices, multipliers, rates, ratios, vols, PM parameters and the scenario
// returns stay as they are. MR1/MR6 (value differences), MR4 and MR7 (notionals), borrow MM and
// fees are then all linear in k. With k a power of two every multiplication by k is exact in
// binary floating point, so per-account doubles scale *exactly*; only the fixed-point rounding
// llround(k x 1e4) vs k llround(x 1e4) of the cross-account sums can differ, by < k / 2 units of
// 1e-4 USD per account.
inline book scale_book(const book& in, double k) {
  book out = in;
  for (auto& a : out.balance_amount) a *= k;
  for (auto& q : out.position_qty) q *= k;
  for (auto& m : out.position_isolated)
    if (is_isolated(m)) m *= k;
  for (auto& t : out.margin_tiers) t.up_to_usd *= k;
  for (auto& t : out.collateral_tiers) t.up_to_usd *= k;
  for (auto& i : out.instruments) i.depth_usd *= k;
  return out;
}

// Writes a book as a snapshot directory (FORMATS.md), numbers in round-trip form.
inline void write_snapshot(const book& b, const std::filesystem::path& dir) {
  auto num = [](double x) { return format_double(x); };
  auto opt = [&](double x) { return x == x ? num(x) : std::string(); };
  std::string s =
      "factor,kind,beta,pm_range,pm_vol_up,pm_vol_down,pm_extreme_move,pm_extreme_fraction,pm_basis_rate,"
      "pm_min_charge_rate\n";
  for (const auto& f : b.factors)
    s += f.id + "," + (f.kind == factor_kind::crypto ? "crypto" : "stable") + "," + num(f.beta) + "," +
         num(f.pm_range) + "," + num(f.pm_vol_up) + "," + num(f.pm_vol_down) + "," + num(f.pm_extreme_move) + "," +
         num(f.pm_extreme_fraction) + "," + num(f.pm_basis_rate) + "," + num(f.pm_min_charge_rate) + "\n";
  write_file(dir / "factors.csv", s);

  s = "asset,price_usd,factor,borrow_mmr,borrow_imr\n";
  std::string tiers = "asset,up_to_usd,ratio\n";
  for (const auto& a : b.assets) {
    s += a.id + "," + num(a.price_usd) + "," + (a.factor >= 0 ? b.factors[a.factor].id : "") + "," + num(a.borrow_mmr) +
         "," + num(a.borrow_imr) + "\n";
    for (auto k = a.tier_begin; k < a.tier_end; ++k)
      tiers += a.id + "," + num(b.collateral_tiers[k].up_to_usd) + "," + num(b.collateral_tiers[k].rate) + "\n";
  }
  write_file(dir / "assets.csv", s);
  write_file(dir / "collateral_tiers.csv", tiers);

  s = "schedule,style,up_to_usd,rate\n";
  for (const auto& sc : b.schedules)
    for (auto k = sc.tier_begin; k < sc.tier_end; ++k)
      s += sc.id + "," + (sc.style == tier_style::step ? "step" : "marginal") + "," + num(b.margin_tiers[k].up_to_usd) +
           "," + num(b.margin_tiers[k].rate) + "\n";
  write_file(dir / "margin_tiers.csv", s);

  s = "instrument,kind,underlying,settle,inverse,multiplier,mark_price,expiry_years,strike,option_type,iv,mm_schedule,"
      "option_mm_rate,liq_fee_rate,impact_k,depth_usd\n";
  for (const auto& i : b.instruments) {
    const bool option = i.kind == instrument_kind::option;
    s += i.id + "," +
         (i.kind == instrument_kind::perp     ? "perp"
          : i.kind == instrument_kind::future ? "future"
                                              : "option") +
         "," + b.factors[i.underlying].id + "," + b.assets[i.settle].id + "," + (i.inverse ? "1" : "0") + "," +
         num(i.multiplier) + "," + num(i.mark_price) + "," + num(i.expiry_years) + "," + (option ? num(i.strike) : "") +
         "," + (option ? (i.is_call ? "C" : "P") : "") + "," + (option ? num(i.iv) : "") + "," +
         (i.mm_schedule >= 0 ? b.schedules[i.mm_schedule].id : "") + "," + num(i.option_mm_rate) + "," +
         num(i.liq_fee_rate) + "," + num(i.impact_k) + "," + (i.depth_usd > 0 ? num(i.depth_usd) : "") + "\n";
  }
  write_file(dir / "instruments.csv", s);

  s = "account,mode,group\n";
  std::string bal = "account,asset,amount\n";
  std::string pos = "account,instrument,qty,entry_price,isolated_margin\n";
  for (std::size_t a = 0; a < b.account_count(); ++a) {
    s += b.account_ids[a] + "," + (b.account_modes[a] == account_mode::portfolio ? "portfolio" : "cross") + "," +
         (b.account_groups[a] >= 0 ? b.group_ids[b.account_groups[a]] : "") + "\n";
    for (auto r = b.balance_begin[a]; r < b.balance_begin[a + 1]; ++r)
      bal += b.account_ids[a] + "," + b.assets[b.balance_asset[r]].id + "," + num(b.balance_amount[r]) + "\n";
    for (auto p = b.position_begin[a]; p < b.position_begin[a + 1]; ++p)
      pos += b.account_ids[a] + "," + b.instruments[b.position_instrument[p]].id + "," + num(b.position_qty[p]) + "," +
             opt(b.position_entry[p]) + "," + opt(b.position_isolated[p]) + "\n";
  }
  write_file(dir / "accounts.csv", s);
  write_file(dir / "balances.csv", bal);
  write_file(dir / "positions.csv", pos);
}

// A scenario set over the given factor names.
inline scenario_set make_scenario_set(const std::vector<std::string>& factors) {
  scenario_set s;
  s.factors = factors;
  return s;
}

// Factor ids of a book, in book order.
inline std::vector<std::string> factor_ids(const book& b) {
  std::vector<std::string> out;
  for (const auto& f : b.factors) out.push_back(f.id);
  return out;
}

// A whole scan in memory: prepared book, base values, backend reductions, and the two output
// CSV files rendered with the production writers.
struct scan_result {
  base_values base;
  scan_reductions red;
  std::string accounts_csv;
  std::string scenarios_csv;
};

inline scan_result scan_in_memory(const book& b, const bound_scenarios& sc, backend& be, scan_config cfg = {}) {
  const eval_book prepared(b);
  const auto groups = cover_groups(b);
  scan_result out;
  out.base = evaluate_base(prepared, cfg);
  out.red = be.scan(prepared, groups, sc, cfg);
  temp_dir dir("rs-scan-mem");
  write_accounts_csv(dir / "accounts.csv", b, out.base, out.red.accounts, sc);
  write_scenarios_csv(dir / "scenarios.csv", b, out.red.scenarios, sc, cfg.fund_balance_fp);
  out.accounts_csv = read_file(dir / "accounts.csv");
  out.scenarios_csv = read_file(dir / "scenarios.csv");
  return out;
}

// The golden_small_book conformance case, loaded once per test binary.
inline std::filesystem::path golden_dir() { return conformance_dir() / "golden_small_book"; }
inline const book& golden_book() {
  static const book b = load_snapshot(golden_dir() / "snapshot", 1).data;
  return b;
}
inline const scenario_set& golden_scenarios() {
  static const scenario_set s = read_scenario_csv(golden_dir() / "scenarios.csv");
  return s;
}

}  // namespace riskscan::test
