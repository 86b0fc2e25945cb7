#!/usr/bin/env bash
# Builds, on this machine, what a lent GPU machine runs: that machine starts bare and reaches no
# package registry, so it gets the `gpu` preset's build folder (sm_90, benchmarks, static CUDA
# runtime and GoogleTest) with the few shared libraries the binaries need beside it, and a note
# of the commit and build flags. Then, with the device tool:
#   run(command="scripts/gpu-check.sh", carry=["build/gpu"])
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset gpu >/dev/null
cmake --build --preset gpu
# Every benchmark once at a small size, the cuda one under the CPU emulator, so that a benchmark
# that fails is found here and not in the device's few minutes.
ctest --test-dir build/gpu -L bench --output-on-failure

libs=build/gpu/devlibs
rm -rf "$libs" && mkdir -p "$libs/gomp" "$libs/stdcxx"
deps=$(for bin in build/gpu/bin/*; do ldd "$bin"; done | awk '/=> \// {print $3}' | sort -u)
for lib in $(grep -E 'libfmt|libtomlplusplus|libbenchmark' <<<"$deps"); do cp -L "$lib" "$libs/"; done
# libgomp only where the machine has none: an older copy must not shadow the system's.
for lib in $(grep -E 'libgomp' <<<"$deps"); do cp -L "$lib" "$libs/gomp/"; done
# libstdc++ likewise, only where the machine's lacks the newest symbol version the binaries use.
for lib in $(grep -E 'libstdc\+\+' <<<"$deps"); do cp -L "$lib" "$libs/stdcxx/"; done
objdump -T build/gpu/bin/* "$libs"/*.so* | grep -o 'GLIBCXX_[0-9.]*' | sort -uV | tail -1 >"$libs/stdcxx/needs"

# flags TARGET_OBJECT: the compile flags ninja uses for it ("kernels/cuda/CMakeFiles/riskscan_cuda.dir/cuda_backend.cu").
flags() { grep -m1 -A8 "^build $1.o:" build/gpu/build.ninja | sed -n 's/^ *FLAGS = //p'; }
{
  echo "commit=$(git rev-parse HEAD)$(git diff --quiet HEAD || echo '-dirty')"
  echo "nvcc=$(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')"
  echo "cuda_flags=$(flags kernels/cuda/CMakeFiles/riskscan_cuda.dir/cuda_backend.cu) (cudart static)"
  echo "cxx_flags=$(flags engine/CMakeFiles/riskscan_engine.dir/src/engine.cpp)"
} >build/gpu/build-info.txt
cat build/gpu/build-info.txt
du -sh build/gpu
