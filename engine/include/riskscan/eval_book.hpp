#pragma once
// The book prepared for evaluation: flat arrays in the layout of core::book_view (asset slots,
// cross positions grouped by settle asset, isolated positions, portfolio risk units, cumulative
// deductions of marginal schedules). Built once per scan on the host; immutable afterwards.
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "riskscan/book.hpp"
#include "riskscan/core/views.hpp"

namespace riskscan {

// An allocator whose resize() leaves new elements uninitialised (default-initialised, which for
// the arithmetic types here is no write at all). The per-account arrays are sized first and then
// written by all threads: zero-filling them on one thread beforehand would touch every page
// twice, 1.2 GB at 10 M accounts. (The reference tables share the type and are only appended to.)
template <class T>
struct uninitialised_allocator : std::allocator<T> {
  static_assert(std::is_trivially_default_constructible_v<T>);
  template <class U>
  struct rebind {
    using other = uninitialised_allocator<U>;
  };
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
template <class T>
using account_array = std::vector<T, uninitialised_allocator<T>>;

class eval_book {
 public:
  // Built on `threads` threads (0: all); the arrays do not depend on the count.
  explicit eval_book(const book& b, int threads = 0);
  // Accounts `rows` of `whole`, in that order, with the same reference tables (and so the same
  // instrument tables): one chunk of a book too large for the device.
  eval_book(const eval_book& whole, const std::vector<std::int64_t>& rows);
  eval_book(const eval_book&) = delete;
  eval_book& operator=(const eval_book&) = delete;

  // Pointers into this object's vectors; valid while it lives.
  const core::book_view& view() const noexcept { return view_; }
  std::int32_t pm_instrument_count() const noexcept { return pm_instruments_; }
  std::int32_t factor_count() const noexcept { return view_.factors; }

  // Rows of each core::book_extent: with core::for_each_array, the element count of every array
  // behind view(), so that a backend can deep-copy the view to another memory space (the CUDA
  // device).
  core::book_sizes sizes() const noexcept;
  // Bytes account a takes in the per-account arrays behind view() (for chunk planning).
  std::size_t account_bytes(std::int64_t a) const noexcept;
  // Bytes of the reference tables behind view() (assets, schedules, instruments, factors).
  std::size_t reference_bytes() const noexcept;

 private:
  void build_reference_tables(const book& b);
  void build_accounts(const book& b, int threads);
  void copy_account(const eval_book& whole, std::int64_t a);
  void bind_view();

  std::int32_t pm_instruments_ = 0;

  core::book_arrays<account_array> arrays_;  // what view() points into
  core::book_view view_{};
};

}  // namespace riskscan
