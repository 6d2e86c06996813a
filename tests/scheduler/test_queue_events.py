"""SchedulingQueue: cluster events, queueing hints (bulk functions and verdict arrays), in-flight
event replay, activation, assigned-pod events and profiles.

Virtual time throughout. The event registrations are the v1.35 defaults unless a test builds
its own profile.
"""

from __future__ import annotations

import gc
import logging
import weakref
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kcore import _native
from kcore.scheduler.backend.queue import (
    DEFAULT_SCHEDULER_NAME,
    EVENT_ASSIGNED_POD_DELETE,
    EVENT_UNSCHEDULED_POD_DELETE,
    SCHEDULING_GATES,
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
    EventResource,
    QueueingHint,
    QueueingHintRequest,
    QueueKind,
    QueueReentrancyError,
    SchedulingQueue,
    default_events_to_register,
)

T0 = 2_000.0
FIT = "NodeResourcesFit"
A = ActionType
R = EventResource


def node(action: ActionType) -> ClusterEvent:
    return ClusterEvent(R.NODE, action)


def unschedulable(q: SchedulingQueue, now: float, **rejected: tuple[str, ...]) -> None:
    """Add pods named after ``rejected``'s keys and fail each with its plugins."""
    for name, plugins in rejected.items():
        q.add(f"ns/{name}", now)
        pod = q.pop(now)
        assert pod is not None
        assert q.add_unschedulable_if_not_present(pod.key, now, plugins) is QueueKind.UNSCHEDULABLE


def queue_of(q: SchedulingQueue, name: str) -> QueueKind:
    info = q.get(f"ns/{name}")
    assert info is not None
    return info.queue


REJECTED = {
    "fit": (FIT,),
    "affinity": ("NodeAffinity",),
    "taint": ("TaintToleration",),
    "ipa": ("InterPodAffinity",),
    "ports": ("NodePorts",),
    "volume": ("VolumeBinding",),
    "name": ("NodeName",),
    "fit_and_affinity": (FIT, "NodeAffinity"),
}


@pytest.mark.parametrize(
    ("event", "moved"),
    [
        pytest.param(node(A.ADD), set(REJECTED), id="node-add"),
        pytest.param(
            node(A.UPDATE_NODE_LABEL),
            {"affinity", "ipa", "volume", "fit_and_affinity"},
            id="node-label",
        ),
        pytest.param(
            node(A.UPDATE_NODE_ALLOCATABLE), {"fit", "fit_and_affinity"}, id="allocatable"
        ),
        pytest.param(node(A.UPDATE_NODE_TAINT), {"taint"}, id="node-taint"),
        pytest.param(node(A.UPDATE_NODE_ANNOTATION), set(), id="node-annotation"),
        pytest.param(node(A.UPDATE), set(), id="generic-node-update"),
        pytest.param(
            EVENT_ASSIGNED_POD_DELETE, {"fit", "ports", "ipa", "fit_and_affinity"}, id="pod-delete"
        ),
        pytest.param(ClusterEvent(R.PERSISTENT_VOLUME_CLAIM, A.ADD), {"volume"}, id="pvc-add"),
    ],
)
def test_events_move_only_pods_whose_rejector_registered_them(
    event: ClusterEvent, moved: set[str]
) -> None:
    q = SchedulingQueue()
    unschedulable(q, T0, **REJECTED)
    assert q.move_all_to_active_or_backoff_queue(event, T0 + 0.5) == len(moved)
    for name in REJECTED:
        # Still within the first backoff window: moved pods wait in backoffQ.
        want = QueueKind.BACKOFF if name in moved else QueueKind.UNSCHEDULABLE
        assert queue_of(q, name) is want, name
    q.check_consistency()


def test_moved_pods_past_their_backoff_go_straight_to_active() -> None:
    q = SchedulingQueue()
    unschedulable(q, T0, fit=(FIT,))
    assert q.move_all_to_active_or_backoff_queue(node(A.ADD), T0 + 5) == 1
    assert queue_of(q, "fit") is QueueKind.ACTIVE


def test_events_nobody_registered_are_not_recorded_for_in_flight_pods() -> None:
    q = SchedulingQueue()
    q.add("ns/p", T0)
    q.pop(T0)
    q.move_all_to_active_or_backoff_queue(node(A.UPDATE_NODE_ANNOTATION), T0)
    assert q.stats().in_flight_events == 0
    q.move_all_to_active_or_backoff_queue(node(A.ADD), T0)
    assert q.stats().in_flight_events == 1


def test_wildcard_registration_and_custom_resources() -> None:
    widget = ClusterEvent("example.com/Widget", A.ADD)
    q = SchedulingQueue(
        profiles={
            DEFAULT_SCHEDULER_NAME: {
                "Everything": [ClusterEvent(R.WILDCARD, A.ALL)],
                "Widgets": [widget],
            }
        }
    )
    unschedulable(q, T0, every=("Everything",), widget=("Widgets",))
    assert q.move_all_to_active_or_backoff_queue(ClusterEvent("example.com/Other", A.ADD), T0) == 1
    assert queue_of(q, "every") is QueueKind.BACKOFF
    assert q.move_all_to_active_or_backoff_queue(widget, T0) == 1
    assert queue_of(q, "widget") is QueueKind.BACKOFF


EVENTS = st.builds(
    ClusterEvent,
    st.sampled_from([*EventResource, "example.com/Widget"]),
    st.integers(1, int(A.ALL)).map(ActionType),
)


@settings(max_examples=300, deadline=None)
@given(registered=EVENTS, incoming=EVENTS)
def test_native_event_matching_equals_the_python_reference(
    registered: ClusterEvent, incoming: ClusterEvent
) -> None:
    fixed = [R.WILDCARD, R.POD, R.ASSIGNED_POD, R.UNSCHEDULED_POD, R.NODE]
    names = [*fixed, *(r for r in EventResource if r not in fixed), "example.com/Widget"]
    rid = {str(name): i for i, name in enumerate(names)}
    native = _native.match_cluster_events(
        rid[registered.resource],
        int(registered.action_type),
        rid[incoming.resource],
        int(incoming.action_type),
    )
    assert native == registered.matches(incoming)


def test_event_matching_examples() -> None:
    pod_all = ClusterEvent(R.POD, A.ALL)
    assert pod_all.matches(ClusterEvent(R.ASSIGNED_POD, A.ADD))
    assert pod_all.matches(ClusterEvent(R.UNSCHEDULED_POD, A.UPDATE_POD_LABEL))
    assert not ClusterEvent(R.ASSIGNED_POD, A.ALL).matches(ClusterEvent(R.POD, A.ADD))
    # A specific incoming update matches a general registration, not the other way around.
    assert node(A.UPDATE).matches(node(A.UPDATE_NODE_LABEL))
    assert not node(A.UPDATE_NODE_LABEL).matches(node(A.UPDATE))
    assert ClusterEvent(R.WILDCARD, A.ALL).matches(ClusterEvent("x", A.DELETE))
    assert node(A.ADD).label == "NodeAdd"
    assert node(A.UPDATE_NODE_TAINT).label == "NodeUpdateNodeTaint"
    assert EVENT_UNSCHEDULED_POD_DELETE.label == "UnschedulablePodDelete"


# ------------------------------------------------------------------------------------------------
# queueing hints


class Recorder:
    """A bulk hint that queues pods with even tags and records its requests."""

    def __init__(self) -> None:
        self.requests: list[QueueingHintRequest] = []

    def __call__(self, request: QueueingHintRequest) -> Any:
        self.requests.append(request)
        return request.tags % 2 == 0


def fit_profile(hint: Any) -> dict[str, Any]:
    events = default_events_to_register()
    events[FIT] = (
        ClusterEventWithHint(ClusterEvent(R.NODE, A.ADD | A.UPDATE_NODE_ALLOCATABLE), hint),
        ClusterEventWithHint(ClusterEvent(R.POD, A.DELETE | A.UPDATE_POD_SCALE_DOWN), hint),
    )
    return {DEFAULT_SCHEDULER_NAME: events}


def many_unschedulable(q: SchedulingQueue, n: int, plugins: tuple[str, ...], prefix: str) -> None:
    q.add_batch([f"ns/{prefix}{i}" for i in range(n)], T0, tags=list(range(n)))
    for pod in q.pop_batch(T0, n):
        q.add_unschedulable_if_not_present(pod.key, T0, plugins)


def test_hint_function_is_called_once_per_plugin_and_event_with_all_pods() -> None:
    hint = Recorder()
    q = SchedulingQueue(profiles=fit_profile(hint))
    many_unschedulable(q, 100, (FIT,), "fit")
    many_unschedulable(q, 10, ("NodeAffinity",), "aff")
    new_node = {"name": "node-9"}
    moved = q.move_all_to_active_or_backoff_queue(node(A.ADD), T0 + 5, None, new_node)
    assert moved == 50 + 10  # NodeAffinity has no hint function: its pods all move
    assert len(hint.requests) == 1
    request = hint.requests[0]
    assert request.plugin == FIT
    assert request.scheduler_name == DEFAULT_SCHEDULER_NAME
    assert request.event == node(A.ADD)
    assert request.old_obj is None
    assert request.new_obj is new_node
    assert sorted(request.keys) == sorted(f"ns/fit{i}" for i in range(100))
    assert request.tags.dtype == np.int64
    assert [f"ns/fit{t}" for t in request.tags] == list(request.keys)
    assert len(request.uids) == 100
    assert q.pending_pods().unschedulable == 50
    assert all(int(p.key.removeprefix("ns/fit")) % 2 for p in q.unschedulable_pods())
    assert q.stats().hint_calls == 1


def test_hint_results_may_be_lists_of_queueing_hints() -> None:
    def hint(request: QueueingHintRequest) -> list[QueueingHint]:
        return [QueueingHint.QUEUE_SKIP for _ in request.keys]

    q = SchedulingQueue(profiles=fit_profile(hint))
    many_unschedulable(q, 3, (FIT,), "p")
    assert q.move_all_to_active_or_backoff_queue(node(A.ADD), T0) == 0


def test_verdict_arrays_need_no_python_call() -> None:
    hint = Recorder()
    q = SchedulingQueue(profiles=fit_profile(hint))
    many_unschedulable(q, 10, (FIT,), "p")
    q.add("ns/untagged", T0)
    q.pop(T0)
    q.add_unschedulable_if_not_present("ns/untagged", T0, [FIT])
    fits = np.zeros(8, dtype=bool)  # tags 8 and 9 are outside: queued
    fits[[1, 2]] = True
    moved = q.move_all_to_active_or_backoff_queue(node(A.ADD), T0 + 5, verdicts={FIT: fits})
    assert moved == 2 + 2 + 1
    assert hint.requests == []
    left = sorted(p.key for p in q.unschedulable_pods())
    assert left == sorted(f"ns/p{i}" for i in [0, 3, 4, 5, 6, 7])
    # Integer arrays work too; verdicts for a plugin that did not register the event are unused.
    moved = q.move_all_to_active_or_backoff_queue(
        node(A.UPDATE_NODE_LABEL), T0 + 5, verdicts={FIT: np.ones(8, dtype=np.int8)}
    )
    assert moved == 0


def test_failing_hints_queue_the_pods_and_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    def broken(request: QueueingHintRequest) -> Any:
        raise RuntimeError("no node lister")

    def wrong_length(request: QueueingHintRequest) -> Any:
        return [True]

    for fn, count in [(broken, 4), (wrong_length, 4)]:
        q = SchedulingQueue(profiles=fit_profile(fn))
        many_unschedulable(q, count, (FIT,), "p")
        with caplog.at_level(logging.ERROR, logger="kcore.scheduler.backend.queue"):
            assert q.move_all_to_active_or_backoff_queue(node(A.ADD), T0 + 5) == count
        assert "queueing hint of plugin NodeResourcesFit for event NodeAdd failed" in caplog.text
        caplog.clear()


def test_hints_must_not_call_the_queue() -> None:
    q: SchedulingQueue

    def reentrant(request: QueueingHintRequest) -> Any:
        q.pending_pods()
        return [True] * len(request.keys)

    q = SchedulingQueue(profiles=fit_profile(reentrant))
    many_unschedulable(q, 3, (FIT,), "p")
    with pytest.raises(QueueReentrancyError, match="own queueing hint"):
        q.move_all_to_active_or_backoff_queue(node(A.ADD), T0 + 5)
    # The pods were queued (an erroring hint counts as Queue) and the queue is usable.
    assert q.pending_pods().active == 3
    assert q.stats().hint_errors == 1
    q.check_consistency()


def test_queue_from_a_pending_plugin_skips_backoff() -> None:
    q = SchedulingQueue()
    claim = ClusterEvent(R.RESOURCE_CLAIM, A.UPDATE)
    for name in ["pending", "unsched", "both"]:
        q.add(f"ns/{name}", T0)
    q.pop(T0)
    q.add_unschedulable_if_not_present("ns/pending", T0, (), ["DynamicResources"])
    q.pop(T0)
    q.add_unschedulable_if_not_present("ns/unsched", T0, ["DynamicResources"])
    q.pop(T0)
    q.add_unschedulable_if_not_present("ns/both", T0, [FIT], ["DynamicResources"])
    assert q.move_all_to_active_or_backoff_queue(claim, T0) == 3
    assert queue_of(q, "pending") is QueueKind.ACTIVE
    assert queue_of(q, "unsched") is QueueKind.BACKOFF
    assert queue_of(q, "both") is QueueKind.ACTIVE


# ------------------------------------------------------------------------------------------------
# in-flight events


def test_events_during_the_attempt_are_replayed() -> None:
    q = SchedulingQueue()
    for name in ["a", "b", "c"]:
        q.add(f"ns/{name}", T0)
    # An event before the pop is not replayed.
    q.move_all_to_active_or_backoff_queue(node(A.ADD), T0)
    q.pop(T0)
    q.pop(T0)
    q.move_all_to_active_or_backoff_queue(node(A.UPDATE_NODE_ALLOCATABLE), T0)
    q.pop(T0)
    # a and b saw the allocatable change; c did not.
    assert q.add_unschedulable_if_not_present("ns/a", T0, [FIT]) is QueueKind.BACKOFF
    assert (
        q.add_unschedulable_if_not_present("ns/b", T0, ["NodeAffinity"]) is QueueKind.UNSCHEDULABLE
    )
    assert q.add_unschedulable_if_not_present("ns/c", T0, [FIT]) is QueueKind.UNSCHEDULABLE
    assert q.stats().in_flight_events == 0
    q.check_consistency()


def test_in_flight_events_are_pruned_behind_the_oldest_pod() -> None:
    q = SchedulingQueue()
    q.add("ns/a", T0, priority=2)
    q.add("ns/b", T0, priority=1)
    q.pop(T0)
    q.move_all_to_active_or_backoff_queue(node(A.UPDATE_NODE_ALLOCATABLE), T0)
    q.pop(T0)
    q.move_all_to_active_or_backoff_queue(node(A.UPDATE_NODE_LABEL), T0)
    assert q.stats().in_flight_events == 2
    assert q.done("ns/a")
    assert q.stats().in_flight_events == 1
    # b only saw the label change.
    assert q.add_unschedulable_if_not_present("ns/b", T0, [FIT]) is QueueKind.UNSCHEDULABLE
    assert q.stats().in_flight_events == 0


def test_errors_back_off_whatever_happened() -> None:
    q = SchedulingQueue()
    q.add("ns/p", T0)
    q.pop(T0)
    assert q.add_unschedulable_if_not_present("ns/p", T0, ()) is QueueKind.BACKOFF
    info = q.get("ns/p")
    assert info is not None
    assert (info.consecutive_errors_count, info.unschedulable_count) == (1, 0)


def test_replay_calls_hints_with_the_event_objects() -> None:
    def hint(request: QueueingHintRequest) -> Any:
        return [bool(request.new_obj["fits"])] * len(request.keys)  # type: ignore[index]

    q = SchedulingQueue(profiles=fit_profile(hint))
    q.add("ns/small", T0)
    q.add("ns/big", T0)
    q.pop(T0)
    q.move_all_to_active_or_backoff_queue(node(A.ADD), T0, None, {"fits": True})
    q.pop(T0)
    q.move_all_to_active_or_backoff_queue(node(A.ADD), T0, None, {"fits": False})
    # small saw both nodes, big only the one that does not fit.
    assert q.add_unschedulable_if_not_present("ns/big", T0, [FIT]) is QueueKind.UNSCHEDULABLE
    assert q.add_unschedulable_if_not_present("ns/small", T0, [FIT]) is QueueKind.BACKOFF


def test_replay_uses_verdicts_captured_with_the_event() -> None:
    hint = Recorder()
    q = SchedulingQueue(profiles=fit_profile(hint))
    q.add("ns/t3", T0, tag=3)
    q.add("ns/t4", T0, tag=4)
    q.pop_batch(T0, 2)
    verdict = np.zeros(5, dtype=bool)
    verdict[4] = True
    q.move_all_to_active_or_backoff_queue(node(A.ADD), T0, verdicts={FIT: verdict})
    assert q.add_unschedulable_if_not_present("ns/t3", T0, [FIT]) is QueueKind.UNSCHEDULABLE
    assert q.add_unschedulable_if_not_present("ns/t4", T0, [FIT]) is QueueKind.BACKOFF
    assert hint.requests == []


def test_updates_of_an_in_flight_pod_are_replayed() -> None:
    q = SchedulingQueue()
    q.add("ns/a", T0)
    q.add("ns/b", T0)
    q.pop_batch(T0, 2)
    assert q.update("ns/a", T0, actions=A.UPDATE_POD_TOLERATION, priority=3) is QueueKind.IN_FLIGHT
    assert q.add_unschedulable_if_not_present("ns/a", T0, ["TaintToleration"]) is QueueKind.BACKOFF
    assert q.get("ns/a").priority == 3  # type: ignore[union-attr]
    assert q.add_unschedulable_if_not_present("ns/b", T0, [FIT]) is QueueKind.UNSCHEDULABLE


def test_activating_an_in_flight_pod_requeues_it_when_it_comes_back() -> None:
    q = SchedulingQueue()
    q.add("ns/a", T0)
    q.add("ns/b", T0)
    q.pop_batch(T0, 2)
    assert q.activate(["ns/a", "ns/unknown"], T0) == 0
    assert q.add_unschedulable_if_not_present("ns/a", T0, [FIT]) is QueueKind.BACKOFF
    assert q.add_unschedulable_if_not_present("ns/b", T0, [FIT]) is QueueKind.UNSCHEDULABLE


def test_activate_moves_unschedulable_and_backoff_pods() -> None:
    q = SchedulingQueue()
    unschedulable(q, T0, u=(FIT,), b=(FIT,))
    q.activate(["ns/b"], T0)
    q.pop(T0)
    q.add_unschedulable_if_not_present("ns/b", T0, ())
    assert queue_of(q, "b") is QueueKind.BACKOFF
    with pytest.raises(TypeError, match="single string"):
        q.activate("ns/u", T0)
    assert q.activate(["ns/u", "ns/b"], T0) == 2
    assert [p.key for p in q.pods_in_active_q()] == ["ns/u", "ns/b"]


def test_unschedulable_timeout_is_replayed_for_in_flight_pods() -> None:
    q = SchedulingQueue()
    unschedulable(q, T0, old=(FIT,))
    q.add("ns/flying", T0 + 400)
    q.pop(T0 + 400)
    assert q.flush_unschedulable_pods_left_over(T0 + 400) == 1
    assert q.add_unschedulable_if_not_present("ns/flying", T0 + 400, [FIT]) is QueueKind.BACKOFF


def test_event_objects_are_released_once_no_pod_can_replay_them() -> None:
    class Node:
        pass

    q = SchedulingQueue()
    q.add("ns/p", T0)
    q.pop(T0)
    first = Node()
    ref = weakref.ref(first)
    q.move_all_to_active_or_backoff_queue(node(A.ADD), T0, None, first)
    del first
    q.done("ns/p")
    for _ in range(200):
        q.move_all_to_active_or_backoff_queue(node(A.ADD), T0, None, Node())
    gc.collect()
    assert ref() is None


# ------------------------------------------------------------------------------------------------
# assigned pods


def test_assigned_pod_added_moves_cross_topology_candidates() -> None:
    q = SchedulingQueue()
    for key, plugins, affinity in [
        ("ns/spread", ["PodTopologySpread"], False),
        ("other/spread", ["PodTopologySpread"], False),
        ("other/affinity", ["InterPodAffinity"], True),
        ("ns/fit", [FIT], False),
    ]:
        q.add(key, T0, has_required_affinity_terms=affinity)
        q.pop(T0)
        q.add_unschedulable_if_not_present(key, T0, plugins)
    assert q.assigned_pod_added("ns/bound", T0 + 5, {"kind": "Pod"}) == 2
    assert {p.key for p in q.unschedulable_pods()} == {"other/spread", "ns/fit"}


def test_assigned_pod_updated_by_action() -> None:
    q = SchedulingQueue()
    for key, plugins in [("ns/spread", ["PodTopologySpread"]), ("other/fit", [FIT])]:
        q.add(key, T0)
        q.pop(T0)
        q.add_unschedulable_if_not_present(key, T0, plugins)
    with pytest.raises(ValueError, match="UPDATE_POD"):
        q.assigned_pod_updated("ns/bound", T0 + 5, A.UPDATE_NODE_LABEL)
    assert q.assigned_pod_updated("other/bound", T0 + 5, A.UPDATE_POD_LABEL) == 0
    # A scale-down frees resources for anyone.
    assert q.assigned_pod_updated("x/bound", T0 + 5, A.UPDATE_POD_SCALE_DOWN) == 1
    assert q.get("other/fit").queue is QueueKind.ACTIVE  # type: ignore[union-attr]
    assert q.assigned_pod_updated("ns/bound", T0 + 5, A.UPDATE_POD_LABEL) == 1
    with pytest.raises(ValueError, match="namespace/name"):
        q.assigned_pod_added("bound", T0)


# ------------------------------------------------------------------------------------------------
# profiles and determinism


def test_each_pod_uses_its_own_profile() -> None:
    q = SchedulingQueue(
        profiles={
            "default-scheduler": default_events_to_register(),
            "batch": {FIT: [ClusterEvent(R.NODE, A.UPDATE_NODE_ALLOCATABLE)]},
        }
    )
    for key, profile in [("ns/d", "default-scheduler"), ("ns/b", "batch")]:
        q.add(key, T0, scheduler_name=profile)
        q.pop(T0)
        q.add_unschedulable_if_not_present(key, T0, [FIT])
    assert q.get("ns/b").scheduler_name == "batch"  # type: ignore[union-attr]
    assert q.move_all_to_active_or_backoff_queue(node(A.ADD), T0 + 5) == 1
    assert queue_of(q, "d") is QueueKind.ACTIVE
    assert q.move_all_to_active_or_backoff_queue(node(A.UPDATE_NODE_ALLOCATABLE), T0 + 5) == 1
    assert queue_of(q, "b") is QueueKind.ACTIVE


def test_runs_are_reproducible() -> None:
    def run() -> list[tuple[str, float | None]]:
        q = SchedulingQueue()
        rng = np.random.default_rng(3)
        for i in range(200):
            q.add(f"ns/p{i}", T0 + float(rng.integers(0, 5)), priority=int(rng.integers(0, 3)))
        out = []
        now = T0
        for step in range(600):
            pod = q.pop(now)
            if pod is None:
                now += 1
                q.flush_backoff_q_completed(now)
                q.flush_unschedulable_pods_left_over(now)
                continue
            out.append((pod.key, pod.timestamp))
            if step % 3:
                q.add_unschedulable_if_not_present(pod.key, now, [FIT])
            else:
                q.done(pod.key)
            if step % 7 == 0:
                q.move_all_to_active_or_backoff_queue(node(A.ADD), now)
        return out

    assert run() == run()


def test_gated_pods_move_only_on_their_gating_plugin_events() -> None:
    q = SchedulingQueue()
    q.add("ns/g", T0, gated_by=SCHEDULING_GATES)
    # A pod update that does not lift the gate, seen through move_all (pod informer path).
    event = ClusterEvent(R.UNSCHEDULED_POD, A.UPDATE_POD_SCHEDULING_GATES_ELIMINATED)
    # SchedulingGates registered the event and its hint says Queue, but the pod is still gated
    # (PreEnqueue runs again), so it stays in unschedulablePods.
    assert q.move_all_to_active_or_backoff_queue(event, T0) == 0
    # Another plugin's event does not even reach the hints of a gated pod.
    assert q.move_all_to_active_or_backoff_queue(node(A.ADD), T0) == 0
    assert queue_of(q, "g") is QueueKind.UNSCHEDULABLE
    assert q.get("ns/g").gated  # type: ignore[union-attr]
