#pragma once
// Memory for the loader's large blocks that are read at random (the ID tables, and the file bytes
// their keys point into): blocks of 2 MiB and more are asked to be backed by 2 MiB pages. The
// account table's 256 MiB of slots span 65 536 pages of 4 KiB, far more than the TLB maps, so a
// random slot cost a page walk beside its cache miss; in 2 MiB pages it is 128 pages. Linux gives
// such pages to memory advised with MADV_HUGEPAGE when transparent huge pages are in "madvise"
// mode (the usual default) or "always". Where they are off, or the kernel has none to give, the
// advice does nothing and 4 KiB pages serve as before: only the speed differs. A large block also
// takes one page fault per 2 MiB as it is first written instead of 512.
#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

namespace riskscan {

template <class T>
struct huge_page_allocator {
  using value_type = T;
  static constexpr std::size_t page = std::size_t{2} << 20;

  huge_page_allocator() = default;
  template <class U>
  huge_page_allocator(const huge_page_allocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n * sizeof(T) < page) return std::allocator<T>().allocate(n);
    const std::size_t bytes = rounded(n);
    void* p = std::aligned_alloc(page, bytes);
    if (p == nullptr) throw std::bad_alloc();
    ::madvise(p, bytes, MADV_HUGEPAGE);  // advice: a refusal leaves 4 KiB pages
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < page) return std::allocator<T>().deallocate(p, n);
    std::free(p);
  }
  friend bool operator==(const huge_page_allocator&, const huge_page_allocator&) { return true; }

 private:
  static std::size_t rounded(std::size_t n) { return (n * sizeof(T) + page - 1) / page * page; }
};

// A std::vector whose large blocks come in huge pages.
template <class T>
using huge_page_vector = std::vector<T, huge_page_allocator<T>>;

// Bytes left uninitialised (a file is read into them), in huge pages where large.
struct huge_page_bytes_deleter {
  std::size_t size = 0;
  void operator()(char* p) const noexcept { huge_page_allocator<char>().deallocate(p, size); }
};
using huge_page_bytes = std::unique_ptr<char[], huge_page_bytes_deleter>;
inline huge_page_bytes make_huge_page_bytes(std::size_t size) {
  return huge_page_bytes(huge_page_allocator<char>().allocate(size), huge_page_bytes_deleter{size});
}

}  // namespace riskscan
