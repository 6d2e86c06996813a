"""Recording ``events.k8s.io/v1`` Events the way client-go's ``tools/events`` broadcaster does.

kube-scheduler reports ``Scheduled``, ``FailedScheduling`` and ``Preempted`` as Events, which
``kubectl describe pod`` lists. The broadcaster keeps a stuck pod from flooding the API:

* **Bounded buffer.** At most ``MAX_QUEUED_EVENTS`` (1000) events wait to be written; more are
  dropped (counted in :attr:`EventBroadcaster.dropped`), as upstream's ``DropIfChannelFull``.
* **Series.** Events with the same *isomorphic key* (type, action, reason, reporting
  controller and instance, regarding and related object references, resourceVersion
  included) are aggregated: the first is created, the second turns it into a series
  (``series.count = 2``, written at once as a patch), later ones only bump the count in
  memory. Series are written again every ``REFRESH_TIME`` (30 min) and a final time once no
  occurrence was seen for ``FINISH_TIME`` (6 min), when the key is forgotten.
* **Rate limit.** Writes pass a token bucket (the ``clientConnection`` qps/burst of the
  component, as kube-scheduler's separate event client has).
* **Retries.** A write that fails for a transient reason (server unavailable, timeout, too
  many requests) is retried up to ``MAX_TRIES_PER_EVENT`` times, ``sleep_duration`` (10 s,
  jittered by 25%) apart; an event the server rejects is abandoned.

Time comes from the :class:`~kcore.util.clock.Clock`; jitter from the generator passed in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from kcore.api.errors import (
    AlreadyExists,
    InternalError,
    NotFound,
    ServiceUnavailable,
    StatusError,
    Timeout,
    TooManyRequests,
)
from kcore.client.rate_limiters import TokenBucket
from kcore.util.clock import rfc3339_micro

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kcore.client.interface import Client
    from kcore.util.clock import Clock
    from kcore.util.wait import Rand

__all__ = [
    "EVENT_TYPE_NORMAL",
    "EVENT_TYPE_WARNING",
    "MAX_NOTE_LENGTH",
    "EventBroadcaster",
    "EventRecorder",
    "object_reference",
]

log = logging.getLogger(__name__)

EVENT_TYPE_NORMAL: Final = "Normal"
EVENT_TYPE_WARNING: Final = "Warning"
MAX_QUEUED_EVENTS: Final = 1000
MAX_TRIES_PER_EVENT: Final = 12
FINISH_TIME: Final = 6 * 60.0
REFRESH_TIME: Final = 30 * 60.0
#: events.k8s.io notes are limited to 1 kB; kube-scheduler truncates its messages to this.
MAX_NOTE_LENGTH: Final = 1024
_RESOURCE: Final = "events.events.k8s.io"
_RETRIABLE = (ServiceUnavailable, Timeout, TooManyRequests, InternalError)
_EMPTY: Final[Mapping[str, Any]] = {}


def object_reference(obj: Mapping[str, Any]) -> dict[str, Any]:
    """``reference.GetReference``: kind, namespace, name, uid, apiVersion, resourceVersion."""
    md = obj.get("metadata") or _EMPTY
    ref: dict[str, Any] = {
        "kind": obj.get("kind") or "Pod",
        "apiVersion": obj.get("apiVersion") or "v1",
        "name": md.get("name", ""),
    }
    v = md.get("namespace")
    if v:
        ref["namespace"] = v
    v = md.get("uid")
    if v:
        ref["uid"] = v
    v = md.get("resourceVersion")
    if v:
        ref["resourceVersion"] = v
    return ref


def truncate_note(note: str) -> str:
    """kube-scheduler's ``truncateMessage``: at most 1024 characters, ``...`` marking a cut."""
    if len(note) <= MAX_NOTE_LENGTH:
        return note
    return note[: MAX_NOTE_LENGTH - 3] + "..."


_REF_FIELDS = ("kind", "apiVersion", "namespace", "name", "uid", "resourceVersion", "fieldPath")


def _ref_key(ref: Mapping[str, Any] | None) -> tuple[Any, ...]:
    if not ref:
        return ()
    get = ref.get
    # The fields of _REF_FIELDS, in order.
    return (
        get("kind"),
        get("apiVersion"),
        get("namespace"),
        get("name"),
        get("uid"),
        get("resourceVersion"),
        get("fieldPath"),
    )


class _MicroTime:
    """``rfc3339_micro`` with the formatted second cached (events are stamped in bursts)."""

    __slots__ = ("_prefix", "_second")

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def __call__(self, ts: float) -> str:
        second = int(ts)
        micros = round((ts - second) * 1e6)
        if micros >= 1_000_000 or ts < 0:
            return rfc3339_micro(ts)  # rounds into the next second (or before the epoch)
        if second != self._second:
            self._second = second
            self._prefix = rfc3339_micro(float(second))[:-8]  # drop ".000000Z"
        return f"{self._prefix}.{micros:06d}Z"


@dataclass(slots=True)
class _Cached:
    """An event remembered for aggregation (upstream's ``eventCache`` entry)."""

    event: dict[str, Any]
    first_seen: float  # clock.now() of the first occurrence
    count: int = 1  # occurrences; > 1 makes it a series
    last_observed: float = 0.0


class EventRecorder:
    """Records events for one reporting controller (kube-scheduler: one per profile).

    Contract: :meth:`eventf` never blocks and never raises for a full buffer (the event is
    dropped and counted, as upstream).
    """

    __slots__ = ("_broadcaster", "reporting_controller", "reporting_instance")

    def __init__(
        self, broadcaster: EventBroadcaster, reporting_controller: str, reporting_instance: str
    ) -> None:
        self._broadcaster = broadcaster
        self.reporting_controller = reporting_controller
        self.reporting_instance = reporting_instance

    def eventf(  # noqa: PLR0917 - client-go's Eventf(regarding, related, type, reason, ...)
        self,
        regarding: Mapping[str, Any],
        related: Mapping[str, Any] | None,
        event_type: str,
        reason: str,
        action: str,
        note: str,
    ) -> None:
        """Record an event about ``regarding`` (an object), optionally ``related`` to another."""
        b = self._broadcaster
        if len(b._buffer) >= b.max_queued:
            b.dropped += 1
            return
        ref = object_reference(regarding)
        rel = object_reference(related) if related is not None else None
        b._buffer.append((ref, rel, event_type, reason, action, note, self))
        b._wake.set()


class EventBroadcaster:
    """Writes recorded events to the API (``events.k8s.io/v1``) with aggregation into series.

    Contract: events from all recorders are written in the order recorded (isomorphic ones
    aggregated); :meth:`run` writes until cancelled; :meth:`flush` waits until the buffer is
    empty and nothing is being written (tests, shutdown). Counters: ``recorded`` (API writes
    that succeeded), ``dropped`` (buffer full), ``failed`` (abandoned after retries or
    rejected).
    """

    def __init__(
        self,
        client: Client,
        clock: Clock,
        *,
        qps: float | None = None,
        burst: int = 100,
        rng: Rand | None = None,
        max_queued: int = MAX_QUEUED_EVENTS,
        sleep_duration: float = 10.0,
        workers: int = 2,
    ) -> None:
        self.client = client
        self.clock = clock
        self.max_queued = max_queued
        self.sleep_duration = sleep_duration
        self._rng = rng
        self._limiter = TokenBucket(qps, burst, clock) if qps is not None else None
        self._workers = max(1, workers)
        # _buffer: events recorded and not yet taken by a sink worker (bounded by max_queued).
        self._buffer: deque[tuple[Any, ...]] = deque()
        self._wake = asyncio.Event()
        # _cache: isomorphic key -> the event as last written (upstream's eventCache).
        self._cache: dict[tuple[Any, ...], _Cached] = {}
        self._busy = 0
        self._last_nanos = 0
        self._micro = _MicroTime()
        self._retries: set[asyncio.Task[None]] = set()
        self.recorded = 0
        self.dropped = 0
        self.failed = 0

    def new_recorder(self, reporting_controller: str, reporting_instance: str) -> EventRecorder:
        """A recorder for ``reporting_controller`` (e.g. ``default-scheduler``)."""
        return EventRecorder(self, reporting_controller, reporting_instance)

    @property
    def pending(self) -> int:
        """Events waiting in the buffer or being written."""
        return len(self._buffer) + self._busy + len(self._retries)

    # ------------------------------------------------------------------------------- running

    async def run(self) -> None:
        """Write events until cancelled (sink workers plus the series finisher/refresher)."""
        tasks = [asyncio.ensure_future(self._sink()) for _ in range(self._workers)]
        tasks.append(asyncio.ensure_future(self._periodic(FINISH_TIME, self._finish_series)))
        tasks.append(asyncio.ensure_future(self._periodic(REFRESH_TIME, self._refresh_series)))
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in [*tasks, *self._retries]:
                t.cancel()
            for t in [*tasks, *self._retries]:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t

    async def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every buffered event was handled; False if ``timeout`` passed first."""
        deadline = self.clock.monotonic() + timeout
        while self.pending:
            if self.clock.monotonic() >= deadline:
                return False
            await self.clock.sleep(0.005)
        return True

    async def _periodic(self, period: float, fn: Any) -> None:
        while True:
            await self.clock.sleep(period)
            await fn()

    async def _sink(self) -> None:
        buf = self._buffer
        while True:
            if not buf:
                self._wake.clear()
                await self._wake.wait()
                continue
            item = buf.popleft()
            self._busy += 1
            try:
                ev = self._aggregate(item)
                if ev is not None:
                    if self._limiter is not None:
                        wait = self._limiter.reserve()
                        if wait > 0:
                            await self.clock.sleep(wait)
                    await self._attempt(ev, first=True)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("failed to record an event")
            finally:
                self._busy -= 1

    # ------------------------------------------------------------------------------- series

    def _new_name(self, base: str, now: float) -> str:
        nanos = int(now * 1e9)
        if nanos <= self._last_nanos:
            nanos = self._last_nanos + 1
        self._last_nanos = nanos
        return f"{base}.{nanos:x}"

    def _aggregate(self, item: tuple[Any, ...]) -> dict[str, Any] | None:
        ref, rel, event_type, reason, action, note, recorder = item
        return self._aggregate_one(ref, rel, event_type, reason, action, note, recorder)

    def _aggregate_one(  # noqa: PLR0917 - the fields of one recorded event
        self,
        ref: dict[str, Any],
        rel: dict[str, Any] | None,
        event_type: str,
        reason: str,
        action: str,
        note: str,
        recorder: EventRecorder,
    ) -> dict[str, Any] | None:
        """Upstream's ``recordToSink`` cache step: the event to write now, or None."""
        key = (
            event_type,
            action,
            reason,
            recorder.reporting_controller,
            recorder.reporting_instance,
            _ref_key(ref),
            _ref_key(rel),
        )
        now = self.clock.now()
        cached = self._cache.get(key)
        if cached is not None:
            cached.count += 1
            cached.last_observed = now
            if cached.count > 2:
                return None  # the series is written by the refresher/finisher
            return self._with_series(cached)
        event: dict[str, Any] = {
            "apiVersion": "events.k8s.io/v1",
            "kind": "Event",
            "metadata": {
                "name": self._new_name(ref.get("name") or "event", now),
                "namespace": ref.get("namespace") or "default",
            },
            "eventTime": self._micro(now),
            "reportingController": recorder.reporting_controller,
            "reportingInstance": recorder.reporting_instance,
            "action": action,
            "reason": reason,
            "regarding": ref,
            "note": truncate_note(note),
            "type": event_type,
        }
        if rel is not None:
            event["related"] = rel
        self._cache[key] = _Cached(event, now, 1, now)
        return event

    @staticmethod
    def _with_series(cached: _Cached) -> dict[str, Any]:
        ev = dict(cached.event)
        ev["series"] = {
            "count": cached.count,
            "lastObservedTime": rfc3339_micro(cached.last_observed),
        }
        return ev

    async def _finish_series(self) -> None:
        cutoff = self.clock.now() - FINISH_TIME
        for key, cached in list(self._cache.items()):
            if cached.count > 1:
                if cached.last_observed < cutoff:
                    await self._attempt(self._with_series(cached), first=False)
                    self._cache.pop(key, None)
            elif cached.first_seen < cutoff:
                self._cache.pop(key, None)

    async def _refresh_series(self) -> None:
        for cached in list(self._cache.values()):
            if cached.count > 1:
                await self._attempt(self._with_series(cached), first=False)

    # ------------------------------------------------------------------------------- writing

    async def _write(self, ev: dict[str, Any]) -> None:
        ns = ev["metadata"]["namespace"]
        series = ev.get("series")
        if series is not None:
            try:
                await self.client.patch(
                    _RESOURCE,
                    ev["metadata"]["name"],
                    {"series": series},
                    namespace=ns,
                    patch_type="merge",
                )
            except NotFound:
                pass
            else:
                return
        await self.client.create(_RESOURCE, ev, namespace=ns)

    async def _attempt(self, ev: dict[str, Any], *, first: bool) -> None:
        """Write ``ev``; on a transient failure keep retrying in the background."""
        try:
            if ev.get("series") is None:  # _write, spelled out for the common case
                await self.client.create(_RESOURCE, ev, namespace=ev["metadata"]["namespace"])
            else:
                await self._write(ev)
        except _RETRIABLE as err:
            if first:
                task = asyncio.ensure_future(self._retry(ev, err))
                self._retries.add(task)
                task.add_done_callback(self._retries.discard)
            else:
                self.failed += 1
            return
        except AlreadyExists:
            if ev.get("series") is not None:
                return  # created meanwhile: the next refresh writes the count
            self.failed += 1
            return
        except StatusError as err:
            self.failed += 1
            log.warning("server rejected event %s (will not retry): %s", _describe(ev), err)
            return
        self.recorded += 1

    async def _retry(self, ev: dict[str, Any], err: Exception) -> None:
        tries = 1
        while tries < MAX_TRIES_PER_EVENT:
            jitter = self._rng.random() if self._rng is not None else 0.5
            await self.clock.sleep(self.sleep_duration * (1.0 + 0.25 * jitter))
            try:
                await self._write(ev)
            except _RETRIABLE as e:
                err = e
                tries += 1
                continue
            except StatusError as e:
                self.failed += 1
                log.warning("server rejected event %s (will not retry): %s", _describe(ev), e)
                return
            self.recorded += 1
            return
        self.failed += 1
        log.error("unable to write event %s (retry limit exceeded): %s", _describe(ev), err)


def _describe(ev: Mapping[str, Any]) -> str:
    reg = ev.get("regarding") or {}
    return f"{ev.get('reason')} for {reg.get('kind')} {reg.get('namespace')}/{reg.get('name')}"
