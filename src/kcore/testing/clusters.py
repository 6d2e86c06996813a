"""Seeded random clusters and pods for tests, benchmarks and Hypothesis strategies.

``random_cluster(seed, nodes)`` returns node dicts drawn from a few node pools (sizes, zones,
taints, images); ``random_pods(seed, n)`` returns pods mixing requests, selectors, tolerations,
ports, images, spreading and (anti-)affinity. Same seed, same objects.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np

from kcore.testing.wrappers import make_node, make_pod

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
