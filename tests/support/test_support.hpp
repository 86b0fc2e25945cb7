#pragma once
// Helpers shared by the test suites: temporary directories, CSV tables, running the CLI.
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace riskscan::test {

// Root of the repository and of the copied conformance cases.
std::filesystem::path source_dir();
std::filesystem::path conformance_dir();

// A fresh directory under the system temp dir, removed when the object goes away.
class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix = "riskscan-test");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, const std::string& text);
std::string read_file(const std::filesystem::path& path);
// The names of the output temporaries (".NAME.PID-N.riskscan-tmp") left in a directory.
std::vector<std::string> leftover_temporaries(const std::filesystem::path& dir);
// Copies a directory tree (for tests that mutate a snapshot).
void copy_dir(const std::filesystem::path& from, const std::filesystem::path& to);

// A CSV file read as strings: header names and rows. No quoting (riskscan never writes any).
struct csv_table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::size_t column(const std::string& name) const;  // throws if absent
  // The row whose `key_column` equals `key`; throws if absent.
  const std::vector<std::string>& row(const std::string& key_column, const std::string& key) const;
};
csv_table read_csv(const std::filesystem::path& path);

// Runs the riskscan CLI with the given arguments; returns the exit code, captures stdout+stderr.
// A nonzero `address_space_kib` caps the process's address space (ulimit -v). A process that a
// signal ended reports 128 + the signal, as a shell does.
struct cli_result {
  int exit_code = -1;
  std::string output;
};
cli_result run_cli(const std::vector<std::string>& args, std::size_t address_space_kib = 0);
// The same after `shell`, shell commands that set up the process (`ulimit -f 8; `).
cli_result run_cli_after(const std::string& shell, const std::vector<std::string>& args);

// The problems of the input_error fn() throws, one `file:line: column: reason` per line;
// "(no input_error)" when it throws none.
std::string input_problems(const std::function<void()>& fn);

}  // namespace riskscan::test
