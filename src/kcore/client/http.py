"""``HTTPClient``: the :class:`~kcore.client.interface.Client` that speaks the Kubernetes REST
API over HTTP(S).

Requests go through :class:`~kcore.client.transport.HTTPTransport` (a lean HTTP/1.1 keep-alive
pool: prebuilt request bytes, TLS in the ``ssl`` module's C code, ``httptools`` parsing, JSON by
``orjson``), which costs a small fraction of ``httpx``'s CPU per request. ``httpx`` is still used
when the caller passes an ``httpx`` transport (``transport=httpx.MockTransport(...)`` in tests,
``httpx.ASGITransport``) and when an ``HTTP(S)_PROXY``/``ALL_PROXY`` environment variable
applies to the server (the lean transport does not speak to proxies); both paths have the same
semantics:

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
import base64
import contextlib
import logging
import re
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
import orjson

import kcore
from kcore.api.errors import NotFound, ServiceUnavailable, StatusError, Timeout
from kcore.api.resources import ResourceInfo, resource_for
from kcore.client.kubeconfig import KubeConfig, load_kubeconfig
from kcore.client.rate_limiters import TokenBucket
from kcore.client.transport import (
    HTTPTransport,
    Origin,
    TransportError,
    TransportTimeout,
    host_header,
    origin_of,
)
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

#: Characters left as they are in request paths (RFC 3986 pchar plus "/"), as httpx does.
_PATH_SAFE = "/!$&'()*+,;=:@-._~"
_UNSAFE_PATH = re.compile(r"[^A-Za-z0-9/!$&'()*+,;=:@\-._~]")
_OPT = orjson.OPT_NON_STR_KEYS


def _dumps(body: Any) -> bytes:
    try:
        return orjson.dumps(body, option=_OPT)
    except orjson.JSONEncodeError as err:
        msg = f"the request body is not JSON-serialisable: {err}"
        raise TypeError(msg) from err


def _status_error(code: int, body: bytes, content_type: str) -> StatusError:
    if "json" in content_type and body:
        try:
            doc = orjson.loads(body)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and doc.get("kind") == "Status":
            doc.setdefault("code", code)
            return StatusError.from_status(doc)
    text = body.decode("utf-8", "replace").strip()[:1000]
    return StatusError.from_status(
        {"code": code, "message": text or f"the server responded with HTTP {code}"}
    )


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _env_proxy(origin: Origin) -> bool:
    """Whether a proxy environment variable applies to ``origin`` (httpx honours them)."""
    proxies = urllib.request.getproxies()
    if not (proxies.get(origin[0]) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(origin[1])


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
    timeout:
        Seconds to connect, to wait for a free connection and for each part of an answer
        (watches wait for events without a limit).
    transport:
        ``None`` (a :class:`~kcore.client.transport.HTTPTransport` of ``max_connections``
        connections), an :class:`~kcore.client.transport.HTTPTransport` to use (closed with
        the client), or an ``httpx`` transport (requests then go through ``httpx``).
    max_connections:
        Size of the default transport's connection pool (each watch holds one connection).
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
        transport: httpx.AsyncBaseTransport | HTTPTransport | None = None,
        max_connections: int = 100,
    ) -> None:
        self.server = server.rstrip("/")
        self.default_namespace = namespace
        self.clock: Clock = clock or RealClock()
        self.max_retries = max_retries
        self.timeout = timeout
        self._limiter = TokenBucket(qps, burst, self.clock) if qps is not None else None
        headers = {"User-Agent": user_agent, "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        elif auth:
            basic = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {basic}"
        self._tls_server_name = tls_server_name
        self._resolved: dict[str, ResourceInfo] = {}
        # Counters for tests and metrics.
        self.requests = 0
        self.retries = 0
        # Exactly one of _transport (the lean path) and _http (httpx) is set.
        self._transport: HTTPTransport | None = None
        self._http: httpx.AsyncClient | None = None
        self._origin: Origin = ("", "", 0)
        self._prefix = ""
        self._head = b""
        origin: Origin | None = None
        try:
            origin = origin_of(self.server)
        except ValueError:
            if transport is None or isinstance(transport, HTTPTransport):
                raise
        if transport is None and origin is not None and not _env_proxy(origin):
            transport = HTTPTransport(
                verify=verify,
                max_connections=max_connections,
                connect_timeout=timeout,
                pool_timeout=timeout,
            )
        if isinstance(transport, HTTPTransport):
            assert origin is not None
            self._transport = transport
            self._origin = origin
            self._prefix = urlsplit(self.server).path.rstrip("/")
            headers = {"Host": host_header(origin), **headers}
            self._head = "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode("latin-1")
        else:
            use_basic = auth is not None and not token
            self._http = httpx.AsyncClient(
                base_url=self.server,
                headers={
                    k: v for k, v in headers.items() if not (use_basic and k == "Authorization")
                },
                auth=httpx.BasicAuth(*auth) if auth is not None and use_basic else None,
                verify=verify,
                timeout=httpx.Timeout(timeout),
                transport=transport,
            )
        self.headers: dict[str, str] = headers
        self._extensions: dict[str, Any] = (
            {"sni_hostname": tls_server_name} if tls_server_name else {}
        )

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
        if self._transport is not None:
            await self._transport.aclose()
        if self._http is not None:
            await self._http.aclose()

    @property
    def transport(self) -> HTTPTransport | None:
        """The lean transport requests go through (``None`` when they go through httpx)."""
        return self._transport

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

    def _target(self, path: str, params: Mapping[str, str] | None) -> str:
        """The request target: the server's path prefix, ``path`` (percent-encoded where it
        must be) and the query."""
        if _UNSAFE_PATH.search(path):
            path = quote(path, safe=_PATH_SAFE)
        target = self._prefix + path
        if params:
            target += "?" + urlencode(params, quote_via=quote)
        return target

    def _build(
        self, method: str, target: str, content: bytes | None, content_type: str | None
    ) -> bytes:
        head = b"%s %s HTTP/1.1\r\n%s" % (
            method.encode("ascii"),
            target.encode("ascii"),
            self._head,
        )
        if content is None:
            return head + b"\r\n"
        return b"%sContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s" % (
            head,
            (content_type or "application/json").encode("latin-1"),
            len(content),
            content,
        )

    async def _roundtrip(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        content: bytes | None,
        content_type: str,
    ) -> tuple[int, str, str | None, bytes]:
        """One request: (status, content type, Retry-After, body); transport failures as
        ``Timeout``/``ServiceUnavailable``."""
        transport = self._transport
        if transport is not None:
            data = self._build(method, self._target(path, params), content, content_type)
            try:
                resp = await transport.request(
                    self._origin,
                    data,
                    read_timeout=self.timeout,
                    server_hostname=self._tls_server_name,
                )
            except TransportTimeout as err:
                raise Timeout(f"{method} {self.server}{path}: timed out: {err}") from err
            except TransportError as err:
                raise ServiceUnavailable(
                    f"{method} {self.server}{path}: cannot reach the server: {err}"
                ) from err
            return (
                resp.status,
                resp.header("content-type") or "",
                resp.header("retry-after"),
                resp.body,
            )
        assert self._http is not None
        headers = {"Content-Type": content_type} if content is not None else None
        try:
            r = await self._http.request(
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
        return (
            r.status_code,
            r.headers.get("content-type", ""),
            r.headers.get("retry-after"),
            r.content,
        )

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
    ) -> Any:
        content = None if body is None else _dumps(body)
        attempt = 0
        while True:
            if self._limiter is not None:
                await self._limiter.wait()
            self.requests += 1
            code, ctype, retry_after, data = await self._roundtrip(
                method, path, params, content, content_type
            )
            if code < 300:
                if not data:
                    return {}
                if "json" not in ctype:
                    text = data.decode("utf-8", "replace")
                    return {"kind": "Raw", "contentType": ctype, "data": text}
                try:
                    return orjson.loads(data)
                except orjson.JSONDecodeError as err:
                    raise ServiceUnavailable(
                        f"{method} {self.server}{path}: malformed JSON answer: {err}"
                    ) from err
            delay = _retry_after(retry_after)
            if (code == 429 or (code >= 500 and delay is not None)) and attempt < self.max_retries:
                attempt += 1
                self.retries += 1
                wait = delay if delay is not None else min(2.0**attempt * 0.1, 10.0)
                log.info("%s %s: HTTP %d, retrying in %.1fs", method, path, code, wait)
                await self.clock.sleep(wait)
                continue
            raise _status_error(code, data, ctype)

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
            if client._transport is not None:
                await self._read_lean(client, client._transport)
            else:
                await self._read_httpx(client)
        except asyncio.CancelledError:
            raise
        except (TransportError, httpx.HTTPError, ValueError) as err:
            if not self._stopped:
                what = f"watch {client.server}{self._path}"
                if isinstance(err, (TransportError, httpx.TransportError)):
                    wrapped: Exception = ServiceUnavailable(f"{what}: {err}")
                else:
                    wrapped = ServiceUnavailable(f"{what}: malformed stream: {err}")
                wrapped.__cause__ = err
                await self._queue.put(wrapped)
            return
        if not self._stopped:
            await self._queue.put(_END)

    async def _read_lean(self, client: HTTPClient, transport: HTTPTransport) -> None:
        data = client._build("GET", client._target(self._path, self._params), None, None)
        resp = await transport.stream(
            client._origin, data, read_timeout=None, server_hostname=client._tls_server_name
        )
        async with resp:
            if resp.status >= 300:
                body = await resp.read()
                err = _status_error(resp.status, body, resp.header("content-type") or "")
                await self._queue.put(("ERROR", err.to_status()))
                return
            pending = b""
            async for chunk in resp:
                data = pending + chunk if pending else chunk
                *lines, pending = data.split(b"\n")
                for line in lines:
                    await self._line(line)
            await self._line(pending)

    async def _read_httpx(self, client: HTTPClient) -> None:
        assert client._http is not None
        async with client._http.stream(
            "GET",
            self._path,
            params=self._params,
            timeout=httpx.Timeout(client.timeout, read=None),
            extensions=client._extensions,
        ) as resp:
            if resp.status_code >= 300:
                body = await resp.aread()
                err = _status_error(resp.status_code, body, resp.headers.get("content-type", ""))
                await self._queue.put(("ERROR", err.to_status()))
                return
            async for line in resp.aiter_lines():
                await self._line(line.encode())

    async def _line(self, line: bytes) -> None:
        if not line.strip():
            return
        event = orjson.loads(line)
        if not isinstance(event, dict):
            msg = f"a watch event must be a JSON object, got {line[:100]!r}"
            raise ValueError(msg)
        await self._queue.put((event.get("type"), event.get("object") or {}))

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(_END)
