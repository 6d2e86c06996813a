"""Watch streams: storage events filtered and shaped as kube-apiserver's watch delivers them.

:class:`RegistryWatch` iterates a storage :class:`~kcore.storage.interface.Watcher` directly (no
extra queue or task per event) and

* emits the synthetic ``ADDED`` events of a watch started without a resourceVersion (or with
  ``0``) first, then every change after the start revision;
* applies the label/field selector to each change the way the watch cache does: an object that
  starts matching arrives as ``ADDED``, one that stops matching as ``DELETED`` (its previous
  state, stamped with the new resourceVersion), others as they happened;
* turns the store's progress markers into ``BOOKMARK`` events when the client allowed them
  (every ``bookmark_interval`` seconds and once shortly before the timeout), and ends the stream
  after ``timeout`` seconds; both timers run on the :class:`~kcore.util.clock.Clock`;
* reports a history that is gone (``Expired``) as one ``ERROR`` event carrying a 410 ``Status``,
  then ends.

One small timer task per stream runs only while the stream is being iterated.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from kcore.api.errors import StatusError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

    from kcore.client.interface import WatchEventType
    from kcore.storage.interface import Watcher
    from kcore.util.clock import Clock

Event = tuple["WatchEventType", "Mapping[str, Any]"]

INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def _restamp(obj: Mapping[str, Any], rv: str) -> dict[str, Any]:
    out = dict(obj)
    md = dict(out.get("metadata") or {})
    md["resourceVersion"] = rv
    out["metadata"] = md
    return out


class RegistryWatch:
    """A :class:`~kcore.client.interface.WatchStream` over one storage watcher.

    Contract: iterate once (``async for type_, obj in stream``); ``stop()`` may be called at
    any time from the stream's loop and ends the iteration (the storage watcher is stopped).
    Objects yielded are immutable by contract (they are the store's own objects).
    ``timed_out`` tells whether the stream ended because its timeout passed.
    """

    def __init__(
        self,
        watcher: Watcher,
        *,
        initial: list[Mapping[str, Any]],
        match: Callable[[Mapping[str, Any]], bool] | None,
        transform: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None,
        clock: Clock,
        timeout: float,
        bookmarks: bool,
        bookmark_interval: float,
        bookmark_object: Mapping[str, Any],
        initial_events_end: bool = False,
        start_revision: int = 0,
    ) -> None:
        self._watcher = watcher
        self._initial = initial
        self._match = match
        self._transform = transform
        self._clock = clock
        self._timeout = timeout
        self._bookmarks = bookmarks
        self._bookmark_interval = bookmark_interval
        self._bookmark_object = bookmark_object
        self._initial_events_end = initial_events_end
        self._start_revision = start_revision
        self._stopped = False
        self.timed_out = False

    def stop(self) -> None:
        self._stopped = True
        self._watcher.stop()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._run()

    def _bookmark(self, rv: int, *, initial_end: bool = False) -> dict[str, Any]:
        md: dict[str, Any] = {"resourceVersion": str(rv)}
        if initial_end:
            md["annotations"] = {INITIAL_EVENTS_END: "true"}
        return {**self._bookmark_object, "metadata": md}

    async def _tick(self) -> None:
        clock = self._clock
        start = clock.monotonic()
        deadline = start + self._timeout
        final_bm = deadline - min(1.0, self._timeout / 10) if self._bookmarks else deadline
        interval = self._bookmark_interval
        next_bm = start + interval if self._bookmarks and interval > 0 else deadline
        sent_final = not self._bookmarks
        while not self._stopped:
            now = clock.monotonic()
            if now >= deadline:
                self.timed_out = True
                self._watcher.stop()
                return
            if not sent_final and now >= final_bm:
                sent_final = True
                self._watcher.request_progress()
                continue
            if self._bookmarks and now >= next_bm:
                self._watcher.request_progress()
                next_bm = now + interval
                continue
            wake = min(deadline, next_bm, final_bm if not sent_final else deadline)
            await clock.sleep(max(wake - now, 0.0))

    async def _run(self) -> AsyncIterator[Event]:
        ticker = asyncio.ensure_future(self._tick())
        match = self._match
        transform = self._transform
        bookmarks = self._bookmarks
        try:
            for obj in self._initial:
                if self._stopped:
                    return
                yield "ADDED", transform(obj) if transform else obj
            self._initial = []
            if self._initial_events_end:
                yield "BOOKMARK", self._bookmark(self._start_revision, initial_end=True)
            async for ev in self._watcher:
                t = ev.type
                if t == "BOOKMARK":
                    if bookmarks:
                        yield "BOOKMARK", self._bookmark(ev.revision)
                    continue
                obj = ev.object
                if match is not None:
                    if t == "MODIFIED":
                        now_ok = match(obj)
                        prev = ev.prev_object
                        was_ok = prev is not None and match(prev)
                        if now_ok and not was_ok:
                            t = "ADDED"
                        elif was_ok and not now_ok:
                            t = "DELETED"
                            obj = _restamp(prev or obj, str(ev.revision))
                        elif not now_ok:
                            continue
                    elif not match(obj):
                        continue
                yield t, transform(obj) if transform else obj
        except StatusError as err:
            if not self._stopped:
                yield "ERROR", err.to_status()
        finally:
            self._stopped = True
            ticker.cancel()
            self._watcher.stop()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await ticker


class _ErrorStream:
    """A stream that yields one ``ERROR`` event and ends."""

    def __init__(self, status: Mapping[str, Any]) -> None:
        self._status = status
        self.timed_out = False

    def stop(self) -> None:
        pass

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._run()

    async def _run(self) -> AsyncIterator[Event]:
        yield "ERROR", self._status


def error_stream(status: Mapping[str, Any]) -> _ErrorStream:
    """A watch stream that reports ``status`` (e.g. 410 Expired) as its only event."""
    return _ErrorStream(status)
