"""The reference cycle reproduces kube-scheduler v1.35.4's recorded decisions.

``tests/scheduler/fidelity_cases`` holds 31 cases (790 steps) recorded from the upstream
framework with the default profile. For every step the reference cycle (the NumPy kernels, no
native kernel involved; only the snapshot's columns come from the native cache) must give the
recorded feasible set, every failing node's plugin, code and reasons, the PreFilter rejection or
result, the score plugins that ran, the normalised score of every plugin on every feasible node,
the totals and the top set. The recorded outcome (placement, or preemption victims) is then
applied, as the corpus README prescribes. FitError messages and preemption are not modelled by
the references and are not compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kcore.scheduler import Scheduler
from kcore.scheduler.apis.config import default_profile
from kcore.scheduler.fidelity import _bound
from kcore.scheduler.reference.cluster import ReferenceCluster
from kcore.scheduler.reference.cycle import run_cycle

CASES = Path(__file__).parents[1] / "fidelity_cases"


def _key(pod: dict[str, Any]) -> str:
    meta = pod["metadata"]
    return f"{meta.get('namespace') or 'default'}/{meta['name']}"


def _diffs(step: dict[str, Any], cluster: ReferenceCluster, profile: Any) -> list[str]:
    r = run_cycle(cluster, step["pod"], profile)
    names = cluster.names
    out = []
    if sorted(names[r.feasible].tolist()) != sorted(step.get("feasible", [])):
        out.append(
            f"feasible: recorded {step.get('feasible')}, got {sorted(names[r.feasible].tolist())}"
        )
    got = {names[row]: (p, c.name, list(rs)) for row, (p, c, rs) in r.failures.items()}
    want = {
        n: (f["plugin"], f["code"], f["reasons"]) for n, f in step.get("filterFailures", {}).items()
    }
    for n in sorted(set(got) | set(want)):
        if got.get(n) != want.get(n):
            out.append(f"filterFailures[{n}]: recorded {want.get(n)}, got {got.get(n)}")
    if ("preFilterRejection" in step) != r.prefilter_rejected:
        out.append(f"preFilterRejection: recorded {step.get('preFilterRejection')}")
    recorded = sorted(step.get("preFilterResult", {}).get("nodeNames", []))
    if recorded != sorted(r.prefilter_result or []):
        out.append(f"preFilterResult: recorded {recorded}, got {r.prefilter_result}")
    if step["status"] != "Scheduled" or not step.get("scorePlugins"):
        return out
    plugins = [s.plugin for s, _ in r.scores]
    if plugins != step["scorePlugins"]:
        return [*out, f"scorePlugins: recorded {step['scorePlugins']}, got {plugins}"]
    if [w for _, w in r.scores] != [step["weights"][p] for p in plugins]:
        out.append("weights differ")
    for n, want_scores in step["scores"].items():
        row = cluster.row_of[n]
        got_scores = [int(s.normalized[row]) for s, _ in r.scores]
        if got_scores != want_scores:
            out.append(f"scores[{n}]: recorded {want_scores}, got {got_scores}")
        if int(r.totals[row]) != step["totalScores"][n]:
            out.append(
                f"totalScores[{n}]: recorded {step['totalScores'][n]}, got {int(r.totals[row])}"
            )
    if sorted(names[r.top].tolist()) != sorted(step["topNodes"]):
        out.append(f"topNodes: recorded {step['topNodes']}, got {sorted(names[r.top].tolist())}")
    return out


@pytest.mark.parametrize("path", sorted(CASES.glob("*.json")), ids=lambda p: p.stem)
def test_reference_cycle_reproduces_recorded_steps(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    profile = default_profile()
    s = Scheduler(seed=int(case["seed"]))
    for ns in case["namespaces"]:
        s.add_namespace(ns)
    for node in case["nodes"]:
        s.add_node(node)
    for obj in case["otherObjects"]:
        s.add_object(obj)
    pods = list(case["existingPods"])
    for pod in pods:
        s.add_pod(pod)
    failures = []
    for i, step in enumerate(case["steps"]):
        cluster = ReferenceCluster(
            s.node_table(),
            nodes=case["nodes"],
            pods=pods,
            namespaces=case["namespaces"],
            objects=case["otherObjects"],
        )
        failures += [f"step {i} ({_key(step['pod'])}): {d}" for d in _diffs(step, cluster, profile)]
        placed = step.get("chosen") if step["status"] == "Scheduled" else step.get("nominatedNode")
        if step.get("nominatedNode"):
            victims = set(step["victims"])
            for v in victims:
                s.remove_pod(*v.split("/", 1))
            pods = [p for p in pods if _key(p) not in victims]
        if placed:
            bound = _bound(step["pod"], placed)
            s.add_pod(bound)
            pods.append(bound)
    assert not failures, "\n".join(failures[:10])
    assert np.asarray(s.node_table().live).sum() == len(case["nodes"])
