// Philox4x32-10 known answers, agreement with Random123, and the word -> uniform -> normal mapping.
#include <gtest/gtest.h>

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>

#include "riskscan/core/philox.hpp"

namespace {

using riskscan::core::philox4x32_10;

struct kat {
  std::uint32_t ctr[4];
  std::uint32_t key[2];
  std::uint32_t expected[4];
};

// Random123's published kat_vectors, philox4x32_10.
const kat vectors[] = {
    {{0u, 0u, 0u, 0u}, {0u, 0u}, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
    {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
     {0xffffffffu, 0xffffffffu},
     {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
    {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
     {0xa4093822u, 0x299f31d0u},
     {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
};

TEST(Philox, PublishedKnownAnswers) {
  for (const auto& v : vectors) {
    const auto out = philox4x32_10(v.ctr[0], v.ctr[1], v.ctr[2], v.ctr[3], v.key[0], v.key[1]);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(out.v[i], v.expected[i]) << "word " << i;
  }
}

TEST(Philox, MatchesRandom123) {
  r123::Philox4x32_R<10> reference;
  std::uint32_t x = 12345u;
  auto next = [&] {  // xorshift32: arbitrary counters and keys
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
  };
  for (int i = 0; i < 2000; ++i) {
    r123::Philox4x32_R<10>::ctr_type c = {{next(), next(), next(), next()}};
    r123::Philox4x32_R<10>::key_type k = {{next(), next()}};
    const auto expected = reference(c, k);
    const auto got = philox4x32_10(c[0], c[1], c[2], c[3], k[0], k[1]);
    for (int w = 0; w < 4; ++w) ASSERT_EQ(got.v[w], expected[w]) << "case " << i << " word " << w;
  }
}

TEST(Philox, UniformMappingIsOpenAndExact) {
  using riskscan::core::philox_u01;
  EXPECT_EQ(philox_u01(0u, 0u), std::ldexp(1.0, -53));
  EXPECT_EQ(philox_u01(0xffffffffu, 0xffffffffu), 1.0 - std::ldexp(1.0, -53));
  // The low 12 bits of the low word are dropped.
  EXPECT_EQ(philox_u01(0u, 0xfffu), philox_u01(0u, 0u));
  EXPECT_EQ(philox_u01(0u, 0x1000u), 3.0 * std::ldexp(1.0, -53));
  EXPECT_EQ(philox_u01(0x80000000u, 0u), 0.5 + std::ldexp(1.0, -53));
}

TEST(Philox, ScenarioCounterLayout) {
  using namespace riskscan::core;
  const std::uint64_t seed = 0x0123456789abcdefULL;
  const std::uint64_t scenario = 0x0000000500000007ULL;
  const auto b = philox_scenario_block(seed, scenario, philox_stream_factor_normals, 3);
  const auto direct = philox4x32_10(3u, 0u, 7u, 5u, 0x89abcdefu, 0x01234567u);
  for (int w = 0; w < 4; ++w) EXPECT_EQ(b.v[w], direct.v[w]);
  // Normal d of a scenario: block d / 2, element d % 2.
  double n[5];
  philox_scenario_normals(seed, scenario, 5, n);
  const auto z2 = philox_box_muller(philox_scenario_block(seed, scenario, 0, 1));
  EXPECT_EQ(n[2], z2.z0);
  EXPECT_EQ(n[3], z2.z1);
  const double u1 = philox_u01(direct.v[0], direct.v[1]);
  const double u2 = philox_u01(direct.v[2], direct.v[3]);
  const auto z3 = philox_box_muller(direct);
  EXPECT_EQ(z3.z0, std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586476925286766559 * u2));
  double n7[7];
  philox_scenario_normals(seed, scenario, 7, n7);
  EXPECT_EQ(n7[6], z3.z0);
}

TEST(Philox, ChiSquareMoments) {
  using namespace riskscan::core;
  for (double nu : {0.5, 3.0, 10.0}) {
    const int n = 100000;
    double sum = 0.0, sum2 = 0.0;
    for (int s = 0; s < n; ++s) {
      const double c = philox_scenario_chi_square(99, static_cast<std::uint64_t>(s), nu);
      ASSERT_TRUE(std::isfinite(c) && c > 0.0);
      sum += c;
      sum2 += c * c;
    }
    const double mean = sum / n;
    const double var = sum2 / n - mean * mean;
    // mean nu, variance 2 nu; tolerance ~5 standard errors
    EXPECT_NEAR(mean, nu, 5.0 * std::sqrt(2.0 * nu / n)) << "nu " << nu;
    EXPECT_NEAR(var, 2.0 * nu, 0.05 * 2.0 * nu + 0.02) << "nu " << nu;
  }
}

}  // namespace
