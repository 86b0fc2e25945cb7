#include "riskscan/cpu_backend.hpp"
#include "riskscan/scan_command.hpp"

#include <omp.h>

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

#include "riskscan/build_config.hpp"
#include "riskscan/core/fixed_point.hpp"
#include "riskscan/cuda_backend.hpp"
#include "riskscan/engine.hpp"
#include "riskscan/error.hpp"
#include "riskscan/eval_book.hpp"
#include "riskscan/output_file.hpp"
#include "riskscan/results_io.hpp"
#include "riskscan/scenarios/spec.hpp"
#include "riskscan/snapshot_io.hpp"

namespace riskscan {
namespace {

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

// The reference backend keeps every (account, scenario) outcome in memory.
constexpr double reference_max_pairs = 2e7;

struct chosen_backend {
  std::unique_ptr<backend> impl;
  std::string note;  // why auto chose what it chose
};

chosen_backend choose_backend(const scan_options& o, std::size_t pairs) {
  if (o.backend == "reference") {
    if (static_cast<double>(pairs) > reference_max_pairs)
      throw config_error("the reference backend is for small inputs (at most 2e7 account-scenario pairs, got " +
                         std::to_string(pairs) + "); use --backend cpu");
    return {make_reference_backend(), ""};
  }
  if (o.backend == "cpu") return {make_cpu_backend(o.threads), ""};
  const cuda_status gpu = cuda_device_status();
  if (o.backend == "cuda") {
    if (gpu.devices == 0) throw no_gpu_error("--backend cuda: no usable GPU: " + gpu.message);
    return {make_cuda_backend(), ""};
  }
  if (gpu.devices > 0) return {make_cuda_backend(), "auto: using the GPU"};
  return {make_cpu_backend(o.threads), "auto: no usable GPU (" + gpu.message + "), fell back to cpu"};
}

std::int64_t to_fixed_checked(double usd, const char* option) {
  if (!std::isfinite(usd) || std::fabs(usd) * core::fixed_scale >= core::fixed_limit)
    throw usage_error(std::string(option) + " must be a finite amount below 9.2e14 USD");
  return core::to_fixed(usd);
}

// Base-state totals in fixed point, like every cross-account sum.
struct base_totals {
  std::int64_t equity = 0, adj_equity = 0, mm = 0, imr = 0, liquidated = 0;
};

// Equity can be negative, so the saturating core::add_total does not apply: the sum runs in
// account order and stops at the first step that leaves the range of the int64 sums.
base_totals sum_base(const base_values& base) {
  base_totals t;
  auto add = [](std::int64_t& total, double usd, const char* what) {
    if (__builtin_add_overflow(total, core::to_fixed(usd), &total) || total >= core::total_limit ||
        total <= -core::total_limit)
      throw error(exit_code::bad_input, std::string("the base-state ") + what +
                                            " total reaches 9.2e14 USD in magnitude, beyond the range of the 1e-4 USD " +
                                            "fixed-point sums (METHODOLOGY.md 8); the snapshot holds implausible " +
                                            "balances or positions");
  };
  for (std::size_t a = 0; a < base.equity.size(); ++a) {
    add(t.equity, base.equity[a], "equity");
    add(t.adj_equity, base.adj_equity[a], "adjusted equity");
    add(t.mm, base.mm[a], "maintenance margin");
    add(t.imr, base.imr[a], "initial margin");
    t.liquidated += base.liquidated[a];
  }
  return t;
}

nlohmann::ordered_json quantile_map(const std::vector<quantile_value>& values) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& v : values) out[format_double(v.q)] = v.value;
  return out;
}

// Times the phases of a scan for summary.json and, when stderr is a terminal, shows them: each
// phase as it starts, then its time; the scan also as a share of the scenarios, rewritten in
// place. At 10 M accounts loading and writing take seconds each, so a line that only appears
// for the scan left the user looking at nothing for most of the run.
class phase_progress {
 public:
  explicit phase_progress(bool show) : show_(show) {}

  void begin(const char* phase) {
    phase_ = phase;
    start_ = clock_type::now();
    if (show_) print("%s ...", phase_);
  }
  void update(std::size_t done, std::size_t total) {
    if (show_) {
      print("%s: %5.1f%% (%zu / %zu scenarios, %.1f s)", phase_,
            total ? 100.0 * double(done) / double(total) : 100.0, done, total, seconds_since(start_));
    }
  }
  // Ends the phase begun last and returns its seconds.
  double end() {
    const double seconds = seconds_since(start_);
    if (show_) {
      print("%s: %.2f s", phase_, seconds);
      std::fputc('\n', stderr);
    }
    return seconds;
  }

 private:
  // Rewrites the current line: carriage return, the text, then erase to the end of the line.
  template <class... Args>
  static void print(const char* format, Args... args) {
    std::fputc('\r', stderr);
    std::fprintf(stderr, format, args...);
    std::fputs("\x1b[K", stderr);
    std::fflush(stderr);
  }

  bool show_;
  const char* phase_ = "";
  clock_type::time_point start_ = clock_type::now();
};

}  // namespace

scan_summary run_scan(const scan_options& o) {
  const auto started = clock_type::now();
  if (o.top_k < 1 || o.top_k > max_top_k)
    throw usage_error("--top-k must be between 1 and " + std::to_string(max_top_k));
  if (!(o.max_slippage >= 0.0) || !std::isfinite(o.max_slippage)) throw usage_error("--max-slippage must be >= 0");
  if (!(o.imr_factor > 0.0) || !std::isfinite(o.imr_factor)) throw usage_error("--imr-factor must be > 0");
  if (o.gpu_memory_mib > (std::size_t{1} << 30)) throw usage_error("--gpu-memory must be at most 2^30 MiB");
  if (o.threads < 0) throw usage_error("--threads must be >= 0");
  const std::int64_t fund_fp = to_fixed_checked(o.fund_balance, "--fund-balance");
  if (fund_fp < 0) throw usage_error("--fund-balance must be >= 0");

  // Taken before the load, so that a second run on the same directory fails at once.
  output_directory out_dir(o.out);

  phase_progress progress(o.progress);
  progress.begin("load snapshot");
  const loaded_snapshot snap = load_snapshot(o.snapshot, o.threads);
  const double t_load = progress.end();

  progress.begin("load scenarios");
  scenarios::scenario_source_info scenario_info;
  const scenario_set set = scenarios::load_scenarios(o.scenarios, &snap.data.factors, o.threads, &scenario_info);
  const bound_scenarios scenarios = bind_scenarios(snap.data, set, o.scenarios.filename().string());
  const double t_scenarios = progress.end();

  const std::size_t pairs = snap.data.account_count() * scenarios.size();
  chosen_backend chosen = choose_backend(o, pairs);

  scan_config config;
  config.params = {o.max_slippage, o.imr_factor};
  config.fund_balance_fp = fund_fp;
  config.top_k = o.top_k;
  config.threads = o.threads;
  config.device_memory_limit = o.gpu_memory_mib << 20;
  config.progress = [&progress](std::size_t done, std::size_t total) { progress.update(done, total); };

  progress.begin("prepare");
  const eval_book prepared(snap.data, o.threads);
  const std::vector<std::int64_t> groups = cover_groups(snap.data);
  const double t_prepare = progress.end();

  progress.begin("base state");
  const base_values base = evaluate_base(prepared, config);
  const base_totals base_sum = sum_base(base);
  const double t_base = progress.end();

  progress.begin("scan");
  const scan_reductions reductions = chosen.impl->scan(prepared, groups, scenarios, config);
  const double t_scan = progress.end();
  check_totals(scenarios, reductions.scenarios);
  check_account_values(snap.data, base, reductions.accounts, scenarios.size() > 0);

  const fund_sizing fund = size_fund(scenarios, reductions.scenarios, fund_fp);

  progress.begin("write outputs");
  out_dir.begin_writing({"accounts.csv", "scenarios.csv", "summary.json"});
  write_accounts_csv(o.out / "accounts.csv", snap.data, base, reductions.accounts, scenarios, o.threads);
  write_scenarios_csv(o.out / "scenarios.csv", snap.data, reductions.scenarios, scenarios, fund_fp);
  const double t_write = progress.end();

  auto usd = [](std::int64_t fp) { return static_cast<double>(fp) / core::fixed_scale; };
  std::size_t portfolio_accounts = 0, isolated_positions = 0;
  for (const auto m : snap.data.account_modes) portfolio_accounts += m == account_mode::portfolio;
  for (const double m : snap.data.position_isolated) isolated_positions += is_isolated(m);

  nlohmann::ordered_json doc;
  doc["tool"] = "riskscan";
  doc["version"] = RS_VERSION;
  doc["counts"] = nlohmann::ordered_json{{"accounts", snap.data.account_count()},
                   {"portfolio_accounts", portfolio_accounts},
                   {"balances", snap.data.balance_count()},
                   {"positions", snap.data.position_count()},
                   {"isolated_positions", isolated_positions},
                   {"instruments", snap.data.instruments.size()},
                   {"assets", snap.data.assets.size()},
                   {"factors", snap.data.factors.size()},
                   {"scenarios", scenarios.size()},
                   {"base_liquidated", base_sum.liquidated}};
  doc["base"] = nlohmann::ordered_json{{"equity", usd(base_sum.equity)}, {"adj_equity", usd(base_sum.adj_equity)},
                                       {"mm", usd(base_sum.mm)},         {"imr", usd(base_sum.imr)}};
  if (fund.empty) {
    for (const char* key : {"var", "es", "p_adl", "cover1", "cover2", "recommended_fund"}) doc[key] = nullptr;
  } else {
    doc["var"] = quantile_map(fund.var);
    doc["es"] = quantile_map(fund.es);
    doc["p_adl"] = fund.p_adl;
    doc["cover1"] = fund.cover1;
    doc["cover2"] = fund.cover2;
    doc["recommended_fund"] = fund.recommended_fund;
  }
  doc["loss_variable"] = "net_draw = deficit - inflow per scenario (USD)";
  doc["quantile_method"] = quantile_method;
  doc["recommended_fund_rule"] = "max(ES_0.999, Cover-2) of this scenario set";
  doc["backend"] = nlohmann::ordered_json{{"requested", o.backend}, {"used", chosen.impl->name()}, {"device", chosen.impl->device()}};
  if (!chosen.note.empty()) doc["backend"]["note"] = chosen.note;
  doc["threads"] = chosen.impl->threads();
  const double t_total = seconds_since(started);
  doc["timings_s"] = nlohmann::ordered_json{{"load_snapshot", t_load}, {"load_scenarios", t_scenarios}, {"prepare", t_prepare},
                      {"base", t_base},          {"scan", t_scan},                {"write", t_write},
                      {"total", t_total}};
  for (const phase_time& p : chosen.impl->phases()) doc["timings_s"]["backend_" + p.name] = p.seconds;
  doc["throughput"] = nlohmann::ordered_json{{"account_scenario_pairs", pairs},
                       {"pairs_per_second", t_scan > 0 ? static_cast<double>(pairs) / t_scan : 0.0}};

  auto file_list = [](const std::vector<input_file_info>& files, nlohmann::ordered_json& list) {
    for (const auto& f : files) list.push_back({{"path", f.path}, {"sha256", f.sha256}, {"rows", f.rows}});
  };
  nlohmann::ordered_json inputs = nlohmann::ordered_json::array();
  file_list(snap.files, inputs);
  file_list(scenario_info.inputs, inputs);
  doc["manifest"] = nlohmann::ordered_json{
      {"tool_version", std::string("riskscan ") + RS_VERSION},
      {"methodology", "riskscan methodology v1"},
      {"inputs", inputs},
      {"parameters",
       {{"backend", o.backend},
        {"threads", o.threads},
        {"fund_balance", usd(fund_fp)},
        {"max_slippage", o.max_slippage},
        {"top_k", o.top_k},
        {"imr_factor", o.imr_factor},
        {"gpu_memory_mib", o.gpu_memory_mib},
        {"fixed_point_unit_usd", 1e-4}}},
      {"scenario_generators", scenario_info.generators},
      {"seed", scenario_info.seeds.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(scenario_info.seeds)}};
  if (!snap.packed_from.empty()) {
    // A snapshot pack: the CSV files it was packed from, as they were then.
    nlohmann::ordered_json sources = nlohmann::ordered_json::array();
    file_list(snap.packed_from, sources);
    doc["manifest"]["packed_from"] = sources;
  }
  write_json(o.out / "summary.json", doc);
  out_dir.finish();

  scan_summary summary;
  summary.accounts = snap.data.account_count();
  summary.scenarios = scenarios.size();
  summary.backend = chosen.impl->name();
  summary.threads = chosen.impl->threads();
  summary.scan_seconds = t_scan;
  summary.pairs_per_second = t_scan > 0 ? static_cast<double>(pairs) / t_scan : 0.0;
  summary.base_liquidated = static_cast<std::size_t>(base_sum.liquidated);
  const auto& sc = reductions.scenarios;
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    const double draw = usd(sc.deficit[s] - sc.inflow[s]);
    if (summary.worst_scenario.empty() || draw > summary.worst_net_draw) {
      summary.worst_scenario = scenarios.ids[s];
      summary.worst_net_draw = draw;
    }
  }
  summary.cover2 = fund.cover2;
  summary.recommended_fund = fund.recommended_fund;
  return summary;
}

std::string describe(const scan_summary& s, const std::filesystem::path& out) {
  std::string text = fmt::format("scanned {} accounts x {} scenarios in {:.2f} s ({}, {} threads, {:.3g} pairs/s)\n",
                                 s.accounts, s.scenarios, s.scan_seconds, s.backend, s.threads, s.pairs_per_second);
  text += fmt::format("liquidated at base: {} accounts\n", s.base_liquidated);
  if (!s.worst_scenario.empty()) {
    text += fmt::format("worst scenario: {} (net draw on the fund {:.2f} USD)\n", s.worst_scenario, s.worst_net_draw);
    text += fmt::format("Cover-2: {:.2f} USD; recommended fund max(ES 99.9%, Cover-2): {:.2f} USD\n", s.cover2,
                        s.recommended_fund);
  }
  text += fmt::format("outputs: {}/accounts.csv, scenarios.csv, summary.json\n", out.string());
  return text;
}

}  // namespace riskscan
