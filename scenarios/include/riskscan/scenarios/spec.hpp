#pragma once
// Scenario specs: a TOML file naming one or more generators (grid, Monte Carlo, historical
// events, price-history windows, scenario CSV files) with their parameters; the full format is in
// docs/scenarios.md. Every problem in a spec (syntax, unknown key, wrong type, bad value, a
// correlation matrix that is not positive definite, ...) is a config_error (exit 78) listing each
// one as `file:line: column N: reason`. Bad data files the spec names (price history, correlation
// or vol CSV, event files) are input_errors (exit 65); missing ones missing_input_errors (exit 66).
//
// Factor columns of the result: the snapshot's factors when `book_factors` is given (kind and
// beta from the snapshot), else the spec's `[[factor]]` list, else the factors the historical and
// file generators name. Generators run in the order they appear in the file; their scenarios are
// concatenated and every scenario id must be unique.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "riskscan/book.hpp"
#include "riskscan/input_file.hpp"
#include "riskscan/scenario_set.hpp"

namespace riskscan::scenarios {

// What a run records about where its scenarios came from (for summary.json's manifest).
struct scenario_source_info {
  std::vector<input_file_info> inputs;  // the CSV or spec, then every file the spec reads
  std::vector<std::string> generators;  // one line per generator with its resolved parameters
  std::vector<std::uint64_t> seeds;     // Monte Carlo seeds, in generator order
};

// True when `file` is a spec (extension .toml, any case), false for a scenario CSV.
bool is_scenario_spec(const std::filesystem::path& file);

// Builds the scenario set a spec describes. `book_factors` may be null (no snapshot).
// `threads` <= 0: all hardware threads (results never depend on it).
scenario_set load_scenario_spec(const std::filesystem::path& spec, const std::vector<riskscan::factor>* book_factors,
                                int threads, scenario_source_info* info = nullptr);

// `riskscan scan --scenarios F` and `riskscan scenarios`: a `.toml` spec (load_scenario_spec) or a
// scenario CSV (read_scenario_csv, FORMATS.md).
scenario_set load_scenarios(const std::filesystem::path& file, const std::vector<riskscan::factor>* book_factors,
                            int threads, scenario_source_info* info = nullptr);

}  // namespace riskscan::scenarios
