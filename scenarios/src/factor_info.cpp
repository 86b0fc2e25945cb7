#include "riskscan/scenarios/factor_info.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "riskscan/error.hpp"

namespace riskscan::scenarios {

std::vector<factor_info> from_book(const std::vector<riskscan::factor>& book_factors) {
  std::vector<factor_info> out;
  out.reserve(book_factors.size());
  for (const auto& f : book_factors) {
    factor_info info;
    info.id = f.id;
    info.kind = f.kind;
    info.beta = f.beta;
    out.push_back(std::move(info));
  }
  return out;
}

std::ptrdiff_t find_factor(const std::vector<factor_info>& factors, std::string_view id) {
  for (std::size_t i = 0; i < factors.size(); ++i) {
    if (factors[i].id == id) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

scenario_set empty_set(const std::vector<factor_info>& factors) {
  scenario_set set;
  set.factors.reserve(factors.size());
  for (const auto& f : factors) set.factors.push_back(f.id);
  return set;
}

void resize_scenarios(scenario_set& set, std::size_t count) {
  set.ids.assign(count, std::string());
  set.weights.assign(count, 1.0);
  set.horizon_days.assign(count, 0.0);
  set.r.assign(count * set.factor_count(), 0.0);
  set.v.assign(count * set.factor_count(), 0.0);
}

void append_scenarios(scenario_set& into, const scenario_set& from) {
  if (into.factors != from.factors) {
    // Columns of `from` that `into` lacks are added first (rare: sets without a shared factor list).
    std::vector<std::string> added;
    std::unordered_set<std::string> have(into.factors.begin(), into.factors.end());
    for (const auto& f : from.factors) {
      if (have.insert(f).second) added.push_back(f);
    }
    if (!added.empty()) {
      const std::size_t old_f = into.factor_count();
      const std::size_t new_f = old_f + added.size();
      std::vector<double> r(into.size() * new_f, 0.0);
      std::vector<double> v(into.size() * new_f, 0.0);
      for (std::size_t s = 0; s < into.size(); ++s) {
        std::copy_n(into.r.begin() + static_cast<std::ptrdiff_t>(s * old_f), old_f,
                    r.begin() + static_cast<std::ptrdiff_t>(s * new_f));
        std::copy_n(into.v.begin() + static_cast<std::ptrdiff_t>(s * old_f), old_f,
                    v.begin() + static_cast<std::ptrdiff_t>(s * new_f));
      }
      into.factors.insert(into.factors.end(), added.begin(), added.end());
      into.r = std::move(r);
      into.v = std::move(v);
    }
  }
  const std::size_t first = into.size();
  into.ids.insert(into.ids.end(), from.ids.begin(), from.ids.end());
  into.weights.insert(into.weights.end(), from.weights.begin(), from.weights.end());
  into.horizon_days.insert(into.horizon_days.end(), from.horizon_days.begin(), from.horizon_days.end());
  if (into.factors == from.factors) {
    into.r.insert(into.r.end(), from.r.begin(), from.r.end());
    into.v.insert(into.v.end(), from.v.begin(), from.v.end());
    return;
  }
  std::unordered_map<std::string, std::size_t> column;
  for (std::size_t f = 0; f < into.factor_count(); ++f) column.emplace(into.factors[f], f);
  into.r.resize(into.size() * into.factor_count(), 0.0);
  into.v.resize(into.size() * into.factor_count(), 0.0);
  for (std::size_t f = 0; f < from.factor_count(); ++f) {
    const std::size_t to = column.at(from.factors[f]);
    for (std::size_t s = 0; s < from.size(); ++s) {
      into.ret(first + s, to) = from.ret(s, f);
      into.vol(first + s, to) = from.vol(s, f);
    }
  }
}

std::optional<std::pair<std::size_t, std::size_t>> first_repeated_id(const scenario_set& set) {
  std::unordered_map<std::string_view, std::size_t> seen;
  seen.reserve(set.size());
  for (std::size_t s = 0; s < set.size(); ++s) {
    const auto [it, inserted] = seen.try_emplace(set.ids[s], s);
    if (!inserted) return std::pair{it->second, s};
  }
  return std::nullopt;
}

}  // namespace riskscan::scenarios
