"""The :class:`Store` contract every storage backend implements.

Semantics (etcd's MVCC model, which Kubernetes builds on):

* One global revision counter, incremented by every successful write (create, update, delete).
  An object's ``metadata.resourceVersion`` is the decimal string of the revision that last
  wrote it; a list carries the revision it is consistent at.
* Keys are ``/registry/<resource>/<namespace>/<name>`` for namespaced objects and
  ``/registry/<resource>/<name>`` for cluster-scoped ones (see :func:`object_key`).
* Values are JSON-compatible ``dict`` objects. **Objects passed in or handed out are immutable
  by contract**: a backend may keep and share the very dict it was given (the memory backend
  does), so callers copy before they modify (``copy.deepcopy`` or a structural copy of the parts
  they change). This keeps the in-process path free of serialisation.
* Errors are :mod:`kcore.api.errors`: ``NotFound``, ``AlreadyExists``, ``Conflict`` (expected
  revision mismatch), ``Expired`` (revision older than the compacted history).
* ``watch(prefix, from_revision)`` delivers, in revision order and exactly once, every change
  with revision > ``from_revision`` under ``prefix``; after ``compact(rev)`` a watch from an
  older revision raises ``Expired``.
* Every method is safe to call from any thread. Watch events are delivered to the asyncio loop
  that created the :class:`Watcher`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

Obj = dict[str, Any]
EventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]


def object_key(resource: str, namespace: str | None, name: str) -> str:
    """The storage key of an object: ``/registry/pods/default/web-1``."""
    if namespace:
        return f"/registry/{resource}/{namespace}/{name}"
    return f"/registry/{resource}/{name}"


def collection_prefix(resource: str, namespace: str | None = None) -> str:
    """The key prefix of a collection, ending with ``/``."""
    if namespace:
        return f"/registry/{resource}/{namespace}/"
    return f"/registry/{resource}/"


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One change. ``object`` carries ``metadata.resourceVersion == str(revision)``; for
    ``DELETED`` it is the last state before deletion, stamped with the deletion's revision."""

    type: EventType
    key: str
    object: Mapping[str, Any]
    revision: int
    prev_object: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ListResult:
    """A consistent page of a prefix: ``items`` in key order at ``revision``.

    ``continue_key`` is the key to start the next page after (``None`` when complete) and
    ``remaining`` how many items follow (``-1`` if unknown).
    """

    items: list[Mapping[str, Any]]
    revision: int
    continue_key: str | None = None
    remaining: int = -1


class Watcher(Protocol):
    """An ordered stream of :class:`WatchEvent`; iterate with ``async for``, end with ``stop()``."""

    def __aiter__(self) -> AsyncIterator[WatchEvent]: ...

    def stop(self) -> None: ...


class Store(Protocol):
    """MVCC key-value storage of API objects (see the module docstring for the contract)."""

    @property
    def revision(self) -> int:
        """The current (latest committed) revision."""
        ...

    @property
    def compacted_revision(self) -> int:
        """Revisions at or below this one are no longer retained."""
        ...

    def create(self, key: str, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        """Store a new object; returns it stamped with its resourceVersion. ``AlreadyExists``."""
        ...

    def get(self, key: str) -> Mapping[str, Any]:
        """The current object at ``key``. ``NotFound``."""
        ...

    def list(
        self,
        prefix: str,
        *,
        revision: int | None = None,
        limit: int = 0,
        start_after: str | None = None,
    ) -> ListResult:
        """Objects under ``prefix`` in key order. ``revision`` reads history (``Expired`` if
        compacted); ``limit`` > 0 pages; ``start_after`` continues after a key."""
        ...

    def update(
        self, key: str, obj: Mapping[str, Any], *, expected_revision: int | None = None
    ) -> Mapping[str, Any]:
        """Replace the object; ``Conflict`` if its current revision != ``expected_revision``."""
        ...

    def delete(self, key: str, *, expected_revision: int | None = None) -> Mapping[str, Any]:
        """Remove the object and return its last state. ``NotFound``, ``Conflict``."""
        ...

    def guaranteed_update(
        self,
        key: str,
        update: Callable[[Mapping[str, Any]], Mapping[str, Any] | None],
        *,
        ignore_not_found: bool = False,
    ) -> Mapping[str, Any]:
        """Read-modify-write with retry on conflict. ``update`` gets the current object (or an
        empty dict with ``ignore_not_found`` when absent) and returns the new one without
        mutating its argument; returning ``None`` means "no change"."""
        ...

    def watch(self, prefix: str, *, from_revision: int) -> Watcher:
        """Changes under ``prefix`` with revision > ``from_revision``. ``Expired``."""
        ...

    def compact(self, revision: int) -> None:
        """Forget history at or below ``revision``."""
        ...

    def close(self) -> None:
        """Release files, connections and threads; stop every watcher."""
        ...
