"""The scheduler component on LocalClient over the real registry, in virtual time.

Covered: binding with ``Scheduled`` events and metrics; an unschedulable pod's
``FailedScheduling`` event and ``PodScheduled=False`` condition, then its placement when a
fitting node appears; event aggregation for a stuck pod; the queue as seen from the component
(error backoff timings 1, 2, 4, 8, 10 s on whole-second flushes, the 5-minute unschedulable
flush, moves on node add and on relevant node updates but not on heartbeats); several profiles
over one state; pods of other schedulers left alone; preemption acted on (victims get
``DisruptionTarget`` and are deleted, the preemptor gets ``nominatedNodeName`` and binds).
Faults are in ``test_faults.py``; the HTTP path in ``tests/e2e/test_scheduler.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import numpy as np

from kcore.kubelet.hollow import HollowNodeConfig, HollowNodes
from kcore.scheduler.apis.config import load_config


def _attempt_times(s: Any) -> list[float]:
    times: list[float] = []

    def observe(failed: Any, latency: Any, placed: int) -> None:
        times.extend([s.clock.monotonic()] * len(latency))

    s.attempt_observer = observe
    return times


def test_pods_are_bound_with_scheduled_events_and_metrics(run: Any, running: Any) -> None:
    async def scenario(c: Any) -> None:
        for i in range(3):
            await c.node(f"n{i}")
        async with running(c) as s:
            for i in range(12):
                await c.pod(f"p{i}", cpu="500m")
            await c.until(lambda: all(c.node_of(f"p{i}") for i in range(12)))
            await c.until(lambda: s.broadcaster.pending == 0)
            nodes = [c.node_of(f"p{i}") for i in range(12)]
            # LeastAllocated + balanced spreading: 4 pods per node.
            assert sorted(nodes.count(f"n{i}") for i in range(3)) == [4, 4, 4]
            ev = c.events("p3")
            assert [(e["reason"], e["type"], e["note"]) for e in ev] == [
                ("Scheduled", "Normal", f"Successfully assigned default/p3 to {nodes[3]}")
            ]
            assert ev[0]["reportingController"] == "default-scheduler"
            text = s.metrics.render()
            assert (
                'scheduler_schedule_attempts_total{result="scheduled",profile="default-scheduler"}'
                " 12"
            ) in text
            assert "scheduler_pod_scheduling_attempts_count 12" in text
            assert 'scheduler_pending_pods{queue="active"} 0' in text
            assert s.frameworks.num_pods == 12
            assert s.stats()["bind_failures"] == 0

    run(scenario)


def test_unschedulable_pod_gets_event_and_condition_then_fits_a_new_node(
    run: Any, running: Any
) -> None:
    async def scenario(c: Any) -> None:
        await c.node("small", cpu="1")
        async with running(c) as s:
            await c.pod("big", cpu="3")
            await c.until(lambda: c.condition("big") is not None)
            cond = c.condition("big")
            assert cond is not None
            msg = "0/1 nodes are available: 1 Insufficient cpu."
            assert cond["status"] == "False"
            assert cond["reason"] == "Unschedulable"
            assert cond["message"].startswith(msg)
            await c.until(lambda: bool(c.events("big")))
            ev = c.events("big")[0]
            assert (ev["type"], ev["reason"], ev["action"]) == (
                "Warning",
                "FailedScheduling",
                "Scheduling",
            )
            assert ev["note"] == cond["message"]
            assert s.last_message("default/big") == cond["message"]
            assert s.queue.get("default/big").unschedulable_plugins == {"NodeResourcesFit"}
            text = s.metrics.render()
            assert (
                'scheduler_unschedulable_pods{plugin="NodeResourcesFit",'
                'profile="default-scheduler"} 1'
            ) in text
            assert 'scheduler_pending_pods{queue="unschedulable"} 1' in text
            await c.node("large", cpu="8")
            await c.until(lambda: c.node_of("big") == "large", timeout=5)
            text = s.metrics.render()
            assert 'scheduler_queue_incoming_pods_total{queue="backoff",event="NodeAdd"} 1' in text
            assert "scheduler_unschedulable_pods{" not in text
            assert c.get("big")["status"]["conditions"][-1]["status"] == "True"

    run(scenario)


def test_stuck_pod_does_not_flood_the_api_with_events(run: Any, running: Any) -> None:
    async def scenario(c: Any) -> None:
        await c.node("n0", cpu="1")
        async with running(c) as s:
            await c.pod("stuck", cpu="2")
            times = _attempt_times(s)
            # Every allocatable change re-queues the pod: 20 more attempts.
            for i in range(20):
                node = dict(c.registry.get("nodes", "n0"))
                status = {**node["status"], "allocatable": {"cpu": f"{1000 + i}m", "pods": "110"}}
                await c.client.update("nodes", {**node, "status": status}, subresource="status")
                await c.clock.sleep(15)
            await c.until(lambda: s.broadcaster.pending == 0)
            assert len(times) >= 15
            events = c.events("stuck")
            # The first, the first repeat (a series of 2) and nothing else until the series
            # is written again (6 min idle or 30 min refresh).
            assert 1 <= len(events) <= 3
            series = [e for e in events if e.get("series")]
            assert all(e["series"]["count"] >= 2 for e in series)
            assert s.broadcaster.recorded <= 4

    run(scenario)


def test_error_backoff_doubles_to_ten_seconds_on_whole_second_flushes(
    run: Any, running: Any
) -> None:
    async def scenario(c: Any) -> None:
        async with running(c) as s:
            times = _attempt_times(s)
            await c.pod("lonely")
            await c.clock.sleep(60)
            # No nodes: every attempt is an error without a rejecting plugin, so the pod
            # waits 1, 2, 4, 8, 10, 10 s (expiry truncated to 1 s windows, released by the
            # next whole-second flush), as docs/scheduling-queue.md tabulates.
            gaps = np.diff(times[:7]).round(6).tolist()
            assert gaps == [2.0, 3.0, 5.0, 9.0, 11.0, 11.0]
            cond = c.condition("lonely")
            assert cond is not None
            assert cond["message"] == "no nodes available to schedule pods"
            assert s.stats()["errors"] == 0  # no nodes is Unschedulable, not an error

    run(scenario)


def test_unschedulable_pod_is_flushed_after_five_minutes(run: Any, running: Any) -> None:
    async def scenario(c: Any) -> None:
        await c.node("n0", cpu="1")
        async with running(c) as s:
            times = _attempt_times(s)
            await c.pod("waits", cpu="2")
            await c.until(lambda: len(times) == 1)
            first = times[0]
            await c.clock.sleep(290)
            assert len(times) == 1  # parked in unschedulablePods: no event can help it
            await c.until(lambda: len(times) == 2, timeout=60)
            # podMaxInUnschedulablePodsDuration (5 min), checked by the 30 s flusher.
            assert 300 <= times[1] - first <= 330

    run(scenario)


def test_node_update_moves_only_on_relevant_changes(run: Any, running: Any) -> None:
    async def scenario(c: Any) -> None:
        await c.node("n0")
        async with running(c) as s:
            times = _attempt_times(s)
            await c.pod("picky", nodeSelector={"disk": "ssd"})
            await c.until(lambda: len(times) == 1)
            assert s.queue.get("default/picky").unschedulable_plugins == {"NodeAffinity"}
            # A heartbeat (condition timestamps only) is no scheduling event.
            node = dict(c.registry.get("nodes", "n0"))
            beat = {"type": "Ready", "status": "True", "lastHeartbeatTime": "2025-01-01T00:00:09Z"}
            await c.client.update(
                "nodes",
                {**node, "status": {**node["status"], "conditions": [beat]}},
                subresource="status",
            )
            await c.clock.sleep(20)
            assert len(times) == 1
            # The label arrives: UpdateNodeLabel moves the pod, and it binds.
            node = dict(c.registry.get("nodes", "n0"))
            md = {**node["metadata"], "labels": {**node["metadata"]["labels"], "disk": "ssd"}}
            await c.client.update("nodes", {**node, "metadata": md})
            await c.until(lambda: c.node_of("picky") == "n0", timeout=15)
            assert len(times) == 2

    run(scenario)


def test_profiles_share_one_state_and_others_pods_are_left_alone(run: Any, running: Any) -> None:
    cfg = load_config(
        {
            "profiles": [
                {"schedulerName": "default-scheduler"},
                {
                    "schedulerName": "packer",
                    "pluginConfig": [
                        {
                            "name": "NodeResourcesFit",
                            "args": {"scoringStrategy": {"type": "MostAllocated"}},
                        }
                    ],
                },
            ]
        }
    )

    async def scenario(c: Any) -> None:
        await c.node("a")
        await c.node("b")
        async with running(c, config=cfg) as s:
            await c.pod("seed", cpu="1")
            await c.until(lambda: c.node_of("seed") is not None)
            first = c.node_of("seed")
            for i in range(3):
                await c.pod(f"pack{i}", cpu="500m", scheduler_name="packer")
            await c.pod("foreign", scheduler_name="someone-else")
            await c.until(lambda: all(c.node_of(f"pack{i}") for i in range(3)))
            # MostAllocated packs onto the node the default profile already used: the
            # profiles see each other's placements.
            assert {c.node_of(f"pack{i}") for i in range(3)} == {first}
            await c.until(lambda: s.broadcaster.pending == 0)
            assert c.events("pack0")[0]["reportingController"] == "packer"
            await c.clock.sleep(30)
            assert c.node_of("foreign") is None
            assert c.events("foreign") == []
            assert "default/foreign" not in s.queue

    run(scenario)


def test_preemption_deletes_victims_and_binds_the_preemptor(run: Any, running: Any) -> None:
    async def scenario(c: Any) -> None:
        nodes = HollowNodes(c.client, c.clock, 1, config=HollowNodeConfig(cpu="2"))
        await nodes.register()
        kubelet = asyncio.ensure_future(nodes.run())
        try:
            async with running(c) as s:
                await c.pod("low-a", cpu="900m", priority=10)
                await c.pod("low-b", cpu="900m", priority=10)
                await c.until(lambda: c.node_of("low-a") and c.node_of("low-b"))
                await c.until(lambda: c.get("low-a")["status"].get("phase") == "Running")
                await c.pod("high", cpu="1500m", priority=1000)
                await c.until(lambda: c.node_of("high") is not None, timeout=60)
                node = "hollow-node-0"
                assert c.node_of("high") == node
                gone = [n for n in ("low-a", "low-b") if not c.exists(n)]
                assert gone, "a victim must have been deleted"
                assert s.stats()["preemptions"] == 1
                text = s.metrics.render()
                assert "scheduler_preemption_attempts_total 1" in text
                assert "scheduler_preemption_victims_count 1" in text
                await c.until(lambda: s.broadcaster.pending == 0)
                reasons = [e["reason"] for e in c.events("high")]
                assert reasons[:1] == ["FailedScheduling"]
                assert reasons[-1] == "Scheduled"
                preempted = [e for v in gone for e in c.events(v) if e["reason"] == "Preempted"]
                assert preempted
                assert preempted[0]["note"].startswith(
                    f"Preempted by pod {c.get('high')['metadata']['uid']} on node {node}"
                )
                assert c.get("high")["status"].get("nominatedNodeName") == node
        finally:
            kubelet.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await kubelet

    run(scenario)


def test_victim_gets_disruption_target_before_deletion(run: Any, running: Any) -> None:
    async def scenario(c: Any) -> None:
        await c.node("n0", cpu="1")
        seen: list[dict[str, Any]] = []
        stream = c.client.watch("pods", namespace="default")

        async def watch() -> None:
            async for kind, obj in stream:
                if obj["metadata"]["name"] == "victim":
                    seen.append({"kind": kind, "obj": obj})

        w = asyncio.ensure_future(watch())
        async with running(c) as s:
            await c.pod("victim", cpu="800m", priority=1)
            await c.until(lambda: c.node_of("victim") == "n0")
            await c.pod("vip", cpu="800m", priority=100)
            await c.until(lambda: bool(c.get("victim")["metadata"].get("deletionTimestamp")))
            victim = c.get("victim")
            dt = [x for x in victim["status"]["conditions"] if x["type"] == "DisruptionTarget"]
            assert dt == [
                {
                    "type": "DisruptionTarget",
                    "status": "True",
                    "reason": "PreemptionByScheduler",
                    "message": "default-scheduler: preempting to accommodate a higher priority pod",
                    "lastTransitionTime": dt[0]["lastTransitionTime"],
                }
            ]
            # The condition was written before the deletion started.
            first_deleting = next(
                i for i, e in enumerate(seen) if e["obj"]["metadata"].get("deletionTimestamp")
            )
            assert any(
                any(
                    x["type"] == "DisruptionTarget"
                    for x in e["obj"]["status"].get("conditions", [])
                )
                for e in seen[:first_deleting]
            )
            # Without a kubelet the victim stays terminating; the preemptor waits for it.
            await c.clock.sleep(5)
            assert c.node_of("vip") is None
            assert c.get("vip")["status"].get("nominatedNodeName") == "n0"
            await c.client.delete("pods", "victim", grace_period_seconds=0)
            await c.until(lambda: c.node_of("vip") == "n0", timeout=30)
            assert s.stats()["preemptions"] >= 1
        stream.stop()
        w.cancel()

    run(scenario)
