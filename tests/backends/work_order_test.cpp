// The CUDA backend's account order (work_order.hpp), checked on the CPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "book_builder.hpp"
#include "riskscan/generate.hpp"
#include "riskscan/work_order.hpp"

namespace riskscan::test {
namespace {

const book& generated() {
  static const book b = [] {
    temp_dir dir("rs-work");
    generate_options o;
    o.accounts = 400;
    o.seed = 21;
    generate_exchange(o, dir / "snap");
    return load_snapshot(dir / "snap", 1).data;
  }();
  return b;
}

TEST(account_work, counts_positions_and_portfolio_grid_points) {
  const book& b = generated();
  const eval_book prepared(b);
  std::size_t portfolio_seen = 0;
  for (std::size_t a = 0; a < b.account_count(); ++a) {
    std::int64_t cross = 0, iso = 0;
    for (auto p = b.position_begin[a]; p < b.position_begin[a + 1]; ++p)
      (is_isolated(b.position_isolated[p]) ? iso : cross)++;
    const bool portfolio = b.account_modes[a] == account_mode::portfolio;
    portfolio_seen += portfolio && cross > 0;
    EXPECT_EQ(account_work(prepared.view(), static_cast<std::int64_t>(a)), (portfolio ? 23 : 1) * cross + iso) << a;
  }
  EXPECT_GT(portfolio_seen, 0u);
}

TEST(order_by_work, buckets_heaviest_first_and_splits_off_heavy_accounts) {
  const eval_book prepared(generated());
  const core::book_view& bk = prepared.view();
  for (const std::int64_t heavy_work : {std::int64_t{0}, std::int64_t{3}, std::int64_t{40}, std::int64_t{1} << 20}) {
    SCOPED_TRACE("heavy_work " + std::to_string(heavy_work));
    const work_order order = order_by_work(prepared, heavy_work);
    std::set<std::int64_t> seen(order.light.begin(), order.light.end());
    seen.insert(order.heavy.begin(), order.heavy.end());
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(bk.accounts));
    EXPECT_EQ(order.light.size() + order.heavy.size(), static_cast<std::size_t>(bk.accounts));
    EXPECT_TRUE(std::is_sorted(order.heavy.begin(), order.heavy.end()));
    for (const auto a : order.heavy) EXPECT_GE(account_work(bk, a), heavy_work);
    for (std::size_t i = 0; i < order.light.size(); ++i) {
      const auto w = account_work(bk, order.light[i]);
      EXPECT_LT(w, heavy_work);
      if (i == 0) continue;
      const auto before = account_work(bk, order.light[i - 1]);
      EXPECT_TRUE(before > w || (before == w && order.light[i - 1] < order.light[i])) << "position " << i;
    }
    if (heavy_work == 0) {
      EXPECT_TRUE(order.light.empty());
    } else if (heavy_work == 40) {
      EXPECT_FALSE(order.heavy.empty());  // the portfolio accounts with two or more positions
      EXPECT_FALSE(order.light.empty());
    } else if (heavy_work > 40) {
      EXPECT_TRUE(order.heavy.empty());
    }
  }
}

}  // namespace
}  // namespace riskscan::test
