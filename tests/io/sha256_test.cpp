// SHA-256 against the FIPS 180-2 / NIST example vectors.
#include "riskscan/sha256.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace riskscan {
namespace {

TEST(Sha256, StandardVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(
      sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                 "mnopqrstnopqrstu"),
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Padding edge cases: 55 bytes fits the length in the last block, 56 and 64 need another block.
TEST(Sha256, PaddingBoundaries) {
  EXPECT_EQ(sha256_hex(std::string(55, 'a')), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(sha256_hex(std::string(56, 'a')), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(sha256_hex(std::string(64, 'a')), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST(Sha256, IncrementalUpdatesMatchOneShot) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += static_cast<char>('a' + i % 26);
  for (std::size_t step : {1u, 3u, 63u, 64u, 65u, 999u}) {
    sha256 h;
    for (std::size_t pos = 0; pos < text.size(); pos += step)
      h.update(text.data() + pos, std::min(step, text.size() - pos));
    EXPECT_EQ(h.hex_digest(), sha256_hex(text)) << step;
  }
}

// The SHA-extension compression against the portable one, over random data and every block count
// up to 40 (so every position in the unrolled schedule meets real data). The vectors above then
// check whichever of the two sha256 uses on this machine.
TEST(Sha256, ShaExtensionsMatchPortable) {
  if (!sha256_compress::has_sha_ni()) GTEST_SKIP() << "this CPU has no SHA extensions";
  std::mt19937_64 rng(180);
  std::vector<unsigned char> data(64 * 40);
  for (auto& byte : data) byte = static_cast<unsigned char>(rng());
  for (std::size_t count = 0; count <= 40; ++count) {
    std::uint32_t portable[8], extended[8];
    for (int i = 0; i < 8; ++i) portable[i] = extended[i] = static_cast<std::uint32_t>(rng());
    sha256_compress::portable(portable, data.data(), count);
    sha256_compress::sha_ni(extended, data.data(), count);
    EXPECT_EQ(std::memcmp(portable, extended, sizeof portable), 0) << count << " blocks";
  }
}

}  // namespace
}  // namespace riskscan
