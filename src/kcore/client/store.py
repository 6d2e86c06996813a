"""Local caches of API objects: client-go's ``Store``, ``ThreadSafeStore`` and ``Indexer``.

An informer keeps the objects it has seen in an :class:`Indexer`: a key -> object map plus any
number of *indices*, each computed by an :data:`IndexFunc` (object -> list of index values) and
mapping every value to the set of keys whose objects produce it. The standard index is
:data:`NAMESPACE_INDEX` (objects by ``metadata.namespace``).

Keys are :func:`kcore.api.meta.meta_namespace_key` (``namespace/name`` or ``name``). Objects
are stored as given, never copied: they are immutable by contract (see
:mod:`kcore.client.interface`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from kcore.api.meta import meta_namespace_key

if TYPE_CHECKING:
    import builtins

Obj = Mapping[str, Any]
KeyFunc = Callable[[Any], str]
IndexFunc = Callable[[Any], list[str]]
Indexers = dict[str, IndexFunc]
Index = dict[str, set[str]]
Indices = dict[str, Index]

NAMESPACE_INDEX = "namespace"
"""Name of the index over ``metadata.namespace`` (client-go ``NamespaceIndex``)."""


def meta_namespace_index_func(obj: Any) -> list[str]:
    """Index an object by its namespace (``[""]`` for cluster-scoped objects)."""
    if type(obj) is dict:  # fast path: plain JSON objects (no ABC isinstance checks)
        md = obj.get("metadata")
        if type(md) is dict:
            return [md.get("namespace") or ""]
    md = obj.get("metadata") if isinstance(obj, Mapping) else None
    if not isinstance(md, Mapping):
        msg = f"object has no meta: cannot index {type(obj).__name__} by namespace"
        raise ValueError(msg)
    return [md.get("namespace") or ""]


def _same_namespace(old: Any, new: Any) -> bool:
    """Whether two plain objects have the same :func:`meta_namespace_index_func` value."""
    if type(old) is dict and type(new) is dict:
        om, nm = old.get("metadata"), new.get("metadata")
        if type(om) is dict and type(nm) is dict:
            return bool((om.get("namespace") or "") == (nm.get("namespace") or ""))
    return False


def deletion_handling_meta_namespace_key(obj: Any) -> str:
    """The key of an object or of a ``DeletedFinalStateUnknown`` tombstone (its ``key``)."""
    if type(obj) is dict:  # fast path: plain JSON objects
        md = obj.get("metadata")
        if type(md) is dict:
            name = md.get("name") or ""
            ns = md.get("namespace")
            return f"{ns}/{name}" if ns else name
    elif not isinstance(obj, Mapping):
        key = getattr(obj, "key", None)  # DeletedFinalStateUnknown (duck-typed: no cycle)
        if isinstance(key, str):
            return key
    return meta_namespace_key(obj)


class KeyFuncError(LookupError):
    """The key function could not compute a key for an object (client-go ``KeyError``)."""

    def __init__(self, obj: Any, err: Exception) -> None:
        super().__init__(f"couldn't create key for object {_describe(obj)}: {err}")
        self.obj = obj
        self.err = err


def _describe(obj: Any) -> str:
    if isinstance(obj, Mapping):
        md = obj.get("metadata")
        if isinstance(md, Mapping):
            return f"{obj.get('kind', 'object')} {md.get('namespace', '')}/{md.get('name', '')}"
    return repr(obj)[:80]


class Store(Protocol):
    """A generic object cache keyed by a key function (client-go ``cache.Store``)."""

    def add(self, obj: Any) -> None: ...

    def update(self, obj: Any) -> None: ...

    def delete(self, obj: Any) -> None: ...

    def list(self) -> builtins.list[Any]: ...

    def list_keys(self) -> builtins.list[str]: ...

    def get(self, obj: Any) -> Any | None: ...

    def get_by_key(self, key: str) -> Any | None: ...

    def replace(self, items: Iterable[Any], resource_version: str) -> None: ...

    def resync(self) -> None: ...


class ThreadSafeStore:
    """A key -> object map with indices, safe to use from several threads.

    Contract: every method takes one lock, so each call is atomic; readers never see an object
    in the map without its index entries or the reverse. Objects are stored by reference. Index
    functions must be pure and fast; one that raises leaves the store unchanged and the error
    propagates.
    """

    __slots__ = ("_indexers", "_indices", "_items", "_lock")

    def __init__(self, indexers: Indexers | None = None) -> None:
        self._lock = threading.Lock()
        # _items: key -> object; a key is here iff it appears in the indices for every value
        # its object's index functions produce.
        self._items: dict[str, Any] = {}
        # _indexers: index name -> index function.
        self._indexers: Indexers = dict(indexers or {})
        # _indices: index name -> (index value -> keys); empty sets are removed.
        self._indices: Indices = {name: {} for name in self._indexers}

    # -- writes -------------------------------------------------------------------------------

    def add(self, key: str, obj: Any) -> None:
        """Insert or replace the object stored under ``key``."""
        self.update(key, obj)

    def update(self, key: str, obj: Any) -> None:
        """Insert or replace the object stored under ``key``, keeping the indices current."""
        with self._lock:
            old = self._items.get(key)
            if self._indexers:
                self._update_indices(old, obj, key)
            self._items[key] = obj

    def delete(self, key: str) -> None:
        """Remove ``key`` (no error if absent)."""
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None and self._indexers:
                self._update_indices(old, None, key)

    def replace(self, items: Mapping[str, Any], resource_version: str = "") -> None:
        """Replace the whole contents; indices are rebuilt."""
        del resource_version
        with self._lock:
            new_items = dict(items)
            indices: Indices = {name: {} for name in self._indexers}
            for key, obj in new_items.items():
                for name, fn in self._indexers.items():
                    idx = indices[name]
                    for value in fn(obj):
                        idx.setdefault(value, set()).add(key)
            self._items = new_items
            self._indices = indices

    def _update_indices(self, old: Any, new: Any, key: str) -> None:
        # Compute everything first so a failing index function changes nothing.
        changes: list[tuple[Index, list[str], list[str]]] = []
        for name, fn in self._indexers.items():
            if fn is meta_namespace_index_func and _same_namespace(old, new):
                continue  # (what comparing the two computed values would conclude)
            old_values = fn(old) if old is not None else []
            new_values = fn(new) if new is not None else []
            if old_values == new_values:
                continue
            changes.append((self._indices[name], old_values, new_values))
        for idx, old_values, new_values in changes:
            for value in old_values:
                keys = idx.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del idx[value]
            for value in new_values:
                keys = idx.get(value)
                if keys is None:
                    idx[value] = {key}
                else:
                    keys.add(key)

    # -- reads --------------------------------------------------------------------------------

    def get(self, key: str) -> Any | None:
        """The object under ``key`` or ``None``."""
        return self._items.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def list(self) -> builtins.list[Any]:
        """A snapshot list of every object (no order promised)."""
        with self._lock:
            return list(self._items.values())

    def list_keys(self) -> builtins.list[str]:
        """A snapshot list of every key."""
        with self._lock:
            return list(self._items)

    def index(self, index_name: str, obj: Any) -> builtins.list[Any]:
        """Objects sharing any index value with ``obj`` under ``index_name``."""
        with self._lock:
            fn = self._indexer(index_name)
            values = fn(obj)
            idx = self._indices[index_name]
            if len(values) == 1:
                keys: Iterable[str] = idx.get(values[0], ())
            else:
                acc: set[str] = set()
                for v in values:
                    acc |= idx.get(v, set())
                keys = acc
            items = self._items
            return [items[k] for k in keys]

    def index_keys(self, index_name: str, value: str) -> builtins.list[str]:
        """Keys whose objects produce ``value`` under ``index_name``."""
        with self._lock:
            self._indexer(index_name)
            return list(self._indices[index_name].get(value, ()))

    def by_index(self, index_name: str, value: str) -> builtins.list[Any]:
        """Objects whose index function produces ``value`` under ``index_name``."""
        with self._lock:
            self._indexer(index_name)
            items = self._items
            return [items[k] for k in self._indices[index_name].get(value, ())]

    def list_index_func_values(self, index_name: str) -> builtins.list[str]:
        """Every value currently present in the index ``index_name``."""
        with self._lock:
            self._indexer(index_name)
            return list(self._indices[index_name])

    def get_indexers(self) -> Indexers:
        """A copy of the index functions by name."""
        return dict(self._indexers)

    def add_indexers(self, new_indexers: Indexers) -> None:
        """Add index functions; names must be new. Existing objects are indexed at once."""
        with self._lock:
            clash = sorted(set(new_indexers) & set(self._indexers))
            if clash:
                msg = f"indexer conflict: {clash}"
                raise ValueError(msg)
            built: Indices = {}
            for name, fn in new_indexers.items():
                idx: Index = {}
                for key, obj in self._items.items():
                    for value in fn(obj):
                        idx.setdefault(value, set()).add(key)
                built[name] = idx
            self._indexers.update(new_indexers)
            self._indices.update(built)

    def _indexer(self, index_name: str) -> IndexFunc:
        try:
            return self._indexers[index_name]
        except KeyError:
            msg = f"Index with name {index_name} does not exist"
            raise KeyError(msg) from None


class Indexer:
    """A :class:`Store` with indices (client-go ``cache.Indexer``, from ``NewIndexer``).

    Contract: the object-level methods (``add``/``update``/``delete``/``get``) compute the key
    with ``key_func`` (default :func:`deletion_handling_meta_namespace_key`, so tombstones
    delete by key); each call is atomic (see :class:`ThreadSafeStore`). Objects are stored by
    reference and must not be mutated afterwards.
    """

    __slots__ = ("_key_func", "_store")

    def __init__(
        self,
        key_func: KeyFunc = deletion_handling_meta_namespace_key,
        indexers: Indexers | None = None,
    ) -> None:
        self._key_func = key_func
        self._store = ThreadSafeStore(indexers)

    def key_of(self, obj: Any) -> str:
        """The key of ``obj`` (raises :class:`KeyFuncError` if it cannot be computed)."""
        try:
            return self._key_func(obj)
        except Exception as err:
            raise KeyFuncError(obj, err) from err

    def add(self, obj: Any) -> None:
        self._store.update(self.key_of(obj), obj)

    def update(self, obj: Any) -> None:
        self._store.update(self.key_of(obj), obj)

    def delete(self, obj: Any) -> None:
        self._store.delete(self.key_of(obj))

    def list(self) -> builtins.list[Any]:
        return self._store.list()

    def list_keys(self) -> builtins.list[str]:
        return self._store.list_keys()

    def get(self, obj: Any) -> Any | None:
        return self._store.get(self.key_of(obj))

    def get_by_key(self, key: str) -> Any | None:
        return self._store.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._store

    def __len__(self) -> int:
        return len(self._store)

    def replace(self, items: Iterable[Any], resource_version: str = "") -> None:
        self._store.replace({self.key_of(o): o for o in items}, resource_version)

    def resync(self) -> None:
        """Nothing to do for a plain cache (client-go keeps this for the ``Store`` interface)."""

    def index(self, index_name: str, obj: Any) -> builtins.list[Any]:
        return self._store.index(index_name, obj)

    def index_keys(self, index_name: str, value: str) -> builtins.list[str]:
        return self._store.index_keys(index_name, value)

    def by_index(self, index_name: str, value: str) -> builtins.list[Any]:
        return self._store.by_index(index_name, value)

    def list_index_func_values(self, index_name: str) -> builtins.list[str]:
        return self._store.list_index_func_values(index_name)

    def get_indexers(self) -> Indexers:
        return self._store.get_indexers()

    def add_indexers(self, new_indexers: Indexers) -> None:
        self._store.add_indexers(new_indexers)


def new_store(key_func: KeyFunc = deletion_handling_meta_namespace_key) -> Indexer:
    """A plain cache without indices (client-go ``NewStore``)."""
    return Indexer(key_func)


def new_indexer(
    key_func: KeyFunc = deletion_handling_meta_namespace_key, indexers: Indexers | None = None
) -> Indexer:
    """A cache with the given indices (client-go ``NewIndexer``)."""
    return Indexer(key_func, indexers)
