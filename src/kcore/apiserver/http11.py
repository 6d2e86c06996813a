"""A lean HTTP/1.1 server for the APIServer's ASGI application.

Why not uvicorn: per request, uvicorn builds a task, a flow-control object and an event,
and writes the response head and body in two ``transport.write`` calls (two TLS records,
two ``send`` system calls); that costs about as much CPU as the APIServer's own handling of
a GET. This server speaks the same HTTP/1.1 and the same ASGI ``http`` scope to the app
(uvicorn's semantics, listed below), parsed by the same ``httptools``, but:

* runs a request's app coroutine **eagerly** inside the protocol callback: a request whose
  body has arrived and whose app never suspends (every GET, create, update... of a store that
  answers synchronously) is answered without creating a task; only when the app suspends
  (a watch, a wait for a group commit, a slow body) does a task take over, from that point on;
* sends a response's head and body in one write, and coalesces the chunks of a streamed
  response (watch events) that are sent during one turn of the event loop into one write;
* reaps idle keep-alive connections from one server timer instead of one timer per request.

Semantics kept from uvicorn (``httptools_impl``): keep-alive (HTTP/1.0 only with
``Connection: keep-alive``), pipelined requests answered in order, ``Expect: 100-continue``,
request bodies streamed to ``receive()`` with read pausing above 64 KiB, write backpressure
(``send()`` waits while the transport's buffer is full), ``http.disconnect`` once the client
went away or the response is complete, ``Content-Length`` or chunked framing chosen from the
app's headers, ``HEAD``/204/304 without a body, a ``date`` header, ``connection: close`` when
the connection will close, ``400 Invalid HTTP request received.`` for unparseable requests
(and ``431`` for heads over 64 KiB), ``500 Internal Server Error`` when the app fails before
answering, a closed connection when it fails after, upgrades (WebSocket, SPDY) answered as
plain HTTP (the app refuses them) and the connection then closed, idle connections closed
after ``keep_alive_timeout`` seconds, and a graceful shutdown (stop listening, close idle
connections, let answers in progress finish for ``timeout`` seconds, then cancel).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import http
import logging
import re
import urllib.parse
from collections import deque
from typing import TYPE_CHECKING, Any, Final

import httptools

if TYPE_CHECKING:
    import socket
    import ssl
    from collections.abc import Awaitable, Callable, Coroutine, Generator

    from kcore.util.clock import Clock

    ASGIApp = Callable[
        [dict[str, Any], Callable[[], Awaitable[dict[str, Any]]], Callable[..., Awaitable[None]]],
        Coroutine[Any, Any, None],
    ]

__all__ = ["HTTPServer"]

log = logging.getLogger("kcore.apiserver.http")

_HIGH_WATER: Final = 65_536  # request body bytes buffered before reading pauses
_MAX_HEAD: Final = 65_536  # request line plus headers
_FLUSH_AT: Final = 65_536  # streamed bytes buffered before they are written at once
_HEADER_NAME_RE: Final = re.compile(b'[\x00-\x1f\x7f()<>@,;:\\[\\]={} \t\\\\"]')
_HEADER_VALUE_RE: Final = re.compile(b"[\x00-\x08\x0a-\x1f\x7f]")
_ASGI: Final = {"version": "3.0", "spec_version": "2.3"}


def _status_line(code: int) -> bytes:
    try:
        phrase = http.HTTPStatus(code).phrase.encode()
    except ValueError:
        phrase = b""
    return b"HTTP/1.1 %d %s\r\n" % (code, phrase)


_STATUS_LINES: Final = {code: _status_line(code) for code in range(100, 600)}
# Checked and encoded response header lines, by (name, value) as the app sends them.
_HEADER_LINES: dict[tuple[bytes, bytes], bytes] = {}
_INTERNAL_ERROR: Final = b"Internal Server Error"


class _Resume:
    """Continue a coroutine that already ran its first step (and suspended on ``first``)
    inside a task: ``await _Resume(coro, first)`` is ``await coro`` from where it stopped."""

    __slots__ = ("_coro", "_first")

    def __init__(self, coro: Coroutine[Any, Any, Any], first: Any) -> None:
        self._coro = coro
        self._first = first

    def __await__(self) -> Generator[Any, Any, Any]:
        coro = self._coro
        yielded = self._first
        if asyncio.isfuture(yielded):
            # Several coroutines may have suspended on the same future (a group commit) in
            # their eager steps; each task that takes one over must see it as "blocking".
            if yielded.done():
                try:
                    yielded = coro.send(None)
                except StopIteration as stop:
                    return stop.value
            elif hasattr(yielded, "_asyncio_future_blocking"):
                yielded._asyncio_future_blocking = True
        while True:
            try:
                sent = yield yielded
            except BaseException as err:  # thrown in by the task (cancellation): pass it on
                try:
                    yielded = coro.throw(err)
                except StopIteration as stop:
                    return stop.value
                continue
            try:
                yielded = coro.send(sent)
            except StopIteration as stop:
                return stop.value


class _Exchange:
    """One request and its response (uvicorn's ``RequestResponseCycle``)."""

    __slots__ = (
        "body",
        "body_done",
        "body_size",
        "chunked",
        "complete",
        "conn",
        "expect_100",
        "head",
        "keep_alive",
        "length",
        "more_body",
        "scope",
        "started",
        "waiter",
    )

    def __init__(
        self, conn: _Connection, scope: dict[str, Any], keep_alive: bool, expect_100: bool
    ) -> None:
        self.conn = conn
        self.scope = scope
        self.keep_alive = keep_alive
        self.expect_100 = expect_100
        # Request body: parts received and not yet handed out; more_body until the message
        # ended; body_done once the last part was handed out (later receive() calls wait).
        self.body: list[bytes] = []
        self.body_size = 0
        self.more_body = True
        self.body_done = False
        self.waiter: asyncio.Future[None] | None = None
        # Response: started after http.response.start; head: the status line and headers
        # not yet written; chunked/length: the framing; complete after the last body part.
        self.started = False
        self.head: bytes | None = None
        self.chunked = False
        self.length = 0
        self.complete = False

    def wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- ASGI ---------------------------------------------------------------------------------

    async def receive(self) -> dict[str, Any]:
        conn = self.conn
        if self.expect_100 and not self.started and not conn.closed:
            self.expect_100 = False
            conn.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        while not conn.closed and not self.complete:
            if self.body or (not self.more_body and not self.body_done):
                break
            conn.resume_reading()
            waiter = self.waiter = conn.loop.create_future()
            try:
                await waiter
            finally:
                self.waiter = None
        if conn.closed or self.complete:
            return {"type": "http.disconnect"}
        data = b"".join(self.body) if len(self.body) != 1 else self.body[0]
        self.body.clear()
        self.body_size = 0
        if not self.more_body:
            self.body_done = True
        conn.resume_reading()
        return {"type": "http.request", "body": data, "more_body": self.more_body}

    async def send(self, message: dict[str, Any]) -> None:
        conn = self.conn
        kind = message["type"]
        if not self.started:
            if kind != "http.response.start":
                msg = f"Expected ASGI message 'http.response.start', but got {kind!r}."
                raise RuntimeError(msg)
            self.started = True
            self.expect_100 = False
            self._start(message["status"], message.get("headers") or ())
            if not conn.eager:
                conn.schedule_flush()  # a streamed answer's head goes out without waiting
            return
        if self.complete:
            msg = f"Unexpected ASGI message {kind!r} sent, after response already completed."
            raise RuntimeError(msg)
        if kind != "http.response.body":
            msg = f"Expected ASGI message 'http.response.body', but got {kind!r}."
            raise RuntimeError(msg)
        if conn.closed:
            return
        body: bytes = message.get("body", b"")
        more: bool = message.get("more_body", False)
        out = conn.out
        if self.head is not None:
            out.append(self.head)
            self.head = None
        if self.scope["method"] == "HEAD":
            pass
        elif self.chunked:
            if body:
                out.append(b"%x\r\n" % len(body))
                out.append(body)
                out.append(b"\r\n")
            if not more:
                out.append(b"0\r\n\r\n")
        else:
            if len(body) > self.length:
                msg = "Response content longer than Content-Length"
                raise RuntimeError(msg)
            self.length -= len(body)
            if body:
                out.append(body)
        if not more:
            if self.length and self.scope["method"] != "HEAD":
                msg = "Response content shorter than Content-Length"
                raise RuntimeError(msg)
            self.complete = True
            conn.flush()
            conn.response_complete(self)
            return
        conn.out_size += len(body)
        if conn.out_size >= _FLUSH_AT:
            conn.flush()
        elif not conn.eager:
            conn.schedule_flush()
        if conn.write_paused:
            await conn.drain()

    def _start(self, status: int, headers: Any) -> None:
        conn = self.conn
        parts = [_STATUS_LINES.get(status) or _status_line(status), conn.server.date_line()]
        framed = False
        close = False
        lines = _HEADER_LINES
        for name, value in headers:
            line = lines.get((name, value))
            if line is None:
                if _HEADER_NAME_RE.search(name):
                    msg = "Invalid HTTP header name."
                    raise RuntimeError(msg)
                if _HEADER_VALUE_RE.search(value):
                    msg = "Invalid HTTP header value."
                    raise RuntimeError(msg)
                line = name.lower() + b": " + value + b"\r\n"
                if len(lines) >= 4096:
                    lines.clear()
                lines[(name, value)] = line
            lname = line[: len(name)]
            if lname == b"content-length" and not framed:
                self.length = int(value)
                framed = True
            elif lname == b"transfer-encoding" and value.lower() == b"chunked":
                self.length = 0
                self.chunked = True
                framed = True
            elif lname == b"connection" and b"close" in [
                t.strip() for t in value.lower().split(b",")
            ]:
                self.keep_alive = False
                close = True
            parts.append(line)
        if not self.keep_alive and not close:
            parts.append(b"connection: close\r\n")
        if not framed and self.scope["method"] != "HEAD" and status not in (204, 304):
            self.chunked = True
            parts.append(b"transfer-encoding: chunked\r\n")
        parts.append(b"\r\n")
        self.head = b"".join(parts)


class _Connection(asyncio.Protocol):
    """One client connection: request parsing, the exchange in progress, pipelined ones."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.loop = server.loop
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.parser = httptools.HttpRequestParser(self)
        with contextlib.suppress(AttributeError):  # answer the first of pipelined requests
            self.parser.set_dangerous_leniencies(lenient_data_after_close=True)
        self.closed = False
        self.sockname: Any = None
        self.peername: Any = None
        self.scheme = "http"
        # Parsing: the request being parsed (its url, headers and head size so far).
        self.parsing: _Exchange | None = None
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_size = 0
        self.expect_100 = False
        # Answering: the exchange in progress, pipelined ones waiting, and one to start
        # once the current feed is parsed.
        self.current: _Exchange | None = None
        self.pipeline: deque[_Exchange] = deque()
        self.to_start: _Exchange | None = None
        self.task: asyncio.Task[None] | None = None
        # eager: an app step runs inside a protocol callback (output is flushed after it).
        self.eager = False
        # out/out_size: response bytes not yet written; flush_handle: a scheduled flush.
        self.out: list[bytes] = []
        self.out_size = 0
        self.flush_handle: asyncio.Handle | None = None
        # Flow control.
        self.read_paused = False
        self.write_paused = False
        self.drain_waiters: list[asyncio.Future[None]] = []
        # idle_since: loop time the connection became idle (None while a request is open).
        self.idle_since: float | None = self.loop.time()

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.sockname = _addr(transport.get_extra_info("sockname"))
        self.peername = _addr(transport.get_extra_info("peername"))
        if transport.get_extra_info("sslcontext") is not None:
            self.scheme = "https"
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002
        self.closed = True
        self.server.connections.discard(self)
        self.server.notify_closed()
        handle, self.flush_handle = self.flush_handle, None
        if handle is not None:
            handle.cancel()
        self.out.clear()
        for ex in (self.current, self.parsing):
            if ex is not None:
                ex.wake()
        self._release_drain()

    def eof_received(self) -> bool | None:
        return None  # close our side too

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        self._release_drain()

    def _release_drain(self) -> None:
        waiters, self.drain_waiters = self.drain_waiters, []
        for w in waiters:
            if not w.done():
                w.set_result(None)

    async def drain(self) -> None:
        if self.write_paused and not self.closed:
            fut = self.loop.create_future()
            self.drain_waiters.append(fut)
            await fut

    def data_received(self, data: bytes) -> None:
        self.idle_since = None
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # Upgrades (WebSocket, SPDY) are not served: the request is answered as plain
            # HTTP (the app refuses it) and the connection closes after the answer.
            for ex in (self.parsing, self.current, self.to_start, *self.pipeline):
                if ex is not None:
                    ex.keep_alive = False
        except httptools.HttpParserCallbackError as err:
            cause = err.__context__
            if isinstance(cause, _HeadTooLarge):
                self._refuse(431, "Request header fields too large.")
            else:
                self._refuse(400, "Invalid HTTP request received.")
            return
        except httptools.HttpParserError:
            self._refuse(400, "Invalid HTTP request received.")
            return
        ex, self.to_start = self.to_start, None
        if ex is not None and not self.closed:
            self._start(ex)

    def _refuse(self, code: int, text: str) -> None:
        log.warning("%s (%s)", text, self.peername)
        body = text.encode()
        self.flush()
        self.transport.write(
            b"".join(
                [
                    _STATUS_LINES[code],
                    self.server.date_line(),
                    b"content-type: text/plain; charset=utf-8\r\n",
                    b"content-length: %d\r\n" % len(body),
                    b"connection: close\r\n\r\n",
                    body,
                ]
            )
        )
        self.close()

    # -- httptools callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.url = b""
        self.headers = []
        self.head_size = 0
        self.expect_100 = False

    def on_url(self, url: bytes) -> None:
        self.url += url
        self.head_size += len(url)
        if self.head_size > _MAX_HEAD:
            raise _HeadTooLarge

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_size += len(name) + len(value)
        if self.head_size > _MAX_HEAD:
            raise _HeadTooLarge
        name = name.lower()
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect_100 = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        parser = self.parser
        version = parser.get_http_version()
        url = self.url
        if url[:1] == b"/" and b"#" not in url:
            raw_path, _, query = url.partition(b"?")
        else:
            parsed = httptools.parse_url(url)
            raw_path, query = parsed.path, parsed.query or b""
        path = raw_path.decode("ascii")
        if "%" in path:
            path = urllib.parse.unquote(path)
        scope = {
            "type": "http",
            "asgi": _ASGI,
            "http_version": version,
            "server": self.sockname,
            "client": self.peername,
            "scheme": self.scheme,
            "method": parser.get_method().decode("ascii"),
            "root_path": "",
            "path": path,
            "raw_path": raw_path,
            "query_string": query,
            "headers": self.headers,
        }
        keep_alive = version != "1.0" and bool(parser.should_keep_alive())
        ex = _Exchange(self, scope, keep_alive, self.expect_100)
        self.parsing = ex
        if self.current is None and self.to_start is None:
            self.to_start = ex
        else:
            self.pipeline.append(ex)
            self.pause_reading()

    def on_body(self, body: bytes) -> None:
        ex = self.parsing
        if ex is None or ex.complete:
            return
        ex.body.append(body)
        ex.body_size += len(body)
        if ex.body_size > _HIGH_WATER:
            self.pause_reading()
        ex.wake()

    def on_message_complete(self) -> None:
        ex = self.parsing
        if ex is None:
            return
        ex.more_body = False
        self.parsing = None
        ex.wake()

    # -- running the app ----------------------------------------------------------------------

    def _start(self, ex: _Exchange) -> None:
        self.current = ex
        self.idle_since = None
        coro = self.server.app(ex.scope, ex.receive, ex.send)
        if self.server.eager and not _is_watch(ex.scope):
            self.eager = True
            try:
                yielded = coro.send(None)
            except StopIteration as stop:
                self.eager = False
                self._app_returned(ex, stop.value)
                return
            except Exception as err:
                self.eager = False
                self._app_failed(ex, err)
                return
            except BaseException:
                self.eager = False
                self.close()
                raise
            self.eager = False
            if asyncio.isfuture(yielded):
                # As a task does on receiving it: the future is awaited, not "blocking" any
                # more (another coroutine's eager step may await the same future next).
                yielded._asyncio_future_blocking = False
            self.flush()
            task = self.loop.create_task(self._finish(_Resume(coro, yielded), ex))
        else:
            task = self.loop.create_task(self._finish(coro, ex))
        self.task = task
        self.server.tasks.add(task)
        task.add_done_callback(self.server.tasks.discard)

    async def _finish(self, app: Awaitable[Any], ex: _Exchange) -> None:
        try:
            result = await app
        except asyncio.CancelledError:
            self.close()
            raise
        except Exception as err:
            self._app_failed(ex, err)
        else:
            self._app_returned(ex, result)
        finally:
            if self.task is asyncio.current_task():
                self.task = None

    def _app_returned(self, ex: _Exchange, result: Any) -> None:
        self.flush()
        if result is not None:
            log.error("ASGI callable should return None, but returned %r.", result)
            self.close()
        elif not ex.started and not self.closed:
            log.error("ASGI callable returned without starting response.")
            self._send_500(ex)
        elif not ex.complete and not self.closed:
            log.error("ASGI callable returned without completing response.")
            self.close()

    def _app_failed(self, ex: _Exchange, err: BaseException) -> None:
        log.error("Exception in ASGI application", exc_info=err)
        if not ex.started and not self.closed:
            self._send_500(ex)
        else:
            self.flush()
            self.close()

    def _send_500(self, ex: _Exchange) -> None:
        ex.started = ex.complete = True
        self.out.clear()
        self.transport.write(
            b"".join(
                [
                    _STATUS_LINES[500],
                    self.server.date_line(),
                    b"content-type: text/plain; charset=utf-8\r\n",
                    b"content-length: %d\r\n" % len(_INTERNAL_ERROR),
                    b"connection: close\r\n\r\n",
                    _INTERNAL_ERROR,
                ]
            )
        )
        self.close()

    def response_complete(self, ex: _Exchange) -> None:
        """The last byte of ``ex``'s answer was handed to the transport."""
        self.server.requests += 1
        if not ex.keep_alive or self.server.closing:
            self.close()
            return
        ex.wake()  # a receive() waiting for more body now gets http.disconnect
        self.current = None
        self.resume_reading()
        if self.pipeline:
            self.loop.call_soon(self._next)
        else:
            self.idle_since = self.loop.time()

    def _next(self) -> None:
        if self.closed or self.current is not None or not self.pipeline:
            return
        if self.to_start is not None:
            return
        self._start(self.pipeline.popleft())

    # -- output -------------------------------------------------------------------------------

    def schedule_flush(self) -> None:
        if self.flush_handle is None:
            self.flush_handle = self.loop.call_soon(self.flush)

    def flush(self) -> None:
        handle, self.flush_handle = self.flush_handle, None
        if handle is not None:
            handle.cancel()
        ex = self.current
        if ex is not None and ex.head is not None:
            self.out.insert(0, ex.head)
            ex.head = None
        out = self.out
        if not out or self.closed:
            out.clear()
            self.out_size = 0
            return
        data = out[0] if len(out) == 1 else b"".join(out)
        out.clear()
        self.out_size = 0
        self.transport.write(data)

    # -- flow control and lifecycle -----------------------------------------------------------

    def pause_reading(self) -> None:
        if not self.read_paused and not self.closed:
            self.read_paused = True
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.read_paused and not self.closed:
            self.read_paused = False
            self.transport.resume_reading()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.transport.close()

    def shutdown(self) -> None:
        """Graceful shutdown: close if idle, else after the answer in progress."""
        if self.current is None and self.to_start is None:
            self.close()
        elif self.current is not None:
            self.current.keep_alive = False

    def abort(self) -> None:
        task = self.task
        if task is not None and not task.done():
            task.cancel()
        self.closed = True
        self.transport.abort()


class _HeadTooLarge(Exception):
    """The request line and headers exceed :data:`_MAX_HEAD`."""


def _addr(value: Any) -> tuple[str, int] | None:
    if isinstance(value, tuple) and len(value) >= 2:
        return (str(value[0]), int(value[1]))
    return None


def _is_watch(scope: dict[str, Any]) -> bool:
    """Long-running requests (watches) start as tasks at once; the rest run eagerly."""
    return b"watch" in scope["query_string"] or "/watch/" in scope["path"]


class HTTPServer:
    """Serves an ASGI application over HTTP/1.1 (see the module docstring).

    Contract: :meth:`start` returns once the socket accepts connections; :meth:`shutdown`
    stops listening, closes idle connections, waits up to ``timeout`` seconds for answers in
    progress and then aborts what is left. One event loop; not thread-safe.

    Parameters
    ----------
    app
        The ASGI application (``http`` scopes only; there is no lifespan protocol).
    clock
        For the ``date`` header.
    keep_alive_timeout
        Seconds an idle keep-alive connection stays open.
    eager
        Run each app call's first step inside the protocol callback (see above).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        clock: Clock,
        keep_alive_timeout: float = 90.0,
        eager: bool = True,
    ) -> None:
        self.app = app
        self.clock = clock
        self.keep_alive_timeout = keep_alive_timeout
        self.eager = eager
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self.connections: set[_Connection] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.closing = False
        self.requests = 0  # answered (for tests and metrics)
        self._server: asyncio.base_events.Server | None = None
        self._reaper: asyncio.TimerHandle | None = None
        self._closed_event: asyncio.Event | None = None
        self._date_second = -1
        self._date = b""

    @property
    def started(self) -> bool:
        return self._server is not None and not self.closing

    def date_line(self) -> bytes:
        """The ``date`` header line (recomputed once per second of the clock)."""
        now = self.clock.now()
        second = int(now)
        if second != self._date_second:
            self._date_second = second
            text = email.utils.formatdate(second, usegmt=True)
            self._date = b"date: " + text.encode("ascii") + b"\r\n"
        return self._date

    async def start(
        self, sock: socket.socket, *, ssl: ssl.SSLContext | None = None, backlog: int = 2048
    ) -> None:
        """Serve on ``sock`` (bound; listening is (re)started with ``backlog``)."""
        self.loop = asyncio.get_running_loop()
        self._server = await self.loop.create_server(
            lambda: _Connection(self), sock=sock, ssl=ssl, backlog=backlog
        )
        self._schedule_reaper()

    def _schedule_reaper(self) -> None:
        interval = max(min(self.keep_alive_timeout / 4, 5.0), 0.01)
        self._reaper = self.loop.call_later(interval, self._reap)

    def _reap(self) -> None:
        now = self.loop.time()
        for conn in list(self.connections):
            since = conn.idle_since
            if since is not None and now - since >= self.keep_alive_timeout:
                conn.close()
        if not self.closing:
            self._schedule_reaper()

    def notify_closed(self) -> None:
        if not self.connections and self._closed_event is not None:
            self._closed_event.set()

    async def shutdown(self, timeout: float = 5.0) -> None:
        """Stop listening and end every connection (gracefully for ``timeout`` seconds)."""
        if self._server is None:
            return
        self.closing = True
        if self._reaper is not None:
            self._reaper.cancel()
        self._server.close()
        for conn in list(self.connections):
            conn.shutdown()
        if self.connections:
            self._closed_event = asyncio.Event()
            try:
                async with asyncio.timeout(timeout):
                    await self._closed_event.wait()
            except TimeoutError:
                log.warning(
                    "%d connection(s) still answering after %.0fs: closing them",
                    len(self.connections),
                    timeout,
                )
        for conn in list(self.connections):
            conn.abort()
        tasks = [t for t in self.tasks if not t.done()]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        await self._server.wait_closed()
        self._server = None
