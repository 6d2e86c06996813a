"""The ASGI application: Kubernetes REST over HTTP, as a thin layer over :class:`APIRegistry`.

A raw ASGI callable (no framework): per request it parses the path into a
:class:`~kcore.apiserver.routing.RequestInfo`, authenticates the bearer token, negotiates the
response rendering (JSON, YAML, server-side Table, PartialObjectMetadata, aggregated discovery),
decodes the body (JSON, YAML, kubectl's protobuf, the four patch types), calls the registry and
encodes the answer with ``orjson``. Every error, whatever the input, becomes a Kubernetes
``Status`` with a 4xx code; an unexpected exception is logged and answered ``500`` with a
Status, never a dropped connection.

Watches stream newline-delimited JSON events, flushed per event (chunked transfer encoding),
until the client disconnects, ``timeoutSeconds`` passes or the server stops. The encoded bytes of
an event are shared by every watcher that receives the same stored object, so fan-out to many
watchers encodes each event once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl

import orjson
import yaml

from kcore.api.errors import (
    BadRequest,
    InternalError,
    NotFound,
    RequestEntityTooLarge,
    StatusError,
    UnsupportedMediaType,
)
from kcore.apiserver import discovery
from kcore.apiserver.auth import AllowAll, UserInfo
from kcore.apiserver.metrics import Metrics
from kcore.apiserver.negotiation import (
    JSON,
    Negotiated,
    Rendering,
    body_kind,
    negotiate,
    parse_accept,
)
from kcore.apiserver.registry import RequestContext
from kcore.apiserver.routing import NOT_FOUND_MESSAGE, RequestInfo, parse_request
from kcore.apiserver.version import version_info
from kcore.util.yamlerr import describe_yaml_error

if TYPE_CHECKING:
    import contextvars
    from collections.abc import Callable, Mapping

    from kcore.apiserver.registry import APIRegistry
    from kcore.util.clock import Clock

log = logging.getLogger("kcore.apiserver")

Scope = dict[str, Any]
Receive = "Callable[[], Awaitable[dict[str, Any]]]"
Send = "Callable[[dict[str, Any]], Awaitable[None]]"

#: Largest request body accepted (kube-apiserver's limit for an object is 3 MiB).
MAX_BODY_BYTES = 3 * 1024 * 1024

_JSON_HEADERS = [(b"content-type", b"application/json")]
_OPT = orjson.OPT_NON_STR_KEYS
_HEALTH_PATHS = ("healthz", "livez", "readyz")

#: kube-apiserver's verb labels for metrics.
_METRIC_VERBS = {
    "get": "GET",
    "list": "LIST",
    "watch": "WATCH",
    "create": "POST",
    "update": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "deletecollection": "DELETE",
}


class Authenticator(Protocol):
    """Maps the ``Authorization`` header to a user or raises ``Unauthorized``."""

    def authenticate(self, authorization: bytes | None) -> UserInfo: ...


class CommitGroups(Protocol):
    """A store whose writes may share commits (``SqliteStore``'s group commit).

    Registry calls run inside ``deferred_commits()``; before answering, the app awaits
    ``commit_pending()`` (when not ``None``), so nothing is acknowledged before it is durable.
    """

    def deferred_commits(self) -> contextvars.Token[bool]: ...

    def end_deferred_commits(self, token: contextvars.Token[bool], /) -> None: ...

    def commit_pending(self) -> asyncio.Future[None] | None: ...


def _encode(obj: Any, pretty: bool = False) -> bytes:
    if pretty:
        return orjson.dumps(obj, option=_OPT | orjson.OPT_INDENT_2) + b"\n"
    return orjson.dumps(obj, option=_OPT)


def _bool(params: Mapping[str, str], name: str) -> bool:
    v = params.get(name)
    if v is None:
        return False
    low = v.lower()
    if low in ("true", "1", ""):
        return True
    if low in ("false", "0"):
        return False
    msg = f'{name}: Invalid value: "{v}": must be a boolean'
    raise BadRequest(msg)


def _opt_bool(params: Mapping[str, str], name: str) -> bool | None:
    return _bool(params, name) if name in params else None


def _int(params: Mapping[str, str], name: str) -> int | None:
    v = params.get(name)
    if v is None or v == "":
        return None
    try:
        return int(v)
    except ValueError:
        msg = f'{name}: Invalid value: "{v}": must be an integer'
        raise BadRequest(msg) from None


def _dry_run(params: Mapping[str, str]) -> bool:
    v = params.get("dryRun")
    if v is None or v == "":
        return False
    if v == "All":
        return True
    msg = f'dryRun: Unsupported value: "{v}": supported values: "All"'
    raise BadRequest(msg)


def _field_validation(params: Mapping[str, str]) -> str:
    v = params.get("fieldValidation")
    if v is None or v == "":
        return "Warn"
    if v in ("Strict", "Warn", "Ignore"):
        return v
    msg = f'fieldValidation: Unsupported value: "{v}": supported values: "Ignore", "Strict", "Warn"'
    raise BadRequest(msg)


class _EventCache:
    """Encoded watch-event lines keyed by the identity of the (immutable) stored object."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: dict[tuple[str, int], tuple[Mapping[str, Any], bytes]] = {}

    def line(self, type_: str, obj: Mapping[str, Any]) -> bytes:
        key = (type_, id(obj))
        hit = self._items.get(key)
        if hit is not None and hit[0] is obj:
            return hit[1]
        data = b'{"type":"' + type_.encode() + b'","object":' + _encode(obj) + b"}\n"
        if len(self._items) >= 4096:
            self._items.clear()
        self._items[key] = (obj, data)
        return data


class APIApp:
    """The ASGI application (see the module docstring).

    Contract: safe to call concurrently from one event loop; the registry calls it makes are
    synchronous (the store's own calls are fast and non-blocking for memory and sqlite; with
    ``offload=True``, e.g. for etcd, they run in a thread pool so the loop never waits on the
    network). With ``commits`` (a store with group commit), registry calls run inside its
    deferred-commit context and every answer waits for the commit of what it depends on.
    :meth:`shutdown` ends every open watch.
    """

    def __init__(
        self,
        registry: APIRegistry,
        *,
        authenticator: Authenticator | None = None,
        metrics: Metrics | None = None,
        clock: Clock | None = None,
        server_address: str = "127.0.0.1:6443",
        offload: bool = False,
        max_body_bytes: int = MAX_BODY_BYTES,
        commits: CommitGroups | None = None,
    ) -> None:
        self.registry = registry
        self.commits = None if offload else commits
        self.authenticator: Authenticator = authenticator or AllowAll()
        self.metrics = metrics or Metrics()
        self.clock: Clock = clock if clock is not None else registry.clock
        self.server_address = server_address
        self.offload = offload
        self.max_body_bytes = max_body_bytes
        self.ready = True
        self._watches: set[Any] = set()
        self._events = _EventCache()
        self._static: dict[tuple[str, str], tuple[bytes, bytes]] = {}

    # ------------------------------------------------------------------ ASGI entry

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        t = scope["type"]
        if t == "http":
            await self._http(scope, receive, send)
        elif t == "lifespan":
            await self._lifespan(receive, send)
        elif t == "websocket":
            await send({"type": "websocket.close", "code": 1003})

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def shutdown(self) -> None:
        """Stop every open watch (the streams then end their responses)."""
        self.ready = False
        for w in list(self._watches):
            w.stop()

    @property
    def open_watches(self) -> int:
        return len(self._watches)

    # ------------------------------------------------------------------ HTTP

    async def _http(self, scope: Scope, receive: Any, send: Any) -> None:
        clock = self.clock
        start = clock.monotonic()
        method: str = scope["method"]
        path: str = scope["path"]
        auth: bytes | None = None
        accept = ""
        ctype = ""
        for k, v in scope["headers"]:
            if k == b"authorization":
                auth = v
            elif k == b"accept":
                accept = v.decode("latin-1")
            elif k == b"content-type":
                ctype = v.decode("latin-1")
        key = ("", "", "", "", "", "")
        code = 500
        timed = True
        try:
            qs = scope.get("query_string") or b""
            params = dict(parse_qsl(qs.decode("latin-1"), keep_blank_values=True)) if qs else {}
            watch = _bool(params, "watch") if "watch" in params else False
            info = parse_request(method, path, watch=watch)
            user = self.authenticator.authenticate(auth) if info.endpoint != "health" else None
            if info.endpoint == "resource":
                key = (
                    _METRIC_VERBS.get(info.verb, info.verb.upper()),
                    info.group,
                    info.version,
                    info.resource_name,
                    info.subresource or "",
                    "cluster" if info.namespace is None else "namespace",
                )
                if info.verb == "patch" and "apply-patch" in ctype:
                    key = ("APPLY", *key[1:])
                if info.verb == "watch":
                    timed = False
                    code = await self._watch(
                        info, params=params, accept=accept, receive=receive, send=send
                    )
                    return
                code = await self._resource(
                    info,
                    params=params,
                    accept=accept,
                    ctype=ctype,
                    user=user,
                    receive=receive,
                    send=send,
                )
            else:
                key = (method, "", "", "", "", "")
                code = await self._nonresource(info, params, accept, send)
        except StatusError as err:
            code = await self._error(send, err)
        except Exception:
            log.exception("internal error serving %s %s", method, path)
            code = await self._error(
                send, InternalError("an internal error occurred while serving the request")
            )
        finally:
            self.metrics.observe(key, code, clock.monotonic() - start if timed else None)

    async def _reply(
        self,
        send: Any,
        status: int,
        body: bytes,
        content_type: bytes = b"application/json",
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> int:
        if self.commits is not None:
            pending = self.commits.commit_pending()
            if pending is not None:
                await pending
        headers = [
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode()),
        ]
        if extra:
            headers.extend(extra)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return status

    async def _error(self, send: Any, err: StatusError) -> int:
        status = err.to_status()
        code = int(getattr(err, "code_override", err.code))
        status["code"] = code
        extra = None
        if err.details.retry_after_seconds:
            extra = [(b"retry-after", str(err.details.retry_after_seconds).encode())]
        try:
            return await self._reply(send, code, _encode(status), extra=extra)
        except Exception:  # the response already started (e.g. a broken watch): give up
            return code

    async def _read_body(self, receive: Any) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                break
            chunk = msg.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > self.max_body_bytes:
                    msg_ = "the server has received too large of a request body"
                    raise RequestEntityTooLarge(msg_)
                chunks.append(chunk)
            if not msg.get("more_body"):
                break
        return b"".join(chunks)

    # ------------------------------------------------------------------ non-resource

    async def _nonresource(
        self, info: RequestInfo, params: Mapping[str, str], accept: str, send: Any
    ) -> int:
        ep = info.endpoint
        if ep == "health":
            return await self._health(info, params, send)
        if ep == "version":
            return await self._cached(send, ("version", ""), version_info)
        if ep == "metrics":
            return await self._reply(
                send,
                200,
                self.metrics.render().encode(),
                b"text/plain; version=0.0.4; charset=utf-8",
            )
        if ep in ("api", "apis"):
            neg = negotiate(accept, discovery=True)
            core = ep == "api"
            if neg.rendering is Rendering.DISCOVERY_V2:
                return await self._cached(
                    send,
                    (ep, "v2"),
                    lambda: discovery.aggregated_discovery(core=core, version="v2"),
                    neg.content_type.encode(),
                )
            if neg.rendering is Rendering.DISCOVERY_V2BETA1:
                return await self._cached(
                    send,
                    (ep, "v2beta1"),
                    lambda: discovery.aggregated_discovery(core=core, version="v2beta1"),
                    neg.content_type.encode(),
                )
            if core:
                return await self._cached(
                    send, ("api", ""), lambda: discovery.api_versions(self.server_address)
                )
            return await self._cached(send, ("apis", ""), discovery.api_group_list)
        if ep == "api-group":
            return await self._cached(
                send, ("group", info.group), lambda: discovery.api_group(info.group)
            )
        if ep == "api-resources":
            return await self._cached(
                send,
                ("resources", f"{info.group}/{info.version}"),
                lambda: discovery.api_resource_list(info.group, info.version),
            )
        if ep == "openapi-v2":
            return await self._openapi_v2(accept, send)
        if ep == "openapi-v3":
            return await self._openapi_v3(info, send)
        raise NotFound(NOT_FOUND_MESSAGE)

    async def _cached(
        self,
        send: Any,
        key: tuple[str, str],
        build: Callable[[], Any],
        content_type: bytes = b"application/json",
    ) -> int:
        hit = self._static.get(key)
        if hit is None:
            hit = (_encode(build()), content_type)
            self._static[key] = hit
        return await self._reply(send, 200, hit[0], hit[1])

    async def _health(self, info: RequestInfo, params: Mapping[str, str], send: Any) -> int:
        name = info.parts[0]
        ok = self.ready or name != "readyz"
        if len(info.parts) > 1:
            check = "/".join(info.parts[1:])
            if check not in ("ping", "log", "etcd", "poststarthook/bootstrap"):
                raise NotFound(NOT_FOUND_MESSAGE)
            return await self._reply(send, 200, b"ok", b"text/plain; charset=utf-8")
        if "verbose" in params:
            lines = ["[+]ping ok", "[+]log ok", "[+]etcd ok"]
            if name == "readyz":
                lines.append("[+]shutdown ok" if self.ready else "[-]shutdown failed")
            lines.append(f"{name} check {'passed' if ok else 'failed'}")
            body = ("\n".join(lines) + "\n").encode()
        else:
            body = (
                b"ok"
                if ok
                else f"[-]shutdown failed: reason withheld\n{name} check failed".encode()
            )
        return await self._reply(send, 200 if ok else 500, body, b"text/plain; charset=utf-8")

    async def _openapi_v2(self, accept: str, send: Any) -> int:
        ranges = parse_accept(accept) if accept else ()
        if ranges and not any(m.matches_json() for m in ranges):
            # kubectl asks for the protobuf form only as a fallback; a 404 sends it on.
            raise NotFound(NOT_FOUND_MESSAGE)
        from kcore.api import openapi

        return await self._cached(send, ("openapi", "v2"), openapi.openapi_v2)

    async def _openapi_v3(self, info: RequestInfo, send: Any) -> int:
        from kcore.api import openapi

        if not info.parts:
            return await self._cached(send, ("openapi-v3", ""), openapi.openapi_v3_index)
        gv = "/".join(info.parts)
        try:
            return await self._cached(
                send, ("openapi-v3", gv), lambda: openapi.openapi_v3_document(gv)
            )
        except KeyError:
            raise NotFound(NOT_FOUND_MESSAGE) from None

    # ------------------------------------------------------------------ resources

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.offload:
            return await asyncio.to_thread(fn, *args, **kwargs)
        commits = self.commits
        if commits is None:
            return fn(*args, **kwargs)
        token = commits.deferred_commits()  # set and reset around a call that never suspends
        try:
            return fn(*args, **kwargs)
        finally:
            commits.end_deferred_commits(token)

    def _decode_body(self, raw: bytes, ctype: str, *, patch: bool) -> tuple[str, Any]:
        kind = body_kind(ctype, patch=patch)
        if not raw.strip():
            if patch:
                msg = "the body of the patch request must not be empty"
                raise BadRequest(msg)
            return kind, None
        try:
            if kind in ("json", "merge", "strategic"):
                return kind, _check_depth(orjson.loads(raw), raw)
            if kind == "protobuf":
                from kcore.api import protobuf

                return kind, protobuf.decode(raw)
            # yaml and apply patches (kubectl sends JSON, which is YAML too)
            if raw.lstrip()[:1] in (b"{", b"["):
                try:
                    return kind, _check_depth(orjson.loads(raw), raw)
                except orjson.JSONDecodeError:
                    pass
            data = yaml.load(raw, Loader=_YAML_LOADER)
            return kind, _check_depth(data)
        except orjson.JSONDecodeError as err:
            msg = f"couldn't decode the request body as JSON: {err}"
            raise BadRequest(msg) from None
        except yaml.YAMLError as err:
            msg = f"couldn't decode the request body as YAML: {describe_yaml_error(err)}"
            raise BadRequest(msg) from None
        except (ValueError, TypeError, RecursionError) as err:
            if isinstance(err, StatusError):
                raise
            msg = f"couldn't decode the request body: {err}"
            raise BadRequest(msg) from None

    async def _resource(
        self,
        info: RequestInfo,
        *,
        params: Mapping[str, str],
        accept: str,
        ctype: str,
        user: UserInfo | None,
        receive: Any,
        send: Any,
    ) -> int:
        reg = self.registry
        verb = info.verb
        res = info.resource
        qualified = res.qualified if res is not None else "pods"
        pretty = _bool(params, "pretty") if "pretty" in params else False
        ns = info.namespace
        if verb in ("get", "list"):
            if info.subresource == "log":
                return await self._log(info, params, send)
            neg = negotiate(
                accept, table=info.subresource is None, partial=info.subresource is None
            )
            if verb == "get":
                obj = await self._call(
                    reg.get,
                    qualified,
                    info.name or "",
                    namespace=ns,
                    subresource=info.subresource,
                    resource_version=params.get("resourceVersion"),
                )
                return await self._render(
                    send, 200, obj, neg=neg, params=params, info=info, pretty=pretty
                )
            obj = await self._call(
                reg.list,
                qualified,
                namespace=ns,
                label_selector=params.get("labelSelector"),
                field_selector=params.get("fieldSelector"),
                limit=_int(params, "limit"),
                continue_=params.get("continue"),
                resource_version=params.get("resourceVersion"),
                resource_version_match=params.get("resourceVersionMatch"),
            )
            return await self._render(
                send, 200, obj, neg=neg, params=params, info=info, pretty=pretty, is_list=True
            )

        # Writes: negotiate first (a 406 must not follow a completed write).
        neg = negotiate(accept)
        ctx = RequestContext(
            user=user,
            field_validation=_field_validation(params),
            owned_body=True,
        )
        dry_run = _dry_run(params)
        manager = params.get("fieldManager") or None
        if manager is not None and len(manager) > 128:
            msg = "fieldManager: Too long: may not be more than 128 bytes"
            raise BadRequest(msg)
        raw = await self._read_body(receive)
        status = 200
        if verb == "create":
            if info.name is not None and info.subresource is None:
                raise _method_not_allowed("POST")
            _, body = self._decode_body(raw, ctype, patch=False)
            if body is None:
                msg = "the body of the request is empty: a create needs an object"
                raise BadRequest(msg)
            if info.bindings:
                obj = await self._call(
                    reg.create, "pods", body, namespace=ns, subresource="binding", ctx=ctx
                )
            else:
                obj = await self._call(
                    reg.create,
                    qualified,
                    body,
                    namespace=ns,
                    name=info.name,
                    subresource=info.subresource,
                    dry_run=dry_run,
                    field_manager=manager,
                    ctx=ctx,
                )
            status = 201
        elif verb == "update":
            _, body = self._decode_body(raw, ctype, patch=False)
            if body is None:
                msg = "the body of the request is empty: an update needs an object"
                raise BadRequest(msg)
            obj = await self._call(
                reg.update,
                qualified,
                body,
                namespace=ns,
                name=info.name,
                subresource=info.subresource,
                dry_run=dry_run,
                field_manager=manager,
                ctx=ctx,
            )
            status = 201 if ctx.created else 200
        elif verb == "patch":
            ptype, body = self._decode_body(raw, ctype, patch=True)
            force = _opt_bool(params, "force")
            obj = await self._call(
                reg.patch,
                qualified,
                info.name or "",
                body,
                namespace=ns,
                patch_type=ptype,
                subresource=info.subresource,
                dry_run=dry_run,
                field_manager=manager,
                force=force,
                ctx=ctx,
            )
            status = 201 if ctx.created else 200
        elif verb in ("delete", "deletecollection"):
            if info.subresource is not None:
                raise _method_not_allowed("DELETE")
            opts = self._delete_options(raw, ctype, params)
            if opts.get("dryRun"):
                dry_run = True
            if verb == "delete":
                obj = await self._call(
                    reg.delete,
                    qualified,
                    info.name or "",
                    namespace=ns,
                    grace_period_seconds=opts.get("gracePeriodSeconds"),
                    propagation_policy=opts.get("propagationPolicy"),
                    preconditions=opts.get("preconditions"),
                    dry_run=dry_run,
                    ctx=ctx,
                )
            else:
                obj = await self._call(
                    reg.delete_collection,
                    qualified,
                    namespace=ns,
                    label_selector=params.get("labelSelector"),
                    field_selector=params.get("fieldSelector"),
                    grace_period_seconds=opts.get("gracePeriodSeconds"),
                    propagation_policy=opts.get("propagationPolicy"),
                    dry_run=dry_run,
                    ctx=ctx,
                )
        else:  # pragma: no cover - routing only produces the verbs above
            raise _method_not_allowed(verb)
        extra = _warning_headers(ctx.warnings)
        return await self._render(
            send, status, obj, neg=neg, params=params, info=info, pretty=pretty, extra=extra
        )

    def _delete_options(self, raw: bytes, ctype: str, params: Mapping[str, str]) -> dict[str, Any]:
        opts: dict[str, Any] = {}
        if raw.strip():
            _, body = self._decode_body(raw, ctype, patch=False)
            if body is not None:
                if not isinstance(body, dict):
                    msg = "the body of a delete request must be a DeleteOptions object"
                    raise BadRequest(msg)
                opts = body
        grace = _int(params, "gracePeriodSeconds")
        if grace is not None:
            opts["gracePeriodSeconds"] = grace
        if "propagationPolicy" in params:
            opts["propagationPolicy"] = params["propagationPolicy"]
        if "orphanDependents" in params and "propagationPolicy" not in opts:
            opts["propagationPolicy"] = (
                "Orphan" if _bool(params, "orphanDependents") else "Background"
            )
        elif "orphanDependents" in opts and "propagationPolicy" not in opts:
            od = opts.get("orphanDependents")
            if isinstance(od, bool):
                opts["propagationPolicy"] = "Orphan" if od else "Background"
        dr = opts.get("dryRun")
        if dr is not None:
            if not isinstance(dr, list) or any(x != "All" for x in dr):
                shown = orjson.dumps(dr).decode()
                msg = f'dryRun: Unsupported value: {shown}: supported values: "All"'
                raise BadRequest(msg)
            opts["dryRun"] = bool(dr)
        g = opts.get("gracePeriodSeconds")
        if g is not None and (not isinstance(g, int) or isinstance(g, bool)):
            msg = "gracePeriodSeconds must be an integer"
            raise BadRequest(msg)
        pp = opts.get("propagationPolicy")
        if pp is not None and not isinstance(pp, str):
            msg = "propagationPolicy must be a string"
            raise BadRequest(msg)
        pre = opts.get("preconditions")
        if pre is not None:
            if not isinstance(pre, dict) or any(
                not isinstance(v, str) for v in pre.values() if v is not None
            ):
                msg = "preconditions must be an object of strings"
                raise BadRequest(msg)
            opts["preconditions"] = {k: v for k, v in pre.items() if v is not None}
        return opts

    async def _log(self, info: RequestInfo, params: Mapping[str, str], send: Any) -> int:
        data = await self._call(
            self.registry.pod_log,
            info.name or "",
            namespace=info.namespace or "",
            container=params.get("container") or None,
            previous=_bool(params, "previous") if "previous" in params else False,
            tail_lines=_int(params, "tailLines"),
            limit_bytes=_int(params, "limitBytes"),
            timestamps=_bool(params, "timestamps") if "timestamps" in params else False,
            since_seconds=_int(params, "sinceSeconds"),
        )
        return await self._reply(send, 200, data, b"text/plain")

    async def _render(
        self,
        send: Any,
        status: int,
        obj: Mapping[str, Any],
        *,
        neg: Negotiated,
        params: Mapping[str, str],
        info: RequestInfo,
        pretty: bool = False,
        is_list: bool = False,
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> int:
        rendering = neg.rendering
        out: Any = obj
        if rendering is Rendering.TABLE and obj.get("kind") != "Status":
            out = self._table(info, obj, params, is_list=is_list, version=neg.extra["version"])
        elif rendering is Rendering.PARTIAL and obj.get("kind") != "Status":
            out = _partial(obj, is_list=is_list, version=neg.extra["version"])
        if rendering is Rendering.YAML:
            body = yaml.dump(out, Dumper=_YAML_DUMPER, default_flow_style=False, sort_keys=False)
            return await self._reply(send, status, body.encode(), b"application/yaml", extra)
        return await self._reply(send, status, _encode(out, pretty), b"application/json", extra)

    def _table(
        self,
        info: RequestInfo,
        obj: Mapping[str, Any],
        params: Mapping[str, str],
        *,
        is_list: bool,
        version: str,
    ) -> dict[str, Any]:
        include = params.get("includeObject") or "Metadata"
        if include not in ("None", "Metadata", "Object"):
            msg = (
                f'includeObject: Unsupported value: "{include}": supported values: "None", '
                '"Metadata", "Object"'
            )
            raise BadRequest(msg)
        res = info.resource
        qualified = res.qualified if res is not None else ""
        items = list(obj.get("items") or []) if is_list else [obj]
        table = _to_table(qualified, items, self.clock.now(), include)
        table["apiVersion"] = f"meta.k8s.io/{version}"
        md = table.setdefault("metadata", {})
        lmd = obj.get("metadata") or {}
        if is_list:
            for k in ("resourceVersion", "continue", "remainingItemCount"):
                if k in lmd:
                    md[k] = lmd[k]
        elif "resourceVersion" in lmd:
            md["resourceVersion"] = lmd["resourceVersion"]
        return table

    # ------------------------------------------------------------------ watch

    async def _watch(
        self,
        info: RequestInfo,
        *,
        params: Mapping[str, str],
        accept: str,
        receive: Any,
        send: Any,
    ) -> int:
        res = info.resource
        if res is None or info.subresource is not None:
            raise _method_not_allowed("GET")
        neg = negotiate(accept, table=True)
        field_selector = params.get("fieldSelector") or None
        if info.name is not None:
            from kcore.api.fields import escape_value

            by_name = f"metadata.name={escape_value(info.name)}"
            field_selector = f"{field_selector},{by_name}" if field_selector else by_name
        timeout = _int(params, "timeoutSeconds")
        bookmarks = (
            _bool(params, "allowWatchBookmarks") if "allowWatchBookmarks" in params else False
        )
        send_initial = _opt_bool(params, "sendInitialEvents")
        rv = params.get("resourceVersion")
        if send_initial is not None and params.get("resourceVersionMatch") not in ("NotOlderThan",):
            msg = (
                'resourceVersionMatch: Invalid value: "": sendInitialEvents requires setting '
                "resourceVersionMatch to NotOlderThan"
            )
            raise BadRequest(msg)
        stream = await self._call(
            self.registry.watch,
            res.qualified,
            namespace=info.namespace,
            label_selector=params.get("labelSelector") or None,
            field_selector=field_selector,
            resource_version=rv,
            allow_watch_bookmarks=bookmarks or bool(send_initial),
            timeout_seconds=timeout,
            send_initial_events=send_initial,
        )
        if self.commits is not None:
            pending = self.commits.commit_pending()
            if pending is not None:
                await pending
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", JSON.encode())],
            }
        )
        self._watches.add(stream)
        self.metrics.watcher_started(res.group, res.version, res.kind)
        disconnect = asyncio.ensure_future(_wait_disconnect(receive))
        disconnect.add_done_callback(lambda _f: stream.stop())
        table = neg.rendering is Rendering.TABLE
        cache = self._events
        try:
            async for type_, obj in stream:
                if table and type_ not in ("ERROR", "BOOKMARK"):
                    tobj = self._table(
                        info, obj, params, is_list=False, version=neg.extra["version"]
                    )
                    line = _encode({"type": type_, "object": tobj}) + b"\n"
                else:
                    line = cache.line(type_, obj)
                await send({"type": "http.response.body", "body": line, "more_body": True})
                if type_ == "ERROR":
                    break
        except OSError:
            pass
        finally:
            stream.stop()
            self._watches.discard(stream)
            self.metrics.watcher_stopped(res.group, res.version, res.kind)
            disconnect.cancel()
            with contextlib.suppress(Exception):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        return 200


#: Deepest nesting accepted in a request body (Kubernetes objects stay far below this).
MAX_BODY_DEPTH = 100


def _check_depth(data: Any, raw: bytes | None = None) -> Any:
    """Refuse bodies nested deeper than :data:`MAX_BODY_DEPTH` (400), iteratively. A JSON
    text with at most that many opening brackets cannot nest deeper: no walk is needed."""
    if raw is not None and raw.count(b"{") + raw.count(b"[") <= MAX_BODY_DEPTH:
        return data
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        v, d = stack.pop()
        if d > MAX_BODY_DEPTH:
            msg = f"the request body is nested more than {MAX_BODY_DEPTH} levels deep"
            raise BadRequest(msg)
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values() if isinstance(x, (dict, list)))
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v if isinstance(x, (dict, list)))
    return data


async def _wait_disconnect(receive: Any) -> None:
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            return


def _method_not_allowed(method: str) -> StatusError:
    from kcore.api.errors import MethodNotAllowed

    return MethodNotAllowed(
        f"the server does not allow this method on the requested resource ({method})"
    )


def _warning_headers(warnings: list[str]) -> list[tuple[bytes, bytes]] | None:
    if not warnings:
        return None
    out = []
    for w in warnings[:32]:
        text = w.replace("\\", "\\\\").replace('"', '\\"')
        out.append((b"warning", f'299 - "{text}"'.encode("utf-8", "replace")))
    return out


def _partial(obj: Mapping[str, Any], *, is_list: bool, version: str) -> dict[str, Any]:
    av = f"meta.k8s.io/{version}"
    if is_list:
        return {
            "kind": "PartialObjectMetadataList",
            "apiVersion": av,
            "metadata": obj.get("metadata") or {},
            "items": [
                {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": av,
                    "metadata": i.get("metadata") or {},
                }
                for i in obj.get("items") or []
            ],
        }
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": av,
        "metadata": obj.get("metadata") or {},
    }


def _to_table(
    qualified: str, items: list[Mapping[str, Any]], now: float, include: str
) -> dict[str, Any]:
    from kcore.api import tables

    table: dict[str, Any] = tables.to_table(qualified, items, now=now, include_object=include)
    return table


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML loading without anchors/aliases (no "billion laughs" expansion)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            msg = "YAML aliases are not allowed in request bodies"
            raise yaml.composer.ComposerError(None, None, msg)
        return super().compose_node(parent, index)


_YAML_LOADER: Any = _NoAliasLoader
_YAML_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def create_app(
    registry: APIRegistry,
    *,
    authenticator: Authenticator | None = None,
    metrics: Metrics | None = None,
    clock: Clock | None = None,
    server_address: str = "127.0.0.1:6443",
    offload: bool = False,
    commits: CommitGroups | None = None,
) -> APIApp:
    """The ASGI application serving ``registry`` (see :class:`APIApp`).

    ``authenticator`` defaults to letting every request in as an administrator (in-process
    tests and embedding); servers pass a :class:`~kcore.apiserver.auth.TokenAuthenticator`.
    ``commits``: the store, when it can group commits (see :class:`CommitGroups`).
    """
    return APIApp(
        registry,
        authenticator=authenticator,
        metrics=metrics,
        clock=clock,
        server_address=server_address,
        offload=offload,
        commits=commits,
    )


__all__ = [
    "MAX_BODY_BYTES",
    "APIApp",
    "Authenticator",
    "CommitGroups",
    "UnsupportedMediaType",
    "create_app",
]
