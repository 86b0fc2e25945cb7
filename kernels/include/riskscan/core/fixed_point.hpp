#pragma once
// Signed 64-bit fixed point of 1e-4 USD for every cross-account sum (METHODOLOGY.md 8): each
// per-account value is converted once and summed as integers, so totals do not depend on
// summation order, thread count, block count or rank count.
#include "riskscan/core/config.hpp"

namespace riskscan::core {

inline constexpr double fixed_scale = 1e4;
// Largest magnitude converted exactly; beyond it the value saturates (9.2e14 USD per account,
// far above any real account).
inline constexpr double fixed_limit = 9.2e18;

RS_HD int64_t to_fixed(double usd) {
  const double scaled = usd * fixed_scale;
  if (scaled >= fixed_limit) return static_cast<int64_t>(fixed_limit);
  if (scaled <= -fixed_limit) return -static_cast<int64_t>(fixed_limit);
  return llround(scaled);
}

}  // namespace riskscan::core
