// The cuda backend's memory plan (cuda_plan.hpp), on the CPU: tile width and account chunks for
// the device memory limits the GPU parity suite uses, so that suite really runs chunked.
#include <gtest/gtest.h>

#include "book_builder.hpp"
#include "riskscan/cuda_plan.hpp"
#include "riskscan/error.hpp"
#include "riskscan/work_order.hpp"

namespace riskscan::test {
namespace {

book generated_with_heavy(std::size_t accounts, std::size_t heavy) {
  return with_heavy_accounts(generated_exchange(accounts, 14, true, true), heavy);
}

TEST(cuda_plan, heavy_test_accounts_are_heavy_in_both_modes) {
  const book b = generated_with_heavy(400, 7);
  const eval_book prepared(b);
  const work_order order = order_by_work(prepared, cuda_shape::heavy_work);
  std::size_t cross = 0, portfolio = 0;
  for (const auto a : order.heavy)
    (b.account_modes[static_cast<std::size_t>(a)] == account_mode::portfolio ? portfolio : cross)++;
  EXPECT_EQ(order.heavy.size(), 7u);
  EXPECT_EQ(cross, 4u);
  EXPECT_EQ(portfolio, 3u);
}

TEST(cuda_plan, a_book_that_fits_is_one_chunk_of_full_tiles) {
  const book b = generated_with_heavy(900, 3);
  const eval_book prepared(b);
  const cuda_scan_plan plan = plan_cuda_scan(prepared, cover_groups(b), 3, std::size_t{1} << 30);
  EXPECT_EQ(plan.tile, cuda_shape::max_tile);
  ASSERT_EQ(plan.chunks.size(), 1u);
  EXPECT_EQ(plan.chunks[0].size(), b.account_count());
}

TEST(cuda_plan, the_chunked_parity_cases_give_several_chunks) {
  for (const bool options : {false, true}) {
    const book b = chunked_case_book(options);
    const eval_book prepared(b);
    const auto groups = cover_groups(b);
    for (const chunked_case& c : chunked_cases) {
      if (c.options != options) continue;
      SCOPED_TRACE(std::string(options ? "options" : "linear") + " limit " + std::to_string(c.limit));
      const cuda_scan_plan plan = plan_cuda_scan(prepared, groups, 3, c.limit);
      EXPECT_GT(plan.chunks.size(), 1u);
      if (!options) {
        EXPECT_GT(plan.tile, 1);
      }
      std::size_t rows = 0;
      for (const auto& chunk : plan.chunks) rows += chunk.size();
      EXPECT_EQ(rows, b.account_count());
    }
  }
}

TEST(cuda_plan, a_limit_below_one_scenario_lane_is_a_configuration_error) {
  const book b = generated_with_heavy(50, 0);
  const eval_book prepared(b);
  EXPECT_THROW(plan_cuda_scan(prepared, cover_groups(b), 2, 1024), config_error);
}

}  // namespace
}  // namespace riskscan::test
