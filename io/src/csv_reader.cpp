#include "riskscan/csv_reader.hpp"

#include <fast_float/fast_float.h>
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

#include "riskscan/scenario_set.hpp"

namespace riskscan::csv {

input_stream open_input(const std::filesystem::path& path, file& f) {
  f.name = path.filename().string();
  f.path = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw missing_input_error("missing input file " + f.path);
  input_stream in(std::fopen(f.path.c_str(), "rb"), &std::fclose);
  if (in == nullptr) throw missing_input_error("cannot open input file " + f.path);
  return in;
}

file read_file(const std::filesystem::path& path) {
  file f;
  const input_stream in = open_input(path, f);
  std::error_code ec;
  // Read up to EOF rather than trusting the size up front (the file may be growing); the extra
  // byte lets the first fread see EOF without a second buffer growth.
  const std::uintmax_t expected = std::filesystem::file_size(path, ec);
  std::size_t capacity = (ec ? std::size_t{1} << 16 : static_cast<std::size_t>(expected)) + 1;
  auto buffer = make_huge_page_bytes(capacity);
  std::size_t size = 0;
  for (;;) {
    if (size == capacity) {
      auto larger = make_huge_page_bytes(capacity * 2);
      std::memcpy(larger.get(), buffer.get(), size);
      buffer = std::move(larger);
      capacity *= 2;
    }
    const std::size_t got = std::fread(buffer.get() + size, 1, capacity - size, in.get());
    size += got;
    if (got == 0) break;
  }
  if (std::ferror(in.get()) != 0) throw missing_input_error("cannot read input file " + f.path);
  f.data = std::move(buffer);
  f.size = size;
  return f;
}

void split_fields(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      out.push_back(line.substr(start));
      return;
    }
    out.push_back(line.substr(start, comma - start));
    start = comma + 1;
  }
}

namespace {
std::string_view first_line(const file& f, std::size_t& next) {
  std::string_view data = f.bytes();
  std::size_t eol = data.find('\n');
  next = eol == std::string_view::npos ? data.size() : eol + 1;
  std::string_view line = data.substr(0, eol == std::string_view::npos ? data.size() : eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // A UTF-8 byte-order mark is not part of the first column's name (spreadsheets write one).
  if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
  return line;
}
}  // namespace

std::vector<std::string_view> header_names(const file& f) {
  std::size_t next = 0;
  const std::string_view line = first_line(f, next);
  std::vector<std::string_view> names;
  if (!line.empty()) split_fields(line, names);
  return names;
}

layout read_header(const file& f, std::span<const column> columns, problem_list& problems) {
  layout l;
  const std::string_view line = first_line(f, l.data_begin);
  l.field_of.assign(columns.size(), -1);
  if (line.empty()) {
    // Named by the first column the header should start with, as an empty data line is.
    problems.add(f.name, 1, columns.empty() ? "" : std::string(columns.front().name),
                 "missing header row: the file is empty or its first line is blank");
    l.data_begin = f.size;  // nothing to read without a header
    return l;
  }
  split_fields(line, l.names);
  for (std::size_t i = 0; i < l.names.size(); ++i) {
    const std::string_view name = l.names[i];
    const auto known = std::find_if(columns.begin(), columns.end(), [&](const column& c) { return c.name == name; });
    if (known == columns.end()) {
      problems.add(f.name, 1, field_name(l.names, i), name.empty() ? "empty column name" : "unknown column");
      continue;
    }
    int& field = l.field_of[static_cast<std::size_t>(known - columns.begin())];
    if (field >= 0) {
      problems.add(f.name, 1, std::string(name), "duplicate column");
      continue;
    }
    field = static_cast<int>(i);
  }
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].required && l.field_of[c] < 0)
      problems.add(f.name, 1, std::string(columns[c].name), "missing required column");
  }
  return l;
}

slice data_lines(const file& f) {
  const std::string_view data = f.bytes();
  const std::size_t eol = data.find('\n');
  return {eol == std::string_view::npos ? data.size() : eol + 1, data.size(), 2};
}

namespace {
// memchr from line to line: 2.6x std::count's speed on a 775 MB positions file with 40-byte
// lines (libc's memchr is vectorised for the machine; std::count widens every byte to 64 bits).
std::size_t count_newlines(std::string_view s) {
  std::size_t n = 0;
  const char* p = s.data();
  const char* const end = p + s.size();
  while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)))) != nullptr) {
    ++n;
    ++p;
  }
  return n;
}
}  // namespace

std::vector<slice> split_lines(const file& f, const layout& l, std::size_t parts, int threads) {
  const std::string_view data = f.bytes();
  const std::size_t begin = std::min(l.data_begin, data.size());
  parts = std::max<std::size_t>(parts, 1);
  std::vector<slice> slices;
  std::size_t pos = begin;
  for (std::size_t p = 0; p < parts && pos < data.size(); ++p) {
    std::size_t end = data.size();
    if (p + 1 < parts) {  // cut at the first line end after the even split point
      const std::size_t target = begin + (data.size() - begin) * (p + 1) / parts;
      const std::size_t eol = data.find('\n', std::max(target, pos));
      end = eol == std::string_view::npos ? data.size() : eol + 1;
    }
    slices.push_back({pos, end, 0});
    pos = end;
  }
  // Line numbers: count the newlines of every slice in parallel, then a prefix sum.
  std::vector<std::size_t> newlines(slices.size(), 0);
  parallel_for(slices.size(), threads, [&](std::size_t i) {
    newlines[i] = count_newlines(data.substr(slices[i].begin, slices[i].end - slices[i].begin));
  });
  std::size_t line = 2;
  for (std::size_t i = 0; i < slices.size(); ++i) {
    slices[i].first_line = line;
    line += newlines[i];
  }
  return slices;
}

namespace {
enum class parsed { ok, malformed, non_finite };

parsed parse_cell(std::string_view text, double& out) {
  const char* end = text.data() + text.size();
  const auto result = fast_float::from_chars(text.data(), end, out);
  if (result.ec != std::errc() || result.ptr != end) return parsed::malformed;
  // Debian's fast_float reads nan / inf and turns overflow into inf: the caller decides.
  return std::isfinite(out) ? parsed::ok : parsed::non_finite;
}

// `inf` spelled out, as opposed to a number too large for a double (1e400), which fast_float
// also reads as inf but which is an overflow, an error (FORMATS.md).
bool spells_infinity(std::string_view text) {
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);  // -inf: the domain check reports it
  auto lower_equals = [&](std::string_view word) {
    return text.size() == word.size() &&
           std::equal(text.begin(), text.end(), word.begin(), [](char a, char b) { return (a | 0x20) == b; });
  };
  return lower_equals("inf") || lower_equals("infinity");
}
}  // namespace

bool parse_double(std::string_view text, double& out, bool allow_inf) {
  const parsed p = parse_cell(text, out);
  return p == parsed::ok || (p == parsed::non_finite && allow_inf && std::isinf(out) && spells_infinity(text));
}

void row::problem(std::size_t c, std::string reason) {
  problems_->add(file_->name, line_, std::string(columns_[c].name), std::move(reason));
}

bool row::missing(std::size_t c) {
  if (layout_->has(c) || !columns_[c].required) problem(c, "missing value");
  return false;
}

namespace {
// Length of the printable UTF-8 character at s[i]: 1 to 4 bytes, or 0 for a control character
// or a byte that does not start a valid, shortest-form sequence.
std::size_t text_char(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return c < 0x20 || c == 0x7f ? 0 : 1;
  const std::size_t extra = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 0;
  if (extra == 0 || s.size() - i <= extra) return 0;  // not a lead byte, or cut short
  std::uint32_t cp = c & (0x7Fu >> (extra + 1));
  for (std::size_t k = 1; k <= extra; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  constexpr std::uint32_t shortest[] = {0, 0x80, 0x800, 0x10000};
  if (cp < shortest[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return extra + 1;
}

}  // namespace

bool is_text(std::string_view s) {
  for (std::size_t i = 0, n = 0; i < s.size(); i += n)
    if ((n = text_char(s, i)) == 0) return false;
  return true;
}

bool is_name(std::string_view s) { return !s.empty() && s.find(',') == std::string_view::npos && is_text(s); }

std::string printable(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (const std::size_t n = text_char(s, i); n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(s[i++]));
    }
  }
  return out;
}

std::string field_name(std::span<const std::string_view> names, std::size_t i) {
  return i < names.size() && !names[i].empty() ? printable(names[i]) : fmt::format("field {}", i + 1);
}

bool row::id(std::size_t c, std::string_view& out) {
  out = cell(c);
  if (out.empty()) return missing(c);
  if (is_text(out)) return true;
  problem(c, fmt::format("'{}' is not UTF-8 text without control characters", printable(out)));
  return false;
}

const char* domain_rule(double x, domain d) {
  switch (d) {
    case domain::any:
      return nullptr;
    case domain::nonzero:
      return x == 0.0 ? "must not be 0" : nullptr;
    case domain::positive:
    case domain::positive_or_inf:
      return x > 0.0 ? nullptr : "must be > 0";
    case domain::non_negative:
      return x >= 0.0 ? nullptr : "must be >= 0";
    case domain::unit_interval:
      return x >= 0.0 && x <= 1.0 ? nullptr : "must be in [0, 1]";
    case domain::shock:
      static_assert(max_shock == 1000.0, "keep the message in step");
      return x >= -1.0 && x <= max_shock ? nullptr : "must be in [-1, 1000]";
  }
  return nullptr;
}

bool row::number(std::size_t c, double& out, domain d) {
  const std::string_view text = cell(c);
  if (text.empty()) return missing(c);
  if (!parse_double(text, out, d == domain::positive_or_inf)) {
    const bool malformed = parse_cell(text, out) == parsed::malformed;
    problem(c, fmt::format("'{}' is not a {}number", printable(text), malformed ? "" : "finite "));
    return false;
  }
  const char* rule = domain_rule(out, d);
  if (rule == nullptr) return true;
  problem(c, fmt::format("{} (got {})", rule, text));
  return false;
}

bool row::number_or(std::size_t c, double fallback, double& out, domain d) {
  if (cell(c).empty()) {
    out = fallback;
    return true;
  }
  return number(c, out, d);
}

bool row::choice(std::size_t c, std::initializer_list<std::string_view> options, int& out) {
  const std::string_view text = cell(c);
  if (text.empty()) return missing(c);
  int i = 0;
  std::string allowed;
  for (const std::string_view option : options) {
    if (text == option) {
      out = i;
      return true;
    }
    allowed += (i++ == 0 ? "" : ", ") + std::string(option);
  }
  problem(c, fmt::format("'{}' is not one of {}", printable(text), allowed));
  return false;
}

}  // namespace riskscan::csv
