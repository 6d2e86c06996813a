"""Start a real kcore APIServer for tests: in the test's event loop or in a background thread.

Both helpers bind a free port on 127.0.0.1, serve HTTPS with a fresh CA (or plain HTTP with
``tls=False``), write a kubeconfig carrying the CA and an admin token, and tear everything down
on exit::

    async with running_apiserver(store="memory") as srv:     # inside an async test
        srv.url, srv.kubeconfig_path, srv.admin_token, srv.registry

    with apiserver_thread(store="sqlite") as srv:             # sync tests, kubectl, the
        subprocess.run(["kubectl", "--kubeconfig", str(srv.kubeconfig_path), ...])

``store`` is ``"memory"``, ``"sqlite"`` (a database in the server's data directory), an etcd spec
(``"etcd://127.0.0.1:2379"``, e.g. from :mod:`kcore.testing.etcd`) or an open ``Store``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from kcore.apiserver.server import APIServer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Coroutine, Iterator
    from pathlib import Path

    from kcore.storage.interface import Store

T = TypeVar("T")


def _server(store: str | Store, data_dir: str | Path | None, **kwargs: Any) -> APIServer:
    """An :class:`APIServer` (not started) on a free 127.0.0.1 port."""
    return APIServer(data_dir=data_dir, port=0, store=_store_arg(store), **kwargs)


def _store_arg(store: str | Store) -> str | Store | None:
    if store == "sqlite":
        return None  # the server's default: SQLite in its data directory
    return store


@contextlib.asynccontextmanager
async def running_apiserver(
    *,
    store: str | Store = "memory",
    data_dir: str | Path | None = None,
    tls: bool = True,
    anonymous_auth: bool = False,
    **kwargs: Any,
) -> AsyncIterator[APIServer]:
    """An :class:`APIServer` on a free 127.0.0.1 port, running in the current event loop."""
    server = _server(store, data_dir, tls=tls, anonymous_auth=anonymous_auth, **kwargs)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class ThreadedAPIServer:
    """An :class:`APIServer` running on its own event loop in a daemon thread.

    ``url``, ``kubeconfig_path``, ``admin_token``, ``ca_path`` and ``registry`` are available
    once constructed by :func:`apiserver_thread`; :meth:`run` executes a coroutine on the
    server's loop (e.g. to create a watch there) and returns its result.
    """

    def __init__(self, server: APIServer, loop: asyncio.AbstractEventLoop) -> None:
        self.server = server
        self.loop = loop

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def kubeconfig_path(self) -> Path:
        return self.server.kubeconfig_path

    @property
    def admin_token(self) -> str | None:
        return self.server.admin_token

    @property
    def ca_path(self) -> Path | None:
        return self.server.ca_path

    @property
    def registry(self) -> Any:
        return self.server.registry

    @property
    def port(self) -> int:
        return self.server.port

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


@contextlib.contextmanager
def apiserver_thread(
    *,
    store: str | Store = "memory",
    data_dir: str | Path | None = None,
    tls: bool = True,
    anonymous_auth: bool = False,
    **kwargs: Any,
) -> Iterator[ThreadedAPIServer]:
    """A server on a background thread's event loop (uvloop if installed)."""
    try:
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        loop = asyncio.new_event_loop()
    started = threading.Event()

    def run_loop() -> None:
        asyncio.set_event_loop(loop)
        started.set()
        try:
            loop.run_forever()
            loop.run_until_complete(_wind_down(loop))
        finally:
            # Closed by the thread that ran it: a close that waits on a handle (uvloop runs
            # the loop until every handle closed) then holds up this daemon thread only.
            loop.close()

    thread = threading.Thread(target=run_loop, name="kcore-apiserver", daemon=True)
    thread.start()
    started.wait()

    async def make() -> APIServer:
        server = _server(store, data_dir, tls=tls, anonymous_auth=anonymous_auth, **kwargs)
        await server.start()
        return server

    try:
        server = asyncio.run_coroutine_threadsafe(make(), loop).result(60)
    except BaseException:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        raise
    try:
        yield ThreadedAPIServer(server, loop)
    finally:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


async def _wind_down(loop: asyncio.AbstractEventLoop, timeout: float = 5.0) -> None:
    """Cancel what still runs on ``loop`` and shut its executor down, within ``timeout``."""
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks(loop) if t is not current]
    for t in tasks:
        t.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=timeout)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(loop.shutdown_asyncgens(), timeout)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(loop.shutdown_default_executor(), timeout)
