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
// The same bound in fixed point. A total that reaches it is out of range: int64 cannot be trusted
// to hold it, so the scan reports it instead of writing a wrapped number (check_totals).
inline constexpr int64_t total_limit = static_cast<int64_t>(fixed_limit);

RS_HD int64_t to_fixed(double usd) {
  const double scaled = usd * fixed_scale;
  // NaN (a value that overflowed double precision: inf - inf) saturates high like an overflow,
  // so every total that includes it is reported out of range. llround(NaN) is unspecified.
  if (!(scaled < fixed_limit)) return total_limit;
  if (scaled <= -fixed_limit) return -total_limit;
  return llround(scaled);
}

// Adds a non-negative value (deficit, inflow, notional) to a non-negative total, saturating at
// total_limit. The running total never decreases, so the result is min(exact sum, total_limit)
// in any order: backends that add in different orders still agree, including on overflow.
// Validated inputs never give a negative x; one from a doctored input counts as 0, so the total
// stays in [0, total_limit] and the subtraction below cannot overflow.
RS_HD void add_total(int64_t& total, int64_t x) {
  x = x > 0 ? x : 0;
  total = x >= total_limit - total ? total_limit : total + x;
}

// A group's deficit summed by atomics, which wrap modulo 2^64 instead of saturating, as a
// saturated total: exact below total_limit. (Only a group total above 1.8e15 USD could wrap past
// 2^64, and then the scenario's deficit total is out of range as well, which the scan reports.)
RS_HD int64_t group_total(uint64_t wrapped) {
  return wrapped >= static_cast<uint64_t>(total_limit) ? total_limit : static_cast<int64_t>(wrapped);
}

}  // namespace riskscan::core
