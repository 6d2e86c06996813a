"""The Store contract, run against every backend (memory, sqlite, etcd).

Covers create/get/list/paging/update/delete with expected revisions, guaranteed_update with
retries, history reads, watches from revisions, compaction and Expired, ordering and
exactly-once delivery, bookmarks, slow watchers, concurrent writers on one key and watches across
two store instances. Revisions are compared relative to each other (etcd starts at 1, and other
tests may share its revision counter), never to absolute values.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

import pytest

from kcore.api.errors import AlreadyExists, Conflict, Expired, NotFound, Timeout
from kcore.storage.interface import collection_prefix, object_key

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from kcore.storage.interface import Store, Watcher, WatchEvent

    from .conftest import Backend

PODS = collection_prefix("pods")
DEFAULT_PODS = collection_prefix("pods", "default")


def key(name: str, ns: str = "default") -> str:
    return object_key("pods", ns, name)


def rv(obj: Mapping[str, Any]) -> int:
    return int(obj["metadata"]["resourceVersion"])


def names(items: list[Mapping[str, Any]]) -> list[str]:
    return [i["metadata"]["name"] for i in items]


# -- create / get ---------------------------------------------------------------------------


def test_create_stamps_revision_and_get_returns_it(store: Store, make_pod: Callable) -> None:
    before = store.revision
    src = make_pod("a")
    created = store.create(key("a"), src)
    assert rv(created) == store.revision == before + 1
    assert created["spec"] == {"nodeName": ""}
    assert "resourceVersion" not in src["metadata"], "the caller's object must not be modified"
    got = store.get(key("a"))
    assert got == created
    assert rv(got) == before + 1


def test_create_existing_raises_already_exists_and_changes_nothing(
    store: Store, make_pod: Callable
) -> None:
    first = store.create(key("a"), make_pod("a"))
    rev = store.revision
    with pytest.raises(AlreadyExists, match='pods "a" already exists'):
        store.create(key("a"), make_pod("a", spec={"nodeName": "other"}))
    assert store.revision == rev
    assert store.get(key("a")) == first


def test_get_missing_raises_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match='pods "nope" not found') as info:
        store.get(key("nope"))
    assert info.value.code == 404
    assert info.value.details.name == "nope"


def test_object_keys_follow_kube_apiserver_layout(store: Store) -> None:
    node = store.create(object_key("nodes", None, "n1"), {"kind": "Node", "metadata": {}})
    assert object_key("nodes", None, "n1") == "/registry/minions/n1"
    assert store.list(collection_prefix("nodes")).items == [node]
    with pytest.raises(NotFound, match='nodes "n2" not found'):
        store.get(object_key("nodes", None, "n2"))


@pytest.mark.parametrize(
    ("bad_key", "error"),
    [
        pytest.param("pods/default/a", ValueError, id="relative"),
        pytest.param("/other/pods/a", ValueError, id="outside-registry"),
        pytest.param("/registry/pods/", ValueError, id="trailing-slash"),
        pytest.param(7, ValueError, id="not-a-string"),
    ],
)
def test_bad_keys_are_rejected_without_writing(
    store: Store, make_pod: Callable, bad_key: Any, error: type[Exception]
) -> None:
    rev = store.revision
    with pytest.raises(error, match="invalid storage key"):
        store.create(bad_key, make_pod("a"))
    assert store.revision == rev


def test_bad_objects_are_rejected_without_writing(store: Store) -> None:
    rev = store.revision
    with pytest.raises(TypeError, match="must be a mapping"):
        store.create(key("a"), ["not", "a", "dict"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="metadata of the object"):
        store.create(key("a"), {"metadata": "oops"})
    assert store.revision == rev
    with pytest.raises(NotFound):
        store.get(key("a"))


def test_bad_prefix_and_revision_arguments(store: Store) -> None:
    with pytest.raises(ValueError, match="invalid storage prefix"):
        store.list("pods/")
    with pytest.raises(ValueError, match="limit must be >= 0"):
        store.list(PODS, limit=-1)
    with pytest.raises(TypeError, match="revision must be an int"):
        store.list(PODS, revision="5")  # type: ignore[arg-type]


# -- update / delete --------------------------------------------------------------------------


def test_update_with_and_without_expected_revision(store: Store, make_pod: Callable) -> None:
    a = store.create(key("a"), make_pod("a"))
    b = store.update(key("a"), make_pod("a", spec={"nodeName": "n1"}), expected_revision=rv(a))
    assert rv(b) == rv(a) + 1
    assert store.get(key("a"))["spec"] == {"nodeName": "n1"}
    with pytest.raises(Conflict, match=r'Operation cannot be fulfilled on pods "a": the object'):
        store.update(key("a"), make_pod("a"), expected_revision=rv(a))
    assert store.get(key("a")) == b
    c = store.update(key("a"), make_pod("a", spec={"nodeName": "n2"}))
    assert rv(c) == rv(b) + 1
    with pytest.raises(NotFound):
        store.update(key("zz"), make_pod("zz"))


def test_delete_returns_last_state_stamped_with_the_deletion(
    store: Store, make_pod: Callable
) -> None:
    a = store.create(key("a"), make_pod("a", spec={"nodeName": "n1"}))
    with pytest.raises(Conflict):
        store.delete(key("a"), expected_revision=rv(a) + 100)
    gone = store.delete(key("a"), expected_revision=rv(a))
    assert rv(gone) == store.revision == rv(a) + 1
    assert gone["spec"] == {"nodeName": "n1"}
    with pytest.raises(NotFound):
        store.get(key("a"))
    with pytest.raises(NotFound):
        store.delete(key("a"))
    again = store.create(key("a"), make_pod("a"))
    assert rv(again) == rv(gone) + 1


# -- list ---------------------------------------------------------------------------------------


def test_list_is_key_ordered_prefix_scoped_and_carries_the_revision(
    store: Store, make_pod: Callable
) -> None:
    for ns, name in [("b", "x"), ("default", "c"), ("default", "a"), ("default", "b")]:
        store.create(key(name, ns), make_pod(name, ns))
    store.create(object_key("podtemplates", "default", "t"), {"metadata": {"name": "t"}})
    res = store.list(DEFAULT_PODS)
    assert names(res.items) == ["a", "b", "c"]
    assert res.revision == store.revision
    assert res.continue_key is None
    assert res.remaining == 0
    assert names(store.list(PODS).items) == ["x", "a", "b", "c"]
    assert store.list(collection_prefix("pods", "empty")).items == []


def test_paging_with_limit_and_start_after(store: Store, make_pod: Callable) -> None:
    for i in range(7):
        store.create(key(f"p{i}"), make_pod(f"p{i}"))
    page = store.list(PODS, limit=3)
    assert names(page.items) == ["p0", "p1", "p2"]
    assert page.continue_key == key("p2")
    assert page.remaining == 4
    seen = names(page.items)
    while page.continue_key is not None:
        page = store.list(PODS, limit=3, start_after=page.continue_key, revision=page.revision)
        seen += names(page.items)
    assert seen == [f"p{i}" for i in range(7)]
    assert page.remaining == 0
    exact = store.list(PODS, limit=7)
    assert exact.continue_key is None
    assert exact.remaining == 0


def test_pages_stay_consistent_at_the_first_pages_revision(
    store: Store, make_pod: Callable
) -> None:
    for i in range(6):
        store.create(key(f"p{i}"), make_pod(f"p{i}"))
    first = store.list(PODS, limit=2)
    # Concurrent changes after the first page must not show up in later pages.
    store.delete(key("p3"))
    store.create(key("p25"), make_pod("p25"))
    store.update(key("p4"), make_pod("p4", spec={"nodeName": "late"}))
    rest = store.list(PODS, limit=2, start_after=first.continue_key, revision=first.revision)
    assert names(rest.items) == ["p2", "p3"]
    assert rest.remaining == 2
    assert rest.revision == first.revision
    last = store.list(PODS, start_after=rest.continue_key, revision=first.revision)
    assert names(last.items) == ["p4", "p5"]
    assert last.items[0]["spec"] == {"nodeName": ""}
    assert names(store.list(PODS).items) == ["p0", "p1", "p2", "p25", "p4", "p5"]


def test_history_reads_see_each_revision(store: Store, make_pod: Callable) -> None:
    store.create(object_key("configmaps", "default", "x"), {"metadata": {"name": "x"}})
    r0 = store.revision
    a1 = store.create(key("a"), make_pod("a"))
    b1 = store.create(key("b"), make_pod("b"))
    a2 = store.update(key("a"), make_pod("a", spec={"nodeName": "n1"}))
    store.delete(key("b"))
    store.create(key("c"), make_pod("c"))
    assert store.list(PODS, revision=r0).items == []
    assert store.list(PODS, revision=rv(a1)).items == [a1]
    assert store.list(PODS, revision=rv(b1)).items == [a1, b1]
    assert store.list(PODS, revision=rv(a2)).items == [a2, b1]
    assert names(store.list(PODS, revision=rv(a2) + 1).items) == ["a"]
    assert names(store.list(PODS, revision=store.revision).items) == ["a", "c"]
    at = store.list(PODS, revision=rv(b1))
    assert at.revision == rv(b1)


def test_list_of_a_future_revision_is_too_large(store: Store, make_pod: Callable) -> None:
    store.create(key("a"), make_pod("a"))
    cur = store.revision
    with pytest.raises(Timeout, match=f"Too large resource version: {cur + 50}, current: "):
        store.list(PODS, revision=cur + 50)


# -- compaction ---------------------------------------------------------------------------------


def test_compaction_expires_history_but_keeps_the_compacted_state(
    store: Store, make_pod: Callable
) -> None:
    a = store.create(key("a"), make_pod("a"))
    store.update(key("a"), make_pod("a", spec={"nodeName": "n1"}))
    mid = store.revision
    store.delete(key("a"))
    store.create(key("b"), make_pod("b"))
    store.compact(mid)
    assert store.compacted_revision >= mid
    assert names(store.list(PODS, revision=mid).items) == ["a"]
    with pytest.raises(Expired, match=rf"too old resource version: {rv(a)} \({mid}\)") as info:
        store.list(PODS, revision=rv(a))
    assert info.value.code == 410
    assert names(store.list(PODS).items) == ["b"]
    store.compact(rv(a))  # at or below the compacted revision: a no-op
    assert store.compacted_revision >= mid
    with pytest.raises(ValueError, match="cannot compact"):
        store.compact(store.revision + 10)


def test_watch_from_a_compacted_revision_is_expired(
    store: Store, make_pod: Callable, run: Callable, collect: Callable
) -> None:
    a = store.create(key("a"), make_pod("a"))
    store.update(key("a"), make_pod("a", spec={"nodeName": "n1"}))
    target = store.revision
    store.compact(target)

    async def watch_old() -> list[WatchEvent]:
        # Memory and sqlite raise from watch(); etcd may only know once the stream starts.
        w = store.watch(PODS, from_revision=rv(a) - 1)
        return await collect(w, 1)

    async def main() -> None:
        with pytest.raises(Expired, match=rf"too old resource version: {rv(a) - 1} \({target}\)"):
            await watch_old()
        w = store.watch(PODS, from_revision=target)
        store.delete(key("a"))
        (ev,) = await collect(w, 1)
        assert ev.type == "DELETED"
        w.stop()

    run(main())


# -- guaranteed_update --------------------------------------------------------------------------


def test_guaranteed_update_applies_skips_no_ops_and_creates(
    store: Store, make_pod: Callable
) -> None:
    a = store.create(key("a"), make_pod("a"))

    def set_node(cur: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**cur, "spec": {"nodeName": "n1"}}

    b = store.guaranteed_update(key("a"), set_node)
    assert rv(b) == rv(a) + 1
    assert b["spec"] == {"nodeName": "n1"}
    rev = store.revision
    assert store.guaranteed_update(key("a"), set_node) == b, "an identical object is a no-op"
    assert store.guaranteed_update(key("a"), lambda cur: None) == b
    assert store.revision == rev
    with pytest.raises(NotFound):
        store.guaranteed_update(key("missing"), set_node)
    seen: list[Mapping[str, Any]] = []

    def create(cur: Mapping[str, Any]) -> Mapping[str, Any]:
        seen.append(cur)
        return make_pod("new")

    c = store.guaranteed_update(key("new"), create, ignore_not_found=True)
    assert seen == [{}]
    assert rv(c) == rev + 1
    assert store.guaranteed_update(key("gone"), lambda cur: None, ignore_not_found=True) == {}


def test_guaranteed_update_retries_on_a_conflicting_write(
    backend: Backend, store: Store, make_pod: Callable
) -> None:
    store.create(key("a"), make_pod("a", spec={"count": 0}))
    other = backend.open() if backend.shared else store
    calls: list[int] = []

    def incr(cur: Mapping[str, Any]) -> Mapping[str, Any]:
        calls.append(cur["spec"]["count"])
        if len(calls) == 1:  # a racing writer gets in between our read and our write
            other.update(key("a"), make_pod("a", spec={"count": 10}))
        return {**cur, "spec": {"count": cur["spec"]["count"] + 1}}

    out = store.guaranteed_update(key("a"), incr)
    assert calls == [0, 10]
    assert out["spec"] == {"count": 11}
    assert store.get(key("a"))["spec"] == {"count": 11}


def test_guaranteed_update_propagates_errors_without_writing(
    store: Store, make_pod: Callable
) -> None:
    store.create(key("a"), make_pod("a"))
    rev = store.revision

    def boom(cur: Mapping[str, Any]) -> Mapping[str, Any]:
        raise RuntimeError("invalid")

    with pytest.raises(RuntimeError, match="invalid"):
        store.guaranteed_update(key("a"), boom)
    assert store.revision == rev


def test_concurrent_writers_on_one_key_lose_no_update(
    backend: Backend, store: Store, make_pod: Callable
) -> None:
    store.create(key("ctr"), make_pod("ctr", spec={"count": 0}))
    stores = [store, backend.open()] if backend.shared else [store]
    threads, per_thread = 4, 15 if backend.name == "etcd" else 40
    conflicts = [0] * threads
    errors: list[BaseException] = []

    def incr(cur: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**cur, "spec": {"count": cur["spec"]["count"] + 1}}

    def worker(i: int) -> None:
        s = stores[i % len(stores)]
        try:
            for n in range(per_thread):
                if n % 2:
                    s.guaranteed_update(key("ctr"), incr)
                    continue
                while True:  # explicit optimistic concurrency: conflicts must surface
                    cur = s.get(key("ctr"))
                    try:
                        s.update(key("ctr"), incr(cur), expected_revision=rv(cur))
                        break
                    except Conflict:
                        conflicts[i] += 1
        except BaseException as e:
            errors.append(e)

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    assert not errors
    assert store.get(key("ctr"))["spec"]["count"] == threads * per_thread


# -- watch ----------------------------------------------------------------------------------


def test_watch_replays_history_in_order_with_prev_objects(
    store: Store, make_pod: Callable, run: Callable, collect: Callable
) -> None:
    start = store.revision
    a = store.create(key("a"), make_pod("a"))
    store.create(object_key("configmaps", "default", "x"), {"metadata": {"name": "x"}})
    a2 = store.update(key("a"), make_pod("a", spec={"nodeName": "n1"}))
    gone = store.delete(key("a"))
    b = store.create(key("b", "other"), make_pod("b", "other"))

    async def main() -> list[WatchEvent]:
        w = store.watch(PODS, from_revision=start)
        events = await collect(w, 4)
        w.stop()
        return events

    events = run(main())
    assert [(e.type, e.key) for e in events] == [
        ("ADDED", key("a")),
        ("MODIFIED", key("a")),
        ("DELETED", key("a")),
        ("ADDED", key("b", "other")),
    ]
    assert [e.revision for e in events] == [rv(a), rv(a2), rv(gone), rv(b)]
    assert events[0].object == a
    assert events[0].prev_object is None
    assert events[1].object == a2
    assert events[1].prev_object == a
    assert events[2].object == gone
    assert events[2].prev_object == a2
    assert all(rv(e.object) == e.revision for e in events)


def test_watch_from_a_revision_skips_earlier_changes(
    store: Store, make_pod: Callable, run: Callable, collect: Callable
) -> None:
    store.create(key("a"), make_pod("a"))
    mid = store.revision
    store.create(key("b"), make_pod("b"))

    async def main() -> None:
        w = store.watch(DEFAULT_PODS, from_revision=mid)
        (ev,) = await collect(w, 1)
        assert ev.key == key("b")
        store.create(key("c"), make_pod("c"))
        (ev,) = await collect(w, 1)
        assert ev.key == key("c")
        w.stop()

    run(main())


def test_live_watch_delivers_each_event_exactly_once_in_order(
    store: Store, make_pod: Callable, run: Callable, collect: Callable
) -> None:
    async def main() -> None:
        ws = [store.watch(PODS, from_revision=store.revision) for _ in range(20)]
        other = store.watch(collection_prefix("nodes"), from_revision=store.revision)
        revs = []
        for i in range(30):
            revs.append(rv(store.create(key(f"p{i}"), make_pod(f"p{i}"))))
            if i % 7 == 0:
                await asyncio.sleep(0)  # let consumers run mid-stream too
        for w in ws:
            got = await collect(w, 30)
            assert [e.revision for e in got] == revs
            w.request_progress()
            (bm,) = await collect(w, 1)
            assert bm.type == "BOOKMARK"
            assert bm.revision >= revs[-1]
        other.request_progress()
        (bm,) = await collect(other, 1)  # nothing else was queued for the nodes watcher
        assert bm.type == "BOOKMARK"
        for w in [*ws, other]:
            w.stop()

    run(main())


def test_writes_from_other_threads_reach_the_watchers_loop(
    store: Store, make_pod: Callable, run: Callable, collect: Callable
) -> None:
    async def main() -> None:
        w = store.watch(PODS, from_revision=store.revision)
        loop_thread = threading.get_ident()
        seen_threads: list[int] = []

        def writer() -> None:
            seen_threads.append(threading.get_ident())
            for i in range(25):
                store.create(key(f"t{i}"), make_pod(f"t{i}"))

        t = threading.Thread(target=writer)
        t.start()
        events = await collect(w, 25)
        await asyncio.to_thread(t.join, 30)
        assert seen_threads
        assert seen_threads[0] != loop_thread
        assert [e.key for e in events] == [key(f"t{i}") for i in range(25)]
        assert [e.revision for e in events] == sorted(e.revision for e in events)
        w.stop()

    run(main())


def test_bookmark_arrives_after_the_events_it_covers(
    backend: Backend, store: Store, make_pod: Callable, run: Callable, collect: Callable
) -> None:
    async def until_bookmark(w: Watcher) -> list[WatchEvent]:
        got = await collect(w, 1)
        while got[-1].type != "BOOKMARK":
            got += await collect(w, 1)
        return got

    async def main() -> None:
        w = store.watch(PODS, from_revision=store.revision)
        a = rv(store.create(key("a"), make_pod("a")))
        (ev,) = await collect(w, 1)
        assert ev.revision == a
        w.request_progress()
        (bm,) = await collect(w, 1)
        assert bm.type == "BOOKMARK"
        assert bm.key == ""
        assert a <= bm.revision <= store.revision
        assert bm.object == {"metadata": {"resourceVersion": str(bm.revision)}}

        b = rv(store.create(key("b"), make_pod("b")))
        w.request_progress()
        got = await until_bookmark(w)
        bm = got[-1]
        assert all(e.revision <= bm.revision for e in got[:-1])
        if backend.name != "etcd":  # the store's own revision: b is always covered
            assert [e.revision for e in got[:-1]] == [b]
            assert bm.revision == store.revision
        elif not got[:-1]:  # etcd: only what the stream had seen; b comes after the bookmark
            (late,) = await collect(w, 1)
            assert late.revision == b > bm.revision
        w.stop()

    run(main())


def test_stop_ends_iteration(
    store: Store, make_pod: Callable, run: Callable, collect: Callable
) -> None:
    async def main() -> None:
        w = store.watch(PODS, from_revision=store.revision)
        store.create(key("a"), make_pod("a"))
        (ev,) = await collect(w, 1)
        assert ev.key == key("a")
        waiting = asyncio.create_task(anext(aiter(w)))
        await asyncio.sleep(0)
        w.stop()
        w.stop()  # idempotent
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(waiting, 10)
        store.create(key("b"), make_pod("b"))
        with pytest.raises(StopAsyncIteration):
            await anext(aiter(w))

    run(main())


def test_watch_from_a_future_revision_waits_for_it(
    store: Store, make_pod: Callable, run: Callable, collect: Callable
) -> None:
    async def main() -> None:
        w = store.watch(PODS, from_revision=store.revision + 2)
        for name in "abcd":
            store.create(key(name), make_pod(name))
        got = await collect(w, 2)
        assert [e.key for e in got] == [key("c"), key("d")]
        w.stop()

    run(main())


def test_a_watcher_that_falls_too_far_behind_is_expired(
    backend: Backend, make_pod: Callable, run: Callable, collect: Callable
) -> None:
    store = backend.open(watch_buffer=5)

    async def main() -> None:
        slow = store.watch(PODS, from_revision=store.revision)
        fast = store.watch(PODS, from_revision=store.revision)
        got: list[WatchEvent] = []
        for i in range(12):
            store.create(key(f"p{i}"), make_pod(f"p{i}"))
            if i % 3 == 2:
                got += await collect(fast, 3)
        with pytest.raises(Expired, match="too old resource version"):
            await collect(slow, 12)
        assert [e.key for e in got] == [key(f"p{i}") for i in range(12)]
        assert got[-1].revision == store.revision
        fast.stop()

    run(main())


def test_many_watchers_each_receive_every_event(
    store: Store, make_pod: Callable, run: Callable, collect: Callable
) -> None:
    async def main() -> None:
        start = store.revision
        ws = [store.watch(PODS, from_revision=start) for _ in range(200)]
        for i in range(10):
            store.create(key(f"p{i}"), make_pod(f"p{i}"))
        results = await asyncio.gather(*(collect(w, 10) for w in ws))
        expected = [key(f"p{i}") for i in range(10)]
        assert all([e.key for e in r] == expected for r in results)
        for w in ws:
            w.stop()

    run(main())


def test_watch_across_two_store_instances(
    shared_backend: Backend, make_pod: Callable, run: Callable, collect: Callable
) -> None:
    writer, reader = shared_backend.open(), shared_backend.open()

    async def main() -> None:
        start = writer.revision
        a = writer.create(key("a"), make_pod("a"))
        w = reader.watch(PODS, from_revision=start)
        writer.update(key("a"), make_pod("a", spec={"nodeName": "n1"}))
        writer.delete(key("a"))
        events = await collect(w, 3, timeout=20)
        assert [e.type for e in events] == ["ADDED", "MODIFIED", "DELETED"]
        assert events[0].object == a
        assert reader.revision == writer.revision
        w.stop()

    run(main())


def test_close_stops_watchers(
    backend: Backend, make_pod: Callable, run: Callable, collect: Callable
) -> None:
    store = backend.open()

    async def main() -> None:
        w = store.watch(PODS, from_revision=store.revision)
        store.close()
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(anext(aiter(w)), 10)

    run(main())
