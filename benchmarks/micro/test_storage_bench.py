"""Storage micro-benchmarks: memory vs sqlite vs etcd in one run (pytest-benchmark).

Groups: ``storage-get`` (one object of 1,000), ``storage-list-1k`` (a 1,000-object prefix),
``storage-create``, ``storage-update`` (one object each), and ``storage-watch-fanout`` (one round
= 10 writes delivered to each of 1,000 watchers on one event loop). Every benchmark asserts its
result. etcd runs on a private server started by :mod:`kcore.testing.etcd`.

Run: ``pytest benchmarks/micro/test_storage_bench.py --benchmark-group-by=group
--benchmark-columns=min,median,mean,ops,rounds``
"""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING, Any

import pytest

from kcore.storage.etcd import EtcdStore
from kcore.storage.memory import MemoryStore
from kcore.storage.sqlite import SqliteStore
from kcore.testing.etcd import EtcdServer

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from kcore.storage.interface import Store, Watcher

BACKENDS = ["memory", "sqlite", "etcd"]
NS = "/registry/pods/bench/"
_ids = itertools.count()


def make_pod(i: int) -> dict[str, Any]:
    """A pod of realistic size (~1 KB as JSON)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"pod-{i}",
            "namespace": "bench",
            "uid": f"6f1c2d3e-0000-4000-8000-{i:012d}",
            "labels": {"app": "bench", "tier": "backend", "shard": str(i % 16)},
            "annotations": {"kcore.io/owner": "benchmark"},
            "creationTimestamp": "2025-01-01T00:00:00Z",
        },
        "spec": {
            "schedulerName": "default-scheduler",
            "restartPolicy": "Always",
            "containers": [
                {
                    "name": "app",
                    "image": "registry.example/bench/app:1.2.3",
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "128Mi"},
                        "limits": {"cpu": "500m", "memory": "256Mi"},
                    },
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                }
            ],
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}
            ],
        },
        "status": {"phase": "Pending", "qosClass": "Burstable"},
    }


@pytest.fixture(scope="module")
def etcd_server() -> Iterator[EtcdServer]:
    with EtcdServer() as server:
        yield server


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s: Store
    if request.param == "memory":
        s = MemoryStore()
    elif request.param == "sqlite":
        s = SqliteStore(tmp_path / "bench.sqlite")
    else:
        server: EtcdServer = request.getfixturevalue("etcd_server")
        s = EtcdStore([server.endpoint], prefix=f"/kcore-bench-{next(_ids)}", compaction_interval=0)
    try:
        yield s
    finally:
        s.close()


def fill(store: Store, n: int) -> list[str]:
    keys = [f"{NS}pod-{i:05d}" for i in range(n)]
    for i, k in enumerate(keys):
        store.create(k, make_pod(i))
    return keys


@pytest.mark.benchmark(group="storage-get")
def test_get(benchmark: Any, store: Store) -> None:
    keys = fill(store, 1000)
    it = itertools.cycle(keys)
    obj = benchmark(lambda: store.get(next(it)))
    assert obj["metadata"]["namespace"] == "bench"


@pytest.mark.benchmark(group="storage-list-1k")
def test_list_1k(benchmark: Any, store: Store) -> None:
    fill(store, 1000)
    res = benchmark(lambda: store.list(NS))
    assert len(res.items) == 1000


@pytest.mark.benchmark(group="storage-create")
def test_create(benchmark: Any, store: Store) -> None:
    counter = itertools.count()
    pods = [make_pod(i) for i in range(64)]

    def create() -> Any:
        i = next(counter)
        return store.create(f"{NS}new-{i}", pods[i % 64])

    obj = benchmark(create)
    assert int(obj["metadata"]["resourceVersion"]) == store.revision


@pytest.mark.benchmark(group="storage-update")
def test_update(benchmark: Any, store: Store) -> None:
    keys = fill(store, 100)
    it = itertools.cycle(enumerate(keys))

    def update() -> Any:
        i, k = next(it)
        return store.update(k, make_pod(i))

    obj = benchmark(update)
    assert int(obj["metadata"]["resourceVersion"]) == store.revision


@pytest.mark.benchmark(group="storage-watch-fanout")
def test_watch_fanout_1000(benchmark: Any, store: Store) -> None:
    """One round: 10 creates, then wait until each of 1,000 watchers (each consumed by its own
    task, as the APIServer does per watch request) has received all 10."""
    watchers_n, writes = 1000, 10
    loop = asyncio.new_event_loop()
    counter = itertools.count()
    pods = [make_pod(i) for i in range(writes)]
    received = [0] * watchers_n
    state: dict[str, Any] = {"target": 0, "behind": 0, "done": None}

    async def consume(i: int, w: Watcher) -> None:
        async for _ev in w:
            received[i] += 1
            if received[i] == state["target"]:
                state["behind"] -= 1
                if state["behind"] == 0:
                    state["done"].set_result(None)

    async def start() -> tuple[list[Watcher], list[asyncio.Task[None]]]:
        ws = [store.watch(NS, from_revision=store.revision) for _ in range(watchers_n)]
        return ws, [asyncio.create_task(consume(i, w)) for i, w in enumerate(ws)]

    watchers, tasks = loop.run_until_complete(start())

    async def one_round() -> int:
        state["target"] += writes
        state["behind"] = watchers_n
        state["done"] = loop.create_future()
        for i in range(writes):
            store.create(f"{NS}fan-{next(counter)}", pods[i])
        await asyncio.wait_for(state["done"], 60)
        return sum(received)

    try:
        total = benchmark.pedantic(
            lambda: loop.run_until_complete(one_round()), rounds=5, iterations=1, warmup_rounds=1
        )
        assert total == watchers_n * state["target"]
        assert received == [state["target"]] * watchers_n
    finally:
        for w in watchers:
            w.stop()
        loop.run_until_complete(asyncio.gather(*tasks))
        loop.close()
