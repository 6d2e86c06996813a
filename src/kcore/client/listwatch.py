"""client-go's ``ListWatch``: the list and watch calls a Reflector makes, bound to one
resource, namespace and selectors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from kcore.client.interface import Client, WatchStream


@dataclass(frozen=True, slots=True)
class ListOptions:
    """The per-call options a Reflector varies (the fixed ones live in the ListWatch)."""

    resource_version: str | None = None
    limit: int | None = None
    continue_: str | None = None
    timeout_seconds: int | None = None
    allow_watch_bookmarks: bool = True


class ListerWatcher(Protocol):
    """Something a Reflector can list and watch."""

    async def list(self, options: ListOptions) -> Mapping[str, Any]: ...

    def watch(self, options: ListOptions) -> WatchStream: ...


class ListWatch:
    """A :class:`ListerWatcher` from two functions (client-go ``cache.ListWatch``).

    ``list_func(options)`` returns a ``<Kind>List`` mapping (``items``,
    ``metadata.resourceVersion``, ``metadata.continue``); ``watch_func(options)`` returns a
    :class:`~kcore.client.interface.WatchStream`. Use :meth:`from_client` for the usual case.
    """

    __slots__ = ("description", "list_func", "watch_func")

    def __init__(
        self,
        list_func: Callable[[ListOptions], Awaitable[Mapping[str, Any]]],
        watch_func: Callable[[ListOptions], WatchStream],
        *,
        description: str = "",
    ) -> None:
        self.list_func = list_func
        self.watch_func = watch_func
        self.description = description

    def __repr__(self) -> str:
        return f"ListWatch({self.description or '?'})"

    async def list(self, options: ListOptions) -> Mapping[str, Any]:
        return await self.list_func(options)

    def watch(self, options: ListOptions) -> WatchStream:
        return self.watch_func(options)

    @classmethod
    def from_client(
        cls,
        client: Client,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> ListWatch:
        """List and watch ``resource`` through ``client`` (client-go
        ``NewFilteredListWatchFromClient``); ``namespace=None`` means all namespaces."""

        async def list_func(o: ListOptions) -> Mapping[str, Any]:
            return await client.list(
                resource,
                namespace=namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                limit=o.limit,
                continue_=o.continue_,
                resource_version=o.resource_version,
            )

        def watch_func(o: ListOptions) -> WatchStream:
            return client.watch(
                resource,
                namespace=namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                resource_version=o.resource_version,
                allow_watch_bookmarks=o.allow_watch_bookmarks,
                timeout_seconds=o.timeout_seconds,
            )

        parts = [resource]
        if namespace:
            parts.append(f"namespace={namespace}")
        if label_selector:
            parts.append(f"labels={label_selector}")
        if field_selector:
            parts.append(f"fields={field_selector}")
        return cls(list_func, watch_func, description=" ".join(parts))
