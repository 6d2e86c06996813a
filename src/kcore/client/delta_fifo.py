"""client-go's ``DeltaFIFO``: a queue of per-object change lists between a Reflector and the
informer that applies them.

A producer (the :class:`~kcore.client.reflector.Reflector`) reports what it sees with
``add``/``update``/``delete`` (watch events) and ``replace`` (a full list); the consumer pops
one object's accumulated :class:`Deltas` at a time, oldest object first, and applies them to its
cache and handlers. Because every change is kept (not just the latest state), a consumer sees
deletions even of objects it never saw, and ``replace`` turns objects missing from a relist into
``Deleted`` deltas carrying a :class:`DeletedFinalStateUnknown` tombstone.

The queue lives on one asyncio event loop: every method must be called from the loop's thread;
``pop`` waits without blocking the loop.
"""

from __future__ import annotations

import asyncio
import builtins
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from kcore.api.meta import meta_namespace_key

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from kcore.client.store import KeyFunc


class DeltaType(StrEnum):
    """The kind of change a :class:`Delta` records (client-go's constants)."""

    ADDED = "Added"
    UPDATED = "Updated"
    DELETED = "Deleted"
    #: The object was in a relist (``replace``); it may or may not have changed.
    REPLACED = "Replaced"
    #: A periodic resync re-delivered the cached object unchanged.
    SYNC = "Sync"


@dataclass(frozen=True, slots=True)
class Delta:
    """One change: its type and the object after it (before it, for ``Deleted``)."""

    type: DeltaType
    object: Any


class Deltas(builtins.list[Delta]):
    """The changes to one object, oldest first; never empty while queued."""

    __slots__ = ()

    def oldest(self) -> Delta | None:
        return self[0] if self else None

    def newest(self) -> Delta | None:
        return self[-1] if self else None


@dataclass(frozen=True, slots=True)
class DeletedFinalStateUnknown:
    """A tombstone: the object under ``key`` was deleted while no watch was open, so its final
    state is unknown; ``obj`` is the last state the cache had (possibly ``None``)."""

    key: str
    obj: Any


class FIFOClosedError(RuntimeError):
    """``pop`` on a closed, drained queue (client-go ``ErrFIFOClosed``)."""

    def __init__(self) -> None:
        super().__init__("DeltaFIFO: manipulating with closed queue")


class Requeue(Exception):
    """Raised by a ``pop`` process function to put the item back (if not re-added meanwhile);
    ``err``, if given, is then raised to the ``pop`` caller."""

    def __init__(self, err: Exception | None = None) -> None:
        super().__init__(str(err) if err else "requeue")
        self.err = err


class KeyListerGetter(Protocol):
    """What a DeltaFIFO needs of the consumer's cache (its ``known_objects``)."""

    def list_keys(self) -> builtins.list[str]: ...

    def get_by_key(self, key: str) -> Any | None: ...


class DeltaFIFO:
    """A producer/consumer queue of :class:`Deltas`, one entry per object key.

    Contract
    --------
    * Objects are popped in the order their key was first queued; later changes to a queued
      key join its entry (they do not move it).
    * Two consecutive ``Deleted`` deltas collapse into one, keeping the one that is not a
      tombstone (re-listing and watching can report the same deletion twice).
    * ``delete`` of a key that is neither queued nor in ``known_objects`` is ignored (a relist
      already reported it).
    * ``replace(items)`` queues a ``Replaced`` (or ``Sync`` if ``emit_delta_type_replaced`` is
      false) delta per item, then a ``Deleted`` tombstone for every key queued or known that is
      not in ``items``. The first ``replace`` (or any add/update/delete) marks the queue
      *populated*; :meth:`has_synced` becomes true once every entry of that first batch has been
      popped.
    * ``resync()`` queues a ``Sync`` delta for every known object whose key is not queued.
    * ``pop`` hands over the entry (ownership passes to the caller) and calls
      ``process(deltas, is_in_initial_list)`` before returning; raise :class:`Requeue` there to
      put it back. After :meth:`close`, ``pop`` raises :class:`FIFOClosedError` once the queue
      is empty.
    * Not thread-safe: use from the event loop's thread only. Objects are never copied.
    """

    __slots__ = (
        "_closed",
        "_emit_delta_type_replaced",
        "_initial_population_count",
        "_items",
        "_key_func",
        "_known_objects",
        "_populated",
        "_queue",
        "_transformer",
        "_waiters",
    )

    def __init__(
        self,
        *,
        key_func: KeyFunc = meta_namespace_key,
        known_objects: KeyListerGetter | None = None,
        emit_delta_type_replaced: bool = True,
        transformer: Callable[[Any], Any] | None = None,
    ) -> None:
        self._key_func = key_func
        self._known_objects = known_objects
        self._emit_delta_type_replaced = emit_delta_type_replaced
        self._transformer = transformer
        # _items: key -> Deltas. A key is in _items iff it is in _queue; its Deltas is never
        # empty.
        self._items: dict[str, Deltas] = {}
        # _queue: keys in pop order; each key at most once.
        self._queue: deque[str] = deque()
        # _populated: true once the first replace() or add/update/delete happened.
        self._populated = False
        # _initial_population_count: entries of the first replace() not yet popped; only
        # decreases after being set, and only while > 0.
        self._initial_population_count = 0
        # _closed: once true, stays true; pop() on an empty closed queue raises.
        self._closed = False
        # _waiters: futures of pop() calls waiting for an entry; all woken on any enqueue.
        self._waiters: builtins.list[asyncio.Future[None]] = []

    # -- keys ---------------------------------------------------------------------------------

    def key_of(self, obj: Any) -> str:
        """The key of an object, of a :class:`Deltas` (its newest object) or of a tombstone."""
        if isinstance(obj, Deltas):
            if not obj:
                msg = "0 length Deltas object; can't get key"
                raise ValueError(msg)
            obj = obj[-1].object
        if isinstance(obj, DeletedFinalStateUnknown):
            return obj.key
        return self._key_func(obj)

    # -- producer side ------------------------------------------------------------------------

    def add(self, obj: Any) -> None:
        """Queue an ``Added`` delta."""
        self._populated = True
        key = self._key_func(obj) if type(obj) is dict else self.key_of(obj)
        self._queue_action(DeltaType.ADDED, obj, key)

    def update(self, obj: Any) -> None:
        """Queue an ``Updated`` delta."""
        self._populated = True
        key = self._key_func(obj) if type(obj) is dict else self.key_of(obj)
        self._queue_action(DeltaType.UPDATED, obj, key)

    def delete(self, obj: Any) -> None:
        """Queue a ``Deleted`` delta, unless the object is unknown both here and to the cache."""
        key = self.key_of(obj)
        self._populated = True
        if key not in self._items:
            known = self._known_objects
            if known is None or known.get_by_key(key) is None:
                return  # presumably deleted by a relist already; don't report it twice
        self._queue_action(DeltaType.DELETED, obj, key)

    def add_if_not_present(self, deltas: object) -> None:
        """Put back a popped entry unless its key was queued again meanwhile."""
        if not isinstance(deltas, Deltas):
            msg = f"object must be of type Deltas, but got: {type(deltas).__name__}"
            raise TypeError(msg)
        key = self.key_of(deltas)
        self._populated = True
        if key in self._items:
            return
        self._queue.append(key)
        self._items[key] = deltas
        self._wake()

    def replace(self, items: Iterable[Any], resource_version: str = "") -> None:
        """Queue a relist: ``Replaced`` per item, tombstones for keys no longer present."""
        del resource_version
        action = DeltaType.REPLACED if self._emit_delta_type_replaced else DeltaType.SYNC
        keys: set[str] = set()
        for item in items:
            key = self.key_of(item)
            keys.add(key)
            self._queue_action(action, item, key)
        queued_deletions = 0
        for key, old in builtins.list(self._items.items()):
            if key in keys:
                continue
            newest = old[-1].object
            if isinstance(newest, DeletedFinalStateUnknown):
                newest = newest.obj
            queued_deletions += 1
            self._queue_action(DeltaType.DELETED, DeletedFinalStateUnknown(key, newest), key)
        known = self._known_objects
        if known is not None:
            for key in known.list_keys():
                if key in keys or key in self._items:
                    continue
                queued_deletions += 1
                tomb = DeletedFinalStateUnknown(key, known.get_by_key(key))
                self._queue_action(DeltaType.DELETED, tomb, key)
        if not self._populated:
            self._populated = True
            self._initial_population_count = len(keys) + queued_deletions

    def resync(self) -> None:
        """Queue a ``Sync`` delta for every known object whose key is not already queued."""
        known = self._known_objects
        if known is None:
            return
        for key in known.list_keys():
            if key in self._items:
                continue
            obj = known.get_by_key(key)
            if obj is None:
                continue
            self._queue_action(DeltaType.SYNC, obj, key)

    def _queue_action(self, action: DeltaType, obj: Any, key: str) -> None:
        if self._transformer is not None:
            obj = self._transformer(obj)
        deltas = self._items.get(key)
        if deltas is None:
            self._items[key] = Deltas((Delta(action, obj),))
            self._queue.append(key)
            self._wake()
            return
        if action is DeltaType.DELETED and deltas[-1].type is DeltaType.DELETED:
            # Dedup: keep the deletion that carries the most information.
            if isinstance(deltas[-1].object, DeletedFinalStateUnknown):
                deltas[-1] = Delta(action, obj)
            return
        deltas.append(Delta(action, obj))

    def close(self) -> None:
        """Close the queue: waiting and future ``pop`` calls fail once it is empty."""
        self._closed = True
        self._wake()

    def _wake(self) -> None:
        if self._waiters:
            for fut in self._waiters:
                if not fut.done():
                    fut.set_result(None)
            self._waiters.clear()

    # -- consumer side ------------------------------------------------------------------------

    async def pop(self, process: Callable[[Deltas, bool], None]) -> Deltas:
        """Wait for an entry, remove it, run ``process(deltas, is_in_initial_list)`` on it and
        return it. Returns without suspending when an entry is ready."""
        while not self._queue:
            if self._closed:
                raise FIFOClosedError
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            try:
                await fut
            finally:
                if not fut.done():
                    fut.cancel()
                    self._waiters.remove(fut)
        return self._pop_ready(process)

    def pop_nowait(self, process: Callable[[Deltas, bool], None]) -> Deltas | None:
        """Like :meth:`pop` but return ``None`` at once if nothing is queued (raises
        :class:`FIFOClosedError` if closed and empty)."""
        if not self._queue:
            if self._closed:
                raise FIFOClosedError
            return None
        return self._pop_ready(process)

    def _pop_ready(self, process: Callable[[Deltas, bool], None]) -> Deltas:
        in_initial_list = not (self._populated and self._initial_population_count == 0)
        key = self._queue.popleft()
        if self._initial_population_count > 0:
            self._initial_population_count -= 1
        deltas = self._items.pop(key)
        try:
            process(deltas, in_initial_list)
        except Requeue as rq:
            self.add_if_not_present(deltas)
            if rq.err is not None:
                raise rq.err from rq
        return deltas

    # -- reads --------------------------------------------------------------------------------

    def has_synced(self) -> bool:
        """True once populated and the first ``replace`` batch has been fully popped."""
        return self._populated and self._initial_population_count == 0

    @property
    def is_closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        return len(self._queue)

    def list(self) -> builtins.list[Any]:
        """The newest object of every queued entry."""
        return [d[-1].object for d in self._items.values()]

    def list_keys(self) -> builtins.list[str]:
        """The queued keys in pop order."""
        return builtins.list(self._queue)

    def get(self, obj: Any) -> Deltas | None:
        """A copy of the queued deltas for ``obj``'s key, or ``None``."""
        return self.get_by_key(self.key_of(obj))

    def get_by_key(self, key: str) -> Deltas | None:
        """A copy of the queued deltas for ``key``, or ``None``."""
        d = self._items.get(key)
        return Deltas(d) if d is not None else None
