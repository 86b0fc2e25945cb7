#pragma once
// Internal to the I/O library: the one way riskscan splits and parses its CSV inputs (snapshot
// files and scenario CSVs), so every reader applies the FORMATS.md rules identically:
// - one header row, columns in any order; unknown, duplicate and missing required columns are errors;
// - `\n` or `\r\n` line ends; a trailing newline at EOF is fine, any other empty line is an error;
// - no quoting (IDs have no commas); a row with a field count different from the header's is an
//   error (that covers truncated rows);
// - an empty cell means "not given"; numbers are parsed with fast_float, the whole cell must be
//   consumed and the value must be finite (only `up_to_usd` may be `inf`, see domain).
// Every problem goes to a problem_list as `file:line: column: reason` (line 1 = header). Readers
// keep going after a problem so one run lists all of them.
//
// Thread safety: a `file` and its `layout` are read-only once built; `for_each_row` over distinct
// slices may run on different threads, each with its own problem_list.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "riskscan/error.hpp"
#include "riskscan/huge_pages.hpp"
#include "riskscan/threads.hpp"

namespace riskscan::csv {

// A CSV file read whole into memory. Every string_view handed out points into its bytes.
struct file {
  std::string name;  // base file name, used in problem reports (`positions.csv`)
  std::string path;  // as found
  // Not a std::string: sizing one zero-fills it before the read overwrites it, and at 10 M
  // accounts that wrote the snapshot's 1.2 GB twice. Huge pages: ID views point into it at random.
  huge_page_bytes data;
  std::size_t size = 0;
  std::string_view bytes() const noexcept { return {data.get(), size}; }
};

// Reads a file whole. Throws missing_input_error (exit 66) if it is absent or unreadable.
file read_file(const std::filesystem::path& path);

// Opens `path` for reading and gives `f` its name and path, with read_file's rules: throws
// missing_input_error (exit 66) when it is absent, not a regular file, or cannot be opened.
using input_stream = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;
input_stream open_input(const std::filesystem::path& path, file& f);

// A column a reader knows. `required`: the header must have it (whether a cell may be empty is
// decided per row by the reader).
struct column {
  std::string_view name;
  bool required = false;
};

// The header of a file bound to a reader's columns.
struct layout {
  std::vector<std::string_view> names;  // header cells, file order
  std::vector<int> field_of;            // per known column: its field index, -1 when absent
  std::size_t data_begin = 0;           // byte offset of line 2
  bool has(std::size_t c) const { return field_of[c] >= 0; }
};

// The header cells of line 1 (for readers whose columns depend on the header, like r:<factor>).
std::vector<std::string_view> header_names(const file& f);

// Reads line 1 and binds it to `columns`. Reports an empty file and unknown, duplicate and missing
// required columns (at line 1, column = the column's name).
layout read_header(const file& f, std::span<const column> columns, problem_list& problems);

// A run of whole data lines, so threads can parse parts of a file independently.
struct slice {
  std::size_t begin = 0;  // byte offsets into file::bytes
  std::size_t end = 0;
  std::size_t first_line = 0;  // line number of the line starting at `begin`
};

// Cuts the data lines into at most `parts` slices of similar size; line numbers are found by
// counting newlines on `threads` threads.
std::vector<slice> split_lines(const file& f, const layout& l, std::size_t parts, int threads);

// Number domains. Every one excludes nan and inf except positive_or_inf. shock: [-1, max_shock].
enum class domain { any, nonzero, positive, non_negative, unit_interval, shock, positive_or_inf };

// The rule of `d` that a number breaks ("must be > 0"), or nullptr when it keeps it. Whether the
// number is finite is for the caller to check first: here inf keeps `any` and `positive_or_inf`,
// and NaN keeps `any` and `nonzero`.
const char* domain_rule(double x, domain d);

// One data row being read. Cells of columns absent from the header read as empty.
class row {
 public:
  row(const file& f, const layout& l, std::span<const column> columns, std::span<const std::string_view> fields,
      std::size_t line, problem_list& problems)
      : file_(&f), layout_(&l), columns_(columns), fields_(fields), line_(line), problems_(&problems) {}

  std::size_t line() const noexcept { return line_; }
  std::string_view cell(std::size_t c) const noexcept {
    const int field = layout_->field_of[c];
    return field < 0 ? std::string_view{} : fields_[static_cast<std::size_t>(field)];
  }
  bool given(std::size_t c) const noexcept { return !cell(c).empty(); }

  // Reports `file:line: <name of column c>: reason`.
  void problem(std::size_t c, std::string reason);

  // A required ID: non-empty. False (problem reported) when missing.
  bool id(std::size_t c, std::string_view& out);
  // A required number in `d`. False (problem reported) when missing, malformed or out of domain.
  bool number(std::size_t c, double& out, domain d);
  // An optional number: an empty cell gives `fallback`.
  bool number_or(std::size_t c, double fallback, double& out, domain d);
  // A required enumeration value: `out` = its index in `options`.
  bool choice(std::size_t c, std::initializer_list<std::string_view> options, int& out);

 private:
  // A cell that is empty where a value is required. Silent when the whole column is missing from
  // the header: read_header already said so once, no need to repeat it on every row.
  bool missing(std::size_t c);

  const file* file_;
  const layout* layout_;
  std::span<const column> columns_;
  std::span<const std::string_view> fields_;
  std::size_t line_;
  problem_list* problems_;
};

// UTF-8 (FORMATS.md) without control characters, as every id must be: an id is copied into
// every output file, and a NUL or an invalid byte there would break the tools that read them.
bool is_text(std::string_view s);

// What a name from a spec needs to become (part of) an id or column name in a CSV file: non-empty
// text (is_text) without commas.
bool is_name(std::string_view s);

// A cell's bytes as printable text for a problem report: \xNN for control characters and bytes
// that are not valid UTF-8, so that a report never carries a raw invalid byte, CR or NUL.
std::string printable(std::string_view cell);

// How a problem names field i (0-based) of a line: by its header name, or by its place ("field
// 3") where the header gives it no name, so that every problem has a column.
std::string field_name(std::span<const std::string_view> names, std::size_t i);

// Parses a cell as a finite double (or +-inf when allow_inf); the whole cell must be consumed.
bool parse_double(std::string_view text, double& out, bool allow_inf = false);

// Calls fn(row&) for every data line of `s`. Empty lines and lines with the wrong number of
// fields are reported here and not passed on.
template <class Fn>
void for_each_row(const file& f, const layout& l, std::span<const column> columns, const slice& s,
                  problem_list& problems, Fn&& fn);

// Calls fn(line, fields) for every data line of `s` with as many fields as the header `names`.
// Empty lines and lines with another field count are reported here, naming the first column that
// is missing (or the first field too many), and not passed on.
template <class Fn>
void for_each_line(const file& f, const slice& s, std::span<const std::string_view> names, problem_list& problems,
                   Fn&& fn);

// All data lines of a file (line 2 to the end) as one slice.
slice data_lines(const file& f);

// Splits `line` at commas into `out` (cleared first).
void split_fields(std::string_view line, std::vector<std::string_view>& out);

// ---- implementation of the template ----

template <class Fn>
void for_each_line(const file& f, const slice& s, std::span<const std::string_view> names, problem_list& problems,
                   Fn&& fn) {
  const std::size_t expected_fields = names.size();
  std::vector<std::string_view> fields;
  fields.reserve(expected_fields);
  const std::string_view data = f.bytes();
  std::size_t line = s.first_line;
  for (std::size_t pos = s.begin; pos < s.end; ++line) {
    std::size_t eol = data.find('\n', pos);
    if (eol == std::string_view::npos || eol > s.end) eol = s.end;
    std::string_view text = data.substr(pos, eol - pos);
    pos = eol + 1;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.empty()) {
      problems.add(f.name, line, field_name(names, 0), "empty line");
      continue;
    }
    split_fields(text, fields);
    if (fields.size() < expected_fields) {
      problems.add(f.name, line, field_name(names, fields.size()),
                   "missing: the row ends after " + std::to_string(fields.size()) + " of " +
                       std::to_string(expected_fields) + " fields");
      continue;
    }
    if (fields.size() > expected_fields) {
      problems.add(f.name, line, field_name(names, expected_fields),
                   "not in the header: the row has " + std::to_string(fields.size()) + " fields, the header " +
                       std::to_string(expected_fields));
      continue;
    }
    fn(line, std::span<const std::string_view>(fields));
  }
}

template <class Fn>
void for_each_row(const file& f, const layout& l, std::span<const column> columns, const slice& s,
                  problem_list& problems, Fn&& fn) {
  for_each_line(f, s, l.names, problems, [&](std::size_t line, std::span<const std::string_view> fields) {
    row r(f, l, columns, fields, line, problems);
    fn(r);
  });
}

}  // namespace riskscan::csv
