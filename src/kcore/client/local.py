"""``LocalClient``: the :class:`~kcore.client.interface.Client` that calls a
:class:`~kcore.client.interface.Registry` in-process.

No serialisation, no copies: objects go to the registry and come back exactly as the registry
hands them out (immutable by contract). The methods are ``async`` only so that components are
written once for both clients; they never suspend. This is the hot path of in-process
simulation and benchmarks, so each call is one dictionary lookup (resource resolution, cached)
plus the registry call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kcore.api.errors import NotFound, StatusError
from kcore.api.resources import ResourceInfo, resource_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from kcore.client.interface import PatchType, Registry, WatchEventType, WatchStream


class _ErrorWatch:
    """A watch that failed to start: yields one ``ERROR`` event with the Status, then ends
    (what an HTTP watch does when the server answers with an error)."""

    __slots__ = ("_status", "_stopped")

    def __init__(self, err: StatusError) -> None:
        self._status = err.to_status()
        self._stopped = False

    def __aiter__(self) -> AsyncIterator[tuple[WatchEventType, Mapping[str, Any]]]:
        return self._gen()

    async def _gen(self) -> AsyncIterator[tuple[WatchEventType, Mapping[str, Any]]]:
        if not self._stopped:
            yield "ERROR", self._status

    def stop(self) -> None:
        self._stopped = True


class LocalClient:
    """A :class:`~kcore.client.interface.Client` over an in-process registry.

    Contract: the same semantics as :class:`~kcore.client.http.HTTPClient` (one contract test
    suite runs on both): resources are named as kubectl names them (``pods``, ``po``,
    ``deployments.apps``); namespaced calls without a namespace use the object's
    ``metadata.namespace`` (writes) or ``default_namespace``; list and watch without one span
    all namespaces; errors are :mod:`kcore.api.errors`; a watch that cannot start reports the
    Status as one ``ERROR`` event. Objects are shared with the registry: never mutate them.
    """

    __slots__ = ("_registry", "_resolved", "default_namespace")

    def __init__(self, registry: Registry, *, default_namespace: str = "default") -> None:
        self._registry = registry
        self.default_namespace = default_namespace
        # _resolved: spelling -> (resource name for the registry, namespaced).
        self._resolved: dict[str, tuple[str, bool]] = {}

    @property
    def registry(self) -> Registry:
        return self._registry

    def _resolve(self, resource: str) -> tuple[str, bool]:
        r = self._resolved.get(resource)
        if r is None:
            try:
                info: ResourceInfo = resource_for(resource)
            except KeyError as err:
                raise NotFound(str(err.args[0]) if err.args else str(err)) from None
            r = (info.qualified, info.namespaced)
            self._resolved[resource] = r
        return r

    def _resolve_for(
        self, resource: str, obj: Mapping[str, Any], namespace: str | None
    ) -> tuple[str, str | None]:
        """The resource and the namespace a write of ``obj`` goes to (the object's own, else
        the client's default; None for a cluster-scoped resource)."""
        res, namespaced = self._resolve(resource)
        if not namespaced:
            return res, None
        if namespace is None:
            md = obj.get("metadata")
            namespace = (md.get("namespace") if md else None) or self.default_namespace
        return res, namespace

    async def create(
        self,
        resource: str,
        obj: Mapping[str, Any],
        *,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
    ) -> Mapping[str, Any]:
        res, ns = self._resolve_for(resource, obj, namespace)
        return self._registry.create(
            res,
            obj,
            namespace=ns,
            name=name,
            subresource=subresource,
            dry_run=dry_run,
            field_manager=field_manager,
        )

    async def get(
        self,
        resource: str,
        name: str,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
    ) -> Mapping[str, Any]:
        res, namespaced = self._resolve(resource)
        return self._registry.get(
            res,
            name,
            namespace=(namespace or self.default_namespace) if namespaced else None,
            subresource=subresource,
        )

    async def list(
        self,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
    ) -> Mapping[str, Any]:
        res, namespaced = self._resolve(resource)
        return self._registry.list(
            res,
            namespace=namespace if namespaced else None,
            label_selector=label_selector,
            field_selector=field_selector,
            limit=limit,
            continue_=continue_,
            resource_version=resource_version,
        )

    async def update(
        self,
        resource: str,
        obj: Mapping[str, Any],
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
    ) -> Mapping[str, Any]:
        res, ns = self._resolve_for(resource, obj, namespace)
        return self._registry.update(
            res,
            obj,
            namespace=ns,
            subresource=subresource,
            dry_run=dry_run,
            field_manager=field_manager,
        )

    async def patch(
        self,
        resource: str,
        name: str,
        patch: Any,
        *,
        namespace: str | None = None,
        patch_type: PatchType = "merge",
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
        force: bool | None = None,
    ) -> Mapping[str, Any]:
        res, namespaced = self._resolve(resource)
        return self._registry.patch(
            res,
            name,
            patch,
            namespace=(namespace or self.default_namespace) if namespaced else None,
            patch_type=patch_type,
            subresource=subresource,
            dry_run=dry_run,
            field_manager=field_manager,
            force=force,
        )

    async def delete(
        self,
        resource: str,
        name: str,
        *,
        namespace: str | None = None,
        grace_period_seconds: int | None = None,
        propagation_policy: str | None = None,
        preconditions: Mapping[str, str] | None = None,
        dry_run: bool = False,
    ) -> Mapping[str, Any]:
        res, namespaced = self._resolve(resource)
        return self._registry.delete(
            res,
            name,
            namespace=(namespace or self.default_namespace) if namespaced else None,
            grace_period_seconds=grace_period_seconds,
            propagation_policy=propagation_policy,
            preconditions=preconditions,
            dry_run=dry_run,
        )

    async def delete_collection(
        self,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> Mapping[str, Any]:
        res, namespaced = self._resolve(resource)
        return self._registry.delete_collection(
            res,
            namespace=(namespace or self.default_namespace) if namespaced else None,
            label_selector=label_selector,
            field_selector=field_selector,
        )

    def watch(
        self,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        allow_watch_bookmarks: bool = True,
        timeout_seconds: int | None = None,
    ) -> WatchStream:
        try:
            res, namespaced = self._resolve(resource)
            return self._registry.watch(
                res,
                namespace=namespace if namespaced else None,
                label_selector=label_selector,
                field_selector=field_selector,
                resource_version=resource_version,
                allow_watch_bookmarks=allow_watch_bookmarks,
                timeout_seconds=timeout_seconds,
            )
        except StatusError as err:
            return _ErrorWatch(err)

    async def close(self) -> None:
        """Nothing to release (the registry belongs to whoever created it)."""
