#pragma once
// Internal to the scenario library: reading TOML documents (scenario specs, historical events)
// with every problem reported as `file:line: column N: reason` from toml++ source regions, and
// unknown keys treated as errors (a typo must not pass silently).
#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "riskscan/error.hpp"

namespace riskscan::scenarios::detail {

class toml_reader {
 public:
  explicit toml_reader(std::string file_label) : file_(std::move(file_label)) {}

  // Parses the whole file. A syntax error is reported and nullopt returned; a missing file throws
  // missing_input_error.
  std::optional<toml::table> parse(const std::filesystem::path& path);

  void problem(const toml::source_region& where, std::string reason);
  // A problem of the whole file: reported at line 1, column 1, as a CSV file's are.
  void file_problem(std::string reason);
  const problem_list& problems() const noexcept { return problems_; }
  bool ok() const noexcept { return problems_.empty(); }
  const std::string& file() const noexcept { return file_; }

  // Reports every key of `table` not in `allowed` (at the key), naming `context` and the known keys.
  void check_keys(const toml::table& table, std::initializer_list<std::string_view> allowed, std::string_view context);

  // Typed lookups. Absent: nullopt, silently. Present with a wrong type: reported, nullopt.
  // `number` accepts integers and floats and requires a finite value.
  std::optional<double> number(const toml::table& t, std::string_view key, std::string_view context);
  std::optional<std::int64_t> integer(const toml::table& t, std::string_view key, std::string_view context);
  std::optional<std::string> string(const toml::table& t, std::string_view key, std::string_view context);
  std::optional<bool> boolean(const toml::table& t, std::string_view key, std::string_view context);
  // A date written as a TOML local date (2020-03-12) or a "YYYY-MM-DD" string; returned as text.
  std::optional<std::string> date(const toml::table& t, std::string_view key, std::string_view context);
  const toml::array* array(const toml::table& t, std::string_view key, std::string_view context);
  const toml::table* table(const toml::table& t, std::string_view key, std::string_view context);

  // Reports `key` as required but missing from `t`.
  void missing(const toml::table& t, std::string_view key, std::string_view context);

  // Where a key's value sits (the table's start when absent).
  static const toml::source_region& where(const toml::table& t, std::string_view key);

 private:
  std::string file_;
  problem_list problems_;
};

// Renders the first `max_listed` problems, one per line (as input_error does).
std::string render(const problem_list& problems, std::size_t max_listed = 50);

// Checks "YYYY-MM-DD" and returns its day number (days since 1970-01-01), or nullopt.
std::optional<std::int64_t> parse_iso_date(std::string_view text);

}  // namespace riskscan::scenarios::detail
