"""The :class:`Store` contract every storage backend implements.

Semantics (etcd's MVCC model, which Kubernetes builds on):

* One global revision counter, incremented by every successful write (create, update, delete).
  An object's ``metadata.resourceVersion`` is the decimal string of the revision that last
  wrote it; a list carries the revision it is consistent at. Revisions are positive; a fresh
  store starts at revision 0 (memory, sqlite) or 1 (etcd), so nothing may assume a start value.
* Keys are ``/registry/<resource>/<namespace>/<name>`` for namespaced objects and
  ``/registry/<resource>/<name>`` for cluster-scoped ones, with kube-apiserver's historical
  prefixes for a few core resources (``nodes`` live under ``/registry/minions``, ``services``
  under ``/registry/services/specs``; see :data:`SPECIAL_RESOURCE_PREFIXES`), so an etcd written
  by kcore looks like one written by kube-apiserver. Build keys with :func:`object_key` and
  :func:`collection_prefix`; every key and prefix starts with ``/registry``.
* Values are JSON-compatible ``dict`` objects. **Objects passed in or handed out are immutable
  by contract**: a backend may keep and share the very dict it was given (the memory backend
  does), so callers copy before they modify (``copy.deepcopy`` or a structural copy of the parts
  they change). This keeps the in-process path free of serialisation. The backends that
  serialise (sqlite, etcd) store the object without ``metadata.resourceVersion`` and stamp it on
  the way out, as kube-apiserver does.
* Errors are :mod:`kcore.api.errors`: ``NotFound``, ``AlreadyExists``, ``Conflict`` (expected
  revision mismatch), ``Expired`` (revision older than the compacted history, worded
  ``too old resource version: <requested> (<compacted>)``), ``Timeout`` for a revision newer
  than the store has (``Too large resource version: <requested>, current: <current>``),
  ``ServiceUnavailable`` when a remote backend cannot be reached. Programming errors (a key
  outside ``/registry``, an object that is not a mapping) raise ``ValueError``/``TypeError``.
* History: after ``compact(C)`` the state at ``C`` and every later revision stays readable, and
  every change with a revision > ``C`` can still be watched; ``list(revision=R)`` with ``R < C``
  and ``watch(from_revision=F)`` with ``F < C`` raise ``Expired``.
* ``watch(prefix, from_revision)`` delivers, in revision order and exactly once, every change
  with revision > ``from_revision`` under ``prefix``. Writers never wait for watchers: each
  watcher has a bounded buffer, and one that falls further behind is ended with ``Expired`` (the
  client relists, as with kube-apiserver's watch cache).
* Every method is safe to call from any thread. Watch events are delivered to the asyncio loop
  that created the :class:`Watcher` (or, when ``watch()`` was called outside a running loop, the
  loop that first iterates it).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

Obj = dict[str, Any]
EventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]


ROOT: Final = "/registry"
"""The root every key lives under (kube-apiserver's default ``--etcd-prefix``)."""

SPECIAL_RESOURCE_PREFIXES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "replicationcontrollers": "controllers",
        "endpoints": "services/endpoints",
        "nodes": "minions",
        "services": "services/specs",
        "ingresses": "ingress",
        "podsecuritypolicies": "podsecuritypolicy",
    }
)
"""Resources whose storage prefix is not their plural name, exactly as kube-apiserver lays them
out (``SpecialDefaultResourcePrefixes``); every other resource is stored under its plural."""

_RESOURCE_BY_PREFIX: Final[Mapping[str, str]] = MappingProxyType(
    {v: k for k, v in SPECIAL_RESOURCE_PREFIXES.items()}
)


def resource_prefix(resource: str) -> str:
    """The path segment(s) a resource is stored under: ``pods`` -> ``pods``, ``nodes`` ->
    ``minions``, ``services`` -> ``services/specs``."""
    return SPECIAL_RESOURCE_PREFIXES.get(resource, resource)


def object_key(resource: str, namespace: str | None, name: str) -> str:
    """The storage key of an object: ``/registry/pods/default/web-1``, ``/registry/minions/n1``."""
    if namespace:
        return f"{ROOT}/{resource_prefix(resource)}/{namespace}/{name}"
    return f"{ROOT}/{resource_prefix(resource)}/{name}"


def collection_prefix(resource: str, namespace: str | None = None) -> str:
    """The key prefix of a collection, ending with ``/``."""
    if namespace:
        return f"{ROOT}/{resource_prefix(resource)}/{namespace}/"
    return f"{ROOT}/{resource_prefix(resource)}/"


def describe_key(key: str) -> tuple[str, str]:
    """``(resource, name)`` of a key, for messages: ``/registry/minions/n1`` -> ``("nodes",
    "n1")``. Keys that are not object keys give their first segment and last segment."""
    rest = key[len(ROOT) + 1 :] if key.startswith(ROOT + "/") else key.lstrip("/")
    parts = rest.split("/")
    name = parts[-1] if parts else ""
    if len(parts) >= 2:
        two = f"{parts[0]}/{parts[1]}"
        if two in _RESOURCE_BY_PREFIX:
            return _RESOURCE_BY_PREFIX[two], name
    first = parts[0] if parts else ""
    return _RESOURCE_BY_PREFIX.get(first, first), name


def prefix_range_end(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix`` (etcd's
    ``range_end`` for a prefix); ``None`` when no such string exists (empty prefix)."""
    chars = list(prefix)
    while chars:
        last = ord(chars[-1])
        if last < sys.maxunicode:
            chars[-1] = chr(last + 1)
            return "".join(chars)
        chars.pop()
    return None


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One change. ``object`` carries ``metadata.resourceVersion == str(revision)``; for
    ``DELETED`` it is the last state before deletion, stamped with the deletion's revision.

    ``prev_object`` is the state the change replaced (with its own resourceVersion): ``None``
    for ``ADDED``, the previous object for ``MODIFIED`` and the deleted object for ``DELETED``,
    so a selector-filtering watch can tell an object that stops matching from one that changes.

    A ``BOOKMARK`` (see :meth:`Watcher.request_progress`) has ``key == ""``, ``revision`` R and
    ``object == {"metadata": {"resourceVersion": str(R)}}``: every change under the watched
    prefix with a revision <= R has been delivered before it.
    """

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
    """An ordered stream of :class:`WatchEvent`; iterate with ``async for``, end with ``stop()``.

    Contract: events arrive in revision order, exactly once, on the asyncio loop that created
    the watcher. Iteration raises ``Expired`` if the requested history is gone or the watcher
    fell more than its buffer behind (events already buffered before a backend failure are
    delivered first); after ``stop()`` it ends (``StopAsyncIteration``) and buffered events are
    dropped. ``stop()`` and ``request_progress()`` may be called from any thread.
    """

    def __aiter__(self) -> AsyncIterator[WatchEvent]: ...

    def stop(self) -> None: ...

    def request_progress(self) -> None:
        """Ask for a ``BOOKMARK`` event: it arrives after every change it covers, carrying the
        newest revision R for which the watcher knows every change <= R was delivered (the
        store's current revision for memory and sqlite, the last revision etcd reported to the
        watch stream for etcd). Used by the APIServer for ``allowWatchBookmarks``."""
        ...


class Store(Protocol):
    """MVCC key-value storage of API objects (see the module docstring for the contract)."""

    @property
    def revision(self) -> int:
        """The current (latest committed) revision."""
        ...

    @property
    def compacted_revision(self) -> int:
        """The oldest readable revision: history (events) at or below it is gone; the state at
        it can still be listed. 0 when nothing was compacted."""
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
        """Objects under ``prefix`` in key order, consistent at one revision.

        ``revision`` (``None`` or 0 = current) reads history: ``Expired`` if compacted,
        ``Timeout`` if newer than the store. ``limit`` > 0 returns at most that many items with
        ``continue_key`` set when more follow (pass it as ``start_after`` and the returned
        ``revision`` as ``revision`` for the next page); ``remaining`` counts what follows."""
        ...

    def update(
        self, key: str, obj: Mapping[str, Any], *, expected_revision: int | None = None
    ) -> Mapping[str, Any]:
        """Replace the object; ``NotFound`` if absent, ``Conflict`` if its current revision !=
        ``expected_revision`` (``None`` = unconditional). Always writes a new revision."""
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
        empty dict with ``ignore_not_found`` when absent, and the result is then created) and
        returns the new one without mutating its argument; returning ``None``, or an object
        equal to the current one apart from its resourceVersion, means "no change": nothing is
        written and the current object (``{}`` if absent) is returned, as kube-apiserver skips
        no-op updates. Exceptions raised by ``update`` propagate and nothing is written."""
        ...

    def watch(self, prefix: str, *, from_revision: int) -> Watcher:
        """Changes under ``prefix`` with revision > ``from_revision`` (see :class:`Watcher`).
        ``Expired`` (raised here, or by the first iteration when only the remote backend can
        tell) if ``from_revision`` is older than the compacted history. A ``from_revision``
        newer than the store just waits for that revision."""
        ...

    def compact(self, revision: int) -> None:
        """Forget history at or below ``revision`` (see the module docstring). A revision at or
        below :attr:`compacted_revision` is a no-op; one above :attr:`revision` is a
        ``ValueError``. Backends also compact automatically (see their docs)."""
        ...

    def close(self) -> None:
        """Release files, connections and threads; stop every watcher."""
        ...
