#include "riskscan/scan_types.hpp"

#include <limits>

#include "riskscan/threads.hpp"

namespace riskscan {

void account_reductions::resize(std::size_t accounts, int threads) {
  run_each(
      threads, [&] { worst_excess.assign(accounts, std::numeric_limits<double>::infinity()); },
      [&] { worst_scenario.assign(accounts, -1); }, [&] { scenarios_liquidated.assign(accounts, 0); },
      [&] { max_deficit.assign(accounts, 0.0); }, [&] { max_deficit_scenario.assign(accounts, -1); },
      [&] { expected_deficit.assign(accounts, 0.0); });
}

void scenario_reductions::resize(std::size_t scenarios, int k) {
  top_k = k;
  accounts_liquidated.assign(scenarios, 0);
  isolated_liquidated.assign(scenarios, 0);
  liquidated_notional.assign(scenarios, 0);
  deficit.assign(scenarios, 0);
  inflow.assign(scenarios, 0);
  top_account.assign(scenarios * static_cast<std::size_t>(k), -1);
  top_deficit.assign(scenarios * static_cast<std::size_t>(k), 0);
  cover1.assign(scenarios, 0);
  cover2.assign(scenarios, 0);
}

}  // namespace riskscan
