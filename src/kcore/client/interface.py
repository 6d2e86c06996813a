"""The :class:`Client` every component is written against, and the :class:`Registry` that
``LocalClient`` calls in-process.

Resources are named as kubectl names them (``"pods"``, ``"deployments"``, ``"leases"``; resolved
through :func:`kcore.api.resources.resource_for`). Objects are plain JSON-compatible dicts shaped
exactly as ``kubectl get -o json`` prints them. Errors are :mod:`kcore.api.errors`.

Objects returned by a client (and delivered by watches and informers) are immutable by contract:
copy before modifying. ``HTTPClient`` and ``LocalClient`` have identical semantics; one contract
test suite runs against both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

Obj = dict[str, Any]
PatchType = Literal["json", "merge", "strategic", "apply"]
WatchEventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]


class WatchStream(Protocol):
    """A watch: ``async for type_, obj in stream``; ``stop()`` ends it. An ``ERROR`` event carries
    a ``Status`` object (e.g. 410 Expired) and ends the stream."""

    def __aiter__(self) -> AsyncIterator[tuple[WatchEventType, Mapping[str, Any]]]: ...

    def stop(self) -> None: ...


class Client(Protocol):
    """Create/get/list/update/patch/delete/watch of API objects (async)."""

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
        """POST an object; with ``subresource`` (``binding``, ``eviction``) POST to
        ``.../<name>/<subresource>``. ``namespace`` defaults to ``obj.metadata.namespace``."""
        ...

    async def get(
        self,
        resource: str,
        name: str,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
    ) -> Mapping[str, Any]: ...

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
        """A ``<Kind>List`` object: ``items`` plus ``metadata.resourceVersion``/``continue``."""
        ...

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
        """PUT; ``metadata.resourceVersion`` in ``obj`` is a precondition (409 on mismatch)."""
        ...

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
    ) -> Mapping[str, Any]: ...

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
    ) -> Mapping[str, Any]: ...

    async def delete_collection(
        self,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> Mapping[str, Any]: ...

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
        """Start a watch; returns at once. ``resource_version`` unset or ``"0"`` begins with a
        synthetic ``ADDED`` per current object; a version begins after it. A watch that cannot
        start (too old a version, a bad selector) reports the ``Status`` as one ``ERROR``
        event, then ends."""
        ...

    async def close(self) -> None: ...


class Registry(Protocol):
    """The APIServer's request handling below HTTP: authorisation-free, already-decoded calls.

    ``LocalClient`` wraps one of these (handed in by whoever wires the process: ``kcore.sim``,
    ``kcore.cli``), so ``kcore.client`` never imports ``kcore.apiserver``. The methods take the
    same arguments as :class:`Client`, with ``resource`` already resolved by the caller to its
    group-qualified plural (``pods``, ``deployments.apps``, ``events.events.k8s.io``: what
    :attr:`kcore.api.resources.ResourceInfo.qualified` gives), and run admission, validation,
    defaulting and storage exactly as an HTTP request would; only the wire encoding is skipped.
    They are synchronous and thread-safe.
    """

    def create(
        self,
        resource: str,
        obj: Mapping[str, Any],
        *,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
    ) -> Mapping[str, Any]: ...

    def get(
        self,
        resource: str,
        name: str,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
    ) -> Mapping[str, Any]: ...

    def list(
        self,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
    ) -> Mapping[str, Any]: ...

    def update(
        self,
        resource: str,
        obj: Mapping[str, Any],
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
    ) -> Mapping[str, Any]: ...

    def patch(
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
    ) -> Mapping[str, Any]: ...

    def delete(
        self,
        resource: str,
        name: str,
        *,
        namespace: str | None = None,
        grace_period_seconds: int | None = None,
        propagation_policy: str | None = None,
        preconditions: Mapping[str, str] | None = None,
        dry_run: bool = False,
    ) -> Mapping[str, Any]: ...

    def delete_collection(
        self,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> Mapping[str, Any]: ...

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
    ) -> WatchStream: ...
