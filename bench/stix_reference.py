#!/usr/bin/env python3
"""Runs the OASIS reference matcher (stix2-matcher 3.0.0 with stix2-patterns 2.0.0) over a
case file written by `seawall-bench gen-stix` and prints one JSON verdict a case:
{"case": n, "verdict": true|false} or {"case": n, "error": "ExceptionClass", "msg": "..."}.
Each case is what `match(pattern, observed, stix_version="2.1")` does, split in two timed
steps: compiling the pattern (`Pattern(...)`) and matching it. The totals go to stderr as
{"compile_seconds": s, "match_seconds": s, "cases": n}."""
import json
import sys
import time

from stix2matcher.matcher import Pattern


def main(path):
    data = {}
    compile_s = match_s = 0.0
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
            t0 = time.perf_counter()
            t1 = None
            try:
                pattern = Pattern(rec["pattern"], stix_version="2.1")
                t1 = time.perf_counter()
                result["verdict"] = bool(pattern.match(data[rec["data"]]))
            except Exception as e:  # every failure is reported, by class
                result["error"] = type(e).__name__
                result["msg"] = str(e)[:300]
            t2 = time.perf_counter()
            if t1 is None:
                compile_s += t2 - t0
            else:
                compile_s += t1 - t0
                match_s += t2 - t1
            out.write(json.dumps(result) + "\n")
    sys.stderr.write(json.dumps({"compile_seconds": compile_s, "match_seconds": match_s, "cases": cases}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
