#!/usr/bin/env bash
# Checks that two builds of riskscan write the same bytes: every conformance case (cpu and
# reference backends), a generated 100,000-account book (the generator's files too) under the
# built-in stress set, its pack, and the sample scenario spec. accounts.csv, scenarios.csv and the
# generated files must be byte-identical; summary.json must be equal once its timings and
# throughput (which vary run to run) are left out. For a refactoring that must not change behaviour:
#   scripts/compare-outputs.sh OLD/bin/riskscan build/default/bin/riskscan
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 OLD_RISKSCAN NEW_RISKSCAN" >&2; exit 64; }
old=$1 new=$2
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

same_summary() {
  python3 - "$1" "$2" <<'PY'
import json, sys
docs = [json.load(open(p)) for p in sys.argv[1:3]]
for d in docs:
    d.pop("timings_s", None)
    d.pop("throughput", None)
sys.exit(0 if docs[0] == docs[1] else 1)
PY
}

# compare NAME ARGS...: runs `scan ARGS --out DIR` with both builds and compares the directories.
compare_scan() {
  local name=$1
  shift
  "$old" scan "$@" --out "$work/old-$name" >/dev/null
  "$new" scan "$@" --out "$work/new-$name" >/dev/null
  for f in accounts.csv scenarios.csv; do
    cmp -s "$work/old-$name/$f" "$work/new-$name/$f" || { echo "DIFFERS: $name/$f"; failed=1; }
  done
  same_summary "$work/old-$name/summary.json" "$work/new-$name/summary.json" ||
    { echo "DIFFERS: $name/summary.json"; failed=1; }
  echo "compared $name"
}

for case in tests/conformance/cases/*/; do
  name=$(basename "$case")
  for backend in cpu reference; do
    compare_scan "$name-$backend" --snapshot "$case/snapshot" --scenarios "$case/scenarios.csv" --backend "$backend"
  done
done

"$old" generate --accounts 100000 --seed 1 --out "$work/old-book" >/dev/null
"$new" generate --accounts 100000 --seed 1 --out "$work/new-book" >/dev/null
diff -r "$work/old-book" "$work/new-book" >/dev/null || { echo "DIFFERS: generate"; failed=1; }
echo "compared generate"
compare_scan stress-100k --snapshot "$work/old-book" --scenarios scenarios/data/stress_v1.csv --backend cpu
"$old" pack --snapshot "$work/old-book" --out "$work/old.rspack" >/dev/null
"$new" pack --snapshot "$work/old-book" --out "$work/new.rspack" >/dev/null
cmp -s "$work/old.rspack" "$work/new.rspack" || { echo "DIFFERS: pack"; failed=1; }
echo "compared pack"
compare_scan stress-100k-pack --snapshot "$work/old.rspack" --scenarios scenarios/data/stress_v1.csv --backend cpu
"$old" scenarios --spec scenarios/data/sample_spec.toml --out "$work/old-spec.csv" >/dev/null
"$new" scenarios --spec scenarios/data/sample_spec.toml --out "$work/new-spec.csv" >/dev/null
cmp -s "$work/old-spec.csv" "$work/new-spec.csv" || { echo "DIFFERS: scenarios"; failed=1; }
echo "compared scenarios"

[ $failed -eq 0 ] && echo "identical" || { echo "outputs differ" >&2; exit 1; }
