#pragma once
// Philox4x32-10 counter-based random numbers (Salmon et al., "Parallel random numbers: as easy as
// 1, 2, 3", SC'11), bit-identical to Random123's philox4x32_R<10> (checked against the library and
// its published known-answer vectors in tests/scenarios/philox_test.cpp), plus the exact mapping
// from its 32-bit words to uniform doubles and standard normals that the Monte Carlo scenario
// generator uses (docs/scenarios.md, "Reproducibility contract").
//
// Header-only, RS_HD, no exceptions and no STL: the same code runs on the host and in CUDA kernels.
// Pure functions of (counter, key): any thread may call them at any time.
#include "riskscan/core/config.hpp"

namespace riskscan::core {

struct philox4x32_block {
  uint32_t v[4];
};

RS_HD void philox_mulhilo32(uint32_t a, uint32_t b, uint32_t* hi, uint32_t* lo) {
  const uint64_t p = static_cast<uint64_t>(a) * static_cast<uint64_t>(b);
  *hi = static_cast<uint32_t>(p >> 32);
  *lo = static_cast<uint32_t>(p);
}

// One Philox4x32-10 block: 10 rounds of the 4x32 S-P network keyed by (k0, k1).
RS_HD philox4x32_block philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
  constexpr uint32_t m0 = 0xD2511F53u;  // PHILOX_M4x32_0
  constexpr uint32_t m1 = 0xCD9E8D57u;  // PHILOX_M4x32_1
  constexpr uint32_t w0 = 0x9E3779B9u;  // PHILOX_W32_0 (golden ratio)
  constexpr uint32_t w1 = 0xBB67AE85u;  // PHILOX_W32_1 (sqrt(3) - 1)
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += w0;
      k1 += w1;
    }
    uint32_t hi0, lo0, hi1, lo1;
    philox_mulhilo32(m0, c0, &hi0, &lo0);
    philox_mulhilo32(m1, c2, &hi1, &lo1);
    const uint32_t n0 = hi1 ^ c1 ^ k0;
    const uint32_t n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
  }
  philox4x32_block out;
  out.v[0] = c0;
  out.v[1] = c1;
  out.v[2] = c2;
  out.v[3] = c3;
  return out;
}

// Uniform double strictly inside (0, 1) from two 32-bit words:
//   x = ((hi << 32) | lo) >> 12            (the top 52 bits of the 64-bit word)
//   u = (2 x + 1) * 2^-53                   (the midpoint of the x-th of 2^52 equal cells)
// Every value is exact in binary64, the smallest is 2^-53 and the largest 1 - 2^-53, so
// log(u) and log(1 - u) are always finite.
RS_HD double philox_u01(uint32_t hi, uint32_t lo) {
  const uint64_t x = ((static_cast<uint64_t>(hi) << 32) | static_cast<uint64_t>(lo)) >> 12;
  return static_cast<double>(2u * x + 1u) * 1.1102230246251565404236316680908203125e-16;  // 2^-53
}

struct normal_pair {
  double z0;
  double z1;
};

// Box-Muller on one Philox block: u1 = philox_u01(v[0], v[1]), u2 = philox_u01(v[2], v[3]),
//   z0 = sqrt(-2 ln u1) cos(2 pi u2),  z1 = sqrt(-2 ln u1) sin(2 pi u2).
RS_HD normal_pair philox_box_muller(const philox4x32_block& b) {
  constexpr double two_pi = 6.283185307179586476925286766559;
  const double u1 = philox_u01(b.v[0], b.v[1]);
  const double u2 = philox_u01(b.v[2], b.v[3]);
  const double radius = sqrt(-2.0 * log(u1));
  const double theta = two_pi * u2;
  normal_pair out;
  out.z0 = radius * cos(theta);
  out.z1 = radius * sin(theta);
  return out;
}

// Counter layout of the scenario generator: c0 = block index within the stream, c1 = stream,
// (c2, c3) = scenario index (low, high word); key = (seed low word, seed high word).
enum : uint32_t {
  philox_stream_factor_normals = 0,  // normal d of scenario s: block d / 2, element d % 2
  philox_stream_gamma_normals = 1,   // Student-t chi-square: candidate normal of attempt k: block k
  philox_stream_gamma_uniforms = 2,  // Student-t chi-square: acceptance uniform of attempt k: block k
};

RS_HD philox4x32_block philox_scenario_block(uint64_t seed, uint64_t scenario, uint32_t stream, uint32_t block) {
  return philox4x32_10(block, stream, static_cast<uint32_t>(scenario), static_cast<uint32_t>(scenario >> 32),
                       static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// Standard normals 0..count-1 of `scenario` (stream 0) into out[0..count).
RS_HD void philox_scenario_normals(uint64_t seed, uint64_t scenario, uint32_t count, double* out) {
  for (uint32_t block = 0; 2 * block < count; ++block) {
    const normal_pair z = philox_box_muller(philox_scenario_block(seed, scenario, philox_stream_factor_normals, block));
    out[2 * block] = z.z0;
    if (2 * block + 1 < count) out[2 * block + 1] = z.z1;
  }
}

// Most attempts of the Marsaglia-Tsang gamma sampler; the acceptance rate is above 95 % for
// shape >= 1, so running out happens with probability below 1e-80 (then the last candidate is kept).
inline constexpr uint32_t gamma_max_attempts = 64;

// Gamma(shape, 1) draw of `scenario` by Marsaglia & Tsang (2000), counter-based:
// attempt k takes its normal x from Box-Muller z0 of block k of stream 1 and its acceptance
// uniform u = philox_u01(v[0], v[1]) of block k of stream 2. With d = a - 1/3, c = 1 / sqrt(9 d),
// t = (1 + c x)^3: accept when t > 0 and ln u < x^2 / 2 + d - d t + d ln t, giving d t.
// For shape a < 1 it draws Gamma(a + 1) and multiplies by w^(1/a), w = philox_u01(v[2], v[3]) of
// block 0 of stream 2.
RS_HD double philox_scenario_gamma(uint64_t seed, uint64_t scenario, double shape) {
  const double a = shape < 1.0 ? shape + 1.0 : shape;
  const double d = a - 1.0 / 3.0;
  const double c = 1.0 / sqrt(9.0 * d);
  double result = d;
  for (uint32_t k = 0; k < gamma_max_attempts; ++k) {
    const double x = philox_box_muller(philox_scenario_block(seed, scenario, philox_stream_gamma_normals, k)).z0;
    const double base = 1.0 + c * x;
    if (base <= 0.0) continue;
    const double t = base * base * base;
    result = d * t;
    const philox4x32_block ub = philox_scenario_block(seed, scenario, philox_stream_gamma_uniforms, k);
    const double u = philox_u01(ub.v[0], ub.v[1]);
    if (log(u) < 0.5 * x * x + d - d * t + d * log(t)) break;
  }
  if (shape < 1.0) {
    const philox4x32_block wb = philox_scenario_block(seed, scenario, philox_stream_gamma_uniforms, 0);
    result *= pow(philox_u01(wb.v[2], wb.v[3]), 1.0 / shape);
  }
  return result;
}

// Chi-square with nu degrees of freedom = 2 Gamma(nu / 2, 1).
RS_HD double philox_scenario_chi_square(uint64_t seed, uint64_t scenario, double nu) {
  return 2.0 * philox_scenario_gamma(seed, scenario, 0.5 * nu);
}

}  // namespace riskscan::core
