#!/usr/bin/env bash
# Checks that every tracked C++ and CUDA source is formatted by .clang-format (clang-format 14,
# Debian's). With --fix, formats them instead.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=(--dry-run --Werror)
[ "${1:-}" = "--fix" ] && mode=(-i)
git ls-files -z '*.cpp' '*.hpp' '*.cu' '*.cuh' '*.h' | xargs -0 clang-format "${mode[@]}"
