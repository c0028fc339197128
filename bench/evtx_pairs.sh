#!/usr/bin/env bash
# The EVTX hunt/parse-only ratio of `bench/sigma.sh`, measured on its own: alternated pairs of a
# parse-only pass and a hunt with all SigmaHQ rules over the regression EVTX set named 20 times.
# Usage: bench/evtx_pairs.sh [PAIRS] [after-json]   (default 9 pairs)
# With `after-json`, each pair follows a parse-only pass and a hunt over the generated 1 GB
# JSON file, as in `bench/sigma.sh` (run that once first to make the data).
# Prints each pair's ratio, then the median parse and hunt times and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS="${1:-9}"
MODE="${2:-}"
CORPUS="${SEAWALL_CORPUS:-../shared/corpus}"
SIGMA="$CORPUS/sigma"
RULES=(--rules "$SIGMA/rules" --rules "$SIGMA/rules-emerging-threats" --rules "$SIGMA/rules-threat-hunting")
DATA=bench/data
cargo build --release -q -p seawall-cli -p seawall-bench
SEAWALL=target/release/seawall
HARNESS=target/release/seawall-bench
source bench/evtx_set.sh

for _ in $(seq "$PAIRS"); do
  if [ "$MODE" = after-json ]; then
    "$HARNESS" parse "$DATA/sysmon.jsonl" --threads 2 >/dev/null
    "$SEAWALL" hunt "$DATA/sysmon.jsonl" "${RULES[@]}" --format jsonl -o /dev/null -q --threads 2 || true
  fi
  # Each output is kept until its command has ended, and only then read: a reader started in
  # a pipe runs beside the measured command and, on two cores, slows it (python3 starting
  # during the parse-only pass made that pass about 40% slower and the ratio too high).
  p=$("$HARNESS" parse "${EVTX_ARGS[@]}" --threads 2)
  h=$("$SEAWALL" hunt "${EVTX_ARGS[@]}" "${RULES[@]}" --format jsonl -o /dev/null --stats json -q --threads 2 2>&1 >/dev/null || true)
  p=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["seconds"])' "$p")
  h=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1].strip().splitlines()[-1])["scan_s"])' "$h")
  echo "$p $h"
done | python3 -c '
import statistics, sys
pairs = [tuple(map(float, line.split())) for line in sys.stdin]
for p, h in pairs:
    print(f"parse {p:.3f} s, hunt {h:.3f} s, ratio {p / h:.2f}")
p = statistics.median(x[0] for x in pairs); h = statistics.median(x[1] for x in pairs)
print(f"medians: parse {p:.3f} s, hunt {h:.3f} s, ratio {p / h:.2f} ({len(pairs)} pairs)")
'
