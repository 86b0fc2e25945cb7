// The cpu backend: scenarios in tiles whose instrument tables stay in cache, OpenMP over
// accounts within a tile. Per-account folds run in scenario order (tiles in order, lanes in
// order); per-scenario sums are integers and top-k follows a total order, so the result does not
// depend on the thread count or on how accounts are scheduled.
#include <omp.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

#include "cross_lanes.hpp"
#include "riskscan/core/fixed_point.hpp"
#include "riskscan/core/reduce.hpp"
#include "riskscan/cpu_backend.hpp"
#include "riskscan/group_slots.hpp"
#include "riskscan/instrument_tables.hpp"

namespace riskscan {
namespace {

// Scenarios per tile: 64 lanes x ~100 instruments x 3 tables is ~150 KiB, inside L2.
constexpr std::int64_t tile_size = cpu::max_lanes;

// The per-account folds, constructed on every thread: value-initialising them on one thread (a
// std::vector's constructor) would fault in every fresh page of the array, 400 MB at ten million
// accounts, on that thread alone.
class fold_array {
 public:
  fold_array(std::int64_t n, int threads) {
    void* memory = std::malloc(static_cast<std::size_t>(n) * sizeof(core::account_fold));
    folds_.reset(static_cast<core::account_fold*>(memory));
    if (n > 0 && folds_ == nullptr) throw std::bad_alloc();
#pragma omp parallel for num_threads(threads)
    for (std::int64_t a = 0; a < n; ++a) new (folds_.get() + a) core::account_fold{};
  }
  core::account_fold& operator[](std::int64_t a) { return folds_.get()[a]; }

 private:
  static_assert(std::is_trivially_destructible_v<core::account_fold>, "the folds are freed, never destroyed");
  struct free_memory {
    void operator()(void* p) const { std::free(p); }
  };
  std::unique_ptr<core::account_fold, free_memory> folds_;
};

// One thread's per-scenario partial reductions over a tile.
struct tile_partial {
  int k = 0;
  std::vector<core::scenario_sums> sums;               // [lane]
  std::vector<std::int64_t> top_account, top_deficit;  // [lane * k + j], sorted, -1 / 0 empty
  std::vector<std::int64_t> cover_top;                 // [lane * 2 + j], two largest singletons

  void reset(std::int64_t lanes, int top_k) {
    k = top_k;
    const auto n = static_cast<std::size_t>(lanes);
    sums.assign(n, core::scenario_sums{});
    top_account.assign(n * static_cast<std::size_t>(k), -1);
    top_deficit.assign(n * static_cast<std::size_t>(k), 0);
    cover_top.assign(n * 2, 0);
  }

  void offer_top(std::int64_t lane, std::int64_t account, std::int64_t value) {
    core::offer_top(top_account.data() + lane * k, top_deficit.data() + lane * k, k, account, value);
  }

  void offer_cover(std::int64_t lane, std::int64_t value) {
    std::int64_t* top = cover_top.data() + lane * 2;
    core::offer_cover(top[0], top[1], value);
  }
};

class cpu_backend final : public backend {
 public:
  explicit cpu_backend(int threads) : threads_(threads > 0 ? threads : omp_get_max_threads()) {}
  std::string name() const override { return "cpu"; }
  std::string device() const override { return "cpu (OpenMP, " + std::to_string(threads_) + " threads)"; }
  int threads() const override { return threads_; }

  scan_reductions scan(const eval_book& book, const std::vector<std::int64_t>& groups, const bound_scenarios& scenarios,
                       const scan_config& config) override {
    const core::book_view& bk = book.view();
    const std::int64_t n_accounts = bk.accounts;
    const std::size_t n_scenarios = scenarios.size();
    const int k = config.top_k;

    const group_slots slots = make_group_slots(groups);
    const std::vector<std::int64_t>& group_slot = slots.slot;
    // Atomic adds from every thread: unsigned, so a sum out of range wraps instead of being
    // undefined (core::group_total).
    std::vector<std::uint64_t> group_deficit(static_cast<std::size_t>(slots.count) * tile_size);

    instrument_tables tables(book, tile_size);
    fold_array folds(n_accounts, threads_);
    std::vector<tile_partial> partials(static_cast<std::size_t>(threads_));
    scan_reductions out;
    out.scenarios.resize(n_scenarios, k);

    for (std::size_t first = 0; first < n_scenarios; first += tile_size) {
      const auto lanes = static_cast<std::int64_t>(std::min<std::size_t>(tile_size, n_scenarios - first));
      tables.compute(scenarios, first, static_cast<std::size_t>(lanes), threads_);
      std::fill(group_deficit.begin(), group_deficit.end(), 0);
      // Reset here, not by each thread in the region: OpenMP may start fewer threads than asked
      // (OMP_DYNAMIC, OMP_THREAD_LIMIT), and merge_tile reads every partial.
      for (auto& p : partials) p.reset(lanes, k);

#pragma omp parallel num_threads(threads_)
      {
        tile_partial& part = partials[static_cast<std::size_t>(omp_get_thread_num())];
        cpu::cross_lanes cross;
        double isolated[cpu::max_lanes];
        double liquidated[cpu::max_lanes];
#pragma omp for schedule(dynamic, 256)
        for (std::int64_t a = 0; a < n_accounts; ++a) {
          core::account_fold& fold = folds[a];
          const std::int64_t slot = group_slot[static_cast<std::size_t>(a)];
          const bool has_isolated = bk.iso_begin[a + 1] > bk.iso_begin[a];
          // Lanes evaluated together; the common case (no liquidation in the tile) ends after
          // the excess fold.
          cpu::evaluate_cross_lanes(bk, a, tables.tables(), static_cast<int>(lanes), cross);
          const double has_cross = bk.cross_begin[a + 1] > bk.cross_begin[a] ? 1.0 : 0.0;
          double excess[cpu::max_lanes];
          double lowest = fold.worst_excess;
          double any_liquidated = 0.0;
#pragma omp simd reduction(min : lowest) reduction(max : any_liquidated)
          for (std::int64_t l = 0; l < lanes; ++l) {
            excess[l] = cross.adj_equity[l] - cross.mm[l];
            lowest = core::min_of(lowest, excess[l]);
            // core::cross_liquidated: cross positions or a liability, and AE < MM.
            const double exposed = core::max_of(has_cross, cross.has_liability[l]);
            liquidated[l] = cross.adj_equity[l] < cross.mm[l] ? exposed : 0.0;
            any_liquidated = core::max_of(any_liquidated, liquidated[l]);
          }
          // Same as add_excess lane by lane: the first lane reaching a new minimum wins.
          if (lowest < fold.worst_excess) {
            std::int64_t l = 0;
            while (excess[l] != lowest) ++l;
            fold.add_excess(static_cast<std::int32_t>(first + static_cast<std::size_t>(l)), lowest);
          }
          if (has_isolated) {
            cpu::isolated_liquidation_lanes(bk, a, tables.tables(), static_cast<int>(lanes), isolated);
          } else if (any_liquidated == 0.0) {
            continue;  // the common case: nothing liquidated in the tile
          } else {
            std::fill_n(isolated, lanes, 0.0);
          }
          // Lanes where something is liquidated, as bits: visiting only those, in lane order,
          // spares a hard-to-predict branch per lane where liquidations are scattered. Both
          // arrays hold 0.0 or 1.0, so a lane's bit is their maximum converted, without a branch.
          static_assert(cpu::max_lanes <= 64, "one bit per lane");
          std::uint64_t loss_lanes = 0;
          for (std::int64_t l = 0; l < lanes; ++l) {
            const auto loss = static_cast<std::int64_t>(core::max_of(liquidated[l], isolated[l]));
            loss_lanes |= static_cast<std::uint64_t>(loss) << l;
          }
          for (; loss_lanes != 0; loss_lanes &= loss_lanes - 1) {
            const auto l = static_cast<std::int64_t>(std::countr_zero(loss_lanes));
            const core::table_lane lane{tables.tables(), l};
            const auto s = first + static_cast<std::size_t>(l);
            // The rest of core::evaluate_account, for lanes where something is liquidated.
            const bool isolated_lane = isolated[l] != 0.0;
            core::account_outcome o{};
            o.raw_equity = cross.raw_equity[l];
            o.adj_equity = cross.adj_equity[l];
            o.mm = cross.mm[l];
            o.liquidated = liquidated[l] != 0.0;
            if (o.liquidated) core::liquidate_cross(bk, a, lane, config.params, o);
            if (isolated_lane) core::evaluate_isolated(bk, a, lane, config.params, o);
            if (!o.liquidated && o.isolated_liquidated == 0) continue;  // nothing to add: all zero
            fold.add_loss(static_cast<std::int32_t>(s), o, scenarios.normalized_weights[s]);
            const core::scenario_sums added = core::scenario_sums::of(o);
            part.sums[l] += added;
            const std::int64_t deficit = added.deficit;
            if (deficit > 0) part.offer_top(l, a, deficit);
            if (slot < 0) {
              part.offer_cover(l, deficit);
            } else if (deficit != 0) {
#pragma omp atomic
              group_deficit[static_cast<std::size_t>(slot * tile_size + l)] += static_cast<std::uint64_t>(deficit);
            }
          }
        }
      }
      merge_tile(partials, group_deficit, first, lanes, out.scenarios);
      if (config.progress) config.progress(first + static_cast<std::size_t>(lanes), n_scenarios);
    }

    out.accounts.resize(static_cast<std::size_t>(n_accounts), threads_);
#pragma omp parallel for num_threads(threads_)
    for (std::int64_t a = 0; a < n_accounts; ++a) out.accounts.store(static_cast<std::size_t>(a), folds[a]);
    return out;
  }

 private:
  void merge_tile(std::vector<tile_partial>& partials, const std::vector<std::uint64_t>& group_deficit,
                  std::size_t first, std::int64_t lanes, scenario_reductions& sc) const {
    const auto k = static_cast<std::size_t>(sc.top_k);
    const std::size_t n_groups = group_deficit.size() / tile_size;
    tile_partial merged;
    for (std::int64_t l = 0; l < lanes; ++l) {
      const std::size_t s = first + static_cast<std::size_t>(l);
      merged.reset(1, sc.top_k);
      for (const auto& part : partials) {
        sc.add_sums(s, part.sums[l]);
        for (std::size_t j = 0; j < k; ++j) {
          const auto acc = part.top_account[static_cast<std::size_t>(l) * k + j];
          if (acc >= 0) merged.offer_top(0, acc, part.top_deficit[static_cast<std::size_t>(l) * k + j]);
        }
        merged.offer_cover(0, part.cover_top[static_cast<std::size_t>(l) * 2]);
        merged.offer_cover(0, part.cover_top[static_cast<std::size_t>(l) * 2 + 1]);
      }
      for (std::size_t g = 0; g < n_groups; ++g)
        merged.offer_cover(0, core::group_total(group_deficit[g * tile_size + static_cast<std::size_t>(l)]));
      std::copy_n(merged.top_account.begin(), k, sc.top_account.begin() + static_cast<std::ptrdiff_t>(s * k));
      std::copy_n(merged.top_deficit.begin(), k, sc.top_deficit.begin() + static_cast<std::ptrdiff_t>(s * k));
      sc.set_cover(s, merged.cover_top[0], merged.cover_top[1]);
    }
  }

  int threads_;
};

}  // namespace

std::unique_ptr<backend> make_cpu_backend(int threads) { return std::make_unique<cpu_backend>(threads); }

}  // namespace riskscan
