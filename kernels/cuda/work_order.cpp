#include "riskscan/work_order.hpp"

#include <algorithm>
#include <utility>

namespace riskscan {

std::int64_t account_work(const core::book_view& bk, std::int64_t a) {
  const std::int64_t cross = bk.cross_begin[a + 1] - bk.cross_begin[a];
  const std::int64_t iso = bk.iso_begin[a + 1] - bk.iso_begin[a];
  return (bk.account_portfolio[a] != 0 ? core::pm_grid_points : 1) * cross + iso;
}

work_order order_by_work(const eval_book& book, std::int64_t heavy_work) {
  const core::book_view& bk = book.view();
  const auto buckets = static_cast<std::size_t>(std::max<std::int64_t>(heavy_work, 0));
  // start[w]: first index in `light` of the accounts of work w, filled heaviest first.
  std::vector<std::size_t> start(buckets + 1, 0);
  std::vector<std::int64_t> work(static_cast<std::size_t>(bk.accounts));
  work_order out;
  for (std::int64_t a = 0; a < bk.accounts; ++a) {
    const std::int64_t w = account_work(bk, a);
    work[static_cast<std::size_t>(a)] = w;
    if (w >= heavy_work) {
      out.heavy.push_back(a);
    } else {
      ++start[static_cast<std::size_t>(w)];
    }
  }
  std::size_t next = 0;
  for (std::size_t w = buckets; w-- > 0;) next += std::exchange(start[w], next);
  out.light.resize(next);
  for (std::int64_t a = 0; a < bk.accounts; ++a) {
    const std::int64_t w = work[static_cast<std::size_t>(a)];
    if (w < heavy_work) out.light[start[static_cast<std::size_t>(w)]++] = a;
  }
  return out;
}

}  // namespace riskscan
