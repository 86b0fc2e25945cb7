// The reference backend: the methodology written for obviousness. One state at a time, every
// (account, scenario) outcome kept, then each reduction computed directly from its definition
// (sorting for top-k, a map for group sums). Memory is accounts x scenarios: small inputs only.
#include <algorithm>
#include <map>

#include "riskscan/core/fixed_point.hpp"
#include "riskscan/core/reduce.hpp"
#include "riskscan/cpu_backend.hpp"
#include "riskscan/instrument_tables.hpp"

namespace riskscan {
namespace {

class reference_backend final : public backend {
 public:
  std::string name() const override { return "reference"; }
  std::string device() const override { return "cpu (scalar reference)"; }
  int threads() const override { return 1; }

  scan_reductions scan(const eval_book& book, const std::vector<std::int64_t>& groups, const bound_scenarios& scenarios,
                       const scan_config& config) override {
    const core::book_view& bk = book.view();
    const auto n_accounts = static_cast<std::size_t>(bk.accounts);
    const std::size_t n_scenarios = scenarios.size();

    std::vector<core::account_outcome> outcome(n_accounts * n_scenarios);
    instrument_tables tables(book, 1);
    for (std::size_t s = 0; s < n_scenarios; ++s) {
      tables.compute_state(scenarios.returns(s), scenarios.vol_shocks(s), scenarios.horizon_days[s]);
      const core::table_lane lane{tables.tables(), 0};
      for (std::size_t a = 0; a < n_accounts; ++a)
        outcome[s * n_accounts + a] = core::evaluate_account(bk, static_cast<std::int64_t>(a), lane, config.params);
      if (config.progress) config.progress(s + 1, n_scenarios);
    }

    scan_reductions out;
    out.accounts.resize(n_accounts, 1);
    for (std::size_t a = 0; a < n_accounts; ++a) {
      core::account_fold fold;
      for (std::size_t s = 0; s < n_scenarios; ++s)
        fold.add(static_cast<std::int32_t>(s), outcome[s * n_accounts + a], scenarios.normalized_weights[s]);
      out.accounts.store(a, fold);
    }

    auto& sc = out.scenarios;
    sc.resize(n_scenarios, config.top_k);
    for (std::size_t s = 0; s < n_scenarios; ++s) {
      std::vector<std::pair<std::int64_t, std::int64_t>> ranked;  // (deficit, account)
      std::map<std::int64_t, std::int64_t> group_deficit;
      core::scenario_sums sums;
      for (std::size_t a = 0; a < n_accounts; ++a) {
        const core::scenario_sums added = core::scenario_sums::of(outcome[s * n_accounts + a]);
        sums += added;
        const std::int64_t deficit = added.deficit;
        if (deficit > 0) ranked.emplace_back(deficit, static_cast<std::int64_t>(a));
        core::add_total(group_deficit[groups[a]], deficit);
      }
      sc.set_sums(s, sums);
      std::sort(ranked.begin(), ranked.end(),
                [](const auto& x, const auto& y) { return core::ranks_before(x.first, x.second, y.first, y.second); });
      for (std::size_t j = 0; j < ranked.size() && j < static_cast<std::size_t>(config.top_k); ++j) {
        sc.top_account[s * static_cast<std::size_t>(config.top_k) + j] = ranked[j].second;
        sc.top_deficit[s * static_cast<std::size_t>(config.top_k) + j] = ranked[j].first;
      }
      std::vector<std::int64_t> by_group;
      for (const auto& [group, deficit] : group_deficit) by_group.push_back(deficit);
      std::sort(by_group.rbegin(), by_group.rend());
      by_group.resize(std::max<std::size_t>(by_group.size(), 2), 0);  // fewer than two groups: zeros
      sc.set_cover(s, by_group[0], by_group[1]);
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<backend> make_reference_backend() { return std::make_unique<reference_backend>(); }

}  // namespace riskscan
