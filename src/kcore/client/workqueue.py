"""client-go's workqueues on asyncio: :class:`Queue`, :class:`DelayingQueue` and
:class:`RateLimitingQueue`.

Controllers follow ``processNextWorkItem``::

    key, shutdown = await queue.get()
    if shutdown:
        return
    try:
        await sync_handler(key)
    except Exception:
        queue.add_rate_limited(key)
    else:
        queue.forget(key)
    finally:
        queue.done(key)

Every method must be called from the thread running the event loop the queue is used on.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import deque
from collections.abc import Hashable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from kcore.client.rate_limiters import RateLimiter
    from kcore.util.clock import Clock

T = TypeVar("T", bound=Hashable)


class Queue(Generic[T]):
    """A fair, stingy work queue (client-go ``workqueue.Typed``).

    Contract
    --------
    * **Stingy**: an item is queued at most once however often it is added before a worker
      gets it, and is held by at most one worker at a time: adding an item that is being
      processed marks it *dirty*, and it is queued again only when that worker calls
      :meth:`done`.
    * **Fair**: items are handed out in the order they were (first) queued, and waiting
      workers are served in the order they called :meth:`get`.
    * :meth:`shut_down`: new adds are ignored; workers still get what is queued, then
      ``(None, True)``. :meth:`shut_down_with_drain` also waits until every queued and
      in-flight item is done (workers must keep calling ``done``).
    """

    def __init__(self, *, name: str = "") -> None:
        self.name = name
        # _queue: items ready to hand out, in order. Every item here is in _dirty and not in
        # _processing; each item appears at most once.
        self._queue: deque[T] = deque()
        # _dirty: items that need processing (queued, or re-added while being processed).
        self._dirty: set[T] = set()
        # _processing: items handed to a worker and not yet done().
        self._processing: set[T] = set()
        # _getters: futures of waiting get() calls, oldest first; only waits while _queue is
        # empty.
        self._getters: deque[asyncio.Future[T]] = deque()
        self._shutting_down = False
        # _drain: a shut_down_with_drain() is waiting; _drain_waiters are its futures.
        self._drain = False
        self._drain_waiters: list[asyncio.Future[None]] = []

    def __len__(self) -> int:
        """Items queued and not yet handed out."""
        return len(self._queue)

    def add(self, item: T) -> None:
        """Mark ``item`` as needing processing (ignored when shutting down)."""
        if self._shutting_down or item in self._dirty:
            return
        self._dirty.add(item)
        if item in self._processing:
            return
        self._queue_ready(item)

    def _queue_ready(self, item: T) -> None:
        getters = self._getters
        while getters:
            fut = getters.popleft()
            if not fut.done():
                # Hand the item straight to the longest-waiting worker (fairness).
                self._dirty.discard(item)
                self._processing.add(item)
                fut.set_result(item)
                return
        self._queue.append(item)

    async def get(self) -> tuple[T | None, bool]:
        """The next item and ``False``, or ``(None, True)`` once shut down and empty.

        The caller must call :meth:`done` with the item when finished with it.
        """
        if self._queue:
            item = self._queue.popleft()
            self._dirty.discard(item)
            self._processing.add(item)
            return item, False
        if self._shutting_down:
            return None, True
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._getters.append(fut)
        try:
            item = await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self._give_back(fut.result())
            raise
        except _ShutDownError:
            return None, True
        return item, False

    def get_nowait(self) -> tuple[T | None, bool]:
        """Like :meth:`get` without waiting: ``(None, False)`` if nothing is queued yet."""
        if self._queue:
            item = self._queue.popleft()
            self._dirty.discard(item)
            self._processing.add(item)
            return item, False
        return None, self._shutting_down

    def _give_back(self, item: T) -> None:
        """Undo a hand-off to a worker that was cancelled before it saw the item: the item
        goes to the next waiting worker, or to the front of the queue."""
        self._processing.discard(item)
        self._dirty.add(item)
        getters = self._getters
        while getters:
            fut = getters.popleft()
            if not fut.done():
                self._dirty.discard(item)
                self._processing.add(item)
                fut.set_result(item)
                return
        self._queue.appendleft(item)

    def done(self, item: T) -> None:
        """Finish processing ``item``; if it was re-added meanwhile it is queued again."""
        self._processing.discard(item)
        if item in self._dirty:
            self._queue_ready(item)
        self._check_drained()

    def _check_drained(self) -> None:
        if self._drain and not self._processing and not self._queue:
            for fut in self._drain_waiters:
                if not fut.done():
                    fut.set_result(None)
            self._drain_waiters.clear()

    def shut_down(self) -> None:
        """Ignore new items; release waiting workers once the queue is empty."""
        self._shutting_down = True
        self._drain = False
        for fut in self._drain_waiters:
            if not fut.done():
                fut.set_result(None)
        self._drain_waiters.clear()
        self._release_getters()

    async def shut_down_with_drain(self) -> None:
        """Shut down, then wait until every queued and in-flight item is done."""
        self._shutting_down = True
        self._drain = True
        self._release_getters()
        if not self._processing and not self._queue:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._drain_waiters.append(fut)
        await fut

    def _release_getters(self) -> None:
        if self._queue:
            return
        while self._getters:
            fut = self._getters.popleft()
            if not fut.done():
                fut.set_exception(_ShutDownError())

    def shutting_down(self) -> bool:
        return self._shutting_down

    def is_processing(self, item: T) -> bool:
        return item in self._processing


class _ShutDownError(Exception):
    """Internal: wakes a waiting get() when the queue shuts down."""


class DelayingQueue(Queue[T]):
    """A :class:`Queue` with :meth:`add_after` (client-go ``DelayingInterface``).

    Contract: ``add_after(item, d)`` adds ``item`` once ``d`` seconds of ``clock`` time have
    passed (at once if ``d <= 0``). An item waiting already keeps the earlier of its two ready
    times. Items become ready in ready-time order (ties: order of ``add_after``). Waiting items
    are dropped by :meth:`shut_down`. The timer task starts on the first delayed add.
    """

    def __init__(self, clock: Clock, *, name: str = "") -> None:
        super().__init__(name=name)
        self._clock = clock
        self._seq = itertools.count()
        # _waiting: heap of [ready_at, seq, item, live]; _known: item -> its live entry. An
        # item has exactly one live entry iff it is in _known; stale entries have live=False.
        self._waiting: list[list[object]] = []
        self._known: dict[T, list[object]] = {}
        self._timer: asyncio.Task[None] | None = None
        self._wakeup: asyncio.Future[None] | None = None

    def add_after(self, item: T, delay: float) -> None:
        """Add ``item`` after ``delay`` seconds."""
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(item)
            return
        ready_at = self._clock.monotonic() + delay
        entry = self._known.get(item)
        if entry is not None:
            if ready_at >= entry[0]:  # type: ignore[operator]
                return
            entry[3] = False
        new = [ready_at, next(self._seq), item, True]
        self._known[item] = new
        heapq.heappush(self._waiting, new)
        if self._waiting[0] is new:
            self._ensure_timer()
            if self._wakeup is not None and not self._wakeup.done():
                self._wakeup.set_result(None)

    def waiting(self) -> int:
        """Items waiting for their delay to pass."""
        return len(self._known)

    def _ensure_timer(self) -> None:
        if self._timer is None or self._timer.done():
            self._timer = asyncio.get_running_loop().create_task(
                self._waiting_loop(), name=f"workqueue {self.name} timer"
            )

    def _flush_ready(self) -> None:
        now = self._clock.monotonic()
        heap = self._waiting
        while heap and heap[0][0] <= now:  # type: ignore[operator]
            entry = heapq.heappop(heap)
            if not entry[3]:
                continue
            item: T = entry[2]  # type: ignore[assignment]
            del self._known[item]
            self.add(item)

    async def _waiting_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._shutting_down:
            self._flush_ready()
            while self._waiting and not self._waiting[0][3]:
                heapq.heappop(self._waiting)
            if not self._waiting:
                self._timer = None
                return
            delay = self._waiting[0][0] - self._clock.monotonic()  # type: ignore[operator]
            self._wakeup = loop.create_future()
            sleeper = loop.create_task(self._clock.sleep(delay))
            try:
                await asyncio.wait((sleeper, self._wakeup), return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                self._wakeup = None

    def shut_down(self) -> None:
        super().shut_down()
        self._drop_waiting()

    async def shut_down_with_drain(self) -> None:
        self._drop_waiting()
        await super().shut_down_with_drain()

    def _drop_waiting(self) -> None:
        self._waiting.clear()
        self._known.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class RateLimitingQueue(DelayingQueue[T]):
    """A :class:`DelayingQueue` whose retries are spaced by a
    :class:`~kcore.client.rate_limiters.RateLimiter` (client-go ``RateLimitingInterface``).

    ``add_rate_limited(item)`` adds it after ``rate_limiter.when(item)``; ``forget(item)``
    resets its failure count (call it when processing succeeded); ``num_requeues(item)``
    reports it.
    """

    def __init__(self, rate_limiter: RateLimiter, clock: Clock, *, name: str = "") -> None:
        super().__init__(clock, name=name)
        self.rate_limiter = rate_limiter

    def add_rate_limited(self, item: T) -> None:
        self.add_after(item, self.rate_limiter.when(item))

    def forget(self, item: T) -> None:
        self.rate_limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        return self.rate_limiter.num_requeues(item)
