#pragma once
// Carries an exception out of an OpenMP parallel region. OpenMP requires an exception thrown in
// a region to be caught inside it by the thread that threw it; one that escapes terminates the
// program (exit 134) instead of reaching the CLI, which would report it with its exit code. A
// region whose body can throw (it allocates: std::bad_alloc) runs the body through run(), and the
// caller calls rethrow() after the region.
#include <atomic>
#include <exception>
#include <mutex>

namespace riskscan {

class region_errors {
 public:
  // Runs fn() unless an earlier call failed (the rest of the region's work is skipped: its result
  // is thrown away), and keeps the first exception.
  template <class Fn>
  void run(Fn&& fn) noexcept {
    if (failed_.load(std::memory_order_relaxed)) return;
    try {
      fn();
    } catch (...) {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!first_) first_ = std::current_exception();
      failed_.store(true, std::memory_order_relaxed);
    }
  }

  // Throws the first exception caught by run(), if any. Call it after the region.
  void rethrow() const {
    if (first_) std::rethrow_exception(first_);
  }

 private:
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  std::exception_ptr first_;
};

}  // namespace riskscan
