#pragma once
// The CUDA backend's entry points. Builds without the CUDA toolkit link a stub that reports no
// device, so callers never need #ifdefs (ARCHITECTURE.md 2).
#include <memory>
#include <string>

#include "riskscan/backend.hpp"

namespace riskscan {

struct cuda_status {
  int devices = 0;
  std::string message;  // why no device is usable, when devices == 0
};
cuda_status cuda_device_status();

// Requires cuda_device_status().devices > 0.
std::unique_ptr<backend> make_cuda_backend();

}  // namespace riskscan
