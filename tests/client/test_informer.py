"""Reflector and SharedIndexInformer over a FakeControllerSource, on a virtual clock.

Covers: initial list then watch, handler ordering and cache-before-handler, re-watch after a
normal close, relist on 410 (ERROR event and compaction) with tombstones for missed deletions,
list errors and 429 backoff timings, bookmarks, paging (and expired continue tokens), resync
per handler, handlers added after start, filtering handlers, wait_for_cache_sync and listers.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kcore.api.errors import (
    Expired,
    InternalError,
    NotFound,
    ServiceUnavailable,
    StatusDetails,
    TooManyRequests,
)
from kcore.client.delta_fifo import DeletedFinalStateUnknown
from kcore.client.informer import (
    FilteringResourceEventHandler,
    ResourceEventHandler,
    SharedIndexInformer,
    wait_for_cache_sync,
)
from kcore.client.listers import Lister
from kcore.client.reflector import Reflector
from kcore.client.store import NAMESPACE_INDEX
from kcore.testing.fake_source import FakeControllerSource
from kcore.util.clock import VirtualClock


def pod(name: str, ns: str = "default", **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": ns, "labels": labels}, "spec": {}}


class Recorder:
    """A handler that records what it is told and what the cache held at that moment."""

    def __init__(self, informer: SharedIndexInformer | None = None) -> None:
        self.events: list[tuple] = []
        self.informer = informer

    def _name(self, o: Any) -> str:
        if isinstance(o, DeletedFinalStateUnknown):
            return f"tombstone:{o.key}"
        return o["metadata"]["name"]

    def handler(self) -> ResourceEventHandler:
        return ResourceEventHandler(
            on_add=lambda o: self.events.append(("add", self._name(o))),
            on_update=lambda a, b: self.events.append(
                (
                    "update",
                    self._name(b),
                    a["metadata"]["resourceVersion"],
                    b["metadata"]["resourceVersion"],
                )
            ),
            on_delete=lambda o: self.events.append(("delete", self._name(o))),
        )


async def start(inf: SharedIndexInformer) -> asyncio.Task[None]:
    task = asyncio.ensure_future(inf.run())
    assert await wait_for_cache_sync(inf, timeout=60)
    return task


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_list_then_watch_delivers_in_order_with_cache_first() -> None:
    clock = VirtualClock()
    src = FakeControllerSource()
    src.add(pod("a"))
    src.add(pod("b"))

    async def main() -> None:
        inf = SharedIndexInformer(src, clock)
        rec = Recorder()
        seen_in_cache: list[bool] = []
        inf.add_event_handler(rec.handler())
        inf.add_event_handler(
            ResourceEventHandler(
                on_add=lambda o: seen_in_cache.append(inf.get_indexer().get(o) is o)
            )
        )
        assert not inf.has_synced()
        task = await start(inf)
        assert inf.has_synced()
        assert inf.last_sync_resource_version() == "2"
        src.modify(pod("a"))
        src.add(pod("c"))
        src.delete(pod("b"))
        await clock.run_until(lambda: len(rec.events) == 5, timeout=5)
        assert rec.events == [
            ("add", "a"),
            ("add", "b"),
            ("update", "a", "1", "3"),
            ("add", "c"),
            ("delete", "b"),
        ]
        assert seen_in_cache == [True, True, True]
        assert sorted(inf.get_indexer().list_keys()) == ["default/a", "default/c"]
        assert inf.last_sync_resource_version() == "5"
        assert src.list_calls == 1
        await stop(task)
        assert inf.is_stopped
        with pytest.raises(RuntimeError, match="stopped already"):
            inf.add_event_handler(ResourceEventHandler())

    clock.run(main())


def test_normal_watch_close_rewatches_from_last_version_without_relist() -> None:
    clock = VirtualClock()
    src = FakeControllerSource()
    src.add(pod("a"))

    async def main() -> None:
        inf = SharedIndexInformer(src, clock)
        task = await start(inf)
        await clock.sleep(10)  # a watch that lived for a while, then the server closed it
        src.close_watches()
        src.add(pod("b"))
        await clock.run_until(lambda: "default/b" in inf.get_indexer(), timeout=5)
        assert src.list_calls == 1
        assert [o.resource_version for o in src.watch_calls] == ["1", "1"]
        for o in src.watch_calls:
            assert 300 <= (o.timeout_seconds or 0) <= 600
            assert o.allow_watch_bookmarks
        await stop(task)

    clock.run(main())


def test_relist_on_410_delivers_missed_deletions_as_tombstones() -> None:
    clock = VirtualClock()
    src = FakeControllerSource()
    src.add(pod("a"))
    src.add(pod("b"))

    async def main() -> None:
        inf = SharedIndexInformer(src, clock)
        rec = Recorder()
        inf.add_event_handler(rec.handler())
        task = await start(inf)
        # While "disconnected": b is deleted without an event, the history is compacted.
        src.delete_silently("default/b")
        src.add(pod("c"))
        src.compact()
        src.send_error(Expired("too old resource version: 2 (5)"))
        await clock.run_until(lambda: len(rec.events) >= 4, timeout=60)
        # a is unchanged (same resourceVersion: not re-delivered), c is new, b was missed.
        assert rec.events[2:] == [("add", "c"), ("delete", "tombstone:default/b")]
        assert src.list_calls == 2
        assert inf.reflector is not None
        assert not inf.reflector.is_last_sync_resource_version_unavailable
        assert sorted(inf.get_indexer().list_keys()) == ["default/a", "default/c"]
        await stop(task)

    clock.run(main())


def test_relist_after_410_reads_latest_state() -> None:
    """A reflector whose version expired lists with resourceVersion="" (a consistent read)."""
    clock = VirtualClock()
    src = FakeControllerSource()
    src.add(pod("a"))

    seen: list[str | None] = []
    orig_list = src.list

    async def spy_list(options: Any) -> Any:
        seen.append(options.resource_version)
        return await orig_list(options)

    src.list = spy_list  # type: ignore[method-assign]

    async def main() -> None:
        inf = SharedIndexInformer(src, clock)
        task = await start(inf)
        src.compact()
        src.send_error(Expired("too old"))
        await clock.run_until(lambda: len(seen) == 2, timeout=60)
        await stop(task)

    clock.run(main())
    assert seen == ["0", ""]


def test_list_errors_back_off_exponentially() -> None:
    clock = VirtualClock()
    src = FakeControllerSource()
    src.add(pod("a"))
    src.list_errors = [InternalError("etcd down"), InternalError("etcd down"), InternalError("x")]

    async def main() -> float:
        inf = SharedIndexInformer(src, clock)
        task = asyncio.ensure_future(inf.run())
        assert await wait_for_cache_sync(inf, timeout=60)
        t = clock.monotonic()
        await stop(task)
        return t

    synced_at = clock.run(main())
    # 0.8 s doubling, jittered by factor 1.5 without a generator: 1.2 + 2.4 + 4.8
    assert synced_at == pytest.approx(1.2 + 2.4 + 4.8)
    assert src.list_calls == 4


def test_wait_for_cache_sync_times_out() -> None:
    clock = VirtualClock()
    src = FakeControllerSource()
    src.list_errors = [InternalError("down")] * 100

    async def main() -> bool:
        inf = SharedIndexInformer(src, clock)
        task = asyncio.ensure_future(inf.run())
        ok = await wait_for_cache_sync(inf, timeout=30)
        await stop(task)
        assert not await wait_for_cache_sync(inf)  # stopped before syncing
        return ok

    assert clock.run(main()) is False
    assert clock.monotonic() == 30.0


def test_429_on_watch_backs_off_without_relisting() -> None:
    clock = VirtualClock()
    src = FakeControllerSource()
    src.add(pod("a"))

    async def main() -> None:
        inf = SharedIndexInformer(src, clock)
        task = await start(inf)
        await clock.sleep(5)
        src.watch_errors = [
            TooManyRequests("slow down", details=StatusDetails(retry_after_seconds=1))
        ]
        src.close_watches()
        t0 = clock.monotonic()
        await clock.run_until(lambda: len(src.watch_calls) == 3, timeout=60)
        assert clock.monotonic() - t0 == pytest.approx(1.2)
        assert src.list_calls == 1
        src.add(pod("b"))
        await clock.run_until(lambda: "default/b" in inf.get_indexer(), timeout=5)
        await stop(task)

    clock.run(main())


def test_unreachable_server_during_watch_rewatches_from_same_version() -> None:
    clock = VirtualClock()
    src = FakeControllerSource()
    src.add(pod("a"))

    async def main() -> None:
        inf = SharedIndexInformer(src, clock)
        task = await start(inf)
        await clock.sleep(5)
        src.watch_errors = [ServiceUnavailable("connection refused")] * 2
        src.close_watches()
        await clock.run_until(lambda: len(src.watch_calls) == 4, timeout=60)
        assert src.list_calls == 1
        assert {o.resource_version for o in src.watch_calls} == {"1"}
        await stop(task)

    clock.run(main())


def test_bookmarks_advance_last_sync_version() -> None:
    clock = VirtualClock()
    src = FakeControllerSource()
    src.add(pod("a"))

    async def main() -> None:
        inf = SharedIndexInformer(src, clock)
        task = await start(inf)
        src.delete_silently("other")  # moves the source's version without an event
        src.rv = 41
        src.bookmark()
        await clock.run_until(lambda: inf.last_sync_resource_version() == "41", timeout=5)
        assert inf.get_indexer().list_keys() == ["default/a"]
        await stop(task)

    clock.run(main())


def test_paged_list_and_expired_continue_falls_back_to_full_list() -> None:
    clock = VirtualClock()
    src = FakeControllerSource()
    for i in range(7):
        src.add(pod(f"p{i}"))
    limits: list[int | None] = []
    orig = src.list

    async def spy(options: Any) -> Any:
        limits.append(options.limit)
        if options.continue_ and len(limits) == 3:
            src.delete_silently("default/none")  # a later write, then compaction:
            src.compact()  # the token expires between pages
        return await orig(options)

    src.list = spy  # type: ignore[method-assign]
    store_items: list[int] = []

    class Store:
        def replace(self, items: Any, rv: str) -> None:
            store_items.append(len(list(items)))

        def add(self, o: Any) -> None: ...

        def update(self, o: Any) -> None: ...

        def delete(self, o: Any) -> None: ...

        def resync(self) -> None: ...

    async def main() -> None:
        r = Reflector(src, Store(), clock, page_size=3)
        task = asyncio.ensure_future(r.run())
        await clock.run_until(lambda: bool(store_items), timeout=5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    clock.run(main())
    assert limits == [3, 3, 3, None]
    assert store_items == [7]


def test_resync_is_per_handler() -> None:
    clock = VirtualClock()
    src = FakeControllerSource()
    src.add(pod("a"))

    async def main() -> None:
        inf = SharedIndexInformer(src, clock)
        fast, slow, never = Recorder(), Recorder(), Recorder()
        inf.add_event_handler(fast.handler(), resync_period=10)
        inf.add_event_handler(slow.handler(), resync_period=30)
        inf.add_event_handler(never.handler(), resync_period=0)
        task = await start(inf)
        await clock.sleep(61)
        await stop(task)
        assert fast.events.count(("update", "a", "1", "1")) == 6
        assert slow.events.count(("update", "a", "1", "1")) == 2
        assert never.events == [("add", "a")]

    clock.run(main())


def test_handler_added_after_start_gets_current_state() -> None:
    clock = VirtualClock()
    src = FakeControllerSource()
    src.add(pod("a"))
    src.add(pod("b"))

    async def main() -> None:
        inf = SharedIndexInformer(src, clock)
        task = await start(inf)
        late = Recorder()
        reg = inf.add_event_handler(late.handler())
        assert sorted(late.events) == [("add", "a"), ("add", "b")]
        assert reg.has_synced()
        assert await wait_for_cache_sync(reg)
        src.add(pod("c"))
        await clock.run_until(lambda: len(late.events) == 3, timeout=5)
        inf.remove_event_handler(reg)
        src.add(pod("d"))
        await clock.run_until(lambda: "default/d" in inf.get_indexer(), timeout=5)
        assert len(late.events) == 3
        await stop(task)

    clock.run(main())


def test_failing_handler_does_not_affect_others(caplog: pytest.LogCaptureFixture) -> None:
    clock = VirtualClock()
    src = FakeControllerSource()
    src.add(pod("a"))

    def boom(_o: Any) -> None:
        raise RuntimeError("handler bug")

    async def main() -> list[tuple]:
        inf = SharedIndexInformer(src, clock)
        inf.add_event_handler(ResourceEventHandler(on_add=boom))
        rec = Recorder()
        inf.add_event_handler(rec.handler())
        task = await start(inf)
        await stop(task)
        return rec.events

    assert clock.run(main()) == [("add", "a")]
    assert "on_add handler failed" in caplog.text


def test_filtering_handler_turns_transitions_into_add_and_delete() -> None:
    rec = Recorder()
    h = FilteringResourceEventHandler(
        lambda o: o["metadata"]["labels"].get("tier") == "web", rec.handler()
    )
    web = {"metadata": {"name": "x", "labels": {"tier": "web"}, "resourceVersion": "1"}}
    db = {"metadata": {"name": "x", "labels": {"tier": "db"}, "resourceVersion": "2"}}
    web2 = {"metadata": {"name": "x", "labels": {"tier": "web"}, "resourceVersion": "3"}}
    assert h.on_add
    assert h.on_update
    assert h.on_delete
    h.on_add(db)
    h.on_update(db, web)
    h.on_update(web, web2)
    h.on_update(web2, db)
    h.on_delete(db)
    h.on_delete(web)
    assert rec.events == [("add", "x"), ("update", "x", "1", "3"), ("delete", "x"), ("delete", "x")]


def test_lister_reads_the_cache() -> None:
    clock = VirtualClock()
    src = FakeControllerSource()
    src.add(pod("a", "ns1", app="web"))
    src.add(pod("b", "ns1", app="db"))
    src.add(pod("c", "ns2", app="web"))

    async def main() -> None:
        inf = SharedIndexInformer(src, clock)
        task = await start(inf)
        lister: Lister[dict[str, Any]] = Lister(inf.get_indexer(), "pods")
        assert lister.get("ns1", "a")["metadata"]["name"] == "a"
        with pytest.raises(NotFound, match='pods "zz" not found'):
            lister.get("ns1", "zz")
        assert len(lister.list()) == 3
        assert sorted(o["metadata"]["name"] for o in lister.list({"app": "web"})) == ["a", "c"]
        assert sorted(o["metadata"]["name"] for o in lister.list("app=web")) == ["a", "c"]
        assert [
            o["metadata"]["name"] for o in lister.list("app in (web),app!=db", namespace="ns2")
        ] == ["c"]
        ns1 = lister.namespace("ns1")
        assert sorted(o["metadata"]["name"] for o in ns1.list()) == ["a", "b"]
        assert ns1.get("b")["metadata"]["labels"] == {"app": "db"}
        assert [
            o["metadata"]["name"] for o in ns1.list(lambda labels: labels.get("app") == "db")
        ] == ["b"]
        assert sorted(inf.get_indexer().index_keys(NAMESPACE_INDEX, "ns2")) == ["ns2/c"]
        with pytest.raises(TypeError, match="unsupported label selector"):
            lister.list(42)  # type: ignore[arg-type]
        await stop(task)

    clock.run(main())
