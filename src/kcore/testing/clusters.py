"""Seeded random clusters and pods for tests, benchmarks and Hypothesis strategies.

``random_cluster(seed, nodes)`` returns node dicts drawn from a few node pools (sizes, zones,
taints, images); ``random_pods(seed, n)`` returns pods mixing requests, selectors, tolerations,
ports, images, spreading and (anti-)affinity. Same seed, same objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from kcore.testing.wrappers import make_namespace, make_node, make_pod

ZONES = ("zone-a", "zone-b", "zone-c")

T = TypeVar("T")


def _pick(rnd: np.random.Generator, seq: list[T]) -> T:
    return seq[int(rnd.integers(len(seq)))]


def basic_node(i: int, zones: int = 3) -> dict[str, Any]:
    """scheduler_perf's node-default: 4 CPU, 32Gi, 110 pods, spread over ``zones`` zones."""
    return make_node(f"node-{i}").zone(f"zone-{i % zones}").obj()


def basic_pod(name: str = "pod", **labels: str) -> dict[str, Any]:
    """scheduler_perf's pod-default: 100m CPU and 500Mi memory."""
    w = make_pod(name).req(cpu="100m", memory="500Mi")
    if labels:
        w.labels(**labels)
    return w.obj()


def random_cluster(
    seed: int, nodes: int, *, taints: bool = True, images: bool = True
) -> list[dict[str, Any]]:
    """``nodes`` nodes from a seeded generator (pools of different sizes, zones, taints, images)."""
    rnd = np.random.default_rng(seed)
    out = []
    for i in range(nodes):
        w = make_node(f"n{i}").zone(ZONES[i % len(ZONES)]).label("disk", _pick(rnd, ["ssd", "hdd"]))
        w.capacity(
            cpu=_pick(rnd, ["2", "4", "8"]),
            memory=_pick(rnd, ["4Gi", "8Gi", "16Gi"]),
            pods=str(_pick(rnd, [4, 16, 110])),
        )
        if float(rnd.random()) < 0.3:
            w.res({"example.com/gpu": str(_pick(rnd, [1, 2]))})
        if taints and float(rnd.random()) < 0.2:
            w.taint(
                "dedicated",
                _pick(rnd, ["a", "b"]),
                _pick(rnd, ["NoSchedule", "PreferNoSchedule", "NoExecute"]),
            )
        if images and float(rnd.random()) < 0.5:
            w.image(
                [f"registry/app:{_pick(rnd, ['1', '2'])}"], _pick(rnd, [50, 300, 900]) * 1024 * 1024
            )
        if float(rnd.random()) < 0.03:
            w.unschedulable()
        out.append(w.obj())
    return out


def random_pods(
    seed: int, n: int, *, affinity: bool = True, prefix: str = "p"
) -> list[dict[str, Any]]:
    """``n`` pods from a seeded generator; a few shapes repeat so equivalence classes form."""
    rnd = np.random.default_rng(seed)
    out = []
    for i in range(n):
        app = _pick(rnd, ["web", "api", "db"])
        w = make_pod(f"{prefix}{i}").labels(app=app)
        w.req(cpu=_pick(rnd, ["100m", "500m", "1"]), memory=_pick(rnd, ["128Mi", "1Gi"]))
        w.image(_pick(rnd, ["registry/app:1", "registry/app:2", "other:1"]))
        r = float(rnd.random())
        if r < 0.1:
            w.res({"example.com/gpu": "1"})
        if float(rnd.random()) < 0.15:
            w.node_selector(disk="ssd")
        if float(rnd.random()) < 0.2:
            w.toleration("dedicated", operator="Exists")
        if float(rnd.random()) < 0.05:
            w.host_port(8080)
        if affinity:
            k = float(rnd.random())
            if k < 0.08:
                w.spread(1, "topology.kubernetes.io/zone", match_labels={"app": app})
            elif k < 0.14:
                w.pod_anti_affinity({"app": app}, "kubernetes.io/hostname")
            elif k < 0.18:
                w.preferred_pod_affinity(50, {"app": app}, "topology.kubernetes.io/zone")
        if float(rnd.random()) < 0.1:
            w.priority(_pick(rnd, [100, 1000]))
        out.append(w.obj())
    return out


# ---------------------------------------------------------------------------------------------
# Feature-dense scenarios for the reference-kernel equivalence tests and benchmarks.

_IMAGES: tuple[tuple[tuple[str, ...], int], ...] = (
    (("registry/app:1",), 300),
    (("registry/app:2", "mirror.io/registry/app:2"), 900),
    (("nginx:latest", "docker.io/library/nginx:latest"), 50),
    (("busybox:1.36",), 5),
    (("big/model:v3",), 3000),
    (("tools@sha256:abc",), 120),
)
_POD_IMAGES = (
    "registry/app:1",
    "registry/app:2",
    "nginx",
    "busybox:1.36",
    "big/model:v3",
    "tools@sha256:abc",
    "other:1",
    "docker.io/library/nginx:latest",
)
_TAINTS = (
    ("dedicated", "a", "NoSchedule"),
    ("dedicated", "b", "NoExecute"),
    ("dedicated", "a", "PreferNoSchedule"),
    ("gpu", "", "NoSchedule"),
    ("spot", "true", "PreferNoSchedule"),
    ("maint", "", "NoExecute"),
    ("noisy", "", "PreferNoSchedule"),
)
_TOLERATIONS: tuple[dict[str, str], ...] = (
    {"key": "dedicated", "operator": "Equal", "value": "a", "effect": "NoSchedule"},
    {"key": "dedicated", "operator": "Exists"},
    {"operator": "Exists"},
    {"key": "gpu", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "spot", "operator": "Equal", "value": "true", "effect": "PreferNoSchedule"},
    {"operator": "Exists", "effect": "PreferNoSchedule"},
    {"key": "maint", "operator": "Exists", "effect": "NoExecute"},
    {"key": "noisy", "operator": "Exists"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "dedicated", "value": "b"},
)
_NAMESPACES = ("default", "team-a", "team-b", "orphan")  # "orphan" has no Namespace object
_APPS = ("web", "api", "db", "legacy", "cache")
_TOPOLOGY_KEYS = (
    "kubernetes.io/hostname",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "rack",
    "missing-key",
)


def _chance(rnd: np.random.Generator, p: float) -> bool:
    return float(rnd.random()) < p


def _some(rnd: np.random.Generator, seq: tuple[T, ...] | list[T], most: int) -> list[T]:
    """Up to ``most`` distinct items of ``seq`` (possibly none)."""
    k = int(rnd.integers(0, most + 1))
    idx = rnd.choice(len(seq), size=min(k, len(seq)), replace=False)
    return [seq[int(i)] for i in sorted(idx)]


@dataclass(frozen=True)
class Scenario:
    """A cluster to build a :class:`~kcore.scheduler.Scheduler` from, plus pending pods.

    ``nodes`` are added in order, then ``objects``, then ``pods`` (each bound with
    ``spec.nodeName``); finally the nodes named in ``removed`` are removed (with their pods).
    ``incoming`` are pending pods to evaluate.
    """

    namespaces: list[dict[str, Any]]
    nodes: list[dict[str, Any]]
    objects: list[dict[str, Any]]
    pods: list[dict[str, Any]]
    removed: list[str]
    incoming: list[dict[str, Any]]

    @property
    def live_pods(self) -> list[dict[str, Any]]:
        """The bound pods that survive the node removals."""
        gone = set(self.removed)
        return [p for p in self.pods if p["spec"]["nodeName"] not in gone]

    def build(self, scheduler: Any) -> Any:
        """Load the scenario into ``scheduler`` (a ``kcore.scheduler.Scheduler``); returns it."""
        for ns in self.namespaces:
            scheduler.add_namespace(ns)
        for node in self.nodes:
            scheduler.add_node(node)
        for obj in self.objects:
            scheduler.add_object(obj)
        for pod in self.pods:
            scheduler.add_pod(pod)
        for name in self.removed:
            scheduler.remove_node(name)
        return scheduler


def _scenario_node(rnd: np.random.Generator, i: int) -> dict[str, Any]:
    w = make_node(f"n{i}")
    if _chance(rnd, 0.9):
        # zone="" beside nodes without the label: one "" domain for default spreading's score.
        w.zone(_pick(rnd, ["zone-a", "zone-b", "zone-c"] * 2 + [""]))
    if _chance(rnd, 0.5):
        w.label("topology.kubernetes.io/region", _pick(rnd, ["r1", "r2"]))
    if _chance(rnd, 0.7):
        w.label("disk", _pick(rnd, ["ssd", "hdd"]))
    if _chance(rnd, 0.6):
        w.label("tier", _pick(rnd, ["1", "2", "3", "4", "5", "x", "-1", "+3"]))
    if _chance(rnd, 0.5):
        w.label("rack", f"rack-{int(rnd.integers(4))}")
    if _chance(rnd, 0.3):
        w.label("pool", _pick(rnd, ["", "blue", "green"]))
    alloc = {
        "cpu": _pick(
            rnd,
            ["1", "2", "4", "8", "3500m", "0"] if _chance(rnd, 0.05) else ["2", "4", "8", "3500m"],
        ),
        "memory": _pick(rnd, ["2Gi", "4Gi", "8Gi", "16Gi", "1500Mi"]),
        "pods": _pick(rnd, ["2", "4", "8", "110"]),
    }
    if _chance(rnd, 0.5):
        alloc["ephemeral-storage"] = _pick(rnd, ["10Gi", "50Gi"])
    if _chance(rnd, 0.3):
        alloc["example.com/gpu"] = _pick(rnd, ["0", "1", "2", "4"])
    if _chance(rnd, 0.15):
        alloc["hugepages-2Mi"] = _pick(rnd, ["0", "512Mi", "1Gi"])
    if _chance(rnd, 0.1):
        alloc["example.com/fpga"] = "1"
    w.capacity(**{k.replace("-", "_").replace("/", "__"): v for k, v in alloc.items()})
    for t in _some(rnd, _TAINTS, 2):
        w.taint(*t)
    if _chance(rnd, 0.06):
        # A cordoned node, usually with the taint the node lifecycle controller adds.
        w.unschedulable()
        if _chance(rnd, 0.6):
            w.taint("node.kubernetes.io/unschedulable", "", "NoSchedule")
    for names, mib in _some(rnd, _IMAGES, 3):
        size = mib * 1024 * 1024 + int(rnd.integers(0, 3)) * 7 * 1024 * 1024
        w.image(list(names), size)
    return w.obj()


def _selector(rnd: np.random.Generator, app: str) -> dict[str, Any]:
    """A non-empty label selector around ``app``."""
    r = float(rnd.random())
    if r < 0.5:
        return {"matchLabels": {"app": app}}
    if r < 0.7:
        return {
            "matchExpressions": [
                {"key": "app", "operator": "In", "values": [app, _pick(rnd, list(_APPS))]}
            ]
        }
    if r < 0.8:
        return {"matchExpressions": [{"key": "app", "operator": "Exists"}]}
    if r < 0.9:
        return {
            "matchLabels": {"app": app},
            "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["be"]}],
        }
    return {"matchExpressions": [{"key": "version", "operator": "DoesNotExist"}]}


def _node_expression(rnd: np.random.Generator, *, parsable: bool = False) -> dict[str, Any]:
    """A node-selector expression; unless ``parsable``, it may not parse although the API server
    accepts it (``Lt`` with a non-integer operand, a value that is no valid label value): a
    required term with it matches no node, a preferred one fails NodeAffinity's PreScore."""
    options: list[dict[str, Any]] = [
        {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["zone-a", "zone-b"]},
        {"key": "disk", "operator": "NotIn", "values": ["hdd"]},
        {"key": "tier", "operator": "Gt", "values": [_pick(rnd, ["1", "2", "3"])]},
        {
            "key": "tier",
            "operator": "Lt",
            "values": [_pick(rnd, ["2", "4"] if parsable else ["2", "4", "x"])],
        },
        {"key": "rack", "operator": "Exists"},
        {"key": "pool", "operator": "DoesNotExist"},
        {"key": "pool", "operator": "In", "values": [""]},
        {"key": "topology.kubernetes.io/region", "operator": "In", "values": ["r2"]},
    ]
    if not parsable:
        options.append({"key": "disk", "operator": "NotIn", "values": ["ssd", "not a value"]})
    return _pick(rnd, options)


def _pod_affinity_term(rnd: np.random.Generator, app: str) -> dict[str, Any]:
    term: dict[str, Any] = {
        "labelSelector": _selector(rnd, app),
        "topologyKey": _pick(rnd, list(_TOPOLOGY_KEYS[:4])),
    }
    r = float(rnd.random())
    if r < 0.15:
        term["namespaces"] = [_pick(rnd, ["team-a", "team-b", "default"])]
    elif r < 0.3:
        term["namespaceSelector"] = _pick(
            rnd,
            [
                {"matchLabels": {"team": "a"}},
                {},
                {"matchExpressions": [{"key": "env", "operator": "Exists"}]},
            ],
        )
    return term


def _scenario_pod(
    rnd: np.random.Generator, name: str, node_names: list[str], *, incoming: bool
) -> dict[str, Any]:
    ns = _pick(rnd, ["default"] * 7 + ["team-a", "team-a", "team-b", "orphan"])
    app = _pick(rnd, ["web", "web", *_APPS])
    w = make_pod(name, ns).labels(app=app)
    if _chance(rnd, 0.4):
        w.label("tier", _pick(rnd, ["fe", "be"]))
    if _chance(rnd, 0.3):
        w.label("version", _pick(rnd, ["v1", "v2"]))
    if _chance(rnd, 0.3):
        owner = {
            "db": ("ReplicaSet", "db-rs", "apps/v1"),
            "cache": ("StatefulSet", "cache", "apps/v1"),
            "legacy": ("ReplicationController", "legacy", "v1"),
        }
        if app in owner:
            kind, oname, av = owner[app]
            w.owner(kind, oname, api_version=av)
    spec = w._pod["spec"]
    cpu = ["100m", "250m", "1", "1500m", "0"]
    mem = ["64Mi", "256Mi", "1Gi", "0"]

    def requests() -> dict[str, str]:
        r: dict[str, str] = {}
        if _chance(rnd, 0.8):
            r["cpu"] = _pick(rnd, cpu)
        if _chance(rnd, 0.8):
            r["memory"] = _pick(rnd, mem)
        if _chance(rnd, 0.1):
            r["ephemeral-storage"] = _pick(rnd, ["1Gi", "20Gi"])
        if _chance(rnd, 0.12):
            r["example.com/gpu"] = _pick(rnd, ["1", "2"])
        if _chance(rnd, 0.05):
            r["hugepages-2Mi"] = "256Mi"
        return r

    spec["containers"] = []
    for c in range(int(rnd.integers(1, 3))):
        container: dict[str, Any] = {"name": f"c{c}", "image": _pick(rnd, list(_POD_IMAGES))}
        req = requests()
        if req:
            container["resources"] = {"requests": req}
        spec["containers"].append(container)
    for c in range(int(rnd.integers(0, 3)) if _chance(rnd, 0.3) else 0):
        w.init_container(
            f"i{c}",
            requests() or None,
            sidecar=_chance(rnd, 0.5),
            image=_pick(rnd, list(_POD_IMAGES)),
        )
    if _chance(rnd, 0.05):
        w.overhead(cpu="50m", memory="32Mi")
    if _chance(rnd, 0.04):
        w.pod_requests(cpu=_pick(rnd, ["500m", "2"]), memory="512Mi")
    containers = spec["containers"] + spec.get("initContainers", [])
    for c in containers:
        if _chance(rnd, 0.12) and (
            c in spec["containers"] or c.get("restartPolicy") == "Always" or _chance(rnd, 0.5)
        ):
            port: dict[str, Any] = {"containerPort": 80, "hostPort": _pick(rnd, [80, 8080, 9000])}
            proto = _pick(rnd, ["", "", "TCP", "UDP"])
            if proto:
                port["protocol"] = proto
            ip = _pick(rnd, ["", "", "0.0.0.0", "127.0.0.1", "10.0.0.1"])
            if ip:
                port["hostIP"] = ip
            c.setdefault("ports", []).append(port)
    if not incoming and _chance(rnd, 0.05):
        w.terminating()
    dense = 1.0 if incoming else 0.6
    if _chance(rnd, 0.4 * dense):
        spec["tolerations"] = _some(rnd, _TOLERATIONS, 3)
    if incoming and _chance(rnd, 0.05):
        w.node(_pick(rnd, [*node_names[:3], "no-such-node"]))
    if _chance(rnd, 0.15 * dense):
        spec["nodeSelector"] = _pick(
            rnd, [{"disk": "ssd"}, {"topology.kubernetes.io/zone": "zone-a"}, {"pool": ""}, {}]
        )
    na: dict[str, Any] = {}
    if _chance(rnd, 0.2 * dense):
        terms = []
        for _ in range(int(rnd.integers(1, 3))):
            term: dict[str, Any] = {}
            if _chance(rnd, 0.85):
                term["matchExpressions"] = [
                    _node_expression(rnd) for _ in range(int(rnd.integers(1, 3)))
                ]
            if _chance(rnd, 0.4) and node_names:
                # One or two name fields: two `In` fields naming different nodes conflict.
                term["matchFields"] = [
                    {
                        "key": "metadata.name",
                        "operator": _pick(rnd, ["In", "In", "NotIn"]),
                        "values": [_pick(rnd, node_names)],
                    }
                    for _ in range(int(rnd.integers(1, 3)))
                ]
            terms.append(term)
        na["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": terms}
    if _chance(rnd, 0.25 * dense):
        na["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {
                "weight": int(rnd.integers(0, 101)),
                "preference": {
                    "matchExpressions": [_node_expression(rnd, parsable=_chance(rnd, 0.7))]
                },
            }
            for _ in range(int(rnd.integers(0, 4)))
        ]
    if na:
        spec.setdefault("affinity", {})["nodeAffinity"] = na
    if _chance(rnd, 0.3 * dense):
        spec["topologySpreadConstraints"] = []
        for _ in range(int(rnd.integers(1, 3))):
            tsc: dict[str, Any] = {
                "maxSkew": int(rnd.integers(1, 4)),
                "topologyKey": _pick(rnd, list(_TOPOLOGY_KEYS)),
                "whenUnsatisfiable": _pick(rnd, ["DoNotSchedule", "ScheduleAnyway"]),
                # An empty selector counts no pod (the pod itself still matches it).
                "labelSelector": _selector(rnd, app) if _chance(rnd, 0.9) else {},
            }
            if _chance(rnd, 0.3):
                tsc["minDomains"] = int(rnd.integers(1, 7))
            if _chance(rnd, 0.25):
                tsc["nodeAffinityPolicy"] = _pick(rnd, ["Honor", "Ignore"])
            if _chance(rnd, 0.25):
                tsc["nodeTaintsPolicy"] = _pick(rnd, ["Honor", "Ignore"])
            if _chance(rnd, 0.2):
                tsc["matchLabelKeys"] = [_pick(rnd, ["version", "tier"])]
            spec["topologySpreadConstraints"].append(tsc)
    for kind, p_req, p_pref in (("podAffinity", 0.12, 0.2), ("podAntiAffinity", 0.15, 0.2)):
        block: dict[str, Any] = {}
        if _chance(rnd, p_req * dense):
            block["requiredDuringSchedulingIgnoredDuringExecution"] = [
                _pod_affinity_term(rnd, app) for _ in range(int(rnd.integers(1, 3)))
            ]
        if _chance(rnd, p_pref * dense):
            block["preferredDuringSchedulingIgnoredDuringExecution"] = [
                {
                    "weight": int(rnd.integers(1, 101)),
                    "podAffinityTerm": _pod_affinity_term(rnd, app),
                }
                for _ in range(int(rnd.integers(1, 3)))
            ]
        if block:
            spec.setdefault("affinity", {})[kind] = block
    if not incoming:
        spec["nodeName"] = _pick(rnd, node_names)
    return w.obj()


def _scenario_objects() -> list[dict[str, Any]]:
    def obj(kind: str, ns: str, name: str, spec: dict[str, Any], api: str = "v1") -> dict[str, Any]:
        return {
            "apiVersion": api,
            "kind": kind,
            "metadata": {"name": name, "namespace": ns},
            "spec": spec,
        }

    return [
        obj("Service", "default", "web", {"selector": {"app": "web"}}),
        obj("Service", "team-a", "api", {"selector": {"app": "api"}}),
        obj("Service", "default", "headless", {}),
        obj("Service", "default", "everything", {"selector": {}}),
        obj(
            "ReplicaSet",
            "default",
            "db-rs",
            {
                "selector": {
                    "matchLabels": {"app": "db"},
                    "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["fe"]}],
                }
            },
            "apps/v1",
        ),
        obj(
            "StatefulSet",
            "team-b",
            "cache",
            {"selector": {"matchLabels": {"app": "cache"}}},
            "apps/v1",
        ),
        obj("ReplicationController", "default", "legacy", {"selector": {"app": "legacy"}}),
    ]


def random_scenario(seed: int, nodes: int, pods: int, incoming: int = 6) -> Scenario:
    """A feature-dense seeded scenario: node pools with labels (numeric, empty values, missing
    zones, zone=""), taints, cordons (with or without the cordon taint), extended resources,
    hugepages and images; bound pods with init and sidecar containers, overhead, pod-level
    requests, host ports, terminating pods, namespaces, owners and (anti-)affinity terms;
    pending pods adding tolerations, node names, node selectors, required/preferred node
    affinity (Gt/Lt, ``metadata.name`` fields, terms that do not parse), spread constraints
    (policies, minDomains, matchLabelKeys, empty selectors) and pod (anti-)affinity. About one
    node in ten is removed after the pods are bound (free rows in the NodeTable)."""
    rnd = np.random.default_rng(seed)
    node_objs = [_scenario_node(rnd, i) for i in range(nodes)]
    names = [n["metadata"]["name"] for n in node_objs]
    namespaces = [
        make_namespace("default"),
        make_namespace("team-a", team="a", env="prod"),
        make_namespace("team-b", team="b"),
    ]
    bound = [
        _scenario_pod(rnd, f"e{i}", names, incoming=False) for i in range(pods if names else 0)
    ]
    removed = [n for n in names if _chance(rnd, 0.1)] if len(names) > 1 else []
    live = [n for n in names if n not in removed]
    pending = [_scenario_pod(rnd, f"p{i}", live, incoming=True) for i in range(incoming)]
    return Scenario(namespaces, node_objs, _scenario_objects(), bound, removed, pending)
