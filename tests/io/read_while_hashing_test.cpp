// The pack loader's read: the file comes back whole, and each digest covers its range, whether
// hashed on a thread as the pieces arrive or after the read.
#include "../../io/src/read_while_hashing.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <string>

#include "riskscan/error.hpp"
#include "riskscan/sha256.hpp"
#include "test_support.hpp"

namespace riskscan {
namespace {

using riskscan::test::temp_dir;
using riskscan::test::write_file;

TEST(ReadWhileHashing, TheFileAndEachRangesDigest) {
  temp_dir dir;
  std::mt19937_64 rng(11);
  // Empty, one short read, and 40 MiB + 3: several pieces of the reader, the last one partial.
  for (const std::size_t size : {std::size_t{0}, std::size_t{1000}, (std::size_t{40} << 20) + 3}) {
    std::string text(size, '\0');
    for (char& c : text) c = static_cast<char>(rng());
    write_file(dir / "f.bin", text);
    // From the start, past a header, mid-file, the last byte, the end and beyond it.
    const std::array<std::size_t, 6> from = {0, 128, size / 2 + 1, size > 0 ? size - 1 : 0, size, size + 10};
    const hashed_file got = read_while_hashing(dir / "f.bin", from);
    ASSERT_EQ(got.file.bytes(), text) << size;
    ASSERT_EQ(got.digests.size(), from.size());
    for (std::size_t i = 0; i < from.size(); ++i) {
      const std::string_view range = from[i] < size ? std::string_view(text).substr(from[i]) : std::string_view();
      EXPECT_EQ(got.digests[i], sha256_hex(range)) << size << " bytes, from " << from[i];
    }
  }
  EXPECT_THROW(read_while_hashing(dir / "absent.bin", std::array<std::size_t, 1>{0}), missing_input_error);
  EXPECT_THROW(read_while_hashing(dir.path(), std::array<std::size_t, 1>{0}), missing_input_error);
}

}  // namespace
}  // namespace riskscan
