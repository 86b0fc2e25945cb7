// Monte Carlo scenario generation: 1 M scenarios x 50 factors (the target: under 5 s on
// the 2-core development machine; 10 k under RS_BENCH_SMOKE). items_per_second counts
// scenario-factor cells.
//   ./build/<dir>/bin/riskscan_bench --benchmark_filter=MonteCarlo
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench_books.hpp"
#include "riskscan/scenarios/monte_carlo.hpp"

namespace {

using namespace riskscan::scenarios;

monte_carlo_model model_50(std::uint64_t scenarios, mc_distribution dist) {
  const std::size_t nf = 50;
  std::vector<std::string> names;
  std::vector<double> vols;
  for (std::size_t f = 0; f < nf; ++f) {
    std::string name = "F";  // (not "F" + to_string: GCC 12 -Wrestrict false positive)
    name += std::to_string(f);
    names.push_back(std::move(name));
    vols.push_back(0.4 + 0.02 * static_cast<double>(f));
  }
  // Equicorrelation 0.6 among the first 48 (crypto), the last two (stablecoins) uncorrelated.
  std::vector<double> corr(nf * nf, 0.0);
  for (std::size_t i = 0; i < nf; ++i) {
    for (std::size_t j = 0; j < nf; ++j) corr[i * nf + j] = i == j ? 1.0 : (i < 48 && j < 48 ? 0.6 : 0.0);
  }
  monte_carlo_params p;
  p.scenarios = scenarios;
  p.seed = 42;
  p.horizon_days = 1.0;
  p.distribution = dist;
  p.nu = 4.0;
  return make_monte_carlo_model(names, vols, corr, p);
}

// The whole scenario_set (ids, weights, r and the zero v table), as `riskscan scenarios` builds it.
void BM_MonteCarloSet(benchmark::State& state) {
  const auto dist = state.range(1) ? mc_distribution::student_t : mc_distribution::normal;
  const auto model = model_50(static_cast<std::uint64_t>(state.range(0)), dist);
  for (auto _ : state) {
    auto set = generate_monte_carlo(model, 0);
    benchmark::DoNotOptimize(set.r.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0) * 50);
  state.SetBytesProcessed(state.iterations() * state.range(0) * 50 * 8);
}
const std::int64_t scenario_count = riskscan::bench::smoke_run() ? 10000 : 1000000;

BENCHMARK(BM_MonteCarloSet)
    ->Args({scenario_count, 0})
    ->Args({scenario_count, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Returns only, into a preallocated table (the kernel of the generator).
void BM_MonteCarloRows(benchmark::State& state) {
  const auto model = model_50(static_cast<std::uint64_t>(state.range(0)), mc_distribution::normal);
  std::vector<double> r(static_cast<std::size_t>(state.range(0)) * 50);
  for (auto _ : state) {
    generate_monte_carlo_rows(model, 0, static_cast<std::uint64_t>(state.range(0)), r.data(), 0);
    benchmark::DoNotOptimize(r.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0) * 50);
}
BENCHMARK(BM_MonteCarloRows)->Arg(scenario_count)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
