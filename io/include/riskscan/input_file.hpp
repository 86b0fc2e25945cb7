#pragma once
// What the manifest of summary.json records about each input file.
#include <cstddef>
#include <string>

namespace riskscan {

struct input_file_info {
  std::string path;      // as given on the command line / found in the snapshot directory
  std::string sha256;    // lowercase hex of the file's bytes
  std::size_t rows = 0;  // data rows (header excluded)
};

}  // namespace riskscan
