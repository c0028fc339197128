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
#  - parse_json: instructions per event of the parse-only baseline (`seawall-bench parse`) over
#    the same events as hunt_json;
#  - load: instructions of `seawall-bench seawall-load` (loading and compiling all rules);
#  - syslog: instructions of `seawall-bench parse` over the first 40,000 lines of the
#    generated device syslog (`bench/telecom.sh` generates it);
#  - instructions inside chosen functions (callgrind `--toggle-collect`):
#    - engine_json: `Engine::evaluate` per event, over the first 30,000 generated JSON events;
#    - engine_json_marginal: the same over events 10,001-30,000 (the 30k run minus a 10k run, so
#      building on first use cancels out);
#    - engine_evtx: `Engine::evaluate` over the regression EVTX set named 10 times, and the
#      share of it spent building searchers and regexes on first use (`OnceLock` initialisers);
#    - stix_match, stix_compile, stix_observations: `seawall-bench stix-eval` over the
#      generated STIX cases (`bench/intel.sh` generates them): 75,000 matches
#      (`Matcher::search`, on observed data already prepared), parsing and compiling 30,000
#      patterns, building and preparing 15,250 observed-data sets (`observations_v21` and
#      `ObservedSet::new`). Binaries before 2026-11-27's seventeenth session inline `search`
#      and prepare nothing: count them inside `*Matcher::find*` instead, which holds all of it;
#    - intel_scan: looking for indicator values in events (`scan_event`), hunting the first
#      100,000 lines of each generated telecom log with 1k indicators.
# With ICOUNT_KEEP=DIR, each callgrind profile is kept as DIR/<line>.cg (e.g.
# DIR/engine_evtx.cg), so the breakdowns quoted in docs/PERFORMANCE.md can be read again:
# `callgrind_annotate --inclusive=yes DIR/engine_evtx.cg | grep merge_tables`.
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
a=$(count "$HARNESS" parse "$OUT/10k.jsonl" --threads 1)
b=$(count "$HARNESS" parse "$OUT/20k.jsonl" --threads 1)
echo "parse_json $(( (b - a) / 10000 )) instructions/event"

EVTX_DIR="$OUT/evtx"
source bench/evtx_set.sh
echo "hunt_evtx $(hunt "$OUT/evtx" "$OUT/evtx" "$OUT/evtx" "$OUT/evtx" "$OUT/evtx") instructions"

echo "load $(count "$HARNESS" seawall-load "${RULES[@]}") instructions"

if [ -s "$DATA/telecom/syslog.log" ]; then
  head -n 40000 "$DATA/telecom/syslog.log" > "$OUT/syslog.log"
  echo "syslog $(count "$HARNESS" parse "$OUT/syslog.log" --threads 1) instructions"
else
  echo "syslog skipped: run bench/telecom.sh first to generate bench/data/telecom/syslog.log"
fi

# Instructions inside the functions a callgrind `--toggle-collect` pattern names (several
# patterns comma-separated), then the command. With `--share F`, also the share of those spent
# under the function whose name contains F.
source bench/callgrind.sh
inside() {
  local share=""
  if [ "$1" = --share ]; then share=$2; shift 2; fi
  local toggles=$1
  shift
  profile "$OUT/cg" "${ICOUNT_KEEP:-}" "$KEEP_AS" "$toggles" -- "$@"
  local total
  total=$(callgrind_annotate "$OUT/cg" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
  if [ -n "$share" ]; then
    local part
    part=$(callgrind_annotate --inclusive=yes "$OUT/cg" 2>/dev/null | grep -F "$share" | head -n 1 | awk '{print $1}' | tr -d ,)
    echo "$total ${part:-0}"
  else
    echo "$total"
  fi
}

head -n 30000 "$DATA/sysmon.jsonl" > "$OUT/30k.jsonl"
e=$(KEEP_AS=engine_json inside '*Engine::evaluate*' "$SEAWALL" hunt "$OUT/30k.jsonl" "${RULES[@]}" --format jsonl -o /dev/null --threads 1 -q)
echo "engine_json $(( e / 30000 )) instructions/event"
e10=$(KEEP_AS=engine_json_10k inside '*Engine::evaluate*' "$SEAWALL" hunt "$OUT/10k.jsonl" "${RULES[@]}" --format jsonl -o /dev/null --threads 1 -q)
echo "engine_json_marginal $(( (e - e10) / 20000 )) instructions/event"
read -r e b <<< "$(KEEP_AS=engine_evtx inside --share 'OnceLock<T>::initialize [' '*Engine::evaluate*' "$SEAWALL" hunt \
  "$OUT/evtx" "$OUT/evtx" "$OUT/evtx" "$OUT/evtx" "$OUT/evtx" "$OUT/evtx" "$OUT/evtx" "$OUT/evtx" "$OUT/evtx" "$OUT/evtx" \
  "${RULES[@]}" --format jsonl -o /dev/null --threads 1 -q)"
echo "engine_evtx $e instructions, of which building on first use $b ($(( b * 100 / e ))%)"

CASES=$DATA/intel/stix_cases.jsonl
if [ -s "$CASES" ]; then
  echo "stix_match $(KEEP_AS=stix_match inside '*Matcher::search*' "$HARNESS" stix-eval --input "$CASES" --passes 4) instructions"
  echo "stix_compile $(KEEP_AS=stix_compile inside 'seawall_stix::pattern::parse,*compile_obs*' "$HARNESS" stix-eval --input "$CASES" --passes 1) instructions"
  echo "stix_observations $(KEEP_AS=stix_observations inside '*observations_v21*,*ObservedSet*new*' "$HARNESS" stix-eval --input "$CASES" --passes 1) instructions"
else
  echo "stix skipped: run bench/intel.sh first to generate $CASES"
fi

if [ -s "$DATA/intel/logs/conn.log" ] && [ -s "$DATA/intel/iocs-1k.csv" ]; then
  mkdir -p "$OUT/logs"
  for f in conn.log flows.csv syslog.log tacacs.acct; do head -n 100000 "$DATA/intel/logs/$f" > "$OUT/logs/$f"; done
  echo "intel_scan $(KEEP_AS=intel_scan inside '*scan_event*' "$SEAWALL" hunt "$OUT/logs" -q --format jsonl -o /dev/null \
    --min-level informational --intel "$DATA/intel/iocs-1k.csv" --threads 1) instructions"
else
  echo "intel_scan skipped: run bench/intel.sh first to generate $DATA/intel/logs"
fi
