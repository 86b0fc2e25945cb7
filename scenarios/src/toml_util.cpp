#include "toml_util.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <system_error>

#include "riskscan/csv_reader.hpp"

namespace riskscan::scenarios::detail {

namespace {
const char* type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}
}  // namespace

std::optional<toml::table> toml_reader::parse(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw missing_input_error("missing input file " + path.string());
  try {
    return toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    problem(e.source(), std::string(e.description()));
    return std::nullopt;
  }
}

// Reasons quote keys and values of the spec, which TOML escapes can fill with control characters.
void toml_reader::problem(const toml::source_region& where, std::string reason) {
  problems_.add(file_, where.begin.line, where.begin.column > 0 ? fmt::format("column {}", where.begin.column) : "",
                csv::printable(reason));
}

void toml_reader::file_problem(std::string reason) { problems_.add(file_, 1, "column 1", csv::printable(reason)); }

void toml_reader::check_keys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                             std::string_view context) {
  for (auto&& [key, node] : table) {
    bool known = false;
    for (auto a : allowed) known = known || key.str() == a;
    if (known) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    const auto& region = key.source().begin.line > 0 ? key.source() : node.source();
    problem(region, fmt::format("unknown key \"{}\" in {} (known keys: {})", key.str(), context, list));
  }
}

const toml::source_region& toml_reader::where(const toml::table& t, std::string_view key) {
  if (const toml::node* n = t.get(key)) return n->source();
  return t.source();
}

void toml_reader::missing(const toml::table& t, std::string_view key, std::string_view context) {
  problem(t.source(), fmt::format("{} needs key \"{}\"", context, key));
}

std::optional<double> toml_reader::number(const toml::table& t, std::string_view key, std::string_view context) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  double value = 0.0;
  if (const auto* i = n->as_integer()) {
    value = static_cast<double>(i->get());
  } else if (const auto* f = n->as_floating_point()) {
    value = f->get();
  } else {
    problem(n->source(), fmt::format("{}.{} must be a number, found {}", context, key, type_name(n->type())));
    return std::nullopt;
  }
  if (!std::isfinite(value)) {
    problem(n->source(), fmt::format("{}.{} must be finite", context, key));
    return std::nullopt;
  }
  return value;
}

std::optional<std::int64_t> toml_reader::integer(const toml::table& t, std::string_view key, std::string_view context) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  if (const auto* i = n->as_integer()) return i->get();
  problem(n->source(), fmt::format("{}.{} must be an integer, found {}", context, key, type_name(n->type())));
  return std::nullopt;
}

std::optional<std::string> toml_reader::string(const toml::table& t, std::string_view key, std::string_view context) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  if (const auto* s = n->as_string()) return s->get();
  problem(n->source(), fmt::format("{}.{} must be a string, found {}", context, key, type_name(n->type())));
  return std::nullopt;
}

std::optional<bool> toml_reader::boolean(const toml::table& t, std::string_view key, std::string_view context) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  if (const auto* b = n->as_boolean()) return b->get();
  problem(n->source(), fmt::format("{}.{} must be true or false, found {}", context, key, type_name(n->type())));
  return std::nullopt;
}

std::optional<std::string> toml_reader::date(const toml::table& t, std::string_view key, std::string_view context) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  if (const auto* d = n->as_date()) {
    const toml::date& v = d->get();
    return fmt::format("{:04}-{:02}-{:02}", v.year, v.month, v.day);
  }
  if (const auto* s = n->as_string()) {
    if (parse_iso_date(s->get())) return s->get();
    problem(n->source(), fmt::format("{}.{} must be a date YYYY-MM-DD, got \"{}\"", context, key, s->get()));
    return std::nullopt;
  }
  problem(n->source(), fmt::format("{}.{} must be a date YYYY-MM-DD, found {}", context, key, type_name(n->type())));
  return std::nullopt;
}

const toml::array* toml_reader::array(const toml::table& t, std::string_view key, std::string_view context) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return nullptr;
  if (const auto* a = n->as_array()) return a;
  problem(n->source(), fmt::format("{}.{} must be an array, found {}", context, key, type_name(n->type())));
  return nullptr;
}

const toml::table* toml_reader::table(const toml::table& t, std::string_view key, std::string_view context) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return nullptr;
  if (const auto* tb = n->as_table()) return tb;
  problem(n->source(), fmt::format("{}.{} must be a table, found {}", context, key, type_name(n->type())));
  return nullptr;
}

std::string render(const problem_list& problems, std::size_t max_listed) {
  std::string out;
  std::size_t shown = 0;
  for (const auto& p : problems.items()) {
    if (shown == max_listed) break;
    if (shown > 0) out += '\n';
    out += p.to_string();
    ++shown;
  }
  if (problems.size() > shown) out += fmt::format("\n... and {} more problems", problems.size() - shown);
  return out;
}

std::optional<std::int64_t> parse_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto digits = [&](std::size_t from, std::size_t count, int& out) {
    out = 0;
    for (std::size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int y = 0, m = 0, d = 0;
  if (!digits(0, 4, y) || !digits(5, 2, m) || !digits(8, 2, d)) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd).time_since_epoch().count();
}

}  // namespace riskscan::scenarios::detail
