#pragma once
// The CUDA scan kernels (ARCHITECTURE.md 1 and 4) for one tile of `lanes` scenarios; lane l of a
// tile is scenario first + l, table stride = tile. Exactness over speed: every reduction gives
// the reference backend's values for any block layout.
//
// - instrument_stage: one thread per (asset or instrument row, lane) calls the RS_HD pricing.
// - account_stage: one thread per account walks the tile's lanes in order, so its fold (carried
//   across tiles in device memory) sees scenarios in scenario order exactly like account_fold.
//   Per-scenario integer sums go to shared-memory 64-bit atomics, then one global atomicAdd per
//   block and (sum, lane). Per lane, thread 0 of the block builds the block's top-k (deficit desc,
//   row asc) and top-2 singleton deficits from a shared array: one writer, no races.
//   Grouped accounts add their fixed-point deficit to group_deficit[slot * tile + lane].
// - merge_tile: one thread per lane merges the blocks' top-k lists and cover candidates with the
//   group sums. The top-k order is total (rows are distinct), so merge order does not matter.
#include <cuda_runtime.h>

#include <cstdint>

#include "riskscan/core/account_eval.hpp"
#include "riskscan/core/fixed_point.hpp"
#include "riskscan/core/instrument_stage.hpp"
#include "riskscan/core/reduce.hpp"
#include "riskscan/core/views.hpp"

namespace riskscan::cuda {

inline constexpr int account_block = 256;
inline constexpr int sum_count = 5;  // liquidated, isolated, notional, deficit, inflow
inline constexpr int sum_liquidated = 0;
inline constexpr int sum_isolated = 1;
inline constexpr int sum_notional = 2;
inline constexpr int sum_deficit = 3;
inline constexpr int sum_inflow = 4;

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
    core::price_instrument_in_state(bk, static_cast<std::int32_t>(row - bk.assets), r, v, g.horizon[lane], g.out,
                                    lane);
  }
}


struct account_stage_args {
  core::state_tables tables;
  core::run_params params;
  std::int64_t tile;   // stride of every per-lane array
  std::int64_t lanes;  // lanes used in this tile, <= tile
  std::int64_t first;  // scenario of lane 0
  const double* weight;            // [lane] normalized weights
  const std::int64_t* group_slot;  // [account], -1: the account is its own group
  core::account_fold* folds;              // [account]
  unsigned long long* sums;        // [q * tile + lane]
  unsigned long long* group_deficit;  // [slot * tile + lane]
  int k;                               // top-k
  std::int64_t* block_top_account;     // [(block * tile + lane) * k]
  std::int64_t* block_top_deficit;     // [(block * tile + lane) * k]
  std::int64_t* block_cover;           // [(block * tile + lane) * 2]
};

// Dynamic shared memory of account_stage for a tile.
inline std::size_t account_stage_shared_bytes(std::int64_t tile) {
  return static_cast<std::size_t>(sum_count * tile) * sizeof(unsigned long long) +
         account_block * sizeof(std::int64_t) + account_block * sizeof(int) + sizeof(int);
}

// blockDim.x must be account_block.
__global__ void account_stage(core::book_view bk, account_stage_args g) {
  extern __shared__ unsigned long long shared[];
  unsigned long long* s_sums = shared;                                          // [q * tile + lane]
  std::int64_t* s_def = reinterpret_cast<std::int64_t*>(s_sums + sum_count * g.tile);  // [thread]
  int* s_single = reinterpret_cast<int*>(s_def + account_block);                // [thread]
  int* s_any = s_single + account_block;

  const int t = static_cast<int>(threadIdx.x);
  for (std::int64_t i = t; i < sum_count * g.tile; i += account_block) s_sums[i] = 0;
  if (t == 0) *s_any = 0;

  const std::int64_t block_first = static_cast<std::int64_t>(blockIdx.x) * account_block;
  const std::int64_t a = block_first + t;
  const bool valid = a < bk.accounts;
  core::account_fold fold;
  std::int64_t slot = -1;
  if (valid) {
    fold = g.folds[a];
    slot = g.group_slot[a];
  }
  __syncthreads();

  for (std::int64_t l = 0; l < g.lanes; ++l) {
    std::int64_t deficit = 0;
    if (valid) {
      const core::table_lane lane{g.tables, l};
      const core::account_outcome o = core::evaluate_account(bk, a, lane, g.params);
      const auto s = static_cast<std::int32_t>(g.first + l);
      fold.add(s, o, g.weight[l]);

      deficit = core::to_fixed(o.deficit);
      const std::int64_t notional = core::to_fixed(o.liquidated_notional);
      const std::int64_t inflow = core::to_fixed(o.inflow);
      // Two's complement: unsigned wrap-around addition is the exact int64 sum.
      if (o.liquidated) atomicAdd(&s_sums[sum_liquidated * g.tile + l], 1ULL);
      if (o.isolated_liquidated != 0)
        atomicAdd(&s_sums[sum_isolated * g.tile + l],
                  static_cast<unsigned long long>(static_cast<std::int64_t>(o.isolated_liquidated)));
      if (notional != 0) atomicAdd(&s_sums[sum_notional * g.tile + l], static_cast<unsigned long long>(notional));
      if (deficit != 0) atomicAdd(&s_sums[sum_deficit * g.tile + l], static_cast<unsigned long long>(deficit));
      if (inflow != 0) atomicAdd(&s_sums[sum_inflow * g.tile + l], static_cast<unsigned long long>(inflow));
      if (slot >= 0 && deficit != 0)
        atomicAdd(&g.group_deficit[slot * g.tile + l], static_cast<unsigned long long>(deficit));
      if (deficit > 0) atomicOr(s_any, 1);
    }
    s_def[t] = deficit;
    s_single[t] = valid && slot < 0 ? 1 : 0;
    __syncthreads();
    if (t == 0) {
      const std::int64_t cell = static_cast<std::int64_t>(blockIdx.x) * g.tile + l;
      std::int64_t* acc = g.block_top_account + cell * g.k;
      std::int64_t* def = g.block_top_deficit + cell * g.k;
      for (int j = 0; j < g.k; ++j) {
        acc[j] = -1;
        def[j] = 0;
      }
      std::int64_t top0 = 0;
      std::int64_t top1 = 0;
      if (*s_any != 0) {  // otherwise every deficit is 0: empty top-k, cover candidates 0
        for (int u = 0; u < account_block; ++u) {
          const std::int64_t d = s_def[u];
          if (d > 0) core::offer_top(acc, def, g.k, block_first + u, d);
          if (s_single[u] != 0) core::offer_cover(top0, top1, d);
        }
        *s_any = 0;
      }
      g.block_cover[cell * 2] = top0;
      g.block_cover[cell * 2 + 1] = top1;
    }
    __syncthreads();  // s_def, s_single and s_any are rewritten for the next lane
  }

  for (std::int64_t i = t; i < sum_count * g.lanes; i += account_block) {
    const std::int64_t q = i / g.lanes;
    const std::int64_t l = i % g.lanes;
    const unsigned long long x = s_sums[q * g.tile + l];
    if (x != 0) atomicAdd(&g.sums[q * g.tile + l], x);
  }
  if (valid) g.folds[a] = fold;
}

struct merge_tile_args {
  std::int64_t tile;
  std::int64_t lanes;
  std::int64_t blocks;
  std::int64_t groups;
  int k;
  const std::int64_t* block_top_account;
  const std::int64_t* block_top_deficit;
  const std::int64_t* block_cover;
  const unsigned long long* group_deficit;
  std::int64_t* top_account;  // [lane * k + j]
  std::int64_t* top_deficit;  // [lane * k + j]
  std::int64_t* cover;        // [lane * 2 + j]
};

__global__ void merge_tile(merge_tile_args g) {
  const std::int64_t l = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (l >= g.lanes) return;
  std::int64_t* acc = g.top_account + l * g.k;
  std::int64_t* def = g.top_deficit + l * g.k;
  for (int j = 0; j < g.k; ++j) {
    acc[j] = -1;
    def[j] = 0;
  }
  std::int64_t top0 = 0;
  std::int64_t top1 = 0;
  for (std::int64_t b = 0; b < g.blocks; ++b) {
    const std::int64_t cell = b * g.tile + l;
    for (int j = 0; j < g.k; ++j) {
      const std::int64_t account = g.block_top_account[cell * g.k + j];
      if (account >= 0) core::offer_top(acc, def, g.k, account, g.block_top_deficit[cell * g.k + j]);
    }
    core::offer_cover(top0, top1, g.block_cover[cell * 2]);
    core::offer_cover(top0, top1, g.block_cover[cell * 2 + 1]);
  }
  for (std::int64_t s = 0; s < g.groups; ++s)
    core::offer_cover(top0, top1, static_cast<std::int64_t>(g.group_deficit[s * g.tile + l]));
  g.cover[l * 2] = top0;
  g.cover[l * 2 + 1] = top1;
}

}  // namespace riskscan::cuda
