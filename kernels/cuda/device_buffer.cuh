#pragma once
// RAII owners of CUDA resources (ARCHITECTURE.md 6): device memory, pinned host memory, a
// stream and an event. Move-only; destructors never throw (errors at release are ignored: nothing useful can
// be done with them there). A buffer of 0 elements holds no allocation and a null pointer.
#include <cuda_runtime.h>

#include <cstddef>
#include <utility>

#include "cuda_check.cuh"

namespace riskscan::cuda {

// Where an allocation lives: device memory, or page-locked host memory (so cudaMemcpyAsync
// really is asynchronous).
struct device_memory {
  static void allocate(void** p, std::size_t bytes) { RS_CUDA_CHECK(cudaMalloc(p, bytes)); }
  static void release(void* p) noexcept { cudaFree(p); }
};
struct pinned_memory {
  static void allocate(void** p, std::size_t bytes) { RS_CUDA_CHECK(cudaMallocHost(p, bytes)); }
  static void release(void* p) noexcept { cudaFreeHost(p); }
};

// n elements of T in `Memory`, owned.
template <typename T, typename Memory>
class cuda_allocation {
 public:
  cuda_allocation() = default;
  explicit cuda_allocation(std::size_t n) : n_(n) {
    if (n_ > 0) Memory::allocate(reinterpret_cast<void**>(&ptr_), n_ * sizeof(T));
  }
  ~cuda_allocation() { release(); }
  cuda_allocation(const cuda_allocation&) = delete;
  cuda_allocation& operator=(const cuda_allocation&) = delete;
  cuda_allocation(cuda_allocation&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  cuda_allocation& operator=(cuda_allocation&& o) noexcept {
    if (this != &o) {
      release();
      ptr_ = std::exchange(o.ptr_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }

  T* get() const noexcept { return ptr_; }
  std::size_t size() const noexcept { return n_; }
  std::size_t bytes() const noexcept { return n_ * sizeof(T); }

 private:
  void release() noexcept {
    if (ptr_ != nullptr) Memory::release(ptr_);
    ptr_ = nullptr;
    n_ = 0;
  }
  T* ptr_ = nullptr;
  std::size_t n_ = 0;
};

template <typename T>
class device_buffer : public cuda_allocation<T, device_memory> {
 public:
  using cuda_allocation<T, device_memory>::cuda_allocation;

  // Synchronous copy of n host elements (pageable memory is fine; used once per scan).
  void upload(const T* host, std::size_t n) {
    if (n > 0) RS_CUDA_CHECK(cudaMemcpy(this->get(), host, n * sizeof(T), cudaMemcpyHostToDevice));
  }
  void zero_async(cudaStream_t stream) {
    if (this->size() > 0) RS_CUDA_CHECK(cudaMemsetAsync(this->get(), 0, this->bytes(), stream));
  }
};

// A deep copy of `n` host elements on the device.
template <typename T>
device_buffer<T> to_device(const T* host, std::size_t n) {
  device_buffer<T> d(n);
  d.upload(host, n);
  return d;
}

template <typename T>
class pinned_buffer : public cuda_allocation<T, pinned_memory> {
 public:
  using cuda_allocation<T, pinned_memory>::cuda_allocation;
  T& operator[](std::size_t i) const noexcept { return this->get()[i]; }
};

// Device -> pinned host copy of n elements on `stream` (n may be 0).
template <typename T>
void copy_to_host_async(T* host, const T* device, std::size_t n, cudaStream_t stream) {
  if (n > 0) RS_CUDA_CHECK(cudaMemcpyAsync(host, device, n * sizeof(T), cudaMemcpyDeviceToHost, stream));
}
template <typename T>
void copy_to_device_async(T* device, const T* host, std::size_t n, cudaStream_t stream) {
  if (n > 0) RS_CUDA_CHECK(cudaMemcpyAsync(device, host, n * sizeof(T), cudaMemcpyHostToDevice, stream));
}

class cuda_stream {
 public:
  // A blocking stream: its work waits for the legacy default stream, where the synchronous
  // cudaMemcpy uploads run (from pageable memory they may return before the DMA has finished).
  cuda_stream() { RS_CUDA_CHECK(cudaStreamCreate(&stream_)); }
  ~cuda_stream() {
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  }
  cuda_stream(const cuda_stream&) = delete;
  cuda_stream& operator=(const cuda_stream&) = delete;
  cudaStream_t get() const noexcept { return stream_; }
  void synchronize() const { RS_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

 private:
  cudaStream_t stream_ = nullptr;
};

// A CUDA event for timing work on a stream.
class cuda_event {
 public:
  cuda_event() { RS_CUDA_CHECK(cudaEventCreate(&event_)); }
  ~cuda_event() {
    if (event_ != nullptr) cudaEventDestroy(event_);
  }
  cuda_event(const cuda_event&) = delete;
  cuda_event& operator=(const cuda_event&) = delete;
  void record(cudaStream_t stream) { RS_CUDA_CHECK(cudaEventRecord(event_, stream)); }
  // Seconds from `start` to this event; both must have completed.
  double seconds_since(const cuda_event& start) const {
    float ms = 0.0F;
    RS_CUDA_CHECK(cudaEventElapsedTime(&ms, start.event_, event_));
    return static_cast<double>(ms) / 1e3;
  }

 private:
  cudaEvent_t event_ = nullptr;
};

}  // namespace riskscan::cuda
