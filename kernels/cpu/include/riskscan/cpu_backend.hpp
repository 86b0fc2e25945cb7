#pragma once
// The CPU backends (engine/include/riskscan/backend.hpp says what a backend does).
#include <memory>

#include "riskscan/backend.hpp"

namespace riskscan {

// Scalar, one pair at a time, every outcome materialised: the test oracle, for small inputs.
std::unique_ptr<backend> make_reference_backend();
// OpenMP over account blocks, scenario tiles sized for L2.
std::unique_ptr<backend> make_cpu_backend(int threads);

}  // namespace riskscan
