#pragma once
// Correlation matrices for the Monte Carlo generator: validation and Cholesky factorisation.
// Matrices are dense row-major n x n doubles; `names[i]` names row/column i in error messages.
#include <cstddef>
#include <string>
#include <vector>

namespace riskscan::scenarios {

// Checks that `c` is a correlation matrix: finite, symmetric (|c_ij - c_ji| <= 1e-12), unit
// diagonal, off-diagonal in [-1, 1]. Throws config_error naming the offending pair.
void validate_correlation(const std::vector<double>& c, const std::vector<std::string>& names);

// Lower-triangular L (row-major n x n, zeros above the diagonal) with C = L L^T, by the
// Cholesky-Banachiewicz recurrence in a fixed order (so the same input always gives the same bits).
// A matrix that is not (numerically) positive definite is a config_error naming the factor whose
// pivot C_ii - sum_k L_ik^2 is <= 1e-12 and the factors before it that it is a combination of.
std::vector<double> cholesky_lower(const std::vector<double>& c, const std::vector<std::string>& names);

}  // namespace riskscan::scenarios
