#pragma once
// The CUDA scan kernels (ARCHITECTURE.md 1 and 4) for one tile of `lanes` scenarios; lane l of a
// tile is scenario first + l, table stride = tile. Exactness over speed: every reduction gives
// the reference backend's values for any block layout, because each is either an integer sum
// (associative) or a selection under a total order (top-k by deficit then row; the two largest
// Cover-N values), where the order candidates arrive in does not matter. Accounts are the
// chunk's rows, ascending like the book's, so ranking by them ranks by book row.
//
// - instrument_stage: one thread per (asset or instrument row, lane) calls the RS_HD pricing.
// - account_stage: one thread per light account (in work order, so a warp's accounts are the
//   same size) walks the tile's lanes in order, so its fold (carried across tiles in device
//   memory) sees scenarios in scenario order exactly like core::account_fold on the CPU.
//   Per-scenario integer sums go to shared-memory 64-bit atomics, then one global atomicAdd per
//   block and (sum, lane); money sums flag a total that leaves the fixed-point range (add_money).
//   Accounts with a deficit append themselves to a shared candidate list (usually empty); each
//   candidate counts the candidates that rank before it and writes itself to that place of the
//   block's top-k and, if it is its own Cover-N group, of the block's top-2 singletons. Thread 0
//   records the block in the lane's list of blocks with candidates.
// - account_stage_heavy: one warp per heavy account, its threads on 32 consecutive lanes, so a
//   market maker's hundreds of positions are spread over 32 threads. Lane 0 of the warp folds
//   the 32 outcomes in scenario order.
// - merge_tile: one block per lane merges the candidate blocks, the heavy accounts and the group
//   sums into the lane's top-k and cover values, each thread a strided share, then thread 0
//   merges the threads' lists.
// - init_folds: one thread per account sets its fold to the start before the first tile.
#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>

#include "riskscan/core/account_eval.hpp"
#include "riskscan/core/fixed_point.hpp"
#include "riskscan/core/instrument_stage.hpp"
#include "riskscan/core/reduce.hpp"
#include "riskscan/core/views.hpp"
#include "riskscan/cuda_plan.hpp"

namespace riskscan::cuda {

inline constexpr int account_block = cuda_shape::account_block;
inline constexpr int heavy_block = 128;  // 4 heavy accounts per block
inline constexpr int warp = 32;
// Per-scenario sums: sum q of lane l at [q * tile + l], q as in core::for_each_sum.
inline constexpr int sum_count = cuda_shape::sum_count;

struct instrument_stage_args {
  core::state_tables_out out;
  const double* r;        // [lane * factors + f]
  const double* v;        // [lane * factors + f]
  const double* horizon;  // [lane]
  std::int32_t factors;
  std::int64_t lanes;
};

__global__ void instrument_stage(core::book_view bk, instrument_stage_args g) {
  const std::int64_t rows = static_cast<std::int64_t>(bk.assets) + bk.instruments;
  const std::int64_t idx = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= rows * g.lanes) return;
  const std::int64_t row = idx / g.lanes;
  const std::int64_t lane = idx % g.lanes;
  const double* r = g.r + lane * g.factors;
  if (row < bk.assets) {
    core::price_asset_in_state(bk, static_cast<std::int32_t>(row), r, g.out, lane);
  } else {
    const double* v = g.v + lane * g.factors;
    core::price_instrument_in_state(bk, static_cast<std::int32_t>(row - bk.assets), r, v, g.horizon[lane], g.out, lane);
  }
}

// What the account kernels share.
struct tile_args {
  core::state_tables tables;
  core::run_params params;
  std::int64_t tile;                  // stride of every per-lane array
  std::int64_t lanes;                 // lanes used in this tile, <= tile
  std::int64_t first;                 // scenario of lane 0
  const double* weight;               // [lane] normalized weights
  const std::int64_t* group_slot;     // [account], -1: the account is its own group
  core::account_fold* folds;          // [account]
  unsigned long long* sums;           // [q * tile + lane]
  unsigned long long* group_deficit;  // [slot * tile + lane], read with core::group_total
  unsigned* overflow;                 // [lane]: bit q set once sum q reaches core::total_limit
};

// Adds a non-negative amount to a money total (shared or global memory) with the range check of
// core::add_total: the one add that carries the total across total_limit sets bit q of
// `overflow`. Every amount is >= 0, so a total crosses the limit once, and before it could wrap
// (before < limit and x <= limit, or x < limit for a block's unflagged partial, so before + x <
// 2^64). The bit is therefore set exactly when the exact total reaches the limit, in any order.
__device__ inline void add_money(unsigned long long* total, unsigned long long x, unsigned* overflow, int q) {
  constexpr auto limit = static_cast<unsigned long long>(core::total_limit);
  const unsigned long long before = atomicAdd(total, x);
  if (before < limit && before + x >= limit) atomicOr(overflow, 1u << q);
}

// Adds x to sum q of a lane: a money total through add_money, a count plainly.
__device__ inline void add_sum(unsigned long long* sum, core::sum_kind kind, unsigned long long x, unsigned* overflow,
                               int q) {
  if (kind == core::sum_kind::money) {
    add_money(sum, x, overflow, q);
  } else {
    atomicAdd(sum, x);
  }
}

// Adds one outcome to the per-scenario sums at `sums[q * tile + lane]` (shared or global memory)
// and its deficit to its group's; returns the fixed-point deficit.
__device__ inline std::int64_t add_to_sums(const core::account_outcome& o, unsigned long long* sums, std::int64_t tile,
                                           std::int64_t lane, std::int64_t slot, const tile_args& tl) {
  const core::scenario_sums added = core::scenario_sums::of(o);
  core::for_each_sum(
      [&](int q, core::sum_kind kind, const char*, std::int64_t x) {
        if (x != 0) add_sum(&sums[q * tile + lane], kind, static_cast<unsigned long long>(x), &tl.overflow[lane], q);
      },
      added);
  if (slot >= 0 && added.deficit != 0)
    atomicAdd(&tl.group_deficit[slot * tile + lane], static_cast<unsigned long long>(added.deficit));
  return added.deficit;
}

struct account_stage_args {
  tile_args t;
  const std::int64_t* order;        // [i]: account of thread i (light accounts, work order)
  std::int64_t count;               // light accounts
  int k;                            // top-k
  std::int64_t* block_top_account;  // [(block * tile + lane) * k]
  std::int64_t* block_top_deficit;  // [(block * tile + lane) * k]
  std::int64_t* block_cover;        // [(block * tile + lane) * 2]
  std::int32_t* candidate_blocks;   // [lane * blocks + j]: blocks with candidates in the lane
  std::int32_t* candidate_count;    // [lane]
  std::int64_t blocks;
};

// Dynamic shared memory of account_stage for a tile.
inline std::size_t account_stage_shared_bytes(std::int64_t tile) {
  return static_cast<std::size_t>(sum_count * tile) * sizeof(unsigned long long) +
         account_block * (2 * sizeof(std::int64_t) + sizeof(int)) + 2 * sizeof(int);
}

// Writes lane `cell`'s candidates (the `count` entries of the shared lists, each account at most
// once) as the block's top-k list and top-2 singleton deficits. Called by every thread of the
// block: candidate t takes its place by counting the candidates that rank before it under
// core::ranks_before, a total order, so the places are distinct and the list equals
// core::offer_top's for any arrival order. O(count) per thread where offering them one by one
// on one thread costs O(count k).
__device__ inline void rank_candidates(const account_stage_args& g, std::int64_t cell, int count,
                                       const std::int64_t* s_account, const std::int64_t* s_deficit,
                                       const int* s_single) {
  std::int64_t* acc = g.block_top_account + cell * g.k;
  std::int64_t* def = g.block_top_deficit + cell * g.k;
  std::int64_t* cover = g.block_cover + cell * 2;
  const int t = static_cast<int>(threadIdx.x);
  for (int j = count + t; j < g.k; j += account_block) {  // places no candidate takes
    acc[j] = -1;
    def[j] = 0;
  }
  if (t >= count) return;
  const std::int64_t account = s_account[t];
  const std::int64_t deficit = s_deficit[t];
  int place = 0, single_place = 0, singles = 0;
  for (int c = 0; c < count; ++c) {
    const bool before = core::ranks_before(s_deficit[c], s_account[c], deficit, account);
    place += before ? 1 : 0;
    if (s_single[c] != 0) {
      ++singles;
      single_place += before ? 1 : 0;
    }
  }
  if (place < g.k) {
    acc[place] = account;
    def[place] = deficit;
  }
  if (s_single[t] != 0 && single_place < 2) cover[single_place] = deficit;
  if (t == 0) {
    for (int j = singles; j < 2; ++j) cover[j] = 0;  // fewer than two singletons: core::offer_cover's zeros
  }
}

// Sets each account's fold to its start, core::account_fold{}: filling the folds (400 MB at 10 M
// accounts) here spares the host writing them and the upload.
__global__ void init_folds(core::account_fold* folds, std::int64_t accounts) {
  const std::int64_t a = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (a < accounts) folds[a] = core::account_fold{};
}

// blockDim.x must be account_block.
__global__ void account_stage(core::book_view bk, account_stage_args g) {
  const tile_args& tl = g.t;
  extern __shared__ unsigned long long shared[];
  unsigned long long* s_sums = shared;                                              // [q * tile + lane]
  auto* s_account = reinterpret_cast<std::int64_t*>(s_sums + sum_count * tl.tile);  // [candidate]
  std::int64_t* s_deficit = s_account + account_block;                              // [candidate]
  int* s_single = reinterpret_cast<int*>(s_deficit + account_block);                // [candidate]
  // Candidates of lane l: s_count[l % 2]. Two counters, so that thread 0 can clear the next
  // lane's while the others still read this lane's.
  int* s_count = s_single + account_block;

  const int t = static_cast<int>(threadIdx.x);
  for (std::int64_t i = t; i < sum_count * tl.tile; i += account_block) s_sums[i] = 0;
  if (t == 0) s_count[0] = s_count[1] = 0;

  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * account_block + t;
  const bool valid = i < g.count;
  const std::int64_t a = valid ? g.order[i] : -1;
  core::account_fold fold;
  std::int64_t slot = -1;
  if (valid) {
    fold = tl.folds[a];
    slot = tl.group_slot[a];
  }
  __syncthreads();

  for (std::int64_t l = 0; l < tl.lanes; ++l) {
    if (valid) {
      const core::table_lane lane{tl.tables, l};
      const core::account_outcome o = core::evaluate_account(bk, a, lane, tl.params);
      fold.add(static_cast<std::int32_t>(tl.first + l), o, tl.weight[l]);
      const std::int64_t deficit = add_to_sums(o, s_sums, tl.tile, l, slot, tl);
      if (deficit > 0) {
        const int c = atomicAdd(&s_count[l % 2], 1);
        s_account[c] = a;
        s_deficit[c] = deficit;
        s_single[c] = slot < 0 ? 1 : 0;
      }
    }
    __syncthreads();
    const int count = s_count[l % 2];
    if (count > 0) {
      const std::int64_t cell = static_cast<std::int64_t>(blockIdx.x) * tl.tile + l;
      rank_candidates(g, cell, count, s_account, s_deficit, s_single);
      if (t == 0) {
        const int j = atomicAdd(&g.candidate_count[l], 1);
        g.candidate_blocks[l * g.blocks + j] = static_cast<std::int32_t>(blockIdx.x);
      }
    }
    if (t == 0) s_count[(l + 1) % 2] = 0;  // last read before the barrier that began this lane's ranking
    __syncthreads();                       // the candidate list is refilled for the next lane
  }

  for (std::int64_t x = t; x < sum_count * tl.lanes; x += account_block) {
    const std::int64_t q = x / tl.lanes;
    const std::int64_t l = x % tl.lanes;
    const unsigned long long s = s_sums[q * tl.tile + l];
    if (s != 0) add_sum(&tl.sums[q * tl.tile + l], core::sum_kind_of(q), s, &tl.overflow[l], static_cast<int>(q));
  }
  if (valid) tl.folds[a] = fold;
}

// `value` of warp thread `source`, for any trivially copyable T.
template <typename T>
__device__ T warp_broadcast(const T& value, int source) {
  constexpr int words = (sizeof(T) + sizeof(unsigned) - 1) / sizeof(unsigned);
  unsigned in[words] = {};
  unsigned out[words];
  memcpy(in, &value, sizeof(T));
  for (int w = 0; w < words; ++w) out[w] = __shfl_sync(0xffffffffu, in[w], source);
  T result;
  memcpy(&result, out, sizeof(T));
  return result;
}

struct heavy_stage_args {
  tile_args t;
  const std::int64_t* heavy;    // [h]: account
  std::int64_t count;           // heavy accounts
  std::int64_t* heavy_deficit;  // [h * tile + lane], fixed point
};

// blockDim.x must be heavy_block; warp w of the grid takes heavy account w.
__global__ void account_stage_heavy(core::book_view bk, heavy_stage_args g) {
  const tile_args& tl = g.t;
  const std::int64_t h = (static_cast<std::int64_t>(blockIdx.x) * heavy_block + threadIdx.x) / warp;
  const int me = static_cast<int>(threadIdx.x % warp);
  if (h >= g.count) return;  // whole warps leave together
  const std::int64_t a = g.heavy[h];
  const std::int64_t slot = tl.group_slot[a];
  core::account_fold fold;
  if (me == 0) fold = tl.folds[a];

  for (std::int64_t base = 0; base < tl.lanes; base += warp) {
    const std::int64_t l = base + me;
    core::account_outcome o{};
    if (l < tl.lanes) {
      const core::table_lane lane{tl.tables, l};
      o = core::evaluate_account(bk, a, lane, tl.params);
      g.heavy_deficit[h * tl.tile + l] = add_to_sums(o, tl.sums, tl.tile, l, slot, tl);
    }
    const std::int64_t n = tl.lanes - base < warp ? tl.lanes - base : warp;
    for (int u = 0; u < n; ++u) {  // every thread shuffles; lane 0 folds, in scenario order
      const core::account_outcome ou = warp_broadcast(o, u);
      if (me == 0) fold.add(static_cast<std::int32_t>(tl.first + base + u), ou, tl.weight[base + u]);
    }
  }
  if (me == 0) tl.folds[a] = fold;
}

struct merge_tile_args {
  std::int64_t tile;
  std::int64_t blocks;
  std::int64_t groups;
  int k;
  const std::int64_t* block_top_account;
  const std::int64_t* block_top_deficit;
  const std::int64_t* block_cover;
  const std::int32_t* candidate_blocks;
  const std::int32_t* candidate_count;
  const std::int64_t* heavy;          // [h]: account
  const std::int64_t* heavy_deficit;  // [h * tile + lane]
  std::int64_t heavy_count;
  const std::int64_t* group_slot;  // [account]
  const unsigned long long* group_deficit;
  std::int64_t* top_account;  // [lane * k + j]
  std::int64_t* top_deficit;  // [lane * k + j]
  std::int64_t* cover;        // [lane * 2 + j]
};

// One block per lane, blockDim.x = cuda_shape::merge_threads(k), merge_shared_bytes(k) of shared memory.
__global__ void merge_tile(merge_tile_args g) {
  extern __shared__ std::int64_t lists[];
  const std::int64_t l = blockIdx.x;
  const int t = static_cast<int>(threadIdx.x);
  const int threads = static_cast<int>(blockDim.x);
  std::int64_t* acc = lists + static_cast<std::int64_t>(t) * g.k;
  std::int64_t* def = lists + static_cast<std::int64_t>(threads + t) * g.k;
  std::int64_t* cov = lists + static_cast<std::int64_t>(threads) * 2 * g.k + 2 * t;
  for (int j = 0; j < g.k; ++j) {
    acc[j] = -1;
    def[j] = 0;
  }
  cov[0] = 0;
  cov[1] = 0;

  const std::int32_t blocks_here = g.candidate_count[l];
  for (std::int32_t j = t; j < blocks_here; j += threads) {
    const std::int64_t cell = static_cast<std::int64_t>(g.candidate_blocks[l * g.blocks + j]) * g.tile + l;
    for (int m = 0; m < g.k; ++m) {
      const std::int64_t account = g.block_top_account[cell * g.k + m];
      if (account >= 0) core::offer_top(acc, def, g.k, account, g.block_top_deficit[cell * g.k + m]);
    }
    core::offer_cover(cov[0], cov[1], g.block_cover[cell * 2]);
    core::offer_cover(cov[0], cov[1], g.block_cover[cell * 2 + 1]);
  }
  for (std::int64_t h = t; h < g.heavy_count; h += threads) {
    const std::int64_t d = g.heavy_deficit[h * g.tile + l];
    if (d <= 0) continue;
    const std::int64_t account = g.heavy[h];
    core::offer_top(acc, def, g.k, account, d);
    if (g.group_slot[account] < 0) core::offer_cover(cov[0], cov[1], d);
  }
  for (std::int64_t s = t; s < g.groups; s += threads)
    core::offer_cover(cov[0], cov[1], core::group_total(g.group_deficit[s * g.tile + l]));
  __syncthreads();

  if (t != 0) return;
  for (int u = 1; u < threads; ++u) {
    const std::int64_t* acc_u = lists + static_cast<std::int64_t>(u) * g.k;
    const std::int64_t* def_u = lists + static_cast<std::int64_t>(threads + u) * g.k;
    for (int m = 0; m < g.k && acc_u[m] >= 0; ++m) core::offer_top(acc, def, g.k, acc_u[m], def_u[m]);
    const std::int64_t* cov_u = lists + static_cast<std::int64_t>(threads) * 2 * g.k + 2 * u;
    core::offer_cover(cov[0], cov[1], cov_u[0]);
    core::offer_cover(cov[0], cov[1], cov_u[1]);
  }
  for (int j = 0; j < g.k; ++j) {
    g.top_account[l * g.k + j] = acc[j];
    g.top_deficit[l * g.k + j] = def[j];
  }
  g.cover[l * 2] = cov[0];
  g.cover[l * 2 + 1] = cov[1];
}

}  // namespace riskscan::cuda
