// `riskscan scan`: checks the options, loads the snapshot and scenarios, evaluates and scans the
// book with the chosen backend, and writes accounts.csv, scenarios.csv and summary.json
// (summary_json.cpp), timing each phase.
#include "riskscan/scan_command.hpp"
#include "riskscan/cpu_backend.hpp"

#include <omp.h>

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

#include "riskscan/core/fixed_point.hpp"
#include "riskscan/cuda_backend.hpp"
#include "riskscan/engine.hpp"
#include "riskscan/error.hpp"
#include "riskscan/eval_book.hpp"
#include "riskscan/output_file.hpp"
#include "riskscan/results_io.hpp"
#include "riskscan/scenarios/spec.hpp"
#include "riskscan/snapshot_io.hpp"
#include "summary_json.hpp"

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

// Equity can be negative, so the saturating core::add_total does not apply: the sum runs in
// account order and stops at the first step that leaves the range of the int64 sums.
base_totals sum_base(const base_values& base) {
  base_totals t;
  auto add = [](std::int64_t& total, double usd, const char* what) {
    if (__builtin_add_overflow(total, core::to_fixed(usd), &total) || total >= core::total_limit ||
        total <= -core::total_limit)
      throw error(exit_code::bad_input,
                  std::string("the base-state ") + what +
                      " total reaches 9.2e14 USD in magnitude, beyond the range of the 1e-4 USD " +
                      "fixed-point sums (METHODOLOGY.md 8); the snapshot holds implausible " + "balances or positions");
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
      print("%s: %5.1f%% (%zu / %zu scenarios, %.1f s)", phase_, total ? 100.0 * double(done) / double(total) : 100.0,
            done, total, seconds_since(start_));
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

// The option checks of run_scan, which callers other than the CLI (tests, benchmarks) reach
// without CLI11's checks; the bounds are the ones the CLI checks. Returns the fund balance in
// fixed point.
std::int64_t check_options(const scan_options& o) {
  if (o.top_k < min_top_k || o.top_k > max_top_k)
    throw usage_error("--top-k must be between " + std::to_string(min_top_k) + " and " + std::to_string(max_top_k));
  if (!(o.max_slippage >= 0.0) || !std::isfinite(o.max_slippage)) throw usage_error("--max-slippage must be >= 0");
  if (!(o.imr_factor > 0.0) || !std::isfinite(o.imr_factor)) throw usage_error("--imr-factor must be > 0");
  if (o.gpu_memory_mib > (std::size_t{1} << 30)) throw usage_error("--gpu-memory must be at most 2^30 MiB");
  if (o.threads < 0) throw usage_error("--threads must be >= 0");
  const std::int64_t fund_fp = to_fixed_checked(o.fund_balance, "--fund-balance");
  if (fund_fp < 0) throw usage_error("--fund-balance must be >= 0");
  return fund_fp;
}

// What the evaluation of a book under a scenario set leaves for the outputs.
struct scan_results {
  base_values base;
  base_totals base_sum;
  scan_reductions reductions;
  fund_sizing fund;
};

// Prepares the book, evaluates the base state, scans every scenario with `impl`, checks the
// result and sizes the fund; times each phase into `t`.
scan_results evaluate(const scan_options& o, const book& b, const bound_scenarios& scenarios, backend& impl,
                      std::int64_t fund_fp, phase_progress& progress, scan_timings& t) {
  scan_config config;
  config.params = {o.max_slippage, o.imr_factor};
  config.fund_balance_fp = fund_fp;
  config.top_k = o.top_k;
  config.threads = o.threads;
  config.device_memory_limit = o.gpu_memory_mib << 20;
  config.progress = [&progress](std::size_t done, std::size_t total) { progress.update(done, total); };

  progress.begin("prepare");
  const eval_book prepared(b, o.threads);
  const std::vector<std::int64_t> groups = cover_groups(b);
  t.prepare = progress.end();

  scan_results r;
  progress.begin("base state");
  r.base = evaluate_base(prepared, config);
  r.base_sum = sum_base(r.base);
  t.base = progress.end();

  progress.begin("scan");
  r.reductions = impl.scan(prepared, groups, scenarios, config);
  t.scan = progress.end();
  check_totals(scenarios, r.reductions.scenarios);
  check_account_values(b, r.base, r.reductions.accounts, scenarios.size() > 0);

  r.fund = size_fund(scenarios, r.reductions.scenarios, fund_fp);
  return r;
}

scan_summary make_summary(const book& b, const bound_scenarios& scenarios, const backend& used, const scan_results& r,
                          double scan_seconds) {
  const std::size_t pairs = b.account_count() * scenarios.size();
  scan_summary summary;
  summary.accounts = b.account_count();
  summary.scenarios = scenarios.size();
  summary.backend = used.name();
  summary.threads = used.threads();
  summary.scan_seconds = scan_seconds;
  summary.pairs_per_second = scan_seconds > 0 ? static_cast<double>(pairs) / scan_seconds : 0.0;
  summary.base_liquidated = static_cast<std::size_t>(r.base_sum.liquidated);
  const auto& sc = r.reductions.scenarios;
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    const double draw = static_cast<double>(sc.deficit[s] - sc.inflow[s]) / core::fixed_scale;
    if (summary.worst_scenario.empty() || draw > summary.worst_net_draw) {
      summary.worst_scenario = scenarios.ids[s];
      summary.worst_net_draw = draw;
    }
  }
  summary.cover2 = r.fund.cover2;
  summary.recommended_fund = r.fund.recommended_fund;
  return summary;
}

}  // namespace

scan_summary run_scan(const scan_options& o) {
  const auto started = clock_type::now();
  const std::int64_t fund_fp = check_options(o);

  // Taken before the load, so that a second run on the same directory fails at once.
  output_directory out_dir(o.out);

  phase_progress progress(o.progress);
  scan_timings t;
  progress.begin("load snapshot");
  const loaded_snapshot snap = load_snapshot(o.snapshot, o.threads);
  t.load_snapshot = progress.end();

  progress.begin("load scenarios");
  scenarios::scenario_source_info scenario_info;
  const scenario_set set = scenarios::load_scenarios(o.scenarios, &snap.data.factors, o.threads, &scenario_info);
  const bound_scenarios scenarios = bind_scenarios(snap.data, set, o.scenarios.filename().string());
  t.load_scenarios = progress.end();

  const std::size_t pairs = snap.data.account_count() * scenarios.size();
  const chosen_backend chosen = choose_backend(o, pairs);
  const scan_results r = evaluate(o, snap.data, scenarios, *chosen.impl, fund_fp, progress, t);

  progress.begin("write outputs");
  out_dir.begin_writing({"accounts.csv", "scenarios.csv", "summary.json"});
  write_accounts_csv(o.out / "accounts.csv", snap.data, r.base, r.reductions.accounts, scenarios, o.threads);
  write_scenarios_csv(o.out / "scenarios.csv", snap.data, r.reductions.scenarios, scenarios, fund_fp);
  t.write = progress.end();
  t.total = seconds_since(started);
  write_json(o.out / "summary.json", summary_json({o, snap, scenario_info, scenarios.size(), r.base_sum, r.fund,
                                                   fund_fp, *chosen.impl, chosen.note, t, pairs}));
  out_dir.finish();
  return make_summary(snap.data, scenarios, *chosen.impl, r, t.scan);
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
