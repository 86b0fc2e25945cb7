#pragma once
// GoogleTest check that two scans' reductions are identical, value by value.
#include <gtest/gtest.h>

#include "riskscan/core/reduce.hpp"
#include "riskscan/scan_types.hpp"

namespace riskscan::test {

inline void expect_identical_reductions(const scan_reductions& want, const scan_reductions& got) {
  core::for_each_fold_field(
      [](const char* name, const auto& w, const auto& g) { EXPECT_EQ(w, g) << "accounts." << name; }, want.accounts,
      got.accounts);
  const auto& ws = want.scenarios;
  const auto& gs = got.scenarios;
  EXPECT_EQ(ws.top_k, gs.top_k);
  core::for_each_sum([](int, core::sum_kind, const char* name, const auto& w,
                        const auto& g) { EXPECT_EQ(w, g) << "scenarios." << name; },
                     ws, gs);
  EXPECT_EQ(ws.top_account, gs.top_account);
  EXPECT_EQ(ws.top_deficit, gs.top_deficit);
  EXPECT_EQ(ws.cover1, gs.cover1);
  EXPECT_EQ(ws.cover2, gs.cover2);
}

}  // namespace riskscan::test
