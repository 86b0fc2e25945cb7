#pragma once
// A validated snapshot packed into one binary file, for reloads that skip CSV parsing
// (docs/snapshot-pack.md). `riskscan pack` writes one; every command that takes --snapshot reads
// a pack file as readily as a snapshot directory (load_snapshot decides by what the path is).
//
// A pack holds the book's columns as plain little-endian arrays with NumPy type codes, so other
// tools can read it, and the SHA-256 of everything after its header. Loading checks that digest
// before using any byte, then checks every index and offset, so a corrupt or doctored file is
// reported (exit 65) and never read out of bounds.
#include <filesystem>

#include "riskscan/snapshot_io.hpp"

namespace riskscan {

// Writes `snap` (its book, and its files as the pack's provenance) to `out`.
// Throws output_error (exit 73) when the file cannot be written.
void write_snapshot_pack(const loaded_snapshot& snap, const std::filesystem::path& out);

// Reads a pack file. `files` holds the pack itself and `packed_from` the snapshot files it was
// made from. Throws missing_input_error (66) when it cannot be read, input_error (65) when it is
// not a valid pack. `threads` (0: all cores) copy the large columns out of the file.
loaded_snapshot load_snapshot_pack(const std::filesystem::path& file, int threads = 0);

}  // namespace riskscan
