// The cuda backend (ARCHITECTURE.md 4). A book that fits in the device memory budget is copied
// to the device once per scan; a larger one is cut into account chunks (account_chunks.hpp)
// whose results merge exactly. Per chunk, scenarios run in tiles whose instrument tables,
// candidate lists and group sums have a bounded size; each tile is instrument_stage ->
// account_stage (+ account_stage_heavy) -> merge_tile on one stream, then the tile's per-scenario
// results come back through pinned buffers. Per-account folds stay on the device across tiles
// and come back once. See scan_kernels.cuh for why every reduction equals the reference
// backend's.
#include <algorithm>
#include <chrono>
#include <string>

#include "device_book.cuh"
#include "device_buffer.cuh"
#include "launch.cuh"
#include "riskscan/cuda_backend.hpp"
#include "riskscan/cuda_plan.hpp"
#include "riskscan/error.hpp"
#include "riskscan/group_slots.hpp"
#include "riskscan/work_order.hpp"
#include "scan_kernels.cuh"

namespace riskscan {
namespace {

using cuda::device_buffer;
using cuda::pinned_buffer;

constexpr int row_block = 256;
constexpr double usable_free_memory = 0.9;  // of what cudaMemGetInfo reports free

std::int64_t blocks_for(std::int64_t n, std::int64_t per_block) { return (n + per_block - 1) / per_block; }

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

class cuda_backend final : public backend {
 public:
  cuda_backend(int device, std::string device_name) : device_(device), device_name_(std::move(device_name)) {}
  std::string name() const override { return "cuda"; }
  std::string device() const override { return "cuda (" + device_name_ + ")"; }
  int threads() const override { return 1; }
  std::vector<phase_time> phases() const override { return phases_; }

  scan_reductions scan(const eval_book& book, const std::vector<std::int64_t>& groups,
                       const bound_scenarios& scenarios, const scan_config& config) override {
    RS_CUDA_CHECK(cudaSetDevice(device_));
    phases_.clear();
    const auto started = std::chrono::steady_clock::now();
    const core::book_view& hb = book.view();
    const int k = config.top_k;
    if (k < 0 || k > max_top_k) throw config_error("top-k must be between 0 and " + std::to_string(max_top_k));
    if (groups.size() != static_cast<std::size_t>(hb.accounts))
      throw error(exit_code::internal, "cuda backend: one group per account expected");
    if (scenarios.size() > 0 && scenarios.factors != hb.factors)
      throw error(exit_code::internal, "cuda backend: scenarios not bound to this book");

    std::size_t limit = config.device_memory_limit;
    if (limit == 0) {
      std::size_t free = 0, total = 0;
      RS_CUDA_CHECK(cudaMemGetInfo(&free, &total));
      limit = static_cast<std::size_t>(usable_free_memory * static_cast<double>(free));
    }
    const cuda_scan_plan plan = plan_cuda_scan(book, groups, k, limit);
    const std::int64_t tile = plan.tile;
    add_phase("plan", seconds_since(started));
    return scan_in_chunks(book, groups, plan.chunks, scenarios.size(), config,
                          [&](const eval_book& part, const std::vector<std::int64_t>& part_groups,
                              const scan_config& part_config) {
                            // scan_in_chunks passes the book itself when one chunk holds it all.
                            const group_slots* slots = &part == &book ? &plan.slots : nullptr;
                            return scan_chunk(part, part_groups, scenarios, part_config, tile, slots);
                          });
  }

 private:
  // Sums the seconds of phases of the same name (one per chunk).
  void add_phase(const std::string& name, double seconds) {
    for (auto& p : phases_) {
      if (p.name == name) {
        p.seconds += seconds;
        return;
      }
    }
    phases_.push_back({name, seconds});
  }

  // One chunk that fits on the device; results indexed by the chunk's rows. `whole_slots`: the
  // chunk's group slots when the plan already numbered them, else null.
  scan_reductions scan_chunk(const eval_book& book, const std::vector<std::int64_t>& groups,
                             const bound_scenarios& scenarios, const scan_config& config, std::int64_t tile,
                             const group_slots* whole_slots) {
    auto t = std::chrono::steady_clock::now();
    const core::book_view& hb = book.view();
    const std::int64_t n_accounts = hb.accounts;
    const std::size_t n_scenarios = scenarios.size();
    const int k = config.top_k;
    const group_slots own_slots = whole_slots != nullptr ? group_slots{} : make_group_slots(groups);
    const group_slots& slots = whole_slots != nullptr ? *whole_slots : own_slots;
    const work_order order = order_by_work(book, cuda_shape::heavy_work);
    const auto n_light = static_cast<std::int64_t>(order.light.size());
    const auto n_heavy = static_cast<std::int64_t>(order.heavy.size());
    const std::int64_t blocks = blocks_for(n_light, cuda::account_block);
    const std::int32_t factors = hb.factors;
    const auto tile_z = static_cast<std::size_t>(tile);
    const auto kz = static_cast<std::size_t>(k);
    const auto blocks_z = static_cast<std::size_t>(blocks);

    scan_reductions out;
    out.accounts.resize(static_cast<std::size_t>(n_accounts), config.threads);
    out.scenarios.resize(n_scenarios, k);

    add_phase("order_accounts", seconds_since(t));

    t = std::chrono::steady_clock::now();
    const cuda::device_book dbook(book);
    const cuda::cuda_stream stream;
    const cudaStream_t st = stream.get();

    // Per-account folds, carried across tiles on the device.
    device_buffer<core::account_fold> d_folds(static_cast<std::size_t>(n_accounts));
    if (n_accounts > 0) {
      constexpr int fold_block = 256;
      cuda::launch(cuda::init_folds, static_cast<unsigned>(blocks_for(n_accounts, fold_block)), fold_block, 0, st,
                   d_folds.get(), n_accounts);
    }
    const auto d_group_slot = cuda::to_device(slots.slot.data(), slots.slot.size());
    const auto d_light = cuda::to_device(order.light.data(), order.light.size());
    const auto d_heavy = cuda::to_device(order.heavy.data(), order.heavy.size());
    RS_CUDA_CHECK(cudaDeviceSynchronize());  // every synchronous upload has landed
    add_phase("upload_book", seconds_since(t));

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
    device_buffer<unsigned long long> d_group(static_cast<std::size_t>(slots.count) * tile_z);
    device_buffer<unsigned> d_overflow(tile_z);
    device_buffer<std::int64_t> d_block_acc(blocks_z * tile_z * kz);
    device_buffer<std::int64_t> d_block_def(d_block_acc.size());
    device_buffer<std::int64_t> d_block_cover(blocks_z * tile_z * 2);
    device_buffer<std::int32_t> d_candidate_blocks(blocks_z * tile_z);
    device_buffer<std::int32_t> d_candidate_count(tile_z);
    device_buffer<std::int64_t> d_heavy_deficit(static_cast<std::size_t>(n_heavy) * tile_z);
    device_buffer<std::int64_t> d_top_acc(tile_z * kz), d_top_def(tile_z * kz), d_cover(tile_z * 2);
    pinned_buffer<unsigned long long> h_sums(d_sums.size());
    pinned_buffer<unsigned> h_overflow(d_overflow.size());
    pinned_buffer<std::int64_t> h_top_acc(d_top_acc.size()), h_top_def(d_top_def.size()), h_cover(d_cover.size());

    const std::size_t account_shared = cuda::account_stage_shared_bytes(tile);
    const int merge_threads = cuda_shape::merge_threads(k);
    const std::size_t merge_shared = cuda_shape::merge_shared_bytes(k);

    // Per tile: before the instrument stage, after it, after the account kernels, after merging.
    cuda::cuda_event tile_start, instruments_done, accounts_done, merge_done;
    double instrument_s = 0.0, account_s = 0.0, merge_s = 0.0;
    t = std::chrono::steady_clock::now();

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

      tile_start.record(st);
      const std::int64_t rows = static_cast<std::int64_t>(hb.assets) + hb.instruments;
      if (rows > 0) {
        const cuda::instrument_stage_args ia{tables_out, d_r.get(), d_v.get(), d_horizon.get(), factors, lanes_i};
        const auto grid = static_cast<unsigned>(blocks_for(rows * lanes_i, row_block));
        cuda::launch(cuda::instrument_stage, grid, row_block, 0, st, dbook.view(), ia);
      }

      d_sums.zero_async(st);
      d_group.zero_async(st);
      d_candidate_count.zero_async(st);
      d_overflow.zero_async(st);
      instruments_done.record(st);
      const cuda::tile_args targs{tables,           config.params,        tile,          lanes_i,
                                  static_cast<std::int64_t>(first), d_weight.get(), d_group_slot.get(),
                                  d_folds.get(),    d_sums.get(),         d_group.get(), d_overflow.get()};
      if (blocks > 0) {
        const cuda::account_stage_args aa{targs,
                                          d_light.get(),
                                          n_light,
                                          k,
                                          d_block_acc.get(),
                                          d_block_def.get(),
                                          d_block_cover.get(),
                                          d_candidate_blocks.get(),
                                          d_candidate_count.get(),
                                          blocks};
        cuda::launch(cuda::account_stage, static_cast<unsigned>(blocks), cuda::account_block, account_shared, st,
                     dbook.view(), aa);
      }
      if (n_heavy > 0) {
        const cuda::heavy_stage_args ha{targs, d_heavy.get(), n_heavy, d_heavy_deficit.get()};
        const auto grid = static_cast<unsigned>(blocks_for(n_heavy * cuda::warp, cuda::heavy_block));
        cuda::launch(cuda::account_stage_heavy, grid, cuda::heavy_block, 0, st, dbook.view(), ha);
      }
      accounts_done.record(st);
      const cuda::merge_tile_args ma{tile,
                                     blocks,
                                     slots.count,
                                     k,
                                     d_block_acc.get(),
                                     d_block_def.get(),
                                     d_block_cover.get(),
                                     d_candidate_blocks.get(),
                                     d_candidate_count.get(),
                                     d_heavy.get(),
                                     d_heavy_deficit.get(),
                                     n_heavy,
                                     d_group_slot.get(),
                                     d_group.get(),
                                     d_top_acc.get(),
                                     d_top_def.get(),
                                     d_cover.get()};
      cuda::launch(cuda::merge_tile, static_cast<unsigned>(lanes_i), static_cast<unsigned>(merge_threads), merge_shared,
                   st, ma);
      merge_done.record(st);

      cuda::copy_to_host_async(h_sums.get(), d_sums.get(), d_sums.size(), st);
      cuda::copy_to_host_async(h_overflow.get(), d_overflow.get(), lanes, st);
      cuda::copy_to_host_async(h_top_acc.get(), d_top_acc.get(), lanes * kz, st);
      cuda::copy_to_host_async(h_top_def.get(), d_top_def.get(), lanes * kz, st);
      cuda::copy_to_host_async(h_cover.get(), d_cover.get(), lanes * 2, st);
      stream.synchronize();
      instrument_s += instruments_done.seconds_since(tile_start);
      account_s += accounts_done.seconds_since(instruments_done);
      merge_s += merge_done.seconds_since(accounts_done);

      auto& sc = out.scenarios;
      // A flagged money sum reads as core::total_limit, the saturated total of the CPU backends.
      auto sum = [&](int q, std::size_t l) {
        if ((h_overflow[l] >> q) & 1U) return core::total_limit;
        return static_cast<std::int64_t>(h_sums[q * tile_z + l]);
      };
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
        sc.cover2[s] = h_cover[l * 2];
        core::add_total(sc.cover2[s], h_cover[l * 2 + 1]);
      }
      if (config.progress) config.progress(first + lanes, n_scenarios);
    }

    add_phase("tiles", seconds_since(t));
    add_phase("instrument_kernels", instrument_s);
    add_phase("account_kernels", account_s);
    add_phase("merge_kernels", merge_s);

    t = std::chrono::steady_clock::now();
    pinned_buffer<core::account_fold> h_folds(d_folds.size());
    cuda::copy_to_host_async(h_folds.get(), d_folds.get(), h_folds.size(), st);
    stream.synchronize();
    for (std::size_t a = 0; a < h_folds.size(); ++a) out.accounts.store(a, h_folds[a]);
    add_phase("download_folds", seconds_since(t));
    return out;
  }

  int device_;
  std::string device_name_;
  std::vector<phase_time> phases_;
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
