"""A lean HTTP/1.1 client transport: keep-alive connections on non-blocking sockets, TLS by
the ``ssl`` module's C code, responses parsed by ``httptools`` (the C parser uvicorn uses).

Why: a control-plane client sends small requests at high rates (a scheduler binds thousands of
pods per second). ``httpx`` spends ~0.25 ms building each request and its default transport
(httpcore on anyio, TLS through asyncio's pure-Python ``sslproto``) several times more again;
here a request is one ``send`` of prebuilt bytes and a response is parsed in one reader callback,
so the client's CPU per request is a small fraction of that, on the standard asyncio loop and
on uvloop alike.

Contract
--------
* :meth:`HTTPTransport.request` sends one HTTP/1.1 request (the caller provides the request
  line and headers, see :func:`build_head`) and returns the whole :class:`Response`;
  :meth:`HTTPTransport.stream` returns once the response head arrived and hands out the body
  as it comes (a watch is an endless body). Chunked transfer encoding is decoded.
* A connection is reused once its response was read to the end and the server allows
  keep-alive; a streamed response closed early closes its connection. Idle connections are
  watched, so one the server closed is dropped before it is handed out again.
* At most ``max_connections`` connections are open (watches hold one each for their life);
  callers wait for a slot, up to ``pool_timeout``.
* A request that fails on a reused connection before any byte of the answer arrived is sent
  again once on a new connection (the server closed the idle connection meanwhile); nothing
  else is retried.
* Timeouts: ``connect_timeout`` bounds connecting (TCP and TLS handshake); ``read_timeout``
  bounds each wait for more of the answer (reset whenever bytes arrive, as ``httpx``'s read
  timeout is), ``None`` waits forever.
* Failures raise :class:`TransportError` subclasses: :class:`ConnectError`,
  :class:`ConnectTimeout`, :class:`ReadTimeout`, :class:`PoolTimeout`, :class:`ReadError`,
  :class:`WriteError`, :class:`RemoteProtocolError`.
* Everything runs on one event loop, which must support ``add_reader``/``add_writer`` (every
  selector loop and uvloop; not Windows' proactor loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
from collections import deque
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

import httptools

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = [
    "ConnectError",
    "ConnectTimeout",
    "HTTPTransport",
    "Origin",
    "PoolTimeout",
    "ReadError",
    "ReadTimeout",
    "RemoteProtocolError",
    "Response",
    "StreamedResponse",
    "TransportError",
    "TransportTimeout",
    "WriteError",
    "build_head",
    "origin_of",
]

Origin = tuple[str, str, int]
"""``(scheme, host, port)`` of a server."""

_RECV: Final = 262_144
_HEAD: Final = 0
_CHUNK: Final = 1
_COMPLETE: Final = 2
_WRITE_CHUNK: Final = 1 << 20


class TransportError(Exception):
    """The request could not be completed at the HTTP level."""


class TransportTimeout(TransportError):
    """A timeout passed (connecting, waiting for a connection slot or for the answer)."""


class ConnectError(TransportError):
    """The server could not be reached (refused, unresolvable, TLS verification failed...)."""


class ConnectTimeout(TransportTimeout):
    """Connecting (TCP and TLS handshake) took longer than the connect timeout."""


class PoolTimeout(TransportTimeout):
    """No connection slot became free within the pool timeout."""


class ReadTimeout(TransportTimeout):
    """No byte of the answer arrived within the read timeout."""


class ReadError(TransportError):
    """Reading the answer failed (connection reset...)."""


class WriteError(TransportError):
    """Sending the request failed."""


class RemoteProtocolError(TransportError):
    """The server closed the connection early or answered something that is not HTTP/1.1."""


def origin_of(url: str) -> Origin:
    """``(scheme, host, port)`` of an ``http(s)://host[:port]`` URL (default ports filled in)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        msg = f"expected an http(s)://host[:port] URL, got {url!r}"
        raise ValueError(msg)
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, parts.hostname, port


def host_header(origin: Origin) -> str:
    """The ``Host`` header value for ``origin`` (the port only when it is not the default)."""
    scheme, host, port = origin
    shown = f"[{host}]" if ":" in host else host
    if port == (443 if scheme == "https" else 80):
        return shown
    return f"{shown}:{port}"


def build_head(method: str, target: str, headers: bytes) -> bytes:
    """The request line plus ``headers`` (``b"Name: value\\r\\n"`` lines, the blank line
    included by the caller)."""
    return b"%s %s HTTP/1.1\r\n%s" % (method.encode("ascii"), target.encode("ascii"), headers)


class Response:
    """A complete answer: status, raw header pairs (names lower-cased) and the body."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        key = name.lower().encode("latin-1")
        for k, v in self.headers:
            if k == key:
                return v.decode("latin-1")
        return None


class _Conn:
    """One HTTP/1.1 connection: a non-blocking (TLS) socket, its reader callback and parser.

    The reader callback stays registered for the connection's whole life, so an idle
    connection notices when the server closes it. At most one request is in flight.
    """

    __slots__ = (
        "_body",
        "_last_rx",
        "_read_timeout",
        "_timer",
        "_waiter",
        "_want",
        "busy",
        "closed",
        "complete",
        "error",
        "got_bytes",
        "headers",
        "headers_done",
        "keep_alive",
        "loop",
        "origin",
        "parser",
        "sock",
        "status",
        "tls",
    )

    def __init__(
        self, loop: asyncio.AbstractEventLoop, origin: Origin, sock: socket.socket, tls: bool
    ) -> None:
        self.loop = loop
        self.origin = origin
        self.sock = sock
        self.tls = tls
        self.parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        # _body: body bytes received and not yet handed out.
        self._body: deque[bytes] = deque()
        self.headers_done = False
        self.complete = False
        self.keep_alive = False
        self.got_bytes = False
        # busy: a request is in flight (bytes arriving on an idle connection close it).
        self.busy = False
        # closed: the socket is closed (or the peer closed it); error: why the exchange failed.
        self.closed = False
        self.error: TransportError | None = None
        # _waiter: the request's task waits on it for what _want names (_HEAD, _CHUNK or
        # _COMPLETE); _read_timeout/_last_rx/_timer: the read timeout while waiting.
        self._waiter: asyncio.Future[None] | None = None
        self._want = _COMPLETE
        self._read_timeout: float | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._last_rx = 0.0
        loop.add_reader(sock.fileno(), self._on_readable)

    # -- httptools callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.headers = []

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self.headers_done = True
        self.status = self.parser.get_status_code()
        self.keep_alive = bool(self.parser.should_keep_alive())

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        self.complete = True

    # -- reading ------------------------------------------------------------------------------

    def _on_readable(self) -> None:
        sock = self.sock
        if not self.busy:
            # Idle: TLS records without data (session tickets) are fine; an EOF, an error or
            # bytes nobody asked for end the connection.
            try:
                sock.recv(_RECV)
            except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                return
            except (OSError, ssl.SSLError):
                pass
            self._fail(RemoteProtocolError("the server closed the connection"))
            return
        tls = self.tls
        got = False
        while True:
            try:
                data = sock.recv(_RECV)
            except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                break
            except InterruptedError:
                continue
            except (OSError, ssl.SSLError) as err:
                self._fail(ReadError(str(err) or type(err).__name__))
                return
            if not data:
                self._fail(RemoteProtocolError("the server closed the connection"))
                return
            got = True
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserUpgrade:
                pass
            except httptools.HttpParserError as err:
                self._fail(RemoteProtocolError(f"malformed response: {err}"))
                return
            if not tls and len(data) < _RECV:
                break
        if got:
            self.got_bytes = True
            if self._read_timeout is not None:
                self._last_rx = self.loop.time()
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                want = self._want
                if (
                    self.complete
                    or (want == _HEAD and self.headers_done)
                    or (want == _CHUNK and self._body)
                ):
                    waiter.set_result(None)

    def _fail(self, err: TransportError) -> None:
        if self.error is None and not (self.complete and isinstance(err, RemoteProtocolError)):
            self.error = err
        self.close()
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _wait(self, want: int, timeout: float | None) -> None:
        """Wait until the reader callback delivered what ``want`` names, or failed."""
        loop = self.loop
        waiter = loop.create_future()
        self._waiter = waiter
        self._want = want
        handle = None
        if timeout is not None:
            self._read_timeout = timeout
            self._last_rx = loop.time()
            handle = loop.call_at(self._last_rx + timeout, self._check_timeout, waiter)
            self._timer = handle
        try:
            await waiter
        finally:
            self._waiter = None
            self._read_timeout = None
            if handle is not None:
                timer, self._timer = self._timer, None
                if timer is not None:
                    timer.cancel()

    def _check_timeout(self, waiter: asyncio.Future[None]) -> None:
        self._timer = None
        if waiter.done() or self._read_timeout is None:
            return
        due = self._last_rx + self._read_timeout
        if self.loop.time() < due:
            self._timer = self.loop.call_at(due, self._check_timeout, waiter)
            return
        self.error = ReadTimeout("timed out reading the response")
        self.close()
        waiter.set_result(None)

    async def read_head(self, timeout: float | None) -> None:
        """Wait for the response head (raises the connection's error)."""
        while not self.headers_done:
            if self.error is not None:
                raise self.error
            await self._wait(_HEAD, timeout)

    async def read_all(self, timeout: float | None) -> bytes:
        """Wait for the end of the response and return its (whole) body."""
        while not self.complete:
            if self.error is not None:
                raise self.error
            await self._wait(_COMPLETE, timeout)
        body = b"".join(self._body)
        self._body.clear()
        return body

    async def next_chunk(self, timeout: float | None) -> bytes | None:
        """The next body bytes of a streamed response, ``None`` at its end."""
        while True:
            body = self._body
            if body:
                if len(body) == 1:
                    return body.popleft()
                data = b"".join(body)
                body.clear()
                return data
            if self.complete:
                return None
            if self.error is not None:
                raise self.error
            await self._wait(_CHUNK, timeout)

    # -- writing ------------------------------------------------------------------------------

    def start(self) -> None:
        self.busy = True
        self.got_bytes = False
        self.headers_done = False
        self.complete = False
        self.status = 0
        self._body.clear()

    async def send(self, data: bytes) -> None:
        """Send ``data`` completely (raises :class:`WriteError` or the connection's error)."""
        view = memoryview(data)
        sock = self.sock
        while view:
            if self.closed:
                raise self.error or WriteError("the connection is closed")
            try:
                n = sock.send(view[:_WRITE_CHUNK])
            except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                await self._writable()
                continue
            except InterruptedError:
                continue
            except (OSError, ssl.SSLError) as err:
                self.close()
                raise WriteError(str(err) or type(err).__name__) from err
            view = view[n:]

    async def _writable(self) -> None:
        loop = self.loop
        fut = loop.create_future()
        fd = self.sock.fileno()
        loop.add_writer(fd, _resolve, fut)
        try:
            await fut
        finally:
            with contextlib.suppress(Exception):
                loop.remove_writer(fd)

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def usable(self) -> bool:
        return not self.closed and self.error is None

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            self.loop.remove_reader(self.sock.fileno())
        with contextlib.suppress(Exception):
            self.sock.close()


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


class StreamedResponse:
    """An answer whose body is read as it arrives (``async for chunk in response``).

    Close it (:meth:`aclose`, or ``async with``) when done: a body read to its end gives the
    connection back to the pool, one closed early closes the connection.
    """

    def __init__(self, transport: HTTPTransport, conn: _Conn, read_timeout: float | None) -> None:
        self._transport = transport
        self._conn: _Conn | None = conn
        self._timeout = read_timeout
        self.status = conn.status
        self.headers = conn.headers

    def header(self, name: str) -> str | None:
        key = name.lower().encode("latin-1")
        for k, v in self.headers:
            if k == key:
                return v.decode("latin-1")
        return None

    async def __aenter__(self) -> StreamedResponse:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        conn = self._conn
        if conn is None:
            return
        try:
            while True:
                data = await conn.next_chunk(self._timeout)
                if data is None:
                    break
                yield data
        except BaseException:
            self._release(reuse=False)
            raise
        self._release(reuse=conn.keep_alive)

    async def read(self) -> bytes:
        """The rest of the body."""
        conn = self._conn
        if conn is None:
            return b""
        try:
            body = await conn.read_all(self._timeout)
        except BaseException:
            self._release(reuse=False)
            raise
        self._release(reuse=conn.keep_alive)
        return body

    async def aclose(self) -> None:
        conn = self._conn
        if conn is not None:
            self._release(reuse=conn.complete and not conn._body and conn.keep_alive)

    def _release(self, *, reuse: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._transport._release(conn, reuse=reuse)


class HTTPTransport:
    """A pool of HTTP/1.1 keep-alive connections (see the module docstring).

    Parameters
    ----------
    verify
        An ``SSLContext`` (e.g. from a kubeconfig, with its CA and client certificate), ``True``
        for the system CAs or ``False`` to skip verification.
    max_connections
        Connections open at once, over all origins.
    connect_timeout, pool_timeout
        Seconds to connect (TCP and TLS) and to wait for a free connection slot.
    """

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        max_connections: int = 100,
        connect_timeout: float | None = 30.0,
        pool_timeout: float | None = 30.0,
    ) -> None:
        if max_connections < 1:
            msg = f"max_connections must be >= 1, got {max_connections}"
            raise ValueError(msg)
        if isinstance(verify, ssl.SSLContext):
            self._ssl: ssl.SSLContext = verify
        else:
            self._ssl = ssl.create_default_context()
            if not verify:
                self._ssl.check_hostname = False
                self._ssl.verify_mode = ssl.CERT_NONE
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.pool_timeout = pool_timeout
        # _idle: connections with no request in flight, by origin (most recently used last).
        self._idle: dict[Origin, list[_Conn]] = {}
        # _open: connections open (idle or busy); never above max_connections.
        self._open = 0
        self._slot_freed: asyncio.Event | None = None
        self._closed = False
        self.connects = 0  # connections made (for tests and metrics)

    # -- requests -----------------------------------------------------------------------------

    async def request(
        self,
        origin: Origin,
        data: bytes,
        *,
        read_timeout: float | None = 30.0,
        server_hostname: str | None = None,
    ) -> Response:
        """Send ``data`` (a whole request: head and body) and return the whole answer."""
        conn = await self._exchange(origin, data, read_timeout, server_hostname)
        try:
            body = await conn.read_all(read_timeout)
        except BaseException:
            self._release(conn, reuse=False)
            raise
        resp = Response(conn.status, conn.headers, body)
        self._release(conn, reuse=conn.keep_alive)
        return resp

    async def stream(
        self,
        origin: Origin,
        data: bytes,
        *,
        read_timeout: float | None = None,
        server_hostname: str | None = None,
    ) -> StreamedResponse:
        """Send ``data`` and return once the answer's head arrived; the body streams."""
        conn = await self._exchange(origin, data, read_timeout, server_hostname)
        return StreamedResponse(self, conn, read_timeout)

    async def _exchange(
        self,
        origin: Origin,
        data: bytes,
        read_timeout: float | None,
        server_hostname: str | None,
    ) -> _Conn:
        if self._closed:
            msg = "the transport is closed"
            raise ConnectError(msg)
        for attempt in (0, 1):
            conn, reused = await self._acquire(origin, server_hostname)
            conn.start()
            try:
                await conn.send(data)
                await conn.read_head(read_timeout)
            except TransportError:
                self._release(conn, reuse=False)
                if reused and attempt == 0 and not conn.got_bytes:
                    continue  # the server had closed the idle connection: a fresh one
                raise
            except BaseException:
                self._release(conn, reuse=False)
                raise
            return conn
        raise ReadError("unreachable")  # pragma: no cover - the loop returns or raises

    # -- the pool -----------------------------------------------------------------------------

    def _pop_idle(self, origin: Origin) -> _Conn | None:
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            if conn.usable:
                return conn
            self._release(conn, reuse=False)
        return None

    async def _acquire(self, origin: Origin, server_hostname: str | None) -> tuple[_Conn, bool]:
        conn = self._pop_idle(origin)
        if conn is not None:
            return conn, True
        while self._open >= self.max_connections:
            if self._slot_freed is None:
                self._slot_freed = asyncio.Event()
            self._slot_freed.clear()
            try:
                async with asyncio.timeout(self.pool_timeout):
                    await self._slot_freed.wait()
            except TimeoutError as err:
                msg = f"no connection became free within {self.pool_timeout}s"
                raise PoolTimeout(msg) from err
            conn = self._pop_idle(origin)
            if conn is not None:
                return conn, True
        self._open += 1
        try:
            conn = await self._connect(origin, server_hostname)
        except BaseException:
            self._open -= 1
            self._notify()
            raise
        self.connects += 1
        return conn, False

    async def _connect(self, origin: Origin, server_hostname: str | None) -> _Conn:
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):
                sock = await _open_socket(loop, host, port)
                tls = scheme == "https"
                if tls:
                    sock = await _handshake(loop, sock, self._ssl, server_hostname or host)
        except TimeoutError as err:
            msg = f"connecting to {host}:{port} timed out"
            raise ConnectTimeout(msg) from err
        except ssl.SSLError as err:
            msg = f"cannot connect to {host}:{port}: {err}"
            raise ConnectError(msg) from err
        except OSError as err:
            reason = os.strerror(err.errno) if err.errno else str(err)
            msg = f"cannot connect to {host}:{port}: {reason}"
            raise ConnectError(msg) from err
        return _Conn(loop, origin, sock, tls)

    def _release(self, conn: _Conn, *, reuse: bool) -> None:
        conn.busy = False
        if reuse and not self._closed and conn.usable and conn.complete:
            self._idle.setdefault(conn.origin, []).append(conn)
        else:
            conn.close()
            self._open -= 1
        self._notify()

    def _notify(self) -> None:
        if self._slot_freed is not None:
            self._slot_freed.set()

    @property
    def open_connections(self) -> int:
        """Connections open now (idle or busy)."""
        return self._open

    async def aclose(self) -> None:
        """Close the idle connections and refuse new requests (busy ones close when done)."""
        self._closed = True
        conns = [c for idle in self._idle.values() for c in idle]
        self._idle.clear()
        for c in conns:
            c.close()
            self._open -= 1
        self._notify()


async def _open_socket(loop: asyncio.AbstractEventLoop, host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except socket.gaierror:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    last: OSError | None = None
    for family, type_, proto, _, addr in infos:
        sock = socket.socket(family, type_, proto)
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            await loop.sock_connect(sock, addr)
        except OSError as err:
            sock.close()
            last = err
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    raise last or OSError(f"no address found for {host}")


async def _handshake(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, ctx: ssl.SSLContext, hostname: str
) -> socket.socket:
    try:
        ssock = ctx.wrap_socket(sock, server_hostname=hostname, do_handshake_on_connect=False)
    except BaseException:
        sock.close()
        raise
    fd = ssock.fileno()
    try:
        while True:
            try:
                ssock.do_handshake()
            except ssl.SSLWantReadError:
                await _wait_fd(loop, fd, write=False)
            except ssl.SSLWantWriteError:
                await _wait_fd(loop, fd, write=True)
            else:
                return ssock
    except BaseException:
        ssock.close()
        raise


async def _wait_fd(loop: asyncio.AbstractEventLoop, fd: int, *, write: bool) -> None:
    fut: asyncio.Future[None] = loop.create_future()
    if write:
        loop.add_writer(fd, _resolve, fut)
    else:
        loop.add_reader(fd, _resolve, fut)
    try:
        await fut
    finally:
        if write:
            loop.remove_writer(fd)
        else:
            loop.remove_reader(fd)
