// summary.json of `riskscan scan` (FORMATS.md): counts, base totals, fund sizing, the backend,
// timings and the manifest of inputs and parameters, in a fixed key order.
#include <string>
#include <vector>

#include "riskscan/build_config.hpp"
#include "riskscan/core/fixed_point.hpp"
#include "riskscan/results_io.hpp"
#include "summary_json.hpp"

namespace riskscan {
namespace {

using json = nlohmann::ordered_json;

double usd(std::int64_t fp) { return static_cast<double>(fp) / core::fixed_scale; }

json quantile_map(const std::vector<quantile_value>& values) {
  json out = json::object();
  for (const auto& v : values) out[format_double(v.q)] = v.value;
  return out;
}

void add_files(const std::vector<input_file_info>& files, json& list) {
  for (const auto& f : files) list.push_back({{"path", f.path}, {"sha256", f.sha256}, {"rows", f.rows}});
}

json counts(const summary_inputs& in) {
  const book& b = in.snap.data;
  std::size_t portfolio_accounts = 0, isolated_positions = 0;
  for (const auto m : b.account_modes) portfolio_accounts += m == account_mode::portfolio;
  for (const double m : b.position_isolated) isolated_positions += is_isolated(m);
  return json{{"accounts", b.account_count()},
              {"portfolio_accounts", portfolio_accounts},
              {"balances", b.balance_count()},
              {"positions", b.position_count()},
              {"isolated_positions", isolated_positions},
              {"instruments", b.instruments.size()},
              {"assets", b.assets.size()},
              {"factors", b.factors.size()},
              {"scenarios", in.scenarios},
              {"base_liquidated", in.base.liquidated}};
}

// The fund figures, each null without scenarios.
void add_fund(const fund_sizing& fund, json& doc) {
  if (fund.empty) {
    for (const char* key : {"var", "es", "p_adl", "cover1", "cover2", "recommended_fund"}) doc[key] = nullptr;
    return;
  }
  doc["var"] = quantile_map(fund.var);
  doc["es"] = quantile_map(fund.es);
  doc["p_adl"] = fund.p_adl;
  doc["cover1"] = fund.cover1;
  doc["cover2"] = fund.cover2;
  doc["recommended_fund"] = fund.recommended_fund;
}

json timings(const summary_inputs& in) {
  const scan_timings& t = in.timings;
  json out{{"load_snapshot", t.load_snapshot},
           {"load_scenarios", t.load_scenarios},
           {"prepare", t.prepare},
           {"base", t.base},
           {"scan", t.scan},
           {"write", t.write},
           {"total", t.total}};
  for (const phase_time& p : in.used.phases()) out["backend_" + p.name] = p.seconds;
  return out;
}

json manifest(const summary_inputs& in) {
  const scan_options& o = in.options;
  const auto& info = in.scenario_info;
  json inputs = json::array();
  add_files(in.snap.files, inputs);
  add_files(info.inputs, inputs);
  json out{{"tool_version", std::string("riskscan ") + RS_VERSION},
           {"methodology", "riskscan methodology v1"},
           {"inputs", inputs},
           {"parameters",
            {{"backend", o.backend},
             {"threads", o.threads},
             {"fund_balance", usd(in.fund_balance_fp)},
             {"max_slippage", o.max_slippage},
             {"top_k", o.top_k},
             {"imr_factor", o.imr_factor},
             {"gpu_memory_mib", o.gpu_memory_mib},
             {"fixed_point_unit_usd", 1e-4}}},
           {"scenario_generators", info.generators},
           {"seed", info.seeds.empty() ? json(nullptr) : json(info.seeds)}};
  if (!in.snap.packed_from.empty()) {
    // A snapshot pack: the CSV files it was packed from, as they were then.
    json sources = json::array();
    add_files(in.snap.packed_from, sources);
    out["packed_from"] = sources;
  }
  return out;
}

}  // namespace

nlohmann::ordered_json summary_json(const summary_inputs& in) {
  json doc;
  doc["tool"] = "riskscan";
  doc["version"] = RS_VERSION;
  doc["counts"] = counts(in);
  doc["base"] = json{{"equity", usd(in.base.equity)},
                     {"adj_equity", usd(in.base.adj_equity)},
                     {"mm", usd(in.base.mm)},
                     {"imr", usd(in.base.imr)}};
  add_fund(in.fund, doc);
  doc["loss_variable"] = "net_draw = deficit - inflow per scenario (USD)";
  doc["quantile_method"] = quantile_method;
  doc["recommended_fund_rule"] = "max(ES_0.999, Cover-2) of this scenario set";
  doc["backend"] = json{{"requested", in.options.backend}, {"used", in.used.name()}, {"device", in.used.device()}};
  if (!in.backend_note.empty()) doc["backend"]["note"] = in.backend_note;
  doc["threads"] = in.used.threads();
  doc["timings_s"] = timings(in);
  const double scan_s = in.timings.scan;
  doc["throughput"] = json{{"account_scenario_pairs", in.pairs},
                           {"pairs_per_second", scan_s > 0 ? static_cast<double>(in.pairs) / scan_s : 0.0}};
  doc["manifest"] = manifest(in);
  return doc;
}

}  // namespace riskscan
