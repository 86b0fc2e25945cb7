#pragma once
// Generated books and random scenario sets shared by the benchmarks (cached per process).
#include <cstdint>
#include <memory>

#include "riskscan/engine.hpp"
#include "riskscan/eval_book.hpp"
#include "riskscan/snapshot_io.hpp"

namespace riskscan::bench {

struct prepared_book {
  loaded_snapshot snapshot;
  std::unique_ptr<eval_book> prepared;
};

// A `riskscan generate` book (seed 1), generated into a temp directory and loaded once.
const prepared_book& cached_book(std::uint64_t accounts, bool options, bool portfolio);

// Co-moving returns (a market move scaled by beta plus idiosyncratic noise), vol shocks and
// horizons, deterministic for a seed. Every value lies in the range scenario files must obey
// ([-1, 1000], FORMATS.md), by construction: see the bounds in bench_books.cpp.
bound_scenarios random_scenarios(const book& b, std::size_t n, std::uint64_t seed);

// True when RS_BENCH_SMOKE is set (to anything but "" or "0"): every benchmark then registers a
// small size, so that one run of all of them (ctest label `bench`) checks that each still works.
// The cuda benchmarks keep their real sizes where a device runs them.
bool smoke_run();

}  // namespace riskscan::bench
