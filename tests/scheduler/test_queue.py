"""SchedulingQueue: ordering, backoff, flushes, gating, nominator, update/delete, errors, threads.

Everything runs on virtual time: each call gets ``now`` explicitly. Cluster events, queueing
hints and in-flight replay are in ``test_queue_events.py``; the randomised invariant check is in
``test_queue_property.py``.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from kcore.scheduler.backend.queue import (
    SCHEDULING_GATES,
    ActionType,
    ClusterEvent,
    EventResource,
    PendingPods,
    PodAlreadyQueuedError,
    PodNotFoundError,
    QueueKind,
    SchedulingQueue,
)

T0 = 1_000.0  # a whole second, so 1-second backoff windows line up with the arithmetic below
FIT = "NodeResourcesFit"
NODE_ADD = ClusterEvent(EventResource.NODE, ActionType.ADD)


def fail(q: SchedulingQueue, key: str, now: float, *plugins: str) -> QueueKind:
    """Pop ``key`` (it must be the head) and report it unschedulable by ``plugins``."""
    pod = q.pop(now)
    assert pod is not None
    assert pod.key == key
    return q.add_unschedulable_if_not_present(key, now, plugins)


# ------------------------------------------------------------------------------------------------
# activeQ ordering


def test_active_q_orders_by_priority_then_timestamp_then_insertion() -> None:
    q = SchedulingQueue()
    q.add("ns/late-high", T0 + 2, priority=10)
    q.add("ns/early-low", T0, priority=1)
    q.add("ns/late-low", T0 + 1, priority=1)
    q.add("ns/tie-a", T0 + 3, priority=5)
    q.add("ns/tie-b", T0 + 3, priority=5)
    q.add("ns/negative", T0, priority=-5)
    order = [p.key for p in iter(lambda: q.pop(T0 + 4), None)]
    assert order == [
        "ns/late-high",
        "ns/tie-a",
        "ns/tie-b",
        "ns/early-low",
        "ns/late-low",
        "ns/negative",
    ]
    assert q.pop(T0 + 4) is None


def test_pods_in_active_q_lists_in_pop_order_and_pop_marks_attempts() -> None:
    q = SchedulingQueue()
    for i, prio in enumerate([3, 9, 1, 9]):
        q.add(f"ns/p{i}", T0 + i, priority=prio)
    listed = [p.key for p in q.pods_in_active_q()]
    assert listed == ["ns/p1", "ns/p3", "ns/p0", "ns/p2"]
    head = q.pop(T0 + 10)
    assert head is not None
    assert head.key == "ns/p1"
    assert head.queue is QueueKind.IN_FLIGHT
    assert head.attempts == 1
    assert head.initial_attempt_timestamp == T0 + 1
    assert [p.key for p in q.in_flight_pods()] == ["ns/p1"]
    assert q.scheduling_cycle == 1


def test_pop_batch_equals_repeated_pops() -> None:
    rng = np.random.default_rng(7)
    prios = rng.integers(-3, 4, size=300)
    times = rng.integers(0, 20, size=300)
    a, b = SchedulingQueue(), SchedulingQueue()
    for i in range(300):
        a.add(f"ns/p{i}", T0 + float(times[i]), priority=int(prios[i]))
        b.add(f"ns/p{i}", T0 + float(times[i]), priority=int(prios[i]))
    batched = [p.key for p in a.pop_batch(T0 + 30, 120)] + [
        p.key for p in a.pop_batch(T0 + 30, 1_000)
    ]
    single = [p.key for p in iter(lambda: b.pop(T0 + 30), None)]
    assert batched == single
    assert len(single) == 300
    assert a.pop_batch(T0 + 30, 5) == []
    assert a.pending_pods().in_flight == 300


def test_pop_batch_arrays_equals_pop_batch() -> None:
    a, b = SchedulingQueue(), SchedulingQueue()
    keys = [f"ns/p{i}" for i in range(50)]
    prios = np.arange(50, dtype=np.int32) % 4
    for q in (a, b):
        q.add_batch(keys, T0, uids=[k + "-uid" for k in keys], priorities=prios, tags=range(50))
    infos = a.pop_batch(T0, 30)
    cols = b.pop_batch_arrays(T0, 30)
    assert cols.keys == [p.key for p in infos]
    assert cols.uids == [p.uid for p in infos]
    assert cols.tags.tolist() == [p.tag for p in infos]
    assert cols.priorities.tolist() == [p.priority for p in infos]
    assert cols.attempts.tolist() == [1] * 30
    assert cols.tags.dtype == np.int64
    assert b.pending_pods() == a.pending_pods()


def test_add_batch_adds_all_or_nothing() -> None:
    q = SchedulingQueue()
    assert q.add_batch(["ns/a", "ns/b"], T0, priorities=[1, 2], tags=[0, 1]) == 2
    with pytest.raises(PodAlreadyQueuedError, match="ns/b"):
        q.add_batch(["ns/c", "ns/b"], T0)
    with pytest.raises(PodAlreadyQueuedError, match="twice"):
        q.add_batch(["ns/d", "ns/d"], T0)
    with pytest.raises(ValueError, match="namespace/name"):
        q.add_batch(["ns/e", "bad"], T0)
    with pytest.raises(ValueError, match="32 bits"):
        q.add_batch(["ns/f"], T0, priorities=np.array([2**40]))
    with pytest.raises(ValueError, match="one value per key"):
        q.add_batch(["ns/g", "ns/h"], T0, tags=[1])
    with pytest.raises(TypeError, match="integers"):
        q.add_batch(["ns/g"], T0, priorities=[1.5])
    assert "ns/c" not in q
    assert "ns/e" not in q
    assert "ns/f" not in q
    assert [p.key for p in q.pop_batch(T0, 10)] == ["ns/b", "ns/a"]


# ------------------------------------------------------------------------------------------------
# backoff


def test_backoff_doubles_from_one_to_ten_seconds_on_aligned_windows() -> None:
    """1, 2, 4, 8, 10, 10 s; released by the first flush in the window after the expiry."""
    q = SchedulingQueue()
    q.add("ns/p", T0)
    now = T0
    for attempt, want in enumerate([1, 2, 4, 8, 10, 10], start=1):
        assert fail(q, "ns/p", now, FIT) is QueueKind.UNSCHEDULABLE
        # A node is added: NodeResourcesFit registered Node/Add, so the pod backs off.
        assert q.move_all_to_active_or_backoff_queue(NODE_ADD, now) == 1
        info = q.get("ns/p")
        assert info is not None
        assert info.queue is QueueKind.BACKOFF
        assert info.unschedulable_count == attempt
        assert info.backoff_expiration is not None
        assert info.backoff_expiration - info.timestamp == want
        # A pod whose expiry lies in the current window still backs off.
        assert q.flush_backoff_q_completed(now + want + 0.999) == 0
        assert q.next_wakeup(now) == now + want + 1
        now = now + want + 1
        assert q.flush_backoff_q_completed(now) == 1
        assert q.get("ns/p").queue is QueueKind.ACTIVE  # type: ignore[union-attr]


def test_backoff_window_truncates_the_expiry() -> None:
    q = SchedulingQueue()
    q.add("ns/p", T0)
    q.pop(T0)
    q.add_unschedulable_if_not_present("ns/p", T0 + 0.3, [FIT])
    q.move_all_to_active_or_backoff_queue(NODE_ADD, T0 + 0.3)
    assert q.get("ns/p").backoff_expiration == T0 + 1  # type: ignore[union-attr]
    assert q.flush_backoff_q_completed(T0 + 1.99) == 0
    assert q.flush_backoff_q_completed(T0 + 2.0) == 1


def test_backoff_without_windows_is_exact() -> None:
    q = SchedulingQueue(pop_from_backoff_q=False)
    q.add("ns/p", T0)
    now = T0 + 0.25
    for want in [1, 2, 4, 8, 10, 10]:
        q.pop(now)
        q.add_unschedulable_if_not_present("ns/p", now, [FIT])
        q.move_all_to_active_or_backoff_queue(NODE_ADD, now)
        assert q.get("ns/p").backoff_expiration == now + want  # type: ignore[union-attr]
        assert q.next_wakeup(now) == now + want
        assert q.flush_backoff_q_completed(now + want - 0.001) == 0
        now += want
        assert q.flush_backoff_q_completed(now) == 1


def test_configured_backoff_and_errors_count_separately() -> None:
    q = SchedulingQueue(pod_initial_backoff_seconds=2, pod_max_backoff_seconds=5)
    q.add("ns/p", T0)
    expirations = []
    now = T0
    for plugins in [(), (), (), (FIT,)]:
        q.pop(now)
        # An attempt that failed with an error (no rejecting plugin) goes to backoffQ directly.
        kind = q.add_unschedulable_if_not_present("ns/p", now, plugins)
        info = q.get("ns/p")
        assert info is not None
        if not plugins:
            assert kind is QueueKind.BACKOFF
            expirations.append(info.backoff_expiration - now)  # type: ignore[operator]
            now = info.backoff_expiration + 1  # type: ignore[operator]
            assert q.flush_backoff_q_completed(now) == 1
        else:
            assert kind is QueueKind.UNSCHEDULABLE
            assert info.consecutive_errors_count == 0
            assert info.unschedulable_count == 1
    assert expirations == [2, 4, 5]


def test_backoff_disabled_requeues_to_active() -> None:
    q = SchedulingQueue(pod_initial_backoff_seconds=0, pod_max_backoff_seconds=0)
    q.add("ns/p", T0)
    q.pop(T0)
    assert q.add_unschedulable_if_not_present("ns/p", T0, ()) is QueueKind.ACTIVE
    assert q.get("ns/p").backoff_expiration is None  # type: ignore[union-attr]


def test_pop_takes_backoff_head_when_active_q_is_empty() -> None:
    q = SchedulingQueue()
    for i, prio in enumerate([1, 5, 3]):
        q.add(f"ns/p{i}", T0, priority=prio)
    for key in ["ns/p1", "ns/p2", "ns/p0"]:
        fail(q, key, T0, FIT)
    q.move_all_to_active_or_backoff_queue(NODE_ADD, T0)
    q.add("ns/err", T0)
    q.pop(T0)
    assert q.add_unschedulable_if_not_present("ns/err", T0, ()) is QueueKind.BACKOFF
    assert q.pending_pods().backoff == 4
    # Same window: backoffQ orders like activeQ. The error backoff queue is never popped early.
    popped = [p.key for p in iter(lambda: q.pop(T0), None)]
    assert popped == ["ns/p1", "ns/p2", "ns/p0"]
    assert [p.key for p in q.pods_in_backoff_q()] == ["ns/err"]


def test_pop_from_backoff_q_off_waits_for_the_flush() -> None:
    q = SchedulingQueue(pop_from_backoff_q=False)
    q.add("ns/p", T0)
    fail(q, "ns/p", T0, FIT)
    q.move_all_to_active_or_backoff_queue(NODE_ADD, T0)
    assert q.pop(T0) is None
    assert q.flush_backoff_q_completed(T0 + 1) == 1
    assert q.pop(T0 + 1) is not None


# ------------------------------------------------------------------------------------------------
# unschedulable pods


def test_unschedulable_pods_are_flushed_after_five_minutes() -> None:
    q = SchedulingQueue()
    q.add("ns/old", T0)
    q.add("ns/new", T0)
    fail(q, "ns/old", T0, FIT)
    fail(q, "ns/new", T0 + 100, FIT)
    assert q.next_wakeup(T0 + 100) == T0 + 300
    assert q.flush_unschedulable_pods_left_over(T0 + 299.5) == 0
    assert q.flush_unschedulable_pods_left_over(T0 + 300) == 1
    assert q.get("ns/old").queue is QueueKind.ACTIVE  # type: ignore[union-attr]
    assert q.get("ns/new").queue is QueueKind.UNSCHEDULABLE  # type: ignore[union-attr]
    assert q.next_wakeup(T0 + 300) == T0 + 400


def test_unschedulable_timeout_is_configurable_and_respects_backoff() -> None:
    q = SchedulingQueue(pod_max_in_unschedulable_pods_seconds=3, pod_max_backoff_seconds=10)
    q.add("ns/p", T0)
    now = T0
    for _ in range(4):  # unschedulable count 4: 8 s backoff, longer than the 3 s timeout
        fail(q, "ns/p", now, FIT)
        now += 3
        q.flush_unschedulable_pods_left_over(now)
        now = q.get("ns/p").backoff_expiration + 1  # type: ignore[operator]
        q.flush_backoff_q_completed(now)
    fail(q, "ns/p", now, FIT)
    assert q.flush_unschedulable_pods_left_over(now + 3) == 1
    assert q.get("ns/p").queue is QueueKind.BACKOFF  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------------
# gating


def test_gated_pods_wait_until_their_gates_are_removed() -> None:
    q = SchedulingQueue()
    assert q.add("ns/gated", T0, gated_by=SCHEDULING_GATES) is QueueKind.UNSCHEDULABLE
    q.add("ns/free", T0)
    assert q.pending_pods() == PendingPods(1, 0, 0, 1, 0)
    info = q.get("ns/gated")
    assert info is not None
    assert info.gated
    assert info.gating_plugin == SCHEDULING_GATES
    assert info.unschedulable_plugins == {SCHEDULING_GATES}
    assert info.initial_attempt_timestamp is None
    # Neither cluster events, nor the timeout, nor activation lift a gate.
    q.move_all_to_active_or_backoff_queue(NODE_ADD, T0 + 1)
    assert q.flush_unschedulable_pods_left_over(T0 + 10_000) == 0
    assert q.activate(["ns/gated"], T0 + 1) == 0
    assert q.next_wakeup(T0) is None
    assert [p.key for p in q.pop_batch(T0 + 1, 10)] == ["ns/free"]
    # An update that keeps the gate keeps the pod gated.
    assert (
        q.update("ns/gated", T0 + 2, gated_by=SCHEDULING_GATES, actions=ActionType.UPDATE_POD_LABEL)
        is QueueKind.UNSCHEDULABLE
    )
    # Removing the gates: SchedulingGates registered UpdatePodSchedulingGatesEliminated.
    kind = q.update("ns/gated", T0 + 3, actions=ActionType.UPDATE_POD_SCHEDULING_GATES_ELIMINATED)
    assert kind is QueueKind.ACTIVE
    info = q.get("ns/gated")
    assert info is not None
    assert not info.gated
    assert info.initial_attempt_timestamp == T0 + 3
    assert q.pending_pods() == PendingPods(1, 0, 0, 0, 1)


def test_other_pre_enqueue_plugins_gate_too() -> None:
    q = SchedulingQueue()
    q.add("ns/p", T0, gated_by="DynamicResources")
    assert q.get("ns/p").gating_plugin == "DynamicResources"  # type: ignore[union-attr]
    # DynamicResources registered Pod/UpdatePodGeneratedResourceClaim.
    claim = ClusterEvent(EventResource.RESOURCE_CLAIM, ActionType.ADD)
    q.update("ns/p", T0 + 1, gated_by="DynamicResources", actions=ActionType.UPDATE_POD_LABEL)
    assert q.move_all_to_active_or_backoff_queue(claim, T0 + 1) == 0
    assert q.update("ns/p", T0 + 2, actions=ActionType.UPDATE_POD_GENERATED_RESOURCE_CLAIM) is (
        QueueKind.ACTIVE
    )


# ------------------------------------------------------------------------------------------------
# update / delete in every queue


def test_update_in_active_q_reorders_on_priority_change() -> None:
    q = SchedulingQueue()
    q.add("ns/a", T0, priority=1)
    q.add("ns/b", T0, priority=2)
    assert q.update("ns/a", T0 + 1, priority=3) is QueueKind.ACTIVE
    assert [p.key for p in q.pods_in_active_q()] == ["ns/a", "ns/b"]
    assert q.get("ns/a").timestamp == T0  # type: ignore[union-attr]


def test_update_in_backoff_q_stays_there() -> None:
    q = SchedulingQueue()
    q.add("ns/p", T0)
    fail(q, "ns/p", T0, FIT)
    q.move_all_to_active_or_backoff_queue(NODE_ADD, T0)
    assert q.update("ns/p", T0 + 0.5, priority=7, tag=3) is QueueKind.BACKOFF
    info = q.get("ns/p")
    assert info is not None
    assert (info.priority, info.tag, info.unschedulable_count) == (7, 3, 1)
    assert q.flush_backoff_q_completed(T0 + 2) == 1


def test_update_in_unschedulable_pods_asks_the_rejectors() -> None:
    q = SchedulingQueue()
    q.add("ns/tol", T0)
    q.add("ns/fit", T0)
    fail(q, "ns/tol", T0, "TaintToleration")
    fail(q, "ns/fit", T0, FIT)
    # TaintToleration registered Pod/UpdatePodToleration; NodeResourcesFit did not.
    assert q.update("ns/tol", T0 + 5, actions=ActionType.UPDATE_POD_TOLERATION) is QueueKind.ACTIVE
    assert (
        q.update("ns/fit", T0 + 5, actions=ActionType.UPDATE_POD_TOLERATION)
        is QueueKind.UNSCHEDULABLE
    )
    # A generic update only matches Pod/Update registrations: none by default.
    assert q.update("ns/fit", T0 + 5) is QueueKind.UNSCHEDULABLE
    # Scale-down: NodeResourcesFit registered Pod/UpdatePodScaleDown; still backing off.
    assert (
        q.update(
            "ns/fit",
            T0 + 0.5,
            actions=ActionType.UPDATE_POD_SCALE_DOWN | ActionType.UPDATE_POD_LABEL,
        )
        is QueueKind.BACKOFF
    )


def test_update_without_uid_keeps_the_known_pod() -> None:
    q = SchedulingQueue()
    q.add("ns/p", T0, uid="u1")
    fail(q, "ns/p", T0, FIT)
    assert q.update("ns/p", T0 + 1, priority=2) is QueueKind.UNSCHEDULABLE
    info = q.get("ns/p")
    assert info is not None
    assert (info.uid, info.priority, info.unschedulable_count) == ("u1", 2, 1)


@pytest.mark.parametrize("pop_from_backoff_q", [True, False])
def test_activating_a_backoff_pod_reruns_pre_enqueue_only_without_pop_from_backoff(
    pop_from_backoff_q: bool,
) -> None:
    q = SchedulingQueue(pop_from_backoff_q=pop_from_backoff_q)
    q.add("ns/p", T0)
    fail(q, "ns/p", T0, FIT)
    q.move_all_to_active_or_backoff_queue(NODE_ADD, T0)
    # A PreEnqueue plugin starts rejecting the pod while it backs off: it stays in backoffQ.
    assert q.update("ns/p", T0, gated_by="DefaultPreemption") is QueueKind.BACKOFF
    moved = q.activate(["ns/p"], T0)
    want = QueueKind.ACTIVE if pop_from_backoff_q else QueueKind.UNSCHEDULABLE
    assert q.get("ns/p").queue is want  # type: ignore[union-attr]
    assert moved == (1 if pop_from_backoff_q else 0)
    q.check_consistency()


def test_update_of_unknown_pod_adds_it() -> None:
    q = SchedulingQueue()
    assert q.update("ns/new", T0, priority=4) is QueueKind.ACTIVE
    assert q.get("ns/new").priority == 4  # type: ignore[union-attr]


def test_update_with_another_uid_replaces_the_pod() -> None:
    q = SchedulingQueue()
    q.add("ns/p", T0, uid="u1")
    fail(q, "ns/p", T0, FIT)
    assert q.update("ns/p", T0 + 1, uid="u2") is QueueKind.ACTIVE
    info = q.get("ns/p")
    assert info is not None
    assert (info.uid, info.unschedulable_count) == ("u2", 0)
    q.check_consistency()


def test_delete_from_every_queue() -> None:
    q = SchedulingQueue()
    q.add("ns/active", T0)
    q.add("ns/backoff", T0, priority=10)
    q.add("ns/unsched", T0, priority=9)
    q.add("ns/gated", T0, gated_by=SCHEDULING_GATES)
    q.add("ns/flight", T0, priority=-1)
    fail(q, "ns/backoff", T0, "NodeName")
    q.move_all_to_active_or_backoff_queue(NODE_ADD, T0)
    fail(q, "ns/unsched", T0, FIT)
    assert q.pop(T0).key == "ns/active"  # type: ignore[union-attr]
    assert q.pop(T0).key == "ns/flight"  # type: ignore[union-attr]
    # A new incarnation of ns/active while the old one is still in flight.
    q.add("ns/active", T0, uid="again")
    assert q.pending_pods() == PendingPods(1, 1, 1, 1, 2)
    for key in ["ns/active", "ns/backoff", "ns/unsched", "ns/gated", "ns/flight"]:
        assert q.delete(key)
        assert key not in q
    assert not q.delete("ns/never")
    # Deleted while in flight: the attempt ends without requeueing it.
    assert q.pending_pods() == PendingPods(0, 0, 0, 0, 2)
    assert q.add_unschedulable_if_not_present("ns/flight", T0, [FIT]) is QueueKind.NONE
    assert q.done("ns/active")
    assert q.pending_pods() == PendingPods(0, 0, 0, 0, 0)
    q.check_consistency()


def test_pod_recreated_while_old_incarnation_is_in_flight() -> None:
    q = SchedulingQueue()
    q.add("ns/p", T0, uid="old")
    q.pop(T0)
    q.delete("ns/p")
    q.add("ns/p", T0 + 1, uid="new")
    new = q.pop(T0 + 1)
    assert new is not None
    assert new.uid == "new"
    assert [p.uid for p in q.in_flight_pods()] == ["old", "new"]
    # The old attempt ends (the ghost is dropped); the new one is requeued.
    assert q.add_unschedulable_if_not_present("ns/p", T0 + 2, [FIT], uid="old") is QueueKind.NONE
    assert q.add_unschedulable_if_not_present("ns/p", T0 + 2, [FIT]) is QueueKind.UNSCHEDULABLE
    q.check_consistency()


def test_done_forgets_the_pod_unless_nominated() -> None:
    q = SchedulingQueue()
    q.add("ns/p", T0)
    q.add("ns/n", T0, nominated_node_name="node-1")
    q.pop(T0)
    q.pop(T0)
    assert q.done("ns/p")
    assert not q.done("ns/p")
    assert "ns/p" not in q
    assert q.done("ns/n")
    # A nominated pod stays known to the nominator until it is deleted.
    assert q.nominated_pods_for_node("node-1") == ["ns/n"]
    assert q.get("ns/n").queue is QueueKind.NONE  # type: ignore[union-attr]
    assert q.pending_pods().total == 0
    assert q.delete("ns/n")
    assert q.nominated_pods_for_node("node-1") == []
    q.check_consistency()


# ------------------------------------------------------------------------------------------------
# nominator


def test_nominator_follows_pods_and_overrides() -> None:
    q = SchedulingQueue()
    q.add("ns/a", T0, nominated_node_name="node-1")
    q.add("ns/b", T0, nominated_node_name="node-1")
    q.add("ns/c", T0)
    q.add("ns/g", T0, nominated_node_name="node-1", gated_by=SCHEDULING_GATES)
    assert q.nominated_pods_for_node("node-1") == ["ns/a", "ns/b"]  # gated pods are not nominated
    assert q.add_nominated_pod("ns/c", "node-2")
    assert q.add_nominated_pod("ns/a", "node-2")
    assert q.nominated_pods_for_node("node-2") == ["ns/c", "ns/a"]
    assert q.get("ns/a").nominated_node_name == "node-2"  # type: ignore[union-attr]
    # UpdateNominatedPod: when neither the old nor the new pod carries a nomination, the
    # in-memory one stays; a nomination removed from the pod's status is dropped.
    q.update("ns/c", T0 + 1)
    assert q.get("ns/c").nominated_node_name == "node-2"  # type: ignore[union-attr]
    q.update("ns/b", T0 + 1)
    assert q.get("ns/b").nominated_node_name is None  # type: ignore[union-attr]
    # A nomination in the pod's status wins.
    q.update("ns/a", T0 + 1, nominated_node_name="node-3")
    assert q.nominated_pods_for_node("node-3") == ["ns/a"]
    # In-flight pods can be nominated (preemption); "" clears.
    assert q.pop(T0 + 2).key == "ns/a"  # type: ignore[union-attr]
    assert q.add_nominated_pod("ns/a", "node-1")
    assert q.nominated_pods_for_node("node-1") == ["ns/a"]
    assert q.add_nominated_pod("ns/a", "")
    assert q.nominated_pods_for_node("node-1") == []
    q.add_nominated_pod("ns/a", "node-3")
    assert q.delete_nominated_pod_if_exists("ns/c")
    assert not q.delete_nominated_pod_if_exists("ns/c")
    assert not q.add_nominated_pod("ns/unknown", "node-1")
    q.delete("ns/a")
    assert q.nominated_pods_for_node("node-3") == []
    q.check_consistency()


# ------------------------------------------------------------------------------------------------
# counts and wake-ups


def test_pending_pods_counts_each_queue() -> None:
    q = SchedulingQueue()
    for i in range(6):
        q.add(f"ns/p{i}", T0, priority=10 - i)
    q.add("ns/g", T0, gated_by=SCHEDULING_GATES)
    fail(q, "ns/p0", T0, FIT)
    fail(q, "ns/p1", T0, FIT)
    fail(q, "ns/p2", T0, "NodeAffinity")
    q.move_all_to_active_or_backoff_queue(
        ClusterEvent(EventResource.NODE, ActionType.UPDATE_NODE_LABEL), T0
    )
    q.pop(T0)
    counts = q.pending_pods()
    assert counts == PendingPods(active=2, backoff=1, unschedulable=2, gated=1, in_flight=1)
    assert counts.total == 7


def test_next_wakeup_is_the_earliest_timer_not_before_now() -> None:
    q = SchedulingQueue()
    assert q.next_wakeup(T0) is None
    q.add("ns/a", T0)
    q.add("ns/b", T0)
    assert q.next_wakeup(T0) is None  # activeQ pods need no timer
    fail(q, "ns/a", T0, FIT)
    assert q.next_wakeup(T0) == T0 + 300
    fail(q, "ns/b", T0 + 10, "NodeName")
    q.move_all_to_active_or_backoff_queue(NODE_ADD, T0 + 10)
    assert q.next_wakeup(T0 + 10) == T0 + 12
    assert q.next_wakeup(T0 + 50) == T0 + 50  # overdue: flush now
    q.flush_backoff_q_completed(T0 + 50)
    # ns/a moved too (its rejector registered Node/Add) and is in backoff no more.
    assert q.next_wakeup(T0 + 50) is None


def test_virtual_clock_loop_reaches_every_pod() -> None:
    """Jumping to next_wakeup() and flushing drains pods that keep failing."""
    q = SchedulingQueue()
    for i in range(20):
        q.add(f"ns/p{i}", T0 + i * 0.1)
    now = T0
    attempts = 0
    while attempts < 200:
        pod = q.pop(now)
        if pod is None:
            wake = q.next_wakeup(now)
            assert wake is not None
            assert wake >= now
            now = wake
            q.flush_backoff_q_completed(now)
            q.flush_unschedulable_pods_left_over(now)
            continue
        attempts += 1
        q.add_unschedulable_if_not_present(pod.key, now, ())
    assert now - T0 < 200
    assert q.pending_pods().total == 20


# ------------------------------------------------------------------------------------------------
# bad input


def test_bad_input_is_rejected_and_changes_nothing() -> None:
    q = SchedulingQueue()
    q.add("ns/p", T0)
    with pytest.raises(PodAlreadyQueuedError, match="'ns/p' is already in activeQ"):
        q.add("ns/p", T0)
    for key in ["p", "/p", "ns/", "a/b/c"]:
        with pytest.raises(ValueError, match="namespace/name"):
            q.add(key, T0)
    with pytest.raises(ValueError, match="finite"):
        q.add("ns/x", math.nan)
    with pytest.raises(ValueError, match="32 bits"):
        q.add("ns/x", T0, priority=2**31)
    with pytest.raises(ValueError, match="no profile"):
        q.add("ns/x", T0, scheduler_name="other")
    with pytest.raises(PodNotFoundError, match="not in flight"):
        q.add_unschedulable_if_not_present("ns/unknown", T0, [FIT])
    with pytest.raises(PodAlreadyQueuedError, match="already present in activeQ"):
        q.add_unschedulable_if_not_present("ns/p", T0, [FIT])
    with pytest.raises(TypeError, match="single string"):
        q.add_unschedulable_if_not_present("ns/p", T0, FIT)
    with pytest.raises(ValueError, match="UPDATE_POD"):
        q.update("ns/p", T0, actions=ActionType.ADD)
    with pytest.raises(TypeError, match="ClusterEvent"):
        q.move_all_to_active_or_backoff_queue("NodeAdd", T0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="1-D"):
        q.move_all_to_active_or_backoff_queue(NODE_ADD, T0, verdicts={FIT: [[1]]})
    with pytest.raises(ValueError, match="invalid action"):
        ClusterEvent(EventResource.NODE, ActionType.NONE)
    q.pop(T0)
    with pytest.raises(PodAlreadyQueuedError, match="in flight"):
        q.add("ns/p", T0)
    assert q.pending_pods() == PendingPods(0, 0, 0, 0, 1)
    q.check_consistency()


def test_at_most_64_plugin_names() -> None:
    q = SchedulingQueue(profiles={"default-scheduler": {}})
    q.add("ns/p", T0)
    q.pop(T0)
    names = [f"Plugin{i}" for i in range(63)]  # PodTopologySpread takes one id
    q.add_unschedulable_if_not_present("ns/p", T0, names)
    assert q.get("ns/p").unschedulable_plugins == frozenset(names)  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="at most 64"):
        q.add("ns/q", T0, gated_by="OneTooMany")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"pod_initial_backoff_seconds": -1}, "in \\[0, 1e8\\]", id="negative"),
        pytest.param({"pod_max_backoff_seconds": 0.5}, "smaller than", id="max-below-initial"),
        pytest.param({"pod_initial_backoff_seconds": 0}, "positive unless", id="zero-initial"),
        pytest.param(
            {"pod_max_in_unschedulable_pods_seconds": 0}, "must be positive", id="zero-max"
        ),
        pytest.param({"pod_max_backoff_seconds": math.inf}, "in \\[0, 1e8\\]", id="infinite"),
        pytest.param({"profiles": {}}, "at least one profile", id="no-profile"),
        pytest.param(
            {"profiles": {"p": {"X": ["NodeAdd"]}}}, "expected a ClusterEvent", id="bad-event"
        ),
    ],
)
def test_invalid_configuration(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        SchedulingQueue(**kwargs)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------
# threads


def test_two_threads_lose_no_pod() -> None:
    """A producer adds pods while a consumer pops, fails and finishes them; nothing is lost."""
    q = SchedulingQueue(pod_max_backoff_seconds=0, pod_initial_backoff_seconds=0)
    n = 20_000
    done: list[str] = []
    errors: list[BaseException] = []
    produced = threading.Event()

    def producer() -> None:
        try:
            for i in range(n):
                q.add(f"ns/p{i}", T0 + i * 1e-3, priority=i % 7)
                if i % 50 == 0:
                    q.move_all_to_active_or_backoff_queue(NODE_ADD, T0)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)
        finally:
            produced.set()

    def consumer() -> None:
        try:
            tries: dict[str, int] = {}
            while len(done) < n:
                pod = q.pop(T0)
                if pod is None:
                    q.flush_unschedulable_pods_left_over(T0 + 1e6)
                    if produced.is_set() and q.pending_pods().total == 0:
                        break
                    continue
                tries[pod.key] = tries.get(pod.key, 0) + 1
                if tries[pod.key] < 3:
                    q.add_unschedulable_if_not_present(pod.key, T0, [FIT])
                else:
                    assert q.done(pod.key)
                    done.append(pod.key)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=producer), threading.Thread(target=consumer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert sorted(done) == sorted(f"ns/p{i}" for i in range(n))
    assert q.pending_pods().total == 0
    q.check_consistency()
