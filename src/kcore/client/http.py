"""``HTTPClient``: the :class:`~kcore.client.interface.Client` that speaks the Kubernetes REST
API over HTTP(S) with ``httpx``.

* Requests are JSON; patches are sent with the content type of their ``patch_type``
  (``json`` -> ``application/json-patch+json``, ``merge`` -> ``merge-patch``, ``strategic`` ->
  ``strategic-merge-patch``, ``apply`` -> ``application/apply-patch+yaml`` with
  ``fieldManager`` and ``force``).
* Non-2xx answers become :mod:`kcore.api.errors` (from the ``Status`` body when there is one,
  else from the HTTP code); a server that cannot be reached is ``ServiceUnavailable`` (503), a
  request that timed out ``Timeout`` (504).
* ``429 TooManyRequests`` and ``5xx`` answers carrying ``Retry-After`` are retried after the
  advertised delay, up to ``max_retries`` times (client-go's behaviour).
* Requests pass a client-side token bucket (``qps``/``burst``) on the client's
  :class:`~kcore.util.clock.Clock`.
* Watches are newline-delimited JSON streams; bookmarks pass through; an error answer (before
  or during the stream) is delivered as one ``ERROR`` event carrying the Status, then the
  stream ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any

import httpx

import kcore
from kcore.api.errors import NotFound, ServiceUnavailable, StatusError, Timeout
from kcore.api.resources import ResourceInfo, resource_for
from kcore.client.kubeconfig import KubeConfig, load_kubeconfig
from kcore.client.rate_limiters import TokenBucket
from kcore.util.clock import RealClock

if TYPE_CHECKING:
    import os
    import ssl
    from collections.abc import AsyncIterator, Mapping

    from kcore.client.interface import PatchType, WatchEventType, WatchStream
    from kcore.util.clock import Clock

log = logging.getLogger(__name__)

PATCH_CONTENT_TYPES: dict[str, str] = {
    "json": "application/json-patch+json",
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}

USER_AGENT = f"kcore/v{kcore.__version__}"


def _status_error(code: int, body: bytes, content_type: str) -> StatusError:
    if "json" in content_type and body:
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and doc.get("kind") == "Status":
            doc.setdefault("code", code)
            return StatusError.from_status(doc)
    text = body.decode("utf-8", "replace").strip()[:1000]
    return StatusError.from_status(
        {"code": code, "message": text or f"the server responded with HTTP {code}"}
    )


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class HTTPClient:
    """A :class:`~kcore.client.interface.Client` over HTTP(S).

    Contract: the same semantics as :class:`~kcore.client.local.LocalClient` (one contract
    test suite runs on both). Namespaced calls without a namespace use the object's namespace
    (writes) or ``namespace`` (the kubeconfig context's, else ``default``); list and watch
    without one span all namespaces. All waiting (rate limiting, retries) is on ``clock``.
    Safe for many concurrent requests on one event loop; call :meth:`close` (or use
    ``async with``) to release connections.

    Parameters
    ----------
    server:
        Base URL, e.g. ``http://127.0.0.1:8080``.
    token:
        Bearer token sent as ``Authorization: Bearer <token>``.
    verify:
        TLS verification: ``True`` (system CAs), ``False``, or an ``ssl.SSLContext``.
    qps, burst:
        Client-side rate limit (token bucket); ``qps=None`` disables it. The defaults are
        kube-scheduler's ``clientConnection`` (50 qps, burst 100).
    max_retries:
        How many times a 429 (or 5xx with ``Retry-After``) is retried.
    """

    def __init__(
        self,
        server: str,
        *,
        token: str | None = None,
        auth: tuple[str, str] | None = None,
        verify: bool | ssl.SSLContext = True,
        namespace: str = "default",
        qps: float | None = 50.0,
        burst: int = 100,
        clock: Clock | None = None,
        timeout: float = 30.0,
        max_retries: int = 10,
        user_agent: str = USER_AGENT,
        tls_server_name: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        self.default_namespace = namespace
        self.clock: Clock = clock or RealClock()
        self.max_retries = max_retries
        self._limiter = TokenBucket(qps, burst, self.clock) if qps is not None else None
        headers = {"User-Agent": user_agent, "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._extensions: dict[str, Any] = (
            {"sni_hostname": tls_server_name} if tls_server_name else {}
        )
        self._http = httpx.AsyncClient(
            base_url=self.server,
            headers=headers,
            auth=httpx.BasicAuth(*auth) if auth else None,
            verify=verify,
            timeout=httpx.Timeout(timeout),
            transport=transport,
        )
        self._resolved: dict[str, ResourceInfo] = {}
        # Counters for tests and metrics.
        self.requests = 0
        self.retries = 0

    @classmethod
    def from_kubeconfig(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        context: str | None = None,
        **kwargs: Any,
    ) -> HTTPClient:
        """A client for a kubeconfig's context (see :mod:`kcore.client.kubeconfig`)."""
        return cls.from_config(load_kubeconfig(path, context=context), **kwargs)

    @classmethod
    def from_config(cls, config: KubeConfig, **kwargs: Any) -> HTTPClient:
        """A client for resolved kubeconfig settings."""
        auth = (config.username, config.password or "") if config.username else None
        kwargs.setdefault("namespace", config.namespace)
        return cls(
            config.server,
            token=config.token,
            auth=auth,
            verify=config.ssl_context(),
            tls_server_name=config.tls_server_name,
            **kwargs,
        )

    async def __aenter__(self) -> HTTPClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.aclose()

    # -- plumbing -----------------------------------------------------------------------------

    def _info(self, resource: str) -> ResourceInfo:
        info = self._resolved.get(resource)
        if info is None:
            try:
                info = resource_for(resource)
            except KeyError as err:
                raise NotFound(str(err.args[0]) if err.args else str(err)) from None
            self._resolved[resource] = info
        return info

    def _path(
        self,
        info: ResourceInfo,
        namespace: str | None,
        name: str | None = None,
        subresource: str | None = None,
    ) -> str:
        if name is not None and not name:
            msg = f"resource name may not be empty ({info.qualified})"
            raise NotFound(msg)
        return info.path(namespace if info.namespaced else None, name, subresource)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
    ) -> Any:
        content = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": content_type} if content is not None else None
        attempt = 0
        while True:
            if self._limiter is not None:
                await self._limiter.wait()
            self.requests += 1
            try:
                resp = await self._http.request(
                    method,
                    path,
                    params=params,
                    content=content,
                    headers=headers,
                    extensions=self._extensions,
                )
            except httpx.TimeoutException as err:
                raise Timeout(f"{method} {self.server}{path}: timed out: {err}") from err
            except httpx.TransportError as err:
                raise ServiceUnavailable(
                    f"{method} {self.server}{path}: cannot reach the server: {err}"
                ) from err
            code = resp.status_code
            if code < 300:
                if not resp.content:
                    return {}
                ctype = resp.headers.get("content-type", "")
                if "json" not in ctype:
                    return {"kind": "Raw", "contentType": ctype, "data": resp.text}
                return resp.json()
            delay = _retry_after(resp)
            if (code == 429 or (code >= 500 and delay is not None)) and attempt < self.max_retries:
                attempt += 1
                self.retries += 1
                wait = delay if delay is not None else min(2.0**attempt * 0.1, 10.0)
                log.info("%s %s: HTTP %d, retrying in %.1fs", method, path, code, wait)
                await self.clock.sleep(wait)
                continue
            raise _status_error(code, resp.content, resp.headers.get("content-type", ""))

    @staticmethod
    def _write_params(
        dry_run: bool, field_manager: str | None, force: bool | None = None
    ) -> dict[str, str]:
        params: dict[str, str] = {}
        if dry_run:
            params["dryRun"] = "All"
        if field_manager:
            params["fieldManager"] = field_manager
        if force is not None:
            params["force"] = "true" if force else "false"
        return params

    def _obj_namespace(
        self, info: ResourceInfo, obj: Mapping[str, Any], ns: str | None
    ) -> str | None:
        if not info.namespaced:
            return None
        if ns is not None:
            return ns
        md = obj.get("metadata")
        return (md.get("namespace") if md else None) or self.default_namespace

    # -- verbs --------------------------------------------------------------------------------

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
        info = self._info(resource)
        ns = self._obj_namespace(info, obj, namespace)
        if subresource:
            if not name:
                md = obj.get("metadata") or {}
                name = md.get("name") or ""
            path = self._path(info, ns, name, subresource)
        else:
            path = self._path(info, ns)
        result: Mapping[str, Any] = await self._request(
            "POST", path, params=self._write_params(dry_run, field_manager), body=obj
        )
        return result

    async def get(
        self,
        resource: str,
        name: str,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
    ) -> Mapping[str, Any]:
        info = self._info(resource)
        ns = (namespace or self.default_namespace) if info.namespaced else None
        result: Mapping[str, Any] = await self._request(
            "GET", self._path(info, ns, name, subresource)
        )
        return result

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
        info = self._info(resource)
        params: dict[str, str] = {}
        if label_selector:
            params["labelSelector"] = label_selector
        if field_selector:
            params["fieldSelector"] = field_selector
        if limit:
            params["limit"] = str(limit)
        if continue_:
            params["continue"] = continue_
        if resource_version is not None:
            params["resourceVersion"] = resource_version
        result: Mapping[str, Any] = await self._request(
            "GET", self._path(info, namespace), params=params
        )
        return result

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
        info = self._info(resource)
        ns = self._obj_namespace(info, obj, namespace)
        md = obj.get("metadata") or {}
        name = md.get("name") or ""
        result: Mapping[str, Any] = await self._request(
            "PUT",
            self._path(info, ns, name, subresource),
            params=self._write_params(dry_run, field_manager),
            body=obj,
        )
        return result

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
        info = self._info(resource)
        try:
            ctype = PATCH_CONTENT_TYPES[patch_type]
        except KeyError:
            msg = (
                f"unknown patch type {patch_type!r}; expected one of {sorted(PATCH_CONTENT_TYPES)}"
            )
            raise ValueError(msg) from None
        ns = (namespace or self.default_namespace) if info.namespaced else None
        result: Mapping[str, Any] = await self._request(
            "PATCH",
            self._path(info, ns, name, subresource),
            params=self._write_params(dry_run, field_manager, force),
            body=patch,
            content_type=ctype,
        )
        return result

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
        info = self._info(resource)
        ns = (namespace or self.default_namespace) if info.namespaced else None
        body: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if grace_period_seconds is not None:
            body["gracePeriodSeconds"] = grace_period_seconds
        if propagation_policy:
            body["propagationPolicy"] = propagation_policy
        if preconditions:
            body["preconditions"] = dict(preconditions)
        if dry_run:
            body["dryRun"] = ["All"]
        result: Mapping[str, Any] = await self._request(
            "DELETE", self._path(info, ns, name), body=body
        )
        return result

    async def delete_collection(
        self,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> Mapping[str, Any]:
        info = self._info(resource)
        ns = (namespace or self.default_namespace) if info.namespaced else None
        params: dict[str, str] = {}
        if label_selector:
            params["labelSelector"] = label_selector
        if field_selector:
            params["fieldSelector"] = field_selector
        result: Mapping[str, Any] = await self._request(
            "DELETE", self._path(info, ns), params=params
        )
        return result

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
        info = self._info(resource)
        params: dict[str, str] = {"watch": "true"}
        if label_selector:
            params["labelSelector"] = label_selector
        if field_selector:
            params["fieldSelector"] = field_selector
        if resource_version is not None:
            params["resourceVersion"] = resource_version
        if allow_watch_bookmarks:
            params["allowWatchBookmarks"] = "true"
        if timeout_seconds is not None:
            params["timeoutSeconds"] = str(timeout_seconds)
        return _HTTPWatch(self, self._path(info, namespace), params)


_END = object()


class _HTTPWatch:
    """One watch request; events are read by a background task into a bounded queue (so
    ``stop()`` can end a stream that is blocked reading)."""

    def __init__(self, client: HTTPClient, path: str, params: dict[str, str]) -> None:
        self._client = client
        self._path = path
        self._params = params
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1024)
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    def __aiter__(self) -> AsyncIterator[tuple[WatchEventType, Mapping[str, Any]]]:
        return self._events()

    async def _events(self) -> AsyncIterator[tuple[WatchEventType, Mapping[str, Any]]]:
        if self._stopped:
            return
        self._task = asyncio.ensure_future(self._read())
        try:
            while True:
                item = await self._queue.get()
                if item is _END or self._stopped:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
                if item[0] == "ERROR":
                    return
        finally:
            self.stop()

    async def _read(self) -> None:
        client = self._client
        try:
            if client._limiter is not None:
                await client._limiter.wait()
            client.requests += 1
            async with client._http.stream(
                "GET",
                self._path,
                params=self._params,
                timeout=httpx.Timeout(30.0, read=None),
                extensions=client._extensions,
            ) as resp:
                if resp.status_code >= 300:
                    body = await resp.aread()
                    err = _status_error(
                        resp.status_code, body, resp.headers.get("content-type", "")
                    )
                    await self._queue.put(("ERROR", err.to_status()))
                    return
                async for line in resp.aiter_lines():
                    if not line.strip():
                        continue
                    event = json.loads(line)
                    await self._queue.put((event.get("type"), event.get("object") or {}))
        except asyncio.CancelledError:
            raise
        except (httpx.HTTPError, ValueError) as err:
            if not self._stopped:
                what = f"watch {client.server}{self._path}"
                if isinstance(err, httpx.TransportError):
                    wrapped: Exception = ServiceUnavailable(f"{what}: {err}")
                else:
                    wrapped = ServiceUnavailable(f"{what}: malformed stream: {err}")
                wrapped.__cause__ = err
                await self._queue.put(wrapped)
            return
        if not self._stopped:
            await self._queue.put(_END)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(_END)
