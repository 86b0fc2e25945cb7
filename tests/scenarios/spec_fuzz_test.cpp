// Random edits of a scenario spec: scenarios/data/sample_spec.toml, which uses every generator,
// with its Monte Carlo draws cut to a few dozen, and the price history and scenario CSV it reads.
// Whatever the edit, loading the spec either gives a scenario set, the same on 1 and 3 threads,
// or throws riskscan::error for bad input (65), missing input (66) or bad configuration (78)
// whose every line names a file; nothing else escapes and nothing crashes (the asan preset runs
// this too). RS_FUZZ_EDITS and RS_FUZZ_ALL as in random_edits.hpp.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include "random_edits.hpp"
#include "riskscan/error.hpp"
#include "riskscan/scenario_io.hpp"
#include "riskscan/scenarios/spec.hpp"
#include "test_support.hpp"

namespace riskscan::test {
namespace {

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

// The set as scenario CSV text, or "error <exit code>: <message>".
std::string outcome(const std::filesystem::path& spec, int threads, const std::filesystem::path& csv) {
  try {
    write_scenario_csv(scenarios::load_scenario_spec(spec, nullptr, threads), csv);
    return read_file(csv);
  } catch (const error& e) {
    return "error " + std::to_string(static_cast<int>(e.code())) + ": " + e.what();
  }
}

TEST(SpecFuzz, EveryEditGivesASetOrAReportedError) {
  const std::filesystem::path data = source_dir() / "scenarios" / "data";
  temp_dir dir("rs-spec-fuzz");
  const std::string spec =
      replaced(replaced(read_file(data / "sample_spec.toml"), "scenarios = 10000", "scenarios = 40"),
               "scenarios = 5000", "scenarios = 30");
  const std::string files[][2] = {{"spec.toml", spec},
                                  {"sample_prices.csv", read_file(data / "sample_prices.csv")},
                                  {"sample_scenarios.csv", read_file(data / "sample_scenarios.csv")}};
  random_edits fuzz(5);
  std::size_t sets = 0;
  const std::size_t n = fuzz_edits_to_run();
  for (std::size_t i = 0; i < n; ++i) {
    // Mostly the spec; now and then one of the files it reads.
    const std::size_t edited = fuzz.pick(4) == 0 ? 1 + fuzz.pick(2) : 0;
    std::string text = files[edited][1];
    fuzz.edit_text(text);
    for (const auto& [name, original] : files) write_file(dir / name, name == files[edited][0] ? text : original);
    SCOPED_TRACE("edit " + std::to_string(i) + " of " + files[edited][0] + ":\n" + text);
    std::string one, three;
    ASSERT_NO_THROW(one = outcome(dir / "spec.toml", 1, dir / "one.csv"));
    ASSERT_NO_THROW(three = outcome(dir / "spec.toml", 3, dir / "three.csv"));
    EXPECT_EQ(one, three);
    if (one.rfind("error ", 0) != 0) {
      ++sets;
    } else {
      const int code = std::atoi(one.c_str() + 6);
      EXPECT_TRUE(code == 65 || code == 66 || code == 78) << one;
      // Files are named by their paths, or as every CSV problem names its file, by its name.
      std::istringstream lines(one.substr(one.find(": ") + 2));
      for (std::string line; std::getline(lines, line);) {
        if (line.rfind("... and ", 0) == 0) continue;  // the count of problems not listed
        const bool named = line.find(dir.path().string()) != std::string::npos ||
                           line.rfind("sample_prices.csv:", 0) == 0 || line.rfind("sample_scenarios.csv:", 0) == 0;
        EXPECT_TRUE(named) << "names no file: " << line;
      }
    }
    if (fuzz_stops_at(HasFailure())) break;
  }
  // Not vacuous: the edits meet both outcomes.
  EXPECT_GT(sets, n / 50);
  EXPECT_LT(sets, n / 2);
}

}  // namespace
}  // namespace riskscan::test
