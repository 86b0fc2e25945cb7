#pragma once
// Portability macros for the evaluation headers that both g++ and nvcc compile.
// Headers under riskscan/core use no exceptions, no STL containers and no virtuals, so the same
// functions run in the CPU backends and inside CUDA kernels (ARCHITECTURE.md section 2).
#ifndef RS_HD
#if defined(__CUDACC__)
#define RS_HD __host__ __device__ inline
#else
#define RS_HD inline
#endif
#endif

#include <math.h>
#include <stdint.h>

namespace riskscan::core {

// Prices are formed from gross returns 1 + r floored here, so a return of exactly -1 (allowed by
// the scenario format) gives a tiny positive price instead of 0: inverse contracts divide by the
// mark and would otherwise produce inf / NaN. See docs/methodology-notes.md.
inline constexpr double min_gross_return = 1e-12;

// Option vols never fall below this (METHODOLOGY.md 2 and 5).
inline constexpr double min_vol = 0.01;

// min / max as plain comparisons: fmin / fmax carry NaN rules that make compilers emit library
// calls and block vectorisation. Inputs here are finite, where both agree.
RS_HD double min_of(double a, double b) { return b < a ? b : a; }
RS_HD double max_of(double a, double b) { return a < b ? b : a; }

RS_HD double gross_return(double r) { return max_of(1.0 + r, min_gross_return); }

}  // namespace riskscan::core
