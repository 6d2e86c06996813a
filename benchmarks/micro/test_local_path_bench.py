"""Per-operation costs of the in-process path that ``kcore bench --mode local`` measures.

What one scheduled pod costs on ``LocalClient`` -> ``APIRegistry`` -> memory store ->
informers -> the scheduler component, operation by operation:

* ``local-registry``: creating a pod (the scheduler_perf default pod, from one template),
  binding it (``pods/binding``), and creating its ``Scheduled`` event (``events.k8s.io/v1``,
  built by the component's own :class:`~kcore.scheduler.component.events.EventBroadcaster`);
* ``local-informer``: delivering a pod's two watch events (created, then bound) from the
  store through ``LocalClient.watch`` and a :class:`SharedIndexInformer` to a handler;
* ``local-component``: the whole :class:`~kcore.scheduler.component.scheduler.KubeScheduler`
  (informers, queue, ``schedule_batch``, binders, events) binding pods that already exist.

Every benchmark asserts what it did (objects stored, events delivered, pods bound) and reports
``us_per_op`` in ``extra_info``: per operation, the best round's time by the benchmark timer
(``local-informer`` and ``local-component`` time their own phase with :data:`TIMER`, process
CPU time by default, which other jobs on a shared machine disturb far less than wall time;
``KCORE_BENCH_WALL=1`` uses wall time). Compare figures within one run. Run::

    pytest benchmarks/micro/test_local_path_bench.py --benchmark-group-by=group \
        --benchmark-columns=min,median,rounds --benchmark-timer=time.process_time -p no:randomly

CI smoke-runs the file with ``--benchmark-disable`` (one round each).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from typing import TYPE_CHECKING, Any

import pytest

from kcore.apiserver.registry import APIRegistry
from kcore.client.informer import ResourceEventHandler, SharedInformerFactory
from kcore.client.local import LocalClient
from kcore.scheduler.component.events import EventBroadcaster
from kcore.sim.component import SeededRandom
from kcore.storage.memory import MemoryStore
from kcore.util.clock import RealClock, VirtualClock

if TYPE_CHECKING:
    from collections.abc import Mapping

SCALE = float(os.environ.get("KCORE_BENCH_SCALE", "1"))
#: The clock of the phases timed inside a round (CPU time unless KCORE_BENCH_WALL is set).
TIMER = time.perf_counter if os.environ.get("KCORE_BENCH_WALL") else time.process_time
N_OPS = max(100, int(5_000 * SCALE))
N_NODES = 1_000
NS = "bench"

#: scheduler_perf's default pod (kcore/sim/workloads/templates/pod-default.yaml).
POD_TEMPLATE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"namespace": NS},
    "spec": {
        "containers": [
            {
                "name": "pause",
                "image": "registry.k8s.io/pause:3.10",
                "ports": [{"containerPort": 80}],
                "resources": {
                    "limits": {"cpu": "100m", "memory": "500Mi"},
                    "requests": {"cpu": "100m", "memory": "500Mi"},
                },
            }
        ]
    },
}


def _pod(i: int) -> dict[str, Any]:
    return {**POD_TEMPLATE, "metadata": {"name": f"pod-{i}", "namespace": NS}}


def _node(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": f"node-{i}", "labels": {"kubernetes.io/hostname": f"node-{i}"}},
        "status": {
            "capacity": {"cpu": "4", "memory": "32Gi", "pods": "110"},
            "allocatable": {"cpu": "4", "memory": "32Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def _binding(pod: Mapping[str, Any], node: str) -> dict[str, Any]:
    md = pod["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": md["name"], "namespace": NS, "uid": md["uid"]},
        "target": {"kind": "Node", "name": node},
    }


def _registry(clock: Any = None) -> APIRegistry:
    reg = APIRegistry(MemoryStore(), clock or VirtualClock(), rng=SeededRandom(0))
    reg.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    # Warm the lazily imported modules (defaults, validation, schemas) outside the timing.
    warm = reg.create("pods", {**_pod(0), "metadata": {"name": "warm-up", "namespace": NS}})
    reg.create(
        "pods", _binding(warm, "node-0"), namespace=NS, name="warm-up", subresource="binding"
    )
    return reg


def _per_op(benchmark: Any, elapsed: float, n: int) -> float:
    stats = getattr(benchmark, "stats", None)
    best = stats.stats.min if stats is not None else elapsed
    us = best / n * 1e6
    benchmark.extra_info["ops"] = n
    benchmark.extra_info["us_per_op"] = round(us, 2)
    return us


async def _drive(coros: list[Any]) -> list[Any]:
    return [await c for c in coros]


# ------------------------------------------------------------------------------ registry


@pytest.mark.benchmark(group="local-registry")
def test_create_pod(benchmark: Any) -> None:
    """``create pods`` through ``LocalClient``: decode, defaults, admission, validation, store."""

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        reg = _registry()
        return (LocalClient(reg), [_pod(i) for i in range(N_OPS)]), {}

    def run(client: LocalClient, pods: list[dict[str, Any]]) -> list[Any]:
        return asyncio.run(_drive([client.create("pods", p) for p in pods]))

    t0 = time.perf_counter()
    out = benchmark.pedantic(run, setup=setup, rounds=3, iterations=1)
    us = _per_op(benchmark, time.perf_counter() - t0, N_OPS)
    assert len(out) == N_OPS
    assert len({o["metadata"]["uid"] for o in out}) == N_OPS
    assert all(o["status"]["qosClass"] == "Guaranteed" for o in out)
    print(f"\ncreate pod: {us:.1f} us")


@pytest.mark.benchmark(group="local-registry")
def test_bind_pod(benchmark: Any) -> None:
    """``create pods/binding``: the scheduler's bind of an existing pod."""

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        reg = _registry()
        pods = [reg.create("pods", _pod(i)) for i in range(N_OPS)]
        return (
            reg,
            LocalClient(reg),
            [_binding(p, f"node-{i % N_NODES}") for i, p in enumerate(pods)],
        ), {}

    def run(reg: APIRegistry, client: LocalClient, bindings: list[dict[str, Any]]) -> APIRegistry:
        asyncio.run(
            _drive(
                [
                    client.create(
                        "pods",
                        b,
                        namespace=NS,
                        name=b["metadata"]["name"],
                        subresource="binding",
                    )
                    for b in bindings
                ]
            )
        )
        return reg

    t0 = time.perf_counter()
    reg = benchmark.pedantic(run, setup=setup, rounds=3, iterations=1)
    us = _per_op(benchmark, time.perf_counter() - t0, N_OPS)
    pods = reg.list("pods", namespace=NS)["items"]
    bound = [p for p in pods if p["spec"].get("nodeName")]
    assert len(bound) == N_OPS + 1
    assert all(p["status"]["conditions"][-1]["type"] == "PodScheduled" for p in bound)
    print(f"\nbind pod: {us:.1f} us")


@pytest.mark.benchmark(group="local-registry")
def test_create_scheduled_event(benchmark: Any) -> None:
    """``create events.events.k8s.io``: the ``Scheduled`` event the component writes per pod,
    built by its broadcaster (aggregation key, name, timestamps) outside the timing."""

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        clock = VirtualClock()
        reg = _registry(clock)
        client = LocalClient(reg)
        pods = [reg.create("pods", _pod(i)) for i in range(N_OPS)]
        b = EventBroadcaster(client, clock)
        rec = b.new_recorder("default-scheduler", "default-scheduler-bench")
        events = []
        for i, p in enumerate(pods):
            rec.eventf(
                p,
                None,
                "Normal",
                "Scheduled",
                "Binding",
                f"Successfully assigned {NS}/{p['metadata']['name']} to node-{i % N_NODES}",
            )
            ev = b._aggregate(b._buffer.popleft())
            assert ev is not None
            events.append(ev)
        return (reg, client, events), {}

    def run(reg: APIRegistry, client: LocalClient, events: list[dict[str, Any]]) -> APIRegistry:
        asyncio.run(
            _drive([client.create("events.events.k8s.io", ev, namespace=NS) for ev in events])
        )
        return reg

    t0 = time.perf_counter()
    reg = benchmark.pedantic(run, setup=setup, rounds=3, iterations=1)
    us = _per_op(benchmark, time.perf_counter() - t0, N_OPS)
    stored = reg.list("events.events.k8s.io", namespace=NS)["items"]
    assert len(stored) == N_OPS
    assert all(e["reason"] == "Scheduled" and e["regarding"]["kind"] == "Pod" for e in stored)
    print(f"\ncreate Scheduled event: {us:.1f} us")


# ------------------------------------------------------------------------------ informer


@pytest.mark.benchmark(group="local-informer")
def test_informer_delivery(benchmark: Any) -> None:
    """A pod's two watch events (created, then bound) from the memory store through
    ``LocalClient.watch``, the Reflector, DeltaFIFO and the indexer to a handler; the
    registry writes are made before the timing starts (the events wait in the watch)."""

    def run() -> tuple[int, int, float]:
        clock = VirtualClock()
        reg = _registry(clock)
        client = LocalClient(reg)
        factory = SharedInformerFactory(client, clock)
        inf = factory.informer_for("pods")
        seen = {"add": 0, "bound": 0}

        def on_add(_o: Any) -> None:
            seen["add"] += 1

        def on_update(old: Any, new: Any) -> None:
            if new["spec"].get("nodeName") and not old["spec"].get("nodeName"):
                seen["bound"] += 1

        inf.add_event_handler(ResourceEventHandler(on_add=on_add, on_update=on_update))

        async def main() -> tuple[int, int, float]:
            factory.start()
            await factory.wait_for_cache_sync()
            for i in range(N_OPS):
                p = reg.create("pods", _pod(i))
                reg.create(
                    "pods",
                    _binding(p, f"node-{i % N_NODES}"),
                    namespace=NS,
                    name=p["metadata"]["name"],
                    subresource="binding",
                )
            t = TIMER()
            await clock.run_until(lambda: seen["bound"] >= N_OPS)
            dt = TIMER() - t
            n = len(inf.get_indexer())
            await factory.shutdown()
            return n, seen["add"], dt

        return clock.run(main())

    times: list[float] = []

    def timed() -> tuple[int, int]:
        size, added, dt = run()
        times.append(dt)
        return size, added

    size, added = benchmark.pedantic(timed, rounds=3, iterations=1)
    us = min(times) / (2 * N_OPS) * 1e6
    benchmark.extra_info["ops"] = 2 * N_OPS
    benchmark.extra_info["us_per_op"] = round(us, 2)
    assert size == N_OPS + 1
    assert added == N_OPS + 1  # the warm-up pod comes with the initial list
    print(f"\ninformer delivery: {us:.1f} us per event")


# ------------------------------------------------------------------------------ component


@pytest.mark.benchmark(group="local-component")
def test_component_binds_existing_pods(benchmark: Any) -> None:
    """The whole scheduler component on ``LocalClient`` (events on, batch 256, binding pool,
    ``schedule_batch`` in a worker thread): from start to every pod seen bound by its pod
    informer, per pod (CPU time of both threads, see :data:`TIMER`). Informer sync over the
    nodes happens before the timing starts."""
    from kcore.scheduler.component.scheduler import KubeScheduler

    n_pods = N_OPS

    def run() -> tuple[int, int, float]:
        async def main() -> tuple[int, int, float]:
            clock = RealClock()
            reg = _registry(clock)
            for i in range(N_NODES):
                reg.create("nodes", _node(i))
            client = LocalClient(reg)
            s = KubeScheduler(client, clock, seed=0, event_qps=5000.0, event_burst=5000)
            bound = [0]

            def on_update(old: Any, new: Any) -> None:
                if new["spec"].get("nodeName") and not old["spec"].get("nodeName"):
                    bound[0] += 1

            s.pod_informer.add_event_handler(ResourceEventHandler(on_update=on_update))
            await s.start_informers()
            for i in range(n_pods):
                reg.create("pods", _pod(i))
            t = TIMER()
            task = asyncio.ensure_future(s.run_scheduling())
            while bound[0] < n_pods:
                await asyncio.sleep(0.001)
            dt = TIMER() - t
            await s.broadcaster.flush()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await s.stop()
            return bound[0], s.broadcaster.recorded, dt

        return asyncio.run(main())

    times: list[float] = []

    def timed() -> tuple[int, int]:
        bound, events, dt = run()
        times.append(dt)
        return bound, events

    bound, events = benchmark.pedantic(timed, rounds=3, iterations=1)
    us = min(times) / n_pods * 1e6
    benchmark.extra_info["ops"] = n_pods
    benchmark.extra_info["us_per_op"] = round(us, 2)
    assert bound == n_pods
    assert events == n_pods  # one Scheduled event per pod (the warm-up pod has none)
    print(f"\ncomponent: {us:.1f} us per pod")
