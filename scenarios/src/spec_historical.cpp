// Reading a spec's historical tables: [[events]] (the shipped or a given folder of market
// events) and [[price_history]] (windows of a daily price CSV).
#include <algorithm>
#include <memory>
#include <optional>

#include "riskscan/csv_reader.hpp"
#include "riskscan/scenarios/historical.hpp"
#include "spec_reading.hpp"

namespace riskscan::scenarios::detail {

namespace {

// other_crypto = "event" | "beta_btc" | "zero"; nullopt when absent or reported.
std::optional<other_crypto_rule> parse_rule(toml_reader& in, const toml::table& t, std::string_view ctx) {
  const auto text = in.string(t, "other_crypto", ctx);
  if (!text) return std::nullopt;
  if (*text == "event") return other_crypto_rule::event;
  if (*text == "beta_btc") return other_crypto_rule::beta_btc;
  if (*text == "zero") return other_crypto_rule::zero;
  in.problem(toml_reader::where(t, "other_crypto"), "other_crypto must be \"event\", \"beta_btc\" or \"zero\"");
  return std::nullopt;
}

}  // namespace

void read_events(context& cx, const toml::table& t, std::size_t index, std::vector<job>& jobs) {
  toml_reader& in = cx.in;
  const std::size_t before = in.problems().size();
  const std::string ctx = table_context("events", index);
  in.check_keys(t, {"name", "events", "dir", "other_crypto", "weight", "horizon_days"}, ctx);
  event_params p;
  if (auto v = in.string(t, "name", ctx)) p.name = *v;
  if (auto r = parse_rule(in, t, ctx)) p.other_crypto = *r;
  if (auto v = in.number(t, "weight", ctx)) {
    if (*v <= 0.0) in.problem(toml_reader::where(t, "weight"), ctx + ": weight must be > 0");
    p.weight = *v;
  }
  if (auto v = in.number(t, "horizon_days", ctx)) {
    if (*v < 0.0) in.problem(toml_reader::where(t, "horizon_days"), ctx + ": horizon_days must be >= 0");
    p.horizon_days = *v;
  }
  if (!csv::is_name(p.name))
    in.problem(t.source(), ctx + ": name must be non-empty without commas or control characters");
  std::filesystem::path dir = default_events_dir();
  if (auto v = in.string(t, "dir", ctx)) dir = resolve_path(cx.spec, *v);
  std::vector<std::string> wanted;
  std::vector<const toml::node*> wanted_nodes;
  if (const toml::array* ids = in.array(t, "events", ctx)) {
    for (const toml::node& n : *ids) {
      if (const auto* s = n.as_string()) {
        wanted.push_back(s->get());
        wanted_nodes.push_back(&n);
      } else {
        in.problem(n.source(), ctx + ": events must be strings (event ids)");
      }
    }
  }
  if (in.problems().size() != before) return;
  auto all = load_events(dir);
  std::vector<market_event> chosen;
  if (t.get("events") == nullptr) {
    chosen = all;
  } else {
    for (std::size_t k = 0; k < wanted.size(); ++k) {
      const auto it = std::find_if(all.begin(), all.end(), [&](const market_event& e) { return e.id == wanted[k]; });
      if (it == all.end()) {
        std::string ids;
        for (const auto& e : all) ids += (ids.empty() ? "" : ", ") + e.id;
        in.problem(wanted_nodes[k]->source(),
                   fmt::format("{}: no event \"{}\" in {} (there are: {})", ctx, wanted[k], dir.string(), ids));
      } else {
        chosen.push_back(*it);
      }
    }
  }
  for (const auto& e : chosen) cx.info.inputs.push_back(describe_file(e.file, e.moves.size()));
  job j;
  j.where = t.source();
  j.context = ctx;
  j.description = fmt::format("events {}: {} events from {}", p.name, chosen.size(), dir.string());
  std::optional<std::vector<factor_info>> factors;
  if (cx.have_factors) factors = cx.factors;
  j.run = [chosen, factors, p](int) { return event_scenarios(chosen, factors ? &*factors : nullptr, p); };
  jobs.push_back(std::move(j));
}

void read_price_history_table(context& cx, const toml::table& t, std::size_t index, std::vector<job>& jobs) {
  toml_reader& in = cx.in;
  const std::size_t before = in.problems().size();
  const std::string ctx = table_context("price_history", index);
  in.check_keys(t, {"name", "file", "horizon_days", "step_days", "from", "to", "other_crypto", "weight"}, ctx);
  history_params p;
  if (auto v = in.string(t, "name", ctx)) p.name = *v;
  std::optional<std::string> file = in.string(t, "file", ctx);
  if (!file && !t.get("file")) in.missing(t, "file", ctx);
  if (auto v = in.integer(t, "horizon_days", ctx)) {
    if (*v < 1 || *v > 100000)
      in.problem(toml_reader::where(t, "horizon_days"), ctx + ": horizon_days must be an integer >= 1");
    else
      p.horizon_days = static_cast<int>(*v);
  }
  if (auto v = in.integer(t, "step_days", ctx)) {
    if (*v < 1 || *v > 100000)
      in.problem(toml_reader::where(t, "step_days"), ctx + ": step_days must be an integer >= 1");
    else
      p.step_days = static_cast<int>(*v);
  }
  if (auto v = in.date(t, "from", ctx)) p.from = *v;
  if (auto v = in.date(t, "to", ctx)) p.to = *v;
  if (auto r = parse_rule(in, t, ctx)) p.other_crypto = *r;
  if (auto v = in.number(t, "weight", ctx)) {
    if (*v <= 0.0) in.problem(toml_reader::where(t, "weight"), ctx + ": weight must be > 0");
    p.weight = *v;
  }
  if (!csv::is_name(p.name))
    in.problem(t.source(), ctx + ": name must be non-empty without commas or control characters");
  if (in.problems().size() != before || !file) return;
  const auto full = input_file(cx, t, "file", *file);
  auto history = std::make_shared<price_history>(read_price_history(full));
  cx.info.inputs.push_back(describe_file(full, history->dates.size()));
  job j;
  j.where = t.source();
  j.context = ctx;
  j.description = fmt::format("price_history {}: {} ({} dates), horizon_days {}, step_days {}", p.name, full.string(),
                              history->dates.size(), p.horizon_days, p.step_days);
  std::optional<std::vector<factor_info>> factors;
  if (cx.have_factors) factors = cx.factors;
  j.run = [history, factors, p](int) { return price_history_scenarios(*history, factors ? &*factors : nullptr, p); };
  jobs.push_back(std::move(j));
}

}  // namespace riskscan::scenarios::detail
