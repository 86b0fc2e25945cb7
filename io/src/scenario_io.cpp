// The scenario CSV of FORMATS.md: `scenario,weight,horizon_days,r:<factor>...,v:<factor>...`.
//
// column          header  cell                 rule
// scenario        R       always               unique, non-empty
// weight          -       default 1            > 0
// horizon_days    -       default 0            >= 0 (days)
// r:<factor>      -       empty = 0            in [-1, 1000] (simple return)
// v:<factor>      -       empty = 0            in [-1, 1000] (relative vol shock)
// Any other column is an error. The set's factors are the union of the r: and v: factor names,
// in the order they first appear in the header.
#include "riskscan/scenario_io.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "riskscan/csv_reader.hpp"
#include "riskscan/error.hpp"
#include "riskscan/output_file.hpp"
#include "riskscan/sha256.hpp"

namespace riskscan {

namespace {
struct shock_column {
  std::size_t column;  // index into the reader's columns
  std::size_t factor;  // index into scenario_set::factors
  bool is_return;      // r: (else v:)
};
}  // namespace

scenario_set read_scenario_csv(const std::filesystem::path& path, input_file_info* info) {
  const csv::file f = csv::read_file(path);
  enum : std::size_t { c_id, c_weight, c_horizon };
  // The known columns depend on the header: every well-formed r:/v: name is one. Anything else
  // stays unknown and read_header reports it, as it reports a repeated name.
  std::vector<csv::column> cols = {{"scenario", true}, {"weight", false}, {"horizon_days", false}};
  scenario_set set;
  std::vector<shock_column> shocks;
  for (const std::string_view name : csv::header_names(f)) {
    // A factor name that is not text stays an unknown column, reported (escaped) by read_header.
    const bool shock =
        name.size() > 2 && (name.starts_with("r:") || name.starts_with("v:")) && csv::is_text(name.substr(2));
    const bool seen = std::any_of(cols.begin(), cols.end(), [&](const csv::column& c) { return c.name == name; });
    if (!shock || seen) continue;
    const std::string factor(name.substr(2));
    auto it = std::find(set.factors.begin(), set.factors.end(), factor);
    if (it == set.factors.end()) it = set.factors.insert(set.factors.end(), factor);
    shocks.push_back({cols.size(), static_cast<std::size_t>(it - set.factors.begin()), name[0] == 'r'});
    cols.push_back({name, false});
  }

  problem_list problems;
  const csv::layout l = csv::read_header(f, cols, problems);
  std::unordered_map<std::string_view, std::size_t> first_line;  // scenario id -> line
  std::size_t rows = 0;
  for (const auto& s : csv::split_lines(f, l, 1, 1)) {
    csv::for_each_row(f, l, cols, s, problems, [&](csv::row& r) {
      ++rows;
      std::string_view id;
      if (r.id(c_id, id)) {
        const auto [it, fresh] = first_line.try_emplace(id, r.line());
        if (!fresh) r.problem(c_id, fmt::format("duplicate scenario '{}' (first on line {})", id, it->second));
      }
      double weight = 1.0, horizon = 0.0;
      r.number_or(c_weight, 1.0, weight, csv::domain::positive);
      r.number_or(c_horizon, 0.0, horizon, csv::domain::non_negative);
      const std::size_t s_index = set.add(std::string(id), weight, horizon);
      for (const shock_column& sc : shocks) {
        double value = 0.0;
        r.number_or(sc.column, 0.0, value, csv::domain::shock);
        (sc.is_return ? set.ret(s_index, sc.factor) : set.vol(s_index, sc.factor)) = value;
      }
    });
  }
  if (!problems.empty()) {
    problems.sort();
    throw input_error(std::move(problems));
  }
  if (info != nullptr) *info = {f.path, sha256_hex(f.bytes()), rows};
  return set;
}

void write_scenario_csv(const scenario_set& set, const std::filesystem::path& path) {
  // IDs go out unquoted, so one with a comma or line break could not be read back.
  const auto check_id = [](const std::string& id, const char* what) {
    if (id.empty() || id.find_first_of(",\r\n") != std::string::npos) {
      throw error(exit_code::internal, fmt::format("cannot write {} id '{}' to a scenario CSV", what, id));
    }
  };
  std::string out = "scenario,weight,horizon_days";
  for (const auto& f : set.factors) {
    check_id(f, "factor");
    out += ",r:" + f;
  }
  for (const auto& f : set.factors) out += ",v:" + f;
  out += '\n';
  // "{}" is the shortest form that reads back to the same double.
  auto to = std::back_inserter(out);
  for (std::size_t s = 0; s < set.size(); ++s) {
    check_id(set.ids[s], "scenario");
    fmt::format_to(to, "{},{},{}", set.ids[s], set.weights[s], set.horizon_days[s]);
    for (std::size_t f = 0; f < set.factor_count(); ++f) fmt::format_to(to, ",{}", set.ret(s, f));
    for (std::size_t f = 0; f < set.factor_count(); ++f) fmt::format_to(to, ",{}", set.vol(s, f));
    out += '\n';
  }

  output_file file(path);
  file.write(out);
  file.commit();
}

void check_shock_range(const scenario_set& set, const std::string& source) {
  constexpr std::size_t max_listed = 20;
  problem_list problems;
  std::size_t count = 0;
  // Where the first value past the listed ones is: the count of the rest is reported there.
  std::string rest_column, rest_scenario;
  for (std::size_t s = 0; s < set.size(); ++s) {
    for (std::size_t c = 0; c < set.factor_count(); ++c) {
      for (const auto& [prefix, value] : {std::pair{"r:", set.ret(s, c)}, std::pair{"v:", set.vol(s, c)}}) {
        if (value >= -1.0 && value <= max_shock) continue;
        if (++count <= max_listed) {
          problems.add(source, 0, prefix + set.factors[c],
                       fmt::format("scenario '{}': {} is outside [-1, {}]", set.ids[s], value, max_shock));
        } else if (count == max_listed + 1) {
          rest_column = prefix + set.factors[c];
          rest_scenario = set.ids[s];
        }
      }
    }
  }
  if (count > max_listed)
    problems.add(source, 0, rest_column,
                 fmt::format("scenario '{}' and after: {} more values outside [-1, {}]", rest_scenario,
                             count - max_listed, max_shock));
  if (!problems.empty()) throw input_error(std::move(problems));
}

}  // namespace riskscan
