"""Registry watches on a VirtualClock: start points, selector transitions, bookmarks, timeouts,
410 Expired, Event conversion. Deterministic: time only moves when every task waits."""

from __future__ import annotations

import random

import pytest

from kcore.api.errors import BadRequest
from kcore.apiserver.registry import APIRegistry
from kcore.storage.memory import MemoryStore
from kcore.util.clock import VirtualClock


@pytest.fixture
def env():
    clock = VirtualClock()
    store = MemoryStore()
    reg = APIRegistry(store, clock, rng=random.Random(1), watch_timeout=600, bookmark_interval=60)
    yield reg, clock
    store.close()


def _cm(name, **labels):
    return {"metadata": {"name": name, "labels": labels}}


def test_watch_from_revision_delivers_later_changes_only(env):
    reg, clock = env
    reg.create("configmaps", _cm("old"), namespace="default")
    rv = reg.list("configmaps", namespace="default")["metadata"]["resourceVersion"]

    async def main():
        w = reg.watch(
            "configmaps",
            namespace="default",
            resource_version=rv,
            timeout_seconds=5,
            allow_watch_bookmarks=False,
        )
        reg.create("configmaps", _cm("new"), namespace="default")
        cur = reg.get("configmaps", "new", namespace="default")
        reg.update("configmaps", {**cur, "data": {"a": "b"}}, namespace="default")
        reg.delete("configmaps", "new", namespace="default")
        return [(t, o["metadata"]["name"]) async for t, o in w]

    assert clock.run(main()) == [("ADDED", "new"), ("MODIFIED", "new"), ("DELETED", "new")]
    assert clock.monotonic() == pytest.approx(5)


@pytest.mark.parametrize("rv", [None, "0"])
def test_watch_without_revision_replays_current_state(env, rv):
    reg, clock = env
    for n in ("a", "b"):
        reg.create("configmaps", _cm(n), namespace="default")

    async def main():
        w = reg.watch(
            "configmaps",
            namespace="default",
            resource_version=rv,
            timeout_seconds=1,
            allow_watch_bookmarks=False,
        )
        return [(t, o["metadata"]["name"]) async for t, o in w]

    assert clock.run(main()) == [("ADDED", "a"), ("ADDED", "b")]


def test_selector_transitions_become_added_and_deleted(env):
    reg, clock = env
    rv = reg.list("configmaps")["metadata"]["resourceVersion"]

    async def main():
        w = reg.watch(
            "configmaps",
            label_selector="x=1",
            resource_version=rv,
            timeout_seconds=1,
            allow_watch_bookmarks=False,
        )
        reg.create("configmaps", _cm("c", x="0"), namespace="default")
        cur = reg.get("configmaps", "c", namespace="default")
        cur = reg.update(
            "configmaps",
            {**cur, "metadata": {**cur["metadata"], "labels": {"x": "1"}}},
            namespace="default",
        )
        cur = reg.update("configmaps", {**cur, "data": {"k": "v"}}, namespace="default")
        reg.update(
            "configmaps",
            {**cur, "metadata": {**cur["metadata"], "labels": {"x": "2"}}},
            namespace="default",
        )
        return [
            (t, o["metadata"]["labels"]["x"], o["metadata"]["resourceVersion"]) async for t, o in w
        ]

    events = clock.run(main())
    assert [(t, x) for t, x, _ in events] == [("ADDED", "1"), ("MODIFIED", "1"), ("DELETED", "1")]
    # the DELETED carries the last matching state stamped with the change's revision
    assert int(events[2][2]) > int(events[1][2])


def test_bookmarks_every_interval_and_before_timeout(env):
    reg, clock = env
    reg.bookmark_interval = 10

    async def main():
        w = reg.watch("pods", resource_version="1", timeout_seconds=35, allow_watch_bookmarks=True)
        out = []
        async for t, o in w:
            out.append((t, round(clock.monotonic()), o["kind"], o["metadata"]["resourceVersion"]))
        return out

    events = clock.run(main())
    assert [e[:2] for e in events] == [
        ("BOOKMARK", 10),
        ("BOOKMARK", 20),
        ("BOOKMARK", 30),
        ("BOOKMARK", 34),
    ]
    assert {e[2] for e in events} == {"Pod"}
    assert all(int(e[3]) == reg.store.revision for e in events)


def test_no_bookmarks_unless_allowed(env):
    reg, clock = env
    reg.bookmark_interval = 1

    async def main():
        w = reg.watch("pods", resource_version="1", timeout_seconds=5, allow_watch_bookmarks=False)
        return [t async for t, _ in w]

    assert clock.run(main()) == []


def test_send_initial_events_ends_with_annotated_bookmark(env):
    reg, clock = env
    reg.create("configmaps", _cm("a"), namespace="default")

    async def main():
        w = reg.watch(
            "configmaps", namespace="default", send_initial_events=True, timeout_seconds=1
        )
        return [(t, o) async for t, o in w]

    events = clock.run(main())
    assert events[0][0] == "ADDED"
    t, bm = events[1]
    assert t == "BOOKMARK"
    assert bm["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_expired_start_is_an_error_event(env):
    reg, clock = env
    reg.create("configmaps", _cm("a"), namespace="default")
    reg.store.compact(reg.store.revision)

    async def main():
        w = reg.watch("configmaps", resource_version="1")
        return [(t, o) async for t, o in w]

    ((t, status),) = clock.run(main())
    assert t == "ERROR"
    assert status["code"] == 410
    assert status["reason"] == "Expired"
    assert status["kind"] == "Status"


def test_stop_ends_the_stream(env):
    reg, clock = env

    async def main():
        w = reg.watch("configmaps", resource_version="1")
        out = []
        async for _t, o in w:
            out.append(o["metadata"]["name"])
            w.stop()
        return out

    async def run():
        import asyncio

        task = asyncio.ensure_future(main())
        await asyncio.sleep(0)
        reg.create("configmaps", _cm("a"), namespace="default")
        reg.create("configmaps", _cm("b"), namespace="default")
        return await task

    assert clock.run(run()) == ["a"]


def test_watch_selector_errors_are_raised_before_streaming(env):
    reg, _ = env
    with pytest.raises(BadRequest):
        reg.watch("pods", field_selector="spec.bogus=1")
    with pytest.raises(BadRequest):
        reg.watch("pods", resource_version="abc")


def test_events_watch_is_converted(env):
    reg, clock = env
    rv = reg.list("events")["metadata"]["resourceVersion"]

    async def main():
        w = reg.watch(
            "events.events.k8s.io",
            resource_version=rv,
            timeout_seconds=1,
            allow_watch_bookmarks=False,
        )
        reg.create(
            "events",
            {
                "metadata": {"name": "e"},
                "involvedObject": {"kind": "Pod", "name": "p"},
                "message": "hi",
            },
            namespace="default",
        )
        return [o async for _, o in w]

    (ev,) = clock.run(main())
    assert ev["apiVersion"] == "events.k8s.io/v1"
    assert ev["note"] == "hi"
    assert ev["regarding"]["name"] == "p"
