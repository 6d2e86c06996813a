"""client-go's listers: typed, read-only views of an informer's cache.

A lister never calls the server: it reads the shared :class:`~kcore.client.store.Indexer`,
using the namespace index for namespaced lookups. Objects are the cache's own (immutable by
contract: copy before modifying).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from kcore.api.errors import NotFound, StatusDetails
from kcore.client.store import NAMESPACE_INDEX

if TYPE_CHECKING:
    from kcore.client.store import Indexer

T = TypeVar("T")


class LabelMatcher(Protocol):
    """A parsed label selector (anything with ``matches(labels) -> bool``)."""

    def matches(self, labels: Mapping[str, str]) -> bool: ...


Selector = LabelMatcher | Mapping[str, str] | Callable[[Mapping[str, str]], bool] | str | None
"""What ``list`` accepts: ``None`` (everything), a ``{key: value}`` equality map, a predicate
over the labels, an object with ``matches(labels)``, or a label selector string
(``"app=web,tier!=db"``, parsed by :mod:`kcore.api.labels`)."""

_EMPTY: Mapping[str, str] = {}


def _compile(selector: Selector) -> Callable[[Mapping[str, str]], bool] | None:
    if selector is None:
        return None
    if isinstance(selector, str):
        if not selector.strip():
            return None
        from kcore.api import labels as _labels

        parsed = _labels.parse(selector)
        return parsed.matches
    if isinstance(selector, Mapping):
        if not selector:
            return None
        want = dict(selector)

        def eq(labels: Mapping[str, str]) -> bool:
            return all(labels.get(k) == v for k, v in want.items())

        return eq
    matches = getattr(selector, "matches", None)
    if callable(matches):
        return matches  # type: ignore[no-any-return]
    if callable(selector):
        return selector
    msg = f"unsupported label selector {selector!r}"
    raise TypeError(msg)


def _labels_of(obj: Any) -> Mapping[str, str]:
    md = obj.get("metadata")
    if md is None:
        return _EMPTY
    labels: Mapping[str, str] = md.get("labels") or _EMPTY
    return labels


class Lister(Generic[T]):
    """Reads of one resource from an informer's cache (client-go ``<Kind>Lister``).

    ``get(namespace, name)`` raises :class:`~kcore.api.errors.NotFound` worded as the server
    words it; ``list(selector)`` filters by labels; :meth:`namespace` narrows to one namespace
    (client-go ``<Kind>NamespaceLister``). Pass ``namespace=""``/``None`` for cluster-scoped
    objects.
    """

    __slots__ = ("_indexer", "resource")

    def __init__(self, indexer: Indexer, resource: str = "") -> None:
        self._indexer = indexer
        self.resource = resource

    def get(self, namespace: str | None, name: str) -> T:
        """The cached object, or :class:`NotFound`."""
        key = f"{namespace}/{name}" if namespace else name
        obj = self._indexer.get_by_key(key)
        if obj is None:
            what = self.resource or "object"
            raise NotFound(
                f'{what} "{name}" not found',
                details=StatusDetails(name=name, kind=self.resource),
            )
        return obj  # type: ignore[no-any-return]

    def list(self, selector: Selector = None, *, namespace: str | None = None) -> list[T]:
        """Cached objects matching ``selector`` (in ``namespace`` if given)."""
        match = _compile(selector)
        if namespace:
            objs = self._indexer.by_index(NAMESPACE_INDEX, namespace)
        else:
            objs = self._indexer.list()
        if match is None:
            return objs
        return [o for o in objs if match(_labels_of(o))]

    def namespace(self, namespace: str) -> NamespaceLister[T]:
        """A lister narrowed to ``namespace``."""
        return NamespaceLister(self, namespace)


class NamespaceLister(Generic[T]):
    """The objects of one namespace (client-go ``<Kind>NamespaceLister``)."""

    __slots__ = ("_lister", "namespace_name")

    def __init__(self, lister: Lister[T], namespace: str) -> None:
        self._lister = lister
        self.namespace_name = namespace

    def get(self, name: str) -> T:
        return self._lister.get(self.namespace_name, name)

    def list(self, selector: Selector = None) -> list[T]:
        return self._lister.list(selector, namespace=self.namespace_name)
