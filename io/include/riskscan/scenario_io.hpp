#pragma once
// The scenario CSV of FORMATS.md: `scenario,weight,horizon_days,r:<factor>...,v:<factor>...`.
// Reading validates every row (finite numbers, r and v in [-1, max_shock], weight > 0, horizon >= 0,
// unique scenario ids and factor columns) and throws input_error listing every problem.
// Whether the factors exist is checked when the set is bound to a book (engine.hpp).
#include <filesystem>
#include <string>

#include "riskscan/input_file.hpp"
#include "riskscan/scenario_set.hpp"

namespace riskscan {

scenario_set read_scenario_csv(const std::filesystem::path& path, input_file_info* info = nullptr);

// Writes the set so that reading it back gives the same doubles (shortest round-trip form).
void write_scenario_csv(const scenario_set& set, const std::filesystem::path& path);

// A generated set (which no reader checked) against the range a scenario file must keep: throws
// input_error (exit 65) listing the values outside [-1, max_shock], the first 20 and a count.
// `source` names the spec in the report.
void check_shock_range(const scenario_set& set, const std::string& source);

}  // namespace riskscan
