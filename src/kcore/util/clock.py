"""Time for every kcore component: the only module allowed to read wall time or sleep.

Components receive a :class:`Clock` and never call ``time``/``asyncio.sleep`` themselves, so
the same code runs in real time (:class:`RealClock`, serving) and in virtual time
(:class:`VirtualClock`, simulation and tests, where time jumps to the next timer and a run is
reproducible).

Virtual time and asyncio
------------------------
A :class:`VirtualClock` drives a :class:`VirtualEventLoop`: an ordinary selector event loop
whose ``loop.time()`` *is* the clock's ``monotonic()``. Every timer in the loop therefore runs on
virtual time: ``clock.sleep()``, ``asyncio.sleep()``, ``asyncio.wait_for``/``asyncio.timeout``,
``loop.call_later``. Virtual time advances in exactly two ways:

1. **Idle jump.** When the loop has nothing to run (no ready callback, no I/O ready on a
   non-blocking poll, no job in flight in an executor, and the clock is not held), it moves the
   clock straight to the earliest pending timer. Every task is then waiting, so the jump cannot
   be observed except through the clock. ``await clock.sleep(5)`` returns at exactly
   ``monotonic() + 5``, after every timer due before then has fired in order.
2. **Manual step.** :meth:`VirtualClock.step` adds to the time at once (client-go's
   ``FakeClock.Step``); timers that became due fire at the next loop iteration, in deadline order.

Nothing else moves the clock: callbacks and coroutines take zero virtual time however long they
run for real. Work handed to threads through ``loop.run_in_executor``/``asyncio.to_thread``
blocks the idle jump until it finishes, so a simulation never skips ahead of its own compute;
other external work (sockets, subprocesses, foreign threads calling ``call_soon_threadsafe``)
must be bracketed with :meth:`VirtualClock.hold` or its completion may arrive "late" in virtual
time. When no timer is pending the loop blocks for real, as asyncio does, waiting for an
external event.

Given the same program and seeds, a run on a virtual clock produces the same trace every time.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import selectors
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine, Iterator
    from concurrent.futures import Executor

_T = TypeVar("_T")

#: The epoch second at which a :class:`VirtualClock` starts by default: 2025-01-01T00:00:00Z.
DEFAULT_VIRTUAL_EPOCH = 1_735_689_600.0


@runtime_checkable
class Clock(Protocol):
    """A source of time and of waiting.

    ``now()`` is seconds since the Unix epoch (for timestamps written into objects);
    ``monotonic()`` never goes backwards (for durations and deadlines); ``sleep()`` suspends the
    calling coroutine for ``seconds`` of this clock's time.
    """

    def now(self) -> float: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    """Wall-clock time and real sleeping (the serving mode)."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class VirtualClock:
    """A deterministic clock whose time moves only when the program lets it.

    Contract
    --------
    * ``monotonic()`` starts at ``monotonic_start`` (0.0 by default) and ``now()`` at ``start``
      (epoch seconds, 2025-01-01T00:00:00Z by default); both move together and never backwards.
    * Time advances only by an *idle jump* of a :class:`VirtualEventLoop` driven by this clock
      (when every task is waiting, to the earliest timer) or by :meth:`step`. See the module
      docstring for the exact rules.
    * ``sleep()`` must run on a loop driven by this clock (:meth:`run`, :meth:`new_event_loop`,
      or ``asyncio.Runner(loop_factory=clock.new_event_loop)``); on any other loop it raises
      ``RuntimeError`` rather than silently mixing real and virtual time.
    * One loop at a time may run on a clock. ``step()``, ``now()`` and ``monotonic()`` may be
      called from any thread; ``hold()`` too.

    Examples
    --------
    >>> clock = VirtualClock()
    >>> async def main() -> float:
    ...     await clock.sleep(3600)
    ...     return clock.monotonic()
    >>> clock.run(main())
    3600.0
    """

    __slots__ = ("_epoch", "_holds", "_lock", "_loop", "_t")

    def __init__(
        self, start: float = DEFAULT_VIRTUAL_EPOCH, *, monotonic_start: float = 0.0
    ) -> None:
        if not (math.isfinite(start) and math.isfinite(monotonic_start)):
            msg = (
                f"virtual clock start must be finite, got start={start} monotonic={monotonic_start}"
            )
            raise ValueError(msg)
        # _t: virtual monotonic seconds; only ever increases.
        self._t = float(monotonic_start)
        # _epoch: now() - monotonic(), fixed for the clock's life.
        self._epoch = float(start) - self._t
        # _holds: number of open hold() scopes; the idle jump is suspended while > 0.
        self._holds = 0
        self._lock = threading.Lock()
        # _loop: the VirtualEventLoop currently running on this clock, if any.
        self._loop: VirtualEventLoop | None = None

    def __repr__(self) -> str:
        return f"VirtualClock(monotonic={self._t!r}, now={rfc3339_micro(self.now())})"

    # -- reading ------------------------------------------------------------------------------

    def now(self) -> float:
        """Virtual seconds since the Unix epoch."""
        return self._epoch + self._t

    def monotonic(self) -> float:
        """Virtual monotonic seconds (what the loop's ``time()`` returns)."""
        return self._t

    # -- moving -------------------------------------------------------------------------------

    def step(self, seconds: float) -> None:
        """Advance the time by ``seconds`` at once (client-go ``FakeClock.Step``).

        Timers that became due fire at the next iteration of the running loop, in deadline
        order, each seeing the new time. ``seconds`` must be finite and >= 0.
        """
        if not (math.isfinite(seconds) and seconds >= 0):
            msg = f"VirtualClock.step() needs a finite, non-negative duration, got {seconds!r}"
            raise ValueError(msg)
        with self._lock:
            self._t += seconds
        loop = self._loop
        if loop is not None and loop.is_running() and not loop._in_loop_thread():
            loop._wake()  # wake a real select so due timers are seen

    def _advance_to(self, t: float) -> None:
        with self._lock:
            self._t = max(self._t, t)

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Suspend idle jumps while external work (not tracked by the loop) is in progress.

        Inside the scope the loop waits for real I/O instead of jumping ahead; use it around
        waits for sockets, subprocesses or threads that report back with
        ``call_soon_threadsafe``.
        """
        with self._lock:
            self._holds += 1
        try:
            yield
        finally:
            with self._lock:
                self._holds -= 1
            loop = self._loop
            if loop is not None and loop.is_running():
                loop._wake()

    @property
    def held(self) -> bool:
        """Whether a :meth:`hold` scope is open."""
        return self._holds > 0

    # -- waiting ------------------------------------------------------------------------------

    async def sleep(self, seconds: float) -> None:
        """Suspend the calling task for ``seconds`` of virtual time (negative means 0)."""
        loop = asyncio.get_running_loop()
        if not isinstance(loop, VirtualEventLoop) or loop.clock is not self:
            msg = (
                "VirtualClock.sleep() must be awaited on an event loop driven by this clock: "
                "use clock.run(main()) or asyncio.Runner(loop_factory=clock.new_event_loop)"
            )
            raise RuntimeError(msg)
        await asyncio.sleep(max(0.0, seconds))

    async def run_until(
        self,
        condition: Callable[[], bool] | Awaitable[_T],
        *,
        timeout: float | None = None,
    ) -> _T | None:
        """Let the program run until ``condition`` holds, then return (virtual time moves on).

        ``condition`` is either a cheap side-effect-free predicate, evaluated now and then each
        time the loop becomes idle (every task waiting, before the clock jumps), or an awaitable,
        whose result is returned. ``timeout`` is in virtual seconds; on expiry
        ``TimeoutError`` is raised naming the condition.
        """
        loop = self._running_loop()
        if not callable(condition):
            return await asyncio.wait_for(condition, timeout)
        if condition():
            return None
        fut: asyncio.Future[None] = loop.create_future()
        entry = (condition, fut)
        loop._idle_predicates.append(entry)
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            what = getattr(condition, "__name__", repr(condition))
            msg = f"condition {what} still false after {timeout} virtual seconds"
            raise TimeoutError(msg) from None
        finally:
            with contextlib.suppress(ValueError):
                loop._idle_predicates.remove(entry)
        return None

    def _running_loop(self) -> VirtualEventLoop:
        loop = asyncio.get_running_loop()
        if not isinstance(loop, VirtualEventLoop) or loop.clock is not self:
            msg = "VirtualClock.run_until() must be awaited on an event loop driven by this clock"
            raise RuntimeError(msg)
        return loop

    # -- loops --------------------------------------------------------------------------------

    def new_event_loop(self) -> VirtualEventLoop:
        """A new event loop driven by this clock (a ``loop_factory`` for ``asyncio.Runner``)."""
        return VirtualEventLoop(self)

    def run(self, main: Coroutine[Any, Any, _T], *, debug: bool | None = None) -> _T:
        """Run ``main`` to completion on a fresh virtual-time loop (``asyncio.run`` on this clock).

        Remaining tasks are cancelled and async generators and the default executor shut down
        afterwards, as ``asyncio.run`` does.
        """
        with asyncio.Runner(debug=debug, loop_factory=self.new_event_loop) as runner:
            return runner.run(main)


class _VirtualSelector(selectors.BaseSelector):
    """Wraps the loop's real selector: a would-block ``select`` becomes an idle jump."""

    def __init__(self, loop: VirtualEventLoop, real: selectors.BaseSelector) -> None:
        self._loop = loop
        self._real = real

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def get_key(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.get_key(fileobj)

    def get_map(self) -> Any:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is not None and timeout <= 0:
            return self._real.select(0)
        events = self._real.select(0)
        if events:
            return events
        loop = self._loop
        clock = loop.clock
        if loop._executor_jobs or clock._holds:
            # Real work is in flight: wait for it for real (its completion wakes the loop).
            return self._real.select(None if clock._holds == 0 else 0.05)
        if loop._check_idle_predicates():
            return []
        if timeout is None:
            # No timer at all: only an external event can wake us, as in plain asyncio.
            return self._real.select(None)
        clock._advance_to(loop._next_deadline(clock._t + timeout))
        return []


class VirtualEventLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose time is a :class:`VirtualClock`'s ``monotonic()``.

    Contract: identical to ``asyncio.SelectorEventLoop`` except that ``time()`` is virtual and
    a select that would block instead advances the clock to the next timer (see the module
    docstring for when it does and does not). Executor jobs (``run_in_executor``,
    ``asyncio.to_thread``) are counted and suspend the idle jump until they finish.
    """

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__()
        self.clock = clock
        # _executor_jobs: executor futures not yet done; the idle jump waits while > 0.
        self._executor_jobs = 0
        # _idle_predicates: (predicate, future) pairs from run_until(), checked when idle.
        self._idle_predicates: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []
        self._thread_id_v: int | None = None
        self._selector = _VirtualSelector(self, self._selector)  # type: ignore[has-type]

    def time(self) -> float:
        return self.clock._t

    def run_forever(self) -> None:
        clock = self.clock
        if clock._loop is not None and clock._loop is not self and clock._loop.is_running():
            msg = "another event loop is already running on this VirtualClock"
            raise RuntimeError(msg)
        clock._loop = self
        self._thread_id_v = threading.get_ident()
        try:
            super().run_forever()
        finally:
            self._thread_id_v = None
            if clock._loop is self:
                clock._loop = None

    def _wake(self) -> None:
        self._write_to_self()  # type: ignore[attr-defined]

    def _in_loop_thread(self) -> bool:
        return self._thread_id_v == threading.get_ident()

    def run_in_executor(  # type: ignore[override]
        self, executor: Executor | None, func: Callable[..., _T], *args: Any
    ) -> asyncio.Future[_T]:
        fut = super().run_in_executor(executor, func, *args)
        self._executor_jobs += 1
        fut.add_done_callback(self._executor_job_done)
        return fut

    def _executor_job_done(self, _fut: asyncio.Future[Any]) -> None:
        self._executor_jobs -= 1

    def _next_deadline(self, fallback: float) -> float:
        """Where an idle jump lands: exactly on the head timer's deadline when it is the
        reason for the select timeout (avoiding float drift), else ``fallback``."""
        scheduled: list[asyncio.TimerHandle] = self._scheduled  # type: ignore[attr-defined]
        if scheduled:
            when = scheduled[0].when()
            if when <= fallback + 1e-6:
                return when
        return fallback

    def _check_idle_predicates(self) -> bool:
        woke = False
        for cond, fut in list(self._idle_predicates):
            if fut.done():
                continue
            if cond():
                fut.set_result(None)
                woke = True
        return woke


def rfc3339(ts: float) -> str:
    """Format epoch seconds as Kubernetes writes timestamps: ``2025-11-03T09:00:00Z``."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_micro(ts: float) -> str:
    """Format epoch seconds with microseconds (``MicroTime``: leases, events.k8s.io)."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text: str) -> float:
    """Parse a Kubernetes timestamp (``Z`` or offset, optional fraction) to epoch seconds."""
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    return datetime.fromisoformat(s).timestamp()
