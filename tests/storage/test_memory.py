"""Memory-specific guarantees: objects are shared, never copied or serialised; history is
bounded and compacted automatically; watchers work on a VirtualClock loop (simulation)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from kcore.api.errors import Expired
from kcore.storage.memory import MemoryStore
from kcore.util.clock import VirtualClock

if TYPE_CHECKING:
    from collections.abc import Callable

PODS = "/registry/pods/"


def test_objects_are_shared_not_copied() -> None:
    store = MemoryStore()
    spec = {"containers": [{"name": "c"}]}
    created = store.create("/registry/pods/default/a", {"metadata": {"name": "a"}, "spec": spec})
    assert created["spec"] is spec, "nested values are shared, not deep-copied"
    assert store.get("/registry/pods/default/a") is created
    assert store.list(PODS).items[0] is created


def test_history_is_bounded_and_compacted_automatically(run: Callable, collect: Callable) -> None:
    store = MemoryStore(history=100)
    for i in range(1000):
        store.create(f"/registry/pods/default/p{i:04d}", {"metadata": {}})
    assert store.revision == 1000
    assert 1000 - 100 - 100 // 8 <= store.compacted_revision <= 900
    assert len(store._log) <= 100 + 100 // 8
    with pytest.raises(Expired, match=r"too old resource version: 10 \("):
        store.list(PODS, revision=10)
    with pytest.raises(Expired):
        store.watch(PODS, from_revision=10)
    page = store.list(PODS, revision=store.compacted_revision, limit=5)
    assert len(page.items) == 5
    assert page.remaining == store.compacted_revision - 5

    async def main() -> None:
        w = store.watch(PODS, from_revision=990)
        got = await collect(w, 10)
        assert [e.revision for e in got] == list(range(991, 1001))
        w.stop()

    run(main())


def test_zero_history_still_serves_live_watches(run: Callable, collect: Callable) -> None:
    store = MemoryStore(history=0)

    async def main() -> None:
        w = store.watch(PODS, from_revision=store.revision)
        for i in range(3):
            store.create(f"/registry/pods/default/p{i}", {"metadata": {}})
        assert [e.revision for e in await collect(w, 3)] == [1, 2, 3]
        assert store.compacted_revision == 3
        w.stop()

    run(main())


def test_watchers_run_on_a_virtual_clock_loop() -> None:
    clock = VirtualClock()
    store = MemoryStore()

    async def main() -> list[int]:
        w = store.watch(PODS, from_revision=0)

        async def writer() -> None:
            for i in range(5):
                await clock.sleep(60)
                store.create(f"/registry/pods/default/p{i}", {"metadata": {}})

        task = asyncio.ensure_future(writer())
        got = [(await anext(aiter(w))).revision for _ in range(5)]
        await task
        w.stop()
        return got

    assert clock.run(main()) == [1, 2, 3, 4, 5]
    assert clock.monotonic() == 300.0


def test_invalid_options() -> None:
    with pytest.raises(ValueError, match="history must be >= 0"):
        MemoryStore(history=-1)
    with pytest.raises(ValueError, match="watch_buffer must be >= 1"):
        MemoryStore(watch_buffer=0)
