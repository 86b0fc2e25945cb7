// `riskscan generate`: the methodology at base, as far as the generator needs it to size accounts
// so that almost all are above maintenance margin (METHODOLOGY.md 2-5). It uses the generator's
// own Black-76 (deterministic log / exp / normal CDF), so the decisions it drives come out the same
// on every machine; it is not the scanner's evaluation and never replaces it.
#include <algorithm>

#include "generate_internal.hpp"

namespace riskscan::gen {

double valuation::contract_usd(const instrument_def& in) const {
  if (in.kind == inst_kind::option)
    return in.inverse ? in.multiplier * in.mark : in.multiplier * in.mark * price(in.quote);
  return in.inverse ? in.multiplier : in.multiplier * in.mark * price(in.quote);
}

double valuation::value_settle(const position& p) const {
  const auto& in = inst(p.inst);
  if (in.kind == inst_kind::option) {
    const double b = black76(in.mark, in.strike, in.expiry, in.iv, in.call);
    return in.inverse ? p.qty * in.multiplier * b / in.mark : p.qty * in.multiplier * b;
  }
  if (in.inverse) return p.qty * in.multiplier * (1.0 / p.entry - 1.0 / in.mark);
  return p.qty * in.multiplier * (in.mark - p.entry);
}

health valuation::evaluate(const account& a) {
  for (int i : touched_) {
    w_[i] = 0;
    seen_[i] = 0;
  }
  touched_.clear();
  auto add = [&](int asset, double x) {
    if (!seen_[asset]) {
      seen_[asset] = 1;
      touched_.push_back(asset);
    }
    w_[asset] += x;
  };
  health h;
  for (const auto& b : a.balances) add(b.asset, b.amount);
  for (const auto& p : a.positions) {
    if (p.isolated()) continue;
    const auto& in = inst(p.inst);
    add(in.settle, value_settle(p));
    if (a.portfolio) continue;
    if (in.kind == inst_kind::option) {
      if (p.qty < 0) h.mm += in.option_mm_rate * notional(p);
    } else {
      h.mm += m_.schedules[in.schedule].mm(notional(p));
    }
  }
  for (int i : touched_) {
    const auto& as = m_.assets[i];
    const double usd = w_[i] * as.price;
    h.equity += usd;
    h.adjusted += as.adjusted(usd);
    if (usd < 0) h.mm += -usd * as.borrow_mmr;
  }
  if (a.portfolio) {
    units_.clear();
    for (const auto& p : a.positions)
      if (!p.isolated() && std::find(units_.begin(), units_.end(), inst(p.inst).coin) == units_.end())
        units_.push_back(inst(p.inst).coin);
    for (int coin : units_) h.mm += unit_mmr(a, coin);
  }
  return h;
}

// USD value of the account's members on `coin` with the coin moved by g and option vols scaled.
double valuation::unit_value(const account& a, int coin, double g, double vol_mult) const {
  const double coin_price = m_.assets[m_.coins[coin].asset].price * (1 + g);
  double v = 0;
  for (const auto& p : a.positions) {
    const auto& in = inst(p.inst);
    if (p.isolated() || in.coin != coin) continue;
    const double mark = in.mark * (1 + g);
    const double settle_price = in.inverse ? coin_price : price(in.settle);
    double x;
    if (in.kind == inst_kind::option) {
      const double b = black76(mark, in.strike, in.expiry, std::max(in.iv * vol_mult, 0.01), in.call);
      x = in.inverse ? p.qty * in.multiplier * b / mark : p.qty * in.multiplier * b;
    } else if (in.inverse) {
      x = p.qty * in.multiplier * (1.0 / p.entry - 1.0 / mark);
    } else {
      x = p.qty * in.multiplier * (mark - p.entry);
    }
    v += x * settle_price;
  }
  return v;
}

// MMR of one risk unit (METHODOLOGY.md 5).
double valuation::unit_mmr(const account& a, int coin) const {
  const auto& f = m_.factors[m_.coins[coin].factor];
  const double v0 = unit_value(a, coin, 0, 1);
  bool has_options = false;
  double signed_notional = 0, gross = 0;
  for (const auto& p : a.positions) {
    const auto& in = inst(p.inst);
    if (p.isolated() || in.coin != coin) continue;
    const double n = notional(p);
    gross += n;
    if (in.kind == inst_kind::option)
      has_options = true;
    else
      signed_notional += p.qty < 0 ? -n : n;
  }
  double mr1 = 0;
  const double vols[] = {1 - f.pm_vol_down, 1, 1 + f.pm_vol_up};
  for (int k = -3; k <= 3; ++k) {
    const double g = f.pm_range * k / 3.0;
    for (double vol : vols) {
      if (!has_options && vol != 1) continue;  // vol does not move perps and futures
      mr1 = std::max(mr1, v0 - unit_value(a, coin, g, vol));
    }
  }
  double mr6 = 0;
  for (double g : {-f.pm_extreme_move, f.pm_extreme_move})
    mr6 = std::max(mr6, v0 - unit_value(a, coin, g, 1 + f.pm_vol_up));
  mr6 *= f.pm_extreme_fraction;
  const double mr4 = f.pm_basis_rate * std::fabs(signed_notional);
  const double mr7 = f.pm_min_charge_rate * gross;
  return std::max(std::max(mr1, mr6) + mr4, mr7);
}

}  // namespace riskscan::gen
