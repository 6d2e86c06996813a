"""scheduler_perf workload files: strict loading, parameters, label filters.

A ``performance-config.yaml`` is a list of *test cases*, each with a ``workloadTemplate`` (a
list of ops) and named *workloads* (parameter sets). This module loads such files exactly as
upstream's harness decodes them:

* keys match field names case-insensitively (Go ``encoding/json``), but an unknown field, a
  duplicate key, an unknown ``opcode`` or a value of the wrong type is an error that names the
  file and the path (``SchedulingBasic.workloadTemplate[1].countParm: unknown field``);
* ``$param`` references are checked at load time where upstream checks them (count-like
  params must start with ``$``) and resolved per workload by :func:`resolve_ops`, which also
  applies ``templateParams``, unrolls ``createPodSets`` and names default namespaces
  ``namespace-<opIndex>`` on the unrolled list; a parameter a workload defines but no op uses
  is an error, as upstream;
* every path in the file (templates, ``schedulerConfigPath``) is resolved relative to the
  file's directory.

Ops that need features kcore does not have yet (DRA resource drivers and claims, pod groups)
are recognised; test cases using them are reported as unsupported instead of failing to load.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kcore.scheduler.apis.config.strict import YAMLError, load_yaml, parse_duration

__all__ = [
    "OPCODES",
    "UNSUPPORTED_OPCODES",
    "Op",
    "TestCase",
    "Workload",
    "WorkloadError",
    "label_filter_matches",
    "load_test_cases",
    "parse_test_cases",
    "resolve_ops",
]


class WorkloadError(ValueError):
    """A workload file or workload that is invalid; the message names file and field path."""


# Field kinds: "int", "bool", "str", "duration", "param" ($name), "countparam" ($name checked
# at load), "map" (str -> any), "strmap" (str -> str), "strlist", "op" (nested op), "any".
_COUNT = {"count": "int", "countParam": "countparam"}
OP_FIELDS: dict[str, dict[str, str]] = {
    "createNodes": {
        **_COUNT,
        "nodeTemplatePath": "str",
        "nodeAllocatableStrategy": "map",
        "labelNodePrepareStrategy": "map",
        "uniqueNodeLabelStrategy": "map",
        "templateParams": "map",
    },
    "createNamespaces": {**_COUNT, "prefix": "str", "namespaceTemplatePath": "str"},
    "createPods": {
        **_COUNT,
        "countMultiplierParam": "countparam",
        "podTemplatePath": "str",
        "namespace": "str",
        "collectMetrics": "bool",
        "skipWaitToCompletion": "bool",
        "steadyState": "bool",
        "steadyStateParam": "param",
        "duration": "duration",
        "durationParam": "param",
        "persistentVolumeTemplatePath": "str",
        "persistentVolumeClaimTemplatePath": "str",
        "templateParams": "map",
        "signatureBatchSize": "int",
        "signatureBatchSizeParam": "countparam",
    },
    "createPodSets": {**_COUNT, "namespacePrefix": "str", "createPodsOp": "op"},
    "deletePods": {
        "namespace": "str",
        "labelSelector": "strmap",
        "skipWaitToCompletion": "bool",
        "deletePodsPerSecond": "int",
    },
    "churn": {
        "mode": "str",
        "number": "int",
        "intervalMilliseconds": "int",
        "namespace": "str",
        "templatePaths": "strlist",
    },
    "barrier": {"namespaces": "strlist", "labelSelector": "strmap", "stageRequirement": "str"},
    "sleep": {"duration": "duration", "durationParam": "param"},
    "startCollectingMetrics": {"name": "str", "namespaces": "strlist", "labelSelector": "strmap"},
    "stopCollectingMetrics": {},
    "createAny": {**_COUNT, "templatePath": "str", "namespace": "str", "templateParams": "map"},
    "updateAny": {
        **_COUNT,
        "templatePath": "str",
        "namespace": "str",
        "updatePerSecond": "int",
        "subresources": "strlist",
        "templateParams": "map",
    },
}

#: Opcodes upstream has that kcore recognises but cannot run yet (no DRA, no pod groups).
UNSUPPORTED_OPCODES: dict[str, str] = {
    "createResourceClaims": "dynamic resource allocation is not simulated yet",
    "createResourceDriver": "dynamic resource allocation is not simulated yet",
    "allocResourceClaims": "dynamic resource allocation is not simulated yet",
    "waitForPodGroups": "pod groups (gang scheduling) are not simulated yet",
    "createPodGroups": "pod groups (gang scheduling) are not simulated yet",
}

OPCODES: tuple[str, ...] = (*OP_FIELDS, *UNSUPPORTED_OPCODES)

_TESTCASE_FIELDS = {
    "name": "str",
    "workloadTemplate": "any",
    "workloads": "any",
    "featureGates": "map",
    "labels": "strlist",
    "defaultPodTemplatePath": "str",
    "schedulerConfigPath": "str",
    "metricsCollectorConfig": "map",
    "defaultThresholdMetricSelector": "map",
}
_WORKLOAD_FIELDS = {
    "name": "str",
    "params": "map",
    "labels": "strlist",
    "featureGates": "map",
    "threshold": "any",
    "thresholdMetricSelector": "map",
}


@dataclass(frozen=True, slots=True)
class Op:
    """One op of a workload template, with canonical (file-spelled) field names.

    ``fields`` excludes ``opcode``; ``where`` is the op's path for error messages. After
    :func:`resolve_ops` every ``...Param`` is applied and removed, ``namespace`` defaults are
    filled in and ``createPodSets`` is unrolled.
    """

    opcode: str
    fields: Mapping[str, Any]
    where: str

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)

    @property
    def collects_metrics(self) -> bool:
        """Whether this op ends a metrics collection (for the "one op collects" rule)."""
        if self.opcode == "createPods":
            return bool(self.fields.get("collectMetrics"))
        if self.opcode == "createPodSets":
            inner = self.fields.get("createPodsOp")
            return isinstance(inner, Op) and inner.collects_metrics
        return self.opcode == "stopCollectingMetrics"


@dataclass(frozen=True, slots=True)
class Workload:
    """A named parameter set of a test case."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    labels: tuple[str, ...] = ()
    feature_gates: Mapping[str, bool] = field(default_factory=dict)
    threshold: float | Mapping[str, float] = 0.0
    threshold_metric_selector: Mapping[str, Any] | None = None

    def threshold_for(self, topic: str = "") -> float:
        """The threshold in force (a per-topic map entry wins over the plain value)."""
        if isinstance(self.threshold, Mapping):
            return float(self.threshold.get(topic, 0.0))
        return float(self.threshold)


@dataclass(frozen=True, slots=True)
class TestCase:
    """A test case: ops, workloads and the directory its relative paths start from."""

    __test__ = False  # not a pytest class

    name: str
    ops: tuple[Op, ...]
    workloads: tuple[Workload, ...]
    base_dir: Path
    source: str = ""
    labels: tuple[str, ...] = ()
    feature_gates: Mapping[str, bool] = field(default_factory=dict)
    default_pod_template_path: str = ""
    scheduler_config_path: str = ""
    metrics_collector_config: Mapping[str, Any] | None = None
    default_threshold_metric_selector: Mapping[str, Any] | None = None

    @property
    def unsupported(self) -> str:
        """Why this case cannot run in kcore ("" if it can)."""
        for op in self.ops:
            reason = UNSUPPORTED_OPCODES.get(op.opcode)
            if reason:
                return f"{op.where}: opcode {op.opcode!r}: {reason}"
            if op.opcode == "createPods" and op.get("persistentVolumeClaimTemplatePath"):
                return f"{op.where}: persistent volumes are not simulated yet"
            if op.opcode == "updateAny":
                return f"{op.where}: opcode 'updateAny' is not supported yet"
        return ""

    def full_name(self, workload: Workload) -> str:
        """``<case>/<workload>`` as benchmarks are named."""
        return f"{self.name}/{workload.name}"

    def labels_of(self, workload: Workload) -> tuple[str, ...]:
        return (*self.labels, *workload.labels)

    def path(self, rel: str) -> Path:
        """Resolve a path from the file relative to the file's directory."""
        p = Path(rel)
        return p if p.is_absolute() else (self.base_dir / p)

    def feature_gates_of(self, workload: Workload) -> dict[str, bool]:
        return {**self.feature_gates, **workload.feature_gates}


# ----------------------------------------------------------------------------- decoding


class _Dec:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, msg: str) -> WorkloadError:
        return WorkloadError(f"{self.source}: {where}: {msg}" if where else f"{self.source}: {msg}")

    def obj(self, value: Any, where: str, spec: Mapping[str, str]) -> dict[str, Any]:
        """Decode a mapping strictly; keys match ``spec`` case-insensitively."""
        if not isinstance(value, Mapping):
            raise self.fail(where, f"expected an object, got {type(value).__name__}")
        lower = {k.lower(): k for k in spec}
        out: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str) or k.lower() not in lower:
                known = ", ".join(spec) or "none"
                raise self.fail(f"{where}.{k}", f"unknown field (known fields: {known})")
            canon = lower[k.lower()]
            if canon in out:
                raise self.fail(f"{where}.{k}", f"duplicate field {canon!r}")
            if v is None:
                continue
            out[canon] = self.value(v, f"{where}.{k}", spec[canon])
        return out

    def value(self, v: Any, where: str, kind: str) -> Any:
        if kind == "any":
            return v
        if kind == "int":
            if isinstance(v, bool) or not isinstance(v, int | float) or int(v) != v:
                raise self.fail(where, f"expected an integer, got {v!r}")
            if v < 0:
                raise self.fail(where, f"must be >= 0, got {v!r}")
            return int(v)
        if kind == "bool":
            if not isinstance(v, bool):
                raise self.fail(where, f"expected true or false, got {v!r}")
            return v
        if kind in ("str", "param", "countparam"):
            if not isinstance(v, str):
                raise self.fail(where, f"expected a string, got {v!r}")
            if kind == "countparam" and not v.startswith("$"):
                raise self.fail(where, f"parameter reference must start with '$', got {v!r}")
            return v
        if kind == "duration":
            if not isinstance(v, str):
                raise self.fail(where, f"expected a duration string such as 10s, got {v!r}")
            try:
                return parse_duration(v)
            except ValueError as err:
                raise self.fail(where, str(err)) from err
        if kind in ("map", "strmap"):
            if not isinstance(v, Mapping):
                raise self.fail(where, f"expected an object, got {v!r}")
            if kind == "strmap":
                for k, x in v.items():
                    if not isinstance(x, str):
                        raise self.fail(f"{where}.{k}", f"expected a string, got {x!r}")
            return dict(v)
        if kind == "strlist":
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise self.fail(where, f"expected a list of strings, got {v!r}")
            return tuple(v)
        if kind == "op":
            return self.op(v, where)
        msg = f"unknown field kind {kind}"
        raise AssertionError(msg)

    def op(self, value: Any, where: str) -> Op:
        if not isinstance(value, Mapping):
            raise self.fail(where, "expected an op object")
        opcode = None
        for k, v in value.items():
            if isinstance(k, str) and k.lower() == "opcode":
                opcode = v
        if opcode is None:
            raise self.fail(where, "missing opcode")
        if opcode in UNSUPPORTED_OPCODES:
            return Op(str(opcode), {k: v for k, v in value.items() if k.lower() != "opcode"}, where)
        if opcode not in OP_FIELDS:
            raise self.fail(
                f"{where}.opcode", f"unknown opcode {opcode!r}; known: {', '.join(OPCODES)}"
            )
        spec = {"opcode": "str", **OP_FIELDS[opcode]}
        fields = self.obj(value, where, spec)
        del fields["opcode"]
        op = Op(opcode, fields, where)
        self.validate_op(op)
        return op

    def validate_op(self, op: Op) -> None:
        f, w = op.fields, op.where
        if op.opcode == "createPods":
            if f.get("collectMetrics") and f.get("skipWaitToCompletion"):
                raise self.fail(w, "collectMetrics and skipWaitToCompletion cannot both be true")
            if f.get("skipWaitToCompletion") and (
                f.get("steadyState") or f.get("steadyStateParam")
            ):
                raise self.fail(w, "skipWaitToCompletion and steadyState cannot both be true")
            if f.get("steadyState") and not (f.get("duration") or f.get("durationParam")):
                raise self.fail(w, "steadyState requires a duration greater than 0")
        elif op.opcode == "churn":
            mode = f.get("mode")
            if mode not in ("create", "recreate"):
                raise self.fail(f"{w}.mode", f"must be 'create' or 'recreate', got {mode!r}")
            if mode == "recreate" and not f.get("number"):
                raise self.fail(f"{w}.number", "must be > 0 in recreate mode")
            if not f.get("templatePaths"):
                raise self.fail(f"{w}.templatePaths", "at least one template is required")
        elif op.opcode == "barrier":
            stage = f.get("stageRequirement", "Scheduled")
            if stage not in ("Scheduled", "Attempted"):
                raise self.fail(
                    f"{w}.stageRequirement", f"must be Scheduled or Attempted, got {stage!r}"
                )
        elif op.opcode == "startCollectingMetrics":
            if not f.get("namespaces"):
                raise self.fail(f"{w}.namespaces", "at least one namespace is required")
        elif op.opcode in ("createAny", "updateAny"):
            if not f.get("templatePath"):
                raise self.fail(f"{w}.templatePath", "required")
        elif op.opcode == "createPodSets":
            inner = f.get("createPodsOp")
            if not isinstance(inner, Op) or inner.opcode != "createPods":
                raise self.fail(f"{w}.createPodsOp", "must be a createPods op")
        elif op.opcode == "sleep" and "duration" not in f and "durationParam" not in f:
            raise self.fail(w, "duration or durationParam is required")

    def threshold(self, v: Any, where: str) -> float | dict[str, float]:
        if isinstance(v, Mapping):
            out: dict[str, float] = {}
            for k, x in v.items():
                if isinstance(x, bool) or not isinstance(x, int | float) or x < 0:
                    raise self.fail(f"{where}.{k}", f"threshold must be a number >= 0, got {x!r}")
                out[str(k)] = float(x)
            return out
        if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
            raise self.fail(where, f"threshold must be a number >= 0 or a map, got {v!r}")
        return float(v)


def parse_test_cases(doc: Any, *, base_dir: Path, source: str = "<config>") -> list[TestCase]:
    """Decode and validate a parsed ``performance-config.yaml`` document."""
    d = _Dec(source)
    if not isinstance(doc, list) or not doc:
        raise d.fail("", "a workload file must be a non-empty list of test cases")
    cases: list[TestCase] = []
    names: set[str] = set()
    for i, raw in enumerate(doc):
        where = f"[{i}]"
        tc = d.obj(raw, where, _TESTCASE_FIELDS)
        name = tc.get("name")
        if not name:
            raise d.fail(f"{where}.name", "required")
        where = str(name)
        if name in names:
            raise d.fail(where, f"duplicate test case name {name!r}")
        names.add(name)
        raw_ops = tc.get("workloadTemplate")
        if not isinstance(raw_ops, list) or not raw_ops:
            raise d.fail(f"{where}.workloadTemplate", "must be a non-empty list of ops")
        ops = tuple(d.op(o, f"{where}.workloadTemplate[{j}]") for j, o in enumerate(raw_ops))
        if not any(op.collects_metrics for op in ops):
            raise d.fail(
                f"{where}.workloadTemplate",
                "no op collects metrics (set collectMetrics on a createPods op or use "
                "stopCollectingMetrics)",
            )
        raw_wls = tc.get("workloads")
        if not isinstance(raw_wls, list) or not raw_wls:
            raise d.fail(f"{where}.workloads", "must be a non-empty list")
        wls: list[Workload] = []
        wnames: set[str] = set()
        for j, rw in enumerate(raw_wls):
            ww = f"{where}.workloads[{j}]"
            w = d.obj(rw, ww, _WORKLOAD_FIELDS)
            wname = w.get("name")
            if not wname or not isinstance(wname, str):
                raise d.fail(f"{ww}.name", "required")
            if wname in wnames:
                raise d.fail(ww, f"duplicate workload name {wname!r}")
            wnames.add(wname)
            wls.append(
                Workload(
                    name=wname,
                    params=dict(w.get("params", {})),
                    labels=tuple(w.get("labels", ())),
                    feature_gates=dict(w.get("featureGates", {})),
                    threshold=d.threshold(w["threshold"], f"{ww}.threshold")
                    if "threshold" in w
                    else 0.0,
                    threshold_metric_selector=w.get("thresholdMetricSelector"),
                )
            )
        cases.append(
            TestCase(
                name=name,
                ops=ops,
                workloads=tuple(wls),
                base_dir=base_dir,
                source=source,
                labels=tuple(tc.get("labels", ())),
                feature_gates=dict(tc.get("featureGates", {})),
                default_pod_template_path=tc.get("defaultPodTemplatePath", ""),
                scheduler_config_path=tc.get("schedulerConfigPath", ""),
                metrics_collector_config=tc.get("metricsCollectorConfig"),
                default_threshold_metric_selector=tc.get("defaultThresholdMetricSelector"),
            )
        )
    return cases


def load_test_cases(path: str | Path) -> list[TestCase]:
    """Load a ``performance-config.yaml``; relative paths inside resolve against its folder."""
    p = Path(path)
    if not p.is_file():
        msg = f"workload file {str(p)!r} not found"
        raise FileNotFoundError(msg)
    try:
        doc = load_yaml(p.read_text(encoding="utf-8"), source=str(p))
    except YAMLError as err:
        raise WorkloadError(str(err)) from err
    return parse_test_cases(doc, base_dir=p.resolve().parent, source=str(p))


# ----------------------------------------------------------------------------- parameters

_COUNT_LIKE = {"countParam", "countMultiplierParam", "signatureBatchSizeParam"}


def _lookup(params: Mapping[str, Any], ref: str, where: str, used: set[str], kind: str) -> Any:
    name = ref[1:] if ref.startswith("$") else ref
    if name not in params:
        known = ", ".join(sorted(params)) or "none"
        msg = f"{where}: parameter {ref!r} is not defined by the workload (params: {known})"
        raise WorkloadError(msg)
    used.add(name)
    v = params[name]
    if kind == "int":
        if isinstance(v, bool) or not isinstance(v, int | float):
            msg = f"{where}: parameter {name!r} must be a number, got {v!r}"
            raise WorkloadError(msg)
        return int(v)
    if kind == "duration":
        if not isinstance(v, str):
            msg = f"{where}: parameter {name!r} must be a duration string, got {v!r}"
            raise WorkloadError(msg)
        try:
            return parse_duration(v)
        except ValueError as err:
            msg = f"{where}: parameter {name!r}: {err}"
            raise WorkloadError(msg) from err
    if kind == "bool":
        if not isinstance(v, bool):
            msg = f"{where}: parameter {name!r} must be a boolean, got {v!r}"
            raise WorkloadError(msg)
        return v
    return v


def _resolve_fields(op: Op, params: Mapping[str, Any], used: set[str]) -> dict[str, Any]:
    f = dict(op.fields)
    w = op.where
    if "countParam" in f:
        f["count"] = _lookup(params, f.pop("countParam"), f"{w}.countParam", used, "int")
    if "countMultiplierParam" in f:
        mult = _lookup(
            params, f.pop("countMultiplierParam"), f"{w}.countMultiplierParam", used, "int"
        )
        f["count"] = f.get("count", 0) * mult
    if "signatureBatchSizeParam" in f:
        f["signatureBatchSize"] = _lookup(
            params, f.pop("signatureBatchSizeParam"), f"{w}.signatureBatchSizeParam", used, "int"
        )
    if "durationParam" in f:
        f["duration"] = _lookup(
            params, f.pop("durationParam"), f"{w}.durationParam", used, "duration"
        )
    if "steadyStateParam" in f:
        f["steadyState"] = _lookup(
            params, f.pop("steadyStateParam"), f"{w}.steadyStateParam", used, "bool"
        )
    if "templateParams" in f:
        tp: dict[str, Any] = {}
        for k, v in f["templateParams"].items():
            if isinstance(v, str) and v.startswith("$"):
                tp[k] = _lookup(params, v, f"{w}.templateParams.{k}", used, "raw")
            else:
                tp[k] = v
        f["templateParams"] = tp
    if op.opcode == "createPods" and f.get("steadyState") and not f.get("duration"):
        msg = f"{w}: steadyState requires a duration greater than 0"
        raise WorkloadError(msg)
    return f


def resolve_ops(case: TestCase, workload: Workload) -> list[Op]:
    """The ops of ``case`` for ``workload``: parameters applied, createPodSets unrolled,
    default namespaces filled in (``namespace-<index in the unrolled list>``).

    Raises
    ------
    WorkloadError
        For a missing or mistyped parameter, or a parameter the workload defines but no op
        uses.
    """
    used: set[str] = set()
    expanded: list[Op] = []
    for op in case.ops:
        if op.opcode in UNSUPPORTED_OPCODES:
            for v in op.fields.values():
                if isinstance(v, str) and v.startswith("$"):
                    used.add(v[1:])
            expanded.append(op)
            continue
        fields = _resolve_fields(op, workload.params, used)
        if op.opcode == "createPodSets":
            inner: Op = fields["createPodsOp"]
            inner_fields = _resolve_fields(inner, workload.params, used)
            prefix = fields.get("namespacePrefix", "")
            for i in range(fields.get("count", 0)):
                expanded.append(
                    Op(
                        "createPods",
                        {**inner_fields, "namespace": f"{prefix}-{i}"},
                        f"{inner.where}#{i}",
                    )
                )
            continue
        expanded.append(Op(op.opcode, fields, op.where))
    unused = sorted(set(workload.params) - used)
    if unused:
        msg = (
            f"{case.source}: {case.full_name(workload)}: parameter(s) {', '.join(unused)} "
            "defined but unused"
        )
        raise WorkloadError(msg)
    out: list[Op] = []
    for i, op in enumerate(expanded):
        if op.opcode in ("createPods", "churn") and not op.get("namespace"):
            out.append(dataclasses.replace(op, fields={**op.fields, "namespace": f"namespace-{i}"}))
        else:
            out.append(op)
    return out


# ----------------------------------------------------------------------------- labels


def label_filter_matches(labels: Iterable[str], label_filter: str) -> bool:
    """Upstream's label filter: comma-separated; ``x`` or ``+x`` required, ``-x`` excluded."""
    have = set(labels)
    for raw in label_filter.split(","):
        item = raw.strip()
        if not item:
            continue
        if item.startswith("-"):
            if item[1:] in have:
                return False
        elif item.lstrip("+") not in have:
            return False
    return True


def select(
    cases: Sequence[TestCase],
    *,
    names: Sequence[str] = (),
    label_filter: str = "",
    matcher: Callable[[str, str], bool] | None = None,
) -> list[tuple[TestCase, Workload]]:
    """Workloads selected by name patterns (``Case/Workload``, ``Case``, fnmatch globs) and a
    label filter; in file order."""
    import fnmatch

    out: list[tuple[TestCase, Workload]] = []
    for case in cases:
        for wl in case.workloads:
            full = case.full_name(wl)
            if names and not any(
                pat in (full, case.name)
                or fnmatch.fnmatchcase(full, pat)
                or (matcher and matcher(pat, full))
                for pat in names
            ):
                continue
            if label_filter and not label_filter_matches(case.labels_of(wl), label_filter):
                continue
            out.append((case, wl))
    return out
