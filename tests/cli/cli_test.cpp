// The command contract of FORMATS.md through the built CLI: exit codes 0 / 64 / 65 / 66 / 73 / 75,
// `file:line: column: reason` problem lists, validate, and generate -> validate -> scan.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace riskscan::test {
namespace {

std::filesystem::path golden() { return conformance_dir() / "golden_small_book"; }

std::vector<std::string> scan_args(const std::filesystem::path& snapshot, const std::filesystem::path& scenarios,
                                   const std::filesystem::path& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> a{"scan",  "--snapshot", snapshot.string(), "--scenarios", scenarios.string(),
                             "--out", out.string()};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

// Replaces line `line` (1-based) of a file.
void replace_line(const std::filesystem::path& file, std::size_t line, const std::string& text) {
  std::string s = read_file(file);
  std::size_t begin = 0;
  for (std::size_t i = 1; i < line; ++i) begin = s.find('\n', begin) + 1;
  const std::size_t end = s.find('\n', begin);
  s.replace(begin, end - begin, text);
  write_file(file, s);
}

std::string line_of(const std::filesystem::path& file, std::size_t line) {
  const std::string s = read_file(file);
  std::size_t begin = 0;
  for (std::size_t i = 1; i < line; ++i) begin = s.find('\n', begin) + 1;
  return s.substr(begin, s.find('\n', begin) - begin);
}

TEST(Cli, ScanOk) {
  temp_dir d;
  const auto r = run_cli(scan_args(golden() / "snapshot", golden() / "scenarios.csv", d / "out", {"--threads", "2"}));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : {"accounts.csv", "scenarios.csv", "summary.json"})
    EXPECT_TRUE(std::filesystem::exists(d / "out" / f)) << f;
}

TEST(Cli, HelpExitsZero) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"scan", "--help"}, {"validate", "--help"}, {"generate", "--help"}}) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << args.front() << ": " << r.output;
    EXPECT_FALSE(r.output.empty());
  }
  const auto r = run_cli({"scan", "--help"});
  for (const char* opt :
       {"--snapshot", "--scenarios", "--out", "--backend", "--threads", "--fund-balance", "--max-slippage", "--top-k"})
    EXPECT_NE(r.output.find(opt), std::string::npos) << opt;
}

TEST(Cli, UsageErrorsExit64) {
  temp_dir d;
  const auto snap = golden() / "snapshot";
  const auto sc = golden() / "scenarios.csv";
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases{
      {"no command", {}},
      {"unknown command", {"frobnicate"}},
      {"unknown option", scan_args(snap, sc, d / "o1", {"--bogus", "1"})},
      {"missing --out", {"scan", "--snapshot", snap.string(), "--scenarios", sc.string()}},
      {"missing --snapshot", {"scan", "--scenarios", sc.string(), "--out", (d / "o2").string()}},
      {"--top-k 0", scan_args(snap, sc, d / "o3", {"--top-k", "0"})},
      {"--top-k -1", scan_args(snap, sc, d / "o4", {"--top-k", "-1"})},
      {"--top-k 1001", scan_args(snap, sc, d / "o12", {"--top-k", "1001"})},
      {"--backend bogus", scan_args(snap, sc, d / "o5", {"--backend", "bogus"})},
      {"--threads -1", scan_args(snap, sc, d / "o6", {"--threads", "-1"})},
      {"--threads abc", scan_args(snap, sc, d / "o7", {"--threads", "abc"})},
      {"--threads 100000", scan_args(snap, sc, d / "o13", {"--threads", "100000"})},
      {"pack --threads 1025", {"pack", "--snapshot", snap.string(), "--out", (d / "p").string(), "--threads", "1025"}},
      {"scenarios --threads 5000", {"scenarios", "--spec", "x.toml", "--out", (d / "s").string(), "--threads", "5000"}},
      {"--fund-balance -5", scan_args(snap, sc, d / "o8", {"--fund-balance", "-5"})},
      {"--max-slippage -0.1", scan_args(snap, sc, d / "o9", {"--max-slippage", "-0.1"})},
      {"--gpu-memory -1", scan_args(snap, sc, d / "o10", {"--gpu-memory", "-1"})},
      {"--gpu-memory beyond 2^30 MiB", scan_args(snap, sc, d / "o11", {"--gpu-memory", "2000000000"})},
      {"validate without --snapshot", {"validate"}},
      {"generate without --seed", {"generate", "--accounts", "10", "--out", (d / "g").string()}},
      // Found by running random arguments: -3 was read as 2^64 - 3 accounts, and generated forever.
      {"generate --accounts -3", {"generate", "--accounts", "-3", "--seed", "1", "--out", (d / "g").string()}},
      {"generate --accounts 2^31",
       {"generate", "--accounts", "2147483648", "--seed", "1", "--out", (d / "g").string()}},
  };
  for (const auto& [what, args] : cases) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 64) << what << ": " << r.output;
  }
  // Nothing was written by a usage error.
  EXPECT_FALSE(std::filesystem::exists(d / "o3" / "accounts.csv"));
}

TEST(Cli, BadSnapshotDataExits65WithFileLineColumnReason) {
  temp_dir d;
  copy_dir(golden() / "snapshot", d / "snap");
  // positions.csv line 3: qty is not a number.
  const std::string orig = line_of(d / "snap" / "positions.csv", 3);
  std::string bad = orig;
  {
    // account,instrument,qty,entry_price,isolated_margin -> replace the third cell.
    const auto c1 = bad.find(',');
    const auto c2 = bad.find(',', c1 + 1);
    const auto c3 = bad.find(',', c2 + 1);
    bad.replace(c2 + 1, c3 - c2 - 1, "abc");
  }
  replace_line(d / "snap" / "positions.csv", 3, bad);
  const auto r = run_cli(scan_args(d / "snap", golden() / "scenarios.csv", d / "out"));
  EXPECT_EQ(r.exit_code, 65) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(positions\.csv:3: qty: \S)"))) << r.output;
  EXPECT_FALSE(std::filesystem::exists(d / "out" / "accounts.csv"));  // nothing is computed
}

TEST(Cli, BadScenarioFileExits65) {
  temp_dir d;
  // A column for a factor the book does not have.
  write_file(d / "unknown.csv", "scenario,weight,r:BTC,r:NOPE\ns1,1,0.1,0.2\n");
  auto r = run_cli(scan_args(golden() / "snapshot", d / "unknown.csv", d / "o1"));
  EXPECT_EQ(r.exit_code, 65) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(unknown\.csv:1: r:NOPE: \S)"))) << r.output;
  // A return below -1 on line 3.
  write_file(d / "range.csv", "scenario,weight,r:BTC\ns1,1,0.1\ns2,1,-1.5\n");
  r = run_cli(scan_args(golden() / "snapshot", d / "range.csv", d / "o2"));
  EXPECT_EQ(r.exit_code, 65) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(range\.csv:3: r:BTC: \S)"))) << r.output;
  // A weight of 0.
  write_file(d / "weight.csv", "scenario,weight,r:BTC\ns1,0,0.1\n");
  r = run_cli(scan_args(golden() / "snapshot", d / "weight.csv", d / "o3"));
  EXPECT_EQ(r.exit_code, 65) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(weight\.csv:2: weight: \S)"))) << r.output;
}

TEST(Cli, MissingInputExits66) {
  temp_dir d;
  auto r = run_cli(scan_args(d / "no-such-snapshot", golden() / "scenarios.csv", d / "o1"));
  EXPECT_EQ(r.exit_code, 66) << r.output;
  r = run_cli(scan_args(golden() / "snapshot", d / "no-such-scenarios.csv", d / "o2"));
  EXPECT_EQ(r.exit_code, 66) << r.output;
  // A snapshot directory that lacks a required file.
  copy_dir(golden() / "snapshot", d / "snap");
  std::filesystem::remove(d / "snap" / "positions.csv");
  r = run_cli(scan_args(d / "snap", golden() / "scenarios.csv", d / "o3"));
  EXPECT_EQ(r.exit_code, 66) << r.output;
  EXPECT_NE(r.output.find("positions.csv"), std::string::npos) << r.output;
  r = run_cli({"validate", "--snapshot", (d / "nothing-here").string()});
  EXPECT_EQ(r.exit_code, 66) << r.output;
}

TEST(Cli, UnwritableOutputExits73) {
  temp_dir d;
  write_file(d / "regular-file", "x");
  const auto r = run_cli(scan_args(golden() / "snapshot", golden() / "scenarios.csv", d / "regular-file" / "out"));
  EXPECT_EQ(r.exit_code, 73) << r.output;
  // --out naming an existing regular file.
  const auto r2 = run_cli(scan_args(golden() / "snapshot", golden() / "scenarios.csv", d / "regular-file"));
  EXPECT_EQ(r2.exit_code, 73) << r2.output;
  // generate into a path under a regular file.
  const auto r3 = run_cli({"generate", "--accounts", "5", "--seed", "1", "--out", (d / "regular-file" / "g").string()});
  EXPECT_EQ(r3.exit_code, 73) << r3.output;
}

TEST(Cli, CudaWithoutGpuExits75) {
  temp_dir d;
  const auto r =
      run_cli(scan_args(golden() / "snapshot", golden() / "scenarios.csv", d / "out", {"--backend", "cuda"}));
  if (r.exit_code == 0) GTEST_SKIP() << "a usable GPU is present";
  EXPECT_EQ(r.exit_code, 75) << r.output;
  // auto falls back to the cpu backend instead.
  const auto a =
      run_cli(scan_args(golden() / "snapshot", golden() / "scenarios.csv", d / "auto", {"--backend", "auto"}));
  EXPECT_EQ(a.exit_code, 0) << a.output;
  EXPECT_NE(read_file(d / "auto" / "summary.json").find("\"cpu\""), std::string::npos);
}

TEST(Cli, ValidateGoodAndBad) {
  auto r = run_cli({"validate", "--snapshot", (golden() / "snapshot").string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  temp_dir d;
  copy_dir(golden() / "snapshot", d / "snap");
  // Three problems in three files; every one is listed.
  replace_line(d / "snap" / "assets.csv", 4, "ETH,-5,ETH,0.05,0.2");                                  // price <= 0
  replace_line(d / "snap" / "accounts.csv", 4, "acct000002,sideways,");                               // bad mode
  write_file(d / "snap" / "balances.csv", read_file(d / "snap" / "balances.csv") + "ghost,BTC,1\n");  // unknown account
  r = run_cli({"validate", "--snapshot", (d / "snap").string()});
  EXPECT_EQ(r.exit_code, 65) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(assets\.csv:4: price_usd: \S)"))) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(accounts\.csv:4: mode: \S)"))) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(balances\.csv:\d+: account: \S)"))) << r.output;

  // Every problem is listed, however many (an exception's message stops after 50).
  std::string ghosts;
  for (int i = 0; i < 70; ++i) ghosts += "ghost" + std::to_string(i) + ",BTC,1\n";
  write_file(d / "snap" / "balances.csv", read_file(golden() / "snapshot" / "balances.csv") + ghosts);
  r = run_cli({"validate", "--snapshot", (d / "snap").string()});
  EXPECT_EQ(r.exit_code, 65) << r.output;
  for (int i = 0; i < 70; ++i)
    EXPECT_NE(r.output.find("account: unknown account 'ghost" + std::to_string(i) + "'"), std::string::npos) << i;
  EXPECT_NE(r.output.find("riskscan: 72 problem(s) in the input"), std::string::npos) << r.output;
}

TEST(Cli, GenerateValidateScanRoundTrip) {
  temp_dir d;
  auto r = run_cli({"generate", "--accounts", "200", "--seed", "42", "--out", (d / "snap").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_cli({"validate", "--snapshot", (d / "snap").string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("200 accounts"), std::string::npos) << r.output;
  // Deterministic for a seed.
  r = run_cli({"generate", "--accounts", "200", "--seed", "42", "--out", (d / "snap2").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const auto& f : std::filesystem::directory_iterator(d / "snap"))
    EXPECT_EQ(read_file(f.path()), read_file(d / "snap2" / f.path().filename())) << f.path().filename();
  // And scannable: a zero and a crash scenario over whatever factors it has (none named = 0).
  write_file(d / "sc.csv", "scenario,weight\nzero,1\n");
  r = run_cli(scan_args(d / "snap", d / "sc.csv", d / "out", {"--threads", "2"}));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const csv_table t = read_csv(d / "out" / "accounts.csv");
  EXPECT_EQ(t.rows.size(), 200u);
  // Generated options / portfolio switches.
  r = run_cli({"generate", "--accounts", "50", "--seed", "1", "--no-options", "--no-portfolio", "--out",
               (d / "plain").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_file(d / "plain" / "instruments.csv").find(",option,"), std::string::npos);
  EXPECT_EQ(read_file(d / "plain" / "accounts.csv").find(",portfolio"), std::string::npos);
  r = run_cli({"validate", "--snapshot", (d / "plain").string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// pack -> validate -> scan: the scan of a pack writes the same files as the scan of its CSV
// snapshot, and its manifest names the pack and the CSV files it was packed from.
TEST(Cli, PackValidateScan) {
  temp_dir d;
  auto r = run_cli({"pack", "--snapshot", (golden() / "snapshot").string(), "--out", (d / "g.rspack").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("packed 120 accounts"), std::string::npos) << r.output;
  r = run_cli({"validate", "--snapshot", (d / "g.rspack").string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("120 accounts"), std::string::npos) << r.output;

  r = run_cli(scan_args(golden() / "snapshot", golden() / "scenarios.csv", d / "from-csv"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_cli(scan_args(d / "g.rspack", golden() / "scenarios.csv", d / "from-pack"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : {"accounts.csv", "scenarios.csv"})
    EXPECT_EQ(read_file(d / "from-csv" / f), read_file(d / "from-pack" / f)) << f;
  const std::string summary = read_file(d / "from-pack" / "summary.json");
  EXPECT_NE(summary.find("g.rspack"), std::string::npos);
  EXPECT_NE(summary.find("\"packed_from\""), std::string::npos);
  EXPECT_NE(summary.find("positions.csv"), std::string::npos);
}

// Linux paths are bytes; JSON is UTF-8. A snapshot whose path is not UTF-8 still gets its
// summary.json, with U+FFFD for the bytes that are not UTF-8 (it used to exit 70 without one).
TEST(Cli, APathThatIsNotUtf8StillGetsASummary) {
  temp_dir d;
  const std::filesystem::path snap = d / "snap\xff";
  copy_dir(golden() / "snapshot", snap);
  const auto r = run_cli(scan_args(snap, golden() / "scenarios.csv", d / "out"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string summary = read_file(d / "out" / "summary.json");
  EXPECT_NE(summary.find("snap\xef\xbf\xbd/accounts.csv"), std::string::npos) << summary.substr(0, 2000);
}

// A generated set is held to the range a scenario file must keep: `scenarios` does not write a
// file that `scan` would refuse (a Monte Carlo draw over a billion days gave returns of 1e304).
TEST(Cli, ScenariosRefusesReturnsBeyondTheRange) {
  temp_dir d;
  write_file(d / "mc.toml",
             "[[factor]]\nid = \"BTC\"\nvol = 0.6\n"
             "[[monte_carlo]]\nscenarios = 50\nseed = 1\nhorizon_days = 1e9\n");
  const auto r = run_cli({"scenarios", "--spec", (d / "mc.toml").string(), "--out", (d / "mc.csv").string()});
  EXPECT_EQ(r.exit_code, 65) << r.output;
  EXPECT_TRUE(
      std::regex_search(r.output, std::regex(R"(mc\.toml: r:BTC: scenario 'mc:\d+': \S+ is outside \[-1, 1000\])")))
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(d / "mc.csv"));
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool under_asan = true;
#else
constexpr bool under_asan = false;
#endif

// Running out of memory, wherever it happens (the main thread or inside a parallel region), ends
// the run with exit 70 and says so; it never kills the process with a signal, and a cap too tight
// for the threads asked for is said as such before any work (libgomp itself would end the run
// with exit 1). Caps from far too small to enough: which allocation fails first varies with the
// cap. The CSV snapshot and the pack load differently (each hashes on a thread of its own if it
// can start one); the pack runs 8 threads, so that the threads are what most small caps refuse.
TEST(Cli, OutOfMemoryExits70WithAMessage) {
  if (under_asan)
    GTEST_SKIP() << "AddressSanitizer reserves terabytes of shadow memory; an address-space cap breaks it";
  temp_dir d("riskscan-cli");
  ASSERT_EQ(run_cli({"generate", "--accounts", "20000", "--seed", "3", "--out", (d / "snap").string()}).exit_code, 0);
  ASSERT_EQ(run_cli({"pack", "--snapshot", (d / "snap").string(), "--out", (d / "snap.rspack").string()}).exit_code, 0);
  const auto scenarios = source_dir() / "scenarios" / "data" / "stress_v1.csv";
  int no_threads = 0;
  for (const auto& [snapshot, threads] : {std::pair{"snap", "2"}, std::pair{"snap.rspack", "8"}}) {
    int ran_out = 0;
    int finished = 0;
    for (std::size_t mib = 16; mib <= 256; mib += 8) {
      const auto r = run_cli(scan_args(d / snapshot, scenarios, d / "out", {"--threads", threads}), mib << 10);
      const std::string where = std::string(snapshot) + ", " + std::to_string(mib) + " MiB: " + r.output;
      if (r.exit_code != 70) {
        ++finished;
        EXPECT_EQ(r.exit_code, 0) << where;
      } else if (r.output.find("riskscan: cannot start " + std::string(threads) + " threads") != std::string::npos) {
        ++no_threads;
        EXPECT_NE(r.output.find("lower --threads or raise the limit"), std::string::npos) << where;
      } else {
        ++ran_out;
        EXPECT_NE(r.output.find("riskscan: out of memory"), std::string::npos) << where;
      }
    }
    EXPECT_GT(ran_out, 0) << snapshot << ": no cap was small enough to run out";
    EXPECT_GT(finished, 0) << snapshot << ": no cap was large enough to finish";
  }
  EXPECT_GT(no_threads, 0) << "no cap was too small for the threads";
}

TEST(Cli, PackProblems) {
  temp_dir d;
  // A bad snapshot is not packed: 65 with its problems, and no file.
  copy_dir(golden() / "snapshot", d / "snap");
  replace_line(d / "snap" / "positions.csv", 2, "nobody,SOL-0.0000-1.4-P,-135.501,,");
  auto r = run_cli({"pack", "--snapshot", (d / "snap").string(), "--out", (d / "bad.rspack").string()});
  EXPECT_EQ(r.exit_code, 65) << r.output;
  EXPECT_NE(r.output.find("positions.csv:2: account: unknown account 'nobody'"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(d / "bad.rspack"));
  // A file that is not a pack, given as a snapshot: 65 naming it.
  r = run_cli({"validate", "--snapshot", (golden() / "scenarios.csv").string()});
  EXPECT_EQ(r.exit_code, 65) << r.output;
  EXPECT_NE(r.output.find("scenarios.csv: magic: not a riskscan snapshot pack"), std::string::npos) << r.output;
  // A pack that cannot be written: 73.
  r = run_cli({"pack", "--snapshot", (golden() / "snapshot").string(), "--out", (d / "no-dir" / "x.rspack").string()});
  EXPECT_EQ(r.exit_code, 73) << r.output;
}

}  // namespace
}  // namespace riskscan::test
