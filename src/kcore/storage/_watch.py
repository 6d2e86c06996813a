"""Watch fan-out shared by the backends: :class:`StoreWatcher` and :class:`WatchHub`.

Design
------
A backend dispatches every change, in revision order, to a :class:`WatchHub` from whatever
thread made (or, for etcd, received) it, while holding the lock that orders its writes. The hub
appends the *same* immutable :class:`WatchEvent` to the bounded buffer of every watcher whose
prefix matches (no copies, no serialisation) and never waits: a watcher whose buffer is full is
ended with ``Expired``. Waking the consumers costs one ``call_soon_threadsafe`` per event loop
per dispatch, not one per watcher: a :class:`_LoopWaker` per loop collects the watchers to wake
and resolves their futures in a single loop callback.

Wake-up protocol (no lock between producer and consumer, correct under the GIL): the consumer
creates its future, sets ``_waiting`` and only then re-checks the buffer; the producer appends
first and only then reads ``_waiting``. Either the consumer sees the event, or the producer
sees ``_waiting`` and schedules a wake; ``_wake_scheduled`` only suppresses duplicate wakes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections import deque
from typing import TYPE_CHECKING, Final

from kcore.api.errors import Expired

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from kcore.storage.interface import WatchEvent

log = logging.getLogger("kcore.storage.watch")

HistoryPage = tuple[list["WatchEvent"], bool]
"""A page of replayed history: the events, and whether the history is exhausted."""


class _LoopWaker:
    """Resolves the futures of waiting watchers of one event loop, batched per callback."""

    __slots__ = ("__weakref__", "_lock", "_loop", "_pending", "_scheduled")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        # _pending: watchers to wake in the next callback; _scheduled: a callback is queued.
        self._pending: list[StoreWatcher] = []
        self._scheduled = False

    def wake(self, watchers: Iterable[StoreWatcher]) -> None:
        with self._lock:
            self._pending.extend(watchers)
            if self._scheduled:
                return
            self._scheduled = True
        loop = self._loop
        try:
            if asyncio._get_running_loop() is loop:
                loop.call_soon(self._run)
            else:
                loop.call_soon_threadsafe(self._run)
        except RuntimeError:  # the loop is closed: its watchers can never be consumed
            with self._lock:
                orphans, self._pending = self._pending, []
                self._scheduled = False
            for w in orphans:
                w.stop()

    def _run(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            self._scheduled = False
        for w in batch:
            w._wake()


_wakers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopWaker] = (
    weakref.WeakKeyDictionary()
)
_wakers_lock = threading.Lock()


def _waker_for(loop: asyncio.AbstractEventLoop) -> _LoopWaker:
    with _wakers_lock:
        waker = _wakers.get(loop)
        if waker is None:
            waker = _wakers[loop] = _LoopWaker(loop)
        return waker


def wake_all(watchers: list[StoreWatcher]) -> None:
    """Wake ``watchers`` with one loop callback per event loop."""
    first = watchers[0]._waker
    if all(w._waker is first for w in watchers):
        if first is not None:
            first.wake(watchers)
        return
    by_waker: dict[_LoopWaker, list[StoreWatcher]] = {}
    for w in watchers:
        if w._waker is not None:
            by_waker.setdefault(w._waker, []).append(w)
    for waker, ws in by_waker.items():
        waker.wake(ws)


class StoreWatcher:
    """The :class:`kcore.storage.interface.Watcher` every backend hands out.

    Contract
    --------
    * Delivers events with ``revision > after`` whose key starts with ``prefix``, in the order
      they were offered, each once; optional replayed history (a page source, read on a worker
      thread) comes first, then the live buffer.
    * At most ``capacity`` live events wait in the buffer; one more ends the watcher with
      ``Expired`` (the buffer is dropped so memory is freed at once). Writers never block.
    * Bound to the running loop at creation, or else to the loop that first iterates it;
      iterating from another loop is a ``RuntimeError``.
    * ``stop()`` is idempotent and thread-safe; iteration then ends at once.
    """

    __slots__ = (
        "_buf",
        "_capacity",
        "_closed",
        "_error",
        "_future",
        "_history",
        "_history_page",
        "_loop",
        "_on_bind",
        "_on_progress",
        "_on_stop",
        "_waiting",
        "_wake_scheduled",
        "_waker",
        "after",
        "prefix",
    )

    def __init__(
        self,
        prefix: str,
        after: int,
        *,
        capacity: int,
        on_stop: Callable[[StoreWatcher], None],
        on_progress: Callable[[StoreWatcher], None],
        on_bind: Callable[[StoreWatcher, asyncio.AbstractEventLoop], None] | None = None,
    ) -> None:
        if capacity < 1:
            msg = f"watch buffer capacity must be >= 1, got {capacity}"
            raise ValueError(msg)
        self.prefix: Final = prefix
        # after: no event with a revision <= after is ever delivered (the watch's start).
        self.after = after
        self._capacity = capacity
        # _buf: live events offered and not yet consumed; len <= _capacity.
        self._buf: deque[WatchEvent] = deque()
        # _history: page source of replayed history (called on a worker thread) or None once
        # exhausted; _history_page: the fetched page being consumed. Both come before _buf.
        self._history: Callable[[], HistoryPage] | None = None
        self._history_page: deque[WatchEvent] = deque()
        # _error: terminal error raised once the buffer is drained; _closed: iteration over.
        self._error: BaseException | None = None
        self._closed = False
        # _future/_waiting: the consumer is suspended on _future (set only on the loop).
        self._future: asyncio.Future[None] | None = None
        self._waiting = False
        # _wake_scheduled: a wake for this watcher is queued on its loop's waker.
        self._wake_scheduled = False
        self._on_stop = on_stop
        self._on_progress = on_progress
        self._on_bind = on_bind
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waker: _LoopWaker | None = None
        loop = asyncio._get_running_loop()
        if loop is not None:
            self._bind(loop)

    def __repr__(self) -> str:
        state = "stopped" if self._closed else ("failed" if self._error else "open")
        return f"StoreWatcher({self.prefix!r}, after={self.after}, {state}, {len(self._buf)})"

    # -- producer side (the store's dispatching thread) ---------------------------------------

    def offer(self, ev: WatchEvent) -> bool:
        """Buffer ``ev``; ``True`` when the consumer must be woken (pass it to
        :func:`wake_all`). Called by one dispatching thread at a time."""
        if self._closed or self._error is not None:
            return False
        if ev.revision <= self.after and ev.type != "BOOKMARK":
            return False
        buf = self._buf
        if len(buf) >= self._capacity:
            last = buf[0].revision - 1 if buf else self.after
            log.warning(
                "watch of %s fell more than %d events behind at revision %d; ending it",
                self.prefix,
                self._capacity,
                ev.revision,
            )
            buf.clear()
            self._error = Expired(f"too old resource version: {last} ({ev.revision})")
            self._on_stop(self)
        else:
            buf.append(ev)
        if self._waiting and not self._wake_scheduled:
            self._wake_scheduled = True
            return True
        return False

    def fail(self, error: BaseException) -> None:
        """End the watch with ``error`` after the events already buffered (thread-safe)."""
        if self._closed or self._error is not None:
            return
        self._error = error
        self._on_stop(self)
        self._notify()

    def set_history(self, source: Callable[[], HistoryPage]) -> None:
        """Replay history from ``source`` (pages, read on a worker thread) before the buffer."""
        self._history = source

    # -- consumer side ------------------------------------------------------------------------

    def stop(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._buf.clear()
        self._history = None
        self._history_page.clear()
        self._on_stop(self)
        self._notify()

    def request_progress(self) -> None:
        if not self._closed and self._error is None:
            self._on_progress(self)

    def __aiter__(self) -> StoreWatcher:
        return self

    async def __anext__(self) -> WatchEvent:
        loop = self._loop
        if loop is None:
            loop = asyncio.get_running_loop()
            self._bind(loop)
        while True:
            if self._closed:
                raise StopAsyncIteration
            page = self._history_page
            if page:
                return page.popleft()
            source = self._history
            if source is not None:
                events, done = await loop.run_in_executor(None, source)
                if self._closed:
                    raise StopAsyncIteration
                if done:
                    self._history = None
                page.extend(events)
                continue
            buf = self._buf
            if buf:
                return buf.popleft()
            err = self._error
            if err is not None:
                self._closed = True
                raise err
            if asyncio._get_running_loop() is not loop:
                msg = "a storage watcher must be iterated on the event loop it is bound to"
                raise RuntimeError(msg)
            fut = loop.create_future()
            self._future = fut
            self._waiting = True
            if buf or self._error is not None or self._closed:
                self._waiting = False
                self._future = None
                continue
            try:
                await fut
            finally:
                self._waiting = False
                self._future = None

    # -- internals ------------------------------------------------------------------------------

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._waker = _waker_for(loop)
        if self._on_bind is not None:
            self._on_bind(self, loop)

    def _notify(self) -> None:
        waker = self._waker
        if waker is not None and self._waiting and not self._wake_scheduled:
            self._wake_scheduled = True
            waker.wake((self,))

    def _wake(self) -> None:
        """Resolve the pending future (runs on the watcher's loop)."""
        self._wake_scheduled = False
        fut = self._future
        if fut is not None and not fut.done():
            fut.set_result(None)


class WatchHub:
    """The live watchers of one store, indexed by prefix.

    Contract: :meth:`dispatch` is called by one thread at a time (the backend holds its write
    or dispatch lock) with events in revision order; :meth:`add`/:meth:`remove` may run from any
    thread. Dispatch reads an immutable snapshot of the prefix groups, so watchers removed
    during a dispatch (overflow, ``stop()``) are simply skipped.
    """

    __slots__ = ("_groups", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # _groups: ((prefix, (watcher, ...)), ...), replaced (never mutated) on add/remove.
        self._groups: tuple[tuple[str, tuple[StoreWatcher, ...]], ...] = ()

    @property
    def active(self) -> bool:
        """Whether any watcher is registered."""
        return bool(self._groups)

    def watchers(self) -> list[StoreWatcher]:
        return [w for _, ws in self._groups for w in ws]

    def add(self, w: StoreWatcher) -> None:
        with self._lock:
            groups = dict(self._groups)
            groups[w.prefix] = (*groups.get(w.prefix, ()), w)
            self._groups = tuple(groups.items())

    def remove(self, w: StoreWatcher) -> None:
        with self._lock:
            groups = dict(self._groups)
            ws = groups.get(w.prefix)
            if ws is None or w not in ws:
                return
            rest = tuple(x for x in ws if x is not w)
            if rest:
                groups[w.prefix] = rest
            else:
                del groups[w.prefix]
            self._groups = tuple(groups.items())

    def dispatch(self, ev: WatchEvent) -> None:
        """Offer one event to every matching watcher and wake those that wait for it."""
        groups = self._groups
        if not groups:
            return
        key = ev.key
        wake: list[StoreWatcher] | None = None
        for prefix, ws in groups:
            if key.startswith(prefix):
                for w in ws:
                    if w.offer(ev):
                        if wake is None:
                            wake = [w]
                        else:
                            wake.append(w)
        if wake:
            wake_all(wake)

    def dispatch_many(self, events: Iterable[WatchEvent]) -> None:
        """Offer several events (in revision order), waking each consumer at most once."""
        groups = self._groups
        if not groups:
            return
        wake: list[StoreWatcher] = []
        for ev in events:
            key = ev.key
            for prefix, ws in groups:
                if key.startswith(prefix):
                    for w in ws:
                        if w.offer(ev):
                            wake.append(w)
        if wake:
            wake_all(wake)

    def offer_one(self, w: StoreWatcher, ev: WatchEvent) -> None:
        """Offer ``ev`` to ``w`` alone (bookmarks), waking it if needed."""
        if w.offer(ev):
            wake_all([w])

    def close(self, error: BaseException | None = None) -> None:
        """Stop (or, with ``error``, fail) every watcher."""
        for w in self.watchers():
            if error is None:
                w.stop()
            else:
                w.fail(error)
