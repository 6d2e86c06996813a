"""Preemption in the component, in virtual time, with the API's pod deletions slowed down
as over HTTP (each victim's deletion reaches the informer on its own).

Covered: a preemptor waits gated by DefaultPreemption's PreEnqueue check while its victims
are deleted (the deletion of the first victims does not send it into a cycle that would find
its node half full and preempt elsewhere) and binds on the attempt after the last victim is
gone; a failed victim deletion lifts the gate at once and the preemptor tries again;
preemptors of one batch never share victims (a result that an earlier nomination of the
batch would have changed is void and retried); a nomination the watch delivers late does not
replace a newer one. Not covered: victim selection (the core's tests).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from kcore.api.errors import InternalError

if TYPE_CHECKING:
    from collections.abc import Mapping


class SlowDeletes:
    """Wraps a client: while ``holding``, each pod deletion waits for a permit
    (:meth:`allow`); the next ``failures`` pod deletions fail with a 500."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.holding = False
        self.permits = asyncio.Semaphore(0)
        self.requested: list[str] = []  # pod names, in the order their deletion was requested
        self.failures = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def allow(self, n: int = 1) -> None:
        for _ in range(n):
            self.permits.release()

    async def delete(self, resource: str, name: str, **kw: Any) -> Any:
        if resource == "pods":
            self.requested.append(name)
            if self.holding:
                await self.permits.acquire()
            if self.failures > 0:
                self.failures -= 1
                msg = f"etcd timed out deleting {name}"
                raise InternalError(msg)
        return await self.inner.delete(resource, name, **kw)


async def _full_node(c: Any, node: str, fillers: int = 4) -> list[str]:
    """``node`` (4 CPU) full of bound priority-0 900m pods that go at once when deleted."""
    await c.node(node, cpu="4")
    names = [f"{node}-low{i}" for i in range(fillers)]
    for name in names:
        await c.pod(name, cpu="900m", priority=0, terminationGracePeriodSeconds=0, nodeName=node)
    return names


def _attempts(s: Any) -> int:
    stats: Mapping[str, int] = s.stats()
    return stats["scheduled"] + stats["unschedulable"] + stats["errors"]


def test_preemptor_waits_gated_until_its_last_victim_is_gone(run: Any, running: Any) -> None:
    async def scenario(c: Any) -> None:
        lows = await _full_node(c, "n0")
        client = SlowDeletes(c.client)
        async with running(c, client=client) as s:
            before = _attempts(s)
            client.holding = True
            await c.pod("high", cpu="3", priority=10)
            key = "default/high"
            await c.until(lambda: len(client.requested) == 2)  # all victims but the last
            assert s.stats()["preemptions"] == 1
            assert c.get("high")["status"].get("nominatedNodeName") == "n0"
            # The first victim goes; the event reaches the preemptor, which stays gated.
            client.allow()
            await c.until(lambda: sum(c.exists(n) for n in lows) == 3)
            await c.clock.sleep(5)
            info = s.queue.get(key)
            assert info is not None
            assert info.gated
            assert info.gating_plugin == "DefaultPreemption"
            assert _attempts(s) == before + 1
            # The second goes; then the last one is requested, and its deletion frees the pod.
            client.allow()
            await c.until(lambda: len(client.requested) == 3)
            await c.clock.sleep(5)
            assert _attempts(s) == before + 1
            assert c.node_of("high") is None
            client.allow()
            await c.until(lambda: c.node_of("high") == "n0", timeout=30)
            assert _attempts(s) == before + 2  # the nominating attempt, then the binding one
            assert sum(c.exists(n) for n in lows) == 1
            assert s.stats()["preemptions"] == 1

    run(scenario)


def test_failed_victim_deletion_lifts_the_gate_and_the_preemptor_tries_again(
    run: Any, running: Any
) -> None:
    async def scenario(c: Any) -> None:
        lows = await _full_node(c, "n0")
        client = SlowDeletes(c.client)
        client.failures = 1
        async with running(c, client=client) as s:
            times: list[float] = []
            s.attempt_observer = lambda failed, latency, placed: times.extend(
                [c.clock.monotonic()] * len(latency)
            )
            await c.pod("high", cpu="3", priority=10)
            await c.until(lambda: c.node_of("high") == "n0", timeout=60)
            # One of the first two victims could not be deleted: the last one was spared and
            # the preemptor activated at once (no backoff, no event needed); its second
            # preemption took the two more victims it still needed.
            assert s.stats()["preemptions"] == 2
            assert len(client.requested) == 2 + 2
            assert sum(c.exists(n) for n in lows) == 1
            assert len(times) == 3
            assert times[1] - times[0] < 1.0
            assert s.stats()["errors"] == 0

    run(scenario)


def test_preemptors_of_one_batch_never_share_victims(run: Any, running: Any) -> None:
    async def scenario(c: Any) -> None:
        lows = await _full_node(c, "n0")
        client = SlowDeletes(c.client)
        async with running(c, client=client) as s:
            await c.until(s.idle)
            # Created without yielding: both reach the queue before the next pop, one batch.
            await c.pod("high-a", cpu="3", priority=10)
            await c.pod("high-b", cpu="3", priority=10)
            await c.until(lambda: c.node_of("high-a") or c.node_of("high-b"), timeout=30)
            await c.clock.sleep(30)
            await c.until(s.idle)
            # One of them nominated n0 and took three victims; the other's result, computed
            # without that nomination, was void: retried, it finds no room, even by preemption.
            assert s.stats()["void_attempts"] == 1
            assert s.stats()["preemptions"] == 1
            assert len(client.requested) == 3
            assert sum(c.exists(n) for n in lows) == 1
            placed = [n for n in ("high-a", "high-b") if c.node_of(n)]
            waiting = [n for n in ("high-a", "high-b") if not c.node_of(n)]
            assert len(placed) == len(waiting) == 1
            assert "preemption" in s.last_message(f"default/{waiting[0]}")

    run(scenario)


def test_a_nomination_the_watch_delivers_late_does_not_replace_a_newer_one(
    run: Any, running: Any
) -> None:
    async def scenario(c: Any) -> None:
        await _full_node(c, "n0")
        client = SlowDeletes(c.client)
        async with running(c, client=client) as s:
            client.holding = True
            await c.pod("high", cpu="3", priority=10)
            await c.until(lambda: c.get("high")["status"].get("nominatedNodeName") == "n0")
            # The watch now delivers an older version of the pod nominated elsewhere.
            new = dict(c.get("high"))
            older = {**new["metadata"], "resourceVersion": "1"}
            old = {**new, "metadata": older, "status": {**new["status"], "nominatedNodeName": None}}
            late = {**new, "status": {**new["status"], "nominatedNodeName": "n1"}}
            s._pod_updated(old, late)
            assert s.frameworks.scheduler.nominated_node("default", "high") == "n0"
            info = s.queue.get("default/high")
            assert info is not None
            assert info.nominated_node_name == "n0"
            client.holding = False
            client.allow(3)
            await c.until(lambda: c.node_of("high") == "n0", timeout=30)

    run(scenario)
