#pragma once
// SHA-256 (FIPS 180-4) for the input manifest of summary.json.
#include <cstdint>
#include <string>
#include <string_view>

namespace riskscan {

class sha256 {
 public:
  sha256();
  void update(const void* data, std::size_t size);
  std::string hex_digest();  // finalises; call once

 private:
  void blocks(const unsigned char* p, std::size_t count);
  std::uint32_t h_[8];
  unsigned char buf_[64];
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view bytes);

// The compression function (FIPS 180-4 6.2.2) over `count` consecutive 64-byte blocks, in two
// forms: portable C++, and the x86 SHA extensions, which sha256 uses where the CPU has them (4x
// faster; the loader hashes every input byte). Both are here so the tests can check one against
// the other.
namespace sha256_compress {
void portable(std::uint32_t state[8], const unsigned char* p, std::size_t count);
bool has_sha_ni();  // SHA, SSSE3 and SSE4.1 present: sha_ni may be called
void sha_ni(std::uint32_t state[8], const unsigned char* p, std::size_t count);
}  // namespace sha256_compress

}  // namespace riskscan
