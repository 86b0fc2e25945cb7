#pragma once
// A CUDA emulator for the tests: just enough of the runtime API and of the execution model to run
// the cuda backend's own driver (kernels/cuda/cuda_backend.cu) and kernels, unchanged, on the
// CPU. It stands in for <cuda_runtime.h> on the include path of riskscan_emulated_cuda_tests.
//
// What it checks: the kernels' indexing and reductions, their barrier protocol (every thread of a
// block reaches each __syncthreads, every lane of a warp each shuffle; a thread that waits
// forever is reported), launch limits (block size, 48 KiB of dynamic shared memory, grid size),
// and that nothing reads device or shared memory it did not write first (both start filled with
// one repeated byte, as real memory starts with garbage: 0xA5, which reads as a negative integer
// or double, or whatever byte RS_EMULATED_GARBAGE names in hex, such as 5A for positive values;
// the tests run under both, since code that leaves an entry unwritten may pass under one).
// Under AddressSanitizer (the asan preset) it also reports any access out of a device buffer's
// bounds or past a launch's dynamic shared memory, the emulator's counterpart of
// compute-sanitizer's memcheck.
//
// What it cannot check: timing, the memory model, register or occupancy limits, or races that
// happen not to show in its two schedules. The threads of a block are fibers (ucontext) run in
// one OS thread: each runs until it reaches a barrier or exits, in thread order and in reverse
// order by turns. Atomics are therefore plain read-modify-writes. Blocks run one after another.
// A GPU run is still owed.
#include <ucontext.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __shared__
#define __forceinline__ inline

// ---- Runtime types ----------------------------------------------------------------------------

enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorLaunchFailure = 719,
};
enum cudaMemcpyKind { cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2 };

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  constexpr dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
};
struct cudaDeviceProp {
  char name[256];
};
struct rs_emulated_stream {};
struct rs_emulated_event {
  double seconds = 0.0;
};
using cudaStream_t = rs_emulated_stream*;
using cudaEvent_t = rs_emulated_event*;

namespace rs_emulation {

// The byte device and shared memory start as: RS_EMULATED_GARBAGE (hex), else 0xA5.
unsigned char garbage();
inline constexpr std::size_t max_dynamic_shared = 48 * 1024;
inline constexpr unsigned max_block_threads = 1024;
inline constexpr int warp_size = 32;

// Device memory reported free by cudaMemGetInfo (the backend budgets 90% of it).
inline std::size_t free_device_memory = std::size_t{1} << 30;

// The error of the last failed launch (cudaGetLastError reads and clears it).
inline cudaError_t last_error = cudaSuccess;
inline std::string last_failure;  // why, for a test to print

// Coordinates of the fiber now running; a block's threads share blockIdx.
inline dim3 thread_index, block_index, block_dim, grid_dim;

// Defined in emulated_runtime.cpp.
void sync_block();                  // __syncthreads
void sync_warp();                   // the barrier inside a shuffle
unsigned& exchange_slot(int lane);  // the running thread's warp's shuffle slot for `lane`
// Records the launch's first failure; the launch returns it once the grid has stopped.
void fail(cudaError_t error, const std::string& why);
// Runs every block of the grid, one after another; returns the launch's error.
cudaError_t run_grid(dim3 grid, dim3 block, std::size_t shared_bytes, const std::function<void()>& body);
// A buffer behind an `extern __shared__` array: refilled with garbage before every block.
void register_shared(void* buffer, std::size_t bytes);
double now_seconds();

}  // namespace rs_emulation

// Built-in variables, as references to the running fiber's coordinates.
inline const dim3& threadIdx = rs_emulation::thread_index;
inline const dim3& blockIdx = rs_emulation::block_index;
inline const dim3& blockDim = rs_emulation::block_dim;
inline const dim3& gridDim = rs_emulation::grid_dim;

// ---- Device functions -------------------------------------------------------------------------

inline void __syncthreads() { rs_emulation::sync_block(); }

inline unsigned __shfl_sync(unsigned mask, unsigned value, int source) {
  if (mask != 0xffffffffu) rs_emulation::fail(cudaErrorLaunchFailure, "__shfl_sync: only full-warp masks are emulated");
  const int lane = static_cast<int>(threadIdx.x) % rs_emulation::warp_size;
  rs_emulation::exchange_slot(lane) = value;
  rs_emulation::sync_warp();
  const unsigned out = rs_emulation::exchange_slot(source);
  rs_emulation::sync_warp();  // nobody overwrites a slot before every lane has read
  return out;
}

// Fibers never run at the same time, so a read-modify-write is atomic.
template <typename T>
T atomicAdd(T* address, T value) {
  const T old = *address;
  *address = static_cast<T>(old + value);
  return old;
}
template <typename T>
T atomicOr(T* address, T value) {
  const T old = *address;
  *address = static_cast<T>(old | value);
  return old;
}

// ---- Runtime API ------------------------------------------------------------------------------

inline const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
    case cudaSuccess:
      return "cudaSuccess";
    case cudaErrorInvalidValue:
      return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation:
      return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidConfiguration:
      return "cudaErrorInvalidConfiguration";
    case cudaErrorLaunchFailure:
      return "cudaErrorLaunchFailure";
  }
  return "unknown";
}
inline const char* cudaGetErrorString(cudaError_t e) {
  return e == cudaSuccess                     ? "no error"
         : rs_emulation::last_failure.empty() ? cudaGetErrorName(e)
                                              : rs_emulation::last_failure.c_str();
}
inline cudaError_t cudaGetLastError() { return std::exchange(rs_emulation::last_error, cudaSuccess); }

inline cudaError_t cudaGetDeviceCount(int* count) {
  *count = 1;
  return cudaSuccess;
}
inline cudaError_t cudaSetDevice(int device) { return device == 0 ? cudaSuccess : cudaErrorInvalidValue; }
inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int device) {
  std::strcpy(p->name, "riskscan CUDA emulator");
  return device == 0 ? cudaSuccess : cudaErrorInvalidValue;
}
inline cudaError_t cudaMemGetInfo(std::size_t* free, std::size_t* total) {
  *free = rs_emulation::free_device_memory;
  *total = rs_emulation::free_device_memory;
  return cudaSuccess;
}
inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }

inline cudaError_t cudaMalloc(void** p, std::size_t bytes) {
  *p = std::malloc(bytes);
  if (*p == nullptr) return cudaErrorMemoryAllocation;
  std::memset(*p, rs_emulation::garbage(), bytes);
  return cudaSuccess;
}
inline cudaError_t cudaFree(void* p) {
  std::free(p);
  return cudaSuccess;
}
inline cudaError_t cudaMallocHost(void** p, std::size_t bytes) { return cudaMalloc(p, bytes); }
inline cudaError_t cudaFreeHost(void* p) { return cudaFree(p); }
inline cudaError_t cudaMemcpy(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind) {
  std::memcpy(dst, src, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaMemcpyAsync(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind, cudaStream_t) {
  return cudaMemcpy(dst, src, bytes, kind);
}
inline cudaError_t cudaMemsetAsync(void* p, int value, std::size_t bytes, cudaStream_t) {
  std::memset(p, value, bytes);
  return cudaSuccess;
}

inline cudaError_t cudaStreamCreate(cudaStream_t* s) {
  *s = new rs_emulated_stream;
  return cudaSuccess;
}
inline cudaError_t cudaStreamDestroy(cudaStream_t s) {
  delete s;
  return cudaSuccess;
}
inline cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }  // work ran at launch

inline cudaError_t cudaEventCreate(cudaEvent_t* e) {
  *e = new rs_emulated_event;
  return cudaSuccess;
}
inline cudaError_t cudaEventDestroy(cudaEvent_t e) {
  delete e;
  return cudaSuccess;
}
inline cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t) {
  e->seconds = rs_emulation::now_seconds();
  return cudaSuccess;
}
inline cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  *ms = static_cast<float>((end->seconds - start->seconds) * 1e3);
  return cudaSuccess;
}

// The typed overload of cudaLaunchKernel from <cuda_runtime.h>: `args` points at one value per
// kernel parameter. Runs the whole grid before returning.
template <typename... Params>
cudaError_t cudaLaunchKernel(void (*kernel)(Params...), dim3 grid, dim3 block, void** args, std::size_t shared_bytes,
                             cudaStream_t) {
  return rs_emulation::run_grid(grid, block, shared_bytes, [&] {
    [&]<std::size_t... I>(std::index_sequence<I...>) { kernel(*static_cast<std::remove_cvref_t<Params>*>(args[I])...); }
    (std::index_sequence_for<Params...>{});
  });
}
