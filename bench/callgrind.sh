# Sourced by bench/icount.sh and bench/cycles.sh: runs a command under callgrind, collecting
# only inside chosen functions, and keeps the profile when asked.
#
# profile OUT KEEP_DIR NAME TOGGLES [VALGRIND_OPTION...] -- COMMAND...
#   OUT: the profile's file; KEEP_DIR (may be empty): where to copy it as NAME.cg;
#   TOGGLES: callgrind `--toggle-collect` patterns, comma-separated. The command's own output
#   and exit status are ignored (a hunt with findings exits 1).
profile() {
  local out=$1 keep=$2 name=$3 t
  local opts=()
  IFS=, read -ra toggles <<< "$4"
  shift 4
  for t in "${toggles[@]}"; do opts+=("--toggle-collect=$t"); done
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  valgrind --tool=callgrind --callgrind-out-file="$out" "${opts[@]}" "$@" >/dev/null 2>&1 || true
  if [ -n "$keep" ]; then
    mkdir -p "$keep" && cp "$out" "$keep/$name.cg"
  fi
}
