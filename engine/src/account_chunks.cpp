#include "riskscan/account_chunks.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "riskscan/core/fixed_point.hpp"
#include "riskscan/core/reduce.hpp"
#include "riskscan/error.hpp"

namespace riskscan {

chunk_rows plan_account_chunks(const std::vector<std::int64_t>& groups,
                               const std::function<std::size_t(std::int64_t)>& bytes, std::size_t budget) {
  const auto n = static_cast<std::int64_t>(groups.size());
  std::size_t total = 0;
  for (std::int64_t a = 0; a < n; ++a) total += bytes(a);
  if (n > 0 && total <= budget) {  // the common case, without the group bookkeeping
    chunk_rows one(1, std::vector<std::int64_t>(static_cast<std::size_t>(n)));
    std::iota(one[0].begin(), one[0].end(), std::int64_t{0});
    return one;
  }

  // Accounts in order of their group's first row: each group becomes one run.
  std::unordered_map<std::int64_t, std::int64_t> first_row;
  std::vector<std::int64_t> group_key(static_cast<std::size_t>(n));
  for (std::int64_t a = 0; a < n; ++a)
    group_key[static_cast<std::size_t>(a)] =
        first_row.try_emplace(groups[static_cast<std::size_t>(a)], a).first->second;
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  auto key = [&](std::int64_t a) { return group_key[static_cast<std::size_t>(a)]; };
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t x, std::int64_t y) { return key(x) < key(y); });

  chunk_rows chunks;
  std::vector<std::int64_t> current;
  std::size_t used = 0;
  auto close_chunk = [&] {
    if (current.empty()) return;
    std::sort(current.begin(), current.end());
    chunks.push_back(std::move(current));
    current.clear();
    used = 0;
  };
  for (std::size_t i = 0; i < order.size();) {
    std::size_t end = i;
    std::size_t group_bytes = 0;
    for (; end < order.size() && key(order[end]) == key(order[i]); ++end) group_bytes += bytes(order[end]);
    if (used + group_bytes > budget) close_chunk();
    current.insert(current.end(), order.begin() + static_cast<std::ptrdiff_t>(i),
                   order.begin() + static_cast<std::ptrdiff_t>(end));
    used += group_bytes;
    i = end;
  }
  close_chunk();
  return chunks;
}

namespace {

// Adds one chunk's reductions into the book's. `cover_second[s]`: the book's second-largest
// Cover-N candidate so far (cover2 is only formed at the end).
void merge_chunk(const std::vector<std::int64_t>& rows, const scan_reductions& part, scan_reductions& out,
                 std::vector<std::int64_t>& cover_second) {
  for (std::size_t i = 0; i < rows.size(); ++i)
    out.accounts.store(static_cast<std::size_t>(rows[i]), part.accounts.load(i));
  const auto& ps = part.scenarios;
  auto& os = out.scenarios;
  const auto k = static_cast<std::size_t>(os.top_k);
  for (std::size_t s = 0; s < os.deficit.size(); ++s) {
    os.add_sums(s, ps.sums(s));
    for (std::size_t j = 0; j < k; ++j) {
      const std::int64_t local = ps.top_account[s * k + j];
      if (local < 0) continue;
      core::offer_top(os.top_account.data() + s * k, os.top_deficit.data() + s * k, static_cast<int>(k),
                      rows[static_cast<std::size_t>(local)], ps.top_deficit[s * k + j]);
    }
    core::offer_cover(os.cover1[s], cover_second[s], ps.cover1[s]);
    core::offer_cover(os.cover1[s], cover_second[s], ps.cover2[s] - ps.cover1[s]);
  }
}

}  // namespace

scan_reductions scan_in_chunks(const eval_book& book, const std::vector<std::int64_t>& groups, const chunk_rows& chunks,
                               std::size_t scenario_count, const scan_config& config, const chunk_scanner& scan_chunk) {
  const auto n_accounts = static_cast<std::size_t>(book.view().accounts);
  if (chunks.size() == 1 && chunks[0].size() == n_accounts) return scan_chunk(book, groups, config);

  scan_reductions out;
  out.accounts.resize(n_accounts, config.threads);
  out.scenarios.resize(scenario_count, config.top_k);
  std::vector<std::int64_t> cover_second(scenario_count, 0);
  std::size_t covered = 0;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    const auto& rows = chunks[c];
    covered += rows.size();
    const eval_book part_book(book, rows);
    std::vector<std::int64_t> part_groups(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) part_groups[i] = groups[static_cast<std::size_t>(rows[i])];
    scan_config part_config = config;
    if (config.progress) {
      part_config.progress = [&config, c, n = chunks.size(), scenario_count](std::size_t done, std::size_t) {
        config.progress(c * scenario_count + done, n * scenario_count);
      };
    }
    merge_chunk(rows, scan_chunk(part_book, part_groups, part_config), out, cover_second);
  }
  if (covered != n_accounts) throw error(exit_code::internal, "account chunks do not cover the book");
  for (std::size_t s = 0; s < scenario_count; ++s) out.scenarios.set_cover(s, out.scenarios.cover1[s], cover_second[s]);
  return out;
}

}  // namespace riskscan
