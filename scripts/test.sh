#!/usr/bin/env bash
# Quick start, part 2: install, build and run every test: the default build (CUDA kernels compiled
# when nvcc is present; GPU tests skip without a device), then the ASan + UBSan build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
for preset in default asan; do
  echo "== preset $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
done
