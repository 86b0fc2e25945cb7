#pragma once
// RS_CUDA_CHECK(call): host-side check of a CUDA runtime call; throws riskscan::error (exit 70,
// internal) naming the call, file and line. Device code never throws: inputs are validated
// before launch.
#include <cuda_runtime.h>

#include <string>

#include "riskscan/error.hpp"

namespace riskscan::cuda {

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line) {
  throw error(exit_code::internal, std::string("CUDA error in ") + call + " at " + file + ":" + std::to_string(line) +
                                       ": " + cudaGetErrorName(err) + ": " + cudaGetErrorString(err));
}

}  // namespace riskscan::cuda

#define RS_CUDA_CHECK(call)                                                                                       \
  do {                                                                                                            \
    const cudaError_t rs_cuda_err_ = (call);                                                                      \
    if (rs_cuda_err_ != cudaSuccess) ::riskscan::cuda::throw_cuda_error(rs_cuda_err_, #call, __FILE__, __LINE__); \
  } while (0)
