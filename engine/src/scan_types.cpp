#include "riskscan/scan_types.hpp"

#include <functional>
#include <vector>

#include "riskscan/threads.hpp"

namespace riskscan {

void account_reductions::resize(std::size_t accounts, int threads) {
  std::vector<std::function<void()>> jobs;  // a column each
  const core::account_fold start;
  core::for_each_fold_field(
      [&](const char*, auto& column, const auto& value) {
        jobs.emplace_back([&column, value, accounts] { column.assign(accounts, value); });
      },
      *this, start);
  parallel_for(jobs.size(), threads, [&](std::size_t i) { jobs[i](); });
}

void scenario_reductions::resize(std::size_t scenarios, int k) {
  top_k = k;
  core::for_each_sum([scenarios](int, core::sum_kind, const char*, auto& column) { column.assign(scenarios, 0); },
                     *this);
  top_account.assign(scenarios * static_cast<std::size_t>(k), -1);
  top_deficit.assign(scenarios * static_cast<std::size_t>(k), 0);
  cover1.assign(scenarios, 0);
  cover2.assign(scenarios, 0);
}

}  // namespace riskscan
