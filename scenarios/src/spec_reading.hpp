#pragma once
// Internal to the scenario library: reading a scenario spec (spec.cpp). Each generator table
// ([[grid]], [[monte_carlo]], ...) is read into a job; the readers of the Monte Carlo tables
// (spec_monte_carlo.cpp) and of the historical ones (spec_historical.cpp) live in files of their
// own and share what is declared here.
#include <fmt/format.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "riskscan/error.hpp"
#include "riskscan/input_file.hpp"
#include "riskscan/scenario_set.hpp"
#include "riskscan/scenarios/factor_info.hpp"
#include "riskscan/scenarios/spec.hpp"
#include "toml_util.hpp"

namespace riskscan::scenarios::detail {

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

// The manifest entry of an input file: its path, SHA-256 and `rows`.
input_file_info describe_file(const std::filesystem::path& path, std::size_t rows);

// `p` as written in the spec: relative paths are relative to the spec's folder.
std::filesystem::path resolve_path(const std::filesystem::path& spec, const std::string& p);

// The file a spec key names (relative to the spec). One that is not there is missing input
// (exit 66), said at the key that names it: the spec is where the path is to be fixed.
std::filesystem::path input_file(const context& cx, const toml::table& t, std::string_view key,
                                 const std::string& value);

// "[[kind]] #n" (1-based), naming a generator table in reports.
std::string table_context(std::string_view kind, std::size_t index);

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

// Readers of one generator table each (the index-th of its kind): report problems to cx.in and,
// when the table is sound, add its job.
void read_monte_carlo(context& cx, const toml::table& t, std::size_t index, std::vector<job>& jobs);
void read_events(context& cx, const toml::table& t, std::size_t index, std::vector<job>& jobs);
void read_price_history_table(context& cx, const toml::table& t, std::size_t index, std::vector<job>& jobs);

}  // namespace riskscan::scenarios::detail
