#!/usr/bin/env bash
# Instruction counts (valgrind/cachegrind): unlike times, they do not move with the machine's
# noise, so two builds can be compared by running this script on each (e.g. the old commit in
# a worktree, then the new one). Usage: bench/icount.sh [SEAWALL_BIN [HARNESS_BIN]]
#
# Prints, for a one-thread run:
#  - hunt_json: instructions per event of `seawall hunt` with all SigmaHQ rules over events
#    10,001-20,000 of the generated Sysmon-like JSON (the 20k-event run minus the 10k one, so
#    loading the rules and building per-route searchers cancel out);
#  - hunt_evtx: instructions of `seawall hunt` over the regression EVTX set named 5 times
#    (1,190 events; loading included: this is where one-time building shows);
#  - load: instructions of `seawall-bench seawall-load` (loading and compiling all rules);
#  - syslog: instructions of `seawall-bench parse` over the first 40,000 lines of the
#    generated device syslog (`bench/telecom.sh` generates it).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
CORPUS="${SEAWALL_CORPUS:-../shared/corpus}"
SIGMA="$CORPUS/sigma"
RULES=(--rules "$SIGMA/rules" --rules "$SIGMA/rules-emerging-threats" --rules "$SIGMA/rules-threat-hunting")
if [ $# -eq 0 ]; then
  cargo build --release -q -p seawall-cli -p seawall-bench
fi
SEAWALL="${1:-target/release/seawall}"
HARNESS="${2:-target/release/seawall-bench}"
DATA=bench/data
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

[ -s "$DATA/sysmon.jsonl" ] || "$HARNESS" gen --out "$DATA/sysmon.jsonl" --events 1300000 --seed 42 >/dev/null
head -n 10000 "$DATA/sysmon.jsonl" > "$OUT/10k.jsonl"
head -n 20000 "$DATA/sysmon.jsonl" > "$OUT/20k.jsonl"

count() { # the command; prints its instruction count (a hunt with findings exits 1)
  { valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" 2>&1 >/dev/null || true; } \
    | sed -n 's/.*I *refs: *//p' | tr -d ,
}
hunt() { count "$SEAWALL" hunt "$@" "${RULES[@]}" --format jsonl -o /dev/null --threads 1 -q; }

a=$(hunt "$OUT/10k.jsonl")
b=$(hunt "$OUT/20k.jsonl")
echo "hunt_json $(( (b - a) / 10000 )) instructions/event"

mkdir -p "$OUT/evtx"
find "$(cd "$SIGMA/regression_data" && pwd)" -name '*.evtx' | while read -r f; do
  ln -s "$f" "$OUT/evtx/$(basename "$(dirname "$f")")-$(basename "$f")"
done
echo "hunt_evtx $(hunt "$OUT/evtx" "$OUT/evtx" "$OUT/evtx" "$OUT/evtx" "$OUT/evtx") instructions"

echo "load $(count "$HARNESS" seawall-load "${RULES[@]}") instructions"

if [ -s "$DATA/telecom/syslog.log" ]; then
  head -n 40000 "$DATA/telecom/syslog.log" > "$OUT/syslog.log"
  echo "syslog $(count "$HARNESS" parse "$OUT/syslog.log" --threads 1) instructions"
else
  echo "syslog skipped: run bench/telecom.sh first to generate bench/data/telecom/syslog.log"
fi
