"""The events.k8s.io/v1 broadcaster (client-go ``tools/events`` semantics) on a fake sink.

Covered: the first occurrence is created, the second turns it into a series (count 2,
patched at once), later ones only count until the 6-minute finish writes the final count and
forgets the key; a different regarding resourceVersion is a different event; the buffer drops
beyond its bound without blocking; transient failures are retried 10 s (+25% jitter) apart,
rejections are not; notes are truncated to 1024 characters; writes obey the QPS limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Any

from kcore.api.errors import Invalid, NotFound, ServiceUnavailable
from kcore.scheduler.component.events import (
    FINISH_TIME,
    EventBroadcaster,
    truncate_note,
)
from kcore.util.clock import VirtualClock


class FakeSink:
    """Records create/patch calls; ``fail`` holds exceptions raised by the next calls."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.calls: list[tuple[float, str, dict[str, Any]]] = []
        self.fail: list[Exception] = []
        self.objects: dict[str, dict[str, Any]] = {}

    async def create(self, resource: str, obj: Any, **kw: Any) -> Any:
        if self.fail:
            raise self.fail.pop(0)
        self.calls.append((self.clock.monotonic(), "create", obj))
        self.objects[obj["metadata"]["name"]] = obj
        return obj

    async def patch(self, resource: str, name: str, patch: Any, **kw: Any) -> Any:
        if self.fail:
            raise self.fail.pop(0)
        if name not in self.objects:
            raise NotFound(f"event {name} not found")
        self.calls.append((self.clock.monotonic(), "patch", patch))
        return self.objects[name]


POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p", "namespace": "ns", "uid": "u1", "resourceVersion": "5"},
}


def run(scenario: Any, **kw: Any) -> None:
    clock = VirtualClock()

    async def main() -> None:
        sink = FakeSink(clock)
        b = EventBroadcaster(sink, clock, **kw)
        task = asyncio.ensure_future(b.run())
        try:
            await scenario(b, sink, clock)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    clock.run(main())


def test_series_aggregation_and_finish() -> None:
    async def scenario(b: EventBroadcaster, sink: FakeSink, clock: VirtualClock) -> None:
        rec = b.new_recorder("default-scheduler", "default-scheduler-h")
        for _ in range(5):
            rec.eventf(POD, None, "Warning", "FailedScheduling", "Scheduling", "0/1 nodes")
            await clock.sleep(10)
        assert [k for _, k, _ in sink.calls] == ["create", "patch"]
        created = sink.calls[0][2]
        assert created["reason"] == "FailedScheduling"
        assert created["regarding"] == {
            "kind": "Pod",
            "apiVersion": "v1",
            "name": "p",
            "namespace": "ns",
            "uid": "u1",
            "resourceVersion": "5",
        }
        assert created["reportingController"] == "default-scheduler"
        assert created["metadata"]["name"].startswith("p.")
        assert sink.calls[1][2]["series"]["count"] == 2
        await clock.sleep(FINISH_TIME + FINISH_TIME)
        assert [k for _, k, _ in sink.calls] == ["create", "patch", "patch"]
        assert sink.calls[2][2]["series"]["count"] == 5
        rec.eventf(POD, None, "Warning", "FailedScheduling", "Scheduling", "0/1 nodes")
        await clock.sleep(1)
        assert [k for _, k, _ in sink.calls][-1] == "create"
        # Another resourceVersion of the pod is another event.
        newer = {**POD, "metadata": {**POD["metadata"], "resourceVersion": "6"}}
        rec.eventf(newer, None, "Warning", "FailedScheduling", "Scheduling", "0/1 nodes")
        await clock.sleep(1)
        assert [k for _, k, _ in sink.calls][-2:] == ["create", "create"]
        assert b.recorded == 5

    run(scenario)


def test_full_buffer_drops_without_blocking() -> None:
    async def scenario(b: EventBroadcaster, sink: FakeSink, clock: VirtualClock) -> None:
        rec = b.new_recorder("s", "s-1")
        for i in range(25):
            p = {**POD, "metadata": {**POD["metadata"], "name": f"p{i}"}}
            rec.eventf(p, None, "Normal", "Scheduled", "Binding", "ok")
        assert b.dropped == 15
        await clock.sleep(1)
        assert len(sink.calls) == 10

    run(scenario, max_queued=10)


def test_transient_failures_are_retried_and_rejections_are_not() -> None:
    async def scenario(b: EventBroadcaster, sink: FakeSink, clock: VirtualClock) -> None:
        rec = b.new_recorder("s", "s-1")
        sink.fail = [ServiceUnavailable("down"), ServiceUnavailable("down")]
        start = clock.monotonic()
        rec.eventf(POD, None, "Normal", "Scheduled", "Binding", "ok")
        await clock.run_until(lambda: b.recorded == 1, timeout=60)
        assert 20.0 <= sink.calls[0][0] - start <= 25.0
        other = {**POD, "metadata": {**POD["metadata"], "name": "q"}}
        sink.fail = [Invalid("bad event")]
        rec.eventf(other, None, "Normal", "Scheduled", "Binding", "ok")
        await clock.sleep(60)
        assert b.failed == 1
        assert len(sink.calls) == 1

    run(scenario, rng=random.Random(1))


def test_notes_are_truncated_and_qps_is_respected() -> None:
    assert truncate_note("x" * 2000) == "x" * 1021 + "..."
    assert truncate_note("short") == "short"

    async def scenario(b: EventBroadcaster, sink: FakeSink, clock: VirtualClock) -> None:
        rec = b.new_recorder("s", "s-1")
        for i in range(12):
            p = {**POD, "metadata": {**POD["metadata"], "name": f"p{i}"}}
            rec.eventf(p, None, "Normal", "Scheduled", "Binding", "n" * 3000)
        await clock.run_until(lambda: b.recorded == 12, timeout=10)
        times = [t for t, _, _ in sink.calls]
        # Burst 2, then one write per 0.1 s.
        assert times[1] - times[0] < 1e-9
        assert times[-1] - times[0] >= 0.99
        assert len(sink.calls[0][2]["note"]) == 1024

    run(scenario, qps=10, burst=2, workers=1)


def test_micro_time_matches_rfc3339_micro() -> None:
    from kcore.scheduler.component.events import _MicroTime
    from kcore.util.clock import rfc3339_micro

    fmt = _MicroTime()
    rng = random.Random(7)
    base = 1_735_689_600.0
    for _ in range(5000):
        ts = base + rng.uniform(0, 5) + rng.choice([0.0, 0.9999995, 0.9999996, 1e-7])
        assert fmt(ts) == rfc3339_micro(ts), ts
