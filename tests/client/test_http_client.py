"""HTTPClient on both of its request paths: request shapes for every verb, Status error
mapping, Retry-After retries, client-side QPS/burst on a virtual clock, watch stream parsing
(bookmarks, ERROR events, error answers, stop, malformed lines), and kubeconfig loading (tokens,
CA, client certificates, insecure, relative paths, clear errors).

Each HTTP scenario runs on two wires (the ``wire`` fixture): ``httpx`` (an ``httpx``
``MockTransport``, no network) and ``lean`` (the default
:class:`~kcore.client.transport.HTTPTransport` talking to a loopback server that turns the raw
requests it receives into ``httpx.Request`` objects for the same responders and writes their
``httpx.Response`` back, chunked). So the two paths are checked against the same expectations,
byte for byte where the test looks at bytes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import socket
import ssl
from typing import TYPE_CHECKING, Any

import httptools
import httpx
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kcore.api.errors import (
    AlreadyExists,
    Conflict,
    Expired,
    InternalError,
    NotFound,
    ServiceUnavailable,
    StatusError,
    TooManyRequests,
)
from kcore.client.http import HTTPClient
from kcore.client.kubeconfig import KubeconfigError, load_kubeconfig, parse_kubeconfig
from kcore.util.clock import VirtualClock

if TYPE_CHECKING:
    from pathlib import Path

SERVER = "http://127.0.0.1:6443"


def status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


class Recorder:
    def __init__(self, responder: Any = None) -> None:
        self.requests: list[httpx.Request] = []
        self.responder = responder

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.responder is not None:
            return await self.responder(request)
        body = json.loads(request.content) if request.content else {}
        return httpx.Response(200, json={"echo": body, "kind": "Echo"})


class Bridge:
    """A loopback HTTP/1.1 server handing each request to a :class:`Recorder` as an
    ``httpx.Request`` and writing the ``httpx.Response`` it returns (chunked, streamed)."""

    def __init__(self, rec: Recorder) -> None:
        self.rec = rec
        self.server: asyncio.Server | None = None
        self.port = 0
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        done: asyncio.Queue[tuple[str, str, list[tuple[bytes, bytes]], bytes]] = asyncio.Queue()
        cur: dict[str, Any] = {}

        class P:
            def on_message_begin(self) -> None:
                cur.clear()
                cur.update(headers=[], body=[], url=b"")

            def on_url(self, url: bytes) -> None:
                cur["url"] += url

            def on_header(self, name: bytes, value: bytes) -> None:
                cur["headers"].append((name, value))

            def on_body(self, body: bytes) -> None:
                cur["body"].append(body)

            def on_message_complete(self) -> None:
                method = parser.get_method().decode()
                done.put_nowait(
                    (method, cur["url"].decode(), cur["headers"], b"".join(cur["body"]))
                )

        parser = httptools.HttpRequestParser(P())
        self.writers.add(writer)
        try:
            while True:
                while done.empty():
                    data = await reader.read(65536)
                    if not data:
                        return
                    parser.feed_data(data)
                method, target, headers, body = done.get_nowait()
                request = httpx.Request(
                    method, f"http://127.0.0.1:{self.port}{target}", headers=headers, content=body
                )
                try:
                    resp = await self.rec(request)
                except httpx.TransportError:
                    return  # the responder refuses: the connection just closes
                head = [b"HTTP/1.1 %d X\r\n" % resp.status_code]
                for k, v in resp.headers.raw:
                    if k.lower() not in (b"content-length", b"transfer-encoding"):
                        head.append(k + b": " + v + b"\r\n")
                head.append(b"transfer-encoding: chunked\r\n\r\n")
                writer.write(b"".join(head))
                async for chunk in _body(resp):
                    if chunk:
                        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        await writer.drain()
                writer.write(b"0\r\n\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.writers.discard(writer)
            writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            for w in list(self.writers):
                w.close()
            await self.server.wait_closed()


async def _body(resp: httpx.Response) -> Any:
    try:
        yield resp.content  # built with content=/json=: already in memory
    except httpx.ResponseNotRead:
        async for chunk in resp.aiter_raw():  # built with a generator: streamed
            yield chunk


@pytest.fixture(params=["httpx", "lean"])
def wire(request: pytest.FixtureRequest) -> str:
    """Which request path HTTPClient takes: an httpx MockTransport, or the lean transport
    over loopback (see the module docstring)."""
    return str(request.param)


_bridges: list[Bridge] = []
_clients: list[HTTPClient] = []


async def make_client(wire: str, clock: VirtualClock, rec: Recorder, **kw: Any) -> HTTPClient:
    kw.setdefault("qps", None)
    if wire == "httpx":
        client = HTTPClient(SERVER, clock=clock, transport=httpx.MockTransport(rec), **kw)
    else:
        bridge = Bridge(rec)
        _bridges.append(bridge)
        client = HTTPClient(await bridge.start(), clock=clock, **kw)
        assert client.transport is not None
    _clients.append(client)
    return client


def run(clock: VirtualClock, main: Any) -> Any:
    """``clock.run(main())``, then close the clients and bridges the scenario made."""

    async def scenario() -> Any:
        try:
            return await main()
        finally:
            for c in _clients:
                await c.close()
            for b in _bridges:
                await b.stop()
            _clients.clear()
            _bridges.clear()

    return clock.run(scenario())


def test_request_shapes_for_every_verb(wire: str) -> None:
    clock = VirtualClock()
    rec = Recorder()

    async def main() -> None:
        c = await make_client(wire, clock, rec, token="s3cret", namespace="team")
        pod = {"metadata": {"name": "p1", "namespace": "ns1"}}
        await c.create("po", pod)
        await c.create("pods", {"metadata": {"name": "p2"}}, dry_run=True, field_manager="me")
        await c.create(
            "pods",
            {"target": {"kind": "Node", "name": "n1"}},
            namespace="ns1",
            name="p1",
            subresource="binding",
        )
        await c.get("deployments.apps", "web", namespace="ns1")
        await c.get("nodes", "n1", namespace="ignored")
        await c.list(
            "pods",
            label_selector="app=web",
            field_selector="spec.nodeName=",
            limit=2,
            continue_="tok",
            resource_version="0",
        )
        await c.update(
            "pods", {"metadata": {"name": "p1", "namespace": "ns1"}}, subresource="status"
        )
        await c.patch("pods", "p1", [{"op": "add", "path": "/x", "value": 1}], patch_type="json")
        await c.patch("leases", "l", {"a": 1}, patch_type="strategic", namespace="kube-system")
        await c.patch("pods", "p1", {"a": 1}, patch_type="apply", field_manager="fm", force=True)
        await c.delete(
            "pods",
            "p1",
            namespace="ns1",
            grace_period_seconds=0,
            propagation_policy="Foreground",
            preconditions={"uid": "u"},
            dry_run=True,
        )
        await c.delete_collection("pods", namespace="ns1", label_selector="a=b")
        with pytest.raises(ValueError, match="unknown patch type"):
            await c.patch("pods", "p1", {}, patch_type="yaml")  # type: ignore[arg-type]
        with pytest.raises(NotFound, match="doesn't have a resource type"):
            await c.get("widgets", "x")
        await c.close()

    run(clock, main)
    got = [
        (r.method, r.url.path, dict(r.url.params), r.headers.get("content-type"))
        for r in rec.requests
    ]
    assert got == [
        ("POST", "/api/v1/namespaces/ns1/pods", {}, "application/json"),
        (
            "POST",
            "/api/v1/namespaces/team/pods",
            {"dryRun": "All", "fieldManager": "me"},
            "application/json",
        ),
        ("POST", "/api/v1/namespaces/ns1/pods/p1/binding", {}, "application/json"),
        ("GET", "/apis/apps/v1/namespaces/ns1/deployments/web", {}, None),
        ("GET", "/api/v1/nodes/n1", {}, None),
        (
            "GET",
            "/api/v1/pods",
            {
                "labelSelector": "app=web",
                "fieldSelector": "spec.nodeName=",
                "limit": "2",
                "continue": "tok",
                "resourceVersion": "0",
            },
            None,
        ),
        ("PUT", "/api/v1/namespaces/ns1/pods/p1/status", {}, "application/json"),
        ("PATCH", "/api/v1/namespaces/team/pods/p1", {}, "application/json-patch+json"),
        (
            "PATCH",
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l",
            {},
            "application/strategic-merge-patch+json",
        ),
        (
            "PATCH",
            "/api/v1/namespaces/team/pods/p1",
            {"fieldManager": "fm", "force": "true"},
            "application/apply-patch+yaml",
        ),
        ("DELETE", "/api/v1/namespaces/ns1/pods/p1", {}, "application/json"),
        ("DELETE", "/api/v1/namespaces/ns1/pods", {"labelSelector": "a=b"}, None),
    ]
    assert all(r.headers["authorization"] == "Bearer s3cret" for r in rec.requests)
    assert rec.requests[0].headers["user-agent"].startswith("kcore/v")
    assert json.loads(rec.requests[10].content) == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "gracePeriodSeconds": 0,
        "propagationPolicy": "Foreground",
        "preconditions": {"uid": "u"},
        "dryRun": ["All"],
    }


@pytest.mark.parametrize(
    ("code", "body", "exc", "message"),
    [
        pytest.param(
            404,
            status(404, "NotFound", 'pods "x" not found'),
            NotFound,
            'pods "x" not found',
            id="not-found",
        ),
        pytest.param(
            409,
            status(409, "AlreadyExists", 'pods "x" already exists'),
            AlreadyExists,
            "already exists",
            id="exists",
        ),
        pytest.param(
            409,
            status(409, "Conflict", "the object has been modified"),
            Conflict,
            "modified",
            id="conflict",
        ),
        pytest.param(
            410,
            status(410, "Expired", "too old resource version: 1 (5)"),
            Expired,
            "too old",
            id="expired",
        ),
        pytest.param(500, "upstream exploded", InternalError, "upstream exploded", id="plain-text"),
    ],
)
def test_errors_map_to_status_errors(
    wire: str, code: int, body: Any, exc: type, message: str
) -> None:
    clock = VirtualClock()

    async def respond(_r: httpx.Request) -> httpx.Response:
        if isinstance(body, dict):
            return httpx.Response(code, json=body)
        return httpx.Response(code, text=body)

    async def main() -> None:
        c = await make_client(wire, clock, Recorder(respond))
        with pytest.raises(exc, match=message) as info:
            await c.get("pods", "x")
        assert isinstance(info.value, StatusError)
        assert info.value.code == code

    run(clock, main)


def test_429_is_retried_after_retry_after(wire: str) -> None:
    clock = VirtualClock()
    answers = [429, 429, 200]

    async def respond(_r: httpx.Request) -> httpx.Response:
        code = answers.pop(0)
        if code == 429:
            return httpx.Response(
                429, json=status(429, "TooManyRequests", "slow down"), headers={"Retry-After": "2"}
            )
        return httpx.Response(200, json={"kind": "Pod"})

    async def main() -> None:
        c = await make_client(wire, clock, Recorder(respond))
        assert (await c.get("pods", "x"))["kind"] == "Pod"
        assert clock.monotonic() == 4.0
        assert c.retries == 2
        answers.extend([429] * 5)
        c.max_retries = 3
        with pytest.raises(TooManyRequests, match="slow down"):
            await c.get("pods", "x")

    run(clock, main)


def test_qps_and_burst_are_enforced_on_the_clock(wire: str) -> None:
    clock = VirtualClock()
    times: list[float] = []

    async def respond(_r: httpx.Request) -> httpx.Response:
        times.append(clock.monotonic())
        return httpx.Response(200, json={})

    async def main() -> None:
        c = await make_client(wire, clock, Recorder(respond), qps=10.0, burst=2)
        for _ in range(5):
            await c.get("pods", "x")

    run(clock, main)
    assert times == pytest.approx([0.0, 0.0, 0.1, 0.2, 0.3])


def ndjson(*events: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(e).encode() + b"\n" for e in events)


def test_watch_stream_events_bookmarks_and_error(wire: str) -> None:
    clock = VirtualClock()
    body = ndjson(
        {"type": "ADDED", "object": {"metadata": {"name": "a", "resourceVersion": "5"}}},
        {"type": "BOOKMARK", "object": {"kind": "Pod", "metadata": {"resourceVersion": "9"}}},
        {"type": "ERROR", "object": status(410, "Expired", "too old resource version: 4 (8)")},
        {"type": "ADDED", "object": {"metadata": {"name": "never"}}},
    )

    async def respond(_r: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    async def main() -> list[tuple[str, Any]]:
        rec = Recorder(respond)
        c = await make_client(wire, clock, rec)
        w = c.watch(
            "pods", namespace="ns", resource_version="4", timeout_seconds=300, label_selector="a=b"
        )
        out = [(t, o) async for t, o in w]
        params = dict(rec.requests[0].url.params)
        assert rec.requests[0].url.path == "/api/v1/namespaces/ns/pods"
        assert params == {
            "watch": "true",
            "labelSelector": "a=b",
            "resourceVersion": "4",
            "allowWatchBookmarks": "true",
            "timeoutSeconds": "300",
        }
        return out

    out = run(clock, main)
    assert [t for t, _ in out] == ["ADDED", "BOOKMARK", "ERROR"]
    assert out[2][1]["reason"] == "Expired"


def test_watch_error_answer_becomes_error_event(wire: str) -> None:
    clock = VirtualClock()

    async def respond(_r: httpx.Request) -> httpx.Response:
        return httpx.Response(410, json=status(410, "Gone", "too old"))

    async def main() -> list[tuple[str, Any]]:
        c = await make_client(wire, clock, Recorder(respond))
        return [(t, o) async for t, o in c.watch("pods")]

    out = run(clock, main)
    assert len(out) == 1
    assert out[0][0] == "ERROR"
    assert out[0][1]["code"] == 410


def test_watch_stop_ends_a_blocked_stream(wire: str) -> None:
    clock = VirtualClock()

    async def body() -> Any:
        yield ndjson({"type": "ADDED", "object": {"metadata": {"name": "a"}}})
        await clock.sleep(10_000)  # the server says nothing for a long time
        yield b""

    async def respond(_r: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body())

    async def main() -> list[str]:
        c = await make_client(wire, clock, Recorder(respond))
        w = c.watch("pods")
        names = []
        async for _t, o in w:
            names.append(o["metadata"]["name"])
            w.stop()
        return names

    assert run(clock, main) == ["a"]
    assert clock.monotonic() < 10_000


# -- kubeconfig ----------------------------------------------------------------------------


def _self_signed() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kcore-test")])
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem_cert = cert.public_bytes(serialization.Encoding.PEM)
    pem_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem_cert, pem_key


def _doc(user: dict[str, Any], cluster: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "dev",
        "clusters": [{"name": "c1", "cluster": cluster or {"server": SERVER}}],
        "contexts": [
            {"name": "dev", "context": {"cluster": "c1", "user": "u1", "namespace": "team"}},
            {"name": "other", "context": {"cluster": "c1"}},
        ],
        "users": [{"name": "u1", "user": user}],
    }


def test_kubeconfig_token_namespace_and_plain_http(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(_doc({"token": "abc"})))
    cfg = load_kubeconfig(path)
    assert (cfg.server, cfg.namespace, cfg.token, cfg.context) == (SERVER, "team", "abc", "dev")
    assert cfg.ssl_context() is True
    other = load_kubeconfig(path, context="other")
    assert (other.namespace, other.token) == ("default", None)
    client = HTTPClient.from_kubeconfig(path, qps=None)
    assert client.default_namespace == "team"
    assert client.headers["Authorization"] == "Bearer abc"
    assert client.transport is not None  # the lean transport, not httpx


def test_kubeconfig_tls_material_from_files_and_data(tmp_path: Path) -> None:
    cert, key = _self_signed()
    (tmp_path / "pki").mkdir()
    (tmp_path / "pki" / "ca.crt").write_bytes(cert)
    (tmp_path / "pki" / "client.crt").write_bytes(cert)
    (tmp_path / "pki" / "client.key").write_bytes(key)
    (tmp_path / "token").write_text("from-file\n")
    files = _doc(
        {
            "client-certificate": "pki/client.crt",
            "client-key": "pki/client.key",
            "tokenFile": "token",
        },
        {"server": "https://127.0.0.1:6443", "certificate-authority": "pki/ca.crt"},
    )
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(files))
    cfg = load_kubeconfig(path)
    assert cfg.ca_data == cert
    assert cfg.client_cert_data == cert
    assert cfg.token == "from-file"
    ctx = cfg.ssl_context()
    assert isinstance(ctx, ssl.SSLContext)
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert len(ctx.get_ca_certs()) == 1

    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    inline = _doc(
        {"client-certificate-data": b64(cert), "client-key-data": b64(key)},
        {"server": "https://127.0.0.1:6443", "insecure-skip-tls-verify": True},
    )
    cfg2 = parse_kubeconfig(inline)
    ctx2 = cfg2.ssl_context()
    assert isinstance(ctx2, ssl.SSLContext)
    assert ctx2.verify_mode == ssl.CERT_NONE
    assert not ctx2.check_hostname


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        pytest.param({"clusters": []}, "current-context is not set", id="no-context"),
        pytest.param(
            {**_doc({}), "current-context": "nope"}, "no context named 'nope'", id="unknown-context"
        ),
        pytest.param(_doc({"exec": {"command": "aws"}}), "uses 'exec'", id="exec-plugin"),
        pytest.param(
            _doc({}, {"server": "127.0.0.1:6443"}), "no http\\(s\\) server URL", id="bad-server"
        ),
        pytest.param(_doc({"client-key-data": "***"}), "not valid base64", id="bad-base64"),
        pytest.param(
            _doc({"client-certificate": "/nonexistent/x.crt"}),
            "cannot read client-certificate",
            id="missing-file",
        ),
    ],
)
def test_kubeconfig_errors_are_precise(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(KubeconfigError, match=message):
        parse_kubeconfig(doc)


def test_kubeconfig_unreadable_or_not_yaml(tmp_path: Path) -> None:
    with pytest.raises(KubeconfigError, match="cannot read kubeconfig"):
        load_kubeconfig(tmp_path / "missing")
    bad = tmp_path / "bad"
    bad.write_text("a: [unclosed")
    with pytest.raises(KubeconfigError, match="not valid YAML"):
        load_kubeconfig(bad)
    notmap = tmp_path / "list"
    notmap.write_text("- 1\n- 2\n")
    with pytest.raises(KubeconfigError, match="must be a mapping"):
        load_kubeconfig(notmap)


def test_client_cert_without_key_is_rejected() -> None:
    cert, _key = _self_signed()
    cfg = parse_kubeconfig(
        _doc(
            {"client-certificate-data": base64.b64encode(cert).decode()}, {"server": "https://h:1"}
        )
    )
    with pytest.raises(KubeconfigError, match="without a client key"):
        cfg.ssl_context()


def test_unreachable_server_is_service_unavailable(wire: str) -> None:
    clock = VirtualClock()

    async def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async def main() -> None:
        if wire == "httpx":
            c = await make_client(wire, clock, Recorder(refuse))
        else:  # a port nobody listens on
            with contextlib.closing(socket.socket()) as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            c = HTTPClient(f"http://127.0.0.1:{port}", clock=clock, qps=None)
            _clients.append(c)
        with pytest.raises(
            ServiceUnavailable, match=r"cannot reach the server: .*[Cc]onnection refused"
        ):
            await c.get("pods", "x")
        with pytest.raises(ServiceUnavailable, match=r"[Cc]onnection refused"):
            async for _ in c.watch("pods"):
                pass

    run(clock, main)


def test_server_closing_the_connection_is_service_unavailable() -> None:
    clock = VirtualClock()

    async def hang_up(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("hang up", request=request)

    async def main() -> None:
        c = await make_client("lean", clock, Recorder(hang_up))
        with pytest.raises(ServiceUnavailable, match="server closed the connection"):
            await c.get("pods", "x")

    run(clock, main)


def test_malformed_watch_line_is_reported(wire: str) -> None:
    clock = VirtualClock()

    async def respond(_r: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"type": "ADDED", "object": {}}\n{not json\n')

    async def main() -> list[str]:
        c = await make_client(wire, clock, Recorder(respond))
        seen: list[str] = []

        async def consume() -> None:
            async for t, _o in c.watch("pods"):
                seen.append(t)

        with pytest.raises(ServiceUnavailable, match="malformed stream"):
            await consume()
        return seen

    assert run(clock, main) == ["ADDED"]


def test_proxy_environment_selects_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lean transport does not talk to proxies: a proxy variable that applies to the
    server sends requests through httpx (which honours it); NO_PROXY keeps the lean path."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.lower(), raising=False)
    assert HTTPClient(SERVER).transport is not None
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    proxied = HTTPClient(SERVER)
    assert proxied.transport is None
    assert proxied.headers["Accept"] == "application/json"
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert HTTPClient(SERVER).transport is not None
    assert HTTPClient("https://127.0.0.1:6443").transport is not None  # no HTTPS_PROXY
