#pragma once
// A small, valid snapshot written out by the io tests, so each bad-input case mutates one known
// line of one file. It covers every feature the loader handles: a factor-less asset, collateral
// tier rows of one asset that are not adjacent, step and marginal schedules ending in inf,
// linear / inverse perps, a future, inverse and linear options, groups, and balances and positions
// that are NOT sorted by account (a1 holds BTC-USDT-SWAP once cross, once isolated).
#include <filesystem>
#include <map>
#include <string>

#include "test_support.hpp"

namespace riskscan::test {

using snapshot_files = std::map<std::string, std::string>;

inline snapshot_files valid_snapshot() {
  return {
      {"factors.csv",  // lines 2-4
       "factor,kind,beta,pm_range,pm_vol_up,pm_vol_down,pm_extreme_move,pm_extreme_fraction,pm_basis_rate,"
       "pm_min_charge_rate\n"
       "BTC,crypto,1,0.12,0.5,0.25,0.24,0.5,0.002,0.0045\n"
       "ETH,crypto,1.1,0.12,0.5,0.25,0.24,0.5,0.002,0.0045\n"
       "USDT,stable,0,0.02,0,0,0.05,0.5,0,0\n"},
      {"assets.csv",  // USD 2, USDT 3, BTC 4, ETH 5
       "asset,price_usd,factor,borrow_mmr,borrow_imr\n"
       "USD,1,,0,0\n"
       "USDT,0.9996,USDT,0.02,0.1\n"
       "BTC,90000,BTC,0.05,0.2\n"
       "ETH,3000,ETH,,\n"},
      {"collateral_tiers.csv",
       "asset,up_to_usd,ratio\n"
       "BTC,2000000,0.95\n"
       "USDT,5000000,1\n"
       "BTC,inf,0.8\n"},
      {"margin_tiers.csv",
       "schedule,style,up_to_usd,rate\n"
       "bin,marginal,50000,0.004\n"
       "bin,marginal,250000,0.005\n"
       "bin,marginal,inf,0.01\n"
       "okx,step,100000,0.008\n"
       "okx,step,500000,0.012\n"},
      {"instruments.csv",  // BTC-USDT-SWAP 2, BTC-USD-SWAP 3, ETH-USDT-FUT 4, BTC-C-100000 5, ETH-P-2800 6
       "instrument,kind,underlying,settle,inverse,multiplier,mark_price,expiry_years,strike,option_type,iv,"
       "mm_schedule,option_mm_rate,liq_fee_rate,impact_k,depth_usd\n"
       "BTC-USDT-SWAP,perp,BTC,USDT,0,0.01,90050,,,,,bin,,0.0005,0.1,50000000\n"
       "BTC-USD-SWAP,perp,BTC,BTC,1,100,90010,,,,,okx,,0.0005,,\n"
       "ETH-USDT-FUT,future,ETH,USDT,0,0.1,3010,0.25,,,,okx,,0.0005,0.1,\n"
       "BTC-C-100000,option,BTC,BTC,1,1,90100,0.1,100000,C,0.6,,0.1,0.003,0.2,2000000\n"
       "ETH-P-2800,option,ETH,USDT,0,1,3005,0.05,2800,P,0.7,,0.1,0.003,,\n"},
      {"accounts.csv",  // a1 2, a2 3, a3 4, a4 5
       "account,mode,group\n"
       "a1,cross,g1\n"
       "a2,portfolio,\n"
       "a3,cross,g1\n"
       "a4,cross,g2\n"},
      {"balances.csv",
       "account,asset,amount\n"
       "a1,USDT,10000\n"
       "a2,BTC,1.5\n"
       "a1,BTC,-0.1\n"
       "a3,USD,500\n"
       "a2,USDT,20000\n"},
      {"positions.csv",
       "account,instrument,qty,entry_price,isolated_margin\n"
       "a1,BTC-USDT-SWAP,10,89000,\n"
       "a2,BTC-C-100000,-2,,\n"
       "a1,BTC-USDT-SWAP,-5,91000,1000\n"
       "a3,BTC-USD-SWAP,-300,90500,0.5\n"
       "a2,ETH-USDT-FUT,4,2990,\n"
       "a2,ETH-P-2800,3,,\n"},
  };
}

inline void write_snapshot(const std::filesystem::path& dir, const snapshot_files& files) {
  std::filesystem::create_directories(dir);
  for (const auto& [name, text] : files) write_file(dir / name, text);
}

}  // namespace riskscan::test
