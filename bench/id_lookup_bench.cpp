// Account lookups of the snapshot loader among ten million IDs, as a shuffled balances or
// positions file makes them: one by one (id_index::find) against batched (find_batch, what
// batched_lookup uses). items_per_second counts lookups.
//   ./build/<dir>/bin/riskscan_bench --benchmark_filter=IdLookup
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "../io/src/id_index.hpp"
#include "bench_books.hpp"

namespace {

using riskscan::id_index;

// Ten million IDs like the generator's ("a1234567"), laid out as in an accounts file read by the
// loader (in huge pages), indexed, and a million of them drawn at random to look up (a hundredth
// of each under RS_BENCH_SMOKE).
struct accounts_table {
  const std::size_t accounts = riskscan::bench::smoke_run() ? 100'000 : 10'000'000;
  const std::size_t asked = accounts / 10;
  riskscan::huge_page_bytes bytes;
  std::vector<std::string_view> keys, queries;
  id_index index;

  accounts_table() {
    std::string file;
    std::vector<std::size_t> begin;
    for (std::size_t i = 0; i < accounts; ++i) {
      begin.push_back(file.size());
      file += 'a';
      file += std::to_string(i);
      file += ",cross,\n";
    }
    bytes = riskscan::make_huge_page_bytes(file.size());
    std::copy(file.begin(), file.end(), bytes.get());
    for (std::size_t i = 0; i < accounts; ++i) {
      keys.emplace_back(bytes.get() + begin[i], file.find(',', begin[i]) - begin[i]);
    }
    index.reserve(accounts);
    for (std::size_t i = 0; i < accounts; ++i) index.insert(keys[i], static_cast<std::int32_t>(i), i + 2);
    std::mt19937_64 random(7);
    for (std::size_t i = 0; i < asked; ++i) queries.push_back(keys[random() % accounts]);
  }
};

const accounts_table& table() {
  static const accounts_table t;
  return t;
}

void BM_IdLookupOneByOne(benchmark::State& state) {
  const accounts_table& t = table();
  for (auto _ : state) {
    std::int64_t sum = 0;
    for (const std::string_view id : t.queries) sum += t.index.find(id);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(t.queries.size()));
}
BENCHMARK(BM_IdLookupOneByOne)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_IdLookupBatched(benchmark::State& state) {
  const accounts_table& t = table();
  std::vector<std::int32_t> found(t.queries.size());
  for (auto _ : state) {
    t.index.find_batch(t.queries, found);
    benchmark::DoNotOptimize(found.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(t.queries.size()));
}
BENCHMARK(BM_IdLookupBatched)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
