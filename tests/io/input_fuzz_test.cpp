// Random edits of valid inputs, a few thousand from fixed seeds: the fixture snapshot's CSV files
// (snapshot_fixture.hpp), its pack (resealed after each edit, as a forger would, so that the
// checks behind the digest are what meets the edit) and the golden book's scenario file. Text
// edits add stray delimiters, quotes, NUL and non-UTF-8 bytes and numbers out of every range, and
// delete, repeat or cut lines. Whatever the edit:
// - reading either succeeds or throws input_error, whose every problem names the file and a
//   column and says why (a CSV problem also names a line of the file); nothing else escapes and
//   nothing crashes (the asan preset runs these too);
// - a snapshot load's outcome is the same on 1 and 3 threads;
// - an accepted input is scanned on the reference and cpu backends, which agree byte for byte or
//   refuse it with the same problems.
//
// RS_FUZZ_EDITS=N runs N edits per test instead of the default, RS_FUZZ_ALL=1 goes on after a
// failing edit (for longer runs by hand).
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "book_builder.hpp"
#include "random_edits.hpp"
#include "riskscan/cpu_backend.hpp"
#include "riskscan/error.hpp"
#include "riskscan/scenario_io.hpp"
#include "riskscan/sha256.hpp"
#include "riskscan/snapshot_io.hpp"
#include "riskscan/snapshot_pack.hpp"
#include "snapshot_fixture.hpp"

namespace riskscan::test {
namespace {

// The problems of an input_error, one per line; "" when fn() throws nothing.
template <class Fn>
std::string problems_of(Fn&& fn) {
  std::string all;
  try {
    fn();
  } catch (const input_error& e) {
    for (const auto& p : e.problems().items()) {
      all += p.to_string() + "\n";
      EXPECT_FALSE(p.column.empty()) << p.to_string();
      EXPECT_FALSE(p.reason.empty()) << p.to_string();
    }
    EXPECT_FALSE(all.empty()) << "an input_error without problems";
  } catch (const error& e) {  // a scan's refusal of values that are not finite (exit 65)
    if (e.code() != exit_code::bad_input) throw;
    all = e.what();
  }
  return all;
}

// Every problem of a CSV input names one of `files` and a line of it (line 1 for an empty file).
void expect_lines_in_files(const std::string& problems, const snapshot_files& files) {
  std::istringstream in(problems);
  for (std::string p; std::getline(in, p);) {
    SCOPED_TRACE(p);
    const auto file = std::find_if(files.begin(), files.end(), [&](const auto& f) {
      const std::string prefix = f.first + ":";
      return p.compare(0, prefix.size(), prefix) == 0;
    });
    ASSERT_NE(file, files.end()) << "names no input file";
    const std::size_t line = std::strtoul(p.c_str() + file->first.size() + 1, nullptr, 10);
    EXPECT_GE(line, 1U);
    EXPECT_LE(line, std::max<std::size_t>(1, line_count(file->second)));
  }
}

// Shocks over the book's factors, from a crash to a rally, with vol shocks.
bound_scenarios shocks(const book& b) {
  scenario_set set = make_scenario_set(factor_ids(b));
  const double moves[] = {-0.6, -0.2, 0.0, 0.3, 1.0};
  for (std::size_t s = 0; s < std::size(moves); ++s) {
    const auto i = set.add(fmt::format("s{}", s), 1.0, s % 2 == 0 ? 0.0 : 7.0);
    for (std::size_t f = 0; f < b.factors.size(); ++f) {
      set.ret(i, f) = b.factors[f].kind == factor_kind::stable ? moves[s] / 20 : moves[s];
      set.vol(i, f) = moves[(s + f) % std::size(moves)];
    }
  }
  return bind_scenarios(b, set, "fuzz");
}

// The reference and cpu backends scan alike: the same files, or the same problems. As in
// `riskscan scan`, per-account values that are not finite are refused (a resealed pack may hold
// any number).
void expect_backends_agree(const book& b, const bound_scenarios& sc) {
  auto scan = [&](backend& be) {
    std::pair<std::string, std::string> out;
    scan_config cfg;
    cfg.top_k = 2;
    out.second = problems_of([&] {
      const auto r = scan_in_memory(b, sc, be, cfg);
      check_account_values(b, r.base, r.red.accounts, sc.size() > 0);
      out.first = r.accounts_csv + r.scenarios_csv;
    });
    return out;
  };
  std::pair<std::string, std::string> want, got;
  ASSERT_NO_THROW(want = scan(*make_reference_backend()));
  ASSERT_NO_THROW(got = scan(*make_cpu_backend(2)));
  EXPECT_EQ(want, got);
}

TEST(InputFuzz, SnapshotCsvEditsLoadOrAreReportedLineByLine) {
  random_edits fuzz(20261207);
  temp_dir dir("rs-fuzz");
  std::size_t loaded = 0;
  const std::size_t n = fuzz_edits_to_run();
  for (std::size_t i = 0; i < n; ++i) {
    snapshot_files files = valid_snapshot();
    auto edited = std::next(files.begin(), static_cast<std::ptrdiff_t>(fuzz.pick(files.size())));
    fuzz.edit_text(edited->second);
    SCOPED_TRACE("edit " + std::to_string(i) + " of " + edited->first + ":\n" + edited->second);
    write_snapshot(dir.path(), files);
    book b;
    std::string one, three;
    ASSERT_NO_THROW(one = problems_of([&] { b = load_snapshot(dir.path(), 1).data; }));
    ASSERT_NO_THROW(three = problems_of([&] { load_snapshot(dir.path(), 3); }));
    EXPECT_EQ(one, three);
    expect_lines_in_files(one, files);
    if (one.empty()) {
      ++loaded;
      expect_backends_agree(b, shocks(b));
    }
    if (fuzz_stops_at(HasFailure())) break;  // one edit's failures say enough
  }
  // Not vacuous: the edits meet both outcomes.
  EXPECT_GT(loaded, n / 50);
  EXPECT_LT(loaded, n / 2);
}

TEST(InputFuzz, ResealedPackEditsLoadOrAreReported) {
  random_edits fuzz(7);
  temp_dir dir("rs-fuzz-pack");
  write_snapshot(dir / "snap", valid_snapshot());
  write_snapshot_pack(load_snapshot(dir / "snap"), dir / "good.rspack");
  const std::string good = read_file(dir / "good.rspack");
  const std::string path = (dir / "bad.rspack").string();
  std::size_t loaded = 0;
  const std::size_t n = fuzz_edits_to_run();
  for (std::size_t i = 0; i < n; ++i) {
    std::string bytes = good;
    constexpr std::size_t header = 128;  // magic, version, counts, digest: the rest is sealed
    fuzz.edit_bytes(bytes, header);
    bytes.replace(24, 64, sha256_hex(std::string_view(bytes).substr(header)));
    SCOPED_TRACE("edit " + std::to_string(i));
    write_file(path, bytes);
    book b;
    std::string one, three;
    ASSERT_NO_THROW(one = problems_of([&] { b = load_snapshot(path, 1).data; }));
    ASSERT_NO_THROW(three = problems_of([&] { load_snapshot(path, 3); }));
    EXPECT_EQ(one, three);
    std::istringstream in(one);
    for (std::string p; std::getline(in, p);) EXPECT_EQ(p.rfind(path + ": ", 0), 0U) << p;
    if (one.empty()) {
      ++loaded;
      expect_backends_agree(b, shocks(b));
    }
    if (fuzz_stops_at(HasFailure())) break;
  }
  EXPECT_GT(loaded, n / 50);
  EXPECT_LT(loaded, n / 2);
}

TEST(InputFuzz, ScenarioCsvEditsReadOrAreReportedLineByLine) {
  random_edits fuzz(11);
  temp_dir dir("rs-fuzz-scenarios");
  const book& b = golden_book();
  const snapshot_files original = {{"scenarios.csv", read_file(golden_dir() / "scenarios.csv")}};
  const std::filesystem::path path = dir / "scenarios.csv";
  std::size_t read = 0;
  const std::size_t n = fuzz_edits_to_run();
  for (std::size_t i = 0; i < n; ++i) {
    snapshot_files files = original;
    fuzz.edit_text(files.begin()->second);
    SCOPED_TRACE("edit " + std::to_string(i) + ":\n" + files.begin()->second);
    write_file(path, files.begin()->second);
    bound_scenarios sc;
    std::string problems;
    ASSERT_NO_THROW(problems = problems_of([&] { sc = bind_scenarios(b, read_scenario_csv(path), "scenarios.csv"); }));
    expect_lines_in_files(problems, files);
    if (problems.empty()) {
      ++read;
      expect_backends_agree(b, sc);
    }
    if (fuzz_stops_at(HasFailure())) break;
  }
  EXPECT_GT(read, n / 50);
  EXPECT_LT(read, n / 2);
}

}  // namespace
}  // namespace riskscan::test
