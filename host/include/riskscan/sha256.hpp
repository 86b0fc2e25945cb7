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
  void block(const unsigned char* p);
  std::uint32_t h_[8];
  unsigned char buf_[64];
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view bytes);

}  // namespace riskscan
