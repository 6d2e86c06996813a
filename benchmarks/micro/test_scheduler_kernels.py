"""Micro-benchmarks of the native core (pytest-benchmark; CI runs them with --benchmark-disable).

Each benchmark asserts its result. Kernels are timed beside their readable NumPy references so
the report shows the ratio; whole cycles are timed through ``dry_run`` batches of identical pods
on the equivalence-cache path and, for anti-affinity and spreading, on the full pass too (the
path of pods that all differ), so the report shows what the cache saves.
"""

from __future__ import annotations

import numpy as np
import pytest

from kcore.scheduler import PodBatch, Scheduler
from kcore.testing.clusters import basic_node, basic_pod

NODES = 5000


@pytest.fixture(scope="module")
def cluster() -> Scheduler:
    s = Scheduler(seed=1)
    for i in range(NODES):
        s.add_node(basic_node(i))
    for i in range(0, NODES, 3):
        s.add_pod(
            {
                **basic_pod(f"r{i}", app="r"),
                "spec": {**basic_pod()["spec"], "nodeName": f"node-{i}"},
            }
        )
    return s


def least_allocated_reference(view, pod_cpu: int, pod_mem: int) -> np.ndarray:
    """Readable NumPy LeastAllocated over cpu and memory (non-zero requests)."""
    out = []
    for alloc, used, req in (
        (view.allocatable["cpu"], view.nonzero_requested_cpu, pod_cpu),
        (view.allocatable["memory"], view.nonzero_requested_memory, pod_mem),
    ):
        total = used + req
        score = np.where(
            (alloc == 0) | (total > alloc), 0, (alloc - total) * 100 // np.maximum(alloc, 1)
        )
        out.append(score)
    return (out[0] + out[1]) // 2


def balanced_reference(view, pod_cpu: int, pod_mem: int) -> np.ndarray:
    """Readable NumPy BalancedAllocation over cpu and memory (actual requests), live rows."""
    live = view.live != 0
    ac, am = view.allocatable["cpu"][live], view.allocatable["memory"][live]
    f1 = np.minimum(1.0, (view.requested["cpu"][live] + pod_cpu) / ac)
    f2 = np.minimum(1.0, (view.requested["memory"][live] + pod_mem) / am)
    return ((1 - np.abs((f1 - f2) / 2)) * 100).astype(np.int64)


@pytest.mark.benchmark(group="score-NodeResourcesFit")
def test_least_allocated_native(benchmark, cluster: Scheduler) -> None:
    pod = basic_pod("probe")
    got = benchmark(cluster._native.debug_score, pod, "NodeResourcesFit")
    view = cluster.node_table()
    ref = least_allocated_reference(view, 100, 500 * 1024 * 1024)
    assert (got[view.live != 0] == ref[view.live != 0]).all()


@pytest.mark.benchmark(group="score-NodeResourcesFit")
def test_least_allocated_numpy_reference(benchmark, cluster: Scheduler) -> None:
    view = cluster.node_table()
    ref = benchmark(least_allocated_reference, view, 100, 500 * 1024 * 1024)
    assert ref.shape == (view.size,)


@pytest.mark.benchmark(group="score-BalancedAllocation")
def test_balanced_native(benchmark, cluster: Scheduler) -> None:
    pod = basic_pod("probe")
    got = benchmark(cluster._native.debug_score, pod, "NodeResourcesBalancedAllocation")
    view = cluster.node_table()
    ref = balanced_reference(view, 100, 500 * 1024 * 1024)
    assert (got[view.live != 0] == ref).all()


@pytest.mark.benchmark(group="score-BalancedAllocation")
def test_balanced_numpy_reference(benchmark, cluster: Scheduler) -> None:
    view = cluster.node_table()
    ref = benchmark(balanced_reference, view, 100, 500 * 1024 * 1024)
    assert ref.min() >= 50


@pytest.mark.benchmark(group="filter-NodeResourcesFit")
def test_fit_filter_native(benchmark, cluster: Scheduler) -> None:
    codes = benchmark(cluster._native.debug_filter, basic_pod("probe"), "NodeResourcesFit")
    assert (codes[:NODES] == 0).all()


def _batch(cluster: Scheduler, pod: dict, n: int, cached: bool = True):
    cluster._native.set_equivalence_cache(cached)
    try:
        return cluster.dry_run(PodBatch.from_template(pod, n))
    finally:
        cluster._native.set_equivalence_cache(True)


@pytest.mark.benchmark(group="cycle")
def test_scheduling_basic_batch(benchmark, cluster: Scheduler) -> None:
    r = benchmark(_batch, cluster, basic_pod("basic"), 2000)
    assert r.scheduled == 2000


CACHED = pytest.mark.parametrize("cached", [True, False], ids=["eq-cache", "full-pass"])


@pytest.mark.benchmark(group="cycle")
@CACHED
def test_required_anti_affinity_batch(benchmark, cluster: Scheduler, cached: bool) -> None:
    pod = basic_pod("anti", app="anti")
    pod["spec"]["affinity"] = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {"app": "anti"}},
                    "topologyKey": "kubernetes.io/hostname",
                }
            ]
        }
    }
    r = benchmark(_batch, cluster, pod, 200, cached)
    assert r.scheduled == 200
    assert len({int(i) for i in r.node_index}) == 200


@pytest.mark.benchmark(group="cycle")
@CACHED
def test_topology_spread_batch(benchmark, cluster: Scheduler, cached: bool) -> None:
    pod = basic_pod("spread", app="spread")
    pod["spec"]["topologySpreadConstraints"] = [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "spread"}},
        }
    ]
    r = benchmark(_batch, cluster, pod, 200, cached)
    assert r.scheduled == 200
    zones = np.bincount(np.asarray(r.node_index) % 3, minlength=3)  # node-i is in zone i % 3
    assert zones.max() - zones.min() <= 1


# --- pod conversion: Kubernetes-shaped dicts vs a compiled PodBatch ---------------------------
# The same cycles (a full pass over a small cluster, equivalence cache off so that every variant
# runs the same cycle), fed with dicts (converted and compiled per pod, as a component fed by
# informers does) or with copies of a PodBatch (converted once): the difference is the cost of
# conversion. "replicas" share one spec (a ReplicaSet's pods: the compiled spec is reused),
# "distinct" differ by a label each (every pod is compiled).

CONVERSION_PODS = 2000


def typical_pod(i: int, *, distinct: bool = False, affinity: bool = False) -> dict:
    """A Deployment's pod as an informer delivers it: two containers with requests and limits,
    labels, an owner, the default tolerations, defaulted fields the scheduler does not read."""
    labels = {"app": "web", "tier": "frontend", "pod-template-hash": "5d8f7c9b6"}
    if distinct:
        labels["idx"] = str(i)
    spec: dict = {
        "containers": [
            {
                "name": "app",
                "image": "registry.k8s.io/nginx:1.25",
                "resources": {
                    "requests": {"cpu": "100m", "memory": "128Mi"},
                    "limits": {"cpu": "500m", "memory": "256Mi"},
                },
                "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            },
            {
                "name": "proxy",
                "image": "envoyproxy/envoy:v1.30",
                "resources": {
                    "requests": {"cpu": "50m", "memory": "64Mi"},
                    "limits": {"memory": "128Mi"},
                },
            },
        ],
        "tolerations": [
            {
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
            {
                "key": "node.kubernetes.io/unreachable",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
        ],
        "schedulerName": "default-scheduler",
        "priority": 0,
        "restartPolicy": "Always",
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default",
    }
    if affinity:
        spec["affinity"] = {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {
                                    "key": "topology.kubernetes.io/zone",
                                    "operator": "In",
                                    "values": ["zone-0", "zone-1", "zone-2"],
                                }
                            ]
                        }
                    ]
                }
            },
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 100,
                        "podAffinityTerm": {
                            "labelSelector": {"matchLabels": {"app": "web"}},
                            "topologyKey": "kubernetes.io/hostname",
                        },
                    }
                ]
            },
        }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"web-5d8f7c9b6-{i}",
            "namespace": "default",
            "uid": f"6f1c2a9e-0000-4000-8000-{i:012d}",
            "labels": labels,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "web-5d8f7c9b6",
                    "uid": "0b7d3c55-1111-4000-8000-000000000000",
                    "controller": True,
                }
            ],
        },
        "spec": spec,
        "status": {"phase": "Pending"},
    }


@pytest.fixture(scope="module")
def small_cluster() -> Scheduler:
    s = Scheduler(seed=1)
    s._native.set_equivalence_cache(False)
    for i in range(50):
        node = basic_node(i)
        node["status"]["allocatable"] = {"cpu": "1000", "memory": "4000Gi", "pods": "5000"}
        s.add_node(node)
    return s


CONVERSION = pytest.mark.parametrize(
    ("distinct", "affinity"),
    [(False, False), (True, False), (False, True)],
    ids=["replicas", "distinct", "replicas-affinity"],
)


@pytest.mark.benchmark(group="conversion")
@CONVERSION
def test_dict_pods(benchmark, small_cluster: Scheduler, distinct: bool, affinity: bool) -> None:
    pods = [typical_pod(i, distinct=distinct, affinity=affinity) for i in range(CONVERSION_PODS)]
    r = benchmark(small_cluster.dry_run, pods)
    assert r.scheduled == CONVERSION_PODS
    assert r[CONVERSION_PODS - 1].pod == f"default/web-5d8f7c9b6-{CONVERSION_PODS - 1}"


@pytest.mark.benchmark(group="conversion")
@pytest.mark.parametrize("affinity", [False, True], ids=["template", "template-affinity"])
def test_pod_batch_copies(benchmark, small_cluster: Scheduler, affinity: bool) -> None:
    batch = PodBatch.from_template(typical_pod(0, affinity=affinity), CONVERSION_PODS)
    r = benchmark(small_cluster.dry_run, batch)
    assert r.scheduled == CONVERSION_PODS
