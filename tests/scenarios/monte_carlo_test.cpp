// Monte Carlo scenario sets: sample moments against the spec, Student-t tails, reproducibility
// across runs, thread counts and shards, and Cholesky failures.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "riskscan/error.hpp"
#include "riskscan/scenario_io.hpp"
#include "riskscan/scenarios/cholesky.hpp"
#include "riskscan/scenarios/monte_carlo.hpp"
#include "test_support.hpp"

namespace {

using namespace riskscan;
using namespace riskscan::scenarios;

const std::vector<std::string> names = {"BTC", "ETH", "SOL", "USDT"};
const std::vector<double> vols = {0.6, 0.8, 1.0, 0.02};
// clang-format off
const std::vector<double> corr = {
    1.0,  0.8,  0.7, -0.1,
    0.8,  1.0,  0.75, -0.05,
    0.7,  0.75, 1.0,  0.0,
   -0.1, -0.05, 0.0,  1.0};
// clang-format on

monte_carlo_params params(std::uint64_t scenarios, std::uint64_t seed, double horizon) {
  monte_carlo_params p;
  p.scenarios = scenarios;
  p.seed = seed;
  p.horizon_days = horizon;
  return p;
}

struct moments {
  std::vector<double> mean, sd, kurt;  // kurt: excess kurtosis
  std::vector<double> corr;
};

moments sample_moments(const scenario_set& set) {
  const std::size_t n = set.size(), nf = set.factor_count();
  moments m;
  m.mean.assign(nf, 0.0);
  m.sd.assign(nf, 0.0);
  m.kurt.assign(nf, 0.0);
  m.corr.assign(nf * nf, 0.0);
  std::vector<double> z(n * nf);
  for (std::size_t k = 0; k < n * nf; ++k) z[k] = std::log1p(set.r[k]);
  for (std::size_t s = 0; s < n; ++s)
    for (std::size_t f = 0; f < nf; ++f) m.mean[f] += z[s * nf + f];
  for (auto& x : m.mean) x /= static_cast<double>(n);
  std::vector<double> m4(nf, 0.0);
  for (std::size_t s = 0; s < n; ++s) {
    for (std::size_t i = 0; i < nf; ++i) {
      const double di = z[s * nf + i] - m.mean[i];
      m4[i] += di * di * di * di;
      for (std::size_t j = 0; j < nf; ++j) m.corr[i * nf + j] += di * (z[s * nf + j] - m.mean[j]);
    }
  }
  for (std::size_t i = 0; i < nf; ++i) m.sd[i] = std::sqrt(m.corr[i * nf + i] / static_cast<double>(n));
  for (std::size_t i = 0; i < nf; ++i) {
    const double var = m.sd[i] * m.sd[i];
    m.kurt[i] = var > 0 ? m4[i] / static_cast<double>(n) / (var * var) - 3.0 : 0.0;
    for (std::size_t j = 0; j < nf; ++j) {
      m.corr[i * nf + j] /= static_cast<double>(n) * m.sd[i] * m.sd[j];
    }
  }
  return m;
}

TEST(MonteCarlo, NormalMomentsMatchTheSpec) {
  const std::uint64_t n = 200000;
  const double horizon = 10.0;
  const auto model = make_monte_carlo_model(names, vols, corr, params(n, 42, horizon));
  const auto set = generate_monte_carlo(model, 0);
  ASSERT_EQ(set.size(), n);
  const auto m = sample_moments(set);
  for (std::size_t f = 0; f < names.size(); ++f) {
    const double sigma = vols[f] * std::sqrt(horizon / 365.0);
    EXPECT_NEAR(m.mean[f], 0.0, 5.0 * sigma / std::sqrt(static_cast<double>(n))) << names[f];
    EXPECT_NEAR(m.sd[f] / sigma, 1.0, 0.01) << names[f];
    EXPECT_NEAR(m.kurt[f], 0.0, 0.07) << names[f];
    for (std::size_t g = 0; g < names.size(); ++g) {
      EXPECT_NEAR(m.corr[f * 4 + g], corr[f * 4 + g], 0.01) << names[f] << "/" << names[g];
    }
  }
  for (std::size_t s = 0; s < set.size(); ++s) {
    ASSERT_EQ(set.weights[s], 1.0);
    ASSERT_EQ(set.horizon_days[s], horizon);
  }
  EXPECT_EQ(set.ids.front(), "mc:000000");
  EXPECT_EQ(set.ids.back(), "mc:199999");
  for (double v : set.v) ASSERT_EQ(v, 0.0);
}

TEST(MonteCarlo, StudentTTailsAreHeavierAsTheorySays) {
  const std::uint64_t n = 200000;
  const double nu = 10.0;
  auto p = params(n, 7, 365.0);  // horizon one year: scale = annual vol
  p.distribution = mc_distribution::student_t;
  p.nu = nu;
  const auto set = generate_monte_carlo(make_monte_carlo_model(names, vols, corr, p), 0);
  const auto m = sample_moments(set);
  for (std::size_t f = 0; f < 3; ++f) {
    // Marginals are t_nu scaled by vol: variance nu / (nu - 2), excess kurtosis 6 / (nu - 4) = 1.
    EXPECT_NEAR(m.sd[f] / vols[f], std::sqrt(nu / (nu - 2.0)), 0.015) << names[f];
    EXPECT_GT(m.kurt[f], 0.7) << names[f];
    EXPECT_LT(m.kurt[f], 1.4) << names[f];
    for (std::size_t g = 0; g < 3; ++g) EXPECT_NEAR(m.corr[f * 4 + g], corr[f * 4 + g], 0.012);
  }
  // unit_variance rescales to the annual vol, leaving the shape (and kurtosis) as it is.
  p.unit_variance = true;
  const auto unit = sample_moments(generate_monte_carlo(make_monte_carlo_model(names, vols, corr, p), 0));
  for (std::size_t f = 0; f < 3; ++f) {
    EXPECT_NEAR(unit.sd[f] / vols[f], 1.0, 0.015) << names[f];
    EXPECT_NEAR(unit.kurt[f], m.kurt[f], 1e-6);
  }
  // The normal model at the same seed has no excess kurtosis.
  p.distribution = mc_distribution::normal;
  const auto normal = sample_moments(generate_monte_carlo(make_monte_carlo_model(names, vols, corr, p), 0));
  for (std::size_t f = 0; f < 3; ++f) EXPECT_LT(std::fabs(normal.kurt[f]), 0.07);
}

TEST(MonteCarlo, SameSeedSameBytesWhateverTheThreads) {
  const auto model = make_monte_carlo_model(names, vols, corr, params(5000, 123, 1.0));
  const auto one = generate_monte_carlo(model, 1);
  for (int threads : {1, 2, 3, 8}) {
    const auto other = generate_monte_carlo(model, threads);
    ASSERT_EQ(other.ids, one.ids);
    ASSERT_EQ(0, std::memcmp(other.r.data(), one.r.data(), one.r.size() * sizeof(double))) << threads << " threads";
  }
  // Written files are byte-identical.
  riskscan::test::temp_dir dir;
  write_scenario_csv(one, dir / "a.csv");
  write_scenario_csv(generate_monte_carlo(model, 2), dir / "b.csv");
  EXPECT_EQ(riskscan::test::read_file(dir / "a.csv"), riskscan::test::read_file(dir / "b.csv"));
  // Another seed gives other numbers.
  const auto reseeded = generate_monte_carlo(make_monte_carlo_model(names, vols, corr, params(5000, 124, 1.0)), 1);
  EXPECT_NE(reseeded.r, one.r);
}

TEST(MonteCarlo, ShardsAndStudentTDoNotDependOnTheCut) {
  auto p = params(3000, 9, 1.0);
  p.distribution = mc_distribution::student_t;
  p.nu = 3.5;
  const auto model = make_monte_carlo_model(names, vols, corr, p);
  std::vector<double> whole(3000 * 4), parts(3000 * 4);
  generate_monte_carlo_rows(model, 0, 3000, whole.data(), 2);
  generate_monte_carlo_rows(model, 0, 1234, parts.data(), 1);
  generate_monte_carlo_rows(model, 1234, 1766, parts.data() + 1234 * 4, 3);
  EXPECT_EQ(0, std::memcmp(whole.data(), parts.data(), whole.size() * sizeof(double)));
  for (double r : whole) ASSERT_TRUE(std::isfinite(r) && r > -1.0);
}

TEST(MonteCarlo, ZeroVolFactorIsUnshocked) {
  std::vector<double> v = vols;
  v[3] = 0.0;
  const auto set = generate_monte_carlo(make_monte_carlo_model(names, v, corr, params(100, 1, 1.0)), 1);
  for (std::size_t s = 0; s < set.size(); ++s) EXPECT_EQ(set.ret(s, 3), 0.0);
}

TEST(MonteCarlo, NotPositiveDefiniteNamesTheFactor) {
  // clang-format off
  const std::vector<double> bad = {
      1.0,  0.99, 0.99, 0.0,
      0.99, 1.0,  0.5,  0.0,
      0.99, 0.5,  1.0,  0.0,
      0.0,  0.0,  0.0,  1.0};
  // clang-format on
  try {
    make_monte_carlo_model(names, vols, bad, params(10, 1, 1.0));
    FAIL() << "expected config_error";
  } catch (const config_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("not positive definite at factor SOL"), std::string::npos) << what;
    EXPECT_EQ(e.code(), exit_code::bad_config);
  }
  // Perfectly correlated factors are semi-definite: also an error.
  const std::vector<double> twins = {1.0, 1.0, 1.0, 1.0};
  EXPECT_THROW(cholesky_lower(twins, {"A", "B"}), config_error);
  const std::vector<double> asym = {1.0, 0.5, 0.4, 1.0};
  EXPECT_THROW(validate_correlation(asym, {"A", "B"}), config_error);
}

TEST(MonteCarlo, CholeskyReproducesTheMatrix) {
  const auto l = cholesky_lower(corr, names);
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t j = 0; j < 4; ++j) {
      double sum = 0.0;
      for (std::size_t k = 0; k < 4; ++k) sum += l[i * 4 + k] * l[j * 4 + k];
      EXPECT_NEAR(sum, corr[i * 4 + j], 1e-14);
      if (j > i) {
        EXPECT_EQ(l[i * 4 + j], 0.0);
      }
    }
  }
}

TEST(MonteCarlo, BadParameters) {
  auto p = params(10, 1, 1.0);
  p.distribution = mc_distribution::student_t;
  p.nu = 2.0;
  EXPECT_THROW(make_monte_carlo_model(names, vols, corr, p), config_error);
  p = params(0, 1, 1.0);
  EXPECT_THROW(make_monte_carlo_model(names, vols, corr, p), config_error);
  p = params(10, 1, 0.0);
  EXPECT_THROW(make_monte_carlo_model(names, vols, corr, p), config_error);
  std::vector<double> v = vols;
  v[0] = -0.1;
  EXPECT_THROW(make_monte_carlo_model(names, v, corr, params(10, 1, 1.0)), config_error);
}

}  // namespace
