"""A fake scheduling core with the embedding API's shape, for testing the bench without the
native core: nodes have a CPU budget (milli-CPU) and a pod limit, pods request CPU; a pod goes
to the feasible node with the most free CPU (ties: first added); a pod that fits nowhere but
outranks pods on some node nominates the first such node and the fewest lowest-priority
victims. Only what the bench needs is modelled."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest


def milli_cpu(q: Any) -> int:
    s = str(q)
    if s.endswith("m"):
        return int(s[:-1])
    return int(float(s) * 1000)


def pod_cpu(pod: dict) -> int:
    total = 0
    for c in pod.get("spec", {}).get("containers", []):
        req = (c.get("resources") or {}).get("requests") or {}
        total += milli_cpu(req.get("cpu", "0"))
    return total


# What the real core reports for an "Insufficient cpu" FitError.
_FIT = {"unschedulable_plugins": frozenset({"NodeResourcesFit"})}


@dataclass
class FakeResult:
    pod: str
    node: str | None
    code: int
    message: str = ""
    nominated_node: str | None = None
    victims: tuple[str, ...] = ()
    latency_ns: int = 1000
    unschedulable_plugins: frozenset[str] = frozenset()
    pending_plugins: frozenset[str] = frozenset()


@dataclass
class FakeBatch:
    results: list[FakeResult]
    names: list[str]

    def __post_init__(self) -> None:
        idx = {n: i for i, n in enumerate(self.names)}
        self.node_index = np.array(
            [idx[r.node] if r.node else -1 for r in self.results], dtype=np.int32
        )
        self.latency_ns = np.array([r.latency_ns for r in self.results], dtype=np.int64)
        self.codes = np.array([r.code for r in self.results], dtype=np.int8)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, i: int) -> FakeResult:
        return self.results[i]

    def node_names(self) -> list[str]:
        return self.names


@dataclass
class FakePodBatch:
    """Stands in for PodBatch.from_template: names are name_prefix + str(i)."""

    template: dict
    count: int
    name_prefix: str
    created: list = field(default_factory=list)

    @classmethod
    def from_template(cls, pod: dict, count: int, *, name_prefix: str) -> FakePodBatch:
        b = cls(pod, count, name_prefix)
        FakePodBatch.log.append((name_prefix, count))
        return b

    def pods(self) -> list[dict]:
        out = []
        for i in range(self.count):
            meta = {**self.template["metadata"], "name": f"{self.name_prefix}{i}"}
            out.append({**self.template, "metadata": meta})
        return out


FakePodBatch.log = []


@dataclass
class FakeNode:
    name: str
    cpu: int
    max_pods: int
    labels: dict
    pods: dict = field(default_factory=dict)  # key -> (cpu, priority)

    def used(self) -> int:
        return sum(c for c, _ in self.pods.values())


class FakeScheduler:
    instances: list[FakeScheduler] = []
    # When set, each scheduled pod advances this (virtual) clock by `cost_s` seconds.
    clock: Any = None
    cost_s: float = 0.0
    fail_with: Exception | None = None

    def __init__(self, profile=None, seed: int = 0) -> None:
        self.profile = profile
        self.seed = seed
        self.nodes: dict[str, FakeNode] = {}
        self.order: list[str] = []
        self.where: dict[str, str] = {}
        self.namespaces: list[str] = []
        self.objects: list[dict] = []
        self.calls = 0
        FakeScheduler.instances.append(self)

    def add_node(self, node: dict) -> None:
        name = node["metadata"]["name"]
        if name in self.nodes:
            raise ValueError(f"node {name} exists")
        alloc = node["status"].get("allocatable") or node["status"]["capacity"]
        self.nodes[name] = FakeNode(
            name,
            milli_cpu(alloc.get("cpu", "0")),
            int(alloc.get("pods", "110")),
            dict(node["metadata"].get("labels") or {}),
        )
        self.order.append(name)

    def update_node(self, node: dict) -> None:
        n = self.nodes[node["metadata"]["name"]]
        n.labels = dict(node["metadata"].get("labels") or {})
        alloc = node["status"].get("allocatable") or {}
        if "cpu" in alloc:
            n.cpu = milli_cpu(alloc["cpu"])

    def remove_node(self, name: str) -> None:
        del self.nodes[name]
        self.order.remove(name)

    def add_pod(self, pod: dict) -> None:
        raise NotImplementedError

    def remove_pod(self, namespace: str, name: str) -> None:
        key = f"{namespace}/{name}"
        node = self.where.pop(key)
        del self.nodes[node].pods[key]

    def add_namespace(self, ns: dict) -> None:
        self.namespaces.append(ns["metadata"]["name"])

    def add_object(self, obj: dict) -> None:
        self.objects.append(obj)

    def remove_object(self, obj: dict) -> None:
        self.objects.remove(obj)

    def node_names(self) -> list[str]:
        return list(self.order)

    def _one(self, pod: dict) -> FakeResult:
        key = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        cpu = pod_cpu(pod)
        prio = int(pod.get("spec", {}).get("priority") or 0)
        nominated = (pod.get("status") or {}).get("nominatedNodeName")
        candidates = [self.nodes[n] for n in self.order]
        if nominated in self.nodes:
            candidates = [self.nodes[nominated], *candidates]
        best = None
        for n in candidates:
            if len(n.pods) < n.max_pods and n.used() + cpu <= n.cpu:
                if nominated and n.name == nominated:
                    best = n
                    break
                if best is None or n.cpu - n.used() > best.cpu - best.used():
                    best = n
        if best is not None:
            best.pods[key] = (cpu, prio)
            self.where[key] = best.name
            return FakeResult(key, best.name, 0)
        msg = f"0/{len(self.nodes)} nodes are available: {len(self.nodes)} Insufficient cpu."
        for n in (self.nodes[x] for x in self.order):
            if cpu > n.cpu:
                continue
            lower = sorted(((p, k) for k, (c, p) in n.pods.items() if p < prio), key=lambda t: t[0])
            free, victims = n.cpu - n.used(), []
            for _, k in lower:
                if free >= cpu:
                    break
                free += n.pods[k][0]
                victims.append(k)
            if free >= cpu and victims:
                return FakeResult(key, None, 1, msg, n.name, tuple(victims), **_FIT)
        return FakeResult(key, None, 1, msg, **_FIT)

    def schedule_batch(self, pods) -> FakeBatch:
        self.calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        if isinstance(pods, FakePodBatch):
            pods = pods.pods()
        results = [self._one(p) for p in pods]
        if self.clock is not None and self.cost_s:
            self.clock.step(self.cost_s * len(pods))
            for r in results:
                r.latency_ns = int(self.cost_s * 1e9)
        return FakeBatch(results, self.node_names())


@pytest.fixture
def fake_scheduler():
    FakeScheduler.instances.clear()
    FakeScheduler.clock = None
    FakeScheduler.cost_s = 0.0
    FakeScheduler.fail_with = None
    FakePodBatch.log.clear()
    yield FakeScheduler
    FakeScheduler.clock = None
    FakeScheduler.cost_s = 0.0
    FakeScheduler.fail_with = None


@pytest.fixture
def fake_pod_batch(fake_scheduler):
    FakePodBatch.log.clear()
    return FakePodBatch
