#!/usr/bin/env bash
# Quick start, part 2: install, build and run every test: the format check, the default build (CUDA
# kernels compiled when nvcc is present; GPU tests skip without a device), then ASan + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "== format"
scripts/check-format.sh
for preset in default asan; do
  echo "== preset $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
done
