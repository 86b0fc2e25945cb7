// The cuda backend's own driver and kernels (kernels/cuda/cuda_backend.cu), compiled by the host
// compiler against the emulated runtime in include/cuda_runtime.h. tests/CMakeLists.txt renames
// make_cuda_backend and cuda_device_status in this test binary, so they do not clash with the
// library's (real or stub) definitions.
#include <cstdint>

#include "cuda_runtime.h"

namespace riskscan::cuda {

// Storage behind the kernels' `extern __shared__` arrays (scan_kernels.cuh), which refer to
// these by name; refilled with garbage before every block.
alignas(16) unsigned long long shared[rs_emulation::max_dynamic_shared / sizeof(unsigned long long)];
alignas(16) std::int64_t lists[rs_emulation::max_dynamic_shared / sizeof(std::int64_t)];

namespace {
const bool shared_registered = [] {
  rs_emulation::register_shared(shared, sizeof shared);
  rs_emulation::register_shared(lists, sizeof lists);
  return true;
}();
}  // namespace

}  // namespace riskscan::cuda

#include "cuda_backend.cu"
