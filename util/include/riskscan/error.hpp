#pragma once
// Error types of riskscan. Host code throws these; the CLI maps each to the exit code of
// FORMATS.md (`exit_code()`), so a caller never has to pattern-match on messages.
#include <stdexcept>
#include <string>
#include <vector>

namespace riskscan {

// Exit codes of the command contract (FORMATS.md).
enum class exit_code : int {
  ok = 0,
  usage = 64,
  bad_input = 65,
  missing_input = 66,
  internal = 70,
  cannot_write = 73,
  no_gpu = 75,
  bad_config = 78,
};

class error : public std::runtime_error {
 public:
  error(exit_code code, const std::string& what) : std::runtime_error(what), code_(code) {}
  exit_code code() const noexcept { return code_; }

 private:
  exit_code code_;
};

// One problem in an input file, printed as `file:line: column: reason`.
// `line` is 1-based (the header is line 1); 0 means "the whole file".
struct input_problem {
  std::string file;
  std::size_t line = 0;
  std::string column;
  std::string reason;
  std::string to_string() const;
};

// Collects every problem of a load so all of them can be reported at once.
class problem_list {
 public:
  void add(std::string file, std::size_t line, std::string column, std::string reason);
  void append(const problem_list& other);
  bool empty() const noexcept { return problems_.empty(); }
  std::size_t size() const noexcept { return problems_.size(); }
  const std::vector<input_problem>& items() const noexcept { return problems_; }
  // Sorts by (file, line) so the report reads top to bottom whatever thread found what.
  void sort();

 private:
  std::vector<input_problem> problems_;
};

// Bad input data (exit 65). what() lists the first `max_listed` problems and the count of the rest.
class input_error : public error {
 public:
  explicit input_error(problem_list problems, std::size_t max_listed = 50);
  const problem_list& problems() const noexcept { return problems_; }

 private:
  problem_list problems_;
};

class usage_error : public error {
 public:
  explicit usage_error(const std::string& what) : error(exit_code::usage, what) {}
};
class missing_input_error : public error {
 public:
  explicit missing_input_error(const std::string& what) : error(exit_code::missing_input, what) {}
};
class output_error : public error {
 public:
  explicit output_error(const std::string& what) : error(exit_code::cannot_write, what) {}
};
class config_error : public error {
 public:
  explicit config_error(const std::string& what) : error(exit_code::bad_config, what) {}
};
class no_gpu_error : public error {
 public:
  explicit no_gpu_error(const std::string& what) : error(exit_code::no_gpu, what) {}
};

}  // namespace riskscan
