// `riskscan generate`: the account types (which balances and positions one account holds).
//
// Account mix (shares of all accounts; the portfolio share goes to single-asset accounts when
// portfolio margin is off):
//   80%  single-asset cross: a USDT wallet and 1-4 linear USDT perps
//    8%  multi-currency cross: coin and stablecoin balances, a third of them borrowing, inverse
//        perps settled in the coins, USDC futures and (with options) inverse / USDC options
//    5%  portfolio margin: stable or coin collateral hedging perps with futures and options
//        (basis and calendar trades, protective puts, covered calls, strangles, straddles)
//    5%  isolated: 1-3 isolated perps / futures (margin in the settle asset) plus a cross wallet
//    2%  balances only
// and about 2% of accounts sit in affiliated groups of 2-5 that lean the same way on one coin.
// Sizes: log-normal body (median ~$300) with a Pareto tail up to $100M; leverage log-normal around
// 4x (1-20x for most) with a 3% tail at 20-100x. Accounts outside that tail are de-levered until
// their margin ratio is at least 1.25, so only tail accounts can start under water.
//
// Every account draws from its own PRNG stream (seed, account index), so accounts are generated
// in parallel chunks (generate_book.cpp) and the files are the same for any thread count.
#include <algorithm>
#include <array>

#include "generate_internal.hpp"

namespace riskscan::gen {

namespace {

constexpr double healthy_ratio = 1.25;  // target AE / MM for accounts outside the leverage tail
constexpr double pm_healthy_ratio = 1.3;
constexpr double tail_floor_ratio = 0.6;  // leverage-tail accounts: may be under MM, never near bankrupt

}  // namespace

struct account_factory::impl {
 public:
  impl(const market& m, const generate_options& o) : m_(m), o_(o), v_(m) {}

  void build(std::uint64_t index, const group_theme* theme, account& a) {
    rng r(o_.seed, stream_account, index);
    a.clear();
    const double u = r.uniform();
    if (u < 0.02) {
      balances_only(r, a);
    } else if (u < 0.07) {
      isolated_account(r, theme, a);
    } else if (u < 0.15) {
      multi_currency(r, theme, a);
    } else if (o_.portfolio && u < 0.20) {
      portfolio_account(r, theme, a);
    } else {
      single_asset(r, theme, a);
    }
  }

 private:
  const market& m_;
  const generate_options& o_;
  valuation v_;
  std::vector<double> weights_;  // scratch

  // ------------------------------------------------------------ sizes and prices

  int pick_coin(rng& r) { return static_cast<int>(r.pick(m_.popularity_cdf)); }

  // A popular coin not yet in `used` (gives up after a few tries and returns -1).
  int pick_new_coin(rng& r, const std::vector<int>& used) {
    for (int t = 0; t < 16; ++t) {
      const int c = pick_coin(r);
      if (std::find(used.begin(), used.end(), c) == used.end()) return c;
    }
    return -1;
  }

  double lot(const instrument_def& in) const {
    return in.qty_decimals >= 0 ? 1.0 / pow10_exact(in.qty_decimals) : pow10_exact(-in.qty_decimals);
  }

  // The most one account holds of an instrument, USD notional: a fraction of the book depth
  // (for options, whose slippage is on the premium, a multiple of it).
  static double cap_usd(const instrument_def& in) {
    return in.kind == inst_kind::option ? 2.0 * in.depth_usd : 0.3 * in.depth_usd;
  }
  double cap_usd(int inst_index) const { return cap_usd(inst(inst_index)); }

  // Signed contracts for a USD notional (capped), rounded to the lot. At least one lot when a lot
  // is not much bigger than asked for; 0 (no position) when it is.
  double qty_for(const instrument_def& in, double usd, double sign) const {
    usd = std::min(usd, cap_usd(in));
    double q = round_dec(usd / contract_usd(in), in.qty_decimals);
    if (q <= 0) {
      if (lot(in) * contract_usd(in) > 2.5 * usd) return 0;
      q = lot(in);
    }
    return sign < 0 ? -q : q;
  }

  // Scales a quantity down; always removes at least one lot, 0 means the position goes.
  double scale_qty(const instrument_def& in, double q, double f) const {
    const double a = std::fabs(q);
    double s = round_dec(a * f, in.qty_decimals);
    if (s >= a) s = round_dec(a - lot(in), in.qty_decimals);
    if (s <= 0) return 0;
    return q < 0 ? -s : s;
  }

  // An entry price a few % from the mark (sd relative), on the instrument's tick.
  double entry_for(rng& r, const instrument_def& in, double sd) const {
    const double e = round_sig(in.mark * (1 + sd * r.normal_within(3.0)), in.price_sig);
    return e > 0 ? e : in.mark;
  }

  // ------------------------------------------------------------ valuation at base (forwards)

  const instrument_def& inst(int i) const { return v_.inst(i); }
  double price(int asset) const { return v_.price(asset); }
  double contract_usd(const instrument_def& in) const { return v_.contract_usd(in); }
  double value_settle(const position& p) const { return v_.value_settle(p); }
  double notional(const position& p) const { return v_.notional(p); }
  health evaluate(const account& a) { return v_.evaluate(a); }

  // ------------------------------------------------------------ building blocks

  double round_amount(int asset, double amount) const { return round_dec(amount, m_.assets[asset].amount_decimals); }

  void add_balance(account& a, int asset, double amount) {
    amount = round_amount(asset, amount);
    if (amount == 0) return;
    for (auto& b : a.balances)
      if (b.asset == asset) {
        b.amount = round_amount(asset, b.amount + amount);
        return;
      }
    a.balances.push_back({asset, amount});
  }

  bool holds(const account& a, int inst_index, bool isolated) const {
    for (const auto& p : a.positions)
      if (p.inst == inst_index && p.isolated() == isolated) return true;
    return false;
  }

  // Adds a cross position, or grows the one on the same instrument (portfolio strategies).
  void add_cross(rng& r, account& a, int inst_index, double usd, double sign, double sd) {
    const auto& in = inst(inst_index);
    const double q = qty_for(in, usd, sign);
    if (q == 0) return;
    for (auto& p : a.positions) {
      if (p.inst == inst_index && !p.isolated()) {
        p.qty = round_dec(p.qty + q, in.qty_decimals);
        return;
      }
    }
    position p;
    p.inst = inst_index;
    p.qty = q;
    if (in.kind != inst_kind::option) p.entry = entry_for(r, in, sd);
    a.positions.push_back(p);
  }

  void drop_zero_positions(account& a) {
    a.positions.erase(
        std::remove_if(a.positions.begin(), a.positions.end(), [](const position& p) { return p.qty == 0; }),
        a.positions.end());
  }

  // Scales every cross position by f (at least one lot each) and drops the ones that vanish.
  void scale_cross(account& a, double f) {
    for (auto& p : a.positions)
      if (!p.isolated()) p.qty = scale_qty(inst(p.inst), p.qty, f);
    drop_zero_positions(a);
  }

  bool has_cross_positions(const account& a) const {
    for (const auto& p : a.positions)
      if (!p.isolated()) return true;
    return false;
  }

  // Sum of cross linear-USDT upnl (the wallet of single-asset style accounts absorbs it).
  double usdt_upnl(const account& a) const {
    double u = 0;
    for (const auto& p : a.positions)
      if (!p.isolated() && inst(p.inst).settle == m_.usdt) u += value_settle(p);
    return u;
  }

  // A USDT wallet such that cross equity is `equity_usd`.
  void set_usdt_wallet(account& a, double equity_usd) {
    const double amount = round_amount(m_.usdt, equity_usd / price(m_.usdt) - usdt_upnl(a));
    a.balances.erase(
        std::remove_if(a.balances.begin(), a.balances.end(), [&](const balance& b) { return b.asset == m_.usdt; }),
        a.balances.end());
    if (amount != 0) a.balances.insert(a.balances.begin(), {m_.usdt, amount});
  }

  // Random weights in [0.2, 1], normalised.
  const std::vector<double>& split(rng& r, int n) {
    weights_.assign(n, 0.0);
    double total = 0;
    for (auto& x : weights_) total += (x = r.uniform(0.2, 1.0));
    for (auto& x : weights_) x /= total;
    return weights_;
  }

  // ------------------------------------------------------------ account types

  void balances_only(rng& r, account& a) {
    const double e = sample_equity(r);
    const int n = 1 + static_cast<int>(r.below(3));
    const auto& w = split(r, n);
    std::vector<int> used;
    for (int k = 0; k < n; ++k) {
      int asset;
      if (k == 0 && r.chance(0.5)) {
        asset = r.chance(0.7) ? m_.usdt : m_.usdc;
      } else {
        const int c = pick_new_coin(r, used);
        if (c < 0) continue;
        used.push_back(c);
        asset = m_.coins[c].asset;
      }
      add_balance(a, asset, e * w[k] / price(asset));
    }
    if (a.balances.empty()) add_balance(a, m_.usdt, e / price(m_.usdt));
  }

  void single_asset(rng& r, const group_theme* theme, account& a) {
    double e = sample_equity(r);
    if (theme) e = std::min(round_sig(e * theme->size_boost, 6), 1e8);
    bool tail = false;
    const double lev = sample_leverage(r, tail);
    const int n = 1 + draw_count(r, {0.45, 0.27, 0.17, 0.11});
    const auto w = split(r, n);
    const double sd = std::min(0.03, 0.25 / lev);
    std::vector<int> used;
    for (int k = 0; k < n; ++k) {
      const int c = (k == 0 && theme) ? theme->coin : pick_new_coin(r, used);
      if (c < 0 || std::find(used.begin(), used.end(), c) != used.end()) continue;
      used.push_back(c);
      const double sign = (k == 0 && theme) ? theme->sign : (r.chance(0.58) ? 1.0 : -1.0);
      add_cross(r, a, m_.coins[c].linear_perp, lev * e * w[k], sign, sd);
    }
    set_usdt_wallet(a, e);
    const double target = tail ? tail_floor_ratio : healthy_ratio;
    for (int it = 0; it < 24 && !evaluate(a).ok(target) && has_cross_positions(a); ++it) {
      scale_cross(a, 0.7);
      set_usdt_wallet(a, e);
    }
  }

  void multi_currency(rng& r, const group_theme* theme, account& a) {
    double e = sample_equity(r);
    if (theme) e = std::min(round_sig(e * theme->size_boost, 6), 1e8);
    // Collateral: 1-3 coins and maybe a stablecoin (or, rarely, USD).
    std::vector<int> held_coins;
    std::vector<int> assets;
    const int n_coins = 1 + static_cast<int>(r.below(3));
    for (int k = 0; k < n_coins; ++k) {
      const int c = pick_new_coin(r, held_coins);
      if (c >= 0) {
        held_coins.push_back(c);
        assets.push_back(m_.coins[c].asset);
      }
    }
    const double su = r.uniform();
    const int stable = su < 0.5 ? m_.usdt : su < 0.8 ? m_.usdc : su < 0.83 ? m_.usd : -1;
    if (stable >= 0) assets.push_back(stable);
    // A third borrow: a stablecoin (leveraged spot) or a coin they do not hold (a short).
    int borrow_asset = -1;
    double borrow = 0;
    if (r.chance(0.35)) {
      borrow = e * r.uniform(0.1, 0.8);
      if (r.chance(0.7)) {
        borrow_asset = r.chance(0.7) ? m_.usdt : m_.usdc;
        assets.erase(std::remove(assets.begin(), assets.end(), borrow_asset), assets.end());
      } else {
        const int c = pick_new_coin(r, held_coins);
        borrow_asset = c >= 0 ? m_.coins[c].asset : m_.usdt;
        assets.erase(std::remove(assets.begin(), assets.end(), borrow_asset), assets.end());
      }
      if (assets.empty()) assets.push_back(m_.coins[0].asset == borrow_asset ? m_.coins[1].asset : m_.coins[0].asset);
    }
    const std::vector<double> w = split(r, static_cast<int>(assets.size()));
    auto set_balances = [&] {
      a.balances.clear();
      for (std::size_t k = 0; k < assets.size(); ++k) add_balance(a, assets[k], (e + borrow) * w[k] / price(assets[k]));
      if (borrow_asset >= 0 && borrow > 0) add_balance(a, borrow_asset, -borrow / price(borrow_asset));
    };
    set_balances();

    bool tail = false;
    const double lev = 0.7 * sample_leverage(r, tail);
    const int n = draw_count(r, {0.1, 0.35, 0.3, 0.15, 0.1});
    const double sd = std::min(0.05, 0.3 / lev);
    for (int k = 0; k < n; ++k) {
      const double usd = lev * e / n;
      int c = (k == 0 && theme) ? theme->coin
              : (!held_coins.empty() && r.chance(0.6))
                  ? held_coins[r.below(static_cast<std::uint32_t>(held_coins.size()))]
                  : pick_coin(r);
      const auto& cm = m_.coins[c];
      const bool held = std::find(held_coins.begin(), held_coins.end(), c) != held_coins.end();
      double sign = (k == 0 && theme) ? theme->sign : (r.chance(held ? 0.4 : 0.55) ? 1.0 : -1.0);
      int chosen = -1;
      if (o_.options && cm.has_options() && r.chance(0.35)) {
        const int style = held ? 0 : (r.chance(0.5) ? 0 : 1);
        const int expiry = static_cast<int>(r.below(option_expiry_count));
        const int money = 2 + static_cast<int>(r.below(8));
        const int put = static_cast<int>(r.below(2));
        chosen = cm.option(style, expiry, money, put);
        if (chosen >= 0 && !holds(a, chosen, false)) {
          // Options notional is kept at most 2x equity; 45% of the legs are written.
          add_cross(r, a, chosen, std::min(usd, 2.0 * e / n), r.chance(0.45) ? -1.0 : 1.0, 0);
          continue;
        }
      }
      if (cm.inverse_perp >= 0 && (held || r.chance(0.3))) {
        chosen = cm.inverse_perp;
      } else if (!cm.futures.empty() && r.chance(0.3)) {
        chosen = cm.futures[r.below(static_cast<std::uint32_t>(cm.futures.size()))];
      } else {
        chosen = cm.linear_perp;
      }
      if (holds(a, chosen, false)) continue;
      add_cross(r, a, chosen, usd, sign, sd);
    }
    const double target = tail ? tail_floor_ratio : healthy_ratio;
    for (int it = 0; it < 40 && !evaluate(a).ok(target); ++it) {
      if (has_cross_positions(a)) {
        scale_cross(a, 0.7);
        if (it % 3 != 2) continue;
      }
      if (borrow > 0) {
        borrow = it >= 30 ? 0 : borrow * 0.5;
        set_balances();
      } else if (!has_cross_positions(a)) {
        break;
      }
    }
  }

  void isolated_account(rng& r, const group_theme* theme, account& a) {
    double e = sample_equity(r);
    if (theme) e = std::min(round_sig(e * theme->size_boost, 6), 1e8);
    const double iso_share = r.uniform(0.2, 0.8);
    const int n_iso = 1 + static_cast<int>(r.below(3));
    std::vector<int> used;
    for (int k = 0; k < n_iso; ++k) {
      const int c = (k == 0 && theme) ? theme->coin : pick_new_coin(r, used);
      if (c < 0 || std::find(used.begin(), used.end(), c) != used.end()) continue;
      used.push_back(c);
      const auto& cm = m_.coins[c];
      const double v = r.uniform();
      const int chosen = (v < 0.15 && cm.inverse_perp >= 0)               ? cm.inverse_perp
                         : (v >= 0.15 && v < 0.25 && !cm.futures.empty()) ? cm.futures[0]
                                                                          : cm.linear_perp;
      const auto& in = inst(chosen);
      const bool tail = r.chance(0.06);
      double lev = tail ? r.log_uniform(40, 125) : 0;
      if (!tail) {
        lev = 10;
        for (int i = 0; i < 64; ++i) {
          lev = det_exp(det_log(10.0) + 0.6 * r.normal());
          if (lev >= 2 && lev <= 50) break;
          lev = 10;
        }
      }
      const double margin_usd = e * iso_share / n_iso;
      const double sign = (k == 0 && theme) ? theme->sign : (r.chance(0.58) ? 1.0 : -1.0);
      position p;
      p.inst = chosen;
      p.qty = qty_for(in, lev * margin_usd, sign);
      if (p.qty == 0) continue;
      p.entry = entry_for(r, in, std::min(0.03, 0.25 / lev));
      const double settle_price = price(in.settle);
      const double upnl = value_settle(p);
      double m = margin_usd / settle_price - upnl;
      if (m <= 0) m = 0.5 * margin_usd / settle_price;
      if (!tail) {
        const double mm = m_.schedules[in.schedule].mm(notional(p));
        m = std::max(m, healthy_ratio * mm / settle_price - upnl);
      }
      const int dec = m_.assets[in.settle].amount_decimals;
      p.iso = std::ceil(m * pow10_exact(dec)) / pow10_exact(dec);
      a.positions.push_back(p);
    }
    // The cross wallet, sometimes with cross perps of its own (now and then on the same
    // instrument as an isolated position: allowed, they are different positions).
    const double wallet = e * (1 - iso_share);
    bool tail = false;
    const double lev = sample_leverage(r, tail);
    if (r.chance(0.5)) {
      const int n = 1 + static_cast<int>(r.below(2));
      for (int k = 0; k < n; ++k) {
        int chosen;
        if (k == 0 && !a.positions.empty() && r.chance(0.2)) {
          chosen = a.positions[0].inst;
        } else {
          const int c = pick_coin(r);
          chosen = m_.coins[c].linear_perp;
        }
        if (holds(a, chosen, false)) continue;
        add_cross(r, a, chosen, lev * wallet / n, r.chance(0.55) ? 1.0 : -1.0, std::min(0.03, 0.25 / lev));
      }
    }
    set_usdt_wallet(a, wallet);
    const double target = tail ? tail_floor_ratio : healthy_ratio;
    for (int it = 0; it < 24 && !evaluate(a).ok(target) && has_cross_positions(a); ++it) {
      scale_cross(a, 0.7);
      set_usdt_wallet(a, wallet);
    }
  }

  void portfolio_account(rng& r, const group_theme* theme, account& a) {
    a.portfolio = true;
    // Portfolio margin is for larger accounts: log-normal, median ~$60k, $5k .. $60M.
    double lg = 4.8;
    for (int i = 0; i < 64; ++i) {
      lg = 4.8 + 0.7 * r.normal();
      if (lg >= 3.7 && lg <= 7.8) break;
      lg = 4.8;
    }
    double e = round_sig(det_pow10(lg), 6);
    if (theme) e = std::min(round_sig(e * theme->size_boost, 6), 1e8);
    const double cu = r.uniform();
    const int coin_collateral = r.chance(0.6) ? 0 : 1;  // BTC or ETH
    const int stable = r.chance(0.7) ? m_.usdt : m_.usdc;
    if (cu < 0.6) {
      add_balance(a, stable, e / price(stable));
    } else if (cu < 0.85) {
      const int asset = m_.coins[coin_collateral].asset;
      add_balance(a, asset, e / price(asset));
    } else {
      const int asset = m_.coins[coin_collateral].asset;
      add_balance(a, asset, 0.5 * e / price(asset));
      add_balance(a, stable, 0.5 * e / price(stable));
    }
    const bool coin_margined = cu >= 0.6;

    const int n_strategies = 1 + static_cast<int>(r.below(3));
    for (int s = 0; s < n_strategies; ++s) add_strategy(r, s == 0 ? theme : nullptr, a, e, coin_margined);
    drop_zero_positions(a);
    for (int it = 0; it < 24 && !evaluate(a).ok(pm_healthy_ratio) && has_cross_positions(a); ++it) scale_cross(a, 0.7);
  }

  // A strategy add_strategy chose: the coin, the USD notional, the perp, option style and expiry.
  struct strategy {
    const coin_market& cm;
    double n;
    int perp, style, expiry;
    const group_theme* lead;
  };

  // One strategy of a portfolio-margin account: its coin, its notional (equity e times 0.5 .. 4)
  // and its kind. `lead`, the group's theme, picks the coin and direction of an account's first.
  void add_strategy(rng& r, const group_theme* lead, account& a, double e, bool coin_margined) {
    const double v = r.uniform();
    int c;
    if (lead)
      c = lead->coin;
    else if (v < 0.45)
      c = 0;
    else if (v < 0.75)
      c = 1;
    else if (v < 0.85)
      c = 2;
    else if (v < 0.93)
      c = m_.futures_coins[r.below(static_cast<std::uint32_t>(m_.futures_coins.size()))];
    else
      c = pick_coin(r);
    const auto& cm = m_.coins[c];
    const bool options = o_.options && cm.has_options();
    const double n = e * r.log_uniform(0.5, 4.0);
    const int perp = (coin_margined && cm.inverse_perp >= 0 && r.chance(0.5)) ? cm.inverse_perp : cm.linear_perp;
    const int style = coin_margined ? 0 : static_cast<int>(r.below(2));

    // Strategy: 0 basis, 1 calendar, 2 protective put, 3 covered call, 4 short strangle,
    // 5 long straddle, 6 directional.
    std::array<double, 7> weight = {3,
                                    cm.futures.size() >= 2 ? 1.5 : 0,
                                    options ? 1.5 : 0,
                                    options ? 1.5 : 0,
                                    options ? 1.0 : 0,
                                    options ? 0.8 : 0,
                                    1.5};
    std::vector<double> cdf;
    double total = 0;
    for (double x : weight) cdf.push_back(total += x);
    const int kind = static_cast<int>(r.pick(cdf));
    const int expiry = 1 + static_cast<int>(r.below(option_expiry_count - 1));
    add_legs(r, a, kind, {cm, n, perp, style, expiry, lead});
  }

  // The positions of a strategy of kind `kind` (add_strategy).
  void add_legs(rng& r, account& a, int kind, const strategy& st) {
    const auto& cm = st.cm;
    const int perp = st.perp;
    const double sd = 0.02;
    auto option = [&](int money, int put) { return cm.option(st.style, st.expiry, money, put); };
    // Hedged legs get the same notional, within every leg's cap.
    auto fit = [&](std::initializer_list<int> legs) {
      double x = st.n;
      for (int leg : legs)
        if (leg >= 0) x = std::min(x, cap_usd(leg));
      return x;
    };
    switch (kind) {
      case 0: {  // cash and carry: long perp, short a future (or the inverse perp)
        const int hedge =
            !cm.futures.empty() ? cm.futures[r.below(static_cast<std::uint32_t>(cm.futures.size()))] : cm.inverse_perp;
        const double x = fit({cm.linear_perp, hedge});
        add_cross(r, a, cm.linear_perp, x, 1, sd);
        if (hedge >= 0) add_cross(r, a, hedge, x, -1, sd);
        break;
      }
      case 1: {  // calendar spread
        const int far = cm.futures[1 + r.below(static_cast<std::uint32_t>(cm.futures.size() - 1))];
        const double x = fit({cm.futures[0], far});
        add_cross(r, a, cm.futures[0], x, -1, sd);
        add_cross(r, a, far, x, 1, sd);
        break;
      }
      case 2: {  // protective put
        const int put = option(r.chance(0.5) ? 3 : 2, 1);
        const double x = fit({perp, put});
        add_cross(r, a, perp, x, 1, sd);
        if (put >= 0) add_cross(r, a, put, x, 1, 0);
        break;
      }
      case 3: {  // covered call
        const int call = option(r.chance(0.5) ? 7 : 8, 0);
        const double x = fit({perp, call});
        add_cross(r, a, perp, x, 1, sd);
        if (call >= 0) add_cross(r, a, call, x, -1, 0);
        break;
      }
      case 4: {  // short strangle
        const int call = option(7, 0), put = option(3, 1);
        const double x = fit({call, put});
        if (call >= 0) add_cross(r, a, call, 0.5 * x, -1, 0);
        if (put >= 0) add_cross(r, a, put, 0.5 * x, -1, 0);
        break;
      }
      case 5: {  // long straddle
        const int call = option(atm_moneyness, 0), put = option(atm_moneyness, 1);
        const double x = fit({call, put});
        if (call >= 0) add_cross(r, a, call, 0.5 * x, 1, 0);
        if (put >= 0) add_cross(r, a, put, 0.5 * x, 1, 0);
        break;
      }
      default:  // directional
        add_cross(r, a, perp, 0.5 * st.n, st.lead ? st.lead->sign : (r.chance(0.55) ? 1.0 : -1.0), sd);
        break;
    }
  }
};

account_factory::account_factory(const market& m, const generate_options& o) : impl_(std::make_unique<impl>(m, o)) {}
account_factory::~account_factory() = default;
void account_factory::build(std::uint64_t index, const group_theme* theme, account& out) {
  impl_->build(index, theme, out);
}

}  // namespace riskscan::gen
