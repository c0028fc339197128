#!/usr/bin/env bash
# Threat-intelligence benchmark. Usage: bench/intel.sh [RUNS] [RECORDS]
#   (defaults: 3 runs (medians), 1.5M records per log file, about 1.1 GB of logs)
#
# 1. Load: `seawall intel list` on 1,000,000 generated indicators (CSV, mixed kinds): time and
#    peak RSS (load, index build and counting).
# 2. Hunt: the generated telecom logs (syslog, nfdump CSV, Zeek conn, TACACS+) with the
#    built-in rules and no intel, 1,000 indicators, and 1,000,000 indicators (the first 1,000
#    are the same): scan throughput of each, and the 1M run against the 1k run
#    (target: within 15%).
# 3. Evaluator: the OASIS reference matcher (stix2-matcher 3.0.0, in a venv) and Seawall's
#    evaluator on the same 15,000 generated pattern/observation pairs: compile, prepare-data
#    and match time of each, and the speed-ups (target: 1000x); then the same on 300 pairs over
#    100 observations each, where the bindings of pattern AND, FOLLOWEDBY and REPEATS grow
#    large. "match" excludes preparing the observed data on both sides (before 2026-11-27's
#    seventeenth session the reference's match included its preparing and Seawall's did not).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
RECORDS="${2:-1500000}"
DIR=bench/data/intel
mkdir -p "$DIR"
cargo build --release -q -p seawall-cli -p seawall-bench
HARNESS=target/release/seawall-bench
SEAWALL=target/release/seawall
if [ "$(cat "$DIR/logs/.records" 2>/dev/null || true)" != "$RECORDS" ]; then
  "$HARNESS" gen-telecom --dir "$DIR/logs" --records "$RECORDS" >/dev/null
  echo "$RECORDS" > "$DIR/logs/.records"
fi
[ -f "$DIR/iocs-1m.csv" ] || "$HARNESS" gen-intel --out "$DIR/iocs-1m.csv" --count 1000000 2>/dev/null
head -n 1001 "$DIR/iocs-1m.csv" > "$DIR/iocs-1k.csv"
[ -f "$DIR/stix_cases.jsonl" ] || "$HARNESS" gen-stix --out "$DIR/stix_cases.jsonl" --sets 250 --per-set 60 2>/dev/null
[ -f "$DIR/stix_cases_large.jsonl" ] || "$HARNESS" gen-stix --out "$DIR/stix_cases_large.jsonl" --sets 10 --per-set 30 --observations 100 2>/dev/null
PY="${SEAWALL_STIX_MATCHER_PYTHON:-target/venv-stix-matcher/bin/python}"
if ! "$PY" -c "import stix2matcher" 2>/dev/null; then
  python3 -m venv target/venv-stix-matcher
  target/venv-stix-matcher/bin/pip install -q stix2-matcher==3.0.0 stix2-patterns==2.0.0 antlr4-python3-runtime==4.9.3
  PY=target/venv-stix-matcher/bin/python
fi

python3 - "$SEAWALL" "$HARNESS" "$DIR" "$RUNS" "$PY" <<'PY'
import json, os, statistics, subprocess, sys, time
seawall, harness, d, runs, py = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
med = statistics.median
print(f"runs: {runs} (medians), {os.cpu_count()} cores")

# 1. Load.
times, rss = [], []
for _ in range(runs):
    r = subprocess.run(["/usr/bin/time", "-f", "%e %M", seawall, "intel", "list", f"{d}/iocs-1m.csv", "--format", "json"],
                       check=True, capture_output=True, text=True)
    e, m = r.stderr.strip().splitlines()[-1].split()
    times.append(float(e)); rss.append(int(m))
info = json.loads(r.stdout)
print(f"\n## Load\n{info['indicators']:,} indicators ({', '.join(f'{k} {v:,}' for k, v in info['indicator_kinds'].items())})")
print(f"load + index + count: {med(times):.2f} s, peak RSS {max(rss)/1024:,.0f} MiB")

# 2. Hunt.
logs = f"{d}/logs"
size = sum(os.path.getsize(os.path.join(logs, f)) for f in os.listdir(logs) if not f.startswith("."))
print(f"\n## Hunt: {size/1e9:.2f} GB of logs, built-in rules")
print("| intel | records | scan time | records/s | MB/s | IOC findings | vs 1k |")
print("| --- | --- | --- | --- | --- | --- | --- |")
results = {}
for label, intel in [("none", None), ("1k indicators", f"{d}/iocs-1k.csv"), ("1M indicators", f"{d}/iocs-1m.csv")]:
    scans, recs, found = [], 0, 0
    for _ in range(runs):
        cmd = [seawall, "hunt", logs, "-q", "--stats", "json", "--format", "jsonl", "-o", f"{d}/findings.jsonl", "--min-level", "informational"]
        if intel:
            cmd += ["--intel", intel]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode not in (0, 1):
            sys.exit(f"hunt failed: {r.stderr}")
        stats = json.loads(r.stderr.strip().splitlines()[-1])
        scans.append(stats["scan_s"]); recs = stats["records_read"]
        with open(f"{d}/findings.jsonl") as f:
            found = sum(1 for line in f if '"source":"ioc"' in line)
    s = med(scans)
    results[label] = s
    ratio = "" if label == "none" else f"{results.get('1k indicators', s) / s:.3f}"
    print(f"| {label} | {recs:,} | {s:.2f} s | {recs/s:,.0f} | {size/1e6/s:,.0f} | {found:,} | {ratio} |")
slow = results["1M indicators"] / results["1k indicators"] - 1
print(f"1M indicators vs 1k: {slow*100:+.1f}% scan time (target: within 15%)")

# 3. Evaluator against the OASIS reference matcher.
def evaluator(cases, title):
    ref = []
    for _ in range(runs):
        r = subprocess.run([py, "bench/stix_reference.py", cases], check=True, capture_output=True, text=True)
        ref.append(json.loads(r.stderr.strip().splitlines()[-1]))
    sw = []
    for _ in range(runs):
        r = subprocess.run([harness, "stix-eval", "--input", cases, "--passes", "5"], check=True, capture_output=True, text=True)
        sw.append(json.loads(r.stdout))
    rc, rm = med([x["compile_seconds"] for x in ref]), med([x["match_seconds"] for x in ref])
    rp = med([x["prepare_seconds"] for x in ref])
    sc, sm = med([x["compile_seconds"] for x in sw]), med([x["match_only_seconds"] for x in sw])
    sfull = med([x["parse_compile_match_seconds"] for x in sw])
    sp = med([x["observations_seconds"] for x in sw])
    n = sw[0]["cases"]
    print(f"\n## Evaluator: {n:,} pattern/observation pairs, {title}")
    print("| | compile | prepare data | match | compile + prepare + match, per pair |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| stix2-matcher 3.0.0 | {rc:.2f} s | {rp:.2f} s (per pair) | {rm:.2f} s | {rc+rp+rm:.2f} s |")
    print(f"| Seawall | {sc:.3f} s | {sp:.4f} s (per data set) | {sm:.4f} s | {sfull:.3f} s |")
    print(f"speed-up: match {rm/sm:,.0f}x, compile {rc/sc:,.0f}x, compile + prepare + match {(rc+rp+rm)/sfull:,.0f}x (target: 1000x)")
    print("match: both sides on observed data already prepared (the reference's MatchListener, Seawall's"
          " observations_v21 and ObservedSet); the last column does everything for every pair on both sides")

evaluator(f"{d}/stix_cases.jsonl", "3 to 6 observations each")
evaluator(f"{d}/stix_cases_large.jsonl", "100 observations each")
PY
