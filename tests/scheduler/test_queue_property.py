"""Property: random operation sequences never lose or duplicate a pod.

A Hypothesis state machine drives one queue through adds, updates, deletes, pops, failures,
``done``, activation, cluster events (with a bulk hint and with verdict arrays), assigned-pod
events, nominations, flushes and time jumps. After every step each pod that was added, not
deleted and not finished must be in exactly one of activeQ, backoffQ, unschedulablePods or in
flight; pods deleted while in flight stay in flight only until their attempt ends; the counts
agree with the listings; and the native invariants hold. It does not check *which* queue a pod
lands in (the example tests do).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from kcore.scheduler.backend.queue import (
    DEFAULT_SCHEDULER_NAME,
    EVENT_ASSIGNED_POD_DELETE,
    EVENT_UNSCHEDULED_POD_DELETE,
    SCHEDULING_GATES,
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
    EventResource,
    PodAlreadyQueuedError,
    PodNotFoundError,
    QueueingHintRequest,
    QueueKind,
    SchedulingQueue,
    default_events_to_register,
)

KEYS = [f"ns{i % 2}/p{i}" for i in range(10)]
PLUGINS = ["NodeResourcesFit", "NodeAffinity", "TaintToleration", "PodTopologySpread", "NodePorts"]
EVENTS = [
    ClusterEvent(EventResource.NODE, ActionType.ADD),
    ClusterEvent(EventResource.NODE, ActionType.UPDATE_NODE_LABEL),
    ClusterEvent(EventResource.NODE, ActionType.UPDATE_NODE_TAINT),
    ClusterEvent(EventResource.NODE, ActionType.UPDATE_NODE_ALLOCATABLE),
    EVENT_ASSIGNED_POD_DELETE,
    EVENT_UNSCHEDULED_POD_DELETE,
    ClusterEvent(EventResource.RESOURCE_CLAIM, ActionType.ADD),
]
POD_UPDATES = [
    ActionType.UPDATE,
    ActionType.UPDATE_POD_LABEL,
    ActionType.UPDATE_POD_TOLERATION,
    ActionType.UPDATE_POD_SCALE_DOWN | ActionType.UPDATE_POD_LABEL,
    ActionType.UPDATE_POD_SCHEDULING_GATES_ELIMINATED,
]
QUEUED = {QueueKind.ACTIVE, QueueKind.BACKOFF, QueueKind.UNSCHEDULABLE}


def odd_tags_skip(request: QueueingHintRequest) -> Any:
    return request.tags % 2 == 0


def profile() -> dict[str, Any]:
    events = default_events_to_register()
    events["NodeResourcesFit"] = (
        ClusterEventWithHint(
            ClusterEvent(EventResource.NODE, ActionType.ADD | ActionType.UPDATE_NODE_ALLOCATABLE),
            odd_tags_skip,
        ),
        ClusterEventWithHint(
            ClusterEvent(EventResource.POD, ActionType.DELETE | ActionType.UPDATE_POD_SCALE_DOWN)
        ),
    )
    return {DEFAULT_SCHEDULER_NAME: events}


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.q = SchedulingQueue(profiles=profile(), pod_max_in_unschedulable_pods_seconds=20.0)
        self.now = 100.0
        self.generation = 0
        self.uid: dict[str, str] = {}  # current incarnation of each known key
        self.state: dict[str, str] = {}  # key -> "queued" | "in_flight"
        self.ghosts: dict[str, set[str]] = {}  # key -> uids deleted while in flight

    def _new_uid(self, key: str) -> str:
        self.generation += 1
        return f"{key}#{self.generation}"

    # -- informer side ---------------------------------------------------------------------------

    @rule(
        key=st.sampled_from(KEYS),
        priority=st.integers(-2, 2),
        gated=st.booleans(),
        nominated=st.sampled_from([None, "node-a", "node-b"]),
    )
    def add(self, key: str, priority: int, gated: bool, nominated: str | None) -> None:
        if key in self.state:
            try:
                self.q.add(key, self.now, uid=self.uid[key], priority=priority)
            except PodAlreadyQueuedError:
                return
            raise AssertionError(f"adding {key} twice was accepted")
        # A finished pod still known for its nomination keeps its uid.
        uid = self.uid.get(key) or self._new_uid(key)
        kind = self.q.add(
            key,
            self.now,
            uid=uid,
            priority=priority,
            tag=int(key.rsplit("p", 1)[1]),
            gated_by=SCHEDULING_GATES if gated else None,
            nominated_node_name=nominated,
        )
        assert kind in QUEUED
        self.uid[key] = uid
        self.state[key] = "queued"

    @rule(
        key=st.sampled_from(KEYS),
        actions=st.sampled_from(POD_UPDATES),
        gated=st.booleans(),
        priority=st.integers(-2, 2),
        fits=st.booleans(),
    )
    def update(self, key: str, actions: ActionType, gated: bool, priority: int, fits: bool) -> None:
        uid = self.uid.get(key) or self._new_uid(key)
        kind = self.q.update(
            key,
            self.now,
            uid=uid,
            actions=actions,
            priority=priority,
            tag=int(key.rsplit("p", 1)[1]),
            gated_by=SCHEDULING_GATES if gated else None,
            verdicts={"TaintToleration": np.array([fits] * 10)},
        )
        if self.state.get(key) == "in_flight":
            assert kind is QueueKind.IN_FLIGHT
        else:
            assert kind in QUEUED
            self.uid[key] = uid
            self.state[key] = "queued"

    @rule(key=st.sampled_from(KEYS))
    def delete(self, key: str) -> None:
        known = self.q.delete(key)
        state = self.state.pop(key, None)
        if state == "in_flight":
            self.ghosts.setdefault(key, set()).add(self.uid[key])
        if state is not None:
            assert known
        if not known:
            assert state is None
        self.uid.pop(key, None)

    # -- scheduling side -------------------------------------------------------------------------

    @rule()
    def pop(self) -> None:
        pod = self.q.pop(self.now)
        if pod is None:
            assert self.q.pods_in_active_q() == []
            assert all(
                not p.unschedulable_plugins and not p.pending_plugins
                for p in self.q.pods_in_backoff_q()
            )
            return
        assert self.state.get(pod.key) == "queued"
        assert pod.uid == self.uid[pod.key]
        assert not pod.gated
        self.state[pod.key] = "in_flight"

    @rule(n=st.integers(0, 4))
    def pop_batch(self, n: int) -> None:
        pods = self.q.pop_batch(self.now, n)
        assert len(pods) <= n
        assert len({p.key for p in pods}) == len(pods)
        for pod in pods:
            assert self.state.get(pod.key) == "queued"
            self.state[pod.key] = "in_flight"

    def _in_flight(self) -> list[tuple[str, str | None]]:
        live = [(k, None) for k, s in self.state.items() if s == "in_flight"]
        dead = [(k, u) for k, uids in self.ghosts.items() for u in uids]
        return sorted(live) + sorted(dead, key=str)

    @rule(
        data=st.data(),
        plugins=st.sets(st.sampled_from(PLUGINS), max_size=2),
        pending=st.sets(st.sampled_from(["DynamicResources"]), max_size=1),
    )
    def fail(self, data: st.DataObject, plugins: set[str], pending: set[str]) -> None:
        flying = self._in_flight()
        if not flying:
            key = data.draw(st.sampled_from(KEYS))
            try:
                self.q.add_unschedulable_if_not_present(key, self.now, plugins)
            except (PodNotFoundError, PodAlreadyQueuedError):
                return
            raise AssertionError(f"{key} was requeued without being in flight")
        key, ghost_uid = data.draw(st.sampled_from(flying))
        kind = self.q.add_unschedulable_if_not_present(
            key, self.now, plugins, pending, uid=ghost_uid
        )
        if ghost_uid is not None:
            assert kind is QueueKind.NONE
            self.ghosts[key].discard(ghost_uid)
        else:
            assert kind in QUEUED
            self.state[key] = "queued"

    @rule(data=st.data())
    def done(self, data: st.DataObject) -> None:
        flying = self._in_flight()
        if not flying:
            assert not self.q.done(data.draw(st.sampled_from(KEYS)))
            return
        key, ghost_uid = data.draw(st.sampled_from(flying))
        assert self.q.done(key, ghost_uid)
        if ghost_uid is not None:
            self.ghosts[key].discard(ghost_uid)
        else:
            del self.state[key]
            # The pod is finished; a nominated one stays known (queue NONE) until deleted.
            info = self.q.get(key)
            if info is None:
                del self.uid[key]
            else:
                assert info.queue is QueueKind.NONE
                assert info.nominated_node_name is not None

    @rule(keys=st.lists(st.sampled_from(KEYS), max_size=3))
    def activate(self, keys: list[str]) -> None:
        self.q.activate(keys, self.now)

    @rule(key=st.sampled_from(KEYS), node=st.sampled_from(["", "node-a", "node-c"]))
    def nominate(self, key: str, node: str) -> None:
        known = self.q.add_nominated_pod(key, node)
        assert known == (key in self.uid)
        if node == "" and key not in self.state and known:
            # An idle pod whose nomination is cleared is forgotten.
            assert self.q.get(key) is None
            del self.uid[key]

    # -- cluster events and time -----------------------------------------------------------------

    @rule(event=st.sampled_from(EVENTS), with_verdicts=st.booleans(), fit=st.booleans())
    def cluster_event(self, event: ClusterEvent, with_verdicts: bool, fit: bool) -> None:
        verdicts = {"NodeResourcesFit": np.array([fit] * 6)} if with_verdicts else None
        self.q.move_all_to_active_or_backoff_queue(
            event, self.now, None, {"node": "n"}, verdicts=verdicts
        )

    @rule(key=st.sampled_from(KEYS), actions=st.sampled_from(POD_UPDATES[:4]), added=st.booleans())
    def assigned_pod(self, key: str, actions: ActionType, added: bool) -> None:
        if added:
            self.q.assigned_pod_added(key, self.now)
        else:
            self.q.assigned_pod_updated(key, self.now, actions)

    @rule(dt=st.sampled_from([0.0, 0.4, 1.0, 3.0, 11.0, 25.0]))
    def advance(self, dt: float) -> None:
        self.now += dt
        self.q.flush_backoff_q_completed(self.now)
        if dt >= 3:
            self.q.flush_unschedulable_pods_left_over(self.now)

    @rule()
    def jump_to_next_wakeup(self) -> None:
        wake = self.q.next_wakeup(self.now)
        if wake is None:
            return
        assert wake >= self.now
        self.now = wake
        moved = self.q.flush_backoff_q_completed(self.now)
        moved += self.q.flush_unschedulable_pods_left_over(self.now)
        # Waking up must make progress, or a virtual clock would spin forever.
        assert moved > 0 or self.q.next_wakeup(self.now) != self.now

    # -- the property ------------------------------------------------------------------------------

    @invariant()
    def every_pod_is_in_exactly_one_place(self) -> None:
        active = [p.key for p in self.q.pods_in_active_q()]
        backoff = [p.key for p in self.q.pods_in_backoff_q()]
        unsched = [p.key for p in self.q.unschedulable_pods()]
        flying = self.q.in_flight_pods()
        live_flying = [p.key for p in flying if not p.deleted]
        dead_flying = sorted((p.key, p.uid) for p in flying if p.deleted)
        everywhere = active + backoff + unsched + live_flying
        assert len(everywhere) == len(set(everywhere)), "a pod is in two places"
        queued = {k for k, s in self.state.items() if s == "queued"}
        assert set(active + backoff + unsched) == queued
        assert set(live_flying) == {k for k, s in self.state.items() if s == "in_flight"}
        assert dead_flying == sorted((k, u) for k, uids in self.ghosts.items() for u in uids)
        counts = self.q.pending_pods()
        assert counts.active == len(active)
        assert counts.backoff == len(backoff)
        assert counts.unschedulable + counts.gated == len(unsched)
        assert counts.gated == sum(p.gated for p in self.q.unschedulable_pods())
        assert counts.in_flight == len(flying)
        self.q.check_consistency()


QueueMachine.TestCase.settings = settings(
    max_examples=120,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestQueueProperty = QueueMachine.TestCase
