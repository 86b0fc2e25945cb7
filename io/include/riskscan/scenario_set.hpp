#pragma once
// A set of scenarios (METHODOLOGY.md 1 and 10): per scenario an id, a weight, a horizon in days,
// and per factor a simple return r and a relative vol shock v, each in [-1, max_shock].
// The set names its own factors; `bind_scenarios` (engine side) maps them onto a book's factors.
// Dense row-major storage: r[s * factor_count() + f].
#include <cstddef>
#include <string>
#include <vector>

namespace riskscan {

// Largest return or vol shock a scenario may hold: a thousandfold rise. Nothing real comes near
// it, and a bound keeps every shocked price and volatility finite (a return of 1e308 made
// prices inf, and then margin values NaN). Scenario files and generated sets are both checked.
inline constexpr double max_shock = 1000.0;

struct scenario_set {
  std::vector<std::string> factors;  // column order of r and v
  std::vector<std::string> ids;
  std::vector<double> weights;       // > 0
  std::vector<double> horizon_days;  // >= 0
  std::vector<double> r;             // size() * factor_count()
  std::vector<double> v;             // size() * factor_count()

  std::size_t size() const noexcept { return ids.size(); }
  std::size_t factor_count() const noexcept { return factors.size(); }
  double& ret(std::size_t s, std::size_t f) { return r[s * factors.size() + f]; }
  double& vol(std::size_t s, std::size_t f) { return v[s * factors.size() + f]; }
  double ret(std::size_t s, std::size_t f) const { return r[s * factors.size() + f]; }
  double vol(std::size_t s, std::size_t f) const { return v[s * factors.size() + f]; }

  // Appends a scenario with all returns and vol shocks zero; returns its index.
  std::size_t add(std::string id, double weight = 1.0, double horizon = 0.0) {
    ids.push_back(std::move(id));
    weights.push_back(weight);
    horizon_days.push_back(horizon);
    r.resize(r.size() + factors.size(), 0.0);
    v.resize(v.size() + factors.size(), 0.0);
    return ids.size() - 1;
  }
};

}  // namespace riskscan
