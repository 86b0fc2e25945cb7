#include "riskscan/cuda_plan.hpp"

#include <algorithm>
#include <string>

#include "riskscan/core/reduce.hpp"
#include "riskscan/error.hpp"
#include "riskscan/work_order.hpp"

namespace riskscan {
namespace {

constexpr std::size_t MiB = std::size_t{1} << 20;

// Device bytes of one scenario lane that do not scale with the accounts: instrument tables,
// scenario inputs, per-scenario sums, group sums, merged top-k and cover values, candidate count
// and overflow flags.
std::size_t lane_bytes(const eval_book& book, std::int64_t groups, int k) {
  const core::book_view& v = book.view();
  const std::size_t table_rows = static_cast<std::size_t>(v.assets) + 3 * static_cast<std::size_t>(v.instruments) +
                                 2 * static_cast<std::size_t>(book.pm_instrument_count()) * core::pm_grid_points;
  const std::size_t inputs = 2 * static_cast<std::size_t>(v.factors) + 2;  // r, v, horizon, weight
  const std::size_t reductions =
      cuda_shape::sum_count + static_cast<std::size_t>(groups) + 2 * static_cast<std::size_t>(k) + 2;
  return (table_rows + inputs + reductions) * sizeof(double) + 2 * sizeof(std::int32_t);
}

// Device bytes of account a in a scan with `tile` lanes: its arrays, fold, slot and order entry,
// its share of its block's candidate lists, and its per-lane deficits if it is heavy.
std::size_t account_device_bytes(const eval_book& book, std::int64_t a, std::int64_t tile, int k) {
  const auto lanes = static_cast<std::size_t>(tile);
  const std::size_t per_block_lane =
      (2 * static_cast<std::size_t>(k) + 2) * sizeof(std::int64_t) + sizeof(std::int32_t);
  const std::size_t block_share = (lanes * per_block_lane + cuda_shape::account_block - 1) / cuda_shape::account_block;
  const std::size_t heavy = account_work(book.view(), a) >= cuda_shape::heavy_work ? lanes * sizeof(std::int64_t) : 0;
  return book.account_bytes(a) + sizeof(core::account_fold) + 2 * sizeof(std::int64_t) + block_share + heavy;
}

}  // namespace

cuda_scan_plan plan_cuda_scan(const eval_book& book, const std::vector<std::int64_t>& groups, int top_k,
                              std::size_t memory_limit) {
  cuda_scan_plan plan;
  plan.slots = make_group_slots(groups);
  const std::size_t per_lane = lane_bytes(book, plan.slots.count, top_k);
  plan.tile = std::clamp<std::int64_t>(static_cast<std::int64_t>(memory_limit / 4 / per_lane), 1, cuda_shape::max_tile);
  const std::size_t fixed = static_cast<std::size_t>(plan.tile) * per_lane + book.reference_bytes();
  if (fixed >= memory_limit)
    throw config_error("device memory limit of " + std::to_string(memory_limit / MiB) + " MiB is too small: the " +
                       "instrument tables of one scenario need " + std::to_string(fixed / MiB + 1) + " MiB");
  plan.chunks = plan_account_chunks(
      groups, [&](std::int64_t a) { return account_device_bytes(book, a, plan.tile, top_k); }, memory_limit - fixed);
  return plan;
}

}  // namespace riskscan
