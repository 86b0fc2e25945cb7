// Scenario specs: parsing the TOML document, the [[factor]], [[grid]] and [[file]] tables, and
// running every generator in document order. The Monte Carlo and historical tables are read in
// spec_monte_carlo.cpp and spec_historical.cpp.
#include "riskscan/scenarios/spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <system_error>

#include "riskscan/csv_reader.hpp"
#include "riskscan/error.hpp"
#include "riskscan/scenario_io.hpp"
#include "riskscan/scenarios/factor_info.hpp"
#include "riskscan/scenarios/grid.hpp"
#include "riskscan/sha256.hpp"
#include "spec_reading.hpp"

namespace riskscan::scenarios {

namespace detail {

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

std::string table_context(std::string_view kind, std::size_t index) {
  return fmt::format("[[{}]] #{}", kind, index + 1);
}

}  // namespace detail

namespace {

using detail::check;
using detail::context;
using detail::describe_file;
using detail::input_file;
using detail::job;
using detail::table_context;
using detail::toml_reader;

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
        if (*k == "stable")
          f.kind = factor_kind::stable;
        else if (*k != "crypto")
          in.problem(toml_reader::where(*t, "kind"), ctx + ": kind must be \"crypto\" or \"stable\"");
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
  in.check_keys(
      t, {"name", "mode", "factors", "range", "steps", "vol_down", "vol_up", "extreme_move", "weight", "horizon_days"},
      ctx);
  grid_params p;
  if (auto v = in.string(t, "name", ctx)) p.name = *v;
  bool single = false;
  if (auto v = in.string(t, "mode", ctx)) {
    if (*v == "single_factor")
      single = true;
    else if (*v != "co_moving")
      in.problem(toml_reader::where(t, "mode"), ctx + ": mode must be \"co_moving\" or \"single_factor\"");
  }
  if (auto v = in.number(t, "range", ctx))
    p.range = *v;
  else if (!t.get("range"))
    in.missing(t, "range", ctx);
  if (auto v = in.integer(t, "steps", ctx)) {
    if (*v < 1 || *v > 100001)
      in.problem(toml_reader::where(t, "steps"), ctx + ": steps must be an odd number in [1, 100001]");
    else
      p.steps = static_cast<int>(*v);
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
      if (at >= 0)
        shocked.push_back(static_cast<std::size_t>(at));
      else if (!cx.known.count(s->get()))
        in.problem(n.source(), fmt::format("{}: unknown factor {}", ctx, s->get()));
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
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
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
                                                       {"monte_carlo", detail::read_monte_carlo},
                                                       {"events", detail::read_events},
                                                       {"price_history", detail::read_price_history_table},
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
