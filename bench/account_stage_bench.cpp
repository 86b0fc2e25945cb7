// Account stage on the CPU: account-scenario pairs per second of the cpu backend over generated
// books with and without options and portfolio accounts (README "Performance" quotes them).
//
//   build/native/bin/riskscan_bench --benchmark_filter=account_stage
#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>
#include <memory>

#include "bench_books.hpp"
#include "riskscan/cpu_backend.hpp"
#include "riskscan/engine.hpp"
#include "riskscan/instrument_tables.hpp"

namespace riskscan::bench {
namespace {

void run_account_stage(benchmark::State& state, bool options, bool portfolio) {
  const auto accounts = static_cast<std::uint64_t>(state.range(0));
  const auto n_scenarios = static_cast<std::size_t>(state.range(1));
  const prepared_book& book = cached_book(accounts, options, portfolio);
  const bound_scenarios scenarios = random_scenarios(book.snapshot.data, n_scenarios, 7);
  const auto groups = cover_groups(book.snapshot.data);
  auto cpu = make_cpu_backend(0);
  scan_config config;
  for (auto _ : state) {
    auto result = cpu->scan(*book.prepared, groups, scenarios, config);
    benchmark::DoNotOptimize(result.scenarios.deficit.data());
  }
  const double pairs = static_cast<double>(accounts) * static_cast<double>(n_scenarios);
  state.SetItemsProcessed(static_cast<std::int64_t>(pairs) * state.iterations());
  state.counters["threads"] = cpu->threads();
  state.counters["positions"] = static_cast<double>(book.snapshot.data.position_count());
}

void account_stage_linear(benchmark::State& s) { run_account_stage(s, false, false); }
void account_stage_options_portfolio(benchmark::State& s) { run_account_stage(s, true, true); }

BENCHMARK(account_stage_linear)
    ->Apply([](benchmark::internal::Benchmark* b) {
      if (smoke_run())
        b->Args({2000, 16});
      else
        b->Args({100000, 256})->Args({1000000, 1024});
    })
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK(account_stage_options_portfolio)
    ->Args({smoke_run() ? 2000 : 100000, smoke_run() ? 16 : 256})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

// Instrument stage alone: states x instruments per second (options dominate: up to 24 Black-76
// calls per instrument and state for portfolio-held options).
void instrument_stage(benchmark::State& state) {
  const prepared_book& book = cached_book(smoke_run() ? 2000 : 10000, true, true);
  const bound_scenarios scenarios = random_scenarios(book.snapshot.data, 64, 11);
  instrument_tables tables(*book.prepared, 64);
  for (auto _ : state) tables.compute(scenarios, 0, 64);
  state.SetItemsProcessed(state.iterations() * 64 * book.prepared->view().instruments);
}
BENCHMARK(instrument_stage)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace riskscan::bench
