// The huge-page allocator: large blocks start on a 2 MiB boundary (so the kernel can back them with
// 2 MiB pages; whether it does depends on the machine, and only the speed shows it), small ones
// come from the usual allocator, and the contents survive growth across the threshold.
#include "riskscan/huge_pages.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>

namespace riskscan {
namespace {

bool on_huge_page_boundary(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) % huge_page_allocator<char>::page == 0;
}

TEST(HugePages, LargeVectorsStartOnAHugePage) {
  huge_page_vector<std::int64_t> v;
  for (std::int64_t i = 0; i < 1'000'000; ++i) v.push_back(i);  // grows from small to 8 MB
  EXPECT_TRUE(on_huge_page_boundary(v.data()));
  std::int64_t expected = 0;
  for (const std::int64_t x : v) ASSERT_EQ(x, expected++);
  huge_page_vector<std::int64_t> small(100);
  std::iota(small.begin(), small.end(), 7);
  EXPECT_EQ(small.back(), 106);
}

TEST(HugePages, ByteBuffersOfEverySize) {
  for (const std::size_t size : {std::size_t{1}, std::size_t{4096}, (std::size_t{2} << 20) - 1, std::size_t{2} << 20,
                                 (std::size_t{3} << 20) + 5}) {
    SCOPED_TRACE(size);
    const huge_page_bytes bytes = make_huge_page_bytes(size);
    ASSERT_NE(bytes.get(), nullptr);
    EXPECT_EQ(on_huge_page_boundary(bytes.get()), size >= huge_page_allocator<char>::page);
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i % 251);
    for (std::size_t i = 0; i < size; i += 4093) ASSERT_EQ(bytes[i], static_cast<char>(i % 251));
  }
}

}  // namespace
}  // namespace riskscan
