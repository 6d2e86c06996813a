"""Native scheduling kernels beside their readable NumPy references (pytest-benchmark).

One group per (kernel, cluster size) holds two entries, ``native`` and ``reference``, so the
report shows their ratio. Both sides do the same work per call: convert and compile the pod
(``compile_pod`` on the reference side), run the kernel's PreFilter/PreScore, then the kernel over
every node. Each native scheduler uses a profile holding only the measured plugin, so no other
plugin's PreFilter is timed; ``cycle`` times a whole default-profile cycle (against
``run_cycle``; the native side is a dry-run cycle, the explanation is checked outside the
timing). Clusters are feature-dense seeded scenarios (``random_scenario``: node pools,
taints, images, bound pods with affinity terms and host ports), one third as many bound pods
as nodes, built once per size. Every benchmark asserts that both sides agree.

CI smoke-runs this file with ``--benchmark-disable``; measure with
``pytest benchmarks/micro/test_reference_kernels.py`` on a Release build.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from kcore.scheduler import Scheduler
from kcore.scheduler.apis.config import default_profile, load_config
from kcore.scheduler.reference.cluster import ReferenceCluster
from kcore.scheduler.reference.cycle import PluginArgs, run_cycle, run_filter, run_score
from kcore.scheduler.reference.pod import compile_pod
from kcore.testing.clusters import random_scenario
from kcore.testing.wrappers import make_pod

SIZES = [1000, 5000, 15000]


def _fit_profile(strategy: dict[str, Any]) -> Any:
    cfg = {
        "profiles": [
            {"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": strategy}}]}
        ]
    }
    return load_config(cfg).profile()


PROFILES = {
    "default": default_profile,
    "most": lambda: _fit_profile({"type": "MostAllocated"}),
    "rtcr": lambda: _fit_profile(
        {
            "type": "RequestedToCapacityRatio",
            "requestedToCapacityRatio": {
                "shape": [{"utilization": 0, "score": 10}, {"utilization": 100, "score": 0}]
            },
        }
    ),
}

_REQUESTS = {"cpu": "500m", "memory": "1Gi", "example.com/gpu": "1"}
PODS: dict[str, dict[str, Any]] = {
    "cordon": make_pod("bench").toleration("dedicated", operator="Exists").obj(),
    "node-name": make_pod("bench").node("n7").obj(),
    "taints": make_pod("bench")
    .toleration("dedicated", "a", "NoSchedule")
    .toleration("spot", "true", "PreferNoSchedule")
    .obj(),
    "node-affinity": make_pod("bench")
    .node_selector(disk="ssd")
    .node_affinity_required(
        [
            {
                "key": "topology.kubernetes.io/zone",
                "operator": "In",
                "values": ["zone-a", "zone-b"],
            },
            {"key": "tier", "operator": "Gt", "values": ["1"]},
        ]
    )
    .node_affinity_required([{"key": "rack", "operator": "Exists"}])
    .node_affinity_preferred(
        40, [{"key": "rack", "operator": "In", "values": ["rack-1", "rack-2"]}]
    )
    .node_affinity_preferred(25, [{"key": "pool", "operator": "DoesNotExist"}])
    .node_affinity_preferred(10, [{"key": "tier", "operator": "Lt", "values": ["4"]}])
    .obj(),
    "ports": make_pod("bench")
    .host_port(80)
    .host_port(9000, protocol="UDP", host_ip="127.0.0.1")
    .obj(),
    "resources": make_pod("bench")
    .res(_REQUESTS)
    .init_container("side", {"cpu": "100m"}, sidecar=True)
    .obj(),
    "images": make_pod("bench")
    .image("registry/app:1")
    .container("c2", image="nginx")
    .init_container("model", image="big/model:v3")
    .obj(),
    "spread-hard": make_pod("bench")
    .labels(app="web")
    .spread(1, "topology.kubernetes.io/zone", match_labels={"app": "web"})
    .spread(2, "kubernetes.io/hostname", match_labels={"app": "web"})
    .obj(),
    "spread-soft": make_pod("bench")
    .labels(app="web")
    .spread(1, "topology.kubernetes.io/zone", "ScheduleAnyway", match_labels={"app": "web"})
    .spread(2, "kubernetes.io/hostname", "ScheduleAnyway", match_labels={"app": "web"})
    .obj(),
    "interpod-required": make_pod("bench")
    .labels(app="web")
    .pod_anti_affinity({"app": "web"}, "kubernetes.io/hostname")
    .pod_affinity({"app": "api"}, "topology.kubernetes.io/zone")
    .obj(),
    "interpod-preferred": make_pod("bench")
    .labels(app="web")
    .preferred_pod_affinity(60, {"app": "api"}, "topology.kubernetes.io/zone")
    .preferred_pod_anti_affinity(30, {"app": "web"}, "kubernetes.io/hostname")
    .obj(),
    "mixed": make_pod("bench")
    .labels(app="web")
    .res(_REQUESTS)
    .toleration("dedicated", operator="Exists")
    .spread(2, "topology.kubernetes.io/zone", "ScheduleAnyway", match_labels={"app": "web"})
    .preferred_pod_anti_affinity(30, {"app": "web"}, "kubernetes.io/hostname")
    .obj(),
}

# (kind, plugin, profile, pod)
KERNELS = {
    "filter:NodeUnschedulable": ("filter", "NodeUnschedulable", "default", "cordon"),
    "filter:NodeName": ("filter", "NodeName", "default", "node-name"),
    "filter:TaintToleration": ("filter", "TaintToleration", "default", "taints"),
    "filter:NodeAffinity": ("filter", "NodeAffinity", "default", "node-affinity"),
    "filter:NodePorts": ("filter", "NodePorts", "default", "ports"),
    "filter:NodeResourcesFit": ("filter", "NodeResourcesFit", "default", "resources"),
    "filter:PodTopologySpread": ("filter", "PodTopologySpread", "default", "spread-hard"),
    "filter:InterPodAffinity": ("filter", "InterPodAffinity", "default", "interpod-required"),
    "score:TaintToleration": ("score", "TaintToleration", "default", "taints"),
    "score:NodeAffinity": ("score", "NodeAffinity", "default", "node-affinity"),
    "score:LeastAllocated": ("score", "NodeResourcesFit", "default", "resources"),
    "score:MostAllocated": ("score", "NodeResourcesFit", "most", "resources"),
    "score:RequestedToCapacityRatio": ("score", "NodeResourcesFit", "rtcr", "resources"),
    "score:BalancedAllocation": (
        "score",
        "NodeResourcesBalancedAllocation",
        "default",
        "resources",
    ),
    "score:ImageLocality": ("score", "ImageLocality", "default", "images"),
    "score:PodTopologySpread": ("score", "PodTopologySpread", "default", "spread-soft"),
    "score:InterPodAffinity": ("score", "InterPodAffinity", "default", "interpod-preferred"),
    "cycle:default-profile": ("cycle", "", "default", "mixed"),
}


class Env:
    """One seeded cluster per size, a native scheduler per single-plugin profile, one twin."""

    def __init__(self, nodes: int) -> None:
        self.scenario = random_scenario(20251103, nodes, nodes // 3, incoming=0)
        self._schedulers: dict[tuple[str, str, str], tuple[Scheduler, Any]] = {}
        self.cluster: ReferenceCluster | None = None

    def scheduler(self, kind: str, plugin: str, variant: str) -> tuple[Scheduler, Any]:
        key = (kind, plugin, variant)
        if key not in self._schedulers:
            base = PROFILES[variant]()
            if kind == "filter":
                profile = dataclasses.replace(base, filters=(plugin,), scores=(), post_filters=())
            elif kind == "score":
                profile = dataclasses.replace(
                    base, filters=(), scores=((plugin, 1),), post_filters=()
                )
            else:
                profile = base
            s = self.scenario.build(Scheduler(profile, seed=1))
            view = s.node_table()
            if self.cluster is None:
                sc = self.scenario
                self.cluster = ReferenceCluster(
                    view,
                    nodes=sc.nodes,
                    pods=sc.live_pods,
                    namespaces=sc.namespaces,
                    objects=sc.objects,
                    removed_nodes=sc.removed,
                )
            assert view.names == tuple(self.cluster.names), "schedulers must share the row order"
            self._schedulers[key] = (s, profile)
        return self._schedulers[key]


@pytest.fixture(scope="module")
def envs() -> dict[int, Env]:
    return {}


def _env(envs: dict[int, Env], nodes: int) -> Env:
    if nodes not in envs:
        envs[nodes] = Env(nodes)
    return envs[nodes]


def _native(s: Scheduler, kind: str, plugin: str, pod: dict[str, Any]) -> Any:
    if kind == "filter":
        return s._native.debug_filter(pod, plugin)
    if kind == "score":
        return s._native.debug_score(pod, plugin)
    return s.dry_run([pod])[0]


def _reference(
    cluster: ReferenceCluster, kind: str, plugin: str, pod: dict[str, Any], profile: Any
) -> Any:
    args = PluginArgs.from_profile(profile)
    if kind == "filter":
        return run_filter(plugin, cluster, compile_pod(pod), args).codes
    if kind == "score":
        out = run_score(plugin, cluster, compile_pod(pod), cluster.live, args)
        return np.zeros(cluster.size, np.int64) if out is None else out.normalized
    return run_cycle(cluster, pod, profile, seed=1)


def _agree(s: Scheduler, cluster: ReferenceCluster, kind: str, native: Any, reference: Any) -> None:
    live = cluster.live
    if kind != "cycle":
        assert (np.asarray(native)[live] == np.asarray(reference)[live]).all()
        return
    names = cluster.names
    assert native.node == (names[reference.chosen] if reference.chosen is not None else None)
    explained = s.explain(PODS["mixed"])
    assert sorted(explained.feasible) == sorted(names[reference.feasible].tolist())
    assert explained.top_nodes == tuple(sorted(names[reference.top].tolist()))


@pytest.mark.parametrize("nodes", SIZES)
@pytest.mark.parametrize("kernel", list(KERNELS))
@pytest.mark.parametrize("side", ["native", "reference"])
def test_kernel(benchmark, envs, side: str, kernel: str, nodes: int) -> None:
    kind, plugin, variant, pod_name = KERNELS[kernel]
    env = _env(envs, nodes)
    s, profile = env.scheduler(kind, plugin, variant)
    cluster = env.cluster
    assert cluster is not None
    pod = PODS[pod_name]
    benchmark.group = f"{kernel} @ {nodes} nodes"
    if side == "native":
        native = benchmark(_native, s, kind, plugin, pod)
        reference = _reference(cluster, kind, plugin, pod, profile)
    else:
        reference = benchmark(_reference, cluster, kind, plugin, pod, profile)
        native = _native(s, kind, plugin, pod)
    _agree(s, cluster, kind, native, reference)
