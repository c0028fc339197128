#!/usr/bin/env bash
# Sigma engine benchmark. Usage: bench/sigma.sh [RUNS]   (default 5; medians are reported)
#
# (a) hunts the SigmaHQ regression EVTX set (repeated to a measurable size) and a generated
#     JSON-lines file (>= 1 GB, >= 1M Sysmon-like events, seeded) with all SigmaHQ rules;
#     prints events/s, MB/s and peak RSS;
# (b) in the same run, a parse-only pass over the same input with the same readers, and the
#     ratio hunt/parse-only;
# (c) in the same run, RSigma (rsigma-eval) and sigma-rust through harnesses of their own APIs
#     on the same JSON events, one core each, and Seawall's speed-up per core over each;
# (d) real logs nobody here wrote (the corpus's `logs` folder: Zeek, Suricata, NetFlow, syslog,
#     lawful-intercept XML ...), hunted with all SigmaHQ rules and parsed only, and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
CORPUS="${SEAWALL_CORPUS:-../shared/corpus}"
SIGMA="$CORPUS/sigma"
RULES=(--rules "$SIGMA/rules" --rules "$SIGMA/rules-emerging-threats" --rules "$SIGMA/rules-threat-hunting")
DATA=bench/data
mkdir -p "$DATA"

cargo build --release -q -p seawall-cli -p seawall-bench
SEAWALL=target/release/seawall
HARNESS=target/release/seawall-bench

JSONL="$DATA/sysmon.jsonl"
if [ ! -s "$JSONL" ]; then
  "$HARNESS" gen --out "$JSONL" --events 1300000 --seed 42 >/dev/null
fi
PEER_EVENTS=100000
head -n "$PEER_EVENTS" "$JSONL" > "$DATA/sysmon-head.jsonl"
source bench/evtx_set.sh

results=$(mktemp)
measure() { # name, then the command; records elapsed, peak RSS and the command's JSON line
  local name=$1; shift
  local out
  out=$( { /usr/bin/time -f 'TIME %e %M' "$@" 2>&1 1>/dev/null; } || true)
  echo "$name $(echo "$out" | grep '^{' | tail -n 1 | tr -d ' ') $(echo "$out" | grep '^TIME')" >> "$results"
}
measure_stdout() { # name, then the command; the command prints its JSON on stdout
  local name=$1; shift
  local json time
  json=$( { /usr/bin/time -f 'TIME %e %M' "$@" 2>"$results.err"; } )
  time=$(grep '^TIME' "$results.err" || true)
  echo "$name $(echo "$json" | tail -n 1 | tr -d ' ') $time" >> "$results"
}

for run in $(seq "$RUNS"); do
  echo "run $run/$RUNS" >&2
  measure_stdout parse_json "$HARNESS" parse "$JSONL" --threads 2
  measure hunt_json "$SEAWALL" hunt "$JSONL" "${RULES[@]}" --format jsonl -o /dev/null --stats json -q --threads 2
  # An EVTX pass lasts a fraction of a second, within the machine's swings: three alternated
  # pairs a run.
  for _ in 1 2 3; do
    measure_stdout parse_evtx "$HARNESS" parse "${EVTX_ARGS[@]}" --threads 2
    measure hunt_evtx "$SEAWALL" hunt "${EVTX_ARGS[@]}" "${RULES[@]}" --format jsonl -o /dev/null --stats json -q --threads 2
  done
  measure_stdout parse_logs "$HARNESS" parse "$CORPUS/logs" --threads 2
  measure hunt_logs "$SEAWALL" hunt "$CORPUS/logs" "${RULES[@]}" --format jsonl -o /dev/null --stats json -q --threads 2
  measure hunt_1core "$SEAWALL" hunt "$DATA/sysmon-head.jsonl" "${RULES[@]}" --format jsonl -o /dev/null --stats json -q --threads 1
  measure_stdout load "$HARNESS" seawall-load "${RULES[@]}"
  measure_stdout rsigma "$HARNESS" rsigma "${RULES[@]}" --input "$DATA/sysmon-head.jsonl"
done
# sigma-rust is slow: one run on 2,000 events.
measure_stdout sigma_rust "$HARNESS" sigma-rust "${RULES[@]}" --input "$DATA/sysmon-head.jsonl" --limit 2000

python3 - "$results" "$JSONL" <<'PY'
import json, statistics, sys, os
rows = {}
for line in open(sys.argv[1]):
    parts = line.split()
    name, js = parts[0], parts[1]
    t = parts.index("TIME") if "TIME" in parts else None
    rec = json.loads(js) if js.startswith("{") else {}
    if t is not None:
        rec["_wall"] = float(parts[t + 1]); rec["_rss_kb"] = int(parts[t + 2])
    rows.setdefault(name, []).append(rec)
med = lambda name, key: statistics.median(r[key] for r in rows[name] if key in r)
size_mb = os.path.getsize(sys.argv[2]) / 1e6
n_json = rows["hunt_json"][0]["records_read"]
n_evtx = rows["hunt_evtx"][0]["records_read"]
hunt_json = med("hunt_json", "scan_s"); parse_json = med("parse_json", "seconds")
hunt_evtx = med("hunt_evtx", "scan_s"); parse_evtx = med("parse_evtx", "seconds")
n_logs = rows["hunt_logs"][0]["records_read"]
hunt_logs = med("hunt_logs", "scan_s"); parse_logs = med("parse_logs", "seconds")
one_core = rows["hunt_1core"][0]["records_read"] / med("hunt_1core", "scan_s")
rs = med("rsigma", "events_per_s"); sr = med("sigma_rust", "events_per_s")
print(f"runs: {len(rows['hunt_json'])} (medians)")
print("| measure | result |")
print("| --- | --- |")
print(f"| JSON lines input | {n_json:,} events, {size_mb:,.0f} MB |")
print(f"| JSON hunt (2 threads, all rules) | {n_json/hunt_json:,.0f} events/s, {size_mb/hunt_json:,.0f} MB/s |")
print(f"| JSON parse-only (same readers) | {n_json/parse_json:,.0f} events/s |")
print(f"| JSON hunt/parse-only ratio | {parse_json/hunt_json:.2f} |")
print(f"| JSON hunt peak RSS | {med('hunt_json', '_rss_kb')/1024:,.0f} MB |")
print(f"| EVTX input (regression set x20) | {n_evtx:,} events |")
print(f"| EVTX hunt (2 threads) | {n_evtx/hunt_evtx:,.0f} events/s |")
print(f"| EVTX parse-only | {n_evtx/parse_evtx:,.0f} events/s |")
print(f"| EVTX hunt/parse-only ratio | {parse_evtx/hunt_evtx:.2f} |")
print(f"| Real logs (corpus `logs` folder) | {n_logs:,} records |")
print(f"| Real logs hunt (2 threads) | {n_logs/hunt_logs:,.0f} records/s |")
print(f"| Real logs parse-only | {rows['parse_logs'][0]['events']/parse_logs:,.0f} records/s |")
print(f"| Real logs hunt/parse-only ratio | {parse_logs/hunt_logs:.2f} |")
print(f"| Load and compile all rules | {med('load','seconds')*1000:,.0f} ms ({rows['load'][0]['rules']} rules) |")
print(f"| Seawall, 1 core, first 100k events | {one_core:,.0f} events/s |")
print(f"| RSigma (rsigma-eval 0.21), 1 core, same events | {rs:,.0f} events/s ({rows['rsigma'][0]['rules_loaded']} rules, load {med('rsigma','load_seconds'):.2f} s) |")
print(f"| Speed-up over RSigma per core | {one_core/rs:.1f}x |")
print(f"| sigma-rust 0.7, 1 core, 2,000 events | {sr:,.0f} events/s ({rows['sigma_rust'][0]['rules_loaded']} rules) |")
print(f"| Speed-up over sigma-rust per core | {one_core/sr:,.0f}x |")
PY
rm -f "$results" "$results.err"
