#!/usr/bin/env bash
# Alternated A/B timing of a reader: an older commit against the working tree, run in turn in
# the same minutes, so the machine's drift hits both alike.
# Usage: bench/ab.sh OLD_REV [RUNS] [FILE]
#   (defaults: 5 pairs, bench/data/telecom/syslog.log; bench/telecom.sh generates it)
# Builds OLD_REV in a temporary worktree (target dir target/ab-old) and the working tree, then
# runs `seawall-bench parse FILE --threads 1` with each, alternating, and prints every run, both
# medians and their ratio. AB_NEW_ENV (e.g. "GLIBC_TUNABLES=glibc.malloc.tcache_count=4000" or
# "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libmimalloc.so.2") is set for the new side only, which
# with OLD_REV=HEAD measures an environment change on one build.
# AB_MODE=engine times the Sigma engine instead: `seawall-bench seawall-engine` with all SigmaHQ
# rules over the first 100,000 events of FILE (default bench/data/sysmon.jsonl; bench/sigma.sh
# generates it), 3 passes a run, events/s.
# AB_MODE=load times loading and compiling all SigmaHQ rules (`seawall-bench seawall-load`),
# seconds a run.
# AB_MODE=hunt times whole hunts: `seawall hunt FILE --threads 2` (FILE may be a folder), scan
# time from `--stats json`, records/s; with all SigmaHQ rules, or with AB_HUNT_ARGS instead of
# them (e.g. "--intel bench/data/intel/iocs-1k.csv --min-level informational", which hunts with
# the built-in rules and the indicators).
# AB_MODE=evtx times whole hunts over the SigmaHQ regression EVTX set named 20 times, as
# `bench/sigma.sh` hunts it (FILE is ignored): scan time, records/s, two threads.
# AB_THREADS (default 2) sets the hunts' threads; AB_EVTX_TIMES (default 20) how many times the
# EVTX set is named (1: every record once, nothing repeated).
set -euo pipefail
cd "$(dirname "$0")/.."
OLD="${1:?usage: bench/ab.sh OLD_REV [RUNS] [FILE]}"
RUNS="${2:-5}"
MODE="${AB_MODE:-parse}"
if [ "$MODE" = engine ] || [ "$MODE" = hunt ]; then
  FILE="${3:-bench/data/sysmon.jsonl}"
else
  FILE="${3:-bench/data/telecom/syslog.log}"
fi
SIGMA="${SEAWALL_CORPUS:-../shared/corpus}/sigma"
EVTX_TIMES=0
if [ "$MODE" = evtx ]; then
  DATA=bench/data
  source bench/evtx_set.sh
  # The same folder named again and again: passed as the folder and a count, so no path is
  # ever split at spaces.
  EVTX_TIMES=${AB_EVTX_TIMES:-${#EVTX_ARGS[@]}}
  FILE="$EVTX_DIR"
fi
[ "$MODE" = load ] || [ -e "$FILE" ] || { echo "no input $FILE (bench/telecom.sh generates the telecom files)" >&2; exit 2; }
WT=$(mktemp -d)
trap 'git worktree remove --force "$WT" >/dev/null 2>&1 || true' EXIT
git worktree add -q --detach "$WT" "$OLD"
CARGO_TARGET_DIR="$(pwd)/target/ab-old" cargo build --release -q -p seawall-bench -p seawall-cli --manifest-path "$WT/Cargo.toml"
cargo build --release -q -p seawall-bench -p seawall-cli
BIN=seawall-bench
{ [ "$MODE" = hunt ] || [ "$MODE" = evtx ]; } && BIN=seawall
OLD_BIN=target/ab-old/release/$BIN
NEW_BIN=target/release/$BIN
python3 - "$OLD_BIN" "$NEW_BIN" "$FILE" "$RUNS" "${AB_NEW_ENV:-}" "$MODE" "$SIGMA" "${AB_HUNT_ARGS:-}" "$EVTX_TIMES" "${AB_THREADS:-2}" <<'PY'
import json, os, statistics, subprocess, sys
old, new, path, runs, new_env, mode, sigma, hunt_args, evtx_times, threads = sys.argv[1:11]
runs = int(runs)
env = dict(os.environ)
if new_env:
    for pair in new_env.split():
        k, v = pair.split("=", 1)
        env[k] = v
rules = [a for d in ("rules", "rules-emerging-threats", "rules-threat-hunting") for a in ("--rules", f"{sigma}/{d}")]
def rate(binary, e):
    if mode in ("hunt", "evtx"):
        extra = hunt_args.split() if hunt_args else rules
        inputs = [path] * int(evtx_times) if mode == "evtx" else [path]
        cmd = [binary, "hunt", *inputs, *extra, "--format", "jsonl", "-o", "/dev/null", "-q", "--threads", threads,
               "--stats", "json"]
        r = subprocess.run(cmd, capture_output=True, text=True, env=e)
        stats = json.loads(r.stderr.strip().splitlines()[-1])
        return stats["records_read"] / stats["scan_s"]
    if mode == "load":
        r = subprocess.run([binary, "seawall-load", *rules], check=True, capture_output=True, text=True, env=e)
        return json.loads(r.stdout)["seconds"]
    if mode == "engine":
        cmd = [binary, "seawall-engine", *rules, "--input", path, "--limit", "100000", "--passes", "3"]
    else:
        cmd = [binary, "parse", path, "--threads", "1"]
    r = subprocess.run(cmd, check=True, capture_output=True, text=True, env=e)
    return json.loads(r.stdout)["events_per_s"]
a, b = [], []
for _ in range(runs):
    a.append(rate(old, os.environ))
    b.append(rate(new, env))
unit = "seconds" if mode == "load" else "records/s"
fmt = (lambda x: f"{x:.3f}") if mode == "load" else (lambda x: f"{x:,.0f}")
where = {"load": "all SigmaHQ rules", "evtx": f"{path} x{evtx_times}"}.get(mode, path)
how = f"with {threads} thread(s)" if mode in ("hunt", "evtx") else "with two threads" if mode == "load" else "on one thread"
print(f"{where}, {mode}, {runs} alternated pairs, {unit} {how}")
print("old:", " ".join(fmt(x) for x in a))
print("new:", " ".join(fmt(x) for x in b), f"({new_env})" if new_env else "")
ma, mb = statistics.median(a), statistics.median(b)
print(f"medians: old {fmt(ma)}, new {fmt(mb)}, new/old {mb/ma:.3f}")
PY
