"""Faults: each test proves one guarantee of the component, in virtual time over LocalClient.

* a pod deleted while being scheduled (during its cycle, while its binding waits, while its
  binding request is in flight) leaves no trace in the cache and is never bound;
* a node removed under assumed pods: the pods whose binding had not been sent are forgotten
  and requeued (and bind elsewhere later); the one already sent completes, as upstream;
* a bind conflict (the pod was bound by someone else, or re-created) is not retried;
* a scheduler killed mid-run and a fresh one started on the same API bind every pod exactly
  once;
* two schedulers with leader election never lead together and never double-bind, including
  across a crash of the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from kcore.scheduler.apis.config import load_config
from kcore.scheduler.component.app import SchedulerApp, SchedulerOptions
from kcore.scheduler.component.scheduler import KubeScheduler


def _no_trace(s: Any, key: str) -> None:
    ns, name = key.split("/")
    assert s.frameworks.node_of(ns, name) is None
    assert key not in s._assumed
    assert all(key not in keys for keys in s._assumed_on.values())
    assert key not in s.queue
    assert key not in s._pending


def test_pod_deleted_during_its_cycle_leaves_no_trace(run: Any, running: Any, gated: Any) -> None:
    async def scenario(c: Any) -> None:
        await c.node("n0")
        client = gated(c.client)
        async with running(c, client=client) as s:
            real = s.frameworks.schedule_batch

            def deleting_batch(pods: Any) -> Any:
                # Runs in the worker thread: the API deletes the pod mid-cycle.
                c.registry.delete("pods", "doomed", namespace="default")
                return real(pods)

            s.frameworks.schedule_batch = deleting_batch
            await c.pod("doomed")
            await c.until(lambda: not c.exists("doomed"))
            await c.until(s.idle)
            await c.clock.sleep(5)
            _no_trace(s, "default/doomed")
            assert s.frameworks.num_pods == 0
            assert client.bindings == []

    run(scenario)


def test_pod_deleted_while_its_binding_waits_leaves_no_trace(
    run: Any, running: Any, gated: Any
) -> None:
    async def scenario(c: Any) -> None:
        await c.node("n0")
        client = gated(c.client)
        client.hold()
        async with running(c, client=client, parallelism=1) as s:
            await c.pod("inflight")
            await c.pod("queued")
            await c.pod("kept")
            await c.until(lambda: len(s._assumed) == 3)
            assert s.frameworks.num_pods == 3
            await c.client.delete("pods", "inflight")
            await c.client.delete("pods", "queued")
            await c.clock.sleep(1)
            # The queued binding is forgotten at once; the one in flight when it fails.
            _no_trace(s, "default/queued")
            client.release()
            await c.until(lambda: c.node_of("kept") == "n0")
            await c.until(s.idle)
            _no_trace(s, "default/inflight")
            assert s.frameworks.num_pods == 1
            sent = [k for k, _ in client.bindings]
            assert "default/queued" not in sent
            assert ("default/inflight", "NotFound") in client.results

    run(scenario)


def test_node_removed_under_assumed_pods(run: Any, running: Any, gated: Any) -> None:
    async def scenario(c: Any) -> None:
        await c.node("n0")
        client = gated(c.client)
        client.hold()
        async with running(c, client=client, parallelism=1) as s:
            for i in range(3):
                await c.pod(f"p{i}")
            await c.until(lambda: len(s._assumed) == 3)
            in_flight = next(b.key for b in s._assumed.values() if b.state == "binding")
            await c.client.delete("nodes", "n0")
            await c.clock.sleep(0.5)
            requeued = [f"default/p{i}" for i in range(3) if f"default/p{i}" != in_flight]
            for key in requeued:
                info = s.queue.get(key)
                assert info is not None
                assert info.consecutive_errors_count == 1  # an error backoff, then a retry
                assert key not in s._assumed
                assert s.last_message(key) == 'node "n0" was deleted while binding'
            assert s.frameworks.num_pods == 0
            client.release()
            await c.node("n1")
            await c.until(lambda: all(c.node_of(k.split("/")[1]) == "n1" for k in requeued))
            # The request already sent completes: the API accepted it (as upstream).
            assert c.node_of(in_flight.split("/")[1]) == "n0"
            await c.until(s.idle)
            assert s.frameworks.num_pods == 2
            assert [k for k, _ in client.bindings].count(in_flight) == 1

    run(scenario)


def test_bind_conflict_is_not_retried(run: Any, running: Any, gated: Any) -> None:
    async def scenario(c: Any) -> None:
        await c.node("n0")
        await c.node("n1")
        client = gated(c.client)
        client.hold()
        async with running(c, client=client, parallelism=1) as s:
            await c.pod("contested")
            await c.until(lambda: "default/contested" in s._assumed)
            ours = s._assumed["default/contested"].node
            other = "n1" if ours == "n0" else "n0"
            # Someone else binds it first.
            await c.client.create(
                "pods",
                {
                    "apiVersion": "v1",
                    "kind": "Binding",
                    "metadata": {"name": "contested"},
                    "target": {"kind": "Node", "name": other},
                },
                namespace="default",
                name="contested",
                subresource="binding",
            )
            client.release()
            await c.clock.sleep(60)
            assert client.results == [("default/contested", "Conflict")]
            assert c.node_of("contested") == other
            assert s.frameworks.node_of("default", "contested") == other
            assert s.stats()["bind_conflicts_dropped"] == 1
            assert "default/contested" not in s.queue
            # A re-created pod (new uid) behind a held binding: also dropped, the new pod
            # is scheduled on its own.
            client.hold()
            await c.pod("reborn")
            await c.until(lambda: "default/reborn" in s._assumed)
            old_uid = c.get("reborn")["metadata"]["uid"]
            await c.client.delete("pods", "reborn")
            await c.pod("reborn")
            client.release()
            await c.until(lambda: c.node_of("reborn") is not None)
            assert c.get("reborn")["metadata"]["uid"] != old_uid
            assert [r for k, r in client.results if k == "default/reborn"].count("ok") == 1

    run(scenario)


def test_killed_scheduler_and_its_successor_bind_every_pod_exactly_once(
    run: Any, gated: Any
) -> None:
    async def scenario(c: Any) -> None:
        for i in range(10):
            await c.node(f"n{i}")
        transitions: dict[str, list[str]] = {}
        stream = c.client.watch("pods", namespace="default", resource_version="0")

        async def watch() -> None:
            async for _kind, obj in stream:
                node = obj["spec"].get("nodeName")
                seen = transitions.setdefault(obj["metadata"]["name"], [])
                if node and (not seen or seen[-1] != node):
                    seen.append(node)

        watcher = asyncio.ensure_future(watch())
        first = gated(c.client)
        first.hold(after=40)  # then binds stall, in flight and in the queue
        a = KubeScheduler(first, c.clock, parallelism=4)
        await a.start_informers()
        task = asyncio.ensure_future(a.run_scheduling())
        for i in range(100):
            await c.pod(f"p{i}")
        await c.until(lambda: sum(1 for _, r in first.results if r == "ok") >= 40)
        await c.clock.sleep(0.1)
        assert a._assumed  # placed, not yet bound
        # Killed: no graceful shutdown of anything.
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await a.factory.shutdown()
        bound_by_a = sum(1 for _, r in first.results if r == "ok")
        assert bound_by_a == 40
        second = gated(c.client)
        b = KubeScheduler(second, c.clock, parallelism=4)
        await b.start_informers()
        btask = asyncio.ensure_future(b.run_scheduling())
        await c.until(lambda: all(c.node_of(f"p{i}") for i in range(100)))
        await c.until(b.idle)
        btask.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await btask
        await b.stop()
        first.release()
        await c.clock.sleep(1)
        assert all(len(transitions[f"p{i}"]) == 1 for i in range(100)), transitions
        ok = sum(1 for _, r in second.results if r == "ok")
        assert bound_by_a + ok == 100
        assert [r for _, r in second.results if r != "ok"] == []
        per_node: dict[str, int] = {}
        for i in range(100):
            per_node[c.node_of(f"p{i}")] = per_node.get(c.node_of(f"p{i}"), 0) + 1
        assert max(per_node.values()) <= 110
        stream.stop()
        watcher.cancel()

    run(scenario)


def test_two_schedulers_with_leader_election_never_double_bind(run: Any, gated: Any) -> None:
    cfg = load_config({"leaderElection": {"leaderElect": True}})

    async def scenario(c: Any) -> None:
        for i in range(4):
            await c.node(f"n{i}")
        clients = {name: gated(c.client) for name in ("a", "b")}
        apps = {
            name: SchedulerApp(
                clients[name],
                c.clock,
                SchedulerOptions(config=cfg, port=None, identity=name, parallelism=4),
            )
            for name in ("a", "b")
        }
        both: list[float] = []

        async def sample() -> None:
            while True:
                if apps["a"].leading and apps["b"].leading:
                    both.append(c.clock.monotonic())
                await c.clock.sleep(0.05)

        sampler = asyncio.ensure_future(sample())
        await apps["a"].start()
        await apps["b"].start()
        await c.until(lambda: apps["a"].leading or apps["b"].leading, timeout=30)
        leader = "a" if apps["a"].leading else "b"
        follower = "b" if leader == "a" else "a"
        for i in range(40):
            await c.pod(f"first{i}")
        await c.until(lambda: all(c.node_of(f"first{i}") for i in range(40)))
        assert clients[follower].bindings == []
        # The leader crashes without releasing its lease: the follower takes over only
        # once the lease expired (15 s as observed on its own clock).
        apps[leader].elector.config.release_on_cancel = False
        crashed = c.clock.monotonic()
        apps[leader]._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await apps[leader]._task
        await apps[leader].scheduler.stop()
        for i in range(40):
            await c.pod(f"second{i}")
        await c.until(lambda: apps[follower].leading, timeout=60)
        assert c.clock.monotonic() - crashed >= 10
        await c.until(lambda: all(c.node_of(f"second{i}") for i in range(40)), timeout=60)
        await apps[follower].stop()
        sampler.cancel()
        assert both == []
        ok = [k for name in ("a", "b") for k, r in clients[name].results if r == "ok"]
        assert len(ok) == 80
        assert len(set(ok)) == 80
        assert all(r == "ok" for name in ("a", "b") for _, r in clients[name].results)
        lease = c.registry.get("leases", "kube-scheduler", namespace="kube-system")
        assert lease["spec"]["leaseTransitions"] >= 1

    run(scenario)


def test_a_pod_the_core_rejects_is_isolated_and_reported(run: Any, running: Any) -> None:
    """A batch the core refuses as a whole (bad input) is retried pod by pod: the faulty pod
    gets a SchedulerError condition and event and backs off; the others are scheduled."""

    async def scenario(c: Any) -> None:
        await c.node("n0")
        async with running(c) as s:
            real = s.frameworks.schedule_batch

            def picky(pods: Any) -> Any:
                if any(p["metadata"]["name"] == "bad" for p in pods):
                    raise ValueError("pods[0]: spec.containers[0].resources: invalid quantity")
                return real(pods)

            s.frameworks.schedule_batch = picky
            for name in ("a", "bad", "b"):
                await c.pod(name)
            await c.until(lambda: c.node_of("a") and c.node_of("b"))
            await c.until(lambda: c.condition("bad") is not None)
            cond = c.condition("bad")
            assert (cond["status"], cond["reason"]) == ("False", "SchedulerError")
            assert "invalid quantity" in cond["message"]
            info = s.queue.get("default/bad")
            assert info is not None
            assert info.consecutive_errors_count >= 1
            await c.until(lambda: s.broadcaster.pending == 0)
            assert [e["reason"] for e in c.events("bad")][:1] == ["FailedScheduling"]
            assert s.stats()["errors"] >= 1

    run(scenario)
