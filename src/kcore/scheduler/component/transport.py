"""A lean HTTP/1.1 transport for ``httpx``: keep-alive connections on asyncio streams, responses
parsed by ``httptools`` (the C parser uvicorn uses).

Why: the scheduler's hot path over HTTP is one binding request per pod plus watch events.
With httpx's default transport (httpcore on anyio) a request costs the client about 0.7 ms of
CPU, and httpcore's pool re-scans every connection for every queued request, so more
concurrent binders make each request dearer. This transport costs a fraction of that and
its cost does not grow with concurrency. It plugs into
:class:`~kcore.client.http.HTTPClient` through its public ``transport=`` parameter, so the
client's semantics (errors, retries, QPS, watches) are unchanged.

Contract (what ``httpx`` expects of an ``AsyncBaseTransport``):

* requests go out as HTTP/1.1 with the headers httpx prepared (``Host``, ``Content-Length``,
  authorisation); responses are returned as soon as their head arrived, the body streams
  (a watch is an endless body);
* a connection is reused once its response was read to the end and the server allows
  keep-alive; a response closed early (e.g. a stopped watch) closes its connection;
* at most ``max_connections`` connections are open (callers wait for a slot);
* a request that fails on a reused connection before any response byte arrived is retried
  once on a new connection (the server closed the idle connection); nothing else is retried;
* failures raise httpx's exceptions: ``ConnectError``, ``ConnectTimeout``, ``ReadTimeout``,
  ``WriteError``, ``ReadError``, ``RemoteProtocolError``, so callers map them as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import deque
from typing import TYPE_CHECKING

import httptools
import httpx

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = ["AsyncioTransport"]

_Origin = tuple[str, str, int]
_READ_SIZE = 65536


class _Connection:
    """One HTTP/1.1 connection and its response parser (``httptools`` callbacks)."""

    __slots__ = (
        "chunks",
        "complete",
        "got_bytes",
        "headers",
        "headers_done",
        "keep_alive",
        "parser",
        "reader",
        "status",
        "writer",
    )

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.parser = httptools.HttpResponseParser(self)
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: deque[bytes] = deque()
        self.status = 0
        self.headers_done = False
        self.complete = False
        self.keep_alive = False
        self.got_bytes = False

    # -- httptools callbacks
    def on_message_begin(self) -> None:
        self.headers = []
        self.headers_done = False
        self.complete = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.headers_done = True
        self.status = self.parser.get_status_code()
        self.keep_alive = bool(self.parser.should_keep_alive())

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.complete = True

    # -- I/O
    async def feed(self, timeout: float | None) -> None:
        """Read once from the socket and parse; raises httpx errors."""
        try:
            if timeout is None:
                data = await self.reader.read(_READ_SIZE)
            else:
                async with asyncio.timeout(timeout):
                    data = await self.reader.read(_READ_SIZE)
        except TimeoutError as err:
            raise httpx.ReadTimeout("timed out reading the response") from err
        except (ConnectionError, OSError) as err:
            raise httpx.ReadError(str(err) or type(err).__name__) from err
        if not data:
            raise httpx.RemoteProtocolError("the server closed the connection")
        self.got_bytes = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as err:
            raise httpx.RemoteProtocolError(f"malformed response: {err}") from err

    def start(self) -> None:
        self.got_bytes = False
        self.chunks.clear()
        self.complete = False
        self.headers_done = False

    def close(self) -> None:
        self.writer.close()

    @property
    def usable(self) -> bool:
        return not self.writer.is_closing() and not self.reader.at_eof()


class _Body(httpx.AsyncByteStream):
    """A response body read from its connection as the caller consumes it."""

    def __init__(
        self,
        transport: AsyncioTransport,
        origin: _Origin,
        conn: _Connection,
        read_timeout: float | None,
    ) -> None:
        self._transport = transport
        self._origin = origin
        self._conn: _Connection | None = conn
        self._timeout = read_timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        conn = self._conn
        if conn is None:
            return
        try:
            while True:
                while conn.chunks:
                    yield conn.chunks.popleft()
                if conn.complete:
                    break
                await conn.feed(self._timeout)
        except BaseException:
            self._release(reuse=False)
            raise
        self._release(reuse=conn.keep_alive)

    async def aclose(self) -> None:
        conn = self._conn
        if conn is not None:
            self._release(reuse=conn.complete and not conn.chunks and conn.keep_alive)

    def _release(self, *, reuse: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._transport._release(self._origin, conn, reuse=reuse)


class AsyncioTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over asyncio streams (see the module docstring).

    Parameters
    ----------
    verify
        An ``SSLContext`` (e.g. from the kubeconfig), ``True`` for the system CAs or
        ``False`` to skip verification.
    max_connections
        Connections open at once (watches hold one each for their lifetime).
    """

    def __init__(self, *, verify: ssl.SSLContext | bool = True, max_connections: int = 128) -> None:
        if isinstance(verify, ssl.SSLContext):
            self._ssl: ssl.SSLContext = verify
        else:
            self._ssl = ssl.create_default_context()
            if not verify:
                self._ssl.check_hostname = False
                self._ssl.verify_mode = ssl.CERT_NONE
        self.max_connections = max_connections
        # _idle: connections with no request in flight, by origin (most recently used last).
        self._idle: dict[_Origin, list[_Connection]] = {}
        # _open: connections open (idle or busy); bounded by max_connections.
        self._open = 0
        self._slot_freed: asyncio.Event | None = None
        self._closed = False
        self.connects = 0  # counter for tests

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise httpx.ConnectError("the transport is closed")
        url = request.url
        https = url.scheme == "https"
        origin = (url.scheme, url.host, url.port or (443 if https else 80))
        timeouts: dict[str, float | None] = request.extensions.get("timeout") or {}
        body = await request.aread()
        head = [request.method.encode(), b" ", url.raw_path, b" HTTP/1.1\r\n"]
        for name, value in request.headers.raw:
            head += [name, b": ", value, b"\r\n"]
        head.append(b"\r\n")
        data = b"".join(head) + body
        sni = request.extensions.get("sni_hostname")
        for attempt in (0, 1):
            conn, reused = await self._acquire(origin, sni, timeouts.get("connect"), timeouts)
            conn.start()
            try:
                conn.writer.write(data)
                if conn.writer.transport.get_write_buffer_size() > _READ_SIZE:
                    await conn.writer.drain()
                while not conn.headers_done:
                    await conn.feed(timeouts.get("read"))
            except (httpx.RemoteProtocolError, httpx.ReadError, ConnectionError, OSError) as err:
                self._release(origin, conn, reuse=False)
                if reused and attempt == 0 and not conn.got_bytes:
                    continue  # the server had closed the idle connection: a fresh one
                if isinstance(err, httpx.HTTPError):
                    raise
                raise httpx.WriteError(str(err) or type(err).__name__) from err
            except BaseException:
                self._release(origin, conn, reuse=False)
                raise
            return httpx.Response(
                conn.status,
                headers=conn.headers,
                stream=_Body(self, origin, conn, timeouts.get("read")),
                extensions={"http_version": b"HTTP/1.1"},
            )
        raise httpx.ReadError("unreachable")  # pragma: no cover - the loop returns or raises

    async def _acquire(
        self,
        origin: _Origin,
        sni: str | None,
        connect_timeout: float | None,
        timeouts: dict[str, float | None],
    ) -> tuple[_Connection, bool]:
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            if conn.usable:
                return conn, True
            self._release(origin, conn, reuse=False)
        while self._open >= self.max_connections:
            if self._slot_freed is None:
                self._slot_freed = asyncio.Event()
            self._slot_freed.clear()
            pool = timeouts.get("pool")
            try:
                async with asyncio.timeout(pool):
                    await self._slot_freed.wait()
            except TimeoutError as err:
                raise httpx.PoolTimeout("no connection available") from err
            idle = self._idle.get(origin)
            if idle:
                conn = idle.pop()
                if conn.usable:
                    return conn, True
                self._release(origin, conn, reuse=False)
        self._open += 1
        scheme, host, port = origin
        try:
            async with asyncio.timeout(connect_timeout):
                reader, writer = await asyncio.open_connection(
                    host,
                    port,
                    ssl=self._ssl if scheme == "https" else None,
                    server_hostname=(sni or host) if scheme == "https" else None,
                    limit=_READ_SIZE * 4,
                )
        except TimeoutError as err:
            self._open -= 1
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out") from err
        except (OSError, ssl.SSLError) as err:
            self._open -= 1
            self._notify()
            raise httpx.ConnectError(f"cannot connect to {host}:{port}: {err}") from err
        self.connects += 1
        return _Connection(reader, writer), False

    def _release(self, origin: _Origin, conn: _Connection, *, reuse: bool) -> None:
        if reuse and not self._closed and conn.usable:
            self._idle.setdefault(origin, []).append(conn)
        else:
            conn.close()
            self._open -= 1
        self._notify()

    def _notify(self) -> None:
        if self._slot_freed is not None:
            self._slot_freed.set()

    async def aclose(self) -> None:
        self._closed = True
        conns = [c for idle in self._idle.values() for c in idle]
        self._idle.clear()
        for c in conns:
            c.close()
            self._open -= 1
        for c in conns:
            with contextlib.suppress(Exception):
                await c.writer.wait_closed()
