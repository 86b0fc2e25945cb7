#include "riskscan/thread_start.hpp"

#include <fmt/format.h>
#include <omp.h>
#include <pthread.h>

#include <atomic>
#include <cstring>
#include <latch>
#include <vector>

#include "riskscan/error.hpp"

namespace riskscan {
namespace {

// A probe thread only waits. It must not touch the heap: a thread's first malloc or free gives it
// a malloc arena of its own, 64 MiB of address space that outlives the thread and would be
// missing when the pool starts (std::thread frees its state on the new thread, so plain pthreads).
extern "C" void* wait_for_start(void* started) {
  static_cast<std::latch*>(started)->wait();
  return nullptr;
}

}  // namespace

void start_threads(int n) {
  n = n > 0 ? n : omp_get_max_threads();
  if (n <= 1) return;
  {
    // All alive at once, as a region's team is: each waits until the last has been started (or
    // one could not be).
    std::latch started(1);
    std::vector<pthread_t> probe;
    probe.reserve(static_cast<std::size_t>(n - 1));
    int failure = 0;
    for (int i = 1; i < n && failure == 0; ++i) {
      pthread_t t;
      failure = pthread_create(&t, nullptr, wait_for_start, &started);
      if (failure == 0) probe.push_back(t);
    }
    started.count_down();
    for (const pthread_t t : probe) pthread_join(t, nullptr);
    if (failure != 0)
      throw error(exit_code::internal,
                  fmt::format("cannot start {} threads ({}): the process's memory or thread limit is too low; "
                              "lower --threads or raise the limit",
                              n, std::strerror(failure)));
  }
  // The probe's stacks are free again, so the pool starts. The region has a body, or the compiler
  // drops it and the pool would start at the first real region.
  std::atomic<int> members{0};
#pragma omp parallel num_threads(n)
  members.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace riskscan
