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
