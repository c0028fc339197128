#!/usr/bin/env python3
"""Runs the OASIS reference matcher (stix2-matcher 3.0.0 with stix2-patterns 2.0.0) over a
case file written by `seawall-bench gen-stix` and prints one JSON verdict a case:
{"case": n, "verdict": true|false} or {"case": n, "error": "ExceptionClass", "msg": "..."}.
The time spent in match() calls goes to stderr as {"match_seconds": s, "cases": n}."""
import json
import sys
import time

from stix2matcher.matcher import match


def main(path):
    data = {}
    spent = 0.0
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
            start = time.perf_counter()
            try:
                result["verdict"] = bool(match(rec["pattern"], data[rec["data"]], stix_version="2.1"))
            except Exception as e:  # every failure is reported, by class
                result["error"] = type(e).__name__
                result["msg"] = str(e)[:300]
            spent += time.perf_counter() - start
            out.write(json.dumps(result) + "\n")
    sys.stderr.write(json.dumps({"match_seconds": spent, "cases": cases}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
