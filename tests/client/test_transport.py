"""The lean HTTP/1.1 transport (:mod:`kcore.client.transport`) against scripted loopback servers.

Covered: a whole answer (content-length) and keep-alive reuse; ``Connection: close`` answers
not reused; chunked streaming as the bytes arrive, a stream closed early closing its
connection and one read to the end going back to the pool; large request and answer bodies; an
idle connection the server closed (retried on a new one, transparently); a server that closes
mid-answer or answers garbage (``RemoteProtocolError``, not retried); the read timeout; the
connection limit (callers wait, ``PoolTimeout`` when nothing frees up); a refused connection;
the helpers ``origin_of``/``host_header``. TLS, tokens and a real APIServer are covered by
``tests/scheduler/component/test_transport.py`` and the client contract suite.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

import pytest

from kcore.client.transport import (
    ConnectError,
    HTTPTransport,
    PoolTimeout,
    ReadTimeout,
    RemoteProtocolError,
    host_header,
    origin_of,
)


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One request: (head, body) (bodies only by Content-Length, as the transport sends)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    body = await reader.readexactly(length) if length else b""
    return head, body


def _answer(body: bytes, *, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n%s\r\n%s" % (len(body), extra, body)


class Server:
    """A loopback server running ``handler`` for each connection; counts connections."""

    def __init__(self, handler: Any) -> None:
        self.handler = handler
        self.connections = 0
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> Server:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            self.writers.append(writer)
            with contextlib.suppress(
                ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError
            ):
                await self.handler(reader, writer)
            writer.close()

        self.server = await asyncio.start_server(serve, "127.0.0.1", 0)
        return self

    @property
    def origin(self) -> tuple[str, str, int]:
        assert self.server is not None
        return ("http", "127.0.0.1", self.server.sockets[0].getsockname()[1])

    def request(self, target: str = "/", body: bytes = b"") -> bytes:
        head = f"GET {target} HTTP/1.1\r\nHost: x\r\n".encode()
        if body:
            head += b"Content-Length: %d\r\n" % len(body)
        return head + b"\r\n" + body

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        for w in self.writers:
            w.close()
        await self.server.wait_closed()


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        head, body = await _read_request(reader)
        writer.write(_answer(head.split(b" ")[1] + b"|" + body))


def test_answers_and_keep_alive_reuse() -> None:
    async def main() -> None:
        async with Server(_echo) as srv:
            t = HTTPTransport(max_connections=4)
            for i in range(10):
                resp = await t.request(srv.origin, srv.request(f"/p{i}", b"x" * i))
                assert resp.status == 200
                assert resp.body == f"/p{i}|".encode() + b"x" * i
                assert resp.header("Content-Length") == str(len(resp.body))
            assert (t.connects, srv.connections, t.open_connections) == (1, 1, 1)
            await t.aclose()
            assert t.open_connections == 0
            with pytest.raises(ConnectError, match="closed"):
                await t.request(srv.origin, srv.request())

    asyncio.run(main())


def test_connection_close_answers_are_not_reused() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(_answer(b"bye", extra=b"connection: close\r\n"))
        await writer.drain()

    async def main() -> None:
        async with Server(handler) as srv:
            t = HTTPTransport()
            for _ in range(3):
                assert (await t.request(srv.origin, srv.request())).body == b"bye"
            assert (t.connects, srv.connections, t.open_connections) == (3, 3, 0)
            await t.aclose()

    asyncio.run(main())


def test_large_bodies_both_ways() -> None:
    big = bytes(range(256)) * 16_384  # 4 MiB

    async def main() -> None:
        async with Server(_echo) as srv:
            t = HTTPTransport()
            resp = await t.request(srv.origin, srv.request("/big", big))
            assert resp.body == b"/big|" + big
            assert (await t.request(srv.origin, srv.request("/after"))).body == b"/after|"
            assert t.connects == 1
            await t.aclose()

    asyncio.run(main())


def test_chunked_stream_arrives_as_sent_and_early_close_closes_the_connection() -> None:
    more = asyncio.Event()
    release = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head, _ = await _read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n")
            await writer.drain()
            if b"/finite" in head:
                await more.wait()
                writer.write(b"6\r\nsecond\r\n0\r\n\r\n")
                continue
            await release.wait()  # an endless stream (a watch)

    async def main() -> None:
        async with Server(handler) as srv:
            t = HTTPTransport()
            resp = await t.stream(srv.origin, srv.request("/finite"))
            assert resp.status == 200
            assert resp.header("transfer-encoding") == "chunked"
            chunks = resp.__aiter__()
            assert await chunks.__anext__() == b"first"  # before the rest was even sent
            more.set()
            assert [c async for c in chunks] == [b"second"]
            assert t.open_connections == 1  # read to the end: back in the pool
            endless = await t.stream(srv.origin, srv.request("/watch"))
            it = endless.__aiter__()
            assert await it.__anext__() == b"first"
            await endless.aclose()
            assert t.open_connections == 0  # closed early: the connection is gone
            resp = await t.stream(srv.origin, srv.request("/finite"))
            assert await resp.read() == b"firstsecond"
            assert t.connects == 2
            release.set()
            await t.aclose()

    asyncio.run(main())


def test_idle_connection_closed_by_the_server_is_replaced() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(_answer(b"once"))
        await writer.drain()
        # ... and the server closes the keep-alive connection right after.

    async def main() -> None:
        async with Server(handler) as srv:
            t = HTTPTransport()
            for _ in range(3):
                assert (await t.request(srv.origin, srv.request())).body == b"once"
                for _ in range(100):  # the close reaches the idle connection's reader
                    if t.open_connections == 1 and not any(
                        c.usable for idle in t._idle.values() for c in idle
                    ):
                        break
                    await asyncio.sleep(0.001)
            assert t.connects == 3
            await t.aclose()

    asyncio.run(main())


def test_reused_connection_closed_under_the_request_is_retried_once() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(_answer(b"ok"))
        await writer.drain()
        with contextlib.suppress(asyncio.IncompleteReadError):
            await _read_request(reader)  # the second request on this connection ...
        writer.transport.abort()  # ... is dropped without an answer

    async def main() -> None:
        async with Server(handler) as srv:
            t = HTTPTransport()
            assert (await t.request(srv.origin, srv.request())).body == b"ok"
            assert (await t.request(srv.origin, srv.request())).body == b"ok"
            assert t.connects == 2
            await t.aclose()

    asyncio.run(main())


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        pytest.param(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort", "closed", id="cut"),
        pytest.param(b"NOT HTTP AT ALL\r\n\r\n", "malformed response", id="garbage"),
        pytest.param(b"", "closed", id="no-answer"),
    ],
)
def test_broken_answers_are_protocol_errors(answer: bytes, match: str) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(answer)
        await writer.drain()
        writer.close()

    async def main() -> None:
        async with Server(handler) as srv:
            t = HTTPTransport()
            with pytest.raises(RemoteProtocolError, match=match):
                await t.request(srv.origin, srv.request())
            assert (t.connects, t.open_connections) == (1, 0)  # a new connection: no retry
            await t.aclose()

    asyncio.run(main())


def test_read_timeout() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head, _ = await _read_request(reader)
        if b"/slow-body" in head:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nab")
        await asyncio.Event().wait()  # nothing more

    async def main() -> None:
        async with Server(handler) as srv:
            t = HTTPTransport()
            with pytest.raises(ReadTimeout):
                await t.request(srv.origin, srv.request("/silent"), read_timeout=0.05)
            with pytest.raises(ReadTimeout):
                await t.request(srv.origin, srv.request("/slow-body"), read_timeout=0.05)
            assert t.open_connections == 0
            await t.aclose()

    asyncio.run(main())


def test_connection_limit_makes_callers_wait_then_times_out() -> None:
    async def main() -> None:
        async with Server(_echo) as srv:
            t = HTTPTransport(max_connections=2, pool_timeout=0.05)
            results = await asyncio.gather(
                *(t.request(srv.origin, srv.request(f"/{i}")) for i in range(20))
            )
            assert [r.body for r in results] == [f"/{i}|".encode() for i in range(20)]
            assert t.connects <= 2
            held = [await t.stream(srv.origin, srv.request("/a")) for _ in range(2)]
            with pytest.raises(PoolTimeout):
                await t.request(srv.origin, srv.request())
            for h in held:
                await h.read()
            assert (await t.request(srv.origin, srv.request("/z"))).body == b"/z|"
            await t.aclose()

    asyncio.run(main())


def test_refused_connection_is_a_connect_error() -> None:
    async def main() -> None:
        with contextlib.closing(socket.socket()) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        t = HTTPTransport()
        with pytest.raises(ConnectError, match="Connection refused"):
            await t.request(("http", "127.0.0.1", port), b"GET / HTTP/1.1\r\n\r\n")
        assert t.open_connections == 0
        await t.aclose()

    asyncio.run(main())


def test_origin_and_host_header() -> None:
    assert origin_of("https://127.0.0.1:6443/prefix") == ("https", "127.0.0.1", 6443)
    assert origin_of("http://localhost") == ("http", "localhost", 80)
    assert origin_of("HTTPS://[::1]") == ("https", "::1", 443)
    assert host_header(("https", "::1", 443)) == "[::1]"
    assert host_header(("https", "::1", 6443)) == "[::1]:6443"
    assert host_header(("http", "example.test", 8080)) == "example.test:8080"
    with pytest.raises(ValueError, match="http"):
        origin_of("ftp://example.test")
    with pytest.raises(ValueError, match="http"):
        origin_of("127.0.0.1:6443")
    with pytest.raises(ValueError, match="max_connections"):
        HTTPTransport(max_connections=0)
