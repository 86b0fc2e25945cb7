// The cuda backend (ARCHITECTURE.md 4): the book is deep-copied to the device once per scan;
// scenarios run in tiles whose instrument tables, candidate lists and group sums have a bounded
// size; each tile is instrument_stage -> account_stage -> merge_tile on one stream, then the
// tile's per-scenario results come back through pinned buffers. Per-account folds stay on the
// device across tiles and come back once. See scan_kernels.cuh for why every reduction equals
// the reference backend's.
#include <algorithm>
#include <limits>
#include <string>
#include <unordered_map>

#include "device_book.cuh"
#include "device_buffer.cuh"
#include "riskscan/cuda_backend.hpp"
#include "riskscan/error.hpp"
#include "scan_kernels.cuh"

namespace riskscan {
namespace {

using cuda::device_buffer;
using cuda::pinned_buffer;

// Scenarios per tile at most; fewer when the per-lane device memory would pass the budget.
constexpr std::int64_t max_tile = 128;
constexpr std::size_t tile_memory_budget = std::size_t{1} << 30;  // bytes of per-lane buffers
constexpr int lane_block = 128;
constexpr int row_block = 256;

std::int64_t blocks_for(std::int64_t n, std::int64_t per_block) { return (n + per_block - 1) / per_block; }

class cuda_backend final : public backend {
 public:
  cuda_backend(int device, std::string device_name) : device_(device), device_name_(std::move(device_name)) {}
  std::string name() const override { return "cuda"; }
  std::string device() const override { return "cuda (" + device_name_ + ")"; }
  int threads() const override { return 1; }

  scan_reductions scan(const eval_book& book, const std::vector<std::int64_t>& groups,
                       const bound_scenarios& scenarios, const scan_config& config) override {
    RS_CUDA_CHECK(cudaSetDevice(device_));
    const core::book_view& hb = book.view();
    const std::int64_t n_accounts = hb.accounts;
    const std::size_t n_scenarios = scenarios.size();
    const int k = config.top_k;
    if (k < 0) throw config_error("top-k must be >= 0");
    if (groups.size() != static_cast<std::size_t>(n_accounts))
      throw error(exit_code::internal, "cuda backend: one group per account expected");
    if (n_scenarios > 0 && scenarios.factors != hb.factors)
      throw error(exit_code::internal, "cuda backend: scenarios not bound to this book");

    // Accounts sharing a group are summed per group (slot); a group of one is just the account.
    std::unordered_map<std::int64_t, std::int64_t> group_size;
    for (const auto g : groups) ++group_size[g];
    std::unordered_map<std::int64_t, std::int64_t> slot_of;
    std::vector<std::int64_t> group_slot(static_cast<std::size_t>(n_accounts), -1);
    for (std::int64_t a = 0; a < n_accounts; ++a) {
      const auto g = groups[static_cast<std::size_t>(a)];
      if (group_size[g] < 2) continue;
      auto [it, fresh] = slot_of.try_emplace(g, static_cast<std::int64_t>(slot_of.size()));
      group_slot[static_cast<std::size_t>(a)] = it->second;
    }
    const auto n_groups = static_cast<std::int64_t>(slot_of.size());
    const std::int64_t blocks = blocks_for(n_accounts, cuda::account_block);
    const std::int32_t factors = hb.factors;

    // Tile size from the per-lane footprint.
    const std::size_t table_rows = static_cast<std::size_t>(hb.assets) + 3 * static_cast<std::size_t>(hb.instruments) +
                                   2 * static_cast<std::size_t>(book.pm_instrument_count()) * core::pm_grid_points;
    const std::size_t per_lane = table_rows * sizeof(double) +
                                 static_cast<std::size_t>(blocks) * (static_cast<std::size_t>(k) * 2 + 2) * 8 +
                                 static_cast<std::size_t>(n_groups) * 8 + (2 * static_cast<std::size_t>(factors) + 2) * 8;
    const std::int64_t tile = std::clamp<std::int64_t>(
        static_cast<std::int64_t>(tile_memory_budget / std::max<std::size_t>(per_lane, 1)), 1, max_tile);
    const auto tile_z = static_cast<std::size_t>(tile);
    const auto kz = static_cast<std::size_t>(k);

    scan_reductions out;
    out.accounts.resize(static_cast<std::size_t>(n_accounts));
    out.scenarios.resize(n_scenarios, k);

    const cuda::device_book dbook(book);
    const cuda::cuda_stream stream;
    const cudaStream_t st = stream.get();

    // Per-account folds, carried across tiles on the device.
    pinned_buffer<core::account_fold> h_folds(static_cast<std::size_t>(n_accounts));
    for (std::size_t a = 0; a < h_folds.size(); ++a) h_folds[a] = core::account_fold{};
    device_buffer<core::account_fold> d_folds(h_folds.size());
    cuda::copy_to_device_async(d_folds.get(), h_folds.get(), h_folds.size(), st);
    const auto d_group_slot = cuda::to_device(group_slot.data(), group_slot.size());
    RS_CUDA_CHECK(cudaDeviceSynchronize());  // every synchronous upload has landed

    // Instrument tables of a tile.
    device_buffer<double> asset_price(static_cast<std::size_t>(hb.assets) * tile_z);
    device_buffer<double> ta(static_cast<std::size_t>(hb.instruments) * tile_z);
    device_buffer<double> tb(ta.size());
    device_buffer<double> tn(ta.size());
    device_buffer<double> grid_a(static_cast<std::size_t>(book.pm_instrument_count()) * core::pm_grid_points * tile_z);
    device_buffer<double> grid_b(grid_a.size());
    const core::state_tables_out tables_out{tile,     asset_price.get(), ta.get(),    tb.get(),
                                            tn.get(), grid_a.get(),      grid_b.get()};
    const core::state_tables tables{tile, asset_price.get(), ta.get(), tb.get(), tn.get(), grid_a.get(), grid_b.get()};

    // Scenario inputs of a tile.
    const std::size_t rv_size = static_cast<std::size_t>(factors) * tile_z;
    pinned_buffer<double> h_r(rv_size), h_v(rv_size), h_horizon(tile_z), h_weight(tile_z);
    device_buffer<double> d_r(rv_size), d_v(rv_size), d_horizon(tile_z), d_weight(tile_z);

    // Reductions of a tile.
    device_buffer<unsigned long long> d_sums(cuda::sum_count * tile_z);
    device_buffer<unsigned long long> d_group(static_cast<std::size_t>(n_groups) * tile_z);
    device_buffer<std::int64_t> d_block_acc(static_cast<std::size_t>(blocks) * tile_z * kz);
    device_buffer<std::int64_t> d_block_def(d_block_acc.size());
    device_buffer<std::int64_t> d_block_cover(static_cast<std::size_t>(blocks) * tile_z * 2);
    device_buffer<std::int64_t> d_top_acc(tile_z * kz), d_top_def(tile_z * kz), d_cover(tile_z * 2);
    pinned_buffer<unsigned long long> h_sums(d_sums.size());
    pinned_buffer<std::int64_t> h_top_acc(d_top_acc.size()), h_top_def(d_top_def.size()), h_cover(d_cover.size());

    const std::size_t shared_bytes = cuda::account_stage_shared_bytes(tile);

    for (std::size_t first = 0; first < n_scenarios; first += tile_z) {
      const std::size_t lanes = std::min(tile_z, n_scenarios - first);
      const auto lanes_i = static_cast<std::int64_t>(lanes);
      const std::size_t fz = static_cast<std::size_t>(factors);
      std::copy_n(scenarios.r.begin() + static_cast<std::ptrdiff_t>(first * fz), lanes * fz, h_r.get());
      std::copy_n(scenarios.v.begin() + static_cast<std::ptrdiff_t>(first * fz), lanes * fz, h_v.get());
      std::copy_n(scenarios.horizon_days.begin() + static_cast<std::ptrdiff_t>(first), lanes, h_horizon.get());
      std::copy_n(scenarios.normalized_weights.begin() + static_cast<std::ptrdiff_t>(first), lanes, h_weight.get());
      cuda::copy_to_device_async(d_r.get(), h_r.get(), lanes * fz, st);
      cuda::copy_to_device_async(d_v.get(), h_v.get(), lanes * fz, st);
      cuda::copy_to_device_async(d_horizon.get(), h_horizon.get(), lanes, st);
      cuda::copy_to_device_async(d_weight.get(), h_weight.get(), lanes, st);

      const std::int64_t rows = static_cast<std::int64_t>(hb.assets) + hb.instruments;
      if (rows > 0) {
        const cuda::instrument_stage_args ia{tables_out, d_r.get(), d_v.get(), d_horizon.get(), factors, lanes_i};
        const auto grid = static_cast<unsigned>(blocks_for(rows * lanes_i, row_block));
        cuda::instrument_stage<<<grid, row_block, 0, st>>>(dbook.view(), ia);
        RS_CUDA_CHECK(cudaGetLastError());
      }

      d_sums.zero_async(st);
      d_group.zero_async(st);
      if (blocks > 0) {
        const cuda::account_stage_args aa{tables,
                                          config.params,
                                          tile,
                                          lanes_i,
                                          static_cast<std::int64_t>(first),
                                          d_weight.get(),
                                          d_group_slot.get(),
                                          d_folds.get(),
                                          d_sums.get(),
                                          d_group.get(),
                                          k,
                                          d_block_acc.get(),
                                          d_block_def.get(),
                                          d_block_cover.get()};
        cuda::account_stage<<<static_cast<unsigned>(blocks), cuda::account_block, shared_bytes, st>>>(dbook.view(),
                                                                                                        aa);
        RS_CUDA_CHECK(cudaGetLastError());
      }
      const cuda::merge_tile_args ma{tile,
                                     lanes_i,
                                     blocks,
                                     n_groups,
                                     k,
                                     d_block_acc.get(),
                                     d_block_def.get(),
                                     d_block_cover.get(),
                                     d_group.get(),
                                     d_top_acc.get(),
                                     d_top_def.get(),
                                     d_cover.get()};
      cuda::merge_tile<<<static_cast<unsigned>(blocks_for(lanes_i, lane_block)), lane_block, 0, st>>>(ma);
      RS_CUDA_CHECK(cudaGetLastError());

      cuda::copy_to_host_async(h_sums.get(), d_sums.get(), d_sums.size(), st);
      cuda::copy_to_host_async(h_top_acc.get(), d_top_acc.get(), lanes * kz, st);
      cuda::copy_to_host_async(h_top_def.get(), d_top_def.get(), lanes * kz, st);
      cuda::copy_to_host_async(h_cover.get(), d_cover.get(), lanes * 2, st);
      stream.synchronize();

      auto& sc = out.scenarios;
      auto sum = [&](int q, std::size_t l) { return static_cast<std::int64_t>(h_sums[q * tile_z + l]); };
      for (std::size_t l = 0; l < lanes; ++l) {
        const std::size_t s = first + l;
        sc.accounts_liquidated[s] = sum(cuda::sum_liquidated, l);
        sc.isolated_liquidated[s] = sum(cuda::sum_isolated, l);
        sc.liquidated_notional[s] = sum(cuda::sum_notional, l);
        sc.deficit[s] = sum(cuda::sum_deficit, l);
        sc.inflow[s] = sum(cuda::sum_inflow, l);
        for (std::size_t j = 0; j < kz; ++j) {
          sc.top_account[s * kz + j] = h_top_acc[l * kz + j];
          sc.top_deficit[s * kz + j] = h_top_def[l * kz + j];
        }
        sc.cover1[s] = h_cover[l * 2];
        sc.cover2[s] = h_cover[l * 2] + h_cover[l * 2 + 1];
      }
      if (config.progress) config.progress(first + lanes, n_scenarios);
    }

    cuda::copy_to_host_async(h_folds.get(), d_folds.get(), h_folds.size(), st);
    stream.synchronize();
    for (std::size_t a = 0; a < h_folds.size(); ++a) {
      const core::account_fold& f = h_folds[a];
      out.accounts.worst_excess[a] = f.worst_excess;
      out.accounts.worst_scenario[a] = f.worst_scenario;
      out.accounts.scenarios_liquidated[a] = f.scenarios_liquidated;
      out.accounts.max_deficit[a] = f.max_deficit;
      out.accounts.max_deficit_scenario[a] = f.max_deficit_scenario;
      out.accounts.expected_deficit[a] = f.expected_deficit;
    }
    return out;
  }

 private:
  int device_;
  std::string device_name_;
};

}  // namespace

cuda_status cuda_device_status() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky-free error so later calls start clean
    return {0, std::string("cudaGetDeviceCount failed: ") + cudaGetErrorString(err)};
  }
  if (count == 0) return {0, "no CUDA device found"};
  return {count, ""};
}

std::unique_ptr<backend> make_cuda_backend() {
  const cuda_status status = cuda_device_status();
  if (status.devices == 0) throw no_gpu_error(status.message);
  const int device = 0;
  cudaDeviceProp prop{};
  RS_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return std::make_unique<cuda_backend>(device, std::string(prop.name));
}

}  // namespace riskscan
