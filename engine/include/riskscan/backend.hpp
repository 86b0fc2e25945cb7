#pragma once
// A scan backend evaluates every (account, scenario) pair with core::evaluate_account and
// reduces on the fly. Backends differ in how they loop, never in the arithmetic: the CPU backends
// write byte-identical outputs for any book and thread count; a GPU backend matches them exactly
// for books without options (its transcendental functions may differ from libm by an ulp).
// The backends themselves sit a layer above: riskscan/cpu_backend.hpp, riskscan/cuda_backend.hpp.
#include <memory>
#include <string>
#include <vector>

#include "riskscan/eval_book.hpp"
#include "riskscan/scan_types.hpp"

namespace riskscan {

// One phase of a scan as a backend timed it, in seconds.
struct phase_time {
  std::string name;
  double seconds = 0.0;
};

class backend {
 public:
  virtual ~backend() = default;
  virtual std::string name() const = 0;
  virtual std::string device() const = 0;
  // Threads used (CPU backends), reported in summary.json.
  virtual int threads() const = 0;
  // `groups[a]`: the account's Cover-N group (accounts without one get their own id).
  virtual scan_reductions scan(const eval_book& book, const std::vector<std::int64_t>& groups,
                               const bound_scenarios& scenarios, const scan_config& config) = 0;
  // Phases of the last scan (the CUDA backend: uploads, and kernels timed with CUDA events);
  // empty for backends that time nothing finer than the whole scan.
  virtual std::vector<phase_time> phases() const { return {}; }
};

}  // namespace riskscan
