#include "test_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "riskscan/error.hpp"

namespace riskscan::test {

std::filesystem::path source_dir() { return RS_SOURCE_DIR; }
std::filesystem::path conformance_dir() { return std::filesystem::path(RS_TEST_DIR) / "conformance" / "cases"; }

temp_dir::temp_dir(const std::string& prefix) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void copy_dir(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  std::filesystem::copy(from, to,
                        std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
}

namespace {
std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  for (char c : line) {
    if (c == ',') {
      out.push_back(cell);
      cell.clear();
    } else if (c != '\r') {
      cell += c;
    }
  }
  out.push_back(cell);
  return out;
}
}  // namespace

std::size_t csv_table::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  throw std::runtime_error("no column " + name);
}

const std::vector<std::string>& csv_table::row(const std::string& key_column, const std::string& key) const {
  const std::size_t c = column(key_column);
  for (const auto& r : rows)
    if (r.at(c) == key) return r;
  throw std::runtime_error("no row with " + key_column + " = " + key);
}

csv_table read_csv(const std::filesystem::path& path) {
  std::istringstream in(read_file(path));
  csv_table t;
  std::string line;
  if (std::getline(in, line)) t.header = split(line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    t.rows.push_back(split(line));
  }
  return t;
}

std::vector<std::string> leftover_temporaries(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".riskscan-tmp")) names.push_back(name);
  }
  return names;
}

cli_result run_cli(const std::vector<std::string>& args, std::size_t address_space_kib) {
  return run_cli_after(address_space_kib > 0 ? "ulimit -v " + std::to_string(address_space_kib) + " && " : "", args);
}

cli_result run_cli_after(const std::string& shell, const std::vector<std::string>& args) {
  std::string cmd = shell + "exec '" + RS_CLI_PATH + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1 </dev/null";
  cli_result result;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed");
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  return result;
}

std::string input_problems(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const input_error& e) {
    std::string out;
    for (const auto& p : e.problems().items()) out += (out.empty() ? "" : "\n") + p.to_string();
    return out;
  }
  return "(no input_error)";
}

}  // namespace riskscan::test
