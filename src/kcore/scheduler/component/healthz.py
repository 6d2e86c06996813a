"""The scheduler's health and metrics endpoint: ``/healthz``, ``/livez``, ``/readyz``,
``/metrics`` over HTTP on ``--bind-address:--port``.

A deliberately small HTTP/1.1 server on asyncio streams (GET and HEAD only, one request per
connection), enough for probes, ``curl`` and Prometheus scrapes. Checks are named callables
returning ``None`` (healthy) or a reason; ``/healthz?verbose`` lists them as kube-scheduler's
``healthz`` handler does (``[+]ping ok`` / ``[-]leaderElection failed: reason withheld``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Final

from kcore.scheduler.metrics import CONTENT_TYPE

__all__ = ["HealthServer"]

log = logging.getLogger(__name__)

Check = Callable[[], "str | None"]

_REASONS: Final = {
    200: "OK",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
}
_MAX_REQUEST: Final = 16384


class HealthServer:
    """Serves the health checks and the metrics of one component.

    Parameters
    ----------
    host, port
        Where to listen (port 0 picks a free one; :attr:`port` tells which).
    metrics
        Renders the ``/metrics`` body.
    healthz, readyz
        Named checks; ``/livez`` serves the ``healthz`` checks too.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        metrics: Callable[[], str],
        healthz: Mapping[str, Check] | None = None,
        readyz: Mapping[str, Check] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self._metrics = metrics
        self._healthz = dict(healthz or {"ping": lambda: None})
        self._readyz = dict(readyz or self._healthz)
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Start listening (raises ``OSError`` if the address is taken)."""
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        sock = self._server.sockets[0]
        self.port = int(sock.getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    def _checks(self, checks: Mapping[str, Check], verbose: bool) -> tuple[int, str]:
        lines: list[str] = []
        failed = False
        for name, check in checks.items():
            try:
                reason = check()
            except Exception as err:  # a broken check is a failed check
                reason = f"{type(err).__name__}: {err}"
            if reason is None:
                lines.append(f"[+]{name} ok")
            else:
                failed = True
                lines.append(f"[-]{name} failed: reason withheld")
                log.info("health check %s failed: %s", name, reason)
        if failed:
            return 500, "\n".join(lines) + "\nhealthz check failed\n"
        if verbose:
            return 200, "\n".join(lines) + "\nhealthz check passed\n"
        return 200, "ok"

    def respond(self, method: str, target: str) -> tuple[int, str, str]:
        """(status, content type, body) for one request (also used by tests)."""
        path, _, query = target.partition("?")
        verbose = "verbose" in query.split("&")
        if method not in ("GET", "HEAD"):
            return 405, "text/plain; charset=utf-8", "method not allowed\n"
        if path == "/metrics":
            return 200, CONTENT_TYPE, self._metrics()
        if path in ("/healthz", "/livez"):
            status, body = self._checks(self._healthz, verbose)
            return status, "text/plain; charset=utf-8", body
        if path == "/readyz":
            status, body = self._checks(self._readyz, verbose)
            return status, "text/plain; charset=utf-8", body
        for prefix, checks in (("/healthz/", self._healthz), ("/readyz/", self._readyz)):
            if path.startswith(prefix) and path[len(prefix) :] in checks:
                name = path[len(prefix) :]
                status, body = self._checks({name: checks[name]}, verbose)
                return status, "text/plain; charset=utf-8", body
        return 404, "text/plain; charset=utf-8", "404 page not found\n"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        try:
            if len(head) > _MAX_REQUEST:
                status, ctype, body = 500, "text/plain", "request too large\n"
                method = "GET"
            else:
                line = head.split(b"\r\n", 1)[0].decode("latin-1")
                parts = line.split()
                method, target = (parts[0], parts[1]) if len(parts) >= 2 else ("", "/")
                status, ctype, body = self.respond(method, target)
        except Exception:
            log.exception("health server: request failed")
            status, ctype, body, method = 500, "text/plain", "internal error\n", "GET"
        data = body.encode()
        header = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {len(data)}\r\n"
            "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n"
        ).encode()
        try:
            writer.write(header if method == "HEAD" else header + data)
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
