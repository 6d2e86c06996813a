"""A fake list/watch source for informer and reflector tests (client-go
``FakeControllerSource``).

It keeps objects and a change log in memory, stamps every change with the next
resourceVersion, and serves :class:`~kcore.client.listwatch.ListerWatcher` calls. Faults can be
injected: errors for the next lists or watches, a compaction so that old versions answer 410
``Expired``, ``ERROR`` events pushed into open watches, and closing every open watch (a
dropped connection).
"""

from __future__ import annotations

import asyncio
import copy
from collections import deque
from typing import TYPE_CHECKING, Any

from kcore.api.errors import BadRequest, Expired, StatusError
from kcore.api.meta import meta_namespace_key

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from kcore.client.interface import WatchEventType
    from kcore.client.listwatch import ListOptions

_CLOSE = object()


class FakeWatch:
    """One open watch on a :class:`FakeControllerSource`."""

    def __init__(self, source: FakeControllerSource) -> None:
        self._source = source
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self.stopped = False

    def _push(self, item: Any) -> None:
        if not self.stopped:
            self._queue.put_nowait(item)

    def __aiter__(self) -> AsyncIterator[tuple[WatchEventType, Mapping[str, Any]]]:
        return self._events()

    async def _events(self) -> AsyncIterator[tuple[WatchEventType, Mapping[str, Any]]]:
        try:
            while not self.stopped:
                item = await self._queue.get()
                if item is _CLOSE:
                    return
                yield item
                if item[0] == "ERROR":
                    return
        finally:
            self.stop()

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self._queue.put_nowait(_CLOSE)
            if self in self._source._watchers:
                self._source._watchers.remove(self)


class FakeControllerSource:
    """An in-memory :class:`~kcore.client.listwatch.ListerWatcher` with fault injection.

    Contract
    --------
    * ``add``/``modify``/``delete`` record a change at the next resourceVersion (a global
      counter starting at ``start_rv``), update the object set and deliver the change to every
      open watch. Objects are deep-copied on the way in and stamped with their version.
    * ``list`` returns the current objects (in key order) and the current version; with a
      ``limit`` it pages with an opaque continue token. If ``list_errors`` holds errors, the
      next list raises the first one instead (client-go's settable list error).
    * ``watch(rv)`` replays every logged change after ``rv``, then streams new ones.
      ``rv`` older than the compacted version (see :meth:`compact`) yields one ``ERROR`` event
      with a 410 ``Expired`` Status. ``watch_errors`` makes the next watches fail the same way
      with those errors.
    """

    def __init__(self, *, start_rv: int = 0, kind: str = "Pod", api_version: str = "v1") -> None:
        self.kind = kind
        self.api_version = api_version
        self.rv = start_rv
        # objects: key -> latest object; log: (rv, type, object) of every change after
        # compacted_rv, in rv order.
        self.objects: dict[str, dict[str, Any]] = {}
        self.log: deque[tuple[int, WatchEventType, dict[str, Any]]] = deque()
        self.compacted_rv = start_rv
        self.list_errors: list[StatusError] = []
        self.watch_errors: list[StatusError] = []
        self._watchers: list[FakeWatch] = []
        # Call counters (what a test asserts about relists and rewatches).
        self.list_calls = 0
        self.watch_calls: list[ListOptions] = []

    # -- changes ------------------------------------------------------------------------------

    def _record(self, type_: WatchEventType, obj: Mapping[str, Any]) -> dict[str, Any]:
        self.rv += 1
        new = copy.deepcopy(dict(obj))
        md = dict(new.get("metadata") or {})
        md["resourceVersion"] = str(self.rv)
        new["metadata"] = md
        key = meta_namespace_key(new)
        if type_ == "DELETED":
            self.objects.pop(key, None)
        else:
            self.objects[key] = new
        self.log.append((self.rv, type_, new))
        for w in list(self._watchers):
            w._push((type_, new))
        return new

    def add(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Create (or overwrite) an object; returns the stored copy."""
        return self._record("ADDED", obj)

    def modify(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        return self._record("MODIFIED", obj)

    def delete(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        return self._record("DELETED", obj)

    def delete_silently(self, key: str) -> None:
        """Forget an object without telling any watch (a deletion missed while
        disconnected; only a relist notices it)."""
        self.objects.pop(key, None)
        self.rv += 1

    def compact(self, rv: int | None = None) -> None:
        """Forget history up to ``rv`` (default: everything): older watches get 410."""
        target = self.rv if rv is None else rv
        while self.log and self.log[0][0] <= target:
            self.log.popleft()
        self.compacted_rv = max(self.compacted_rv, target)

    # -- faults -------------------------------------------------------------------------------

    def close_watches(self) -> None:
        """End every open watch normally (the server closed the connection)."""
        for w in list(self._watchers):
            w._push(_CLOSE)
            w.stopped = True
        self._watchers.clear()

    def send_error(self, err: StatusError) -> None:
        """Push an ``ERROR`` event with ``err``'s Status into every open watch."""
        for w in list(self._watchers):
            w._push(("ERROR", err.to_status()))

    def bookmark(self) -> None:
        """Send a ``BOOKMARK`` at the current version to every open watch."""
        obj = {
            "kind": self.kind,
            "apiVersion": self.api_version,
            "metadata": {"resourceVersion": str(self.rv)},
        }
        for w in list(self._watchers):
            w._push(("BOOKMARK", obj))

    @property
    def open_watches(self) -> int:
        return len(self._watchers)

    # -- ListerWatcher ------------------------------------------------------------------------

    async def list(self, options: ListOptions) -> Mapping[str, Any]:
        self.list_calls += 1
        if self.list_errors:
            raise self.list_errors.pop(0)
        rv_req = options.resource_version
        if rv_req not in (None, "", "0"):
            try:
                wanted = int(rv_req)
            except ValueError:
                msg = f"invalid resource version {rv_req!r}"
                raise BadRequest(msg) from None
            if wanted < self.compacted_rv:
                msg = f"too old resource version: {wanted} ({self.compacted_rv})"
                raise Expired(msg)
        keys = sorted(self.objects)
        start = 0
        list_rv = self.rv
        if options.continue_:
            try:
                token_rv, _, pos = options.continue_.partition(":")
                start, list_rv = int(pos), int(token_rv)
            except ValueError:
                msg = f"invalid continue token {options.continue_!r}"
                raise BadRequest(msg) from None
            if list_rv < self.compacted_rv:
                msg = "The provided continue parameter is too old to display a consistent list."
                raise Expired(msg)
        end = len(keys) if not options.limit else min(len(keys), start + options.limit)
        md: dict[str, Any] = {"resourceVersion": str(list_rv)}
        if end < len(keys):
            md["continue"] = f"{list_rv}:{end}"
        return {
            "kind": f"{self.kind}List",
            "apiVersion": self.api_version,
            "metadata": md,
            "items": [self.objects[k] for k in keys[start:end]],
        }

    def watch(self, options: ListOptions) -> FakeWatch:
        self.watch_calls.append(options)
        w = FakeWatch(self)
        if self.watch_errors:
            w._push(("ERROR", self.watch_errors.pop(0).to_status()))
            return w
        rv_req = options.resource_version or "0"
        try:
            since = int(rv_req)
        except ValueError:
            w._push(("ERROR", BadRequest(f"invalid resource version {rv_req!r}").to_status()))
            return w
        if rv_req == "0":
            for obj in self.objects.values():
                w._push(("ADDED", obj))
        elif since < self.compacted_rv:
            err = Expired(f"too old resource version: {since} ({self.compacted_rv})")
            w._push(("ERROR", err.to_status()))
            return w
        else:
            for rv, type_, obj in self.log:
                if rv > since:
                    w._push((type_, obj))
        self._watchers.append(w)
        return w
