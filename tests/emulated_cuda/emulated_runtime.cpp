// The execution model of the CUDA emulator (include/cuda_runtime.h): a block's threads are
// fibers run by a scheduler in this OS thread, each until it reaches a barrier or exits; a
// barrier opens when every thread it waits for has reached it. Between barriers the threads run
// in thread order and in reverse order by turns, so that work a missing barrier leaves unordered
// (thread 0 resetting a list the others append to, say) shows in one of the two.
//
// Under AddressSanitizer every device buffer is a heap allocation of its exact size, and the part
// of an `extern __shared__` buffer past a launch's dynamic shared memory is poisoned, so a kernel
// that reads or writes out of bounds is reported where it does it, as compute-sanitizer's
// memcheck would. ASan is told of every switch between the scheduler's stack and a fiber's.
#include <ucontext.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define RS_EMULATION_ASAN 1
#else
#define RS_EMULATION_ASAN 0
#endif

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <vector>

#include "cuda_runtime.h"

namespace rs_emulation {
namespace {

enum class state { ready, at_block_barrier, at_warp_barrier, done };

// Host code in a kernel (pricing, the account walk) needs a host-sized stack. Untouched pages of
// these allocations are never committed. ASan's red zones make frames several times larger.
constexpr std::size_t stack_bytes = (RS_EMULATION_ASAN ? 1024 : 256) * 1024;

// ASan's view of which stack is running; no-ops without ASan. `before_switch` runs on the old
// stack with the new one's bounds (and a null `fake` when leaving a fiber for good),
// `after_switch` on the new stack with what the matching `before_switch` saved.
void before_switch([[maybe_unused]] void** fake, [[maybe_unused]] const void* bottom,
                   [[maybe_unused]] std::size_t size) {
#if RS_EMULATION_ASAN
  __sanitizer_start_switch_fiber(fake, bottom, size);
#endif
}
void after_switch([[maybe_unused]] void* fake, [[maybe_unused]] const void** old_bottom,
                  [[maybe_unused]] std::size_t* old_size) {
#if RS_EMULATION_ASAN
  __sanitizer_finish_switch_fiber(fake, old_bottom, old_size);
#endif
}
void poison([[maybe_unused]] void* p, [[maybe_unused]] std::size_t bytes) {
#if RS_EMULATION_ASAN
  ASAN_POISON_MEMORY_REGION(p, bytes);
#endif
}
void unpoison([[maybe_unused]] void* p, [[maybe_unused]] std::size_t bytes) {
#if RS_EMULATION_ASAN
  ASAN_UNPOISON_MEMORY_REGION(p, bytes);
#endif
}

struct block_state {
  ucontext_t scheduler;
  const void* scheduler_stack = nullptr;  // its bounds, for ASan
  std::size_t scheduler_stack_bytes = 0;
  std::vector<ucontext_t> contexts;
  std::vector<std::unique_ptr<char[]>> stacks;  // kept for the next block
  std::vector<state> states;
  std::vector<unsigned> exchange;  // [thread]: shuffle slots
  unsigned threads = 0;
  unsigned current = 0;
  const std::function<void()>* body = nullptr;
};

block_state block;

// A function-local static: other files register their buffers during static initialisation.
std::vector<std::pair<void*, std::size_t>>& shared_buffers() {
  static std::vector<std::pair<void*, std::size_t>> buffers;
  return buffers;
}

void set_thread_index(unsigned linear) {
  thread_index = dim3(linear % block_dim.x, linear / block_dim.x % block_dim.y, linear / (block_dim.x * block_dim.y));
}

void fiber_main() {
  after_switch(nullptr, &block.scheduler_stack, &block.scheduler_stack_bytes);
  (*block.body)();
  block.states[block.current] = state::done;
  before_switch(nullptr, block.scheduler_stack, block.scheduler_stack_bytes);  // uc_link returns to the scheduler
}

void wait_at(state barrier) {
  block.states[block.current] = barrier;
  void* fake = nullptr;
  before_switch(&fake, block.scheduler_stack, block.scheduler_stack_bytes);
  swapcontext(&block.contexts[block.current], &block.scheduler);
  after_switch(fake, nullptr, nullptr);
}

// Opens the barriers that every thread they wait for has reached; false if none could open.
bool open_barriers() {
  bool opened = false;
  for (unsigned first = 0; first < block.threads; first += warp_size) {
    const unsigned end = std::min(block.threads, first + warp_size);
    bool all_there = true, any_there = false;
    for (unsigned t = first; t < end; ++t) {
      all_there = all_there && block.states[t] == state::at_warp_barrier;
      any_there = any_there || block.states[t] == state::at_warp_barrier;
    }
    if (any_there && all_there) {
      for (unsigned t = first; t < end; ++t) block.states[t] = state::ready;
      opened = true;
    }
  }
  if (opened) return true;
  unsigned waiting = 0, done = 0;
  for (const state s : block.states) {
    waiting += s == state::at_block_barrier;
    done += s == state::done;
  }
  if (waiting == 0 || waiting + done != block.threads) return false;
  if (done > 0) {
    fail(cudaErrorLaunchFailure,
         "__syncthreads reached after " + std::to_string(done) + " threads of the block exited");
    return false;
  }
  for (auto& s : block.states) s = state::ready;
  return true;
}

// Runs one block to completion; false when its threads can no longer make progress.
bool run_block(unsigned threads, const std::function<void()>& body) {
  block.threads = threads;
  block.body = &body;
  block.contexts.resize(threads);
  block.states.assign(threads, state::ready);
  block.exchange.assign(threads, 0x01010101u * garbage());
  while (block.stacks.size() < threads) block.stacks.push_back(std::make_unique_for_overwrite<char[]>(stack_bytes));
  for (unsigned t = 0; t < threads; ++t) {
    unpoison(block.stacks[t].get(), stack_bytes);  // frames a failed launch left behind
    ucontext_t& c = block.contexts[t];
    getcontext(&c);
    c.uc_stack.ss_sp = block.stacks[t].get();
    c.uc_stack.ss_size = stack_bytes;
    c.uc_link = &block.scheduler;
    makecontext(&c, fiber_main, 0);
    // ASan's swapcontext interceptor clears the shadow of the whole stack named here on every
    // switch (a megabyte of fiber stack, twice per barrier): minutes of system time over the
    // suite. The switch itself no longer reads the field, the stack was unpoisoned above and
    // before_switch gives ASan its bounds, so it can be forgotten.
    if (RS_EMULATION_ASAN) c.uc_stack.ss_size = 0;
  }
  bool forward = true;
  for (;;) {
    bool ran = false;
    for (unsigned i = 0; i < threads; ++i) {
      const unsigned t = forward ? i : threads - 1 - i;
      if (block.states[t] != state::ready) continue;
      block.current = t;
      set_thread_index(t);
      void* fake = nullptr;
      before_switch(&fake, block.stacks[t].get(), stack_bytes);
      swapcontext(&block.scheduler, &block.contexts[t]);
      after_switch(fake, nullptr, nullptr);
      ran = true;
    }
    if (ran) forward = !forward;
    bool all_done = true;
    for (const state s : block.states) all_done = all_done && s == state::done;
    if (all_done) return true;
    if (!ran && !open_barriers()) {
      fail(cudaErrorLaunchFailure,
           "threads of block " + std::to_string(block_index.x) +
               " wait at barriers the others never reach (a divergent __syncthreads or shuffle)");
      return false;
    }
  }
}

}  // namespace

unsigned char garbage() {
  static const unsigned char byte = [] {
    const char* hex = std::getenv("RS_EMULATED_GARBAGE");
    return static_cast<unsigned char>(hex != nullptr ? std::strtoul(hex, nullptr, 16) : 0xA5);
  }();
  return byte;
}

void sync_block() { wait_at(state::at_block_barrier); }
void sync_warp() { wait_at(state::at_warp_barrier); }
unsigned& exchange_slot(int lane) {
  return block.exchange[block.current / warp_size * warp_size + static_cast<unsigned>(lane)];
}

void fail(cudaError_t error, const std::string& why) {
  if (last_error != cudaSuccess) return;
  last_error = error;
  last_failure = why;
}

void register_shared(void* buffer, std::size_t bytes) { shared_buffers().emplace_back(buffer, bytes); }

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

cudaError_t run_grid(dim3 grid, dim3 block_size, std::size_t shared_bytes, const std::function<void()>& body) {
  const unsigned long long threads = 1ULL * block_size.x * block_size.y * block_size.z;
  if (threads == 0 || threads > max_block_threads || grid.x == 0 || grid.y == 0 || grid.z == 0 ||
      grid.x > 0x7fffffffu || grid.y > 65535 || grid.z > 65535) {
    fail(cudaErrorInvalidConfiguration, "launch of " + std::to_string(threads) + " threads per block, grid " +
                                            std::to_string(grid.x) + "x" + std::to_string(grid.y) + "x" +
                                            std::to_string(grid.z));
    return std::exchange(last_error, cudaSuccess);
  }
  if (shared_bytes > max_dynamic_shared) {
    fail(cudaErrorInvalidValue, "launch asks for " + std::to_string(shared_bytes) +
                                    " bytes of dynamic shared memory, above the 48 KiB available without opting in");
    return std::exchange(last_error, cudaSuccess);
  }
  grid_dim = grid;
  block_dim = block_size;
  for (unsigned z = 0; z < grid.z; ++z) {
    for (unsigned y = 0; y < grid.y; ++y) {
      for (unsigned x = 0; x < grid.x; ++x) {
        block_index = dim3(x, y, z);
        for (const auto& [buffer, bytes] : shared_buffers()) {
          unpoison(buffer, bytes);
          std::memset(buffer, garbage(), bytes);
          poison(static_cast<char*>(buffer) + shared_bytes, bytes - shared_bytes);  // past the launch's share
        }
        if (!run_block(static_cast<unsigned>(threads), body) || last_error != cudaSuccess)
          return std::exchange(last_error, cudaSuccess);
      }
    }
  }
  return cudaSuccess;
}

}  // namespace rs_emulation
