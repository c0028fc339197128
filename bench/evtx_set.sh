# Sourced by the Sigma benchmarks: the SigmaHQ regression EVTX set (202 files, 14 MiB) as links
# in "$DATA/evtx" (the folder beside each file also holds JSON renderings), and EVTX_ARGS naming
# that folder 20 times so a run lasts long enough to measure. Needs DATA and SIGMA set.
rm -rf "$DATA/evtx" && mkdir -p "$DATA/evtx"
find "$(cd "$SIGMA/regression_data" && pwd)" -name '*.evtx' | while read -r f; do
  ln -s "$f" "$DATA/evtx/$(basename "$(dirname "$f")")-$(basename "$f")"
done
EVTX_ARGS=()
for _ in $(seq 20); do EVTX_ARGS+=("$DATA/evtx"); done
