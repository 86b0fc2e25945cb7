#!/usr/bin/env bash
# Quick start, part 1: install, build, generate the sample exchange (100,000 accounts) and run
# the built-in stress set over it. Outputs land in out/stress-scan/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --target riskscan
bin=build/default/bin/riskscan
$bin generate --accounts "${ACCOUNTS:-100000}" --seed 1 --out out/sample-exchange
$bin scan --snapshot out/sample-exchange --scenarios scenarios/data/stress_v1.csv --out out/stress-scan \
  --fund-balance 50000000
