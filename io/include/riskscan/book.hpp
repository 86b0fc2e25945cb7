#pragma once
// The loaded snapshot: reference tables (assets, factors, schedules, instruments) as small
// vectors of structs, and the large per-account data (accounts, balances, positions) as
// struct-of-arrays columns in CSR form: account a owns rows [begin[a], begin[a+1]).
//
// Indices are 32-bit: a snapshot has far fewer than 2^31 rows of any kind.
// Money is USD, asset amounts are in asset units, quantities in contracts (METHODOLOGY.md 1-2).
// A Book is immutable after loading; any number of threads may read it.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace riskscan {

inline constexpr std::int32_t no_index = -1;

enum class factor_kind : std::uint8_t { crypto, stable };
enum class tier_style : std::uint8_t { step, marginal };
enum class instrument_kind : std::uint8_t { perp, future, option };
enum class account_mode : std::uint8_t { cross, portfolio };

struct factor {
  std::string id;
  factor_kind kind = factor_kind::crypto;
  double beta = 1.0;
  // Portfolio-margin parameters (METHODOLOGY.md 5): price range R, vol up / down, extreme move X,
  // extreme fraction k_X, basis rate b, minimum-charge rate c.
  double pm_range = 0.0;
  double pm_vol_up = 0.0;
  double pm_vol_down = 0.0;
  double pm_extreme_move = 0.0;
  double pm_extreme_fraction = 0.0;
  double pm_basis_rate = 0.0;
  double pm_min_charge_rate = 0.0;
};

struct asset {
  std::string id;
  double price_usd = 0.0;
  std::int32_t factor = no_index;  // no_index: never shocked (e.g. USD)
  double borrow_mmr = 0.0;
  double borrow_imr = 0.0;
  // Progressive collateral ratios: rows [tier_begin, tier_end) of book::collateral_tiers.
  std::int32_t tier_begin = 0;
  std::int32_t tier_end = 0;
};

// One row of a collateral schedule or a margin schedule. `up_to_usd` may be +inf in the last row.
struct tier_row {
  double up_to_usd = 0.0;
  double rate = 0.0;  // collateral ratio, or MM rate
};

struct margin_schedule {
  std::string id;
  tier_style style = tier_style::step;
  // Rows [tier_begin, tier_end) of book::margin_tiers, `up_to_usd` strictly ascending.
  std::int32_t tier_begin = 0;
  std::int32_t tier_end = 0;
};

struct instrument {
  std::string id;
  instrument_kind kind = instrument_kind::perp;
  std::int32_t underlying = no_index;  // factor index
  std::int32_t settle = no_index;      // asset index
  bool inverse = false;                // inverse: settle is the underlying coin, quote is USD
  double multiplier = 1.0;
  double mark_price = 0.0;              // quote units; for options the underlying forward F
  double expiry_years = 0.0;            // options (and futures, informational)
  double strike = 0.0;                  // options, quote units
  bool is_call = true;                  // options
  double iv = 0.0;                      // options, annualised
  std::int32_t mm_schedule = no_index;  // perps and futures
  double option_mm_rate = 0.0;
  double liq_fee_rate = 0.0;
  double impact_k = 0.0;
  double depth_usd = 0.0;  // 0: no depth given, no slippage
};

struct book {
  std::vector<factor> factors;
  std::vector<asset> assets;
  std::vector<tier_row> collateral_tiers;
  std::vector<margin_schedule> schedules;
  std::vector<tier_row> margin_tiers;
  std::vector<instrument> instruments;

  // Accounts, in input order.
  std::vector<std::string> account_ids;
  std::vector<account_mode> account_modes;
  std::vector<std::int32_t> account_groups;  // index into group_ids, or no_index
  std::vector<std::string> group_ids;

  // Balances, CSR by account (size accounts + 1), rows in file order within an account.
  std::vector<std::int64_t> balance_begin;
  std::vector<std::int32_t> balance_asset;
  std::vector<double> balance_amount;

  // Positions, CSR by account, rows in file order within an account.
  std::vector<std::int64_t> position_begin;
  std::vector<std::int32_t> position_instrument;
  std::vector<double> position_qty;       // signed contracts, nonzero
  std::vector<double> position_entry;     // quote units; NaN for options (unused)
  std::vector<double> position_isolated;  // isolated margin in settle units; NaN = cross

  std::size_t account_count() const noexcept { return account_ids.size(); }
  std::size_t position_count() const noexcept { return position_instrument.size(); }
  std::size_t balance_count() const noexcept { return balance_asset.size(); }
};

inline bool is_isolated(double isolated_margin) noexcept { return isolated_margin == isolated_margin; }

}  // namespace riskscan
