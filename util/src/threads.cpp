#include "riskscan/threads.hpp"

#include <algorithm>
#include <exception>
#include <mutex>
#include <vector>

namespace riskscan {

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn) {
  const std::size_t workers = std::min<std::size_t>(n, static_cast<std::size_t>(resolve_threads(threads)));
  if (workers <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  // Static round-robin: the callers hand out one task per thread, so stealing would buy nothing.
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto run = [&](std::size_t w) {
    try {
      for (std::size_t i = w; i < n; i += workers) fn(i);
    } catch (...) {
      const std::lock_guard lock(error_mutex);
      if (!first_error) first_error = std::current_exception();
    }
  };
  std::vector<std::jthread> pool;  // joins on every way out
  pool.reserve(workers);
  std::size_t w = 0;
  for (; w < workers; ++w) {
    std::jthread t = try_start_thread([&run, w] { run(w); });
    if (!t.joinable()) break;
    pool.push_back(std::move(t));
  }
  for (; w < workers; ++w) run(w);  // the shares of threads the system would not start
  for (auto& t : pool) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace riskscan
