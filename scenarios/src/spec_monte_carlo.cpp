// Reading a spec's [[monte_carlo]] tables: the draw parameters, each factor's annual vol and the
// correlation matrix (from the table, vol and correlation CSV files, [[factor]] and defaults).
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <unordered_map>
#include <utility>

#include "riskscan/csv_reader.hpp"
#include "riskscan/scenarios/monte_carlo.hpp"
#include "spec_reading.hpp"

namespace riskscan::scenarios::detail {

namespace {

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

// Whether a spec names a factor that is neither a column nor known from the snapshot or [[factor]].
bool unknown_factor(const context& cx, const std::string& id) {
  return find_factor(cx.factors, id) < 0 && !cx.known.count(id);
}

// The draw parameters: everything but the vols and correlations.
monte_carlo_params read_params(toml_reader& in, const toml::table& t, const std::string& ctx) {
  monte_carlo_params p;
  if (auto v = in.string(t, "name", ctx)) p.name = *v;
  if (auto v = in.integer(t, "scenarios", ctx)) {
    // 10 M draws of 40 factors are 6.4 GB of returns and vol shocks already; above that a typo
    // (2^32) would run the machine out of memory instead of being reported.
    constexpr std::int64_t max_draws = 10'000'000;
    if (*v < 1 || *v > max_draws)
      in.problem(toml_reader::where(t, "scenarios"), fmt::format("{}: scenarios must be in [1, {}]", ctx, max_draws));
    else
      p.scenarios = static_cast<std::uint64_t>(*v);
  } else if (!t.get("scenarios")) {
    in.missing(t, "scenarios", ctx);
  }
  if (auto v = in.integer(t, "seed", ctx)) {
    if (*v < 0)
      in.problem(toml_reader::where(t, "seed"), ctx + ": seed must be >= 0");
    else
      p.seed = static_cast<std::uint64_t>(*v);
  } else if (!t.get("seed")) {
    in.missing(t, "seed", ctx);
  }
  if (auto v = in.number(t, "horizon_days", ctx)) p.horizon_days = *v;
  if (auto v = in.string(t, "distribution", ctx)) {
    if (*v == "student_t")
      p.distribution = mc_distribution::student_t;
    else if (*v != "normal")
      in.problem(toml_reader::where(t, "distribution"), ctx + ": distribution must be \"normal\" or \"student_t\"");
  }
  if (auto v = in.number(t, "nu", ctx)) {
    p.nu = *v;
    if (p.distribution != mc_distribution::student_t)
      in.problem(toml_reader::where(t, "nu"), ctx + ": nu is only for distribution = \"student_t\"");
  } else if (p.distribution == mc_distribution::student_t && !t.get("nu")) {
    in.missing(t, "nu", ctx);
  }
  if (auto v = in.boolean(t, "unit_variance", ctx)) p.unit_variance = *v;
  if (auto v = in.number(t, "weight", ctx)) p.weight = *v;
  return p;
}

// monte_carlo.vols: annual vols by factor id.
std::unordered_map<std::string, double> read_vol_table(context& cx, const toml::table& t, const std::string& ctx) {
  toml_reader& in = cx.in;
  std::unordered_map<std::string, double> table_vols;
  if (const toml::table* vols = in.table(t, "vols", ctx)) {
    for (auto&& [key, node] : *vols) {
      const std::string id(key.str());
      if (unknown_factor(cx, id)) in.problem(key.source(), fmt::format("{}: vols names unknown factor {}", ctx, id));
      double v = 0.0;
      if (const auto* i = node.as_integer())
        v = static_cast<double>(i->get());
      else if (const auto* f = node.as_floating_point())
        v = f->get();
      else {
        in.problem(node.source(), fmt::format("{}: vols.{} must be a number", ctx, id));
        continue;
      }
      if (!(std::isfinite(v) && v >= 0.0))
        in.problem(node.source(), fmt::format("{}: vols.{} must be finite and >= 0", ctx, id));
      table_vols[id] = v;
    }
  }
  return table_vols;
}

// Each column's annual vol: monte_carlo.vols, then vol_file, then [[factor]] vol, then 0 for
// stablecoins.
std::vector<double> read_vols(context& cx, const toml::table& t, const std::string& ctx) {
  toml_reader& in = cx.in;
  const std::size_t nf = cx.factors.size();
  std::unordered_map<std::string, double> file_vols;
  if (auto path = in.string(t, "vol_file", ctx)) {
    const auto full = input_file(cx, t, "vol_file", *path);
    std::size_t rows = 0;
    file_vols = read_vol_file(full, rows);
    cx.info.inputs.push_back(describe_file(full, rows));
  }
  const std::unordered_map<std::string, double> table_vols = read_vol_table(cx, t, ctx);
  std::vector<double> vols(nf, 0.0);
  for (std::size_t f = 0; f < nf; ++f) {
    const auto& id = cx.factors[f].id;
    if (auto it = table_vols.find(id); it != table_vols.end())
      vols[f] = it->second;
    else if (auto it2 = file_vols.find(id); it2 != file_vols.end())
      vols[f] = it2->second;
    else if (!std::isnan(cx.factors[f].annual_vol))
      vols[f] = cx.factors[f].annual_vol;
    else if (cx.factors[f].kind == factor_kind::stable)
      vols[f] = 0.0;
    else {
      in.problem(t.source(), fmt::format("{}: no annual vol for factor {} (give it with [[factor]] vol, "
                                         "monte_carlo.vols or vol_file)",
                                         ctx, id));
    }
  }
  return vols;
}

// correlations = [["A", "B", rho], ...]: sets both (A, B) and (B, A) of `corr`.
void read_correlation_pairs(context& cx, const toml::table& t, const std::string& ctx, std::vector<double>& corr) {
  toml_reader& in = cx.in;
  const std::size_t nf = cx.factors.size();
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
      const double rho =
          rn->is_integer() ? static_cast<double>(rn->as_integer()->get()) : rn->as_floating_point()->get();
      for (const auto& id : {a, b}) {
        if (unknown_factor(cx, id))
          in.problem(n.source(), fmt::format("{}: correlations names unknown factor {}", ctx, id));
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
}

// The correlation matrix, row-major: explicit pairs, then correlation_file, then
// default_correlation for two crypto factors, then 0 (1 on the diagonal).
std::vector<double> read_correlations(context& cx, const toml::table& t, const std::string& ctx) {
  toml_reader& in = cx.in;
  const std::size_t nf = cx.factors.size();
  std::vector<double> corr(nf * nf, 0.0);
  double default_rho = 0.0;
  if (auto v = in.number(t, "default_correlation", ctx)) {
    if (*v < -1.0 || *v > 1.0)
      in.problem(toml_reader::where(t, "default_correlation"), ctx + ": default_correlation must be in [-1, 1]");
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
      if (i == j)
        corr[i * nf + j] = 1.0;
      else if (cx.factors[i].kind == factor_kind::crypto && cx.factors[j].kind == factor_kind::crypto)
        corr[i * nf + j] = default_rho;
    }
  }
  read_correlation_pairs(cx, t, ctx, corr);
  return corr;
}

std::string describe(const monte_carlo_params& p, std::size_t factors) {
  return fmt::format("monte_carlo {}: {} scenarios, seed {}, horizon_days {}, {}{}, {} factors", p.name, p.scenarios,
                     p.seed, p.horizon_days, p.distribution == mc_distribution::normal ? "normal" : "student_t",
                     p.distribution == mc_distribution::normal
                         ? std::string()
                         : fmt::format(" nu {}{}", p.nu, p.unit_variance ? " unit_variance" : ""),
                     factors);
}

}  // namespace

void read_monte_carlo(context& cx, const toml::table& t, std::size_t index, std::vector<job>& jobs) {
  toml_reader& in = cx.in;
  const std::size_t before = in.problems().size();
  const std::string ctx = table_context("monte_carlo", index);
  in.check_keys(t,
                {"name", "scenarios", "seed", "horizon_days", "distribution", "nu", "unit_variance", "weight", "vols",
                 "vol_file", "correlations", "correlation_file", "default_correlation"},
                ctx);
  const monte_carlo_params p = read_params(in, t, ctx);
  if (!cx.have_factors) {
    in.problem(t.source(), ctx + ": Monte Carlo needs factors: pass a snapshot or list them with [[factor]]");
    return;
  }
  const std::vector<double> vols = read_vols(cx, t, ctx);
  const std::vector<double> corr = read_correlations(cx, t, ctx);
  if (in.problems().size() != before) return;
  std::vector<std::string> names;
  for (const auto& f : cx.factors) names.push_back(f.id);
  auto model = std::make_shared<monte_carlo_model>();
  if (!check(in, t.source(), ctx, [&] { *model = make_monte_carlo_model(names, vols, corr, p); })) return;
  job j;
  j.where = t.source();
  j.context = ctx;
  j.description = describe(p, cx.factors.size());
  cx.info.seeds.push_back(p.seed);
  j.run = [model](int threads) { return generate_monte_carlo(*model, threads); };
  jobs.push_back(std::move(j));
}

}  // namespace riskscan::scenarios::detail
