#pragma once
// Writers for the output directory of `riskscan scan` (FORMATS.md "Output directory").
#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "riskscan/book.hpp"
#include "riskscan/engine.hpp"
#include "riskscan/scan_types.hpp"

namespace riskscan {

// A double in the shortest form that reads back to the same value ("0.0", "-19.999999999999996").
std::string format_double(double x);
// A fixed-point amount of 1e-4 USD with exactly 4 decimals ("-12.0500").
std::string format_fixed(std::int64_t value);

// accounts.csv, in input order. `scenarios` gives the ids of worst / max-deficit scenarios.
// Formatted on `threads` threads (0: all); the file does not depend on the count.
void write_accounts_csv(const std::filesystem::path& path, const book& b, const base_values& base,
                        const account_reductions& r, const bound_scenarios& scenarios, int threads = 0);
// scenarios.csv, in scenario-file order, with top1..topK columns.
void write_scenarios_csv(const std::filesystem::path& path, const book& b, const scenario_reductions& r,
                         const bound_scenarios& scenarios, std::int64_t fund_balance_fp);
void write_json(const std::filesystem::path& path, const nlohmann::ordered_json& doc);

}  // namespace riskscan
