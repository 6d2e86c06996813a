"""Requeueing after a failed attempt, in virtual time: the component files a pod under the
core's Diagnosis sets (``ScheduleResult.unschedulable_plugins``), so only the events those
plugins registered move it.

Covered: an event the rejecting plugin did not register leaves the pod where it is (no
attempt), one it registered moves it; a Python plugin's rejection is filed under that plugin
whatever its reason text says (it waits for an event instead of backing off and retrying).
Not covered: the queue's own event matching (``tests/scheduler/test_queue*.py``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from kcore.scheduler.apis.config import default_profile
from kcore.scheduler.backend.queue import QueueKind
from kcore.scheduler.framework import Code, FilterResult, register_plugin, unregister_plugin


def _attempts(s: Any) -> list[float]:
    times: list[float] = []
    s.attempt_observer = lambda failed, latency, placed: times.extend(
        [s.clock.monotonic()] * len(latency)
    )
    return times


async def _relabel(c: Any, node: str, **labels: str) -> None:
    obj = dict(c.registry.get("nodes", node))
    md = {**obj["metadata"], "labels": {**obj["metadata"]["labels"], **labels}}
    await c.client.update("nodes", {**obj, "metadata": md})


def test_event_a_rejector_did_not_register_does_not_move_the_pod(run: Any, running: Any) -> None:
    async def scenario(c: Any) -> None:
        await c.node("n0", cpu="4", disk="hdd")
        await c.pod("filler-a", cpu="1", nodeName="n0")
        await c.pod("filler-b", cpu="1", nodeName="n0")
        async with running(c) as s:
            times = _attempts(s)
            await c.pod("picky", nodeSelector={"disk": "ssd"})
            await c.pod("big", cpu="3500m")
            await c.until(lambda: len(times) == 2)
            picky, big = s.queue.get("default/picky"), s.queue.get("default/big")
            assert picky is not None
            assert big is not None
            assert picky.unschedulable_plugins == {"NodeAffinity"}
            assert big.unschedulable_plugins == {"NodeResourcesFit"}
            # An assigned pod's deletion: registered by NodeResourcesFit, not by NodeAffinity.
            await c.client.delete("pods", "filler-a", grace_period_seconds=0)
            await c.until(lambda: len(times) == 3)
            await c.clock.sleep(30)
            assert len(times) == 3
            info = s.queue.get("default/picky")
            assert info is not None
            assert info.queue is QueueKind.UNSCHEDULABLE
            assert info.attempts == 1
            big = s.queue.get("default/big")
            assert big is not None
            assert big.attempts == 2
            # A node label change: registered by NodeAffinity, not by NodeResourcesFit.
            await _relabel(c, "n0", zone="z1")
            await c.until(lambda: len(times) == 4)
            await c.clock.sleep(30)
            assert len(times) == 4
            big = s.queue.get("default/big")
            assert big is not None
            assert big.attempts == 2
            # The label picky waits for: it binds.
            await _relabel(c, "n0", disk="ssd")
            await c.until(lambda: c.node_of("picky") == "n0", timeout=30)
            assert len(times) == 5
            assert c.node_of("big") is None

    run(scenario)


class _RejectAll:
    name = "RejectAll"

    def filter(self, state: Any, pod: Any, nodes: Any, candidates: Any) -> FilterResult:
        return FilterResult(np.zeros(nodes.size, dtype=np.bool_), Code.Unschedulable, "no GPU")


def test_python_plugin_rejection_is_filed_under_the_plugin(run: Any, running: Any) -> None:
    """The reason text names no plugin; the pod is filed under RejectAll all the same, so
    it waits for an event (plugins without registrations get every event) instead of
    counting as an error and retrying after each backoff."""
    register_plugin("RejectAll", lambda args: _RejectAll())
    try:
        base = default_profile()
        profile = replace(base, filters=(*base.filters, "RejectAll"))

        async def scenario(c: Any) -> None:
            await c.node("n0")
            async with running(c, profiles={profile.scheduler_name: profile}) as s:
                times = _attempts(s)
                await c.pod("p")
                await c.until(lambda: len(times) == 1)
                assert s.last_message("default/p").startswith("0/1 nodes are available: 1 no GPU.")
                info = s.queue.get("default/p")
                assert info is not None
                assert info.unschedulable_plugins == {"RejectAll"}
                assert info.consecutive_errors_count == 0
                await c.clock.sleep(120)
                assert len(times) == 1
                await c.node("n1")
                await c.until(lambda: len(times) == 2)

        run(scenario)
    finally:
        unregister_plugin("RejectAll")
