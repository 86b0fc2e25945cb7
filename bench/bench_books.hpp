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
// horizons, deterministic for a seed.
bound_scenarios random_scenarios(const book& b, std::size_t n, std::uint64_t seed);

}  // namespace riskscan::bench
