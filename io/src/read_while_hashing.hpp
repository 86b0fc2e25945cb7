#pragma once
// Reads a file whole while other threads compute SHA-256 digests of it as its bytes arrive, so
// that hashing a large file costs little more time than reading it. The pack loader uses it for
// the content digest it checks and the whole-file digest of the manifest.
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "riskscan/csv_reader.hpp"

namespace riskscan {

struct hashed_file {
  csv::file file;
  std::vector<std::string> digests;  // lowercase hex; digests[i]: the bytes from from[i] to the end
};

// Reads at most one byte more than the file's size when it is opened: a file that grows
// meanwhile comes back one byte longer than that size, which is enough for a caller that checks
// the size to refuse it. Where a hashing thread cannot be started, the calling thread computes
// its digest after the read. Throws missing_input_error (exit 66) when the file is absent or
// cannot be read.
hashed_file read_while_hashing(const std::filesystem::path& path, std::span<const std::size_t> from);

}  // namespace riskscan
