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

// Device and pinned buffers of one tile of scenarios, reused tile after tile: the instrument
// tables, the scenario inputs and the tile's reductions.
struct tile_buffers {
  tile_buffers(const eval_book& book, std::int64_t tile_width, int top_k, std::int64_t blocks, std::int64_t heavy,
               std::int64_t groups)
      : tile(tile_width),
        k(static_cast<std::size_t>(top_k)),
        asset_price(static_cast<std::size_t>(book.view().assets) * lanes()),
        a(static_cast<std::size_t>(book.view().instruments) * lanes()),
        b(a.size()),
        notional(a.size()),
        grid_a(static_cast<std::size_t>(book.pm_instrument_count()) * core::pm_grid_points * lanes()),
        grid_b(grid_a.size()),
        h_r(static_cast<std::size_t>(book.view().factors) * lanes()),
        h_v(h_r.size()),
        h_horizon(lanes()),
        h_weight(lanes()),
        r(h_r.size()),
        v(h_v.size()),
        horizon(lanes()),
        weight(lanes()),
        sums(cuda::sum_count * lanes()),
        group(static_cast<std::size_t>(groups) * lanes()),
        overflow(lanes()),
        block_top_account(static_cast<std::size_t>(blocks) * lanes() * k),
        block_top_deficit(block_top_account.size()),
        block_cover(static_cast<std::size_t>(blocks) * lanes() * 2),
        candidate_blocks(static_cast<std::size_t>(blocks) * lanes()),
        candidate_count(lanes()),
        heavy_deficit(static_cast<std::size_t>(heavy) * lanes()),
        top_account(lanes() * k),
        top_deficit(lanes() * k),
        cover(lanes() * 2),
        h_sums(sums.size()),
        h_overflow(overflow.size()),
        h_top_account(top_account.size()),
        h_top_deficit(top_deficit.size()),
        h_cover(cover.size()) {}

  std::size_t lanes() const noexcept { return static_cast<std::size_t>(tile); }
  core::state_tables_out tables_out() const noexcept {
    return {tile, asset_price.get(), a.get(), b.get(), notional.get(), grid_a.get(), grid_b.get()};
  }
  core::state_tables tables() const noexcept {
    return {tile, asset_price.get(), a.get(), b.get(), notional.get(), grid_a.get(), grid_b.get()};
  }

  std::int64_t tile;  // lanes: the stride of every per-lane array
  std::size_t k;      // top-k
  // Instrument tables.
  device_buffer<double> asset_price, a, b, notional, grid_a, grid_b;
  // Scenario inputs.
  pinned_buffer<double> h_r, h_v, h_horizon, h_weight;
  device_buffer<double> r, v, horizon, weight;
  // Reductions.
  device_buffer<unsigned long long> sums, group;
  device_buffer<unsigned> overflow;
  device_buffer<std::int64_t> block_top_account, block_top_deficit, block_cover;
  device_buffer<std::int32_t> candidate_blocks, candidate_count;
  device_buffer<std::int64_t> heavy_deficit, top_account, top_deficit, cover;
  pinned_buffer<unsigned long long> h_sums;
  pinned_buffer<unsigned> h_overflow;
  pinned_buffer<std::int64_t> h_top_account, h_top_deficit, h_cover;
};

// One chunk on the device: the book, the per-account folds (carried across tiles), every
// account's group slot and the work order, and the stream the tiles run on, each tile being
// upload_scenarios -> launch_tile -> download_tile.
class device_chunk {
 public:
  // Uploads the book and the work order and starts every fold; returns once all has landed.
  device_chunk(const eval_book& book, const group_slots& slots, const work_order& order)
      : book_(book),
        folds_(static_cast<std::size_t>(book.view().accounts)),
        group_slot_(cuda::to_device(slots.slot.data(), slots.slot.size())),
        light_(cuda::to_device(order.light.data(), order.light.size())),
        heavy_(cuda::to_device(order.heavy.data(), order.heavy.size())),
        n_light_(static_cast<std::int64_t>(order.light.size())),
        n_heavy_(static_cast<std::int64_t>(order.heavy.size())),
        blocks_(blocks_for(n_light_, cuda::account_block)),
        groups_(slots.count) {
    const std::int64_t n_accounts = book.view().accounts;
    if (n_accounts > 0) {
      constexpr int fold_block = 256;
      cuda::launch(cuda::init_folds, static_cast<unsigned>(blocks_for(n_accounts, fold_block)), fold_block, 0,
                   stream_.get(), folds_.get(), n_accounts);
    }
    RS_CUDA_CHECK(cudaDeviceSynchronize());  // every synchronous upload has landed
  }

  std::int64_t blocks() const noexcept { return blocks_; }
  std::int64_t heavy_count() const noexcept { return n_heavy_; }
  std::int64_t groups() const noexcept { return groups_; }

  // Queues the copy of scenarios [first, first + lanes) into the tile's inputs.
  void upload_scenarios(const bound_scenarios& scenarios, std::size_t first, std::size_t lanes, tile_buffers& t) {
    const cudaStream_t st = stream_.get();
    const auto fz = static_cast<std::size_t>(book_.view().factors);
    std::copy_n(scenarios.r.begin() + static_cast<std::ptrdiff_t>(first * fz), lanes * fz, t.h_r.get());
    std::copy_n(scenarios.v.begin() + static_cast<std::ptrdiff_t>(first * fz), lanes * fz, t.h_v.get());
    std::copy_n(scenarios.horizon_days.begin() + static_cast<std::ptrdiff_t>(first), lanes, t.h_horizon.get());
    std::copy_n(scenarios.normalized_weights.begin() + static_cast<std::ptrdiff_t>(first), lanes, t.h_weight.get());
    cuda::copy_to_device_async(t.r.get(), t.h_r.get(), lanes * fz, st);
    cuda::copy_to_device_async(t.v.get(), t.h_v.get(), lanes * fz, st);
    cuda::copy_to_device_async(t.horizon.get(), t.h_horizon.get(), lanes, st);
    cuda::copy_to_device_async(t.weight.get(), t.h_weight.get(), lanes, st);
  }

  // Queues the tile's kernels: instrument_stage -> account_stage (+ account_stage_heavy) ->
  // merge_tile, with an event after each stage.
  void launch_tile(std::size_t first, std::size_t lanes, const core::run_params& params, tile_buffers& t) {
    const cudaStream_t st = stream_.get();
    const core::book_view& bk = book_.view();
    const auto lanes_i = static_cast<std::int64_t>(lanes);
    tile_start_.record(st);
    const std::int64_t rows = static_cast<std::int64_t>(bk.assets) + bk.instruments;
    if (rows > 0) {
      const cuda::instrument_stage_args ia{t.tables_out(), t.r.get(), t.v.get(), t.horizon.get(), bk.factors, lanes_i};
      const auto grid = static_cast<unsigned>(blocks_for(rows * lanes_i, row_block));
      cuda::launch(cuda::instrument_stage, grid, row_block, 0, st, bk, ia);
    }

    t.sums.zero_async(st);
    t.group.zero_async(st);
    t.candidate_count.zero_async(st);
    t.overflow.zero_async(st);
    instruments_done_.record(st);
    const cuda::tile_args targs{t.tables(),
                                params,
                                t.tile,
                                lanes_i,
                                static_cast<std::int64_t>(first),
                                t.weight.get(),
                                group_slot_.get(),
                                folds_.get(),
                                t.sums.get(),
                                t.group.get(),
                                t.overflow.get()};
    const auto k = static_cast<int>(t.k);
    if (blocks_ > 0) {
      const cuda::account_stage_args aa{targs,
                                        light_.get(),
                                        n_light_,
                                        k,
                                        t.block_top_account.get(),
                                        t.block_top_deficit.get(),
                                        t.block_cover.get(),
                                        t.candidate_blocks.get(),
                                        t.candidate_count.get(),
                                        blocks_};
      cuda::launch(cuda::account_stage, static_cast<unsigned>(blocks_), cuda::account_block,
                   cuda::account_stage_shared_bytes(t.tile), st, bk, aa);
    }
    if (n_heavy_ > 0) {
      const cuda::heavy_stage_args ha{targs, heavy_.get(), n_heavy_, t.heavy_deficit.get()};
      const auto grid = static_cast<unsigned>(blocks_for(n_heavy_ * cuda::warp, cuda::heavy_block));
      cuda::launch(cuda::account_stage_heavy, grid, cuda::heavy_block, 0, st, bk, ha);
    }
    accounts_done_.record(st);
    const cuda::merge_tile_args ma{t.tile,
                                   blocks_,
                                   groups_,
                                   k,
                                   t.block_top_account.get(),
                                   t.block_top_deficit.get(),
                                   t.block_cover.get(),
                                   t.candidate_blocks.get(),
                                   t.candidate_count.get(),
                                   heavy_.get(),
                                   t.heavy_deficit.get(),
                                   n_heavy_,
                                   group_slot_.get(),
                                   t.group.get(),
                                   t.top_account.get(),
                                   t.top_deficit.get(),
                                   t.cover.get()};
    cuda::launch(cuda::merge_tile, static_cast<unsigned>(lanes_i), static_cast<unsigned>(cuda_shape::merge_threads(k)),
                 cuda_shape::merge_shared_bytes(k), st, ma);
    merge_done_.record(st);
  }

  // Waits for the tile and writes its per-scenario reductions to scenarios [first, first + lanes)
  // of `out`.
  void download_tile(std::size_t first, std::size_t lanes, tile_buffers& t, scenario_reductions& out) {
    const cudaStream_t st = stream_.get();
    const std::size_t k = t.k;
    cuda::copy_to_host_async(t.h_sums.get(), t.sums.get(), t.sums.size(), st);
    cuda::copy_to_host_async(t.h_overflow.get(), t.overflow.get(), lanes, st);
    cuda::copy_to_host_async(t.h_top_account.get(), t.top_account.get(), lanes * k, st);
    cuda::copy_to_host_async(t.h_top_deficit.get(), t.top_deficit.get(), lanes * k, st);
    cuda::copy_to_host_async(t.h_cover.get(), t.cover.get(), lanes * 2, st);
    stream_.synchronize();
    instrument_s += instruments_done_.seconds_since(tile_start_);
    account_s += accounts_done_.seconds_since(instruments_done_);
    merge_s += merge_done_.seconds_since(accounts_done_);

    for (std::size_t l = 0; l < lanes; ++l) {
      const std::size_t s = first + l;
      // A flagged money sum reads as core::total_limit, the saturated total of the CPU backends.
      core::scenario_sums sums;
      core::for_each_sum(
          [&](int q, core::sum_kind, const char*, std::int64_t& sum) {
            const auto qz = static_cast<std::size_t>(q);
            sum = (t.h_overflow[l] >> q) & 1U ? core::total_limit
                                              : static_cast<std::int64_t>(t.h_sums[qz * t.lanes() + l]);
          },
          sums);
      out.set_sums(s, sums);
      std::copy_n(t.h_top_account.get() + l * k, k, out.top_account.begin() + static_cast<std::ptrdiff_t>(s * k));
      std::copy_n(t.h_top_deficit.get() + l * k, k, out.top_deficit.begin() + static_cast<std::ptrdiff_t>(s * k));
      out.set_cover(s, t.h_cover[l * 2], t.h_cover[l * 2 + 1]);
    }
  }

  // Waits for the stream and writes every account's fold to `out`.
  void download_folds(account_reductions& out) {
    pinned_buffer<core::account_fold> h_folds(folds_.size());
    cuda::copy_to_host_async(h_folds.get(), folds_.get(), h_folds.size(), stream_.get());
    stream_.synchronize();
    for (std::size_t a = 0; a < h_folds.size(); ++a) out.store(a, h_folds[a]);
  }

  // Seconds of each stage, summed over the tiles downloaded.
  double instrument_s = 0.0, account_s = 0.0, merge_s = 0.0;

 private:
  const cuda::device_book book_;
  const cuda::cuda_stream stream_;
  device_buffer<core::account_fold> folds_;
  const device_buffer<std::int64_t> group_slot_, light_, heavy_;
  const std::int64_t n_light_, n_heavy_, blocks_, groups_;
  // Per tile: before the instrument stage, after it, after the account kernels, after merging.
  cuda::cuda_event tile_start_, instruments_done_, accounts_done_, merge_done_;
};

class cuda_backend final : public backend {
 public:
  cuda_backend(int device, std::string device_name) : device_(device), device_name_(std::move(device_name)) {}
  std::string name() const override { return "cuda"; }
  std::string device() const override { return "cuda (" + device_name_ + ")"; }
  int threads() const override { return 1; }
  std::vector<phase_time> phases() const override { return phases_; }

  scan_reductions scan(const eval_book& book, const std::vector<std::int64_t>& groups, const bound_scenarios& scenarios,
                       const scan_config& config) override {
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
    return scan_in_chunks(
        book, groups, plan.chunks, scenarios.size(), config,
        [&](const eval_book& part, const std::vector<std::int64_t>& part_groups, const scan_config& part_config) {
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
    const std::size_t n_scenarios = scenarios.size();
    const group_slots own_slots = whole_slots != nullptr ? group_slots{} : make_group_slots(groups);
    const group_slots& slots = whole_slots != nullptr ? *whole_slots : own_slots;
    const work_order order = order_by_work(book, cuda_shape::heavy_work);
    scan_reductions out;
    out.accounts.resize(static_cast<std::size_t>(book.view().accounts), config.threads);
    out.scenarios.resize(n_scenarios, config.top_k);
    add_phase("order_accounts", seconds_since(t));

    t = std::chrono::steady_clock::now();
    device_chunk chunk(book, slots, order);
    add_phase("upload_book", seconds_since(t));

    tile_buffers buffers(book, tile, config.top_k, chunk.blocks(), chunk.heavy_count(), chunk.groups());
    t = std::chrono::steady_clock::now();
    for (std::size_t first = 0; first < n_scenarios; first += buffers.lanes()) {
      const std::size_t lanes = std::min(buffers.lanes(), n_scenarios - first);
      chunk.upload_scenarios(scenarios, first, lanes, buffers);
      chunk.launch_tile(first, lanes, config.params, buffers);
      chunk.download_tile(first, lanes, buffers, out.scenarios);
      if (config.progress) config.progress(first + lanes, n_scenarios);
    }
    add_phase("tiles", seconds_since(t));
    add_phase("instrument_kernels", chunk.instrument_s);
    add_phase("account_kernels", chunk.account_s);
    add_phase("merge_kernels", chunk.merge_s);

    t = std::chrono::steady_clock::now();
    chunk.download_folds(out.accounts);
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
