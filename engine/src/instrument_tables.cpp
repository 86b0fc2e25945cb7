#include "riskscan/instrument_tables.hpp"

#include <omp.h>

#include "riskscan/core/instrument_stage.hpp"

namespace riskscan {

instrument_tables::instrument_tables(const eval_book& book, std::int64_t tile) : book_(book.view()), tile_(tile) {
  const auto t = static_cast<std::size_t>(tile);
  asset_price_.assign(static_cast<std::size_t>(book_.assets) * t, 0.0);
  a_.assign(static_cast<std::size_t>(book_.instruments) * t, 0.0);
  b_.assign(a_.size(), 0.0);
  notional_.assign(a_.size(), 0.0);
  grid_a_.assign(static_cast<std::size_t>(book.pm_instrument_count()) * core::pm_grid_points * t, 0.0);
  grid_b_.assign(grid_a_.size(), 0.0);
  view_ = {tile, asset_price_.data(), a_.data(), b_.data(), notional_.data(), grid_a_.data(), grid_b_.data()};
  out_ = {tile, asset_price_.data(), a_.data(), b_.data(), notional_.data(), grid_a_.data(), grid_b_.data()};
}

void instrument_tables::price_lane(const double* r, const double* v, double horizon_days, std::int64_t lane) {
  for (std::int32_t c = 0; c < book_.assets; ++c) core::price_asset_in_state(book_, c, r, out_, lane);
  for (std::int32_t i = 0; i < book_.instruments; ++i)
    core::price_instrument_in_state(book_, i, r, v, horizon_days, out_, lane);
}

void instrument_tables::compute(const bound_scenarios& scenarios, std::size_t first, std::size_t count, int threads) {
  // Lanes are independent; options make a lane cost up to ~24 Black-76 calls per instrument.
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads > 0 ? threads : omp_get_max_threads())
  for (std::int64_t l = 0; l < static_cast<std::int64_t>(count); ++l) {
    const std::size_t s = first + static_cast<std::size_t>(l);
    price_lane(scenarios.returns(s), scenarios.vol_shocks(s), scenarios.horizon_days[s], l);
  }
}

void instrument_tables::compute_state(const double* r, const double* v, double horizon_days) {
  price_lane(r, v, horizon_days, 0);
}

}  // namespace riskscan
