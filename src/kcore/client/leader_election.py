"""client-go's leader election on a ``coordination.k8s.io/v1`` Lease.

Several replicas of a component run a :class:`LeaderElector` on the same lock; at most one of
them runs its ``on_started_leading`` work at a time. The algorithm is client-go's
(``tools/leaderelection``):

* A candidate reads the lease. If nobody holds it, or the holder has not renewed it for
  ``lease_duration`` seconds *as observed on the candidate's own clock* (the remote
  ``renewTime`` is never compared with local time, so clock skew cannot cause a takeover), the
  candidate writes itself in as holder. Writes carry the lease's resourceVersion, so of two
  racing candidates one gets ``409 Conflict`` and loses.
* Candidates retry every ``retry_period`` (jittered by up to 1.2x).
* The leader renews every ``retry_period``; if it cannot renew within ``renew_deadline`` it
  stops leading (its work is cancelled) before any other candidate may take over, because
  ``renew_deadline < lease_duration``.
* With ``release_on_cancel``, a leader that is cancelled clears the holder so a successor can
  take over at once instead of waiting for the lease to expire.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from kcore.api.errors import NotFound
from kcore.util.clock import parse_rfc3339, rfc3339_micro
from kcore.util.wait import NO_JITTER_RAND, Rand, jitter, wait_for

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from kcore.client.interface import Client
    from kcore.util.clock import Clock

log = logging.getLogger(__name__)

JITTER_FACTOR = 1.2
"""Retry periods are jittered up to this factor; ``renew_deadline`` must exceed
``JITTER_FACTOR * retry_period``."""


@dataclass(frozen=True, slots=True)
class LeaderElectionRecord:
    """The lock's content (client-go ``LeaderElectionRecord``); times are epoch seconds."""

    holder_identity: str = ""
    lease_duration_seconds: int = 0
    acquire_time: float | None = None
    renew_time: float | None = None
    leader_transitions: int = 0


class ResourceLock(Protocol):
    """A lock object on the server (client-go ``resourcelock.Interface``)."""

    def identity(self) -> str: ...

    def describe(self) -> str: ...

    async def get(self) -> LeaderElectionRecord:
        """The current record; raises :class:`~kcore.api.errors.NotFound` if absent."""
        ...

    async def create(self, record: LeaderElectionRecord) -> None: ...

    async def update(self, record: LeaderElectionRecord) -> None:
        """Write ``record`` over the version last read or written (``Conflict`` otherwise)."""
        ...


class LeaseLock:
    """A :class:`ResourceLock` on a ``coordination.k8s.io/v1`` Lease ``namespace/name``.

    ``update`` is conditional on the resourceVersion of the lease last returned by ``get``,
    ``create`` or ``update`` on this lock, which is what makes elections safe.
    """

    def __init__(self, client: Client, namespace: str, name: str, identity: str) -> None:
        if not identity:
            msg = "leader election: lock identity must not be empty"
            raise ValueError(msg)
        self.client = client
        self.namespace = namespace
        self.name = name
        self._identity = identity
        # _lease: the lease object last read or written; its resourceVersion is the
        # precondition of the next update.
        self._lease: Mapping[str, Any] | None = None

    def identity(self) -> str:
        return self._identity

    def describe(self) -> str:
        return f"{self.namespace}/{self.name}"

    async def get(self) -> LeaderElectionRecord:
        lease = await self.client.get("leases", self.name, namespace=self.namespace)
        self._lease = lease
        return _record_from_spec(lease.get("spec") or {})

    async def create(self, record: LeaderElectionRecord) -> None:
        obj = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": _spec_from_record(record),
        }
        self._lease = await self.client.create("leases", obj, namespace=self.namespace)

    async def update(self, record: LeaderElectionRecord) -> None:
        if self._lease is None:
            msg = "lease not initialized, call get or create first"
            raise RuntimeError(msg)
        old = self._lease
        obj = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": dict(old.get("metadata") or {}),
            "spec": {**(old.get("spec") or {}), **_spec_from_record(record)},
        }
        self._lease = await self.client.update("leases", obj, namespace=self.namespace)


def _spec_from_record(r: LeaderElectionRecord) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "holderIdentity": r.holder_identity,
        "leaseDurationSeconds": r.lease_duration_seconds,
        "leaseTransitions": r.leader_transitions,
    }
    spec["acquireTime"] = rfc3339_micro(r.acquire_time) if r.acquire_time is not None else None
    spec["renewTime"] = rfc3339_micro(r.renew_time) if r.renew_time is not None else None
    return spec


def _record_from_spec(spec: Mapping[str, Any]) -> LeaderElectionRecord:
    def ts(v: Any) -> float | None:
        return parse_rfc3339(v) if isinstance(v, str) and v else None

    return LeaderElectionRecord(
        holder_identity=str(spec.get("holderIdentity") or ""),
        lease_duration_seconds=int(spec.get("leaseDurationSeconds") or 0),
        acquire_time=ts(spec.get("acquireTime")),
        renew_time=ts(spec.get("renewTime")),
        leader_transitions=int(spec.get("leaseTransitions") or 0),
    )


@dataclass(slots=True)
class LeaderCallbacks:
    """What to do on leadership changes.

    ``on_started_leading()`` (sync or async) runs as a task when this candidate becomes leader
    and is cancelled when it stops leading. ``on_stopped_leading()`` is called when
    :meth:`LeaderElector.run` ends, whether or not it ever led. ``on_new_leader(identity)`` is
    called whenever the observed holder changes (including to this candidate).
    """

    on_started_leading: Callable[[], Awaitable[None] | None]
    on_stopped_leading: Callable[[], None]
    on_new_leader: Callable[[str], None] | None = None


@dataclass(slots=True)
class LeaderElectionConfig:
    """Timing and lock of an election (client-go defaults of kube-scheduler and
    kube-controller-manager: 15 s lease, 10 s renew deadline, 2 s retry)."""

    lock: ResourceLock
    callbacks: LeaderCallbacks
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    release_on_cancel: bool = False
    name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.lease_duration <= self.renew_deadline:
            msg = "leaseDuration must be greater than renewDeadline"
            raise ValueError(msg)
        if self.renew_deadline <= JITTER_FACTOR * self.retry_period:
            msg = "renewDeadline must be greater than retryPeriod*JitterFactor"
            raise ValueError(msg)
        if self.lease_duration < 1:
            msg = "leaseDuration must be greater than zero"
            raise ValueError(msg)
        if self.renew_deadline < 1:
            msg = "renewDeadline must be greater than zero"
            raise ValueError(msg)
        if self.retry_period < 1:
            msg = "retryPeriod must be greater than zero"
            raise ValueError(msg)


class LeaderElector:
    """One candidate in an election (client-go ``LeaderElector``).

    Contract
    --------
    * :meth:`run` tries to acquire the lock until it succeeds or is cancelled; then runs
      ``on_started_leading`` and renews until a renewal fails for ``renew_deadline``, at which
      point the work is cancelled and :meth:`run` returns. ``on_stopped_leading`` is always
      called when :meth:`run` ends. Run it again to stand for election again.
    * Two electors on the same lock, with the same timing, never lead at the same time, as long
      as their clocks advance at the same rate (the lease is judged on local observation time).
    * All waiting is on ``clock``; jitter comes from ``rng``.
    """

    def __init__(self, config: LeaderElectionConfig, clock: Clock, *, rng: Rand | None = None):
        self.config = config
        self._clock = clock
        self._rng = rng or NO_JITTER_RAND
        self._lock = config.lock
        # _observed_record: the last record read or written; _observed_time: local monotonic
        # time at which it was observed to change (the lease expires lease_duration after).
        self._observed_record = LeaderElectionRecord()
        self._observed_time = 0.0
        self._reported_leader = ""
        self._leading = False

    # -- state --------------------------------------------------------------------------------

    def get_leader(self) -> str:
        """The identity of the last observed holder ("" if none)."""
        return self._observed_record.holder_identity

    def is_leader(self) -> bool:
        """Whether the last observed record names this candidate."""
        return self._observed_record.holder_identity == self._lock.identity()

    @property
    def leading(self) -> bool:
        """True while ``on_started_leading`` work is running."""
        return self._leading

    # -- run ----------------------------------------------------------------------------------

    async def run(self) -> None:
        """Acquire, lead, renew; return when leadership is lost (see the class contract)."""
        work: asyncio.Task[Any] | None = None
        try:
            await self._acquire()
            self._leading = True
            work = asyncio.ensure_future(self._start_work())
            await self._renew()
        finally:
            self._leading = False
            if work is not None and not work.done():
                work.cancel()
                try:
                    await work
                except asyncio.CancelledError:
                    pass
                except Exception:
                    log.exception("%s: on_started_leading failed", self._name())
            if self.config.release_on_cancel:
                await asyncio.shield(self._release_quietly())
            self.config.callbacks.on_stopped_leading()

    async def _start_work(self) -> None:
        result = self.config.callbacks.on_started_leading()
        if inspect.isawaitable(result):
            await result

    def _name(self) -> str:
        return self.config.name or self._lock.describe()

    async def _acquire(self) -> None:
        desc = self._lock.describe()
        log.info("attempting to acquire leader lease %s...", desc)
        while True:
            ok = await self._try_with_deadline(self.config.renew_deadline)
            self._maybe_report_transition()
            if ok:
                log.info("successfully acquired lease %s", desc)
                return
            await self._clock.sleep(jitter(self.config.retry_period, JITTER_FACTOR, self._rng))

    async def _renew(self) -> None:
        cfg = self.config
        while True:
            deadline = self._clock.monotonic() + cfg.renew_deadline
            renewed = False
            while True:
                remaining = deadline - self._clock.monotonic()
                if remaining <= 0:
                    break
                if await self._try_with_deadline(remaining):
                    renewed = True
                    break
                remaining = deadline - self._clock.monotonic()
                if remaining <= 0:
                    break
                await self._clock.sleep(min(cfg.retry_period, remaining))
            self._maybe_report_transition()
            if not renewed:
                log.info("failed to renew lease %s: timed out", self._lock.describe())
                return
            # The leader's work may finish on its own: the lease is still held (client-go).
            await self._clock.sleep(cfg.retry_period)

    async def _try_with_deadline(self, timeout: float) -> bool:
        try:
            return await wait_for(self._clock, self._try_acquire_or_renew(), timeout)
        except TimeoutError:
            return False

    async def _try_acquire_or_renew(self) -> bool:
        cfg = self.config
        now = self._clock.now()
        identity = self._lock.identity()
        record = LeaderElectionRecord(
            holder_identity=identity,
            lease_duration_seconds=int(cfg.lease_duration),
            acquire_time=now,
            renew_time=now,
        )
        try:
            old = await self._lock.get()
        except NotFound:
            try:
                await self._lock.create(record)
            except Exception as err:
                log.info("error initially creating leader election record: %s", err)
                return False
            self._set_observed(record)
            return True
        except Exception as err:
            log.info("error retrieving resource lock %s: %s", self._lock.describe(), err)
            return False
        if old != self._observed_record:
            self._set_observed(old)
        if (
            old.holder_identity
            and self._observed_time + old.lease_duration_seconds > self._clock.monotonic()
            and not self.is_leader()
        ):
            log.debug("lock is held by %s and has not yet expired", old.holder_identity)
            return False
        if self.is_leader():
            record = LeaderElectionRecord(
                holder_identity=identity,
                lease_duration_seconds=record.lease_duration_seconds,
                acquire_time=old.acquire_time,
                renew_time=now,
                leader_transitions=old.leader_transitions,
            )
        else:
            record = LeaderElectionRecord(
                holder_identity=identity,
                lease_duration_seconds=record.lease_duration_seconds,
                acquire_time=now,
                renew_time=now,
                leader_transitions=old.leader_transitions + 1,
            )
        try:
            await self._lock.update(record)
        except Exception as err:
            log.info("failed to update lock %s: %s", self._lock.describe(), err)
            return False
        self._set_observed(record)
        return True

    def _set_observed(self, record: LeaderElectionRecord) -> None:
        self._observed_record = record
        self._observed_time = self._clock.monotonic()

    def _maybe_report_transition(self) -> None:
        holder = self._observed_record.holder_identity
        if holder == self._reported_leader:
            return
        self._reported_leader = holder
        cb = self.config.callbacks.on_new_leader
        if cb is not None:
            try:
                cb(holder)
            except Exception:
                log.exception("%s: on_new_leader failed", self._name())

    async def release(self) -> bool:
        """Give up the lock if held: clear the holder so a successor need not wait."""
        if not self.is_leader():
            return True
        now = self._clock.now()
        record = LeaderElectionRecord(
            holder_identity="",
            lease_duration_seconds=1,
            acquire_time=now,
            renew_time=now,
            leader_transitions=self._observed_record.leader_transitions,
        )
        try:
            await self._lock.update(record)
        except Exception as err:
            log.error("failed to release lock %s: %s", self._lock.describe(), err)
            return False
        self._set_observed(record)
        return True

    async def _release_quietly(self) -> None:
        try:
            await self.release()
        except Exception:
            log.exception("%s: release failed", self._name())
