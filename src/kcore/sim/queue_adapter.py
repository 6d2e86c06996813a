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

    def requeue_unschedulable(self, key: str, now: float) -> None: ...

    def requeue_backoff(self, key: str, now: float) -> None: ...

    def delete(self, key: str) -> None: ...

    def cluster_event(self, event: str, now: float) -> None: ...

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
            e.popped_at_event = self._events
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

    def requeue_unschedulable(self, key: str, now: float) -> None:
        e = self._failed(key, now)
        if e is None:
            return
        if e.popped_at_event != self._events:
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

    def cluster_event(self, event: str, now: float) -> None:
        del event
        self._events += 1
        for e in list(self._pool.values()):
            self._move_from_pool(e, now)

    def next_wakeup(self, now: float) -> float | None:
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


def make_queue(*, initial_backoff: float = 1.0, max_backoff: float = 10.0) -> BenchQueue:
    """The native queue's adapter when ``kcore.scheduler.backend.queue`` exists, else the
    Python fallback."""
    try:
        mod = importlib.import_module("kcore.scheduler.backend.queue")
    except ImportError:
        return FallbackQueue(initial_backoff=initial_backoff, max_backoff=max_backoff)
    factory = getattr(mod, "bench_queue", None)
    if callable(factory):
        q: BenchQueue = factory(initial_backoff=initial_backoff, max_backoff=max_backoff)
        return q
    return FallbackQueue(initial_backoff=initial_backoff, max_backoff=max_backoff)
