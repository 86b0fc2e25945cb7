// METHODOLOGY.md 8: per-account values are converted once with llround(value x 1e4) (half away
// from zero) into signed 64-bit 1e-4 USD; far out of range values saturate.
#include <gtest/gtest.h>

#include <cmath>
#include <iterator>
#include <limits>
#include <random>

#include "riskscan/core/fixed_point.hpp"

namespace riskscan::core {
namespace {

TEST(ToFixed, RoundsToNearestTenThousandth) {
  EXPECT_EQ(to_fixed(0.0), 0);
  EXPECT_EQ(to_fixed(-0.0), 0);
  EXPECT_EQ(to_fixed(1.0), 10000);
  EXPECT_EQ(to_fixed(-1.0), -10000);
  EXPECT_EQ(to_fixed(1.23456), 12346);  // 12345.6 -> 12346
  EXPECT_EQ(to_fixed(1.23454), 12345);  // 12345.4 -> 12345
  EXPECT_EQ(to_fixed(-1.23456), -12346);
  EXPECT_EQ(to_fixed(119500000.0), 1195000000000);
  EXPECT_EQ(to_fixed(0.00004), 0);
  EXPECT_EQ(to_fixed(0.00006), 1);
}

TEST(ToFixed, HalvesRoundAwayFromZero) {
  // These products are exact halves in binary64 (checked first).
  ASSERT_EQ(0.00025 * 1e4, 2.5);
  ASSERT_EQ(0.00125 * 1e4, 12.5);
  ASSERT_EQ(0.00375 * 1e4, 37.5);
  ASSERT_EQ(100.00125 * 1e4, 1000012.5);
  EXPECT_EQ(to_fixed(0.00025), 3);  // not banker's rounding (which would give 2)
  EXPECT_EQ(to_fixed(-0.00025), -3);
  EXPECT_EQ(to_fixed(0.00125), 13);
  EXPECT_EQ(to_fixed(-0.00125), -13);
  EXPECT_EQ(to_fixed(0.00375), 38);
  EXPECT_EQ(to_fixed(100.00125), 1000013);
  EXPECT_EQ(to_fixed(-100.00125), -1000013);
  EXPECT_EQ(to_fixed(0.5e-4), 1);  // 0.5 -> 1
}

TEST(ToFixed, MatchesLlroundOfScaledValue) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-1e12, 1e12);
  for (int i = 0; i < 10000; ++i) {
    const double x = u(rng);
    EXPECT_EQ(to_fixed(x), std::llround(x * 1e4)) << x;
  }
}

TEST(ToFixed, Saturates) {
  const auto limit = total_limit;
  EXPECT_EQ(limit, 9200000000000000000LL);
  EXPECT_EQ(to_fixed(1e15), limit);  // 1e19 units > 9.2e18
  EXPECT_EQ(to_fixed(-1e15), -limit);
  EXPECT_EQ(to_fixed(1e300), limit);
  EXPECT_EQ(to_fixed(-1e300), -limit);
  EXPECT_EQ(to_fixed(std::numeric_limits<double>::infinity()), limit);
  EXPECT_EQ(to_fixed(-std::numeric_limits<double>::infinity()), -limit);
  // NaN (inf - inf after an overflow) saturates high, so the totals holding it are reported.
  EXPECT_EQ(to_fixed(std::numeric_limits<double>::quiet_NaN()), limit);
  EXPECT_EQ(to_fixed(-std::numeric_limits<double>::quiet_NaN()), limit);
  // Just inside the range is still converted exactly.
  EXPECT_EQ(to_fixed(9.1e14), 9100000000000000000LL);
  EXPECT_LT(limit, std::numeric_limits<int64_t>::max());
}

TEST(AddTotal, IsExactBelowTheLimit) {
  int64_t t = 0;
  add_total(t, 0);
  add_total(t, 5);
  add_total(t, total_limit - 6);
  EXPECT_EQ(t, total_limit - 1);
}

TEST(AddTotal, SaturatesAtTheLimitWhateverTheOrder) {
  // Exact sum 2.76e19: beyond int64, where a plain sum would wrap to a plausible number.
  const int64_t values[] = {total_limit, 3, total_limit / 2, total_limit, 0, total_limit / 2 + 1};
  int64_t forward = 0, backward = 0;
  for (const int64_t v : values) add_total(forward, v);
  for (auto it = std::rbegin(values); it != std::rend(values); ++it) add_total(backward, *it);
  EXPECT_EQ(forward, total_limit);
  EXPECT_EQ(backward, total_limit);
  int64_t reached = total_limit - 10;
  add_total(reached, 10);  // exactly the limit counts as out of range
  EXPECT_EQ(reached, total_limit);
}

// Only a doctored input (a negative fee rate in a resealed pack) gives a negative value; it
// counts as 0, so the total stays in range and nothing overflows (UBSan found one that did).
TEST(AddTotal, ANegativeValueCountsAsZero) {
  int64_t t = 5;
  add_total(t, -total_limit);
  EXPECT_EQ(t, 5);
  add_total(t, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(t, 5);
  add_total(t, total_limit);
  EXPECT_EQ(t, total_limit);
  add_total(t, -1);
  EXPECT_EQ(t, total_limit);
}

}  // namespace
}  // namespace riskscan::core
