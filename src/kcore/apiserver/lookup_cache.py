"""A short-lived cache of the small, rarely written objects admission reads on every write.

Every pod creation consults its namespace, its ServiceAccount, the namespace's LimitRanges and
ResourceQuotas and the PriorityClasses. Reading them from the store each time would cost more
than the creation itself, so :class:`LookupCache` keeps them. Consistency:

* Every write the registry makes goes through :class:`InvalidatingStore`, which drops the cached
  entries of the written resource, so a single server (memory, SQLite) always reads its own
  writes.
* Writes made by *another* server (several APIServers on one etcd) are seen once an entry is
  older than ``ttl`` seconds (default 1 s), like kube-apiserver's admission informers, which are
  eventually consistent too. Quota charges never rely on the cache: they are compare-and-swap
  writes on the quota itself.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from kcore.storage.interface import ListResult, Store, Watcher
    from kcore.util.clock import Clock

#: Storage resource segments whose objects are cached.
CACHED = frozenset(
    {"namespaces", "serviceaccounts", "limitranges", "resourcequotas", "priorityclasses"}
)
_ROOT_LEN = len("/registry/")


def resource_of_key(key: str) -> str:
    """``/registry/namespaces/x`` -> ``namespaces``."""
    end = key.find("/", _ROOT_LEN)
    return key[_ROOT_LEN:] if end < 0 else key[_ROOT_LEN:end]


class LookupCache:
    """``(resource, namespace, name)`` -> value, with per-resource invalidation and a TTL.

    Thread-safe; values are immutable store objects (or lists of them) and never copied.
    """

    def __init__(self, clock: Clock, ttl: float = 1.0) -> None:
        self._clock = clock
        self.ttl = ttl
        self._lock = threading.Lock()
        # _entries: key -> (expiry on clock.monotonic(), value); key[0] is the resource.
        self._entries: dict[tuple[str, str, str], tuple[float, Any]] = {}
        # _generation: per resource, bumped by invalidate(); a load that raced an invalidation
        # is not stored.
        self._generation: dict[str, int] = {}

    def get(self, key: tuple[str, str, str], load: Callable[[], Any]) -> Any:
        now = self._clock.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        gen = self._generation.get(key[0], 0)
        value = load()
        with self._lock:
            if self._generation.get(key[0], 0) == gen:
                self._entries[key] = (now + self.ttl, value)
        return value

    def invalidate(self, resource: str) -> None:
        with self._lock:
            self._generation[resource] = self._generation.get(resource, 0) + 1
            if self._entries:
                self._entries = {k: v for k, v in self._entries.items() if k[0] != resource}


class InvalidatingStore:
    """A :class:`~kcore.storage.interface.Store` wrapper that invalidates a :class:`LookupCache`
    after every write to a cached resource (see the module docstring)."""

    def __init__(self, store: Store, cache: LookupCache) -> None:
        self.inner = store
        self.cache = cache

    def _written(self, key: str) -> None:
        res = resource_of_key(key)
        if res in CACHED:
            self.cache.invalidate(res)

    @property
    def revision(self) -> int:
        return self.inner.revision

    @property
    def compacted_revision(self) -> int:
        return self.inner.compacted_revision

    def create(self, key: str, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        try:
            return self.inner.create(key, obj)
        finally:
            self._written(key)

    def get(self, key: str) -> Mapping[str, Any]:
        return self.inner.get(key)

    def list(
        self,
        prefix: str,
        *,
        revision: int | None = None,
        limit: int = 0,
        start_after: str | None = None,
    ) -> ListResult:
        return self.inner.list(prefix, revision=revision, limit=limit, start_after=start_after)

    def update(
        self, key: str, obj: Mapping[str, Any], *, expected_revision: int | None = None
    ) -> Mapping[str, Any]:
        try:
            return self.inner.update(key, obj, expected_revision=expected_revision)
        finally:
            self._written(key)

    def delete(self, key: str, *, expected_revision: int | None = None) -> Mapping[str, Any]:
        try:
            return self.inner.delete(key, expected_revision=expected_revision)
        finally:
            self._written(key)

    def guaranteed_update(
        self,
        key: str,
        update: Callable[[Mapping[str, Any]], Mapping[str, Any] | None],
        *,
        ignore_not_found: bool = False,
    ) -> Mapping[str, Any]:
        try:
            return self.inner.guaranteed_update(key, update, ignore_not_found=ignore_not_found)
        finally:
            self._written(key)

    def watch(self, prefix: str, *, from_revision: int) -> Watcher:
        return self.inner.watch(prefix, from_revision=from_revision)

    def compact(self, revision: int) -> None:
        self.inner.compact(revision)

    def close(self) -> None:
        self.inner.close()
