#pragma once
// Loading and validating a snapshot directory (FORMATS.md "Snapshot directory").
//
// The load is all-or-nothing: every problem in every file is collected and reported as
// `file:line: column: reason`, then input_error (exit 65) is thrown; nothing of a partial load
// is returned. A missing directory or required file throws missing_input_error (exit 66).
// Parsing uses `threads` threads (0 = all cores).
//
// A path that is a file, not a directory, is read as a snapshot pack (snapshot_pack.hpp).
#include <filesystem>
#include <vector>

#include "riskscan/book.hpp"
#include "riskscan/input_file.hpp"

namespace riskscan {

struct loaded_snapshot {
  book data;
  std::vector<input_file_info> files;        // one per file read, in a fixed order
  std::vector<input_file_info> packed_from;  // a pack's source files, as they were when packed
  double load_seconds = 0.0;
};

loaded_snapshot load_snapshot(const std::filesystem::path& dir, int threads = 0);

}  // namespace riskscan
