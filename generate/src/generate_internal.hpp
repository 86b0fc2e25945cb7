#pragma once
// Private to `riskscan generate` (generate/src/generate*.cpp): the synthetic market, the account
// generator, and the deterministic arithmetic both rest on.
//
// Determinism: the same (accounts, seed, options, portfolio) must give byte-identical files on
// every machine. So nothing here uses std::*_distribution (implementation-defined outputs) or the
// libm transcendental functions (not correctly rounded, they differ between libm versions); the
// generator has its own PRNG (splitmix64 + xoshiro256**) and its own log / exp / normal CDF built
// from +, -, *, / and sqrt only, which IEEE 754 rounds the same everywhere (the project builds
// with -ffp-contract=off, so no fused multiply-add changes a bit).
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "riskscan/generate.hpp"

namespace riskscan::gen {

// ---------------------------------------------------------------- deterministic arithmetic

inline constexpr double ln2_hi = 6.93147180369123816490e-01;  // fdlibm split of ln 2
inline constexpr double ln2_lo = 1.90821492927058770002e-10;
inline constexpr double ln10 = 2.302585092994045684;
inline constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();
inline constexpr double inf_value = std::numeric_limits<double>::infinity();

// Natural log, about 1 ulp, for finite x > 0.
inline double det_log(double x) {
  int e = 0;
  double m = std::frexp(x, &e);  // exact: x = m * 2^e, m in [0.5, 1)
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    e -= 1;
  }
  const double s = (m - 1.0) / (m + 1.0);  // |s| <= 0.1716
  const double z = s * s;
  double p = 1.0 / 23.0;
  for (int k = 21; k >= 3; k -= 2) p = 1.0 / k + z * p;
  const double log_m = 2.0 * s + 2.0 * s * z * p;
  const double de = static_cast<double>(e);
  return de * ln2_hi + (de * ln2_lo + log_m);
}

// e^x, about 1 ulp, for |x| < 700.
inline double det_exp(double x) {
  const double k = std::floor(x * 1.44269504088896340736 + 0.5);
  const double r = (x - k * ln2_hi) - k * ln2_lo;  // |r| <= 0.347
  double p = 1.0;
  for (int n = 14; n >= 1; --n) p = 1.0 + r * p / n;
  return std::ldexp(p, static_cast<int>(k));
}

inline double det_pow10(double x) { return det_exp(x * ln10); }

// Standard normal CDF (Numerical Recipes erfc, relative error < 1.2e-7: plenty for the health
// checks it serves).
inline double norm_cdf(double x) {
  const double z = std::fabs(x) * 0.70710678118654752440;
  const double t = 1.0 / (1.0 + 0.5 * z);
  const double poly =
      -z * z - 1.26551223 +
      t * (1.00002368 +
           t * (0.37409196 +
                t * (0.09678418 +
                     t * (-0.18628806 +
                          t * (0.27886807 +
                               t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const double erfc_z = t * det_exp(poly);
  return x >= 0 ? 1.0 - 0.5 * erfc_z : 0.5 * erfc_z;
}

// Inverse standard normal CDF (Acklam, relative error < 1.2e-9), p in (0, 1).
double norm_inv(double p);

// Undiscounted Black-76 price (METHODOLOGY.md 2), intrinsic value at T = 0.
double black76(double forward, double strike, double years, double vol, bool call);

// Powers of ten as exact doubles for |d| <= 22.
inline double pow10_exact(int d) {
  static constexpr double table[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  return table[d < 0 ? -d : d];
}

// x rounded to `d` decimals (d < 0: to a multiple of 10^-d); the result is the double nearest to
// that decimal, so the shortest round-trip form prints exactly it.
inline double round_dec(double x, int d) {
  if (d >= 0) {
    const double p = pow10_exact(d);
    return std::nearbyint(x * p) / p;
  }
  const double p = pow10_exact(-d);
  return std::nearbyint(x / p) * p;
}

// floor(log10(x)) for x > 0, exact (no log call).
inline int floor_log10(double x) {
  int k = 0;
  while (k < 22 && x >= pow10_exact(k + 1)) ++k;
  while (k > -22 && x < (k >= 0 ? pow10_exact(k) : 1.0 / pow10_exact(-k))) --k;
  return k;
}

// x rounded to `sig` significant digits.
inline double round_sig(double x, int sig) {
  if (x == 0) return 0;
  return round_dec(x, sig - 1 - floor_log10(std::fabs(x)));
}

// ---------------------------------------------------------------- randomness

inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// xoshiro256**, seeded through splitmix64 from (seed, stream, index): every account has its own
// stream, so chunks can be generated in parallel and the output never depends on threads.
class rng {
 public:
  rng(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
    std::uint64_t sm = seed;
    std::uint64_t a = splitmix64(sm);
    sm = a ^ (stream * 0xD1B54A32D192ED03ULL);
    std::uint64_t b = splitmix64(sm);
    sm = b ^ (index * 0xAEF17502108EF2D9ULL) ^ 0x632BE59BD9B4E019ULL;
    for (auto& w : s_) w = splitmix64(sm);
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  // (0, 1): for inverse CDFs.
  double open_uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  // 0 .. n-1 (multiply-shift; the bias of at most n / 2^32 does not matter here).
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>(((next() >> 32) * static_cast<std::uint64_t>(n)) >> 32);
  }
  bool chance(double p) { return uniform() < p; }
  double normal() { return norm_inv(open_uniform()); }
  // Normal clipped to [-limit, limit] by redrawing.
  double normal_within(double limit) {
    for (int i = 0; i < 64; ++i) {
      const double z = normal();
      if (z >= -limit && z <= limit) return z;
    }
    return 0.0;
  }
  double log_uniform(double a, double b) { return a * det_exp(uniform() * det_log(b / a)); }
  // Index drawn from a cumulative weight table (last entry = total).
  std::size_t pick(const std::vector<double>& cumulative) {
    const double u = uniform() * cumulative.back();
    std::size_t i = 0;
    while (i + 1 < cumulative.size() && u >= cumulative[i]) ++i;
    return i;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// ---------------------------------------------------------------- the market

struct tier {
  double up_to = 0;  // USD, may be inf in the last row
  double rate = 0;
};

enum class coin_class : std::uint8_t { major, large, alt };

struct factor_def {
  std::string id;
  bool stable = false;
  double beta = 1, pm_range = 0, pm_vol_up = 0, pm_vol_down = 0, pm_extreme_move = 0, pm_extreme_fraction = 0,
         pm_basis_rate = 0, pm_min_charge_rate = 0;
};

struct asset_def {
  std::string id;
  double price = 0;  // USD
  int factor = -1;   // -1: never shocked
  double borrow_mmr = 0, borrow_imr = 0;
  std::vector<tier> collateral;  // progressive ratios, empty = full value
  int amount_decimals = 8;       // how balances of this asset are rounded
  // Progressive collateral value of a USD amount (METHODOLOGY.md 4); negative counts in full.
  double adjusted(double usd) const;
};

struct schedule_def {
  std::string id;
  bool marginal = true;
  std::vector<tier> rows;
  std::vector<double> cum;               // marginal: cumulative deductions
  double mm(double notional_usd) const;  // METHODOLOGY.md 3
};

enum class inst_kind : std::uint8_t { perp, future, option };

struct instrument_def {
  std::string id;
  inst_kind kind = inst_kind::perp;
  int coin = 0;        // index into market::coins (the underlying factor and coin asset)
  int underlying = 0;  // factor index
  int settle = 0;      // asset index
  int quote = 0;       // asset index: settle for linear, USD for inverse
  bool inverse = false;
  double multiplier = 1;
  double mark = 0;    // quote units; options: the forward
  double expiry = 0;  // years (futures and options)
  double strike = 0;
  bool call = true;
  double iv = 0;
  int schedule = -1;  // perps and futures
  double option_mm_rate = 0;
  double liq_fee_rate = 0, impact_k = 0, depth_usd = 0;
  int qty_decimals = 2;  // lot size 10^-qty_decimals contracts
  int price_sig = 7;     // entry prices: significant digits
};

// Per coin: where its asset, factor and instruments sit.
struct coin_market {
  int asset = -1, factor = -1;
  coin_class cls = coin_class::alt;
  int linear_perp = -1, inverse_perp = -1;
  std::vector<int> futures;  // linear USDC quarterlies, nearest first
  // Options: index [style][expiry][moneyness][put] (style 0 inverse, 1 linear USDC), -1 if absent.
  std::vector<int> options;
  bool has_options() const { return !options.empty(); }
  int option(int style, int expiry, int moneyness, int put) const;
};

inline constexpr int option_expiry_count = 5;
inline constexpr int option_moneyness_count = 11;
inline constexpr double option_moneyness[option_moneyness_count] = {0.6,  0.7, 0.8, 0.9, 0.95, 1.0,
                                                                    1.05, 1.1, 1.2, 1.3, 1.5};
inline constexpr int atm_moneyness = 5;

inline int coin_market::option(int style, int expiry, int moneyness, int put) const {
  return options[((style * option_expiry_count + expiry) * option_moneyness_count + moneyness) * 2 + put];
}

struct market {
  std::vector<factor_def> factors;
  std::vector<asset_def> assets;
  std::vector<schedule_def> schedules;
  std::vector<instrument_def> instruments;
  std::vector<coin_market> coins;
  int usd = 0, usdt = 1, usdc = 2;
  std::vector<double> popularity_cdf;  // over coins: how often retail trades each
  std::vector<int> futures_coins;      // coins with quarterly futures
  std::vector<int> option_coins;       // coins with option chains (empty without options)
};

// The market is the same for every seed (the stress set scales moves by the betas it holds).
market build_market(bool with_options);

// ---------------------------------------------------------------- accounts

struct position {
  int inst = 0;
  double qty = 0;            // signed contracts
  double entry = nan_value;  // quote units; NaN for options
  double iso = nan_value;    // isolated margin in settle units; NaN: cross
  bool isolated() const { return iso == iso; }
};

struct balance {
  int asset = 0;
  double amount = 0;
};

struct account {
  std::vector<balance> balances;
  std::vector<position> positions;
  bool portfolio = false;
  void clear() {
    balances.clear();
    positions.clear();
    portfolio = false;
  }
};

// An affiliated group leans the same way on one coin, and its members are bigger than usual.
struct group_theme {
  int coin = 0;
  double sign = 1;
  double size_boost = 1;
};

// Cross part of an account at base, USD (METHODOLOGY.md 4).
struct health {
  double equity = 0;    // raw equity
  double adjusted = 0;  // after collateral ratios
  double mm = 0;        // tiered / option / portfolio MM plus borrow MM
  bool ok(double ratio) const { return adjusted >= ratio * mm && adjusted > 0 && equity > 0; }
};

// The methodology at base, as far as the generator needs it to keep accounts healthy: position
// values, notionals, cross and portfolio maintenance margin. Not thread-safe (scratch space):
// one per thread.
class valuation {
 public:
  explicit valuation(const market& m) : m_(m), w_(m.assets.size(), 0.0), seen_(m.assets.size(), 0) {}
  const instrument_def& inst(int i) const { return m_.instruments[i]; }
  double price(int asset) const { return m_.assets[asset].price; }
  // USD notional of one contract.
  double contract_usd(const instrument_def& in) const;
  // Unrealised PnL (perps, futures) or value (options), settle units.
  double value_settle(const position& p) const;
  double notional(const position& p) const { return std::fabs(p.qty) * contract_usd(inst(p.inst)); }
  health evaluate(const account& a);

 private:
  double unit_value(const account& a, int coin, double g, double vol_mult) const;
  double unit_mmr(const account& a, int coin) const;
  const market& m_;
  std::vector<double> w_;  // per-asset cross amounts
  std::vector<char> seen_;
  std::vector<int> touched_;
  std::vector<int> units_;
};

// Builds one account from its own PRNG stream (seed, index): the mix of account types lives in
// generate_accounts.cpp. One per thread.
class account_factory {
 public:
  account_factory(const market& m, const generate_options& o);
  ~account_factory();
  account_factory(const account_factory&) = delete;
  account_factory& operator=(const account_factory&) = delete;
  void build(std::uint64_t index, const group_theme* theme, account& out);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

inline constexpr std::uint64_t stream_account = 1, stream_groups = 2, stream_theme = 3;

// Draws of generate_draws.cpp: an account's equity in USD, its gross leverage (`tail`: drawn from
// the 20x .. 100x tail), and an index k with probability shares[k] (the last takes the rest).
double sample_equity(rng& r);
double sample_leverage(rng& r, bool& tail);
int draw_count(rng& r, std::initializer_list<double> shares);

// ---------------------------------------------------------------- writing

// Appends x in shortest round-trip form, never in exponent notation.
void put_number(fmt::memory_buffer& out, double x);
inline void put(fmt::memory_buffer& out, std::string_view s) { out.append(s.data(), s.data() + s.size()); }
inline void put(fmt::memory_buffer& out, char c) { out.push_back(c); }

// Writes the buffers one after another to `path`; throws output_error.
void write_file(const std::filesystem::path& path, const std::vector<const fmt::memory_buffer*>& parts);

void write_market(const market& m, const std::filesystem::path& dir);
void write_accounts(const market& m, const generate_options& options, const std::filesystem::path& dir);

}  // namespace riskscan::gen
