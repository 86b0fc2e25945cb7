// A failed or interrupted scan never leaves outputs that look complete (FORMATS.md "Output
// directory"): a full file system, a file-size limit, SIGKILL and SIGTERM during the write phase, a
// second run on a locked directory, an output path that is a file, a read-only directory. Each
// leaves either the previous complete set untouched or no summary.json, and never a truncated file
// under a final name.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "riskscan/error.hpp"
#include "riskscan/output_file.hpp"
#include "test_support.hpp"

namespace riskscan::test {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> outputs{"accounts.csv", "scenarios.csv", "summary.json"};

fs::path golden() { return conformance_dir() / "golden_small_book"; }

std::vector<std::string> scan_args(const fs::path& snapshot, const fs::path& scenarios, const fs::path& out) {
  return {"scan", "--snapshot", snapshot.string(), "--scenarios", scenarios.string(), "--out", out.string()};
}
std::vector<std::string> small_scan(const fs::path& out) {
  return scan_args(golden() / "snapshot", golden() / "scenarios.csv", out);
}

// A generated book whose accounts.csv (about 3 MB) takes a while to write, and its complete scan.
struct big_book {
  temp_dir dir{"riskscan-big-book"};
  fs::path snapshot = dir / "snapshot";
  fs::path complete = dir / "complete";
  big_book() {
    const auto g =
        run_cli({"generate", "--accounts", "20000", "--seed", "3", "--no-options", "--out", snapshot.string()});
    if (g.exit_code != 0) throw std::runtime_error(g.output);
    const auto s = run_cli(args(complete));
    if (s.exit_code != 0) throw std::runtime_error(s.output);
  }
  std::vector<std::string> args(const fs::path& out) const {
    return scan_args(snapshot, source_dir() / "scenarios" / "data" / "stress_v1.csv", out);
  }
};
const big_book& big() {
  static const big_book b;
  return b;
}

// The files of an output directory by name (absent ones left out).
std::map<std::string, std::string> read_outputs(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& name : outputs) {
    if (fs::exists(dir / name)) files[name] = read_file(dir / name);
  }
  return files;
}

// Scans the small book into `out`: the previous, complete set that a failed run must leave alone.
std::map<std::string, std::string> previous_set(const fs::path& out) {
  const auto r = run_cli(small_scan(out));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return read_outputs(out);
}

// What every failed or interrupted run must leave: the previous set untouched, or no summary.json
// and each remaining CSV whole, the previous run's or the new one's, byte for byte.
void expect_no_partial_set(const fs::path& out, const std::map<std::string, std::string>& before,
                           const fs::path& complete_new) {
  const auto after = read_outputs(out);
  if (after == before) return;
  EXPECT_EQ(after.count("summary.json"), 0u) << "a summary.json beside files of another run";
  for (const auto& [name, text] : after) {
    if (name == "summary.json") continue;
    const bool old_file = before.count(name) && before.at(name) == text;
    EXPECT_TRUE(old_file || text == read_file(complete_new / name)) << name << " is neither run's whole file";
  }
}

// A tmpfs of `size` mounted on a fresh directory (needs root); unmounted when the object goes away.
class small_tmpfs {
 public:
  explicit small_tmpfs(const std::string& options) {
    mounted_ = ::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~small_tmpfs() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  bool remount_read_only() {
    return ::mount("tmpfs", dir_.path().c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) == 0;
  }
  fs::path operator/(const std::string& name) const { return dir_ / name; }

 private:
  temp_dir dir_{"riskscan-tmpfs"};
  bool mounted_ = false;
};

TEST(OutputSafety, AFullFileSystemKeepsThePreviousFilesAndSaysWhy) {
  small_tmpfs fs_small("size=256k");
  if (!fs_small.mounted()) GTEST_SKIP() << "mounting a small tmpfs needs root";
  const fs::path out = fs_small / "out";
  const auto before = previous_set(out);
  const auto r = run_cli(big().args(out));
  EXPECT_EQ(r.exit_code, 73) << r.output;
  EXPECT_NE(r.output.find("cannot write " + (out / "accounts.csv").string() + ": No space left on device"),
            std::string::npos)
      << r.output;
  expect_no_partial_set(out, before, big().complete);
  EXPECT_FALSE(fs::exists(out / "summary.json"));
  EXPECT_TRUE(leftover_temporaries(out).empty());
}

TEST(OutputSafety, AFileSizeLimitKeepsThePreviousFilesAndSaysWhy) {
  temp_dir d;
  const fs::path out = d / "out";
  const auto before = previous_set(out);
  // SIGXFSZ ignored, so that a write past the limit fails with EFBIG; dash counts 512-byte blocks.
  const auto r = run_cli_after("trap '' XFSZ; ulimit -f 400; ", big().args(out));
  EXPECT_EQ(r.exit_code, 73) << r.output;
  EXPECT_NE(r.output.find("cannot write " + (out / "accounts.csv").string() + ": File too large"), std::string::npos)
      << r.output;
  expect_no_partial_set(out, before, big().complete);
  EXPECT_TRUE(leftover_temporaries(out).empty());
}

// Starts the CLI with output to /dev/null; returns its pid.
pid_t spawn_cli(const std::vector<std::string>& args) {
  std::vector<std::string> argv_text{RS_CLI_PATH};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits until a temporary of the run appears in `dir` (its write phase has begun) or it exits.
bool wait_for_write_phase(pid_t pid, const fs::path& dir) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < give_up) {
    if (!leftover_temporaries(dir).empty()) return true;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return false;
}

// Kills a scan of the big book `delay` after its first output temporary appears; returns how it
// ended (the signal, or 0 when it finished before the signal came).
int interrupt_scan(const fs::path& out, int sig, std::chrono::microseconds delay) {
  const pid_t pid = spawn_cli(big().args(out));
  const bool writing = wait_for_write_phase(pid, out);
  if (writing) {
    std::this_thread::sleep_for(delay);
    ::kill(pid, sig);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

TEST(OutputSafety, AScanKilledWhileWritingLeavesNoSetThatLooksComplete) {
  int killed = 0;
  for (const int delay_us : {0, 500, 2000, 5000, 10000}) {
    temp_dir d;
    const fs::path out = d / "out";
    const auto before = previous_set(out);
    killed += interrupt_scan(out, SIGKILL, std::chrono::microseconds(delay_us)) == SIGKILL;
    expect_no_partial_set(out, before, big().complete);
    // The next run finishes, and removes what the killed one left.
    const auto r = run_cli(big().args(out));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(leftover_temporaries(out).empty());
    EXPECT_EQ(read_file(out / "accounts.csv"), read_file(big().complete / "accounts.csv"));
  }
  EXPECT_GT(killed, 0) << "no run was still writing when the signal came";
}

TEST(OutputSafety, SigtermWhileWritingRemovesTheTemporaries) {
  int terminated = 0;
  for (const int delay_us : {0, 1000, 5000}) {
    temp_dir d;
    const fs::path out = d / "out";
    const auto before = previous_set(out);
    terminated += interrupt_scan(out, SIGTERM, std::chrono::microseconds(delay_us)) == SIGTERM;
    expect_no_partial_set(out, before, big().complete);
    EXPECT_TRUE(leftover_temporaries(out).empty());
  }
  EXPECT_GT(terminated, 0) << "no run was still writing when the signal came";
}

TEST(OutputSafety, ASecondRunOnALockedDirectoryExits73AtOnce) {
  temp_dir d;
  const fs::path out = d / "out";
  const auto before = previous_set(out);
  {
    const output_directory first_run(out);  // the lock another scan holds while it runs
    const auto r = run_cli(small_scan(out));
    EXPECT_EQ(r.exit_code, 73) << r.output;
    EXPECT_NE(r.output.find("another riskscan run is writing this directory"), std::string::npos) << r.output;
    EXPECT_EQ(read_outputs(out), before);
    EXPECT_THROW(output_directory second(out), output_error);
  }
  EXPECT_EQ(run_cli(small_scan(out)).exit_code, 0);  // released with the first run
}

TEST(OutputSafety, AnOutputPathThatIsAFileIsLeftAlone) {
  temp_dir d;
  write_file(d / "a-file", "not a directory\n");
  const auto r = run_cli(small_scan(d / "a-file"));
  EXPECT_EQ(r.exit_code, 73) << r.output;
  EXPECT_NE(r.output.find("it exists and is not a directory"), std::string::npos) << r.output;
  EXPECT_EQ(read_file(d / "a-file"), "not a directory\n");
}

TEST(OutputSafety, AReadOnlyDirectoryKeepsThePreviousSet) {
  small_tmpfs fs_small("size=1m");
  if (!fs_small.mounted()) GTEST_SKIP() << "mounting a tmpfs read-only needs root";
  const fs::path out = fs_small / "out";
  const auto before = previous_set(out);
  ASSERT_TRUE(fs_small.remount_read_only());
  const auto r = run_cli(small_scan(out));
  EXPECT_EQ(r.exit_code, 73) << r.output;
  EXPECT_NE(r.output.find("Read-only file system"), std::string::npos) << r.output;
  EXPECT_EQ(read_outputs(out), before);
}

TEST(OutputSafety, AFailedScanLeavesNoNewDirectory) {
  temp_dir d;
  const auto r = run_cli(scan_args(d / "no-such-snapshot", golden() / "scenarios.csv", d / "new" / "out"));
  EXPECT_EQ(r.exit_code, 66) << r.output;
  EXPECT_FALSE(fs::exists(d / "new" / "out"));
}

// The writer itself: nothing under the final name until commit(), and an abandoned file leaves
// neither a temporary nor a change to an older file at that name.
TEST(OutputFile, AppearsOnlyWhenCommitted) {
  temp_dir d;
  write_file(d / "x.csv", "older\n");
  {
    output_file f(d / "x.csv");
    f.write(std::string_view("new, half written"));
    EXPECT_EQ(read_file(d / "x.csv"), "older\n");
    EXPECT_EQ(leftover_temporaries(d.path()).size(), 1u);
  }
  EXPECT_EQ(read_file(d / "x.csv"), "older\n");
  EXPECT_TRUE(leftover_temporaries(d.path()).empty());
  output_file f(d / "x.csv");
  f.write(std::string_view("new 1234\n"));
  const char digits[] = "5678";
  f.write_at(4, digits, 4);
  f.commit();
  EXPECT_EQ(read_file(d / "x.csv"), "new 5678\n");
  EXPECT_TRUE(leftover_temporaries(d.path()).empty());
}

}  // namespace
}  // namespace riskscan::test
