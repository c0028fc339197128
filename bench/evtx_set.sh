# Sourced by the Sigma benchmarks: the SigmaHQ regression EVTX set (202 files, 14 MiB) as links
# in EVTX_DIR (default "$DATA/evtx"; the folder beside each file also holds JSON renderings),
# and EVTX_ARGS naming that folder 20 times so a run lasts long enough to measure. Needs SIGMA,
# and DATA unless EVTX_DIR is set.
EVTX_DIR="${EVTX_DIR:-$DATA/evtx}"
rm -rf "$EVTX_DIR" && mkdir -p "$EVTX_DIR"
find "$(cd "$SIGMA/regression_data" && pwd)" -name '*.evtx' | while read -r f; do
  ln -s "$f" "$EVTX_DIR/$(basename "$(dirname "$f")")-$(basename "$f")"
done
EVTX_ARGS=()
for _ in $(seq 20); do EVTX_ARGS+=("$EVTX_DIR"); done
