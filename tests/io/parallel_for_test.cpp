// parallel_for (util/threads.hpp), which the loaders use to parse slices on threads of their own:
// every index runs once, an exception comes back to the caller, and threads the system will not
// start are made up for by the calling thread instead of aborting the run.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "riskscan/threads.hpp"

namespace riskscan {
namespace {

TEST(ParallelFor, EveryIndexOnceForAnyThreadCount) {
  for (const std::size_t n : {0u, 1u, 5u, 100u}) {
    for (const int threads : {1, 2, 7, 64}) {
      std::vector<std::atomic<int>> runs(n);
      parallel_for(n, threads, [&](std::size_t i) { runs[i].fetch_add(1); });
      for (std::size_t i = 0; i < n; ++i)
        EXPECT_EQ(runs[i].load(), 1) << "n " << n << ", threads " << threads << ", index " << i;
    }
  }
}

TEST(ParallelFor, AnExceptionReachesTheCaller) {
  std::atomic<int> ran{0};
  EXPECT_THROW(parallel_for(40, 4,
                            [&](std::size_t i) {
                              ran.fetch_add(1);
                              if (i == 13) throw std::runtime_error("slice 13");
                            }),
               std::runtime_error);
  EXPECT_GE(ran.load(), 1);
}

std::size_t address_space_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmSize:", 0) == 0) return std::stoull(line.substr(7)) * 1024;  // kB
  return 0;
}

// Each thread maps a stack of several MiB. With the address space capped a little above what the
// process uses, only a few of 200 threads can start; the rest of the work must still be done,
// on the calling thread. (Before, the failed start destroyed joinable threads: std::terminate.)
#if defined(__SANITIZE_ADDRESS__)
constexpr bool under_asan = true;
#else
constexpr bool under_asan = false;
#endif

TEST(ParallelFor, ThreadsThatCannotStartAreDoneByTheCaller) {
  if (under_asan)
    GTEST_SKIP() << "AddressSanitizer reserves terabytes of shadow memory; an address-space cap breaks it";
  constexpr std::size_t n = 200;
  std::vector<std::atomic<int>> runs(n);
  std::vector<std::thread::id> by(n);
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_AS, &saved), 0);
  const std::size_t used = address_space_bytes();
  ASSERT_GT(used, 0u);
  rlimit capped = saved;
  capped.rlim_cur = used + (std::size_t{64} << 20);
  if (saved.rlim_cur != RLIM_INFINITY && saved.rlim_cur < capped.rlim_cur) GTEST_SKIP() << "already capped lower";
  ASSERT_EQ(setrlimit(RLIMIT_AS, &capped), 0);
  parallel_for(n, static_cast<int>(n), [&](std::size_t i) {
    runs[i].fetch_add(1);
    by[i] = std::this_thread::get_id();
  });
  ASSERT_EQ(setrlimit(RLIMIT_AS, &saved), 0);

  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(runs[i].load(), 1) << "index " << i;
  const std::set<std::thread::id> threads(by.begin(), by.end());
  EXPECT_LT(threads.size(), n) << "the cap was meant to stop some threads from starting";
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 1u) << "the calling thread did no share";
}

}  // namespace
}  // namespace riskscan
