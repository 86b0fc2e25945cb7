#include "riskscan/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace riskscan {

std::string input_problem::to_string() const {
  const std::string where = line > 0 ? fmt::format("{}:{}", file, line) : file;
  return column.empty() ? fmt::format("{}: {}", where, reason) : fmt::format("{}: {}: {}", where, column, reason);
}

void problem_list::add(std::string file, std::size_t line, std::string column, std::string reason) {
  problems_.push_back({std::move(file), line, std::move(column), std::move(reason)});
}

void problem_list::append(const problem_list& other) {
  problems_.insert(problems_.end(), other.problems_.begin(), other.problems_.end());
}

void problem_list::sort() {
  std::stable_sort(problems_.begin(), problems_.end(), [](const input_problem& a, const input_problem& b) {
    return std::tie(a.file, a.line) < std::tie(b.file, b.line);
  });
}

namespace {
std::string render(const problem_list& problems, std::size_t max_listed) {
  std::string out;
  std::size_t shown = 0;
  for (const auto& p : problems.items()) {
    if (shown == max_listed) break;
    if (shown > 0) out += '\n';
    out += p.to_string();
    ++shown;
  }
  if (problems.size() > shown) {
    out += "\n... and " + std::to_string(problems.size() - shown) + " more problems";
  }
  return out;
}
}  // namespace

input_error::input_error(problem_list problems, std::size_t max_listed)
    : error(exit_code::bad_input, render(problems, max_listed)), problems_(std::move(problems)) {}

}  // namespace riskscan
