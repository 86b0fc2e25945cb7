#pragma once
// The order in which the CUDA backend hands accounts to its threads (ARCHITECTURE.md 4):
// accounts bucketed by their work per scenario, heaviest bucket first, so the 32 threads of a
// warp evaluate accounts of equal size and finish together, and the slowest blocks start first.
// Accounts too heavy for one thread are split off for the warp-per-account path.
#include <cstdint>
#include <vector>

#include "riskscan/eval_book.hpp"

namespace riskscan {

// Work of evaluating account a in one scenario, in position evaluations: each cross and isolated
// position once, and a portfolio account's cross positions once per grid point.
std::int64_t account_work(const core::book_view& book, std::int64_t a);

struct work_order {
  std::vector<std::int64_t> light;  // work < heavy_work; work descending, rows ascending within a bucket
  std::vector<std::int64_t> heavy;  // work >= heavy_work, rows ascending
};

// A counting sort over work: linear in the number of accounts.
work_order order_by_work(const eval_book& book, std::int64_t heavy_work);

}  // namespace riskscan
