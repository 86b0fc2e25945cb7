#include "riskscan/results_io.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <vector>

#include "riskscan/error.hpp"
#include "riskscan/output_file.hpp"
#include "riskscan/region_errors.hpp"

namespace riskscan {
namespace {

// format_double and format_fixed, appended to a buffer: the writers format millions of numbers.
void append_double(fmt::memory_buffer& out, double x) {
  const std::size_t start = out.size();
  fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}"), x);
  const std::string_view written(out.data() + start, out.size() - start);
  if (std::isfinite(x) && written.find_first_of(".eE") == std::string_view::npos) out.append(std::string_view(".0"));
}

void append_fixed(fmt::memory_buffer& out, std::int64_t value) {
  const bool negative = value < 0;
  // Magnitude as unsigned so the most negative value does not overflow.
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}{}.{:04d}"), negative ? "-" : "", magnitude / 10000,
                 magnitude % 10000);
}

void write_text(const std::filesystem::path& path, std::string_view text) {
  output_file out(path);
  out.write(text);
  out.commit();
}

std::string_view scenario_id(const bound_scenarios& scenarios, std::int32_t s) {
  return s >= 0 ? std::string_view(scenarios.ids[static_cast<std::size_t>(s)]) : std::string_view();
}

void append_account_row(fmt::memory_buffer& out, const book& b, const base_values& base, const account_reductions& r,
                        const bound_scenarios& scenarios, std::size_t a) {
  const bool have_scenarios = scenarios.size() > 0;
  const bool portfolio = b.account_modes[a] == account_mode::portfolio;
  const double mm = base.mm[a];
  auto text = [&out](std::string_view s) { out.append(s); };
  auto number = [&out](double x) {
    out.push_back(',');
    append_double(out, x);
  };
  auto optional = [&out](bool present, double x) {
    out.push_back(',');
    if (present) append_double(out, x);
  };
  text(b.account_ids[a]);
  text(portfolio ? ",portfolio" : ",cross");
  number(base.equity[a]);
  number(base.adj_equity[a]);
  number(mm);
  const std::optional<double> ratio = margin_ratio(base, a);
  optional(ratio.has_value(), ratio.value_or(0.0));
  optional(portfolio, base.imr[a]);
  text(base.liquidated[a] ? ",1" : ",0");
  optional(have_scenarios, r.worst_excess[a]);
  text(",");
  text(scenario_id(scenarios, r.worst_scenario[a]));
  fmt::format_to(std::back_inserter(out), FMT_COMPILE(",{}"), r.scenarios_liquidated[a]);
  number(r.max_deficit[a]);
  text(",");
  text(scenario_id(scenarios, r.max_deficit_scenario[a]));
  optional(have_scenarios, r.expected_deficit[a]);
  out.push_back('\n');
}

}  // namespace

std::string format_double(double x) {
  fmt::memory_buffer out;
  append_double(out, x);
  return fmt::to_string(out);
}

std::string format_fixed(std::int64_t value) {
  fmt::memory_buffer out;
  append_fixed(out, value);
  return fmt::to_string(out);
}

void write_accounts_csv(const std::filesystem::path& path, const book& b, const base_values& base,
                        const account_reductions& r, const bound_scenarios& scenarios, int threads) {
  threads = threads > 0 ? threads : omp_get_max_threads();
  output_file file(path);
  file.write(std::string_view(
      "account,mode,base_equity,base_adj_equity,base_mm,base_margin_ratio,base_imr,base_liquidated,"
      "worst_excess,worst_scenario,scenarios_liquidated,max_deficit,max_deficit_scenario,expected_deficit\n"));
  // Formatting the numbers is most of the cost (10 M accounts are 1.6 GB of text), so blocks of
  // rows are formatted on every thread and written in input order, a round of blocks at a time:
  // the file is the same as a serial write and memory stays at a few blocks per thread. Two rounds
  // alternate so that one thread writes the previous round while the others format the next one,
  // and joins them when its write is done.
  constexpr std::size_t rows_per_block = 8192;
  const std::size_t rows = b.account_count();
  const std::size_t blocks = (rows + rows_per_block - 1) / rows_per_block;
  const std::size_t round_blocks = static_cast<std::size_t>(threads) * 4;
  std::array<std::vector<fmt::memory_buffer>, 2> rounds;
  for (auto& round : rounds) round.resize(round_blocks);
  std::size_t side = 0;     // the round being formatted
  std::size_t pending = 0;  // blocks of the other round, formatted and not yet written
  auto write_pending = [&] {
    const std::vector<fmt::memory_buffer>& done = rounds[side ^ 1];
    for (std::size_t j = 0; j < pending; ++j) file.write(done[j].data(), done[j].size());
  };
  for (std::size_t first = 0; first < blocks; first += round_blocks) {
    std::vector<fmt::memory_buffer>& round = rounds[side];
    const auto count = static_cast<std::int64_t>(std::min(round_blocks, blocks - first));
    region_errors errors;  // formatting allocates: an exception must not leave the region
#pragma omp parallel num_threads(threads)
    {
#pragma omp single nowait
      errors.run(write_pending);
#pragma omp for schedule(dynamic, 1)
      for (std::int64_t j = 0; j < count; ++j) {
        errors.run([&] {
          fmt::memory_buffer& out = round[static_cast<std::size_t>(j)];
          out.clear();
          const std::size_t begin = (first + static_cast<std::size_t>(j)) * rows_per_block;
          const std::size_t end = std::min(rows, begin + rows_per_block);
          for (std::size_t a = begin; a < end; ++a) append_account_row(out, b, base, r, scenarios, a);
        });
      }
    }
    errors.rethrow();
    pending = static_cast<std::size_t>(count);
    side ^= 1;
  }
  write_pending();
  file.commit();
}

void write_scenarios_csv(const std::filesystem::path& path, const book& b, const scenario_reductions& r,
                         const bound_scenarios& scenarios, std::int64_t fund_balance_fp) {
  fmt::memory_buffer out;
  fmt::format_to(std::back_inserter(out),
                 "scenario,weight,accounts_liquidated,isolated_liquidated,liquidated_notional,deficit,inflow,net_draw,"
                 "adl_need");
  for (int j = 1; j <= r.top_k; ++j) fmt::format_to(std::back_inserter(out), ",top{0}_account,top{0}_deficit", j);
  out.append(std::string_view(",cover1,cover2\n"));
  auto fixed = [&out](std::int64_t value) {
    out.push_back(',');
    append_fixed(out, value);
  };
  const auto k = static_cast<std::size_t>(r.top_k);
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    const std::int64_t net_draw = r.deficit[s] - r.inflow[s];
    out.append(std::string_view(scenarios.ids[s]));
    out.push_back(',');
    append_double(out, scenarios.weights[s]);
    fmt::format_to(std::back_inserter(out), ",{},{}", r.accounts_liquidated[s], r.isolated_liquidated[s]);
    fixed(r.liquidated_notional[s]);
    fixed(r.deficit[s]);
    fixed(r.inflow[s]);
    fixed(net_draw);
    fixed(net_draw > fund_balance_fp ? net_draw - fund_balance_fp : 0);
    for (std::size_t j = 0; j < k; ++j) {
      const std::int64_t acc = r.top_account[s * k + j];
      out.push_back(',');
      if (acc >= 0) out.append(std::string_view(b.account_ids[static_cast<std::size_t>(acc)]));
      fixed(r.top_deficit[s * k + j]);
    }
    fixed(r.cover1[s]);
    fixed(r.cover2[s]);
    out.push_back('\n');
  }
  write_text(path, std::string_view(out.data(), out.size()));
}

void write_json(const std::filesystem::path& path, const nlohmann::ordered_json& doc) {
  // JSON is UTF-8, but a Linux path (which the manifest records) may be any bytes. Those that are
  // not UTF-8 are written as U+FFFD rather than failing the whole summary.
  write_text(path, doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
}

}  // namespace riskscan
