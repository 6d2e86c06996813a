"""The memory backend: the :class:`~kcore.storage.interface.Store` semantics without durability.

Used by simulation, embedding and fast tests, and the hot path of the in-process scheduler
benchmarks, so every operation is O(1) or O(log n) and nothing is serialised or deep-copied:
objects are immutable by contract, so the store keeps the dict it is given (a shallow copy with
``metadata.resourceVersion`` stamped) and hands that very dict to readers and watchers.

Layout
------
* ``_data``: key -> (object, mod revision); ``_keys``: the same keys in a ``SortedList`` for
  ordered, paged prefix scans.
* ``_log``: one :class:`WatchEvent` per revision in ``(compacted, current]``. Revisions are
  contiguous, so the event of revision ``r`` is ``_log[r - compacted - 1]``. Watches replay from
  it and history reads undo it: the state at ``R`` is the current state with every event after
  ``R`` reversed (each event carries the state it replaced).
* History is bounded: beyond ``history`` events the oldest are compacted automatically.
"""

from __future__ import annotations

import heapq
import threading
from itertools import islice
from typing import TYPE_CHECKING, Any

from sortedcontainers import SortedList  # type: ignore[import-untyped]

from kcore.api.errors import Conflict, NotFound
from kcore.storage._base import (
    DEFAULT_WATCH_BUFFER,
    already_exists,
    bookmark,
    check_key,
    check_prefix,
    check_revision,
    conflict,
    expired,
    guaranteed_update,
    not_found,
    same_content,
    stamp,
    too_large,
)
from kcore.storage._watch import StoreWatcher, WatchHub
from kcore.storage.interface import ListResult, WatchEvent, prefix_range_end

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

DEFAULT_HISTORY = 10_000
"""Events the memory store keeps for watches and history reads before compacting."""


class MemoryStore:
    """An in-memory MVCC store (see the module docstring and
    :class:`~kcore.storage.interface.Store` for the contract).

    Concurrency: one lock orders writes, dispatch to watchers and history reads; ``get`` reads
    without it (a dict lookup of an immutable entry). Watchers are fed while the lock is held,
    so they see writes in revision order.

    Parameters
    ----------
    history
        How many past revisions to keep (watch replay, ``list(revision=...)``); older history
        is compacted automatically. 0 keeps none.
    watch_buffer
        Events a watcher may have waiting before it is ended with ``Expired``.
    """

    def __init__(self, *, history: int = DEFAULT_HISTORY, watch_buffer: int = DEFAULT_WATCH_BUFFER):
        if history < 0:
            msg = f"history must be >= 0, got {history}"
            raise ValueError(msg)
        if watch_buffer < 1:
            msg = f"watch_buffer must be >= 1, got {watch_buffer}"
            raise ValueError(msg)
        self._lock = threading.Lock()
        # _data: key -> (stamped object, its mod revision); keys in _data == keys in _keys.
        self._data: dict[str, tuple[Mapping[str, Any], int]] = {}
        self._keys: SortedList = SortedList()
        # _log[i] is the event of revision _compacted + 1 + i; len(_log) == _rev - _compacted.
        self._log: list[WatchEvent] = []
        self._rev = 0
        self._compacted = 0
        self._history = history
        # Trim in chunks so the O(history) list shift is amortised over many writes.
        self._slack = history // 8
        self._watch_buffer = watch_buffer
        self._hub = WatchHub()
        self._closed = False

    def __repr__(self) -> str:
        return f"MemoryStore(objects={len(self._data)}, revision={self._rev})"

    # -- reads ------------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        return self._rev

    @property
    def compacted_revision(self) -> int:
        return self._compacted

    def get(self, key: str) -> Mapping[str, Any]:
        entry = self._data.get(key)
        if entry is None or self._closed:
            check_key(key)
            self._check_open()
            raise not_found(key)
        return entry[0]

    def list(
        self,
        prefix: str,
        *,
        revision: int | None = None,
        limit: int = 0,
        start_after: str | None = None,
    ) -> ListResult:
        check_prefix(prefix)
        check_revision("revision", revision)
        check_revision("limit", limit)
        with self._lock:
            self._check_open()
            cur = self._rev
            if not revision or revision == cur:
                return self._list_current(prefix, cur, limit, start_after)
            if revision > cur:
                raise too_large(revision, cur)
            if revision < self._compacted:
                raise expired(revision, self._compacted)
            return self._list_at(prefix, revision, limit, start_after)

    def _key_range(self, prefix: str, start_after: str | None) -> Iterator[str]:
        hi = prefix_range_end(prefix)
        it: Iterator[str]
        if start_after is not None and start_after >= prefix:
            it = self._keys.irange(start_after, hi, inclusive=(False, False))
        else:
            it = self._keys.irange(prefix, hi, inclusive=(True, False))
        return it

    def _count_after(self, prefix: str, last: str) -> int:
        hi = prefix_range_end(prefix)
        end = self._keys.bisect_left(hi) if hi is not None else len(self._keys)
        return int(end - self._keys.bisect_right(last))

    def _list_current(
        self, prefix: str, cur: int, limit: int, start_after: str | None
    ) -> ListResult:
        it = self._key_range(prefix, start_after)
        keys = list(islice(it, limit)) if limit else list(it)
        data = self._data
        items = [data[k][0] for k in keys]
        remaining = 0
        if limit and len(keys) == limit:
            remaining = self._count_after(prefix, keys[-1])
        return ListResult(items, cur, keys[-1] if remaining else None, remaining)

    def _list_at(self, prefix: str, at: int, limit: int, start_after: str | None) -> ListResult:
        # before[k]: the state of k at `at` (None = absent) for every k changed after `at`.
        before: dict[str, Mapping[str, Any] | None] = {}
        for ev in reversed(self._log[at - self._compacted :]):
            if ev.key.startswith(prefix):
                before[ev.key] = ev.prev_object
        floor = start_after if start_after is not None and start_after >= prefix else None
        changed = sorted(k for k in before if floor is None or k > floor)
        data = self._data
        items: list[Mapping[str, Any]] = []
        last: str | None = None
        for k in heapq.merge(self._key_range(prefix, start_after), changed):
            if k == last:
                continue
            if k in before:
                obj = before[k]
                if obj is None:
                    continue
            else:
                obj = data[k][0]
            items.append(obj)
            last = k
            if limit and len(items) == limit:
                break
        remaining = 0
        if limit and len(items) == limit and last is not None:
            remaining = self._count_after(prefix, last)
            for k in changed:
                if k > last:
                    remaining += (before[k] is not None) - (k in data)
        return ListResult(items, at, last if remaining else None, remaining)

    # -- writes -----------------------------------------------------------------------------

    def create(self, key: str, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        check_key(key)
        with self._lock:
            self._check_open()
            if key in self._data:
                raise already_exists(key)
            rev = self._rev + 1
            new = _stamp(obj, rev, key)
            self._rev = rev
            self._data[key] = (new, rev)
            self._keys.add(key)
            self._record(WatchEvent("ADDED", key, new, rev))
        return new

    def update(
        self, key: str, obj: Mapping[str, Any], *, expected_revision: int | None = None
    ) -> Mapping[str, Any]:
        check_key(key)
        check_revision("expected_revision", expected_revision)
        with self._lock:
            self._check_open()
            entry = self._data.get(key)
            if entry is None:
                raise not_found(key)
            if expected_revision is not None and entry[1] != expected_revision:
                raise conflict(key)
            rev = self._rev + 1
            new = _stamp(obj, rev, key)
            self._rev = rev
            self._data[key] = (new, rev)
            self._record(WatchEvent("MODIFIED", key, new, rev, entry[0]))
        return new

    def delete(self, key: str, *, expected_revision: int | None = None) -> Mapping[str, Any]:
        check_key(key)
        check_revision("expected_revision", expected_revision)
        with self._lock:
            self._check_open()
            entry = self._data.get(key)
            if entry is None:
                raise not_found(key)
            if expected_revision is not None and entry[1] != expected_revision:
                raise conflict(key)
            rev = self._rev + 1
            last = stamp(entry[0], rev, key)
            self._rev = rev
            del self._data[key]
            self._keys.remove(key)
            self._record(WatchEvent("DELETED", key, last, rev, entry[0]))
        return last

    def guaranteed_update(
        self,
        key: str,
        update: Callable[[Mapping[str, Any]], Mapping[str, Any] | None],
        *,
        ignore_not_found: bool = False,
    ) -> Mapping[str, Any]:
        """The optimistic read-modify-write loop of :func:`kcore.storage._base.guaranteed_update`,
        reading the revision from the entry and comparing only what the update replaced."""
        check_key(key)
        data = self._data
        while True:
            entry = data.get(key)
            if entry is None or self._closed:
                return guaranteed_update(self, key, update, ignore_not_found=ignore_not_found)
            current, rev = entry
            new = update(current)
            if new is None or _same_content(new, current, key):
                return current
            try:
                return self.update(key, new, expected_revision=rev)
            except (Conflict, NotFound):
                continue

    def _record(self, ev: WatchEvent) -> None:
        """Log and dispatch the event of a write (lock held)."""
        log = self._log
        log.append(ev)
        self._hub.dispatch(ev)
        if len(log) > self._history + self._slack:
            drop = len(log) - self._history
            del log[:drop]
            self._compacted += drop

    # -- watch & compaction -------------------------------------------------------------------

    def watch(self, prefix: str, *, from_revision: int) -> StoreWatcher:
        check_prefix(prefix)
        check_revision("from_revision", from_revision)
        w = StoreWatcher(
            prefix,
            from_revision,
            capacity=self._watch_buffer,
            on_stop=self._hub.remove,
            on_progress=self._progress,
        )
        with self._lock:
            self._check_open()
            if from_revision < self._compacted:
                raise expired(from_revision, self._compacted)
            if from_revision < self._rev:
                for ev in self._log[from_revision - self._compacted :]:
                    if ev.key.startswith(prefix):
                        w.offer(ev)
            if w._error is None:
                self._hub.add(w)
        return w

    def _progress(self, w: StoreWatcher) -> None:
        with self._lock:
            self._hub.offer_one(w, bookmark(max(self._rev, w.after)))

    def compact(self, revision: int) -> None:
        check_revision("revision", revision)
        with self._lock:
            self._check_open()
            if revision <= self._compacted:
                return
            if revision > self._rev:
                msg = f"cannot compact to revision {revision}: the current revision is {self._rev}"
                raise ValueError(msg)
            del self._log[: revision - self._compacted]
            self._compacted = revision

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._hub.close()

    def _check_open(self) -> None:
        if self._closed:
            msg = "the memory store is closed"
            raise RuntimeError(msg)


_MISSING: Any = object()


def _stamp(obj: Mapping[str, Any], revision: int, key: str) -> Mapping[str, Any]:
    """:func:`kcore.storage._base.stamp` with the checks and copies inlined for plain dicts."""
    if type(obj) is dict:
        md = obj.get("metadata")
        if type(md) is dict:
            new_md = md.copy()
            new_md["resourceVersion"] = str(revision)
            new = obj.copy()
            new["metadata"] = new_md
            return new
    return stamp(obj, revision, key)


def _same_content(new: Mapping[str, Any], current: Mapping[str, Any], key: str) -> bool:
    """:func:`kcore.storage._base.same_content` (``new`` equals ``current`` apart from the
    resourceVersion), comparing by identity first: an update copies what it changes and
    shares the rest, so only the replaced values are compared in depth."""
    if new is current:
        return True
    nm = new.get("metadata") if type(new) is dict else _MISSING
    if nm is _MISSING or (nm is not None and type(nm) is not dict):
        return same_content(new, current, key)  # unusual shapes: the general comparison
    cm = current["metadata"]
    if len(new) + ("metadata" not in new) != len(current):
        return False
    for k, v in new.items():
        if k == "metadata":
            continue
        cv = current.get(k, _MISSING)
        if v is not cv and (cv is _MISSING or v != cv):
            return False
    if nm is cm:
        return True
    stamped = dict(nm) if nm else {}
    stamped["resourceVersion"] = cm["resourceVersion"]
    return bool(stamped == cm)
