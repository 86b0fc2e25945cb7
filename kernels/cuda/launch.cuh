#pragma once
// Kernel launches through cudaLaunchKernel rather than <<<...>>>: the same runtime call checks
// the launch configuration and returns its error, and the driver code stays plain C++, which
// lets the tests run it on the CPU under an emulated runtime (tests/emulated_cuda).
#include <cuda_runtime.h>

#include <cstddef>

#include "cuda_check.cuh"

namespace riskscan::cuda {

template <typename T>
struct same_type {
  using type = T;
};

// Runs kernel<<<grid, block, shared_bytes, stream>>>(args...); the arguments take the kernel's
// parameter types (not deduced from the call).
template <typename... Params>
void launch(void (*kernel)(Params...), unsigned grid, unsigned block, std::size_t shared_bytes, cudaStream_t stream,
            typename same_type<Params>::type... args) {
  void* pointers[] = {static_cast<void*>(&args)...};
  RS_CUDA_CHECK(cudaLaunchKernel(kernel, dim3(grid), dim3(block), pointers, shared_bytes, stream));
}

}  // namespace riskscan::cuda
