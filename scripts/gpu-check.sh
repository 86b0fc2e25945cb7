#!/usr/bin/env bash
# The GPU run, on a machine with a CUDA device, from the repository root, with
# build/gpu carried from scripts/gpu-stage.sh. Steps (all by default, or those named):
#   tests      every test, GPU parity suite included (ctest)
#   sanitizer  compute-sanitizer memcheck and racecheck over the small parity cases
#   bench      GPU kernel throughput, and the CPU account stage on the same machine
#   e2e        `riskscan scan` end to end, cuda against cpu on the same inputs (outputs compared),
#              on generated books of ${RS_E2E_ACCOUNTS:-1000000} accounts
# Two files go to ${OUT:-out/gpu-check} (the device tool brings back at most 8): log.txt, every
# command's output, and result.json (device, driver, commit, build flags, commands, numbers,
# parity), which belongs in bench/results/. result.json is rewritten after every step, so a call
# that runs out of time still brings back the steps it finished. Each compute-sanitizer run is
# bounded by ${RS_SANITIZER_TIMEOUT:-240} seconds (exit 124 in result.json when it ran out).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out/gpu-check}
build=build/gpu
steps=${*:-tests sanitizer bench e2e}
mkdir -p "$out"
tmp=$(mktemp -d)
log=$out/log.txt
: >"$log"
# Runs a command with its output appended to log.txt under a header; returns its exit status.
logged() {
  echo "===== $*" >>"$log"
  "$@" >"$tmp/last.log" 2>&1
  local rc=$?
  cat "$tmp/last.log" >>"$log"
  echo "===== exit $rc" >>"$log"
  return $rc
}
[ -f "$build/build-info.txt" ] || { echo "no $build/build-info.txt: run scripts/gpu-stage.sh first" >&2; exit 66; }

# The binaries carry the absolute path of the checkout they were built in (test data, the CLI).
src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
if [ "$src" != "$PWD" ] && [ ! -e "$src" ]; then mkdir -p "$(dirname "$src")" && ln -s "$PWD" "$src"; fi
libs=$PWD/$build/devlibs
ldconfig -p | grep -q 'libgomp.so.1 ' || libs=$libs:$PWD/$build/devlibs/gomp
system_stdcxx=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
[ -n "$system_stdcxx" ] && grep -q "$(cat "$build/devlibs/stdcxx/needs")" "$system_stdcxx" ||
  libs=$libs:$PWD/$build/devlibs/stdcxx
export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
bin=$build/bin

# Each step adds "key<TAB>json value" lines to $facts; they become one JSON object at the end.
facts=$tmp/facts.tsv
: >"$facts"
fact() { printf '%s\t%s\n' "$1" "$2" >>"$facts"; }
# Turns the facts so far into result.json.
write_result() {
  python3 - "$facts" "$out/result.json" <<'PY'
import json, sys
doc = {}
for line in open(sys.argv[1]):
    key, value = line.rstrip("\n").split("\t", 1)
    doc[key] = json.loads(value)
json.dump(doc, open(sys.argv[2], "w"), indent=1)
PY
}
str() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
seconds() { python3 -c 'import time; print(f"{time.time():.3f}")'; }

fact device "$(str "$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)")"
fact driver "$(str "$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1)")"
fact gpu_memory "$(str "$(nvidia-smi --query-gpu=memory.total --format=csv,noheader 2>/dev/null | head -1)")"
fact cpu "$(str "$(lscpu | sed -n 's/^Model name: *//p' | head -1) x $(nproc)")"
while IFS='=' read -r key value; do fact "$key" "$(str "$value")"; done <"$build/build-info.txt"

for step in $steps; do
  echo "== $step"
  case $step in
    tests)
      # The benchmarks' ctest smoke (label bench) would run the cuda ones at their real sizes: the
      # bench step does that.
      logged ctest --test-dir "$build" --output-on-failure -j 8 -LE bench
      fact tests_exit "$?"
      fact tests_summary "$(str "$(grep -E 'tests passed|tests failed' "$tmp/last.log")")"
      logged "$bin/riskscan_cuda_tests"
      fact gpu_tests_exit "$?"
      fact gpu_tests "$(str "$(grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$tmp/last.log" | tr '\n' ' ')")"
      ;;
    sanitizer)
      filter='cuda_parity.conformance_cases:cuda_parity.heavy_accounts_take_the_warp_path:cuda_hd.*'
      for tool in memcheck racecheck; do
        if command -v compute-sanitizer >/dev/null; then
          logged timeout "${RS_SANITIZER_TIMEOUT:-240}" compute-sanitizer --tool "$tool" --error-exitcode 1 \
            "$bin/riskscan_cuda_tests" --gtest_filter="$filter"
          fact "sanitizer_${tool}_exit" "$?"
          fact "sanitizer_${tool}" "$(str "$(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$tmp/last.log" | tr '\n' ' ')")"
        else
          fact "sanitizer_${tool}" '"compute-sanitizer not found"'
        fi
      done
      ;;
    bench)
      logged "$bin/riskscan_bench" --benchmark_filter='cuda_scan|account_stage_linear/1000000' \
        --benchmark_out="$tmp/bench.json" --benchmark_out_format=json
      fact bench_exit "$?"
      fact bench_command "$(str "$bin/riskscan_bench --benchmark_filter='cuda_scan|account_stage_linear/1000000'")"
      fact benchmarks "$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["benchmarks"]))' "$tmp/bench.json" 2>/dev/null || echo null)"
      cat "$tmp/last.log"
      ;;
    e2e)
      accounts=${RS_E2E_ACCOUNTS:-1000000}
      data=/tmp/riskscan-e2e
      rm -rf "$data" && mkdir -p "$data"
      logged "$bin/riskscan" generate --accounts "$accounts" --seed 1 --no-options --no-portfolio --out "$data/linear"
      logged "$bin/riskscan" generate --accounts "$accounts" --seed 1 --out "$data/full"
      for book in linear full; do
        for backend in cuda cpu; do
          t0=$(seconds)
          logged "$bin/riskscan" scan --snapshot "$data/$book" --scenarios scenarios/data/sample_exchange.toml \
            --backend "$backend" --out "$data/$book-$backend"
          rc=$?
          t1=$(seconds)
          fact "e2e_${book}_${backend}_exit" "$rc"
          fact "e2e_${book}_${backend}_wall_s" "$(python3 -c "print(round($t1 - $t0, 3))")"
          fact "e2e_${book}_${backend}_timings" "$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["timings_s"]))' "$data/$book-$backend/summary.json" 2>/dev/null || echo null)"
        done
        for f in accounts.csv scenarios.csv; do
          same=null differing=null  # a run that wrote nothing compares as nothing
          if [ -f "$data/$book-cuda/$f" ] && [ -f "$data/$book-cpu/$f" ]; then
            if cmp -s "$data/$book-cuda/$f" "$data/$book-cpu/$f"; then same=true; else same=false; fi
            differing=$(diff "$data/$book-cuda/$f" "$data/$book-cpu/$f" | grep -c '^<')
          fi
          fact "e2e_${book}_${f%.csv}_identical" "$same"
          fact "e2e_${book}_${f%.csv}_rows_differing" "$differing"
        done
      done
      fact e2e_command "$(str "riskscan scan --snapshot <generate --accounts $accounts --seed 1 [--no-options --no-portfolio]> --scenarios scenarios/data/sample_exchange.toml --backend cuda|cpu")"
      ;;
    *) echo "unknown step: $step" >&2; exit 64 ;;
  esac
  write_result
done

rm -rf "$tmp"
echo "wrote $out/result.json"
