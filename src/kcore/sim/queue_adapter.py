"""The scheduling queue as the core-mode bench backend uses it.

:class:`BenchQueue` is the small surface the backend needs (keys in, keys out, time passed
in). :func:`make_queue` returns an adapter over kube-scheduler's ``SchedulingQueue`` port
(``kcore.scheduler.backend.queue``) when it is available, and otherwise
:class:`FallbackQueue`, a compact Python queue with the same observable behaviour for the
bench: activeQ ordered by priority then arrival, backoff ``initial * 2**(failures - 1)``
capped at ``max``, an unschedulable pool that cluster events flush (to backoffQ while a pod
is still backing off), pods popped from backoffQ when activeQ is empty
(SchedulerPopFromBackoffQ), a 5-minute maximum stay in the pool, and in-flight event
tracking (a pod that fails after an event arrived during its attempt goes to backoffQ rather
than the pool).
"""

from __future__ import annotations

import heapq
import importlib
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["BenchQueue", "FallbackQueue", "make_queue"]


class BenchQueue(Protocol):
    """What the core backend needs from a scheduling queue."""

    name: str

    def add(self, keys: Sequence[str], priorities: Sequence[int], now: float) -> None: ...

    def pop_batch(self, now: float, max_pods: int) -> list[str]: ...

    def done(self, key: str) -> None: ...

    def requeue_unschedulable(
        self,
        key: str,
        now: float,
        plugins: frozenset[str],
        pending: frozenset[str] = frozenset(),
    ) -> None: ...

    def requeue_backoff(self, key: str, now: float) -> None: ...

    def delete(self, key: str) -> None: ...

    def cluster_event(self, event: str, now: float) -> None: ...

    def assigned_pods_added(self, keys: Sequence[str], now: float) -> None: ...

    def next_wakeup(self, now: float) -> float | None: ...

    def counts(self) -> tuple[int, int, int, int]: ...


@dataclass(slots=True)
class _Entry:
    key: str
    priority: int
    timestamp: float
    failures: int = 0
    backoff_expiry: float = 0.0
    where: str = "active"  # active | backoff | unschedulable | inflight
    popped_at_event: int = 0
    pool_since: float = 0.0
    version: int = 0  # invalidates stale heap entries
    rejectors: frozenset[str] = frozenset()  # plugins that rejected the last attempt


class FallbackQueue:
    """A Python scheduling queue (see the module docstring for its semantics).

    Invariant: every key is in exactly one of activeQ, backoffQ, the unschedulable pool or
    in flight; heaps may hold stale tuples, skipped by ``version``.
    """

    name = "python"

    def __init__(
        self,
        *,
        initial_backoff: float = 1.0,
        max_backoff: float = 10.0,
        max_in_unschedulable: float = 300.0,
    ) -> None:
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.max_in_unschedulable = max_in_unschedulable
        self._entries: dict[str, _Entry] = {}
        self._active: list[tuple[int, float, int, str, int]] = []
        self._backoff: list[tuple[float, int, str, int]] = []
        self._pool: dict[str, _Entry] = {}
        self._seq = itertools.count()
        self._events = 0
        self._events_log: list[str] = []
        self._n_active = 0
        self._n_backoff = 0
        self._n_inflight = 0

    def _push_active(self, e: _Entry) -> None:
        e.where = "active"
        e.version += 1
        heapq.heappush(self._active, (-e.priority, e.timestamp, next(self._seq), e.key, e.version))
        self._n_active += 1

    def _push_backoff(self, e: _Entry) -> None:
        e.where = "backoff"
        e.version += 1
        heapq.heappush(self._backoff, (e.backoff_expiry, next(self._seq), e.key, e.version))
        self._n_backoff += 1

    def _leave(self, e: _Entry) -> None:
        if e.where == "active":
            self._n_active -= 1
        elif e.where == "backoff":
            self._n_backoff -= 1
        elif e.where == "unschedulable":
            self._pool.pop(e.key, None)
        elif e.where == "inflight":
            self._n_inflight -= 1
        e.version += 1

    def add(self, keys: Sequence[str], priorities: Sequence[int], now: float) -> None:
        for key, prio in zip(keys, priorities, strict=True):
            if key in self._entries:
                continue
            e = _Entry(key, int(prio), now)
            self._entries[key] = e
            self._push_active(e)

    def _flush(self, now: float) -> None:
        while self._backoff and self._backoff[0][0] <= now:
            _, _, key, ver = heapq.heappop(self._backoff)
            e = self._entries.get(key)
            if e is None or e.version != ver or e.where != "backoff":
                continue
            self._n_backoff -= 1
            self._push_active(e)
        if self._pool:
            stale = [
                e for e in self._pool.values() if now - e.pool_since >= self.max_in_unschedulable
            ]
            for e in stale:
                self._move_from_pool(e, now)

    def _move_from_pool(self, e: _Entry, now: float) -> None:
        self._pool.pop(e.key, None)
        if e.backoff_expiry > now:
            self._push_backoff(e)
        else:
            self._push_active(e)

    def _pop_one(self, heap: list[Any], active: bool) -> _Entry | None:
        while heap:
            item = heapq.heappop(heap)
            key, ver = item[-2], item[-1]
            e = self._entries.get(key)
            if e is None or e.version != ver or e.where != ("active" if active else "backoff"):
                continue
            if active:
                self._n_active -= 1
            else:
                self._n_backoff -= 1
            return e
        return None

    def pop_batch(self, now: float, max_pods: int) -> list[str]:
        self._flush(now)
        out: list[str] = []
        while len(out) < max_pods:
            e = self._pop_one(self._active, True)
            if e is None:
                if out:
                    break
                e = self._pop_one(self._backoff, False)  # PopFromBackoffQ
                if e is None:
                    break
            e.where = "inflight"
            e.version += 1
            e.popped_at_event = len(self._events_log)
            self._n_inflight += 1
            out.append(e.key)
        return out

    def done(self, key: str) -> None:
        e = self._entries.pop(key, None)
        if e is not None:
            self._leave(e)

    def _failed(self, key: str, now: float) -> _Entry | None:
        e = self._entries.get(key)
        if e is None or e.where != "inflight":
            return None
        self._n_inflight -= 1
        e.failures += 1
        e.timestamp = now
        backoff = min(self.initial_backoff * 2 ** (e.failures - 1), self.max_backoff)
        e.backoff_expiry = now + backoff
        return e

    def requeue_unschedulable(
        self,
        key: str,
        now: float,
        plugins: frozenset[str],
        pending: frozenset[str] = frozenset(),
    ) -> None:
        e = self._failed(key, now)
        if e is None:
            return
        e.rejectors = plugins | pending
        if any(self._interested(e, ev) for ev in self._events_log[e.popped_at_event :]):
            self._push_backoff(e)  # an event arrived while the pod was in flight
        else:
            e.where = "unschedulable"
            e.version += 1
            e.pool_since = now
            self._pool[key] = e

    def requeue_backoff(self, key: str, now: float) -> None:
        e = self._failed(key, now)
        if e is not None:
            self._push_backoff(e)

    def delete(self, key: str) -> None:
        e = self._entries.pop(key, None)
        if e is not None:
            self._leave(e)

    @staticmethod
    def _interested(e: _Entry, event: str) -> bool:
        name = event.split(":", 1)[0]
        if name not in EVENT_PLUGINS:
            return False  # no default plugin registers this event
        plugins = EVENT_PLUGINS[name]
        if not e.rejectors or plugins is None:
            return True
        return bool(plugins & e.rejectors)

    def cluster_event(self, event: str, now: float) -> None:
        self._events += 1
        self._events_log.append(event)
        for e in list(self._pool.values()):
            if self._interested(e, event):
                self._move_from_pool(e, now)

    def assigned_pods_added(self, keys: Sequence[str], now: float) -> None:
        if keys:
            self.cluster_event("AssignedPodAdd", now)

    def next_wakeup(self, now: float) -> float | None:
        if len(self._events_log) > 4096 and self._n_inflight == 0:
            self._events_log.clear()
            self._events = 0
            for entry in self._entries.values():
                entry.popped_at_event = 0
        if self._n_active:
            return now
        times = []
        while self._backoff:
            expiry, _, key, ver = self._backoff[0]
            e = self._entries.get(key)
            if e is None or e.version != ver or e.where != "backoff":
                heapq.heappop(self._backoff)
                continue
            times.append(expiry)
            break
        return min(times) if times else None

    def counts(self) -> tuple[int, int, int, int]:
        """(active, backoff, unschedulable, in flight)."""
        return self._n_active, self._n_backoff, len(self._pool), self._n_inflight


#: Which plugins' rejections an event can resolve (kube-scheduler's EventsToRegister for the
#: default plugins, coarsened to the events the bench produces). ``None`` = every plugin.
EVENT_PLUGINS: dict[str, frozenset[str] | None] = {
    "NodeAdd": None,
    "NodeUpdate": None,
    "NodeDelete": frozenset({"PodTopologySpread"}),
    "AssignedPodDelete": frozenset(
        {
            "NodeResourcesFit",
            "NodePorts",
            "PodTopologySpread",
            "InterPodAffinity",
            "VolumeRestrictions",
            "NodeVolumeLimits",
        }
    ),
    "AssignedPodAdd": frozenset({"PodTopologySpread", "InterPodAffinity"}),
}


class NativeQueue:
    """:class:`BenchQueue` over ``kcore.scheduler.backend.queue.SchedulingQueue``.

    Events are translated into kube-scheduler's ClusterEvents (``NodeUpdate:label,allocatable``
    becomes one Node update per changed aspect) and matched by the queue against the default
    plugins' registrations, queueing hints on.
    """

    name = "native"

    def __init__(self, module: Any, *, initial_backoff: float, max_backoff: float) -> None:
        self._m = module
        self._q = module.SchedulingQueue(
            pod_initial_backoff_seconds=initial_backoff, pod_max_backoff_seconds=max_backoff
        )
        r, a = module.EventResource, module.ActionType
        ev = module.ClusterEvent
        self._events: dict[str, Any] = {
            "NodeAdd": ev(r.NODE, a.ADD),
            "NodeDelete": ev(r.NODE, a.DELETE),
            "AssignedPodDelete": ev(r.ASSIGNED_POD, a.DELETE),
            "label": ev(r.NODE, a.UPDATE_NODE_LABEL),
            "allocatable": ev(r.NODE, a.UPDATE_NODE_ALLOCATABLE),
            "taint": ev(r.NODE, a.UPDATE_NODE_TAINT),
            "condition": ev(r.NODE, a.UPDATE_NODE_CONDITION),
            "node": ev(r.NODE, a.UPDATE),
        }
        self._action = a

    def add(self, keys: Sequence[str], priorities: Sequence[int], now: float) -> None:
        self._q.add_batch(list(keys), now, priorities=list(priorities))

    def pop_batch(self, now: float, max_pods: int) -> list[str]:
        keys: list[str] = self._q.pop_batch_arrays(now, max_pods).keys
        return keys

    def done(self, key: str) -> None:
        self._q.done(key)

    def requeue_unschedulable(
        self,
        key: str,
        now: float,
        plugins: frozenset[str],
        pending: frozenset[str] = frozenset(),
    ) -> None:
        self._q.add_unschedulable_if_not_present(
            key, now, unschedulable_plugins=plugins, pending_plugins=pending
        )

    def requeue_backoff(self, key: str, now: float) -> None:
        self._q.add_unschedulable_if_not_present(key, now)  # no rejector: error backoff

    def delete(self, key: str) -> None:
        self._q.delete(key)

    def cluster_event(self, event: str, now: float) -> None:
        name, _, aspects = event.partition(":")
        if name == "NodeUpdate":
            for aspect in aspects.split(",") if aspects else ["node"]:
                self._q.move_all_to_active_or_backoff_queue(self._events[aspect], now)
            return
        known = self._events.get(name)
        if known is None:
            kind, action = _split_kind_action(name)
            act = self._action.ADD if action == "Add" else self._action.DELETE
            known = self._m.ClusterEvent(kind, act)
            self._events[name] = known
        self._q.move_all_to_active_or_backoff_queue(known, now)

    def assigned_pods_added(self, keys: Sequence[str], now: float) -> None:
        for k in keys:
            self._q.assigned_pod_added(k, now)

    def next_wakeup(self, now: float) -> float | None:
        if self._q.pending_pods().active:
            return now
        wake: float | None = self._q.next_wakeup(now)
        return wake

    def counts(self) -> tuple[int, int, int, int]:
        p = self._q.pending_pods()
        return p.active, p.backoff, p.unschedulable + p.gated, p.in_flight


def _split_kind_action(name: str) -> tuple[str, str]:
    for action in ("Add", "Delete"):
        if name.endswith(action):
            return name[: -len(action)] or "Object", action
    return name, "Add"


def make_queue(
    *, initial_backoff: float = 1.0, max_backoff: float = 10.0, prefer: str = "native"
) -> BenchQueue:
    """The native queue (``kcore.scheduler.backend.queue``) when it is available and
    ``prefer`` is ``"native"``, else the Python :class:`FallbackQueue`."""
    if prefer == "native":
        try:
            mod = importlib.import_module("kcore.scheduler.backend.queue")
            return NativeQueue(mod, initial_backoff=initial_backoff, max_backoff=max_backoff)
        except (ImportError, AttributeError):
            pass  # an extension built before the queue existed
    return FallbackQueue(initial_backoff=initial_backoff, max_backoff=max_backoff)
