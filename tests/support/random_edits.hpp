#pragma once
// Random edits of input files for the fuzz tests (tests/io/input_fuzz_test.cpp,
// tests/scenarios/spec_fuzz_test.cpp): text edits that meet the CSV and TOML readers' special
// cases, and byte edits for binary packs. A seed gives the same edits on every machine.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace riskscan::test {

// How many edits a fuzz test runs: RS_FUZZ_EDITS=N for longer runs by hand, else `fallback`.
inline std::size_t fuzz_edits_to_run(std::size_t fallback = 1000) {
  const char* n = std::getenv("RS_FUZZ_EDITS");
  return n != nullptr ? std::strtoul(n, nullptr, 10) : fallback;
}

// Whether a fuzz loop stops at a failing edit (one edit's failures say enough); RS_FUZZ_ALL=1
// goes on, to see every kind of failure in one run.
inline bool fuzz_stops_at(bool failed) { return failed && std::getenv("RS_FUZZ_ALL") == nullptr; }

// Bytes and cells that the CSV and TOML readers and the number rules treat specially.
// The table is kept as written: clang-format would give each token a line of its own.
// clang-format off
inline constexpr std::string_view tokens[] = {
    ",", "\n", "\r", "\r\n", "\"", "\"\"", std::string_view("\0", 1), " ", "\t", "\xff", "\xc3",
    "\xef\xbb\xbf", "-", "+", ".", "e", "E", "0", "9", "-0", "-1", "1e9", "1e308", "-1e308", "1e-320", "inf",
    "-inf", "nan", "NaN", "1e", "99999999999999999999", "0x10", "1,2", "=", "[", "]", "{", "}", "#", "'", "true",
    "2024-01-03", "a1", "BTC", "USDT", "g1", "cross", "portfolio", "perp", "option", "C", "P", "step", "marginal",
    "r:BTC", "v:ETH", "1", ""};
// clang-format on

// Edits of one text or byte string at a time, from a seeded generator.
class random_edits {
 public:
  explicit random_edits(std::uint64_t seed) : rng_(seed) {}

  std::size_t pick(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng_() % n); }

  // One to three edits of a text (CSV or TOML).
  void edit_text(std::string& text) {
    for (std::size_t e = 1 + pick(3); e > 0; --e) edit_once(text);
  }

  // One to four bytes from `from` on overwritten: a random byte, or a little-endian integer that
  // an index or offset column would hold (small, negative or huge).
  void edit_bytes(std::string& bytes, std::size_t from) {
    for (std::size_t e = 1 + pick(4); e > 0; --e) {
      const std::size_t at = from + pick(bytes.size() - from);
      if (pick(2) == 0) {
        bytes[at] = static_cast<char>(rng_());
        continue;
      }
      const std::int64_t values[] = {-1, 0, 1, 2, 7, 1 << 20, INT32_MAX, INT64_MAX, INT64_MIN};
      const std::int64_t v = values[pick(std::size(values))];
      const std::size_t width = pick(2) == 0 ? 4 : 8;
      std::memcpy(bytes.data() + at, &v, std::min(width, bytes.size() - at));
    }
  }

 private:
  std::string_view token() { return tokens[pick(std::size(tokens))]; }

  // Start and end of a random line (end excludes its '\n').
  std::pair<std::size_t, std::size_t> line_of(const std::string& text) {
    const std::size_t at = pick(text.size());
    const std::size_t newline = at == 0 ? std::string::npos : text.rfind('\n', at - 1);
    const std::size_t start = newline == std::string::npos ? 0 : newline + 1;
    return {start, std::min(text.find('\n', start), text.size())};
  }

  void edit_once(std::string& text) {
    switch (pick(8)) {
      case 0:  // overwrite a byte
        if (!text.empty()) text.replace(pick(text.size()), 1, token());
        break;
      case 1:  // insert
        text.insert(pick(text.size() + 1), token());
        break;
      case 2:  // delete a few bytes
        if (!text.empty()) text.erase(pick(text.size()), 1 + pick(8));
        break;
      case 3: {  // repeat a line
        const auto [start, end] = line_of(text);
        text.insert(start, text.substr(start, end - start) + "\n");
        break;
      }
      case 4: {  // delete a line
        const auto [start, end] = line_of(text);
        text.erase(start, end - start + 1);
        break;
      }
      case 5:  // cut the file short
        text.resize(pick(text.size() + 1));
        break;
      default: {  // replace one cell of a line with a token
        const auto [start, end] = line_of(text);
        std::vector<std::size_t> bounds = {start};  // where each cell starts
        for (std::size_t i = start; i < end; ++i)
          if (text[i] == ',') bounds.push_back(i + 1);
        bounds.push_back(end + 1);
        const std::size_t c = pick(bounds.size() - 1);
        text.replace(bounds[c], bounds[c + 1] - 1 - bounds[c], token());
        break;
      }
    }
  }

  std::mt19937_64 rng_;
};

// Lines of `text` as a reader counts them: a last line without '\n' counts too.
inline std::size_t line_count(const std::string& text) {
  const auto newlines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  return newlines + (text.empty() || text.back() == '\n' ? 0 : 1);
}

}  // namespace riskscan::test
