#pragma once
// `riskscan generate`: a realistic synthetic exchange snapshot, deterministic for a seed.
#include <cstdint>
#include <filesystem>

namespace riskscan {

// The most accounts a snapshot can hold: the loader numbers rows with 32-bit indices.
inline constexpr std::uint64_t max_generated_accounts = 2147483647;

struct generate_options {
  std::uint64_t accounts = 10000;
  std::uint64_t seed = 1;
  bool options = true;    // option chains on the majors and accounts trading them
  bool portfolio = true;  // portfolio-margin accounts
};

// Writes a complete snapshot directory (FORMATS.md) to `out`, creating it.
// Throws output_error (exit 73) when it cannot write.
void generate_exchange(const generate_options& options, const std::filesystem::path& out);

}  // namespace riskscan
