#!/usr/bin/env bash
# Telecom reader benchmark. Usage: bench/telecom.sh [RUNS] [RECORDS]   (defaults: 5 runs, 2M records)
#
# Generates (seeded) a device syslog file (Cisco, Junos and Linux auth lines mixed), nfdump CSV
# flows, a Zeek conn log (TSV) and TACACS+ accounting, RECORDS records each; then, in the same
# run, times a parse-free line count of each file (`wc -l`) and Seawall's readers on it (parse
# only, one and two threads), and prints records/s, MB/s and the ratio to `wc -l`. Medians.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
RECORDS="${2:-2000000}"
DIR=bench/data/telecom
cargo build --release -q -p seawall-bench
HARNESS=target/release/seawall-bench
if [ "$(cat "$DIR/.records" 2>/dev/null || true)" != "$RECORDS" ]; then
  "$HARNESS" gen-telecom --dir "$DIR" --records "$RECORDS" >/dev/null
  echo "$RECORDS" > "$DIR/.records"
fi
python3 - "$HARNESS" "$DIR" "$RUNS" <<'PY'
import json, os, statistics, subprocess, sys, time
harness, d, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = [("syslog (Cisco/Junos/Linux)", "syslog.log"), ("nfdump CSV flows", "flows.csv"),
         ("Zeek conn (TSV)", "conn.log"), ("TACACS+ accounting", "tacacs.acct")]
print(f"runs: {runs} (medians), {os.cpu_count()} cores")
print("| reader | records | MB | wc -l | parse 1 thread | records/s per core | MB/s per core | parse 2 threads | 1 thread vs wc -l |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for label, name in files:
    path = os.path.join(d, name)
    size = os.path.getsize(path) / 1e6
    wc, one, two, n = [], [], [], 0
    for _ in range(runs):
        t = time.perf_counter(); subprocess.run(["wc", "-l", path], check=True, capture_output=True); wc.append(time.perf_counter() - t)
        r = json.loads(subprocess.run([harness, "parse", path, "--threads", "1"], check=True, capture_output=True, text=True).stdout)
        one.append(r["seconds"]); n = r["events"]
        r = json.loads(subprocess.run([harness, "parse", path, "--threads", "2"], check=True, capture_output=True, text=True).stdout)
        two.append(r["seconds"])
    w, o, t2 = statistics.median(wc), statistics.median(one), statistics.median(two)
    print(f"| {label} | {n:,} | {size:,.0f} | {w:.3f} s | {o:.2f} s | {n/o:,.0f} | {size/o:,.0f} | {t2:.2f} s ({n/t2:,.0f}/s) | {w/o:.3f} |")
PY
