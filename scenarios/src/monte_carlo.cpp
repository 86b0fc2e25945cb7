#include "riskscan/scenarios/monte_carlo.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "riskscan/core/philox.hpp"
#include "riskscan/csv_reader.hpp"
#include "riskscan/error.hpp"
#include "riskscan/region_errors.hpp"
#include "riskscan/scenarios/cholesky.hpp"

namespace riskscan::scenarios {

namespace {

// exp(700) ~ 1e304: the largest log-return that keeps r finite with margin.
constexpr double max_log_return = 700.0;

int resolve(int threads) { return threads > 0 ? threads : omp_get_max_threads(); }

int id_width(std::uint64_t count) {
  int width = 1;
  for (std::uint64_t last = count > 0 ? count - 1 : 0; last >= 10; last /= 10) ++width;
  return width;
}

// One scenario: n (scratch, F), y (scratch, F) -> out (F).
void one_scenario(const monte_carlo_model& m, std::uint64_t s, double* n, double* y, double* out) {
  const std::size_t nf = m.factors.size();
  const std::uint32_t count = static_cast<std::uint32_t>(nf);
  core::philox_scenario_normals(m.params.seed, s, count, n);
  std::fill(y, y + nf, 0.0);
  const double* l = m.lower_by_column.data();
  // y += L(:, j) n_j, j ascending: every y_i sums its terms in the same order as the scalar
  // dot product, so vectorising over i changes no bit (-ffp-contract=off, no reassociation).
  for (std::size_t j = 0; j < nf; ++j) {
    const double nj = n[j];
    const double* col = l + j * nf;
#pragma omp simd
    for (std::size_t i = j; i < nf; ++i) y[i] += col[i] * nj;
  }
  double t = 1.0;
  if (m.params.distribution == mc_distribution::student_t) {
    const double chi2 = core::philox_scenario_chi_square(m.params.seed, s, m.params.nu);
    t = std::sqrt(m.params.nu / chi2) * m.t_multiplier;
  }
  for (std::size_t f = 0; f < nf; ++f) {
    const double z = (y[f] * t) * m.scale[f];
    out[f] = std::expm1(std::min(z, max_log_return));
  }
}

}  // namespace

monte_carlo_model make_monte_carlo_model(const std::vector<std::string>& factors,
                                         const std::vector<double>& annual_vols, const std::vector<double>& correlation,
                                         const monte_carlo_params& params) {
  if (factors.empty()) throw config_error("Monte Carlo needs at least one factor");
  if (factors.size() > 0xFFFFFFFEu) throw config_error("too many factors");
  if (annual_vols.size() != factors.size()) throw config_error("one annual vol per factor is needed");
  if (params.scenarios < 1) throw config_error("scenarios must be >= 1");
  if (!csv::is_name(params.name)) {
    throw config_error("name must be non-empty text without commas or control characters (it prefixes scenario ids)");
  }
  if (!(std::isfinite(params.horizon_days) && params.horizon_days > 0.0)) {
    throw config_error(fmt::format("horizon_days must be > 0, got {}", params.horizon_days));
  }
  if (!(std::isfinite(params.weight) && params.weight > 0.0)) {
    throw config_error(fmt::format("weight must be > 0, got {}", params.weight));
  }
  if (params.distribution == mc_distribution::student_t && !(std::isfinite(params.nu) && params.nu > 2.0)) {
    throw config_error(fmt::format("nu must be > 2 for a Student-t model (finite variance), got {}", params.nu));
  }
  monte_carlo_model m;
  m.params = params;
  m.factors = factors;
  const double sqrt_h = std::sqrt(params.horizon_days / 365.0);
  m.scale.resize(factors.size());
  for (std::size_t f = 0; f < factors.size(); ++f) {
    if (!(std::isfinite(annual_vols[f]) && annual_vols[f] >= 0.0)) {
      throw config_error(
          fmt::format("annual vol of factor {} must be finite and >= 0, got {}", factors[f], annual_vols[f]));
    }
    m.scale[f] = annual_vols[f] * sqrt_h;
  }
  validate_correlation(correlation, factors);
  const auto lower = cholesky_lower(correlation, factors);
  const std::size_t nf = factors.size();
  m.lower_by_column.assign(nf * nf, 0.0);
  for (std::size_t i = 0; i < nf; ++i) {
    for (std::size_t j = 0; j <= i; ++j) m.lower_by_column[j * nf + i] = lower[i * nf + j];
  }
  if (params.distribution == mc_distribution::student_t && params.unit_variance) {
    m.t_multiplier = std::sqrt((params.nu - 2.0) / params.nu);
  }
  return m;
}

void generate_monte_carlo_rows(const monte_carlo_model& model, std::uint64_t first, std::uint64_t count, double* r,
                               int threads) {
  const std::size_t nf = model.factors.size();
  const auto total = static_cast<std::int64_t>(count);
  region_errors errors;  // the scratch vectors allocate: an exception must not leave the region
#pragma omp parallel num_threads(resolve(threads))
  {
    std::vector<double> n, y;
    errors.run([&] {
      n.resize(nf + 1);
      y.resize(nf);
    });
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < total; ++i) {
      errors.run([&] {
        one_scenario(model, first + static_cast<std::uint64_t>(i), n.data(), y.data(),
                     r + static_cast<std::size_t>(i) * nf);
      });
    }
  }
  errors.rethrow();
}

void generate_monte_carlo_into(const monte_carlo_model& model, scenario_set& set, std::size_t row0, int threads) {
  const std::size_t nf = model.factors.size();
  const std::uint64_t count = model.params.scenarios;
  if (set.factors != model.factors)
    throw error(exit_code::internal, "Monte Carlo: set columns differ from the model's factors");
  if (set.size() < row0 + count) throw error(exit_code::internal, "Monte Carlo: set has too few rows");
  const int width = id_width(count);
  const auto total = static_cast<std::int64_t>(count);
  const monte_carlo_params& p = model.params;
  region_errors errors;  // ids and scratch vectors allocate: an exception must not leave the region
#pragma omp parallel num_threads(resolve(threads))
  {
    std::vector<double> n, y;
    errors.run([&] {
      n.resize(nf + 1);
      y.resize(nf);
    });
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < total; ++i) {
      errors.run([&] {
        const std::size_t row = row0 + static_cast<std::size_t>(i);
        set.ids[row] = fmt::format("{}:{:0{}}", p.name, i, width);
        set.weights[row] = p.weight;
        set.horizon_days[row] = p.horizon_days;
        one_scenario(model, static_cast<std::uint64_t>(i), n.data(), y.data(), set.r.data() + row * nf);
      });
    }
  }
  errors.rethrow();
}

scenario_set generate_monte_carlo(const monte_carlo_model& model, int threads) {
  scenario_set set;
  set.factors = model.factors;
  const std::size_t count = static_cast<std::size_t>(model.params.scenarios);
  const std::size_t cells = count * model.factors.size();
  set.ids.resize(count);
  set.weights.resize(count);
  set.horizon_days.resize(count);
  set.r.resize(cells);
  set.v.resize(cells);  // Monte Carlo scenarios shock returns only
  generate_monte_carlo_into(model, set, 0, threads);
  return set;
}

}  // namespace riskscan::scenarios
