#pragma once
// Host storage for the instrument-stage tables of a tile of scenarios (core::state_tables),
// filled by core::price_*_in_state. Lane l of a tile is scenario first + l.
#include <cstdint>
#include <vector>

#include "riskscan/core/views.hpp"
#include "riskscan/eval_book.hpp"
#include "riskscan/scan_types.hpp"

namespace riskscan {

class instrument_tables {
 public:
  instrument_tables(const eval_book& book, std::int64_t tile);

  // Prices scenarios [first, first + count) into lanes [0, count) on `threads` threads (0 = all
  // cores); count <= tile.
  void compute(const bound_scenarios& scenarios, std::size_t first, std::size_t count, int threads = 0);
  // Prices one state given directly (the base state: r = v = 0, horizon 0) into lane 0.
  void compute_state(const double* r, const double* v, double horizon_days);

  const core::state_tables& tables() const noexcept { return view_; }
  std::int64_t tile() const noexcept { return tile_; }

 private:
  void price_lane(const double* r, const double* v, double horizon_days, std::int64_t lane);

  const core::book_view& book_;
  std::int64_t tile_;
  std::vector<double> asset_price_, a_, b_, notional_, grid_a_, grid_b_;
  core::state_tables view_{};
  core::state_tables_out out_{};
};

}  // namespace riskscan
