// `riskscan generate`, the market half: assets, factors, collateral and margin schedules,
// instruments (linear and inverse perps, quarterly futures, option chains) and their files.
//
// The market is fixed (the same for every seed): a snapshot of about 40 real coins at
// plausible prices on 2025-01-15, with Binance-style marginal and OKX-style step schedules,
// OKX-style portfolio-margin parameters and Deribit-style option chains.
#include <algorithm>

#include "generate_internal.hpp"

namespace riskscan::gen {

namespace {

struct coin_spec {
  const char* id;
  double price;  // USD
  double beta;   // to the crypto market (BTC = 1)
  coin_class cls;
  double popularity;  // relative share of retail positions
  bool inverse_perp;  // a coin-margined X-USD-SWAP is listed
  int futures;        // number of quarterly USDC futures
  bool options;       // option chains (when options are on)
  double atm_vol;     // options: ATM implied vol
  double carry;       // annualised futures basis (contango)
  double depth_musd;  // linear perp order-book depth, $M
};

constexpr coin_class M = coin_class::major, L = coin_class::large, A = coin_class::alt;

// clang-format off
constexpr coin_spec coin_table[] = {
    {"BTC",    91234.5,    1.00, M, 30.0, true,  4, true,  0.52, 0.08, 400},
    {"ETH",    3050.25,    1.05, M, 18.0, true,  4, true,  0.68, 0.09, 200},
    {"SOL",    141.7,      1.15, L,  8.0, true,  2, true,  0.85, 0.10,  60},
    {"XRP",    2.21,       1.10, L,  5.0, true,  2, false, 0.00, 0.10,  40},
    {"BNB",    612.4,      0.85, L,  3.0, true,  2, false, 0.00, 0.08,  30},
    {"DOGE",   0.1733,     1.30, L,  5.0, true,  2, false, 0.00, 0.12,  40},
    {"ADA",    0.6834,     1.25, A,  2.0, true,  0, false, 0.00, 0.00,  20},
    {"TRX",    0.2412,     1.20, A,  1.2, true,  0, false, 0.00, 0.00,  12},
    {"AVAX",   24.16,      1.45, A,  1.8, true,  0, false, 0.00, 0.00,  18},
    {"LINK",   14.52,      1.40, A,  1.8, true,  0, false, 0.00, 0.00,  18},
    {"TON",    3.12,       1.25, A,  1.0, true,  0, false, 0.00, 0.00,  10},
    {"SHIB",   0.00001234, 1.50, A,  1.2, true,  0, false, 0.00, 0.00,  10},
    {"DOT",    4.21,       1.45, A,  1.0, true,  0, false, 0.00, 0.00,  10},
    {"BCH",    432.6,      1.30, A,  1.0, true,  0, false, 0.00, 0.00,  12},
    {"LTC",    87.45,      1.25, A,  1.2, true,  0, false, 0.00, 0.00,  15},
    {"NEAR",   2.91,       1.55, A,  1.0, true,  0, false, 0.00, 0.00,  10},
    {"UNI",    7.85,       1.50, A,  0.9, true,  0, false, 0.00, 0.00,   8},
    {"APT",    5.62,       1.60, A,  0.8, true,  0, false, 0.00, 0.00,   8},
    {"ICP",    5.43,       1.55, A,  0.6, true,  0, false, 0.00, 0.00,   6},
    {"ETC",    17.28,      1.35, A,  0.7, true,  0, false, 0.00, 0.00,   8},
    {"FIL",    2.94,       1.50, A,  0.7, true,  0, false, 0.00, 0.00,   7},
    {"ATOM",   4.37,       1.40, A,  0.7, true,  0, false, 0.00, 0.00,   7},
    {"ARB",    0.3215,     1.65, A,  0.9, true,  0, false, 0.00, 0.00,   8},
    {"OP",     0.6423,     1.65, A,  0.8, true,  0, false, 0.00, 0.00,   7},
    {"SUI",    2.87,       1.70, A,  1.2, true,  0, false, 0.00, 0.00,  12},
    {"INJ",    11.23,      1.70, A,  0.6, true,  0, false, 0.00, 0.00,   5},
    {"HBAR",   0.1812,     1.45, A,  0.6, true,  0, false, 0.00, 0.00,   5},
    {"XLM",    0.2874,     1.30, A,  0.6, true,  0, false, 0.00, 0.00,   6},
    {"AAVE",   172.4,      1.50, A,  0.7, true,  0, false, 0.00, 0.00,   8},
    {"MKR",    1423.0,     1.35, A,  0.4, true,  0, false, 0.00, 0.00,   4},
    {"RENDER", 3.92,       1.70, A,  0.5, false, 0, false, 0.00, 0.00,   4},
    {"PEPE",   0.00000912, 1.80, A,  1.2, false, 0, false, 0.00, 0.00,  10},
    {"WIF",    0.734,      1.80, A,  0.9, false, 0, false, 0.00, 0.00,   6},
    {"TIA",    3.21,       1.75, A,  0.5, false, 0, false, 0.00, 0.00,   3},
    {"SEI",    0.2114,     1.75, A,  0.5, false, 0, false, 0.00, 0.00,   3},
    {"LDO",    1.04,       1.60, A,  0.4, false, 0, false, 0.00, 0.00,   3},
    {"STX",    0.713,      1.60, A,  0.3, false, 0, false, 0.00, 0.00,   2},
    {"ALGO",   0.2163,     1.40, A,  0.3, false, 0, false, 0.00, 0.00,   2},
    {"POL",    0.2245,     1.45, A,  0.4, false, 0, false, 0.00, 0.00,   3},
    {"HYPE",   24.8,       1.60, A,  1.0, false, 0, false, 0.00, 0.00,   8},
};
// clang-format on

constexpr double usdt_price = 0.9996;
constexpr double usdc_price = 1.0;

// Days from the snapshot date (2025-01-15) and the exchange's date labels.
constexpr int future_days[] = {72, 163, 254, 345};
constexpr const char* future_labels[] = {"250328", "250627", "250926", "251226"};
constexpr int option_days[option_expiry_count] = {1, 7, 30, 72, 163};
constexpr const char* option_labels[option_expiry_count] = {"16JAN25", "22JAN25", "14FEB25", "28MAR25", "27JUN25"};

schedule_def make_schedule(std::string id, bool marginal, std::vector<tier> rows) {
  schedule_def s;
  s.id = std::move(id);
  s.marginal = marginal;
  s.rows = std::move(rows);
  s.cum.assign(s.rows.size(), 0.0);
  for (std::size_t k = 1; k < s.rows.size(); ++k)
    s.cum[k] = s.cum[k - 1] + s.rows[k - 1].up_to * (s.rows[k].rate - s.rows[k - 1].rate);
  return s;
}

// Schedule indices in market::schedules.
enum : int {
  sched_binance_btc,
  sched_binance_eth,
  sched_binance_large,
  sched_binance_alt,
  sched_okx_major,
  sched_okx_alt
};

std::vector<schedule_def> make_schedules() {
  std::vector<schedule_def> s;
  // Binance USDT-M style brackets with cumulative deduction (rates 0.4% .. 50%).
  s.push_back(make_schedule("binance_btc", true,
                            {{5e4, 0.004},
                             {6e5, 0.005},
                             {3e6, 0.0065},
                             {1.2e7, 0.01},
                             {7e7, 0.02},
                             {1e8, 0.05},
                             {2.3e8, 0.1},
                             {4.8e8, 0.125},
                             {6e8, 0.15},
                             {8e8, 0.25},
                             {inf_value, 0.5}}));
  s.push_back(make_schedule("binance_eth", true,
                            {{5e4, 0.005},
                             {6e5, 0.0065},
                             {3e6, 0.01},
                             {1.2e7, 0.02},
                             {5e7, 0.05},
                             {6.5e7, 0.1},
                             {1.5e8, 0.125},
                             {3.2e8, 0.15},
                             {4e8, 0.25},
                             {inf_value, 0.5}}));
  s.push_back(make_schedule("binance_large", true,
                            {{2.5e4, 0.006},
                             {1e5, 0.0075},
                             {5e5, 0.01},
                             {2e6, 0.025},
                             {5e6, 0.05},
                             {1e7, 0.1},
                             {2e7, 0.125},
                             {4e7, 0.15},
                             {8e7, 0.25},
                             {inf_value, 0.5}}));
  s.push_back(make_schedule("binance_alt", true,
                            {{5e3, 0.01},
                             {2.5e4, 0.015},
                             {1e5, 0.02},
                             {5e5, 0.05},
                             {1e6, 0.1},
                             {3e6, 0.125},
                             {5e6, 0.15},
                             {1e7, 0.25},
                             {inf_value, 0.5}}));
  // OKX style whole-position step tiers.
  s.push_back(
      make_schedule("okx_major", false,
                    {{1e6, 0.004}, {5e6, 0.006}, {2e7, 0.01}, {5e7, 0.02}, {1e8, 0.05}, {2e8, 0.1}, {inf_value, 0.2}}));
  s.push_back(
      make_schedule("okx_alt", false,
                    {{5e4, 0.01}, {2e5, 0.02}, {1e6, 0.035}, {3e6, 0.05}, {1e7, 0.1}, {3e7, 0.2}, {inf_value, 0.33}}));
  return s;
}

std::vector<tier> collateral_for(const coin_spec& c) {
  if (c.cls == coin_class::major && std::string_view(c.id) == "BTC")
    return {{2e6, 0.95}, {8e6, 0.9}, {5e7, 0.85}, {inf_value, 0.7}};
  if (c.cls == coin_class::major) return {{1e6, 0.95}, {5e6, 0.9}, {2e7, 0.8}, {inf_value, 0.6}};
  if (c.cls == coin_class::large) return {{3e5, 0.85}, {1e6, 0.75}, {5e6, 0.5}, {inf_value, 0.3}};
  return {{1e5, 0.7}, {5e5, 0.5}, {2e6, 0.3}, {inf_value, 0.1}};
}

// A strike grid step near 1/100 of the price: 1, 2 or 5 times a power of ten.
double strike_step(double price) {
  const double raw = price / 100.0;
  const int k = floor_log10(raw);
  const double p = k >= 0 ? pow10_exact(k) : 1.0 / pow10_exact(-k);
  const double lead = raw / p;
  return lead < 2 ? p : lead < 5 ? 2 * p : 5 * p;
}

}  // namespace

double asset_def::adjusted(double usd) const {
  if (usd <= 0 || collateral.empty()) return usd;
  double total = 0, lower = 0;
  for (const auto& t : collateral) {
    const double upper = t.up_to;
    if (usd <= lower) break;
    const double part = std::min(usd, upper) - lower;
    total += t.rate * part;
    lower = upper;
  }
  return total;
}

double schedule_def::mm(double notional) const {
  std::size_t k = 0;
  while (k + 1 < rows.size() && notional > rows[k].up_to) ++k;
  if (marginal) return notional * rows[k].rate - cum[k];
  return notional * rows[k].rate;
}

namespace {

constexpr int coin_count = static_cast<int>(std::size(coin_table));

// Factors: the coins, then the stablecoins.
void add_factors(market& m) {
  for (const auto& c : coin_table) {
    factor_def f;
    f.id = c.id;
    f.beta = c.beta;
    const bool major = c.cls == coin_class::major;
    f.pm_range = major ? 0.12 : 0.18;
    f.pm_vol_up = 0.5;
    f.pm_vol_down = 0.25;
    f.pm_extreme_move = major ? 0.24 : 0.36;
    f.pm_extreme_fraction = 0.5;
    f.pm_basis_rate = major ? 0.002 : 0.008;
    f.pm_min_charge_rate = major ? 0.0045 : 0.007;
    m.factors.push_back(f);
  }
  for (const char* id : {"USDT", "USDC"}) {
    factor_def f;
    f.id = id;
    f.stable = true;
    f.beta = 0;
    f.pm_range = 0.02;
    f.pm_extreme_move = 0.05;
    f.pm_extreme_fraction = 0.5;
    m.factors.push_back(f);
  }
}

// Assets: USD, USDT, USDC, then the coins.
void add_assets(market& m) {
  const int usdt_factor = coin_count;  // the stablecoins' factors follow the coins'
  m.assets.push_back({"USD", 1.0, -1, 0.0, 0.0, {}, 2});
  m.assets.push_back(
      {"USDT", usdt_price, usdt_factor, 0.02, 0.1, {{5e6, 1.0}, {1e7, 0.95}, {2e7, 0.9}, {inf_value, 0.8}}, 4});
  m.assets.push_back({"USDC", usdc_price, usdt_factor + 1, 0.02, 0.1, {{1e7, 1.0}, {2e7, 0.95}, {inf_value, 0.9}}, 4});
  m.usd = 0;
  m.usdt = 1;
  m.usdc = 2;

  m.coins.resize(coin_count);
  double cumulative = 0;
  for (int i = 0; i < coin_count; ++i) {
    const auto& c = coin_table[i];
    const bool alt = c.cls == coin_class::alt;
    asset_def a;
    a.id = c.id;
    a.price = c.price;
    a.factor = i;
    a.borrow_mmr = alt ? 0.1 : 0.05;
    a.borrow_imr = alt ? 0.3 : 0.2;
    a.collateral = collateral_for(c);
    a.amount_decimals = std::clamp(floor_log10(c.price) + 5, 0, 8);
    m.coins[i].asset = static_cast<int>(m.assets.size());
    m.coins[i].factor = i;
    m.coins[i].cls = c.cls;
    m.assets.push_back(a);
    cumulative += c.popularity;
    m.popularity_cdf.push_back(cumulative);
  }
}

// By coin class (major, large, alt).
constexpr double liq_fee[] = {0.005, 0.0075, 0.01};
constexpr double impact[] = {0.1, 0.15, 0.2};

// Appends `d` and returns its index.
int add_instrument(market& m, instrument_def d) {
  m.instruments.push_back(std::move(d));
  return static_cast<int>(m.instruments.size()) - 1;
}

// The linear USDT swap of coin i.
instrument_def make_linear_perp(const market& m, int i) {
  const auto& c = coin_table[i];
  const int cls = static_cast<int>(c.cls);
  const bool btc = i == 0;
  const double basis = ((i * 7) % 9 - 4) * 0.00005;  // funding-driven premium
  // Contract size: a power of ten worth $100 .. $1,000 (OKX style ctVal).
  const int mult_exp = floor_log10(1000.0 / c.price);
  const double mult = mult_exp >= 0 ? pow10_exact(mult_exp) : 1.0 / pow10_exact(-mult_exp);
  instrument_def p;
  p.id = fmt::format("{}-USDT-SWAP", c.id);
  p.kind = inst_kind::perp;
  p.coin = i;
  p.underlying = i;
  p.settle = p.quote = m.usdt;
  p.multiplier = mult;
  p.mark = round_sig(c.price * (1 + basis) / usdt_price, 7);
  p.schedule = btc                          ? sched_binance_btc
               : c.cls == coin_class::major ? sched_binance_eth
               : c.cls == coin_class::large ? sched_binance_large
                                            : sched_binance_alt;
  p.liq_fee_rate = liq_fee[cls];
  p.impact_k = impact[cls];
  p.depth_usd = c.depth_musd * 1e6;
  p.qty_decimals = 2;
  return p;
}

// The inverse USD swap of coin i, settled in the coin.
instrument_def make_inverse_perp(const market& m, int i) {
  const auto& c = coin_table[i];
  const int cls = static_cast<int>(c.cls);
  instrument_def q;
  q.id = fmt::format("{}-USD-SWAP", c.id);
  q.kind = inst_kind::perp;
  q.coin = i;
  q.underlying = i;
  q.settle = m.coins[i].asset;
  q.quote = m.usd;
  q.inverse = true;
  q.multiplier = c.cls == coin_class::major ? 100 : 10;  // USD face per contract
  q.mark = round_sig(c.price * (1 + ((i * 5) % 7 - 3) * 0.00004), 7);
  q.schedule = c.cls == coin_class::major ? sched_okx_major : sched_okx_alt;
  q.liq_fee_rate = liq_fee[cls];
  q.impact_k = impact[cls];
  q.depth_usd = round_sig(c.depth_musd * 1e6 / 4, 3);
  q.qty_decimals = 0;  // whole contracts
  return q;
}

// Perps: a linear USDT swap on every coin, an inverse USD swap on most.
void add_perps(market& m) {
  for (int i = 0; i < coin_count; ++i) {
    m.coins[i].linear_perp = add_instrument(m, make_linear_perp(m, i));
    if (coin_table[i].inverse_perp) m.coins[i].inverse_perp = add_instrument(m, make_inverse_perp(m, i));
  }
}

// Quarterly linear USDC futures on the majors and large caps.
void add_futures(market& m) {
  for (int i = 0; i < coin_count; ++i) {
    const auto& c = coin_table[i];
    if (c.futures == 0) continue;
    m.futures_coins.push_back(i);
    const auto& perp = m.instruments[m.coins[i].linear_perp];
    for (int e = 0; e < c.futures; ++e) {
      const double years = future_days[e] / 365.0;
      instrument_def f;
      f.id = fmt::format("{}-USDC-{}", c.id, future_labels[e]);
      f.kind = inst_kind::future;
      f.coin = i;
      f.underlying = i;
      f.settle = f.quote = m.usdc;
      f.multiplier = perp.multiplier;
      f.mark = round_sig(c.price * (1 + c.carry * years) / usdc_price, 7);
      f.expiry = years;
      f.schedule = c.cls == coin_class::major ? sched_okx_major : sched_okx_alt;
      f.liq_fee_rate = perp.liq_fee_rate;
      f.impact_k = perp.impact_k * 1.2;
      f.depth_usd = round_sig(c.depth_musd * 1e6 / (6 + 3 * e), 3);
      f.qty_decimals = 2;
      m.coins[i].futures.push_back(add_instrument(m, f));
    }
  }
}

// One strike of an option chain: where it sits, and what its two options share.
struct option_strike {
  int coin = 0;
  int style = 0;  // 0: inverse, settled in the coin; 1: linear USDC
  int expiry = 0;
  int moneyness = 0;
  double years = 0, forward_usd = 0, strike = 0, iv = 0, base_depth = 0;
  int qty_decimals = 0;
};

instrument_def make_option(const market& m, const option_strike& k, int put) {
  const auto& c = coin_table[k.coin];
  instrument_def o;
  o.id = fmt::format("{}{}-{}-{}-{}", c.id, k.style == 0 ? "" : "_USDC", option_labels[k.expiry], k.strike,
                     put ? 'P' : 'C');
  o.kind = inst_kind::option;
  o.coin = k.coin;
  o.underlying = k.coin;
  o.inverse = k.style == 0;
  o.settle = k.style == 0 ? m.coins[k.coin].asset : m.usdc;
  o.quote = k.style == 0 ? m.usd : m.usdc;
  o.multiplier = 1;
  o.mark = k.style == 0 ? k.forward_usd : round_sig(k.forward_usd / usdc_price, 8);
  o.expiry = k.years;
  o.strike = k.strike;
  o.call = put == 0;
  o.iv = k.iv;
  o.option_mm_rate = 0.1;
  o.liq_fee_rate = 0.003;
  o.impact_k = 0.2;
  const double away = std::fabs(option_moneyness[k.moneyness] - 1.0);
  o.depth_usd = round_sig(k.base_depth * (1.0 - away) * (k.style == 0 ? 1.0 : 0.5), 3);
  o.qty_decimals = k.qty_decimals;
  return o;
}

// The calls and puts of one style and expiry of coin i's chain. Strikes on the coin's grid step;
// a moneyness whose strike rounds onto the previous one is left out.
void add_option_expiry(market& m, int i, int style, int e) {
  const auto& c = coin_table[i];
  auto& cm = m.coins[i];
  const double step = strike_step(c.price);
  option_strike k;
  k.coin = i;
  k.style = style;
  k.expiry = e;
  k.qty_decimals = std::clamp(floor_log10(c.price) - 2, 0, 4);  // BTC 0.01, ETH 0.1, SOL 1
  k.base_depth = c.cls == coin_class::major ? (i == 0 ? 5e6 : 3e6) : 5e5;
  k.years = option_days[e] / 365.0;
  k.forward_usd = round_sig(c.price * (1 + c.carry * k.years), 8);
  const double atm = c.atm_vol * (0.9 + 0.2 * std::min(1.0, std::sqrt(k.years / 0.5)));
  double last_strike = 0;
  for (k.moneyness = 0; k.moneyness < option_moneyness_count; ++k.moneyness) {
    k.strike = std::nearbyint(option_moneyness[k.moneyness] * k.forward_usd / step) * step;
    if (k.strike <= last_strike) continue;
    last_strike = k.strike;
    const double x = det_log(k.strike / k.forward_usd);
    k.iv = round_dec(atm * (1 - 0.25 * x + 0.8 * x * x), 4);
    for (int put = 0; put < 2; ++put) {
      cm.options[((style * option_expiry_count + e) * option_moneyness_count + k.moneyness) * 2 + put] =
          add_instrument(m, make_option(m, k, put));
    }
  }
}

// Option chains: inverse (Deribit style, settled in the coin) and linear USDC.
void add_options(market& m) {
  for (int i = 0; i < coin_count; ++i) {
    if (!coin_table[i].options) continue;
    m.option_coins.push_back(i);
    m.coins[i].options.assign(2 * option_expiry_count * option_moneyness_count * 2, -1);
    for (int style = 0; style < 2; ++style) {
      for (int e = 0; e < option_expiry_count; ++e) add_option_expiry(m, i, style, e);
    }
  }
}

}  // namespace

market build_market(bool with_options) {
  market m;
  m.schedules = make_schedules();
  add_factors(m);
  add_assets(m);
  add_perps(m);
  add_futures(m);
  if (with_options) add_options(m);
  return m;
}

namespace {

void write_assets(const market& m, const std::filesystem::path& dir) {
  fmt::memory_buffer b;
  put(b, "asset,price_usd,factor,borrow_mmr,borrow_imr\n");
  for (const auto& a : m.assets) {
    put(b, a.id);
    put(b, ',');
    put_number(b, a.price);
    put(b, ',');
    if (a.factor >= 0) put(b, m.factors[a.factor].id);
    put(b, ',');
    put_number(b, a.borrow_mmr);
    put(b, ',');
    put_number(b, a.borrow_imr);
    put(b, '\n');
  }
  write_file(dir / "assets.csv", {&b});
}

void write_collateral_tiers(const market& m, const std::filesystem::path& dir) {
  fmt::memory_buffer b;
  put(b, "asset,up_to_usd,ratio\n");
  for (const auto& a : m.assets) {
    for (const auto& t : a.collateral) {
      put(b, a.id);
      put(b, ',');
      put_number(b, t.up_to);
      put(b, ',');
      put_number(b, t.rate);
      put(b, '\n');
    }
  }
  write_file(dir / "collateral_tiers.csv", {&b});
}

void write_factors(const market& m, const std::filesystem::path& dir) {
  fmt::memory_buffer b;
  put(b,
      "factor,kind,beta,pm_range,pm_vol_up,pm_vol_down,pm_extreme_move,pm_extreme_fraction,pm_basis_rate,"
      "pm_min_charge_rate\n");
  for (const auto& f : m.factors) {
    put(b, f.id);
    put(b, ',');
    put(b, f.stable ? "stable" : "crypto");
    for (double x : {f.beta, f.pm_range, f.pm_vol_up, f.pm_vol_down, f.pm_extreme_move, f.pm_extreme_fraction,
                     f.pm_basis_rate, f.pm_min_charge_rate}) {
      put(b, ',');
      put_number(b, x);
    }
    put(b, '\n');
  }
  write_file(dir / "factors.csv", {&b});
}

void write_margin_tiers(const market& m, const std::filesystem::path& dir) {
  fmt::memory_buffer b;
  put(b, "schedule,style,up_to_usd,rate\n");
  for (const auto& s : m.schedules) {
    for (const auto& t : s.rows) {
      put(b, s.id);
      put(b, s.marginal ? ",marginal," : ",step,");
      put_number(b, t.up_to);
      put(b, ',');
      put_number(b, t.rate);
      put(b, '\n');
    }
  }
  write_file(dir / "margin_tiers.csv", {&b});
}

// One row of instruments.csv; the cells that do not apply to the instrument's kind stay empty.
void put_instrument(fmt::memory_buffer& b, const market& m, const instrument_def& in) {
  const bool option = in.kind == inst_kind::option;
  auto sep = [&] { b.push_back(','); };
  put(b, in.id);
  put(b, in.kind == inst_kind::perp ? ",perp," : in.kind == inst_kind::future ? ",future," : ",option,");
  put(b, m.factors[in.underlying].id);
  sep();
  put(b, m.assets[in.settle].id);
  put(b, in.inverse ? ",1," : ",0,");
  put_number(b, in.multiplier);
  sep();
  put_number(b, in.mark);
  sep();
  if (in.kind != inst_kind::perp) put_number(b, in.expiry);
  sep();
  if (option) put_number(b, in.strike);
  sep();
  if (option) put(b, in.call ? 'C' : 'P');
  sep();
  if (option) put_number(b, in.iv);
  sep();
  if (!option) put(b, m.schedules[in.schedule].id);
  sep();
  if (option) put_number(b, in.option_mm_rate);
  sep();
  put_number(b, in.liq_fee_rate);
  sep();
  put_number(b, in.impact_k);
  sep();
  put_number(b, in.depth_usd);
  b.push_back('\n');
}

void write_instruments(const market& m, const std::filesystem::path& dir) {
  fmt::memory_buffer b;
  put(b,
      "instrument,kind,underlying,settle,inverse,multiplier,mark_price,expiry_years,strike,option_type,iv,"
      "mm_schedule,option_mm_rate,liq_fee_rate,impact_k,depth_usd\n");
  for (const auto& in : m.instruments) put_instrument(b, m, in);
  write_file(dir / "instruments.csv", {&b});
}

}  // namespace

void write_market(const market& m, const std::filesystem::path& dir) {
  write_assets(m, dir);
  write_collateral_tiers(m, dir);
  write_factors(m, dir);
  write_margin_tiers(m, dir);
  write_instruments(m, dir);
}

}  // namespace riskscan::gen
