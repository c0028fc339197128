#!/usr/bin/env python3
"""Groups the samples of a `perf script` dump by phase, from the frames on each stack, and
prints the count per phase; with phase names after the file, also the leaf functions most
sampled in those phases. Usage:

  perf record -F 2000 -e cpu-clock --call-graph dwarf,16384 -o hunt.perf \\
      target/release/seawall hunt ... --threads 1
  perf script -i hunt.perf > hunt.txt
  bench/perf_phases.py hunt.txt engine

Phases, by the first rule a stack meets: load (`load_rule_paths`, `Engine::build`,
`telecom_pack`), engine (`Engine::evaluate`), sink-other (the rest of the hunt's per-batch
closure, findings), open (`open_evidence`), evtx (the EVTX reader and the evtx crate), walk
(`walk_paths`), other."""
import collections
import re
import sys

RULES = [
    ("load", ("load_rule_paths", "Engine::build", "telecom_pack")),
    ("engine", ("Engine::evaluate",)),
    ("sink-other", ("hunt::hunt::{{closure}}", "findings")),
    ("open", ("open_evidence",)),
    ("evtx", ("read_evtx", "parse_chunk", "evtx::")),
    ("walk", ("walk_paths",)),
]


def main(path, wanted):
    phases, leaves = collections.Counter(), collections.Counter()
    for stack in open(path, encoding="utf-8", errors="replace").read().split("\n\n"):
        frames = [line.strip() for line in stack.strip().split("\n")[1:] if line.strip()]
        if not frames:
            continue
        syms = [re.sub(r"\+0x[0-9a-f]+$", "", re.sub(r"^[0-9a-f]+ ", "", f).split(" (")[0]) for f in frames]
        joined = " ".join(syms)
        phase = next((name for name, marks in RULES if any(m in joined for m in marks)), "other")
        phases[phase] += 1
        if phase in wanted:
            leaves[syms[0][:80]] += 1
    print(sum(phases.values()), "samples:", ", ".join(f"{k} {v}" for k, v in phases.most_common()))
    for name, n in leaves.most_common(25):
        print(f"  {n:6} {name}")


if __name__ == "__main__":
    main(sys.argv[1], set(sys.argv[2:]))
