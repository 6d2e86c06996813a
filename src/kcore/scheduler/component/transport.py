"""The scheduler's HTTP transport: :class:`kcore.client.transport.HTTPTransport`, which every
:class:`~kcore.client.http.HTTPClient` now uses by default, under the name the scheduler
component has always given it.

:class:`AsyncioTransport` is that transport plus ``httpx``'s ``AsyncBaseTransport`` interface,
so code that hands it to ``httpx.AsyncClient(transport=...)`` keeps working. Given to
:class:`~kcore.client.http.HTTPClient`, it is used directly (no ``httpx`` on the request path).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from kcore.client.transport import (
    ConnectError,
    ConnectTimeout,
    HTTPTransport,
    PoolTimeout,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    StreamedResponse,
    TransportError,
    WriteError,
)

if TYPE_CHECKING:
    import ssl
    from collections.abc import AsyncIterator

__all__ = ["AsyncioTransport"]

_ERRORS: dict[type[TransportError], type[httpx.TransportError]] = {
    ConnectTimeout: httpx.ConnectTimeout,
    PoolTimeout: httpx.PoolTimeout,
    ReadTimeout: httpx.ReadTimeout,
    ConnectError: httpx.ConnectError,
    ReadError: httpx.ReadError,
    WriteError: httpx.WriteError,
    RemoteProtocolError: httpx.RemoteProtocolError,
}


class _Body(httpx.AsyncByteStream):
    def __init__(self, resp: StreamedResponse) -> None:
        self._resp = resp

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._resp:
                yield chunk
        except TransportError as err:
            raise _ERRORS.get(type(err), httpx.TransportError)(str(err)) from err

    async def aclose(self) -> None:
        await self._resp.aclose()


class AsyncioTransport(HTTPTransport, httpx.AsyncBaseTransport):
    """:class:`~kcore.client.transport.HTTPTransport` that ``httpx`` can also drive.

    Parameters are :class:`~kcore.client.transport.HTTPTransport`'s (``max_connections``
    defaults to 128 here). Through ``httpx``, transport failures raise ``httpx``'s exceptions
    (``ConnectError``, ``ReadTimeout``, ...).
    """

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        max_connections: int = 128,
        connect_timeout: float | None = 30.0,
        pool_timeout: float | None = 30.0,
    ) -> None:
        super().__init__(
            verify=verify,
            max_connections=max_connections,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        https = url.scheme == "https"
        origin = (url.scheme, url.host, url.port or (443 if https else 80))
        timeouts: dict[str, float | None] = request.extensions.get("timeout") or {}
        body = await request.aread()
        head = [request.method.encode(), b" ", url.raw_path, b" HTTP/1.1\r\n"]
        for name, value in request.headers.raw:
            head += [name, b": ", value, b"\r\n"]
        head.append(b"\r\n")
        try:
            resp = await self.stream(
                origin,
                b"".join(head) + body,
                read_timeout=timeouts.get("read"),
                server_hostname=request.extensions.get("sni_hostname"),
            )
        except TransportError as err:
            raise _ERRORS.get(type(err), httpx.TransportError)(str(err)) from err
        return httpx.Response(
            resp.status,
            headers=resp.headers,
            stream=_Body(resp),
            extensions={"http_version": b"HTTP/1.1"},
        )
