#pragma once
// Correlated Monte Carlo scenario sets (METHODOLOGY.md 10).
//
// Scenario s (a global index: 0-based within its generator) of a model with factors 0..F-1:
//   n_d   = standard normal d of scenario s, d = 0..F-1 (Philox4x32-10, key = seed, counter =
//           (d / 2, stream 0, s mod 2^32, s div 2^32), Box-Muller; riskscan/core/philox.hpp)
//   y     = L n, L the Cholesky factor of the correlation matrix C (lower, C = L L^T)
//   t     = 1 for the normal model; sqrt(nu / chi2_nu) for Student-t, one chi-square draw per
//           scenario (2 * Gamma(nu/2) by Marsaglia-Tsang on streams 1 and 2 of the same counter);
//           times sqrt((nu - 2) / nu) when unit_variance is set
//   z_f   = (y_f * t) * (annual_vol_f * sqrt(h / 365)), capped at 700 so that r stays finite
//   r_f   = expm1(z_f) (= exp(z_f) - 1, more accurate near 0); v_f = 0
// Each scenario is a pure function of (seed, s, model): results never depend on the thread
// count, on which device computes them or on how the index range is cut into shards.
// The exact bit mapping is in docs/scenarios.md ("Reproducibility contract").
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "riskscan/scenario_set.hpp"

namespace riskscan::scenarios {

enum class mc_distribution { normal, student_t };

struct monte_carlo_params {
  std::string name = "mc";      // id prefix: ids are `<name>:<index>`, index zero-padded
  std::uint64_t scenarios = 0;  // S >= 1
  std::uint64_t seed = 0;       // Philox key (low word, high word)
  double horizon_days = 1.0;    // h > 0: scales vols by sqrt(h / 365) and is each scenario's horizon
  mc_distribution distribution = mc_distribution::normal;
  double nu = 0.0;             // Student-t degrees of freedom, > 2 (finite variance)
  bool unit_variance = false;  // Student-t: rescale so each factor's variance is vol^2 h / 365
  double weight = 1.0;         // every scenario (equal weights)
};

// A validated, factorised model. Read-only after construction: any number of threads may use it.
struct monte_carlo_model {
  monte_carlo_params params;
  std::vector<std::string> factors;
  std::vector<double> scale;            // annual_vol_f * sqrt(h / 365)
  std::vector<double> lower_by_column;  // L(i, j) at [j * F + i], zero for i < j
  double t_multiplier = 1.0;            // sqrt((nu - 2) / nu) with unit_variance, else 1
};

// Validates the parameters (config_error on a bad value), the vols (finite, >= 0), the
// correlation matrix (row-major F x F, validate_correlation) and factorises it (a matrix that is
// not positive definite is a config_error naming the factor).
monte_carlo_model make_monte_carlo_model(const std::vector<std::string>& factors,
                                         const std::vector<double>& annual_vols, const std::vector<double>& correlation,
                                         const monte_carlo_params& params);

// Returns of scenarios [first, first + count) into r[(s - first) * F + f]. `threads` <= 0: all.
void generate_monte_carlo_rows(const monte_carlo_model& model, std::uint64_t first, std::uint64_t count, double* r,
                               int threads);

// Fills rows [row0, row0 + S) of `set` (whose columns must be the model's factors and which must
// already hold those rows, see resize_scenarios): ids, weights, horizons and r; v is left as is.
void generate_monte_carlo_into(const monte_carlo_model& model, scenario_set& set, std::size_t row0, int threads);

// The whole set of S scenarios.
scenario_set generate_monte_carlo(const monte_carlo_model& model, int threads);

}  // namespace riskscan::scenarios
