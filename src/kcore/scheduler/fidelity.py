"""Replay of kube-scheduler fidelity cases (``shared/fidelity`` format) against kcore.

Each case holds a cluster and a list of steps recorded from the upstream scheduler; every step is
evaluated with :meth:`Scheduler.explain`-level detail and compared with the record (feasible set,
per-node failing plugin/code/reasons, per-plugin scores, totals, top set, chosen node, FitError
message, PostFilter status, nomination and victims), then the recorded outcome is applied so the
next step starts from the recorded state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kcore.scheduler.framework import Code
from kcore.scheduler.scheduler import Scheduler

_CODE_NAMES = {int(c): c.name for c in Code}


@dataclass(slots=True)
class StepReport:
    """Outcome of one replayed step: ``diffs`` is empty when everything matched."""

    index: int
    pod: str
    diffs: list[str] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return not self.diffs


@dataclass(slots=True)
class CaseReport:
    name: str
    steps: list[StepReport] = field(default_factory=list)
    error: str = ""

    @property
    def matched(self) -> int:
        return sum(1 for s in self.steps if s.matched)

    @property
    def ok(self) -> bool:
        return not self.error and self.matched == len(self.steps)


def _key(pod: dict[str, Any]) -> tuple[str, str]:
    meta = pod["metadata"]
    return meta.get("namespace") or "default", meta["name"]


def _bound(pod: dict[str, Any], node: str) -> dict[str, Any]:
    out = dict(pod)
    out["spec"] = dict(pod.get("spec") or {}, nodeName=node)
    status = dict(pod.get("status") or {})
    status["phase"] = "Running"
    status["startTime"] = pod["metadata"].get("creationTimestamp")
    status.pop("nominatedNodeName", None)
    out["status"] = status
    return out


def _compare_step(step: dict[str, Any], d: dict[str, Any], diffs: list[str]) -> None:
    def diff(what: str, want: Any, got: Any) -> None:
        diffs.append(f"{what}: recorded {want!r}, got {got!r}")

    feasible = sorted(d["feasible"])
    if feasible != sorted(step.get("feasible", [])):
        diff("feasible", sorted(step.get("feasible", [])), feasible)
    got_fail = {n: (p, _CODE_NAMES[c], list(r)) for n, p, c, r in d["failures"]}
    want_fail = {
        n: (f["plugin"], f["code"], list(f["reasons"]))
        for n, f in step.get("filterFailures", {}).items()
    }
    for n in sorted(set(got_fail) | set(want_fail)):
        if got_fail.get(n) != want_fail.get(n):
            diff(f"filterFailures[{n}]", want_fail.get(n), got_fail.get(n))
    if "preFilterRejection" in step and not d["prefilter_rejected"]:
        diff("preFilterRejection", step["preFilterRejection"], None)
    if "preFilterResult" in step:
        want = sorted(step["preFilterResult"]["nodeNames"])
        got = sorted(d["prefilter_result"] or [])
        if want != got:
            diff("preFilterResult.nodeNames", want, got)
    status = "Scheduled" if feasible else "Unschedulable"
    if status != step["status"]:
        diff("status", step["status"], status)
        return
    if step["status"] == "Scheduled":
        plugins = list(d["score_plugins"])
        if plugins != list(step.get("scorePlugins", [])):
            diff("scorePlugins", step.get("scorePlugins", []), plugins)
        weights = dict(zip(plugins, (int(w) for w in d["weights"]), strict=True))
        want_w = step.get("weights", {})
        if plugins == list(step.get("scorePlugins", [])) and weights != {
            p: want_w.get(p) for p in plugins
        }:
            diff("weights", want_w, weights)
        rows = {n: i for i, n in enumerate(d["feasible"])}
        for n, want_s in step.get("scores", {}).items():
            got_s = [int(x) for x in d["scores"][rows[n]]] if n in rows and plugins else []
            if got_s != list(want_s):
                diff(f"scores[{n}]", list(want_s), got_s)
        for n, want_t in step.get("totalScores", {}).items():
            got_t = int(d["totals"][rows[n]]) if n in rows and len(d["totals"]) else None
            if got_t != want_t:
                diff(f"totalScores[{n}]", want_t, got_t)
        top = sorted(d["top_nodes"])
        if top != sorted(step.get("topNodes", [])):
            diff("topNodes", sorted(step.get("topNodes", [])), top)
        want_top = step.get("topNodes") or step.get("feasible", [])
        if d["node"] not in want_top:
            diff("chosen", f"one of {want_top}", d["node"])
        return
    if d["message"] != step.get("message"):
        diff("message", step.get("message"), d["message"])
    if d["post_filter_status"] != step.get("postFilterStatus", ""):
        diff("postFilterStatus", step.get("postFilterStatus"), d["post_filter_status"])
    want_nom = step.get("nominatedNode")
    if want_nom is None:
        if d["nominated_node"] is not None:
            diff("nominatedNode", None, d["nominated_node"])
        return
    ties = step.get("nominationTies", [want_nom])
    if d["nominated_node"] not in ties:
        diff("nominatedNode", f"one of {ties}", d["nominated_node"])
    if sorted(d["nomination_ties"]) != sorted(ties):
        diff("nominationTies", sorted(ties), sorted(d["nomination_ties"]))
    cands = {n: list(v) for n, v, _ in d["candidates"]}
    if cands.get(want_nom) != list(step.get("victims", [])):
        diff(f"victims[{want_nom}]", step.get("victims", []), cands.get(want_nom))


_REQUIRED: dict[str, type] = {"name": str, "nodes": list, "steps": list}
_REQUIRED_PER_STEP: dict[str, type] = {"pod": dict, "status": str}


def case_problem(case: Any) -> str:
    """Why ``case`` is not a fidelity case (the fields its format requires), or ``""``."""
    if not isinstance(case, dict):
        return f"a case file holds a JSON object, not {type(case).__name__}"
    for key, typ in _REQUIRED.items():
        if key not in case:
            return f"not a fidelity case: no {key!r} field"
        if not isinstance(case[key], typ):
            return f"{key}: expected {typ.__name__}, got {type(case[key]).__name__}"
    for i, step in enumerate(case["steps"]):
        if not isinstance(step, dict):
            return f"steps[{i}]: expected an object, got {type(step).__name__}"
        for key, typ in _REQUIRED_PER_STEP.items():
            if not isinstance(step.get(key), typ):
                return f"steps[{i}].{key}: expected {typ.__name__}"
    return ""


def replay_case(case: dict[str, Any]) -> CaseReport:
    """Replay one case (a parsed case file); see the module docstring.

    A case that lacks a required field gives a report with ``error`` set and no steps.
    """
    problem = case_problem(case)
    if problem:
        name = case.get("name")
        return CaseReport(name if isinstance(name, str) else "?", error=problem)
    report = CaseReport(case["name"])
    s = Scheduler(seed=int(case.get("seed", 0)))
    for ns in case.get("namespaces", []):
        s.add_namespace(ns)
    for node in case.get("nodes", []):
        s.add_node(node)
    for obj in case.get("otherObjects", []):
        s.add_object(obj)
    for pod in case.get("existingPods", []):
        s.add_pod(pod)
    native = s._native
    for i, step in enumerate(case.get("steps", [])):
        pod = step["pod"]
        ns, name = _key(pod)
        rep = StepReport(i, f"{ns}/{name}")
        d = native.schedule_detail(pod, False)
        _compare_step(step, d, rep.diffs)
        report.steps.append(rep)
        if step["status"] == "Scheduled" and step.get("chosen"):
            s.add_pod(_bound(pod, step["chosen"]))
        elif step.get("nominatedNode"):
            for victim in step.get("victims", []):
                vns, vname = victim.split("/", 1)
                s.remove_pod(vns, vname)
            s.add_pod(_bound(pod, step["nominatedNode"]))
    return report


def replay_file(path: str | Path) -> CaseReport:
    p = Path(path)
    try:
        case = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return CaseReport(p.stem, error=f"cannot read {p}: {err}")
    problem = case_problem(case)
    if problem:
        return CaseReport(p.stem, error=f"{p}: {problem}")
    try:
        return replay_case(case)
    except Exception as err:
        rep = CaseReport(case.get("name", p.stem) if isinstance(case, dict) else p.stem)
        rep.error = f"{type(err).__name__}: {err}"
        return rep


def case_files(directory: str | Path) -> list[Path]:
    """The ``*.json`` case files of a directory (or the file itself), sorted by name."""
    d = Path(directory)
    if d.is_file():
        return [d]
    return sorted(d.glob("*.json"))
