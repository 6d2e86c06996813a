"""Scheduling throughput of the native core on SchedulingBasic-like clusters.

Guards the per-pod cost of ``Scheduler.schedule_batch`` (docs/benchmarks.md: SchedulingBasic
figures; a regression here shows up as lower ``kcore bench`` throughput). Clusters: nodes of
4 CPU / 32Gi / 110 pods, 1,000 running pods, batches of 1,000 pods of 100m / 500Mi.
"""

from __future__ import annotations

import itertools

from kcore.scheduler import PodBatch, Scheduler

NODE_CAPACITY = {"pods": "110", "cpu": "4", "memory": "32Gi"}
BATCH = 1000


def make_node(i: int) -> dict:
    name = f"node-{i}"
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "status": {"capacity": dict(NODE_CAPACITY), "allocatable": dict(NODE_CAPACITY)},
    }


def make_pod(name: str) -> dict:
    res = {"cpu": "100m", "memory": "500Mi"}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "bench"},
        "spec": {
            "schedulerName": "default-scheduler",
            "containers": [
                {
                    "name": "pause",
                    "image": "registry.k8s.io/pause:3.10",
                    "resources": {"requests": dict(res), "limits": dict(res)},
                }
            ],
        },
    }


def basic_cluster(nodes: int, running: int = 1000) -> Scheduler:
    s = Scheduler(seed=0)
    s.add_namespace({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}})
    for i in range(nodes):
        s.add_node(make_node(i))
    s.schedule_batch(PodBatch.from_template(make_pod("init"), running, name_prefix="init-"))
    return s


class TimeScheduleBatch:
    """``schedule_batch`` of 1,000 identical pods (compiled once, and as dicts)."""

    params = [1000, 5000]
    param_names = ["nodes"]
    number = 1
    repeat = (3, 10, 30.0)
    timeout = 300

    def setup(self, nodes: int) -> None:
        self.scheduler = basic_cluster(nodes)
        self.names = itertools.count()
        self.template = make_pod("measured")

    def _prefix(self) -> str:
        return f"m{next(self.names)}-"

    def time_pod_batch(self, _nodes: int) -> None:
        self.scheduler.schedule_batch(
            PodBatch.from_template(self.template, BATCH, name_prefix=self._prefix())
        )

    def time_pod_dicts(self, _nodes: int) -> None:
        prefix = self._prefix()
        self.scheduler.schedule_batch([make_pod(f"{prefix}{i}") for i in range(BATCH)])

    def time_dry_run(self, _nodes: int) -> None:
        self.scheduler.dry_run(
            PodBatch.from_template(self.template, BATCH, name_prefix=self._prefix())
        )


class TrackThroughput:
    """Pods per second of ``schedule_batch`` (higher is better), for the asv graphs."""

    params = [1000, 5000]
    param_names = ["nodes"]
    unit = "pods/s"
    timeout = 300

    def setup(self, nodes: int) -> None:
        self.scheduler = basic_cluster(nodes)

    def track_pods_per_second(self, _nodes: int) -> float:
        b = self.scheduler.schedule_batch(
            PodBatch.from_template(make_pod("t"), BATCH, name_prefix="track-")
        )
        return BATCH / (float(b.latency_ns.sum()) / 1e9)
