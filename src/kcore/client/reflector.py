"""client-go's ``Reflector``: keeps a store (normally a :class:`~kcore.client.delta_fifo.DeltaFIFO`)
in step with the server by listing once and then watching from the list's resourceVersion.

Cycle (``list_and_watch``), after client-go ``tools/cache/reflector.go``:

1. **List** at ``resourceVersion="0"`` first (any recent state will do), at the last synced
   version on later relists, or at ``""`` (a consistent, most recent read) once the last
   version is known to be too old. Optionally in pages of ``page_size`` (a continue token that
   expired falls back to one full list). The items go to ``store.replace(items, rv)``.
2. **Watch** from the last synced version with bookmarks and a server timeout jittered between
   ``min_watch_timeout`` and twice that. ``ADDED``/``MODIFIED``/``DELETED`` go to
   ``store.add``/``update``/``delete``; every event (bookmarks included) advances
   ``last_sync_resource_version``. When the server ends a watch normally, watch again from there.
3. An ``ERROR`` event or error with reason ``Expired``/``Gone`` (410) marks the version
   unavailable and returns: the next list reads at ``""``. ``TooManyRequests`` (429) and
   ``ServiceUnavailable`` (503, e.g. a refused connection) back off and re-watch from the same
   version. Any other error returns and the list is retried
   after a backoff (0.8 s doubling to 30 s, reset after 2 quiet minutes, jittered).

With ``resync_period > 0``, ``store.resync()`` is called every period while ``should_resync``
(if given) says so.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Protocol

from kcore.api.errors import Expired, Gone, ServiceUnavailable, StatusError, TooManyRequests
from kcore.client.listwatch import ListOptions
from kcore.util.wait import NO_JITTER_RAND, ExponentialBackoffManager, Rand

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from kcore.client.listwatch import ListerWatcher
    from kcore.util.clock import Clock

log = logging.getLogger(__name__)


class ReflectorStore(Protocol):
    """What a Reflector writes to (a DeltaFIFO or a plain store)."""

    def add(self, obj: Any) -> None: ...

    def update(self, obj: Any) -> None: ...

    def delete(self, obj: Any) -> None: ...

    def replace(self, items: Iterable[Any], resource_version: str) -> None: ...

    def resync(self) -> None: ...


class VeryShortWatchError(RuntimeError):
    """A watch closed at once without a single event: treated as an error (relist)."""


def _is_expired(err: BaseException) -> bool:
    return isinstance(err, Expired | Gone)


def _rv_of(obj: Mapping[str, Any]) -> str:
    md = obj.get("metadata")
    if md is None:
        return ""
    return str(md.get("resourceVersion") or "")


class Reflector:
    """List and watch one resource into a store, forever, until cancelled.

    Contract
    --------
    * The store sees exactly one ``replace`` per successful list and, between lists, every
      watch event in server order. After a ``replace`` the store holds the server's state at
      ``last_sync_resource_version``.
    * ``last_sync_resource_version`` only moves forward in server order; bookmarks move it.
    * Every wait (backoff, resync period, short-watch detection) is on ``clock``; jitter comes
      from ``rng`` (deterministic midpoint if none is given).
    * Errors never escape :meth:`run`: they are logged once and retried with backoff. Cancel the
      task running :meth:`run` to stop; the open watch is stopped.
    """

    def __init__(
        self,
        lw: ListerWatcher,
        store: ReflectorStore,
        clock: Clock,
        *,
        name: str = "",
        resync_period: float = 0.0,
        should_resync: Callable[[], bool] | None = None,
        page_size: int | None = None,
        min_watch_timeout: float = 300.0,
        rng: Rand | None = None,
        backoff: ExponentialBackoffManager | None = None,
    ) -> None:
        if resync_period < 0:
            msg = f"resync_period must be >= 0, got {resync_period}"
            raise ValueError(msg)
        if page_size is not None and page_size <= 0:
            msg = f"page_size must be positive, got {page_size}"
            raise ValueError(msg)
        self.name = name or repr(lw)
        self._lw = lw
        self._store = store
        self._clock = clock
        self.resync_period = resync_period
        self._should_resync = should_resync
        self._page_size = page_size
        self._min_watch_timeout = min_watch_timeout
        self._rng = rng or NO_JITTER_RAND
        self._backoff = backoff or ExponentialBackoffManager(clock, rng=self._rng)
        # _last_sync_rv: version of the last list or watch event applied ("" before any).
        self._last_sync_rv = ""
        # _rv_unavailable: the last version is too old for the server (after a 410); the next
        # list must read the latest state ("").
        self._rv_unavailable = False
        # Counters for tests and metrics.
        self.lists = 0
        self.watches = 0
        self.events = 0

    @property
    def last_sync_resource_version(self) -> str:
        """The resourceVersion of the last list or watch event applied to the store."""
        return self._last_sync_rv

    @property
    def is_last_sync_resource_version_unavailable(self) -> bool:
        return self._rv_unavailable

    def _relist_resource_version(self) -> str:
        if self._rv_unavailable:
            return ""
        return self._last_sync_rv or "0"

    async def run(self) -> None:
        """``list_and_watch`` forever, backing off between attempts."""
        while True:
            try:
                await self.list_and_watch()
            except asyncio.CancelledError:
                raise
            except Exception as err:
                log.warning("%s: list and watch failed: %s", self.name, err)
                delay = self._retry_after(err)
            else:
                delay = None
            wait = self._backoff.backoff()
            await self._clock.sleep(max(wait, delay or 0.0))

    @staticmethod
    def _retry_after(err: BaseException) -> float | None:
        if isinstance(err, TooManyRequests) and err.details.retry_after_seconds:
            return float(err.details.retry_after_seconds)
        return None

    async def list_and_watch(self) -> None:
        """One list, then watches until an error calls for a relist (returns or raises)."""
        await self._list()
        resync_task = None
        if self.resync_period > 0:
            resync_task = asyncio.ensure_future(self._resync_loop())
        try:
            await self._watch_loop()
        finally:
            if resync_task is not None:
                resync_task.cancel()

    async def _list(self) -> None:
        rv = self._relist_resource_version()
        try:
            items, list_rv = await self._list_all(rv)
        except StatusError as err:
            if not _is_expired(err) or rv == "":
                raise
            # The version we asked for is gone: read the latest state instead.
            self._rv_unavailable = True
            items, list_rv = await self._list_all("")
        self.lists += 1
        self._store.replace(items, list_rv)
        self._last_sync_rv = list_rv
        self._rv_unavailable = False

    async def _list_all(self, rv: str) -> tuple[list[Any], str]:
        if self._page_size is None:
            result = await self._lw.list(ListOptions(resource_version=rv))
            return list(result.get("items") or ()), _rv_of(result)
        items: list[Any] = []
        continue_: str | None = None
        list_rv = ""
        while True:
            try:
                page = await self._lw.list(
                    ListOptions(
                        resource_version=rv if continue_ is None else None,
                        limit=self._page_size,
                        continue_=continue_,
                    )
                )
            except StatusError as err:
                if continue_ is None or not _is_expired(err):
                    raise
                # The continue token expired mid-way: fall back to one full list.
                result = await self._lw.list(ListOptions(resource_version=rv))
                return list(result.get("items") or ()), _rv_of(result)
            items.extend(page.get("items") or ())
            md = page.get("metadata") or {}
            list_rv = str(md.get("resourceVersion") or list_rv)
            continue_ = md.get("continue") or None
            if not continue_:
                return items, list_rv

    async def _resync_loop(self) -> None:
        while True:
            await self._clock.sleep(self.resync_period)
            if self._should_resync is None or self._should_resync():
                self._store.resync()

    async def _watch_loop(self) -> None:
        while True:
            timeout = int(self._min_watch_timeout * (self._rng.random() + 1.0))
            options = ListOptions(
                resource_version=self._last_sync_rv,
                timeout_seconds=timeout,
                allow_watch_bookmarks=True,
            )
            try:
                stream = self._lw.watch(options)
            except StatusError as err:
                if isinstance(err, TooManyRequests | ServiceUnavailable):
                    await self._clock.sleep(self._backoff.backoff())
                    continue
                if _is_expired(err):
                    self._rv_unavailable = True
                raise
            self.watches += 1
            try:
                await self._watch_handler(stream)
            except StatusError as err:
                if _is_expired(err):
                    log.info("%s: watch closed: %s; relisting", self.name, err.message)
                    self._rv_unavailable = True
                    return
                if isinstance(err, TooManyRequests | ServiceUnavailable):
                    # Overloaded or unreachable: wait, then watch again from the same version.
                    await self._clock.sleep(
                        max(self._backoff.backoff(), self._retry_after(err) or 0.0)
                    )
                    continue
                raise
            finally:
                stream.stop()

    async def _watch_handler(self, stream: Any) -> None:
        store = self._store
        add, update, delete = store.add, store.update, store.delete
        start = self._clock.monotonic()
        count = 0
        async for type_, obj in stream:
            if type_ == "ERROR":
                raise StatusError.from_status(dict(obj))
            md = obj.get("metadata")
            rv = "" if md is None else str(md.get("resourceVersion") or "")  # _rv_of
            try:
                if type_ == "ADDED":
                    add(obj)
                elif type_ == "MODIFIED":
                    update(obj)
                elif type_ == "DELETED":
                    delete(obj)
                elif type_ != "BOOKMARK":
                    log.error("%s: unexpected watch event type %r", self.name, type_)
                    continue
            except (ValueError, KeyError, LookupError) as err:
                log.error("%s: unable to apply watch event %s: %s", self.name, type_, err)
            count += 1
            if rv:
                self._last_sync_rv = rv
        self.events += count
        if count == 0 and self._clock.monotonic() - start < 1.0:
            msg = (
                f"{self.name}: very short watch: unexpected watch close - "
                "watch lasted less than a second and no items received"
            )
            raise VeryShortWatchError(msg)
