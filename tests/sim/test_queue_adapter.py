"""The bench's queue adapter: the Python fallback's semantics, the native adapter, and the
mapping from FitError reasons to rejecting plugins. Time is passed in explicitly."""

from __future__ import annotations

import importlib

import pytest

from kcore.sim.queue_adapter import FallbackQueue, NativeQueue, make_queue

FIT = frozenset({"NodeResourcesFit"})
IPA = frozenset({"InterPodAffinity"})


def test_priority_then_arrival_order() -> None:
    q = FallbackQueue()
    q.add(["ns/a", "ns/b"], [0, 0], now=0.0)
    q.add(["ns/hi"], [10], now=1.0)
    q.add(["ns/c"], [0], now=2.0)
    assert q.pop_batch(3.0, 10) == ["ns/hi", "ns/a", "ns/b", "ns/c"]
    assert q.counts() == (0, 0, 0, 4)


def test_unschedulable_pool_moves_only_on_relevant_events() -> None:
    q = FallbackQueue()
    q.add(["ns/a", "ns/b"], [0, 0], now=0.0)
    assert q.pop_batch(0.0, 2) == ["ns/a", "ns/b"]
    q.requeue_unschedulable("ns/a", 0.0, FIT)
    q.requeue_unschedulable("ns/b", 0.0, IPA)
    assert q.counts() == (0, 0, 2, 0)
    q.cluster_event("ServiceAdd", 0.5)  # nobody registered it
    assert q.counts() == (0, 0, 2, 0)
    q.assigned_pods_added(["ns/x"], 0.5)  # InterPodAffinity registered assigned pod adds
    assert q.counts() == (0, 1, 1, 0)  # b still backing off (1 s)
    q.cluster_event("AssignedPodDelete", 2.0)  # NodeResourcesFit registered deletions
    assert q.counts() == (1, 1, 0, 0)  # a is past its backoff; b is flushed on the next pop
    assert sorted(q.pop_batch(2.0, 10)) == ["ns/a", "ns/b"]


def test_backoff_doubles_and_caps() -> None:
    q = FallbackQueue(initial_backoff=1.0, max_backoff=4.0)
    q.add(["ns/a"], [0], now=0.0)
    expiries = []
    now = 0.0
    for _ in range(4):
        assert q.pop_batch(now, 1) == ["ns/a"]
        q.requeue_backoff("ns/a", now)
        expiries.append(q.next_wakeup(now) - now)
        now = q.next_wakeup(now)
    assert expiries == [1.0, 2.0, 4.0, 4.0]


def test_event_during_attempt_sends_pod_to_backoff() -> None:
    q = FallbackQueue()
    q.add(["ns/a"], [0], now=0.0)
    q.pop_batch(0.0, 1)
    q.cluster_event("NodeAdd", 0.1)  # while in flight
    q.requeue_unschedulable("ns/a", 0.2, FIT)
    assert q.counts()[1] == 1  # backoffQ, not the pool
    # PopFromBackoffQ: with activeQ empty the pod is popped before its backoff ends.
    assert q.pop_batch(0.3, 5) == ["ns/a"]


def test_pool_timeout_and_delete() -> None:
    q = FallbackQueue(max_in_unschedulable=300.0)
    q.add(["ns/a", "ns/b"], [0, 0], now=0.0)
    q.pop_batch(0.0, 2)
    q.requeue_unschedulable("ns/a", 0.0, FIT)
    q.requeue_unschedulable("ns/b", 0.0, FIT)
    q.delete("ns/b")
    assert q.pop_batch(299.0, 5) == []
    assert q.pop_batch(300.0, 5) == ["ns/a"]
    q.done("ns/a")
    assert q.counts() == (0, 0, 0, 0)
    assert q.next_wakeup(301.0) is None


def _native_queue_module():
    try:
        return importlib.import_module("kcore.scheduler.backend.queue")
    except (ImportError, AttributeError):
        return None


def test_make_queue_prefers_native_when_built() -> None:
    q = make_queue()
    assert q.name == ("native" if _native_queue_module() is not None else "python")
    assert make_queue(prefer="python").name == "python"


@pytest.mark.skipif(
    _native_queue_module() is None,
    reason="this build's extension predates the native queue (CI builds it fresh)",
)
def test_native_adapter_moves_pods_on_registered_events() -> None:
    q = NativeQueue(_native_queue_module(), initial_backoff=1.0, max_backoff=10.0)
    q.add(["ns/a", "ns/b"], [0, 5], now=0.0)
    assert q.pop_batch(0.0, 10) == ["ns/b", "ns/a"]
    q.requeue_unschedulable("ns/a", 0.0, FIT)
    q.done("ns/b")
    assert q.counts() == (0, 0, 1, 0)
    q.cluster_event("ServiceAdd", 1.0)
    assert q.counts() == (0, 0, 1, 0)
    q.cluster_event("NodeUpdate:label", 2.0)  # NodeResourcesFit ignores label changes
    assert q.counts() == (0, 0, 1, 0)
    q.cluster_event("NodeUpdate:allocatable", 3.0)
    assert q.counts()[2] == 0
    assert q.pop_batch(20.0, 10) == ["ns/a"]
