#pragma once
// Grid scenario sets, SPAN / OKX portfolio-margin / Deribit style (METHODOLOGY.md 10).
//
// Moves g_k = R (2k - (n - 1)) / (n - 1), k = 0..n-1: n evenly spaced points over [-R, +R] with
// 0 exactly in the middle (n odd). Each move is taken at vol down / same / up (v = -vol_down,
// 0, +vol_up; a state whose magnitude is 0 is skipped, so no scenario is repeated), then the
// extreme moves -X and +X at vol up when X > 0.
//
// - Co-moving grid: every crypto factor f moves by r_f = g * beta_f (floored at -1) and takes the
//   vol shock; stablecoins are not shocked. Ids `<name>:<g>:<vol>` and `<name>:x<g>:up`.
// - Single-factor grid: only factor f moves, r_f = g (no beta: it is that factor's own move), with
//   the vol shock when f is crypto; ids `<name>:<factor>:<g>:<vol>`. A stablecoin (a de-peg grid)
//   has no vol states: its grid is n moves at `same` plus -X, +X (ids `...:x<g>:same`).
// Order: vol down (all g ascending), same, up, then -X, +X; single-factor grids factor by factor.
// Count per grid: n * (number of vol states) + (X > 0 ? 2 : 0) (stablecoin single-factor grid:
// n + (X > 0 ? 2 : 0)).
#include <cstddef>
#include <string>
#include <vector>

#include "riskscan/scenario_set.hpp"
#include "riskscan/scenarios/factor_info.hpp"

namespace riskscan::scenarios {

struct grid_params {
  std::string name = "grid";  // id prefix
  double range = 0.0;         // R > 0, as a simple return (0.15 = 15 %)
  int steps = 7;              // n >= 1 and odd, so that g = 0 is a grid point
  double vol_down = 0.0;      // a_dn in [0, 1]: v = -a_dn
  double vol_up = 0.0;        // a_up >= 0: v = +a_up
  double extreme_move = 0.0;  // X >= 0; 0 = no extreme scenarios
  double weight = 1.0;        // > 0, every scenario of the grid
  double horizon_days = 0.0;  // >= 0, every scenario of the grid
};

// Throws config_error describing the first invalid parameter.
void validate(const grid_params& p);

// The n moves of the grid, ascending, middle one exactly 0.
std::vector<double> grid_moves(double range, int steps);

// Number of scenarios one grid of these parameters produces.
std::size_t grid_size(const grid_params& p);

// Columns of the result are `factors` in order.
scenario_set co_moving_grid(const std::vector<factor_info>& factors, const grid_params& p);

// One single-factor grid per entry of `shocked` (indices into `factors`), concatenated.
scenario_set single_factor_grids(const std::vector<factor_info>& factors, const std::vector<std::size_t>& shocked,
                                 const grid_params& p);

}  // namespace riskscan::scenarios
