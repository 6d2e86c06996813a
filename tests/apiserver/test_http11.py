"""kcore's HTTP/1.1 server (:mod:`kcore.apiserver.http11`) with small ASGI apps over loopback.

Covered, with the app run eagerly and as a task from the start (both paths): answers with
``date``/``content-length`` on keep-alive connections, pipelined requests answered in order,
request bodies streamed to ``receive()``, ``Expect: 100-continue``, streamed (chunked) answers
whose head goes out before the first chunk, ``HEAD`` and 204 without a body, HTTP/1.0 and
``Connection: close``, an app failing before or after answering, returning without an answer,
an app that suspends midway (taken over by a task: ``current_task()`` then works), a client
going away during a stream (``http.disconnect``), malformed and oversized request heads (400,
431), upgrade requests answered as plain HTTP, the idle keep-alive timeout, a graceful shutdown
(idle connections closed, answers in progress finished, stuck ones aborted) and TLS. The
APIServer's own behaviour over this server is covered by ``test_server.py``, ``test_http.py``,
the kubectl and Python-client end-to-end tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import TYPE_CHECKING, Any

import httptools
import pytest

from kcore.apiserver.certs import ensure_tls
from kcore.apiserver.http11 import HTTPServer
from kcore.util.clock import RealClock

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

_clients: list[Client] = []


class Answer:
    def __init__(self) -> None:
        self.status = 0
        self.headers: dict[bytes, bytes] = {}
        self.chunks: list[bytes] = []
        self.complete = False

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


class Client:
    """A raw HTTP/1.1 client: writes bytes as given, parses answers with httptools."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.answers: list[Answer] = []
        self.parser = httptools.HttpResponseParser(self)
        self.got_chunk = asyncio.Event()

    def on_message_begin(self) -> None:
        self.answers.append(Answer())

    def on_header(self, name: bytes, value: bytes) -> None:
        self.answers[-1].headers[name.lower()] = value

    def on_headers_complete(self) -> None:
        self.answers[-1].status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self.answers[-1].chunks.append(body)
        self.got_chunk.set()

    def on_message_complete(self) -> None:
        self.answers[-1].complete = True

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def feed(self) -> bool:
        data = await asyncio.wait_for(self.reader.read(65536), 10)
        if not data:
            return False
        self.parser.feed_data(data)
        return True

    async def answer(self, n: int = 1) -> Answer:
        """Wait until ``n`` answers are complete; return the n-th."""
        while len([a for a in self.answers if a.complete]) < n:
            if not await self.feed():
                msg = "the connection closed before the answer"
                raise AssertionError(msg)
        return self.answers[n - 1]

    async def closed(self) -> bool:
        """Whether the server closes the connection (reading until EOF, bounded)."""
        try:
            while await self.feed():
                pass
        except TimeoutError:
            return False
        except ConnectionError:
            pass  # reset rather than closed: closed all the same
        return True


def get(path: str = "/", *extra: str, method: str = "GET", body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: test", *extra]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def reply(send: Any, status: int, body: bytes, *headers: tuple[bytes, bytes]) -> None:
    hs = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*hs, *headers]})
    await send({"type": "http.response.body", "body": body})


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers ``METHOD path?query|body`` (reading the whole body)."""
    body = b""
    while True:
        msg = await receive()
        body += msg.get("body", b"")
        if not msg.get("more_body"):
            break
    text = f"{scope['method']} {scope['path']}?{scope['query_string'].decode()}|".encode()
    await reply(send, 200, text + body)


@contextlib.asynccontextmanager
async def serving(
    app: Any, *, eager: bool = True, tls: ssl.SSLContext | None = None, **kw: Any
) -> AsyncIterator[HTTPServer]:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.setblocking(False)
    server = HTTPServer(app, clock=RealClock(), eager=eager, **kw)
    await server.start(sock, ssl=tls)
    server.port = sock.getsockname()[1]  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        await close_clients()
        await server.shutdown(1.0)
        sock.close()


async def connect(server: HTTPServer, tls: ssl.SSLContext | None = None) -> Client:
    reader, writer = await asyncio.open_connection(
        "127.0.0.1",
        server.port,  # type: ignore[attr-defined]
        ssl=tls,
        server_hostname="127.0.0.1" if tls else None,
    )
    client = Client(reader, writer)
    _clients.append(client)
    return client


async def close_clients() -> None:
    for c in _clients:
        c.writer.close()
        with contextlib.suppress(Exception):
            await c.writer.wait_closed()
    _clients.clear()


@pytest.fixture(autouse=True)
def _forget_clients() -> Any:
    yield
    _clients.clear()  # those of a failed test belong to a closed loop


eager_param = pytest.mark.parametrize("eager", [True, False], ids=["eager", "task"])


@eager_param
def test_keep_alive_answers_and_pipelining(eager: bool) -> None:
    async def main() -> None:
        async with serving(echo_app, eager=eager) as srv:
            c = await connect(srv)
            for i in range(3):
                c.send(get(f"/a%20b/{i}?x=1"))
                a = await c.answer(i + 1)
                assert (a.status, a.body) == (200, f"GET /a b/{i}?x=1|".encode())
                assert a.headers[b"content-length"] == str(len(a.body)).encode()
                assert a.headers[b"date"].endswith(b" GMT")
                assert b"connection" not in a.headers
            # Three pipelined requests in one packet: three answers, in order.
            c.send(get("/p1") + get("/p2", method="POST", body=b"xyz") + get("/p3"))
            bodies = [(await c.answer(n)).body for n in (4, 5, 6)]
            assert bodies == [b"GET /p1?|", b"POST /p2?|xyz", b"GET /p3?|"]
            assert srv.requests == 6
            assert len(srv.connections) == 1
            c.writer.close()

    asyncio.run(main())


@eager_param
def test_request_body_streams_and_100_continue(eager: bool) -> None:
    async def main() -> None:
        async with serving(echo_app, eager=eager) as srv:
            c = await connect(srv)
            big = bytes(range(256)) * 4096  # 1 MiB, arriving in many reads
            c.send(get("/up", method="PUT", body=big))
            assert (await c.answer()).body == b"PUT /up?|" + big
            c.send(get("/cont", "Expect: 100-continue", "Content-Length: 5", method="POST"))
            await c.feed()
            assert c.answers[-1].status == 100
            c.send(b"hello")
            assert (await c.answer(3)).body == b"POST /cont?|hello"
            c.writer.close()

    asyncio.run(main())


@eager_param
def test_streamed_answer_head_goes_out_before_the_first_chunk(eager: bool) -> None:
    more = asyncio.Event()
    disconnected = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/watch":
            start = {"type": "http.response.start", "status": 200, "headers": []}
            await send(start)
            await more.wait()
            for i in range(3):  # coalesced into one write: all sent in one loop turn
                await send({"type": "http.response.body", "body": b"e%d\n" % i, "more_body": True})
            while (await receive())["type"] != "http.disconnect":
                pass
            disconnected.set()
            await send({"type": "http.response.body", "body": b"late", "more_body": True})
            return
        await reply(send, 204, b"")

    async def main() -> None:
        async with serving(app, eager=eager) as srv:
            c = await connect(srv)
            c.send(get("/watch"))
            while not c.answers or not c.answers[0].status:
                await c.feed()
            head = c.answers[0]
            assert head.headers[b"transfer-encoding"] == b"chunked"
            assert head.chunks == []
            more.set()
            while head.body != b"e0\ne1\ne2\n":
                await c.feed()
            c.writer.close()
            await asyncio.wait_for(disconnected.wait(), 10)
            # 204 and HEAD: no body, no chunked framing.
            c2 = await connect(srv)
            c2.send(get("/nothing"))
            a = await c2.answer()
            assert (a.status, a.body, a.headers.get(b"transfer-encoding")) == (204, b"", None)
            c2.writer.close()

    asyncio.run(main())


def test_head_http10_and_connection_close() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await reply(send, 200, b"12345")

    async def main() -> None:
        async with serving(app) as srv:
            c = await connect(srv)
            c.send(get("/", method="HEAD"))
            c.send(get("/x"))
            # The HEAD answer has the length but no body: the next answer follows directly.
            c.parser = httptools.HttpResponseParser(c)
            c.parser.set_dangerous_leniencies(lenient_data_after_close=True)
            data = b""
            while data.count(b"HTTP/1.1 200") < 2 or not data.endswith(b"12345"):
                data += await asyncio.wait_for(c.reader.read(65536), 10)
            first, second = data.split(b"HTTP/1.1 200 OK", 2)[1:]
            assert b"content-length: 5" in first
            assert first.endswith(b"\r\n\r\n")
            assert second.endswith(b"\r\n\r\n12345")
            c.writer.close()
            for request in (b"GET / HTTP/1.0\r\n\r\n", get("/", "Connection: close")):
                c = await connect(srv)
                c.send(request)
                a = await c.answer()
                assert a.body == b"12345"
                assert a.headers[b"connection"] == b"close"
                assert await c.closed()

    asyncio.run(main())


@eager_param
def test_app_failures(eager: bool, caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope["path"]
        if path == "/before":
            msg = "boom before"
            raise ValueError(msg)
        if path == "/nothing":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        if path == "/after":
            msg = "boom after"
            raise ValueError(msg)
        if path == "/bad-header":
            return
        await send({"type": "http.response.body", "body": b"ok"})

    async def main() -> None:
        async with serving(app, eager=eager) as srv:
            for path, status in (("/before", 500), ("/nothing", 500)):
                c = await connect(srv)
                c.send(get(path))
                a = await c.answer()
                assert (a.status, a.body) == (status, b"Internal Server Error")
                assert await c.closed()
            for path in ("/after", "/bad-header"):
                c = await connect(srv)
                c.send(get(path))
                assert await c.closed()  # the answer had started: the connection just closes

    with caplog.at_level("ERROR", logger="kcore.apiserver.http"):
        asyncio.run(main())
    messages = [r.getMessage() for r in caplog.records]
    assert "Exception in ASGI application" in messages
    assert "ASGI callable returned without starting response." in messages
    assert "ASGI callable returned without completing response." in messages


def test_an_app_that_suspends_is_taken_over_by_a_task() -> None:
    later: asyncio.Future[str] | None = None
    tasks: list[Any] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        nonlocal later
        tasks.append(asyncio.current_task())
        later = asyncio.get_running_loop().create_future()
        value = await later  # the eager step ends here
        tasks.append(asyncio.current_task())
        await asyncio.sleep(0)
        async with asyncio.timeout(5):  # needs a current task
            await reply(send, 200, value.encode())

    async def main() -> None:
        async with serving(app, eager=True) as srv:
            c = await connect(srv)
            c.send(get("/"))
            while later is None:
                await asyncio.sleep(0.001)
            later.set_result("resumed")
            assert (await c.answer()).body == b"resumed"
            assert tasks[0] is None  # the first step ran inside the protocol callback
            assert tasks[1] is not None
            c.writer.close()

    asyncio.run(main())


@pytest.mark.parametrize(
    ("request_bytes", "status", "text"),
    [
        pytest.param(b"NOT A REQUEST\r\n\r\n", 400, b"Invalid HTTP request received.", id="bad"),
        pytest.param(
            get("/", "X-Big: " + "a" * 70_000), 431, b"Request header fields too large.", id="big"
        ),
        pytest.param(b"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n", 400, b"Invalid HTTP", id="bytes"),
    ],
)
def test_malformed_requests(request_bytes: bytes, status: int, text: bytes) -> None:
    async def main() -> None:
        async with serving(echo_app) as srv:
            c = await connect(srv)
            c.send(request_bytes)
            a = await c.answer()
            assert a.status == status
            assert a.body.startswith(text)
            assert await c.closed()

    asyncio.run(main())


def test_upgrade_requests_are_answered_as_plain_http() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await reply(send, 404, b"no upgrades")

    async def main() -> None:
        async with serving(app) as srv:
            c = await connect(srv)
            c.send(get("/exec", "Connection: Upgrade", "Upgrade: SPDY/3.1"))
            a = await c.answer()
            assert (a.status, a.body) == (404, b"no upgrades")
            assert a.headers[b"connection"] == b"close"
            assert await c.closed()

    asyncio.run(main())


def test_idle_connections_time_out() -> None:
    async def main() -> None:
        async with serving(echo_app, keep_alive_timeout=0.05) as srv:
            c = await connect(srv)
            c.send(get("/"))
            await c.answer()
            assert await c.closed()  # within a few reaper periods
            assert not srv.connections

    asyncio.run(main())


def test_graceful_shutdown() -> None:
    release = asyncio.Event()
    entered = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        entered.set()
        if scope["path"] == "/slow":
            await release.wait()
        elif scope["path"] == "/stuck":
            await asyncio.Event().wait()
        await reply(send, 200, b"done")

    async def main() -> None:
        import socket

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        srv = HTTPServer(app, clock=RealClock())
        await srv.start(sock)
        srv.port = sock.getsockname()[1]  # type: ignore[attr-defined]
        idle = await connect(srv)
        idle.send(get("/"))
        await idle.answer()
        slow = await connect(srv)
        entered.clear()
        slow.send(get("/slow"))
        await entered.wait()
        stopping = asyncio.ensure_future(srv.shutdown(5.0))
        assert await idle.closed()  # idle: closed at once
        release.set()
        a = await slow.answer()  # in progress: finished, then closed
        assert (a.body, a.headers[b"connection"]) == (b"done", b"close")
        assert await slow.closed()
        await asyncio.wait_for(stopping, 10)
        sock.close()
        with pytest.raises(ConnectionError):
            await connect(srv)

        # An answer that never finishes is cut after the timeout.
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        srv = HTTPServer(app, clock=RealClock())
        await srv.start(sock)
        srv.port = sock.getsockname()[1]  # type: ignore[attr-defined]
        stuck = await connect(srv)
        entered.clear()
        stuck.send(get("/stuck"))
        await entered.wait()
        await asyncio.wait_for(srv.shutdown(0.05), 10)
        assert await stuck.closed()
        assert not srv.tasks or all(t.done() for t in srv.tasks)
        sock.close()
        await close_clients()

    asyncio.run(main())


def test_tls(tmp_path: Path) -> None:
    files = ensure_tls(tmp_path / "pki", RealClock().now())
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(str(files.cert), str(files.key))
    client_ctx = ssl.create_default_context(cafile=str(files.ca_cert))

    async def main() -> None:
        async with serving(echo_app, tls=server_ctx) as srv:
            c = await connect(srv, client_ctx)
            for i in range(3):
                c.send(get(f"/t{i}", method="POST", body=b"secret"))
                assert (await c.answer(i + 1)).body == f"POST /t{i}?|secret".encode()
            c.writer.close()

    asyncio.run(main())
