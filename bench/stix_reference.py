#!/usr/bin/env python3
"""Runs the OASIS reference matcher (stix2-matcher 3.0.0 with stix2-patterns 2.0.0) over a
case file written by `seawall-bench gen-stix` and prints one JSON verdict a case:
{"case": n, "verdict": true|false} or {"case": n, "error": "ExceptionClass", "msg": "..."}.
Each case is what `match(pattern, observed, stix_version="2.1")` does, split in three timed
steps: compiling the pattern (`Pattern(...)`), preparing the observed data (the
`MatchListener` that `Pattern.match` builds first: splitting the bundles into observations,
reading their times) and matching (the rest of `Pattern.match`: walking the pattern with that
listener and taking the first binding). The totals go to stderr as
{"compile_seconds": s, "prepare_seconds": s, "match_seconds": s, "cases": n}."""
import json
import sys
import time

from stix2matcher.matcher import MatchListener, Pattern


def main(path):
    data = {}
    compile_s = prepare_s = match_s = 0.0
    cases = 0
    out = sys.stdout
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if "observed" in rec:
                data[rec["data"]] = rec["observed"]
                continue
            cases += 1
            result = {"case": rec["case"]}
            times = [time.perf_counter()]
            try:
                pattern = Pattern(rec["pattern"], stix_version="2.1")
                times.append(time.perf_counter())
                # Pattern.match, in its two steps (stix2-matcher 3.0.0, matcher.py).
                listener = MatchListener(data[rec["data"]], False, stix_version="2.1")
                times.append(time.perf_counter())
                pattern._Pattern__pattern.walk(listener)
                first = next(listener.matched(), [])
                result["verdict"] = bool(listener.get_sdos_from_binding(first))
            except Exception as e:  # every failure is reported, by class
                result["error"] = type(e).__name__
                result["msg"] = str(e)[:300]
            times.append(time.perf_counter())
            # Time goes to the step it was spent in, a failing step included.
            steps = [t1 - t0 for t0, t1 in zip(times, times[1:])]
            compile_s += steps[0]
            prepare_s += steps[1] if len(steps) > 1 else 0.0
            match_s += steps[2] if len(steps) > 2 else 0.0
            out.write(json.dumps(result) + "\n")
    sys.stderr.write(
        json.dumps({"compile_seconds": compile_s, "prepare_seconds": prepare_s, "match_seconds": match_s, "cases": cases})
        + "\n"
    )


if __name__ == "__main__":
    main(sys.argv[1])
