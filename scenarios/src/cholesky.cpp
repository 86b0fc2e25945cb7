#include "riskscan/scenarios/cholesky.hpp"

#include <fmt/format.h>

#include <cmath>

#include "riskscan/error.hpp"

namespace riskscan::scenarios {

namespace {
constexpr double symmetry_tolerance = 1e-12;
constexpr double min_pivot = 1e-12;
}  // namespace

void validate_correlation(const std::vector<double>& c, const std::vector<std::string>& names) {
  const std::size_t n = names.size();
  if (c.size() != n * n) {
    throw config_error(fmt::format("correlation matrix has {} entries, expected {} x {}", c.size(), n, n));
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (c[i * n + i] != 1.0) {
      throw config_error(fmt::format("correlation of {} with itself must be 1, got {}", names[i], c[i * n + i]));
    }
    for (std::size_t j = 0; j < i; ++j) {
      const double a = c[i * n + j];
      const double b = c[j * n + i];
      if (!std::isfinite(a) || a < -1.0 || a > 1.0) {
        throw config_error(fmt::format("correlation of {} and {} must be in [-1, 1], got {}", names[i], names[j], a));
      }
      if (std::fabs(a - b) > symmetry_tolerance) {
        throw config_error(fmt::format("correlation matrix is not symmetric: ({}, {}) = {} but ({}, {}) = {}", names[i],
                                       names[j], a, names[j], names[i], b));
      }
    }
  }
}

std::vector<double> cholesky_lower(const std::vector<double>& c, const std::vector<std::string>& names) {
  const std::size_t n = names.size();
  std::vector<double> l(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j <= i; ++j) {
      double sum = c[i * n + j];
      for (std::size_t k = 0; k < j; ++k) sum -= l[i * n + k] * l[j * n + k];
      if (i == j) {
        if (!(sum > min_pivot)) {
          std::string before;
          for (std::size_t k = 0; k < i; ++k) before += (k ? ", " : "") + names[k];
          throw config_error(fmt::format(
              "correlation matrix is not positive definite at factor {}: its pivot is {:.3g} (<= {}), i.e. {} is "
              "(almost) a linear combination of the factors before it ({}); lower the correlations of {} or remove it",
              names[i], sum, min_pivot, names[i], before.empty() ? "none" : before, names[i]));
        }
        l[i * n + i] = std::sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j];
      }
    }
  }
  return l;
}

}  // namespace riskscan::scenarios
