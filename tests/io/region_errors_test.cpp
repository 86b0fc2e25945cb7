// region_errors: an exception thrown in an OpenMP region reaches the caller after the region
// instead of terminating the program.
#include "riskscan/region_errors.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace riskscan {
namespace {

TEST(RegionErrors, WithoutAnExceptionEveryIterationRunsOnceAndNothingIsThrown) {
  constexpr int n = 10000;
  std::vector<std::atomic<int>> runs(n);
  region_errors errors;
#pragma omp parallel for schedule(dynamic, 7) num_threads(4)
  for (int i = 0; i < n; ++i) {
    errors.run([&] { runs[static_cast<std::size_t>(i)].fetch_add(1); });
  }
  EXPECT_NO_THROW(errors.rethrow());
  for (int i = 0; i < n; ++i) EXPECT_EQ(runs[static_cast<std::size_t>(i)].load(), 1) << "iteration " << i;
}

TEST(RegionErrors, TheExceptionLeavesAfterTheRegionWithItsType) {
  region_errors errors;
#pragma omp parallel for schedule(static) num_threads(4)
  for (int i = 0; i < 1000; ++i) {
    errors.run([&] {
      if (i == 617) throw std::bad_alloc();
    });
  }
  EXPECT_THROW(errors.rethrow(), std::bad_alloc);
}

// Several threads throw: one exception, one of those thrown, comes out, and once one is caught
// the iterations that had not started are skipped.
TEST(RegionErrors, TheFirstOfSeveralIsKeptAndLaterWorkIsSkipped) {
  constexpr int n = 4000;
  std::atomic<int> ran{0};
  region_errors errors;
#pragma omp parallel for schedule(dynamic, 1) num_threads(4)
  for (int i = 0; i < n; ++i) {
    errors.run([&] {
      ran.fetch_add(1);
      if (i % 10 == 3) throw std::runtime_error("iteration " + std::to_string(i));
    });
  }
  try {
    errors.rethrow();
    FAIL() << "nothing was rethrown";
  } catch (const std::runtime_error& e) {
    const int i = std::stoi(std::string(e.what()).substr(std::string("iteration ").size()));
    EXPECT_EQ(i % 10, 3) << e.what();
  }
  // Each thread runs at most a few iterations after the first throw: far fewer than all of them.
  EXPECT_LT(ran.load(), n / 2);
}

}  // namespace
}  // namespace riskscan
