#include "bench_books.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string_view>
#include <tuple>

#include <fmt/core.h>

#include "riskscan/generate.hpp"

namespace riskscan::bench {

const prepared_book& cached_book(std::uint64_t accounts, bool options, bool portfolio) {
  static std::map<std::tuple<std::uint64_t, bool, bool>, prepared_book> cache;
  const auto key = std::make_tuple(accounts, options, portfolio);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("riskscan-bench-" + std::to_string(accounts) + (options ? "-o" : "") + (portfolio ? "-p" : ""));
  generate_options g;
  g.accounts = accounts;
  g.seed = 1;
  g.options = options;
  g.portfolio = portfolio;
  generate_exchange(g, dir);
  prepared_book book;
  book.snapshot = load_snapshot(dir);
  book.prepared = std::make_unique<eval_book>(book.snapshot.data);
  std::filesystem::remove_all(dir);
  return cache.emplace(key, std::move(book)).first->second;
}

bound_scenarios random_scenarios(const book& b, std::size_t n, std::uint64_t seed) {
  // splitmix64: a tiny deterministic generator, enough for benchmark inputs.
  std::uint64_t x = seed;
  auto uniform = [&x] {
    x += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  };
  // 1 - uniform() lies in [2^-53, 1], so |normal()| <= sqrt(2 ln 2^53) < 8.6.
  auto normal = [&] { return std::sqrt(-2.0 * std::log(1.0 - uniform())) * std::cos(6.283185307179586 * uniform()); };
  scenario_set set;
  for (const auto& f : b.factors) set.factors.push_back(f.id);
  for (std::size_t s = 0; s < n; ++s) {
    // fmt rather than "s" + std::to_string(s), on which GCC 12 gives a false -Wrestrict warning.
    set.add(fmt::format("s{}", s), 1.0, s % 3 == 0 ? 1.0 : 0.0);
    const double market = 0.12 * normal();
    for (std::size_t f = 0; f < b.factors.size(); ++f) {
      // Inside [-1, 1000] whatever the draw: returns are clamped to [-0.95, 10] (the generator's
      // betas keep them far inside), vol shocks are lognormal, exp(0.3 z) - 1 in (-0.93, 12.2).
      const bool stable = b.factors[f].kind == factor_kind::stable;
      set.ret(s, f) = stable ? 0.002 * normal() : std::clamp(b.factors[f].beta * market + 0.03 * normal(), -0.95, 10.0);
      set.vol(s, f) = stable ? 0.0 : std::expm1(0.3 * normal());
    }
  }
  return bind_scenarios(b, set, "bench");
}

bool smoke_run() {
  static const bool smoke = [] {
    const char* v = std::getenv("RS_BENCH_SMOKE");
    return v != nullptr && *v != '\0' && std::string_view(v) != "0";
  }();
  return smoke;
}

}  // namespace riskscan::bench
