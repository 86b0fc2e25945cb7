#include "riskscan/scenarios/historical.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "riskscan/csv_reader.hpp"
#include "riskscan/error.hpp"
#include "toml_util.hpp"

namespace riskscan::scenarios {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Named returns of one scenario, plus what fills the factors it does not name.
struct named_returns {
  std::unordered_map<std::string, double> r;
  std::unordered_map<std::string, double> v;
  std::optional<double> other_crypto;  // the event's own "other crypto" move
};

double fill_crypto(const named_returns& row, const factor_info& f, other_crypto_rule rule) {
  if (rule == other_crypto_rule::zero) return 0.0;
  if (rule == other_crypto_rule::event && row.other_crypto) return *row.other_crypto;
  const auto btc = row.r.find("BTC");
  return btc == row.r.end() ? 0.0 : f.beta * btc->second;
}

void write_row(scenario_set& set, std::size_t s, const std::vector<factor_info>& factors, const named_returns& row,
               other_crypto_rule rule) {
  for (std::size_t f = 0; f < factors.size(); ++f) {
    const auto it = row.r.find(factors[f].id);
    double r = 0.0;
    if (it != row.r.end()) {
      r = it->second;
    } else if (factors[f].kind == factor_kind::crypto) {
      r = fill_crypto(row, factors[f], rule);
    }
    set.ret(s, f) = std::max(-1.0, r);
    const auto v = row.v.find(factors[f].id);
    if (v != row.v.end()) set.vol(s, f) = v->second;
  }
}

}  // namespace

std::filesystem::path default_events_dir() {
  return std::filesystem::path(RS_SOURCE_DIR) / "scenarios" / "data" / "events";
}

namespace {

// The [other_crypto] table of an event: one return for every crypto factor it does not move.
void read_other_crypto(detail::toml_reader& in, const toml::table& t, market_event& e) {
  const toml::table* other = in.table(t, "other_crypto", "event");
  if (other == nullptr) return;
  in.check_keys(*other, {"r", "source"}, "[other_crypto]");
  const auto r = in.number(*other, "r", "other_crypto");
  const auto source = in.string(*other, "source", "other_crypto");
  if (!r) {
    if (!other->get("r")) in.missing(*other, "r", "[other_crypto]");
  } else if (*r < -1.0) {
    in.problem(detail::toml_reader::where(*other, "r"), "other_crypto.r must be >= -1");
  }
  if (!source || source->empty())
    in.problem(other->source(), "other_crypto needs a non-empty \"source\" for its number");
  if (r) {
    e.has_other_crypto = true;
    e.other_crypto = *r;
    e.other_crypto_source = source.value_or("");
  }
}

// The return r and vol shock v of one [[move]], each with its source.
void read_move_numbers(detail::toml_reader& in, const toml::table& m, event_move& mv) {
  if (auto r = in.number(m, "r", "move")) {
    if (*r < -1.0) in.problem(detail::toml_reader::where(m, "r"), fmt::format("r of {} must be >= -1", mv.factor));
    mv.r = *r;
  } else if (!m.get("r")) {
    in.missing(m, "r", fmt::format("the move of {}", mv.factor));
  }
  if (auto src = in.string(m, "source", "move"); src && !src->empty()) {
    mv.source = *src;
  } else {
    in.problem(m.source(), fmt::format("the move of {} needs a non-empty \"source\" for its number", mv.factor));
  }
  if (auto v = in.number(m, "v", "move")) {
    if (*v < -1.0) in.problem(detail::toml_reader::where(m, "v"), fmt::format("v of {} must be >= -1", mv.factor));
    mv.has_v = true;
    mv.v = *v;
    if (auto src = in.string(m, "v_source", "move"); src && !src->empty()) {
      mv.v_source = *src;
    } else {
      in.problem(m.source(), fmt::format("the vol shock of {} needs a non-empty \"v_source\"", mv.factor));
    }
  } else if (m.get("v_source") && !m.get("v")) {
    in.problem(detail::toml_reader::where(m, "v_source"), "v_source without v");
  }
}

// The [[move]] tables of an event: a factor each, at most once.
void read_moves(detail::toml_reader& in, const toml::table& t, market_event& e) {
  const toml::array* moves = in.array(t, "move", "event");
  if (moves == nullptr) return;
  std::unordered_set<std::string> seen;
  for (const toml::node& node : *moves) {
    const toml::table* m = node.as_table();
    if (m == nullptr) {
      in.problem(node.source(), "each [[move]] must be a table");
      continue;
    }
    in.check_keys(*m, {"factor", "kind", "r", "source", "v", "v_source"}, "[[move]]");
    event_move mv;
    if (auto v = in.string(*m, "factor", "move")) mv.factor = *v;
    if (!csv::is_name(mv.factor)) {
      in.problem(m->source(), "[[move]] needs a non-empty \"factor\" without commas or control characters");
      continue;
    }
    if (!seen.insert(mv.factor).second) in.problem(m->source(), fmt::format("factor {} has two moves", mv.factor));
    if (auto k = in.string(*m, "kind", "move")) {
      if (*k == "stable")
        mv.kind = factor_kind::stable;
      else if (*k != "crypto")
        in.problem(detail::toml_reader::where(*m, "kind"), "kind must be \"crypto\" or \"stable\"");
    }
    read_move_numbers(in, *m, mv);
    e.moves.push_back(std::move(mv));
  }
}

// The id, title, dates, horizon and description of an event.
void read_event_header(detail::toml_reader& in, const toml::table& t, market_event& e) {
  if (auto v = in.string(t, "id", "event")) e.id = *v;
  const toml::source_position id_at = detail::toml_reader::where(t, "id").begin;
  e.id_line = id_at.line;
  e.id_column = id_at.column;
  if (!csv::is_name(e.id)) {
    in.problem(detail::toml_reader::where(t, "id"),
               "event needs a non-empty \"id\" without commas or control characters");
  }
  if (auto v = in.string(t, "title", "event"))
    e.title = *v;
  else
    in.missing(t, "title", "event");
  if (auto v = in.date(t, "start_date", "event"))
    e.start_date = *v;
  else if (!t.get("start_date"))
    in.missing(t, "start_date", "event");
  if (auto v = in.date(t, "end_date", "event"))
    e.end_date = *v;
  else if (!t.get("end_date"))
    in.missing(t, "end_date", "event");
  if (!e.start_date.empty() && !e.end_date.empty() && e.end_date < e.start_date) {
    in.problem(detail::toml_reader::where(t, "end_date"), "end_date is before start_date");
  }
  if (auto v = in.number(t, "horizon_days", "event")) {
    if (*v < 0.0) in.problem(detail::toml_reader::where(t, "horizon_days"), "horizon_days must be >= 0");
    e.horizon_days = *v;
  }
  if (auto v = in.string(t, "description", "event")) e.description = *v;
}

}  // namespace

market_event load_event(const std::filesystem::path& file) {
  detail::toml_reader in(file.string());
  const auto doc = in.parse(file);
  market_event e;
  e.file = file.string();
  if (!doc) throw input_error(in.problems());
  const toml::table& t = *doc;
  in.check_keys(t, {"id", "title", "start_date", "end_date", "horizon_days", "description", "other_crypto", "move"},
                "the event file");
  read_event_header(in, t, e);
  read_other_crypto(in, t, e);
  read_moves(in, t, e);
  if (e.moves.empty() && in.ok()) in.problem(t.source(), "the event has no [[move]]");
  if (!in.ok()) throw input_error(in.problems());
  return e;
}

std::vector<market_event> load_events(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw missing_input_error("missing events directory " + dir.string());
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<market_event> events;
  problem_list problems;
  std::unordered_map<std::string, std::size_t> first_with_id;  // index into events
  for (const auto& f : files) {
    try {
      events.push_back(load_event(f));
    } catch (const input_error& e) {
      problems.append(e.problems());
      continue;
    }
    const market_event& e = events.back();
    if (auto [it, fresh] = first_with_id.emplace(e.id, events.size() - 1); !fresh) {
      const market_event& first = events[it->second];
      problems.add(e.file, e.id_line, fmt::format("column {}", e.id_column),
                   fmt::format("event id \"{}\" is also used by {}:{}", e.id, first.file, first.id_line));
    }
  }
  if (!problems.empty()) throw input_error(problems);
  return events;
}

scenario_set event_scenarios(const std::vector<market_event>& events, const std::vector<factor_info>* factors,
                             const event_params& params) {
  std::vector<factor_info> inferred;
  if (factors == nullptr) {
    std::unordered_set<std::string> seen;
    for (const auto& e : events) {
      for (const auto& m : e.moves) {
        if (!seen.insert(m.factor).second) continue;
        factor_info f;
        f.id = m.factor;
        f.kind = m.kind;
        inferred.push_back(std::move(f));
      }
    }
    factors = &inferred;
  }
  scenario_set set = empty_set(*factors);
  for (const auto& e : events) {
    named_returns row;
    for (const auto& m : e.moves) {
      row.r.emplace(m.factor, m.r);
      if (m.has_v) row.v.emplace(m.factor, m.v);
    }
    if (e.has_other_crypto) row.other_crypto = e.other_crypto;
    const double horizon = params.horizon_days >= 0.0 ? params.horizon_days : e.horizon_days;
    const std::size_t s = set.add(fmt::format("{}:{}", params.name, e.id), params.weight, horizon);
    write_row(set, s, *factors, row, params.other_crypto);
  }
  return set;
}

price_history read_price_history(const std::filesystem::path& path) {
  const csv::file file = csv::read_file(path);
  price_history h;
  h.file = file.path;
  problem_list problems;
  const auto header = csv::header_names(file);
  if (header.empty() || header[0] != "date") {
    const std::string rule = "the first column must be `date` (then one column of USD prices per factor)";
    if (header.empty())
      problems.add(file.name, 1, "date", "missing header row: " + rule);
    else
      problems.add(file.name, 1, csv::printable(header[0]), rule);
    throw input_error(problems);
  }
  std::unordered_set<std::string> seen;
  for (std::size_t c = 1; c < header.size(); ++c) {
    std::string name(header[c]);
    if (name.empty()) problems.add(file.name, 1, fmt::format("column {}", c + 1), "empty factor name");
    if (!csv::is_text(name))
      problems.add(file.name, 1, csv::printable(name), "factor name is not UTF-8 text without control characters");
    if (!seen.insert(name).second) problems.add(file.name, 1, csv::printable(name), "duplicate column");
    h.factors.push_back(std::move(name));
  }
  if (h.factors.empty())
    problems.add(file.name, 1, "column 2", "no price columns: after `date`, one column of USD prices per factor");
  csv::for_each_line(file, csv::data_lines(file), header, problems,
                     [&](std::size_t line, std::span<const std::string_view> fields) {
                       const auto day = detail::parse_iso_date(fields[0]);
                       if (!day) {
                         problems.add(file.name, line, "date",
                                      fmt::format("\"{}\" is not a date YYYY-MM-DD", csv::printable(fields[0])));
                         return;
                       }
                       if (!h.days.empty() && *day <= h.days.back()) {
                         problems.add(file.name, line, "date",
                                      fmt::format("{} is not after the previous date {}", fields[0], h.dates.back()));
                         return;
                       }
                       h.dates.emplace_back(fields[0]);
                       h.days.push_back(*day);
                       for (std::size_t c = 1; c < fields.size(); ++c) {
                         double price = nan;
                         if (!fields[c].empty()) {
                           if (!csv::parse_double(fields[c], price)) {
                             problems.add(file.name, line, csv::printable(h.factors[c - 1]),
                                          fmt::format("\"{}\" is not a finite number", csv::printable(fields[c])));
                             price = nan;
                           } else if (!(price > 0.0)) {
                             problems.add(file.name, line, csv::printable(h.factors[c - 1]),
                                          fmt::format("price must be > 0, got {}", fields[c]));
                             price = nan;
                           }
                         }
                         h.prices.push_back(price);
                       }
                     });
  if (h.dates.empty() && problems.empty())
    problems.add(file.name, 2, "date", "no price rows: the file ends after its header");
  if (!problems.empty()) throw input_error(problems);
  return h;
}

scenario_set price_history_scenarios(const price_history& history, const std::vector<factor_info>* factors,
                                     const history_params& params) {
  if (params.horizon_days < 1)
    throw config_error(fmt::format("horizon_days must be >= 1, got {}", params.horizon_days));
  if (params.step_days < 1) throw config_error(fmt::format("step_days must be >= 1, got {}", params.step_days));
  if (!(std::isfinite(params.weight) && params.weight > 0.0)) throw config_error("weight must be > 0");
  std::vector<factor_info> inferred;
  if (factors == nullptr) {
    for (const auto& name : history.factors) {
      factor_info f;
      f.id = name;
      inferred.push_back(std::move(f));
    }
    factors = &inferred;
  }
  const other_crypto_rule rule =
      params.other_crypto == other_crypto_rule::event ? other_crypto_rule::beta_btc : params.other_crypto;
  std::unordered_map<std::int64_t, std::size_t> row_of_day;
  for (std::size_t i = 0; i < history.days.size(); ++i) row_of_day.emplace(history.days[i], i);
  const std::size_t nf = history.factors.size();
  scenario_set set = empty_set(*factors);
  std::size_t eligible = 0;
  for (std::size_t i = 0; i < history.dates.size(); ++i) {
    const std::string& date = history.dates[i];
    if (!params.from.empty() && date < params.from) continue;
    if (!params.to.empty() && date > params.to) continue;
    const auto base = row_of_day.find(history.days[i] - params.horizon_days);
    if (base == row_of_day.end()) continue;
    if (eligible++ % static_cast<std::size_t>(params.step_days) != 0) continue;
    named_returns row;
    for (std::size_t c = 0; c < nf; ++c) {
      const double p1 = history.prices[i * nf + c];
      const double p0 = history.prices[base->second * nf + c];
      if (std::isnan(p0) || std::isnan(p1)) continue;  // filled like an unnamed factor
      row.r.emplace(history.factors[c], p1 / p0 - 1.0);
    }
    const std::size_t s =
        set.add(fmt::format("{}:{}", params.name, date), params.weight, static_cast<double>(params.horizon_days));
    write_row(set, s, *factors, row, rule);
  }
  return set;
}

}  // namespace riskscan::scenarios
