// Grid scenario sets: counts, values, the zero row, beta scaling, stablecoins, single-factor grids.
#include <gtest/gtest.h>

#include <algorithm>

#include "riskscan/error.hpp"
#include "riskscan/scenarios/grid.hpp"

namespace {

using namespace riskscan;
using namespace riskscan::scenarios;

std::vector<factor_info> factors() {
  return {{"BTC", factor_kind::crypto, 1.0, 0.5},
          {"ETH", factor_kind::crypto, 1.25, 0.7},
          {"USDT", factor_kind::stable, 0.0, 0.0},
          {"MEME", factor_kind::crypto, 4.0, 1.5}};
}

TEST(Grid, MovesAreEvenlySpacedWithExactZero) {
  const auto m = grid_moves(0.15, 7);
  ASSERT_EQ(m.size(), 7u);
  EXPECT_EQ(m[0], -0.15);
  EXPECT_EQ(m[3], 0.0);
  EXPECT_EQ(m[6], 0.15);
  EXPECT_DOUBLE_EQ(m[1], -0.1);
  EXPECT_DOUBLE_EQ(m[4], 0.05);
  for (std::size_t k = 0; k < m.size(); ++k) EXPECT_EQ(m[k], -m[m.size() - 1 - k]);
  EXPECT_EQ(grid_moves(0.3, 1), std::vector<double>{0.0});
}

TEST(Grid, CoMovingContents) {
  grid_params p;
  p.name = "pm";
  p.range = 0.15;
  p.steps = 7;
  p.vol_down = 0.25;
  p.vol_up = 0.5;
  p.extreme_move = 0.3;
  p.weight = 2.0;
  p.horizon_days = 1.0;
  const auto fs = factors();
  const auto set = co_moving_grid(fs, p);
  ASSERT_EQ(set.size(), 7u * 3u + 2u);
  EXPECT_EQ(grid_size(p), set.size());
  EXPECT_EQ(set.factors, (std::vector<std::string>{"BTC", "ETH", "USDT", "MEME"}));
  const auto moves = grid_moves(0.15, 7);
  const double vols[3] = {-0.25, 0.0, 0.5};
  const char* labels[3] = {"down", "same", "up"};
  for (std::size_t st = 0; st < 3; ++st) {
    for (std::size_t k = 0; k < 7; ++k) {
      const std::size_t s = st * 7 + k;
      EXPECT_EQ(set.weights[s], 2.0);
      EXPECT_EQ(set.horizon_days[s], 1.0);
      EXPECT_NE(set.ids[s].find(labels[st]), std::string::npos) << set.ids[s];
      EXPECT_EQ(set.ret(s, 0), moves[k]);
      EXPECT_EQ(set.ret(s, 1), moves[k] * 1.25);
      EXPECT_EQ(set.ret(s, 2), 0.0) << "stablecoin unshocked";
      EXPECT_EQ(set.vol(s, 2), 0.0) << "stablecoin unshocked";
      EXPECT_EQ(set.ret(s, 3), std::max(-1.0, moves[k] * 4.0));
      EXPECT_EQ(set.vol(s, 0), vols[st]);
      EXPECT_EQ(set.vol(s, 3), vols[st]);
    }
  }
  // The zero row: vol same, g = 0.
  const std::size_t zero = 7 + 3;
  EXPECT_EQ(set.ids[zero], "pm:+0:same");
  for (std::size_t f = 0; f < 4; ++f) {
    EXPECT_EQ(set.ret(zero, f), 0.0);
    EXPECT_EQ(set.vol(zero, f), 0.0);
  }
  // Extremes at vol up; beta 4 floors at -1.
  EXPECT_EQ(set.ids[21], "pm:x-0.3:up");
  EXPECT_EQ(set.ids[22], "pm:x+0.3:up");
  EXPECT_EQ(set.ret(21, 0), -0.3);
  EXPECT_EQ(set.ret(21, 3), -1.0);
  EXPECT_EQ(set.ret(22, 3), 0.3 * 4.0);
  EXPECT_EQ(set.vol(21, 0), 0.5);
  EXPECT_EQ(set.ret(22, 2), 0.0);
  // Ids are unique.
  auto ids = set.ids;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
}

TEST(Grid, ZeroVolMagnitudesSkipThoseStates) {
  grid_params p;
  p.range = 0.1;
  p.steps = 3;
  const auto set = co_moving_grid(factors(), p);
  ASSERT_EQ(set.size(), 3u);
  EXPECT_EQ(set.ids[1], "grid:+0:same");
}

TEST(Grid, SingleFactor) {
  grid_params p;
  p.name = "sf";
  p.range = 0.2;
  p.steps = 5;
  p.vol_down = 0.2;
  p.vol_up = 0.4;
  p.extreme_move = 0.4;
  const auto fs = factors();
  const auto set = single_factor_grids(fs, {1, 2}, p);
  // ETH: 5 x 3 + 2; USDT (stable, a de-peg grid): 5 + 2.
  ASSERT_EQ(set.size(), 17u + 7u);
  const auto moves = grid_moves(0.2, 5);
  for (std::size_t s = 0; s < 17; ++s) {
    EXPECT_EQ(set.ret(s, 0), 0.0);
    EXPECT_EQ(set.ret(s, 2), 0.0);
    EXPECT_EQ(set.ret(s, 3), 0.0);
    EXPECT_EQ(set.vol(s, 0), 0.0);
  }
  EXPECT_EQ(set.ret(0, 1), -0.2) << "no beta in a single-factor grid";
  EXPECT_EQ(set.vol(0, 1), -0.2);
  EXPECT_EQ(set.ids[7], "sf:ETH:+0:same");
  EXPECT_EQ(set.ret(16, 1), 0.4);
  EXPECT_EQ(set.vol(16, 1), 0.4);
  for (std::size_t k = 0; k < 5; ++k) {
    EXPECT_EQ(set.ret(17 + k, 2), moves[k]);
    EXPECT_EQ(set.vol(17 + k, 2), 0.0);
    EXPECT_EQ(set.ret(17 + k, 1), 0.0);
  }
  EXPECT_EQ(set.ids[22], "sf:USDT:x-0.4:same");
  EXPECT_EQ(set.ret(22, 2), -0.4);
}

TEST(Grid, BadParametersAreConfigErrors) {
  grid_params p;
  p.range = 0.1;
  p.steps = 6;
  EXPECT_THROW(co_moving_grid(factors(), p), config_error);
  p.steps = 5;
  p.range = 0.0;
  EXPECT_THROW(co_moving_grid(factors(), p), config_error);
  p.range = 0.1;
  p.vol_down = 1.5;
  EXPECT_THROW(co_moving_grid(factors(), p), config_error);
  p.vol_down = 0.1;
  p.name = "a,b";
  EXPECT_THROW(co_moving_grid(factors(), p), config_error);
}

}  // namespace
