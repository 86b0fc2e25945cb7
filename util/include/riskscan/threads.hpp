#pragma once
// Threads for the loaders and the engine, outside OpenMP: a loop over a few large tasks, a job per
// column, a thread that may not start. Where the system starts no more threads (a process or
// address-space limit, a huge --threads) the work runs on the calling thread instead.
#include <cstddef>
#include <functional>
#include <system_error>
#include <thread>
#include <utility>

namespace riskscan {

// Runs fn(i) for every i in [0, n) on up to `threads` std::threads; the first exception is rethrown.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn);

// Runs each job on a thread of its own, up to `threads` at once. It sizes the columns of a table
// of millions of rows: zero-filling fresh pages there costs more than anything else done to them,
// and a thread per column spreads that cost.
template <class... Jobs>
void run_each(int threads, Jobs&&... jobs) {
  const std::function<void()> list[] = {std::function<void()>(std::forward<Jobs>(jobs))...};
  parallel_for(sizeof...(Jobs), threads, [&](std::size_t i) { list[i](); });
}

// Starts fn on a thread of its own; where the system starts no more threads (a process or
// address-space limit, a huge --threads) returns an empty jthread, and the caller does the work.
template <class Fn>
std::jthread try_start_thread(Fn&& fn) {
  try {
    return std::jthread(std::forward<Fn>(fn));
  } catch (const std::system_error&) {
    return {};
  }
}

// 0 = one thread per hardware thread.
int resolve_threads(int threads);

}  // namespace riskscan
