#include "riskscan/results_io.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "riskscan/error.hpp"

namespace riskscan {

std::string format_double(double x) {
  std::string s = fmt::format("{}", x);
  if (std::isfinite(x) && s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string format_fixed(std::int64_t value) {
  const bool negative = value < 0;
  // Magnitude as unsigned so the most negative value does not overflow.
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  return fmt::format("{}{}.{:04d}", negative ? "-" : "", magnitude / 10000, magnitude % 10000);
}

namespace {

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw output_error("cannot write " + path.string());
}

std::string scenario_id(const bound_scenarios& scenarios, std::int32_t s) {
  return s >= 0 ? scenarios.ids[static_cast<std::size_t>(s)] : std::string();
}

}  // namespace

void write_accounts_csv(const std::filesystem::path& path, const book& b, const base_values& base,
                        const account_reductions& r, const bound_scenarios& scenarios) {
  const bool have_scenarios = scenarios.size() > 0;
  fmt::memory_buffer out;
  fmt::format_to(std::back_inserter(out),
                 "account,mode,base_equity,base_adj_equity,base_mm,base_margin_ratio,base_imr,base_liquidated,"
                 "worst_excess,worst_scenario,scenarios_liquidated,max_deficit,max_deficit_scenario,expected_deficit\n");
  for (std::size_t a = 0; a < b.account_count(); ++a) {
    const bool portfolio = b.account_modes[a] == account_mode::portfolio;
    const double mm = base.mm[a];
    fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", b.account_ids[a],
                   portfolio ? "portfolio" : "cross", format_double(base.equity[a]), format_double(base.adj_equity[a]),
                   format_double(mm), mm != 0.0 ? format_double(base.adj_equity[a] / mm) : "",
                   portfolio ? format_double(base.imr[a]) : "", base.liquidated[a] ? 1 : 0,
                   have_scenarios ? format_double(r.worst_excess[a]) : "", scenario_id(scenarios, r.worst_scenario[a]),
                   r.scenarios_liquidated[a], format_double(r.max_deficit[a]),
                   scenario_id(scenarios, r.max_deficit_scenario[a]),
                   have_scenarios ? format_double(r.expected_deficit[a]) : "");
  }
  write_text(path, fmt::to_string(out));
}

void write_scenarios_csv(const std::filesystem::path& path, const book& b, const scenario_reductions& r,
                         const bound_scenarios& scenarios, std::int64_t fund_balance_fp) {
  fmt::memory_buffer out;
  fmt::format_to(std::back_inserter(out),
                 "scenario,weight,accounts_liquidated,isolated_liquidated,liquidated_notional,deficit,inflow,net_draw,"
                 "adl_need");
  for (int j = 1; j <= r.top_k; ++j) fmt::format_to(std::back_inserter(out), ",top{0}_account,top{0}_deficit", j);
  fmt::format_to(std::back_inserter(out), ",cover1,cover2\n");
  const auto k = static_cast<std::size_t>(r.top_k);
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    const std::int64_t net_draw = r.deficit[s] - r.inflow[s];
    fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{},{},{},{}", scenarios.ids[s],
                   format_double(scenarios.weights[s]), r.accounts_liquidated[s], r.isolated_liquidated[s],
                   format_fixed(r.liquidated_notional[s]), format_fixed(r.deficit[s]), format_fixed(r.inflow[s]),
                   format_fixed(net_draw), format_fixed(net_draw > fund_balance_fp ? net_draw - fund_balance_fp : 0));
    for (std::size_t j = 0; j < k; ++j) {
      const std::int64_t acc = r.top_account[s * k + j];
      fmt::format_to(std::back_inserter(out), ",{},{}", acc >= 0 ? b.account_ids[static_cast<std::size_t>(acc)] : "",
                     format_fixed(r.top_deficit[s * k + j]));
    }
    fmt::format_to(std::back_inserter(out), ",{},{}\n", format_fixed(r.cover1[s]), format_fixed(r.cover2[s]));
  }
  write_text(path, fmt::to_string(out));
}

void write_json(const std::filesystem::path& path, const nlohmann::ordered_json& doc) {
  write_text(path, doc.dump(2) + "\n");
}

}  // namespace riskscan
