#include "riskscan/scenarios/spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

#include "riskscan/csv_reader.hpp"
#include "riskscan/error.hpp"
#include "riskscan/scenario_io.hpp"
#include "riskscan/scenarios/factor_info.hpp"
#include "riskscan/scenarios/grid.hpp"
#include "riskscan/scenarios/historical.hpp"
#include "riskscan/scenarios/monte_carlo.hpp"
#include "riskscan/sha256.hpp"
#include "toml_util.hpp"

namespace riskscan::scenarios {

namespace {

using detail::toml_reader;

input_file_info describe_file(const std::filesystem::path& path, std::size_t rows) {
  const csv::file f = csv::read_file(path);
  input_file_info info;
  info.path = path.string();
  info.sha256 = sha256_hex(f.bytes());
  info.rows = rows;
  return info;
}

std::filesystem::path resolve_path(const std::filesystem::path& spec, const std::string& p) {
  const std::filesystem::path path(p);
  return path.is_absolute() ? path : spec.parent_path() / path;
}

// One generator of the spec, ready to run.
struct job {
  toml::source_region where;  // the generator's table: jobs run in document order
  std::string context;        // "[[grid]] #2", for reports
  std::string description;
  std::function<scenario_set(int)> run;
};

// Everything the generators share.
struct context {
  std::filesystem::path spec;
  toml_reader& in;
  bool have_factors = false;              // columns fixed (snapshot or [[factor]])
  std::vector<factor_info> factors;       // the columns when have_factors
  std::unordered_set<std::string> known;  // ids named by the snapshot or [[factor]] (for typo checks)
  scenario_source_info info;
};

// The file a spec key names (relative to the spec). One that is not there is missing input
// (exit 66), said at the key that names it: the spec is where the path is to be fixed.
std::filesystem::path input_file(const context& cx, const toml::table& t, std::string_view key,
                                 const std::string& value) {
  const auto full = resolve_path(cx.spec, value);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(full, ec)) {
    const auto& at = toml_reader::where(t, key).begin;
    throw missing_input_error(fmt::format("{}:{}: column {}: {} names a missing input file {}", cx.in.file(), at.line,
                                          at.column, key, csv::printable(full.string())));
  }
  return full;
}

std::string table_context(std::string_view kind, std::size_t index) { return fmt::format("[[{}]] #{}", kind, index + 1); }

// Reads a CSV of two columns `factor,annual_vol`.
std::unordered_map<std::string, double> read_vol_file(const std::filesystem::path& path, std::size_t& rows) {
  const csv::file f = csv::read_file(path);
  problem_list problems;
  static const csv::column columns[] = {{"factor", true}, {"annual_vol", true}};
  const csv::layout l = csv::read_header(f, columns, problems);
  std::unordered_map<std::string, double> vols;
  if (problems.empty()) {
    for (const auto& s : csv::split_lines(f, l, 1, 1)) {
      csv::for_each_row(f, l, columns, s, problems, [&](csv::row& row) {
        std::string_view id;
        double vol = 0.0;
        if (!row.id(0, id) || !row.number(1, vol, csv::domain::non_negative)) return;
        if (!vols.emplace(std::string(id), vol).second) row.problem(0, fmt::format("factor {} listed twice", id));
      });
    }
  }
  if (!problems.empty()) throw input_error(problems);
  rows = vols.size();
  return vols;
}

// Reads a square correlation matrix CSV: header `factor,<A>,<B>,...`, one row per factor.
std::map<std::pair<std::string, std::string>, double> read_correlation_file(const std::filesystem::path& path,
                                                                          std::size_t& rows) {
  const csv::file f = csv::read_file(path);
  problem_list problems;
  const auto header = csv::header_names(f);
  std::map<std::pair<std::string, std::string>, double> out;
  if (header.size() < 2 || header[0] != "factor") {
    // Named by the first cell that breaks the rule: the first one, or the missing second.
    const std::string where = header.empty()          ? "factor"
                              : header[0] != "factor" ? csv::printable(header[0])
                                                      : "column 2";
    problems.add(f.name, 1, where, "header must be `factor,<factor>,<factor>,...` (a square correlation matrix)");
    throw input_error(problems);
  }
  std::vector<std::string> cols;
  for (std::size_t c = 1; c < header.size(); ++c) {
    if (!csv::is_text(header[c]))
      problems.add(f.name, 1, csv::printable(header[c]), "factor name is not UTF-8 text without control characters");
    cols.emplace_back(header[c]);
  }
  std::unordered_set<std::string> row_ids;
  csv::for_each_line(f, csv::data_lines(f), header, problems,
                     [&](std::size_t line, std::span<const std::string_view> fields) {
    const std::string id(fields[0]);
    if (std::find(cols.begin(), cols.end(), id) == cols.end()) {
      problems.add(f.name, line, "factor", fmt::format("row {} has no column", csv::printable(id)));
      return;
    }
    if (!row_ids.insert(id).second) {
      problems.add(f.name, line, "factor", fmt::format("row {} appears twice", csv::printable(id)));
      return;
    }
    for (std::size_t c = 1; c < fields.size(); ++c) {
      double rho = 0.0;
      if (!csv::parse_double(fields[c], rho)) {
        problems.add(f.name, line, csv::printable(cols[c - 1]),
                     fmt::format("\"{}\" is not a finite number", csv::printable(fields[c])));
        continue;
      }
      out[{id, cols[c - 1]}] = rho;
    }
  });
  if (problems.empty() && row_ids.size() != cols.size()) {
    for (const auto& c : cols) {
      if (!row_ids.count(c)) problems.add(f.name, 0, c, fmt::format("no row for factor {}", c));
    }
  }
  if (!problems.empty()) throw input_error(problems);
  rows = row_ids.size();
  return out;
}

std::optional<other_crypto_rule> parse_rule(toml_reader& in, const toml::table& t, std::string_view ctx) {
  const auto text = in.string(t, "other_crypto", ctx);
  if (!text) return std::nullopt;
  if (*text == "event") return other_crypto_rule::event;
  if (*text == "beta_btc") return other_crypto_rule::beta_btc;
  if (*text == "zero") return other_crypto_rule::zero;
  in.problem(toml_reader::where(t, "other_crypto"), "other_crypto must be \"event\", \"beta_btc\" or \"zero\"");
  return std::nullopt;
}

// Runs `validate` and turns a config_error into a problem at `where`.
template <class Fn>
bool check(toml_reader& in, const toml::source_region& where, std::string_view ctx, Fn&& validate) {
  try {
    validate();
    return true;
  } catch (const config_error& e) {
    in.problem(where, fmt::format("{}: {}", ctx, e.what()));
    return false;
  }
}

void read_factors(context& cx, const toml::table& doc, const std::vector<riskscan::factor>* book_factors) {
  toml_reader& in = cx.in;
  std::vector<factor_info> inline_factors;
  if (const toml::array* list = in.array(doc, "factor", "the spec")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const toml::node& node = *list->get(i);
      const std::string ctx = table_context("factor", i);
      const toml::table* t = node.as_table();
      if (t == nullptr) {
        in.problem(node.source(), ctx + " must be a table");
        continue;
      }
      in.check_keys(*t, {"id", "kind", "beta", "vol"}, ctx);
      factor_info f;
      if (auto id = in.string(*t, "id", ctx)) f.id = *id;
      if (!csv::is_name(f.id)) {
        in.problem(t->source(), ctx + " needs a non-empty \"id\" without commas or control characters");
        continue;
      }
      if (auto k = in.string(*t, "kind", ctx)) {
        if (*k == "stable") f.kind = factor_kind::stable;
        else if (*k != "crypto") in.problem(toml_reader::where(*t, "kind"), ctx + ": kind must be \"crypto\" or \"stable\"");
      }
      f.beta = f.kind == factor_kind::stable ? 0.0 : 1.0;
      if (auto b = in.number(*t, "beta", ctx)) f.beta = *b;
      if (auto v = in.number(*t, "vol", ctx)) {
        if (*v < 0.0) in.problem(toml_reader::where(*t, "vol"), ctx + ": vol must be >= 0");
        f.annual_vol = *v;
      }
      if (find_factor(inline_factors, f.id) >= 0) {
        in.problem(t->source(), fmt::format("{}: factor {} is listed twice", ctx, f.id));
        continue;
      }
      inline_factors.push_back(f);
    }
  }
  for (const auto& f : inline_factors) cx.known.insert(f.id);
  if (book_factors != nullptr) {
    cx.have_factors = true;
    cx.factors = from_book(*book_factors);
    for (const auto& f : cx.factors) cx.known.insert(f.id);
    // The snapshot decides kind and beta; the spec's entries only add annual vols (so one spec
    // serves several snapshots). Entries for factors the snapshot lacks are not columns here.
    for (const auto& s : inline_factors) {
      const auto at = find_factor(cx.factors, s.id);
      if (at < 0) continue;
      auto& b = cx.factors[static_cast<std::size_t>(at)];
      b.annual_vol = s.annual_vol;
    }
  } else if (!inline_factors.empty()) {
    cx.have_factors = true;
    cx.factors = std::move(inline_factors);
  }
}

void read_grid(context& cx, const toml::table& t, std::size_t index, std::vector<job>& jobs) {
  toml_reader& in = cx.in;
  const std::size_t before = in.problems().size();
  const std::string ctx = table_context("grid", index);
  in.check_keys(t, {"name", "mode", "factors", "range", "steps", "vol_down", "vol_up", "extreme_move", "weight",
                    "horizon_days"},
                ctx);
  grid_params p;
  if (auto v = in.string(t, "name", ctx)) p.name = *v;
  bool single = false;
  if (auto v = in.string(t, "mode", ctx)) {
    if (*v == "single_factor") single = true;
    else if (*v != "co_moving") in.problem(toml_reader::where(t, "mode"), ctx + ": mode must be \"co_moving\" or \"single_factor\"");
  }
  if (auto v = in.number(t, "range", ctx)) p.range = *v; else if (!t.get("range")) in.missing(t, "range", ctx);
  if (auto v = in.integer(t, "steps", ctx)) {
    if (*v < 1 || *v > 100001) in.problem(toml_reader::where(t, "steps"), ctx + ": steps must be an odd number in [1, 100001]");
    else p.steps = static_cast<int>(*v);
  }
  if (auto v = in.number(t, "vol_down", ctx)) p.vol_down = *v;
  if (auto v = in.number(t, "vol_up", ctx)) p.vol_up = *v;
  if (auto v = in.number(t, "extreme_move", ctx)) p.extreme_move = *v;
  if (auto v = in.number(t, "weight", ctx)) p.weight = *v;
  if (auto v = in.number(t, "horizon_days", ctx)) p.horizon_days = *v;
  if (in.problems().size() != before) return;
  if (!check(in, t.source(), ctx, [&] { validate(p); })) return;
  if (!cx.have_factors) {
    in.problem(t.source(), ctx + ": a grid needs factors: pass a snapshot or list them with [[factor]]");
    return;
  }
  std::vector<std::size_t> shocked;
  if (const toml::array* names = in.array(t, "factors", ctx)) {
    if (!single) in.problem(toml_reader::where(t, "factors"), ctx + ": factors is only for mode = \"single_factor\"");
    for (const toml::node& n : *names) {
      const auto* s = n.as_string();
      if (s == nullptr) {
        in.problem(n.source(), ctx + ": factors must be strings");
        continue;
      }
      const auto at = find_factor(cx.factors, s->get());
      if (at >= 0) shocked.push_back(static_cast<std::size_t>(at));
      else if (!cx.known.count(s->get())) in.problem(n.source(), fmt::format("{}: unknown factor {}", ctx, s->get()));
    }
  } else if (single) {
    for (std::size_t f = 0; f < cx.factors.size(); ++f) {
      if (cx.factors[f].kind == factor_kind::crypto) shocked.push_back(f);
    }
  }
  job j;
  j.where = t.source();
  j.context = ctx;
  j.description = fmt::format("grid {}: {}, range {}, steps {}, vol_down {}, vol_up {}, extreme_move {}{}", p.name,
                              single ? "single_factor" : "co_moving", p.range, p.steps, p.vol_down, p.vol_up,
                              p.extreme_move, single ? fmt::format(", {} factors", shocked.size()) : "");
  const auto factors = cx.factors;
  if (single) {
    j.run = [factors, shocked, p](int) { return single_factor_grids(factors, shocked, p); };
  } else {
    j.run = [factors, p](int) { return co_moving_grid(factors, p); };
  }
  jobs.push_back(std::move(j));
}

void read_monte_carlo(context& cx, const toml::table& t, std::size_t index, std::vector<job>& jobs) {
  toml_reader& in = cx.in;
  const std::size_t before = in.problems().size();
  const std::string ctx = table_context("monte_carlo", index);
  in.check_keys(t, {"name", "scenarios", "seed", "horizon_days", "distribution", "nu", "unit_variance", "weight", "vols",
                    "vol_file", "correlations", "correlation_file", "default_correlation"},
                ctx);
  monte_carlo_params p;
  if (auto v = in.string(t, "name", ctx)) p.name = *v;
  if (auto v = in.integer(t, "scenarios", ctx)) {
    // 10 M draws of 40 factors are 6.4 GB of returns and vol shocks already; above that a typo
    // (2^32) would run the machine out of memory instead of being reported.
    constexpr std::int64_t max_draws = 10'000'000;
    if (*v < 1 || *v > max_draws)
      in.problem(toml_reader::where(t, "scenarios"), fmt::format("{}: scenarios must be in [1, {}]", ctx, max_draws));
    else p.scenarios = static_cast<std::uint64_t>(*v);
  } else if (!t.get("scenarios")) {
    in.missing(t, "scenarios", ctx);
  }
  if (auto v = in.integer(t, "seed", ctx)) {
    if (*v < 0) in.problem(toml_reader::where(t, "seed"), ctx + ": seed must be >= 0");
    else p.seed = static_cast<std::uint64_t>(*v);
  } else if (!t.get("seed")) {
    in.missing(t, "seed", ctx);
  }
  if (auto v = in.number(t, "horizon_days", ctx)) p.horizon_days = *v;
  if (auto v = in.string(t, "distribution", ctx)) {
    if (*v == "student_t") p.distribution = mc_distribution::student_t;
    else if (*v != "normal") in.problem(toml_reader::where(t, "distribution"), ctx + ": distribution must be \"normal\" or \"student_t\"");
  }
  if (auto v = in.number(t, "nu", ctx)) {
    p.nu = *v;
    if (p.distribution != mc_distribution::student_t) in.problem(toml_reader::where(t, "nu"), ctx + ": nu is only for distribution = \"student_t\"");
  } else if (p.distribution == mc_distribution::student_t && !t.get("nu")) {
    in.missing(t, "nu", ctx);
  }
  if (auto v = in.boolean(t, "unit_variance", ctx)) p.unit_variance = *v;
  if (auto v = in.number(t, "weight", ctx)) p.weight = *v;
  if (!cx.have_factors) {
    in.problem(t.source(), ctx + ": Monte Carlo needs factors: pass a snapshot or list them with [[factor]]");
    return;
  }
  const std::size_t nf = cx.factors.size();
  auto unknown = [&](const std::string& id) { return find_factor(cx.factors, id) < 0 && !cx.known.count(id); };

  // Vols: monte_carlo.vols, then vol_file, then [[factor]] vol, then 0 for stablecoins.
  std::unordered_map<std::string, double> file_vols;
  if (auto path = in.string(t, "vol_file", ctx)) {
    const auto full = input_file(cx, t, "vol_file", *path);
    std::size_t rows = 0;
    file_vols = read_vol_file(full, rows);
    cx.info.inputs.push_back(describe_file(full, rows));
  }
  std::unordered_map<std::string, double> table_vols;
  if (const toml::table* vols = in.table(t, "vols", ctx)) {
    for (auto&& [key, node] : *vols) {
      const std::string id(key.str());
      if (unknown(id)) in.problem(key.source(), fmt::format("{}: vols names unknown factor {}", ctx, id));
      double v = 0.0;
      if (const auto* i = node.as_integer()) v = static_cast<double>(i->get());
      else if (const auto* f = node.as_floating_point()) v = f->get();
      else {
        in.problem(node.source(), fmt::format("{}: vols.{} must be a number", ctx, id));
        continue;
      }
      if (!(std::isfinite(v) && v >= 0.0)) in.problem(node.source(), fmt::format("{}: vols.{} must be finite and >= 0", ctx, id));
      table_vols[id] = v;
    }
  }
  std::vector<double> vols(nf, 0.0);
  for (std::size_t f = 0; f < nf; ++f) {
    const auto& id = cx.factors[f].id;
    if (auto it = table_vols.find(id); it != table_vols.end()) vols[f] = it->second;
    else if (auto it2 = file_vols.find(id); it2 != file_vols.end()) vols[f] = it2->second;
    else if (!std::isnan(cx.factors[f].annual_vol)) vols[f] = cx.factors[f].annual_vol;
    else if (cx.factors[f].kind == factor_kind::stable) vols[f] = 0.0;
    else {
      in.problem(t.source(), fmt::format("{}: no annual vol for factor {} (give it with [[factor]] vol, "
                                         "monte_carlo.vols or vol_file)", ctx, id));
    }
  }

  // Correlations: explicit pairs, then correlation_file, then default_correlation for two crypto
  // factors, then 0.
  std::vector<double> corr(nf * nf, 0.0);
  double default_rho = 0.0;
  if (auto v = in.number(t, "default_correlation", ctx)) {
    if (*v < -1.0 || *v > 1.0) in.problem(toml_reader::where(t, "default_correlation"), ctx + ": default_correlation must be in [-1, 1]");
    default_rho = *v;
  }
  std::vector<char> set_by_file(nf * nf, 0);
  if (auto path = in.string(t, "correlation_file", ctx)) {
    const auto full = input_file(cx, t, "correlation_file", *path);
    std::size_t rows = 0;
    const auto entries = read_correlation_file(full, rows);
    cx.info.inputs.push_back(describe_file(full, rows));
    for (const auto& [pair, rho] : entries) {
      const auto a = find_factor(cx.factors, pair.first);
      const auto b = find_factor(cx.factors, pair.second);
      if (a < 0 || b < 0) continue;  // the file may cover more factors than the set has
      corr[static_cast<std::size_t>(a) * nf + static_cast<std::size_t>(b)] = rho;
      set_by_file[static_cast<std::size_t>(a) * nf + static_cast<std::size_t>(b)] = 1;
    }
  }
  for (std::size_t i = 0; i < nf; ++i) {
    for (std::size_t j = 0; j < nf; ++j) {
      if (set_by_file[i * nf + j]) continue;
      if (i == j) corr[i * nf + j] = 1.0;
      else if (cx.factors[i].kind == factor_kind::crypto && cx.factors[j].kind == factor_kind::crypto) corr[i * nf + j] = default_rho;
    }
  }
  if (const toml::array* pairs = in.array(t, "correlations", ctx)) {
    for (const toml::node& n : *pairs) {
      const toml::array* pair = n.as_array();
      if (pair == nullptr || pair->size() != 3 || !pair->get(0)->is_string() || !pair->get(1)->is_string() ||
          !pair->get(2)->is_number()) {
        in.problem(n.source(), ctx + ": each correlations entry must be [\"A\", \"B\", rho]");
        continue;
      }
      const std::string a = pair->get(0)->as_string()->get();
      const std::string b = pair->get(1)->as_string()->get();
      const toml::node* rn = pair->get(2);
      const double rho = rn->is_integer() ? static_cast<double>(rn->as_integer()->get()) : rn->as_floating_point()->get();
      for (const auto& id : {a, b}) {
        if (unknown(id)) in.problem(n.source(), fmt::format("{}: correlations names unknown factor {}", ctx, id));
      }
      if (a == b) {
        in.problem(n.source(), fmt::format("{}: correlation of {} with itself is always 1", ctx, a));
        continue;
      }
      const auto ia = find_factor(cx.factors, a);
      const auto ib = find_factor(cx.factors, b);
      if (ia < 0 || ib < 0) continue;
      corr[static_cast<std::size_t>(ia) * nf + static_cast<std::size_t>(ib)] = rho;
      corr[static_cast<std::size_t>(ib) * nf + static_cast<std::size_t>(ia)] = rho;
    }
  }
  if (in.problems().size() != before) return;
  std::vector<std::string> names;
  for (const auto& f : cx.factors) names.push_back(f.id);
  auto model = std::make_shared<monte_carlo_model>();
  if (!check(in, t.source(), ctx, [&] { *model = make_monte_carlo_model(names, vols, corr, p); })) return;
  job j;
  j.where = t.source();
  j.context = ctx;
  j.description = fmt::format("monte_carlo {}: {} scenarios, seed {}, horizon_days {}, {}{}, {} factors", p.name,
                              p.scenarios, p.seed, p.horizon_days,
                              p.distribution == mc_distribution::normal ? "normal" : "student_t",
                              p.distribution == mc_distribution::normal
                                  ? std::string()
                                  : fmt::format(" nu {}{}", p.nu, p.unit_variance ? " unit_variance" : ""),
                              nf);
  cx.info.seeds.push_back(p.seed);
  j.run = [model](int threads) { return generate_monte_carlo(*model, threads); };
  jobs.push_back(std::move(j));
}

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
        in.problem(wanted_nodes[k]->source(), fmt::format("{}: no event \"{}\" in {} (there are: {})", ctx, wanted[k], dir.string(), ids));
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
    if (*v < 1 || *v > 100000) in.problem(toml_reader::where(t, "horizon_days"), ctx + ": horizon_days must be an integer >= 1");
    else p.horizon_days = static_cast<int>(*v);
  }
  if (auto v = in.integer(t, "step_days", ctx)) {
    if (*v < 1 || *v > 100000) in.problem(toml_reader::where(t, "step_days"), ctx + ": step_days must be an integer >= 1");
    else p.step_days = static_cast<int>(*v);
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

void read_file_generator(context& cx, const toml::table& t, std::size_t index, std::vector<job>& jobs) {
  toml_reader& in = cx.in;
  const std::size_t before = in.problems().size();
  const std::string ctx = table_context("file", index);
  in.check_keys(t, {"path"}, ctx);
  const auto path = in.string(t, "path", ctx);
  if (!path) {
    if (!t.get("path")) in.missing(t, "path", ctx);
    return;
  }
  if (in.problems().size() != before) return;
  const auto full = input_file(cx, t, "path", *path);
  input_file_info file_info;
  auto set = std::make_shared<scenario_set>(read_scenario_csv(full, &file_info));
  cx.info.inputs.push_back(file_info);
  if (cx.have_factors) {
    problem_list problems;
    for (const auto& f : set->factors) {
      if (find_factor(cx.factors, f) < 0) {
        problems.add(full.string(), 1, "r:" + f, fmt::format("factor {} is not one of the set's factors", f));
      }
    }
    if (!problems.empty()) throw input_error(problems);
  }
  job j;
  j.where = t.source();
  j.context = ctx;
  j.description = fmt::format("file: {} ({} scenarios)", full.string(), set->size());
  j.run = [set](int) { return *set; };
  jobs.push_back(std::move(j));
}

}  // namespace

bool is_scenario_spec(const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".toml";
}

scenario_set load_scenario_spec(const std::filesystem::path& spec, const std::vector<riskscan::factor>* book_factors,
                                int threads, scenario_source_info* info) {
  toml_reader in(spec.string());
  const auto doc = in.parse(spec);
  if (!doc) throw config_error(detail::render(in.problems()));
  context cx{spec, in, false, {}, {}, {}};
  cx.info.inputs.push_back(describe_file(spec, 0));
  in.check_keys(*doc, {"version", "factor", "grid", "monte_carlo", "events", "price_history", "file"}, "the spec");
  if (auto v = in.integer(*doc, "version", "the spec"); v && *v != 1) {
    in.problem(toml_reader::where(*doc, "version"), "version must be 1");
  }
  read_factors(cx, *doc, book_factors);

  using reader = void (*)(context&, const toml::table&, std::size_t, std::vector<job>&);
  const std::pair<std::string_view, reader> kinds[] = {{"grid", read_grid},
                                                       {"monte_carlo", read_monte_carlo},
                                                       {"events", read_events},
                                                       {"price_history", read_price_history_table},
                                                       {"file", read_file_generator}};
  std::vector<job> jobs;
  for (const auto& [kind, read] : kinds) {
    const toml::array* list = in.array(*doc, kind, "the spec");
    if (list == nullptr) continue;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const toml::node& node = *list->get(i);
      if (const toml::table* t = node.as_table()) {
        read(cx, *t, i, jobs);
      } else {
        in.problem(node.source(), fmt::format("{} must be written as [[{}]] tables", kind, kind));
      }
    }
  }
  if (in.ok() && jobs.empty())
    in.file_problem(
        "the spec names no generator ([[grid]], [[monte_carlo]], [[events]], [[price_history]] or [[file]])");
  if (!in.ok()) throw config_error(detail::render(in.problems()));

  // Run in document order.
  std::stable_sort(jobs.begin(), jobs.end(),
                   [](const job& a, const job& b) { return a.where.begin.line < b.where.begin.line; });
  scenario_set out;
  if (cx.have_factors) out = empty_set(cx.factors);
  std::vector<std::size_t> first_scenario;  // of each job, in `jobs` order
  for (const auto& j : jobs) {
    first_scenario.push_back(out.size());
    scenario_set part = j.run(threads);
    if (out.size() == 0 && (out.factors == part.factors || out.factors.empty())) {
      out = std::move(part);
    } else {
      append_scenarios(out, part);
    }
    cx.info.generators.push_back(j.description);
  }
  if (const auto repeat = first_repeated_id(out)) {
    const auto job_of = [&](std::size_t s) -> const job& {
      return jobs[static_cast<std::size_t>(std::upper_bound(first_scenario.begin(), first_scenario.end(), s) -
                                           first_scenario.begin() - 1)];
    };
    const job& earlier = job_of(repeat->first);
    const job& later = job_of(repeat->second);
    in.problem(later.where, fmt::format("{}: scenario id \"{}\" is also produced by {} on line {} (give the generators "
                                        "distinct `name` prefixes)",
                                        later.context, csv::printable(out.ids[repeat->second]), earlier.context,
                                        earlier.where.begin.line));
    throw config_error(detail::render(in.problems()));
  }
  if (info != nullptr) *info = std::move(cx.info);
  return out;
}

scenario_set load_scenarios(const std::filesystem::path& file, const std::vector<riskscan::factor>* book_factors,
                            int threads, scenario_source_info* info) {
  if (is_scenario_spec(file)) return load_scenario_spec(file, book_factors, threads, info);
  input_file_info file_info;
  scenario_set set = read_scenario_csv(file, &file_info);
  if (info != nullptr) {
    *info = {};
    info->inputs.push_back(file_info);
    info->generators.push_back(fmt::format("file: {} ({} scenarios)", file.string(), set.size()));
  }
  return set;
}

}  // namespace riskscan::scenarios
