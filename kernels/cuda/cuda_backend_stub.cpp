// The CUDA entry points of a build without nvcc, which compiles no kernels (kernels/cuda/
// CMakeLists.txt): they report zero usable devices, so `--backend auto` falls back to the CPU and
// `--backend cuda` exits 75.
#include "riskscan/cuda_backend.hpp"

#include "riskscan/error.hpp"

namespace riskscan {

cuda_status cuda_device_status() { return {0, "this build of riskscan has no CUDA scan backend"}; }

std::unique_ptr<backend> make_cuda_backend() { throw no_gpu_error(cuda_device_status().message); }

}  // namespace riskscan
