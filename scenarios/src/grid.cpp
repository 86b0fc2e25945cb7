#include "riskscan/scenarios/grid.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "riskscan/csv_reader.hpp"
#include "riskscan/error.hpp"

namespace riskscan::scenarios {

namespace {

struct vol_state {
  const char* label;
  double v;
};

std::vector<vol_state> vol_states(const grid_params& p) {
  std::vector<vol_state> states;
  if (p.vol_down > 0.0) states.push_back({"down", -p.vol_down});
  states.push_back({"same", 0.0});
  if (p.vol_up > 0.0) states.push_back({"up", p.vol_up});
  return states;
}

std::string move_label(double g) { return fmt::format("{:+}", g); }

}  // namespace

void validate(const grid_params& p) {
  if (!(std::isfinite(p.range) && p.range > 0.0)) throw config_error(fmt::format("range must be > 0, got {}", p.range));
  if (p.steps < 1 || p.steps % 2 == 0) {
    throw config_error(
        fmt::format("steps must be an odd number >= 1 so that the zero move is a grid point, got {}", p.steps));
  }
  if (!(std::isfinite(p.vol_down) && p.vol_down >= 0.0 && p.vol_down <= 1.0)) {
    throw config_error(fmt::format("vol_down must be in [0, 1] (the shock is v = -vol_down), got {}", p.vol_down));
  }
  if (!(std::isfinite(p.vol_up) && p.vol_up >= 0.0))
    throw config_error(fmt::format("vol_up must be >= 0, got {}", p.vol_up));
  if (!(std::isfinite(p.extreme_move) && p.extreme_move >= 0.0)) {
    throw config_error(fmt::format("extreme_move must be >= 0, got {}", p.extreme_move));
  }
  if (!(std::isfinite(p.weight) && p.weight > 0.0))
    throw config_error(fmt::format("weight must be > 0, got {}", p.weight));
  if (!(std::isfinite(p.horizon_days) && p.horizon_days >= 0.0)) {
    throw config_error(fmt::format("horizon_days must be >= 0, got {}", p.horizon_days));
  }
  if (!csv::is_name(p.name)) {
    throw config_error("name must be non-empty text without commas or control characters (it prefixes scenario ids)");
  }
}

std::vector<double> grid_moves(double range, int steps) {
  std::vector<double> moves(static_cast<std::size_t>(steps));
  if (steps == 1) {
    moves[0] = 0.0;
    return moves;
  }
  const int half = steps - 1;
  for (int k = 0; k < steps; ++k)
    moves[static_cast<std::size_t>(k)] = range * static_cast<double>(2 * k - half) / static_cast<double>(half);
  return moves;
}

std::size_t grid_size(const grid_params& p) {
  return static_cast<std::size_t>(p.steps) * vol_states(p).size() + (p.extreme_move > 0.0 ? 2u : 0u);
}

scenario_set co_moving_grid(const std::vector<factor_info>& factors, const grid_params& p) {
  validate(p);
  scenario_set set = empty_set(factors);
  const auto moves = grid_moves(p.range, p.steps);
  auto add = [&](const std::string& id, double g, double v) {
    const std::size_t s = set.add(id, p.weight, p.horizon_days);
    for (std::size_t f = 0; f < factors.size(); ++f) {
      if (factors[f].kind != factor_kind::crypto) continue;  // stablecoins unshocked
      set.ret(s, f) = std::max(-1.0, g * factors[f].beta);
      set.vol(s, f) = v;
    }
  };
  for (const auto& state : vol_states(p)) {
    for (double g : moves) add(fmt::format("{}:{}:{}", p.name, move_label(g), state.label), g, state.v);
  }
  if (p.extreme_move > 0.0) {
    for (double g : {-p.extreme_move, p.extreme_move})
      add(fmt::format("{}:x{}:up", p.name, move_label(g)), g, p.vol_up);
  }
  return set;
}

scenario_set single_factor_grids(const std::vector<factor_info>& factors, const std::vector<std::size_t>& shocked,
                                 const grid_params& p) {
  validate(p);
  scenario_set set = empty_set(factors);
  const auto moves = grid_moves(p.range, p.steps);
  for (std::size_t f : shocked) {
    const factor_info& factor = factors.at(f);
    const bool crypto = factor.kind == factor_kind::crypto;
    auto add = [&](const std::string& id, double g, double v) {
      const std::size_t s = set.add(id, p.weight, p.horizon_days);
      set.ret(s, f) = std::max(-1.0, g);
      if (crypto) set.vol(s, f) = v;
    };
    // A stablecoin has no option vol to shock: its grid is the moves alone (no repeated rows).
    const auto states = crypto ? vol_states(p) : std::vector<vol_state>{{"same", 0.0}};
    for (const auto& state : states) {
      for (double g : moves) add(fmt::format("{}:{}:{}:{}", p.name, factor.id, move_label(g), state.label), g, state.v);
    }
    if (p.extreme_move > 0.0) {
      const vol_state extreme = crypto ? vol_state{"up", p.vol_up} : vol_state{"same", 0.0};
      for (double g : {-p.extreme_move, p.extreme_move}) {
        add(fmt::format("{}:{}:x{}:{}", p.name, factor.id, move_label(g), extreme.label), g, extreme.v);
      }
    }
  }
  return set;
}

}  // namespace riskscan::scenarios
