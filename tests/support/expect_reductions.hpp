#pragma once
// GoogleTest check that two scans' reductions are identical, value by value.
#include <gtest/gtest.h>

#include "riskscan/scan_types.hpp"

namespace riskscan::test {

inline void expect_identical_reductions(const scan_reductions& want, const scan_reductions& got) {
  const auto& wa = want.accounts;
  const auto& ga = got.accounts;
  EXPECT_EQ(wa.worst_excess, ga.worst_excess);
  EXPECT_EQ(wa.worst_scenario, ga.worst_scenario);
  EXPECT_EQ(wa.scenarios_liquidated, ga.scenarios_liquidated);
  EXPECT_EQ(wa.max_deficit, ga.max_deficit);
  EXPECT_EQ(wa.max_deficit_scenario, ga.max_deficit_scenario);
  EXPECT_EQ(wa.expected_deficit, ga.expected_deficit);
  const auto& ws = want.scenarios;
  const auto& gs = got.scenarios;
  EXPECT_EQ(ws.top_k, gs.top_k);
  EXPECT_EQ(ws.accounts_liquidated, gs.accounts_liquidated);
  EXPECT_EQ(ws.isolated_liquidated, gs.isolated_liquidated);
  EXPECT_EQ(ws.liquidated_notional, gs.liquidated_notional);
  EXPECT_EQ(ws.deficit, gs.deficit);
  EXPECT_EQ(ws.inflow, gs.inflow);
  EXPECT_EQ(ws.top_account, gs.top_account);
  EXPECT_EQ(ws.top_deficit, gs.top_deficit);
  EXPECT_EQ(ws.cover1, gs.cover1);
  EXPECT_EQ(ws.cover2, gs.cover2);
}

}  // namespace riskscan::test
