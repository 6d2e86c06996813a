"""The APIServer process: storage, registry, ASGI app, uvicorn, TLS, tokens and a kubeconfig.

:class:`APIServer` wires everything an operator needs around :class:`APIRegistry`:

* a data directory (``DIR``) holding the SQLite database (``DIR/kcore.db``, unless another
  store is given), the PKI (``DIR/pki``), the token file (``DIR/tokens.csv``) and the
  kubeconfig (``DIR/kubeconfig``); everything is created on first start and reused later, so
  objects, certificates and credentials survive restarts;
* uvicorn (httptools parser, uvloop when the process runs on it) serving HTTPS on
  ``host:port`` (127.0.0.1 by default; port 0 picks a free one);
* bearer-token authentication from the token file, anonymous access only when asked for;
* the ``default/kubernetes`` Service pointing at this server.

``await start()`` returns once the server accepts connections; ``await stop()`` ends watches,
closes connections and the store (if the server opened it).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import secrets
import socket
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn
import yaml

from kcore.apiserver.admission import check_plugin_names
from kcore.apiserver.app import APIApp, create_app
from kcore.apiserver.auth import TokenAuthenticator, format_token_line, load_token_file
from kcore.apiserver.certs import TLSFiles, ensure_tls
from kcore.apiserver.registry import APIRegistry
from kcore.util.clock import RealClock

if TYPE_CHECKING:
    from collections.abc import Generator, Sequence

    from kcore.api.meta import RandomSource
    from kcore.storage.interface import Store
    from kcore.util.clock import Clock

log = logging.getLogger("kcore.apiserver")

ADMIN_USER = "kcore-admin"
ADMIN_GROUPS = ("system:masters",)
DEFAULT_PORT = 6443


class _Uvicorn(uvicorn.Server):
    """uvicorn without its own signal handling (the embedding process owns signals)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def write_kubeconfig(
    path: Path, server: str, *, ca_pem: bytes | None, token: str | None, user: str = ADMIN_USER
) -> None:
    """Write a kubeconfig for ``server`` (mode 0600) with the CA data and a bearer token."""
    cluster: dict[str, Any] = {"server": server}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    user_entry: dict[str, Any] = {"token": token} if token else {}
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "kcore", "cluster": cluster}],
        "users": [{"name": user, "user": user_entry}],
        "contexts": [
            {
                "name": "kcore",
                "context": {"cluster": "kcore", "user": user, "namespace": "default"},
            }
        ],
        "current-context": "kcore",
        "preferences": {},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        msg = f"cannot listen on {host}:{port}: {err.strerror or err}"
        raise OSError(err.errno, msg) from err
    sock.listen(2048)
    sock.setblocking(False)
    return sock


class APIServer:
    """A running kcore APIServer (see the module docstring).

    Parameters
    ----------
    data_dir:
        Where the database, PKI, token file and kubeconfig live; a temporary directory
        (removed on :meth:`stop`) if ``None``.
    host, port:
        Listen address; keep the host on loopback (127.0.0.0/8). Port 0 picks a free port.
    store:
        A store spec for :func:`kcore.storage.factory.open_store` (``memory``,
        ``sqlite:///path``, ``etcd://host:port``), an open :class:`Store` (not closed on stop),
        or ``None`` for SQLite in ``data_dir``.
    token_file:
        A ``token,user,uid,"groups"`` file; default ``DIR/tokens.csv``, created with an admin
        token on first start.
    anonymous_auth:
        Let requests without a token in as ``system:anonymous``.
    tls:
        Serve HTTPS with the data directory's CA (default) or plain HTTP.
    service_cluster_ip_range, service_node_port_range:
        Service address and NodePort ranges (default ``127.96.0.0/12`` and ``30000-32767``).
    """

    def __init__(
        self,
        *,
        data_dir: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        store: str | Store | None = None,
        token_file: str | Path | None = None,
        anonymous_auth: bool = False,
        tls: bool = True,
        service_cluster_ip_range: str | None = None,
        service_node_port_range: tuple[int, int] | None = None,
        clock: Clock | None = None,
        rng: RandomSource | None = None,
        watch_timeout: float | None = None,
        bookmark_interval: float | None = None,
        offload: bool | None = None,
        disable_admission_plugins: Sequence[str] = (),
    ) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="kcore-apiserver-")
            data_dir = self._tmp.name
        self.data_dir = Path(data_dir)
        self.host = host
        self.port = port
        self._store_spec = store
        self._token_file = Path(token_file) if token_file is not None else None
        self.anonymous_auth = anonymous_auth
        self.tls = tls
        self.service_cluster_ip_range = service_cluster_ip_range
        self.service_node_port_range = service_node_port_range
        self.clock: Clock = clock if clock is not None else RealClock()
        self.rng = rng
        self.watch_timeout = watch_timeout
        self.bookmark_interval = bookmark_interval
        self._offload = offload
        self.disable_admission_plugins = check_plugin_names(disable_admission_plugins)
        self._store: Store | None = None
        self._owns_store = False
        self._registry: APIRegistry | None = None
        self._app: APIApp | None = None
        self._server: _Uvicorn | None = None
        self._task: asyncio.Task[None] | None = None
        self._sock: socket.socket | None = None
        self.tls_files: TLSFiles | None = None
        self.admin_token: str | None = None
        self.kubeconfig_path = self.data_dir / "kubeconfig"

    # ------------------------------------------------------------------ properties

    @property
    def registry(self) -> APIRegistry:
        if self._registry is None:
            msg = "the APIServer has not been started"
            raise RuntimeError(msg)
        return self._registry

    @property
    def app(self) -> APIApp:
        if self._app is None:
            msg = "the APIServer has not been started"
            raise RuntimeError(msg)
        return self._app

    @property
    def store(self) -> Store:
        if self._store is None:
            msg = "the APIServer has not been started"
            raise RuntimeError(msg)
        return self._store

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def ca_path(self) -> Path | None:
        return self.tls_files.ca_cert if self.tls_files is not None else None

    # ------------------------------------------------------------------ lifecycle

    def _open_store(self) -> Store:
        spec = self._store_spec
        if spec is not None and not isinstance(spec, str):
            return spec
        from kcore.storage.factory import open_store

        if spec is None:
            spec = f"sqlite:///{(self.data_dir / 'kcore.db').resolve()}"
        self._owns_store = True
        return open_store(spec)

    def _tokens(self) -> TokenAuthenticator:
        path = self._token_file
        if path is None:
            path = self.data_dir / "tokens.csv"
            if not path.exists():
                token = secrets.token_urlsafe(32)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(
                    '# kcore APIServer static tokens: token,user,uid,"group1,group2"\n'
                    + format_token_line(token, ADMIN_USER, ADMIN_USER, ADMIN_GROUPS),
                    encoding="utf-8",
                )
                path.chmod(0o600)
        users = load_token_file(path)
        self.admin_token = next(
            (t for t, u in users.items() if "system:masters" in u.groups),
            next(iter(users), None),
        )
        return TokenAuthenticator(users, anonymous=self.anonymous_auth)

    async def start(self) -> None:
        """Open the store, build the registry and start serving; returns once listening."""
        if self._task is not None:
            msg = "the APIServer is already running"
            raise RuntimeError(msg)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        sock = _bind(self.host, self.port)
        self._sock = sock
        self.port = sock.getsockname()[1]
        try:
            await self._start(sock)
        except BaseException:
            sock.close()
            self._sock = None
            await self._close_store()
            raise

    async def _start(self, sock: socket.socket) -> None:
        authenticator = self._tokens()
        store = self._open_store()
        self._store = store
        kwargs: dict[str, Any] = {}
        if self.service_cluster_ip_range is not None:
            kwargs["service_cidr"] = self.service_cluster_ip_range
        if self.service_node_port_range is not None:
            kwargs["node_port_range"] = self.service_node_port_range
        if self.watch_timeout is not None:
            kwargs["watch_timeout"] = self.watch_timeout
        if self.bookmark_interval is not None:
            kwargs["bookmark_interval"] = self.bookmark_interval
        if self.disable_admission_plugins:
            kwargs["disable_admission_plugins"] = self.disable_admission_plugins
        registry = await asyncio.to_thread(APIRegistry, store, self.clock, rng=self.rng, **kwargs)
        self._registry = registry
        await asyncio.to_thread(registry.ensure_kubernetes_service, self.port, self.host)
        ssl: dict[str, Any] = {}
        if self.tls:
            extra_ips: tuple[str, ...] = (registry.allocators.kubernetes_service_ip,)
            if self.host not in ("127.0.0.1", "::1", "localhost", "0.0.0.0", "::"):
                extra_ips = (*extra_ips, self.host)
            self.tls_files = ensure_tls(
                self.data_dir / "pki", self.clock.now(), extra_ips=extra_ips
            )
            ssl = {
                "ssl_certfile": str(self.tls_files.cert),
                "ssl_keyfile": str(self.tls_files.key),
            }
        offload = self._offload
        if offload is None:
            offload = type(store).__name__.lower().startswith("etcd")
        from kcore.storage.sqlite import SqliteStore

        commits = store if isinstance(store, SqliteStore) else None
        self._app = create_app(
            registry,
            authenticator=authenticator,
            clock=self.clock,
            server_address=f"{self.host}:{self.port}",
            offload=offload,
            commits=commits,
        )
        write_kubeconfig(
            self.kubeconfig_path,
            self.url,
            ca_pem=self.tls_files.ca_pem() if self.tls_files is not None else None,
            token=self.admin_token,
        )
        config = uvicorn.Config(
            self._app,
            lifespan="off",
            http="httptools",
            log_level="warning",
            access_log=False,
            server_header=False,
            timeout_keep_alive=90,
            timeout_graceful_shutdown=5,
            backlog=2048,
            **ssl,
        )
        server = _Uvicorn(config)
        self._server = server
        self._task = asyncio.ensure_future(server.serve(sockets=[sock]))
        for _ in range(2000):
            if server.started:
                break
            if self._task.done():
                self._task.result()
                msg = "the APIServer exited during startup"
                raise RuntimeError(msg)
            await self.clock.sleep(0.005)
        else:
            msg = "the APIServer did not start within 10 s"
            raise RuntimeError(msg)
        log.info("kcore APIServer serving on %s", self.url)

    async def serve_forever(self) -> None:
        """Wait until the server stops (after :meth:`stop` or a fatal error)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def stop(self) -> None:
        """End watches and connections, stop listening and close the store if owned."""
        server, task = self._server, self._task
        if self._app is not None:
            self._app.shutdown()
        if server is not None:
            server.should_exit = True
        if task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=15)
            except TimeoutError:
                if server is not None:
                    server.force_exit = True
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(task, timeout=5)
            except Exception:
                log.exception("the APIServer stopped with an error")
        if server is not None:
            _abort_connections(server)
        self._task = None
        self._server = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        await self._close_store()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    async def _close_store(self) -> None:
        if self._store is not None and self._owns_store:
            store = self._store
            self._store = None
            await asyncio.to_thread(store.close)

    async def __aenter__(self) -> APIServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def _abort_connections(server: uvicorn.Server) -> None:
    """Drop the connections uvicorn's graceful shutdown left open.

    A TLS connection whose peer never answers the close (an idle keep-alive connection of a
    client that is not reading) stays open after the graceful-shutdown timeout; the event
    loop could then not be closed (its close waits for every handle).
    """
    for conn in list(server.server_state.connections):
        transport = getattr(conn, "transport", None)
        if transport is not None:
            with contextlib.suppress(Exception):
                transport.abort()  # connection_lost follows on the loop's next iteration
