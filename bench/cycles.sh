#!/usr/bin/env bash
# Estimated cycles of the Sigma engine (`Engine::evaluate`), from valgrind's cache and branch
# simulation: instruction counts alone missed that on the regression EVTX set the engine loses
# about a third of its time to first-level cache misses and mispredicted branches, so a change
# that trades instructions for misses (or the reverse) is judged on this estimate too.
# Usage: bench/cycles.sh [SEAWALL_BIN]   (two builds can run side by side, one core each)
#
# Prints, for a one-thread hunt with all SigmaHQ rules:
#  - evtx20: the regression EVTX set named 20 times, as `bench/sigma.sh` hunts it;
#  - json20k: the first 20,000 generated Sysmon-like JSON events;
# each as instructions (Ir), first-level cache misses (instructions and data, L1m), mispredicted
# branches (conditional and indirect, Bm) and the estimate Ir + 10 L1m + 100 LLm + 15 Bm.
# The weights are the usual rough ones (a first-level miss served by the next level, a miss
# there, a mispredict); the estimate ranks builds, it does not predict seconds.
# With CYCLES_KEEP=DIR, each profile is kept as DIR/evtx20.cg and DIR/json20k.cg, to be read
# with `callgrind_annotate --show=D1mr --sort=D1mr DIR/evtx20.cg` and the like.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
CORPUS="${SEAWALL_CORPUS:-../shared/corpus}"
SIGMA="$CORPUS/sigma"
DATA=bench/data
if [ $# -eq 0 ]; then
  cargo build --release -q -p seawall-cli -p seawall-bench
fi
SEAWALL="${1:-target/release/seawall}"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

[ -s "$DATA/sysmon.jsonl" ] || target/release/seawall-bench gen --out "$DATA/sysmon.jsonl" --events 1300000 --seed 42 >/dev/null
head -n 20000 "$DATA/sysmon.jsonl" > "$OUT/20k.jsonl"
EVTX_DIR="$OUT/evtx"
source bench/evtx_set.sh

source bench/callgrind.sh
estimate() { # a name, then the command; prints the simulated counts inside Engine::evaluate
  local name=$1; shift
  profile "$OUT/cg" "${CYCLES_KEEP:-}" "$name" '*Engine::evaluate*' --cache-sim=yes --branch-sim=yes -- "$@"
  callgrind_annotate "$OUT/cg" 2>/dev/null | grep "PROGRAM TOTALS" | sed 's/([^)]*)//g; s/,//g' | awk '{
    Ir=$1; I1=$4; D1r=$5; D1w=$6; IL=$7; DLr=$8; DLw=$9; Bcm=$11; Bim=$13;
    printf "Ir %.1fM L1m %.2fM Bm %.2fM estimate %.1fM cycles\n", Ir/1e6, (I1+D1r+D1w)/1e6, (Bcm+Bim)/1e6,
      (Ir + 10*(I1+D1r+D1w) + 100*(IL+DLr+DLw) + 15*(Bcm+Bim))/1e6 }'
}
RULES=(--rules "$SIGMA/rules" --rules "$SIGMA/rules-emerging-threats" --rules "$SIGMA/rules-threat-hunting")
HUNT=("${RULES[@]}" --format jsonl -o /dev/null --threads 1 -q)
echo "evtx20 $(estimate evtx20 "$SEAWALL" hunt "${EVTX_ARGS[@]}" "${HUNT[@]}")"
echo "json20k $(estimate json20k "$SEAWALL" hunt "$OUT/20k.jsonl" "${HUNT[@]}")"
