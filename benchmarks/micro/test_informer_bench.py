"""Informer event throughput: Reflector -> DeltaFIFO -> Indexer -> handler.

A replaying list/watch source hands pre-built events to a SharedIndexInformer as fast as it
takes them, so the figure is the informer machinery alone (what the scheduler builds on). The
result is asserted (every event reached the handler and the cache is right) and the rate is
reported in ``extra_info["events_per_s"]``.

Run: ``pytest benchmarks/micro/test_informer_bench.py --benchmark-only``
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import pytest

from kcore.client.informer import ResourceEventHandler, SharedIndexInformer, wait_for_cache_sync
from kcore.util.clock import VirtualClock

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from kcore.client.listwatch import ListOptions

N_INITIAL = 5_000
N_EVENTS = 50_000


def _pod(i: int, rv: int, node: str = "") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"p{i}",
            "namespace": f"ns{i % 10}",
            "resourceVersion": str(rv),
            "labels": {"app": f"a{i % 7}"},
        },
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "x"}]},
    }


def _events() -> tuple[list[dict[str, Any]], list[tuple[str, dict[str, Any]]]]:
    initial = [_pod(i, i + 1) for i in range(N_INITIAL)]
    rv = N_INITIAL
    events: list[tuple[str, dict[str, Any]]] = []
    i = 0
    while len(events) < N_EVENTS:
        # create, bind (update), delete: the scheduler's typical pod lifecycle
        n = N_INITIAL + i
        for kind, node in (("ADDED", ""), ("MODIFIED", f"node-{i % 100}"), ("DELETED", "x")):
            rv += 1
            events.append((kind, _pod(n, rv, node)))
        i += 1
    return initial, events[:N_EVENTS]


class _Watch:
    def __init__(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        self._events = events
        self._stopped = asyncio.Event()

    def __aiter__(self) -> AsyncIterator[tuple[str, Mapping[str, Any]]]:
        return self._gen()

    async def _gen(self) -> AsyncIterator[tuple[str, Mapping[str, Any]]]:
        for ev in self._events:
            yield ev
        await self._stopped.wait()

    def stop(self) -> None:
        self._stopped.set()


class ReplaySource:
    """Lists ``initial``, then one watch replays ``events`` (later watches stay idle)."""

    def __init__(self, initial: list[dict[str, Any]], events: list[tuple[str, dict[str, Any]]]):
        self.initial = initial
        self.events = events
        self.watched = False

    async def list(self, options: ListOptions) -> Mapping[str, Any]:
        del options
        return {"items": self.initial, "metadata": {"resourceVersion": str(N_INITIAL)}}

    def watch(self, options: ListOptions) -> _Watch:
        del options
        events = [] if self.watched else self.events
        self.watched = True
        return _Watch(events)


def _run_informer(
    initial: list[dict[str, Any]], events: list[tuple[str, dict[str, Any]]]
) -> dict[str, int]:
    clock = VirtualClock()
    counts = {"add": 0, "update": 0, "delete": 0}
    total = len(initial) + len(events)

    def on_add(_o: Any) -> None:
        counts["add"] += 1

    def on_update(_a: Any, _b: Any) -> None:
        counts["update"] += 1

    def on_delete(_o: Any) -> None:
        counts["delete"] += 1

    async def main() -> int:
        inf = SharedIndexInformer(ReplaySource(initial, events), clock)
        inf.add_event_handler(ResourceEventHandler(on_add, on_update, on_delete))
        task = asyncio.ensure_future(inf.run())
        assert await wait_for_cache_sync(inf)
        await clock.run_until(lambda: sum(counts.values()) >= total)
        size = len(inf.get_indexer())
        task.cancel()
        return size

    size = clock.run(main())
    counts["cache_size"] = size
    return counts


@pytest.mark.benchmark(group="informer")
def test_informer_event_throughput(benchmark: Any) -> None:
    initial, events = _events()
    t0 = time.perf_counter()
    counts = benchmark.pedantic(_run_informer, args=(initial, events), rounds=3, iterations=1)
    elapsed = time.perf_counter() - t0
    n_add = N_INITIAL + sum(1 for t, _ in events if t == "ADDED")
    assert counts["add"] == n_add
    assert counts["update"] == sum(1 for t, _ in events if t == "MODIFIED")
    assert counts["delete"] == sum(1 for t, _ in events if t == "DELETED")
    assert counts["cache_size"] == n_add - counts["delete"]
    stats = getattr(benchmark, "stats", None)
    best = stats.stats.min if stats is not None else elapsed
    benchmark.extra_info["events"] = N_INITIAL + N_EVENTS
    benchmark.extra_info["events_per_s"] = round((N_INITIAL + N_EVENTS) / best)
    rate = (N_INITIAL + N_EVENTS) / best
    print(f"\ninformer: {N_INITIAL + N_EVENTS} events, best {best:.3f}s, {rate:,.0f} events/s")


N_LOCAL = 10_000


def _local_setup() -> tuple[Any, Any, str, VirtualClock]:
    import random

    from kcore.apiserver.registry import APIRegistry
    from kcore.client.local import LocalClient
    from kcore.storage.memory import MemoryStore

    clock = VirtualClock()
    registry = APIRegistry(MemoryStore(), clock, rng=random.Random(0))
    client = LocalClient(registry)

    async def write() -> str:
        await client.create(
            "namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}}
        )
        start_rv = (await client.list("pods", namespace="bench"))["metadata"]["resourceVersion"]
        for i in range(N_LOCAL):
            p = _pod(i, 0)
            p["metadata"]["namespace"] = "bench"
            del p["metadata"]["resourceVersion"]
            await client.create("pods", p)
        return str(start_rv)

    start_rv = clock.run(write())
    return registry, client, start_rv, clock


def _run_local_informer(client: Any, start_rv: str, clock: VirtualClock) -> int:
    from kcore.client.listwatch import ListWatch

    seen = [0]

    async def list_func(_o: ListOptions) -> Mapping[str, Any]:
        # The namespace was empty at start_rv: the informer then replays every write from the
        # store's history through LocalClient's watch.
        return {"items": [], "metadata": {"resourceVersion": start_rv}}

    def watch_func(o: ListOptions) -> Any:
        return client.watch(
            "pods",
            namespace="bench",
            resource_version=o.resource_version,
            timeout_seconds=o.timeout_seconds,
        )

    def on_add(_o: Any) -> None:
        seen[0] += 1

    async def main() -> int:
        inf = SharedIndexInformer(ListWatch(list_func, watch_func), clock)
        inf.add_event_handler(ResourceEventHandler(on_add=on_add))
        task = asyncio.ensure_future(inf.run())
        await clock.run_until(lambda: seen[0] >= N_LOCAL)
        task.cancel()
        return len(inf.get_indexer())

    return clock.run(main())


@pytest.mark.benchmark(group="informer")
def test_informer_over_local_client(benchmark: Any) -> None:
    """The same pipeline fed by the real registry and memory store through LocalClient's
    watch (history replay of 10,000 pod creations)."""
    _registry, client, start_rv, clock = _local_setup()
    t0 = time.perf_counter()
    size = benchmark.pedantic(
        _run_local_informer, args=(client, start_rv, clock), rounds=3, iterations=1
    )
    elapsed = time.perf_counter() - t0
    assert size == N_LOCAL
    stats = getattr(benchmark, "stats", None)
    best = stats.stats.min if stats is not None else elapsed
    benchmark.extra_info["events_per_s"] = round(N_LOCAL / best)
    rate = N_LOCAL / best
    print(f"\ninformer over LocalClient: {N_LOCAL} events, best {best:.3f}s, {rate:,.0f} events/s")
