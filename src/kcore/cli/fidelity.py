"""``kcore fidelity DIR``: replay kube-scheduler fidelity cases and compare every step."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="kcore fidelity",
        description="Replay fidelity case files; compare with kube-scheduler's decisions.",
    )
    parser.add_argument("dir", help="directory of case files (or one case file)")
    parser.add_argument("--verbose", "-v", action="store_true", help="show the first differences")
    parser.add_argument("--json", metavar="PATH", help="write a JSON report to PATH")
    parser.add_argument("--max-diffs", type=int, default=5, help="differences shown per step")
    args = parser.parse_args(argv)

    from kcore.scheduler.fidelity import case_files, replay_file

    files = case_files(args.dir)
    if not files:
        print(f"kcore fidelity: no case files (*.json) in {args.dir}", file=sys.stderr)
        return 2
    total = matched = 0
    reports = []
    for f in files:
        rep = replay_file(f)
        reports.append(rep)
        total += len(rep.steps)
        matched += rep.matched
        state = "ok" if rep.ok else "FAIL"
        line = f"{rep.name}: {rep.matched}/{len(rep.steps)} steps matched [{state}]"
        if rep.error:
            line += f" error: {rep.error}"
        print(line)
        if args.verbose:
            for st in rep.steps:
                if st.matched:
                    continue
                print(f"  step {st.index} ({st.pod}):")
                for dff in st.diffs[: args.max_diffs]:
                    print(f"    {dff}")
    all_ok = all(r.ok for r in reports)
    print(f"{matched}/{total} steps matched")
    if args.json:
        out = {
            "matched": matched,
            "total": total,
            "cases": [
                {
                    "name": r.name,
                    "matched": r.matched,
                    "steps": len(r.steps),
                    "error": r.error,
                    "failures": [
                        {"index": s.index, "pod": s.pod, "diffs": s.diffs}
                        for s in r.steps
                        if not s.matched
                    ],
                }
                for r in reports
            ],
        }
        Path(args.json).write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0 if all_ok else 1
