#pragma once
// How the cuda backend lays a scan out in device memory, decided on the host (and so tested on
// any machine): the scenario tile width and the account chunks. The device budget is split so
// that the per-lane buffers (instrument tables, scenario inputs, per-scenario sums) take at most
// a quarter, and the accounts of a chunk with their per-account buffers fill the rest.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "riskscan/account_chunks.hpp"
#include "riskscan/eval_book.hpp"
#include "riskscan/group_slots.hpp"
#include "riskscan/scan_types.hpp"

namespace riskscan {

// Shapes shared by the planner and the kernels (kernels/cuda/scan_kernels.cuh).
namespace cuda_shape {
inline constexpr int account_block = 256;                   // threads (light accounts) per account_stage block
inline constexpr std::int64_t max_tile = 128;               // scenarios per tile at most
inline constexpr int sum_count = core::scenario_sum_count;  // per-scenario sums (core::for_each_sum)
// Accounts whose work per scenario (work_order.hpp) reaches this take a warp each instead of a
// thread: a portfolio account with 23+ cross positions, or a cross account with 512 positions.
inline constexpr std::int64_t heavy_work = 512;

// merge_tile keeps a top-k list and two cover values per thread in shared memory, within the
// 48 KiB a kernel gets without opting in: fewer threads for a longer list, at least one.
inline constexpr std::size_t merge_shared_limit = 48 * 1024;
inline constexpr int merge_max_threads = 128;
constexpr std::size_t merge_bytes_per_thread(int k) {
  return (static_cast<std::size_t>(k) * 2 + 2) * sizeof(std::int64_t);
}
constexpr int merge_threads(int k) {
  const std::size_t fit = merge_shared_limit / merge_bytes_per_thread(k);
  return fit < 1 ? 1 : fit > merge_max_threads ? merge_max_threads : static_cast<int>(fit);
}
constexpr std::size_t merge_shared_bytes(int k) {
  return static_cast<std::size_t>(merge_threads(k)) * merge_bytes_per_thread(k);
}
static_assert(merge_shared_bytes(max_top_k) <= merge_shared_limit, "the longest top-k list must fit one merge thread");
}  // namespace cuda_shape

struct cuda_scan_plan {
  std::int64_t tile = 1;  // scenarios per tile
  chunk_rows chunks;      // one chunk holding every account when the book fits
  group_slots slots;      // the whole book's, which a chunk holding every account reuses
};

// Throws config_error when `memory_limit` bytes cannot hold one scenario lane of the tables.
cuda_scan_plan plan_cuda_scan(const eval_book& book, const std::vector<std::int64_t>& groups, int top_k,
                              std::size_t memory_limit);

}  // namespace riskscan
