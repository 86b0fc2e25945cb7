// The cuda backend on generated books: account-scenario pairs per second of the kernels, timed
// with CUDA events (manual time: instrument, account and merge kernels of every tile), plus the
// book upload, the whole tile loop and the whole scan call as counters. The goal on one H100:
// >= 1e11 pairs/s without options (10 M accounts x 10 k scenarios in 1 s), within 3x of that with
// options and portfolio accounts. Skips without a device. Built a second time against the CUDA
// emulator of tests/emulated_cuda (RS_BENCH_EMULATED, riskscan_emulated_bench), where it runs at a
// small size: the CPU smoke of this file before a build is carried to a device.
//
//   build/gpu/bin/riskscan_bench --benchmark_filter=cuda_scan
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>

#include "bench_books.hpp"
#include "riskscan/backend.hpp"
#include "riskscan/cuda_backend.hpp"
#include "riskscan/engine.hpp"

namespace riskscan::bench {
namespace {

double phase(const std::vector<phase_time>& phases, const std::string& name) {
  for (const auto& p : phases)
    if (p.name == name) return p.seconds;
  return 0.0;
}

void run_cuda_scan(benchmark::State& state, bool options) {
  const cuda_status status = cuda_device_status();
  if (status.devices == 0) {
    state.SkipWithError(("no CUDA device: " + status.message).c_str());
    return;
  }
  const auto accounts = static_cast<std::uint64_t>(state.range(0));
  const auto n_scenarios = static_cast<std::size_t>(state.range(1));
  const prepared_book& book = cached_book(accounts, options, options);
  const bound_scenarios scenarios = random_scenarios(book.snapshot.data, n_scenarios, 7);
  const auto groups = cover_groups(book.snapshot.data);
  auto cuda = make_cuda_backend();
  scan_config config;
  double wall = 0.0;
  for (auto _ : state) {
    const auto t = std::chrono::steady_clock::now();
    auto result = cuda->scan(*book.prepared, groups, scenarios, config);
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    benchmark::DoNotOptimize(result.scenarios.deficit.data());
    const auto phases = cuda->phases();
    state.SetIterationTime(phase(phases, "instrument_kernels") + phase(phases, "account_kernels") +
                           phase(phases, "merge_kernels"));
  }
  const auto phases = cuda->phases();
  const double pairs = static_cast<double>(accounts) * static_cast<double>(n_scenarios);
  state.SetItemsProcessed(static_cast<std::int64_t>(pairs) * state.iterations());
  for (const auto& p : phases) state.counters[p.name + "_s"] = p.seconds;
  state.counters["scan_call_s"] = wall / static_cast<double>(state.iterations());
  double book_bytes = static_cast<double>(book.prepared->reference_bytes());
  for (std::int64_t a = 0; a < book.prepared->view().accounts; ++a)
    book_bytes += static_cast<double>(book.prepared->account_bytes(a));
  state.counters["upload_bytes_per_s"] = book_bytes / std::max(phase(phases, "upload_book"), 1e-9);
  state.counters["positions"] = static_cast<double>(book.snapshot.data.position_count());
}

void cuda_scan_linear(benchmark::State& s) { run_cuda_scan(s, false); }
void cuda_scan_options_portfolio(benchmark::State& s) { run_cuda_scan(s, true); }

// Real sizes on a device, RS_BENCH_SMOKE or not: the smoke is the emulated build's.
void cuda_sizes(benchmark::internal::Benchmark* b) {
#ifdef RS_BENCH_EMULATED
  b->Args({3000, 64});
#else
  b->Args({1000000, 1024})->Args({10000000, 10000});
#endif
}

BENCHMARK(cuda_scan_linear)->Apply(cuda_sizes)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(1);
BENCHMARK(cuda_scan_options_portfolio)
    ->Apply(cuda_sizes)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(1);

}  // namespace
}  // namespace riskscan::bench
