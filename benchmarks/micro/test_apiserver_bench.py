"""APIServer throughput over loopback: GET, LIST, create, binding and watch fan-out, SQLite and
etcd; and the HTTP layer alone, in-process, kcore's server beside uvicorn.

The server runs as a separate ``kcore apiserver`` process (HTTPS, bearer token; so client and
server each get a core, as in real use); the load comes from a small asyncio client that keeps
``CONNECTIONS`` keep-alive connections busy and parses responses with httptools. Each benchmark
round issues a fixed batch of requests and asserts every answer; ``pytest-benchmark`` reports
seconds per round, from which requests/s = batch / mean. ``extra_info`` also records the
APIServer process's CPU time per request (``server_cpu_us``, from ``/proc``), which depends
far less than throughput on what else the machine runs.

``test_http_layer`` feeds requests to the HTTP server's protocol object with a transport that
discards the answers (no sockets, memory store, uvloop): the CPU of parsing, the ASGI app and
answering, for kcore's server and for uvicorn's httptools protocol, side by side.

Run the figures in docs/apiserver.md with::

    pytest benchmarks/micro/test_apiserver_bench.py --benchmark-group-by=func \
        --benchmark-columns=min,median,mean,rounds -p no:randomly

``KCORE_BENCH_SCALE`` (default 1) multiplies the batch sizes. CI runs this file with
``--benchmark-disable`` as a smoke test: one round each, with a tenth of the batches and 100
watchers.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httptools
import orjson
import pytest

from kcore.testing.etcd import EtcdServer

if TYPE_CHECKING:
    from collections.abc import Iterator

SCALE = float(os.environ.get("KCORE_BENCH_SCALE", "1"))
CONNECTIONS = 16
GETS = int(2000 * SCALE)
LISTS = int(200 * SCALE)
CREATES = int(1000 * SCALE)
BINDS = int(1000 * SCALE)
WATCHERS = 1000
WATCH_EVENTS = int(20 * SCALE)
SEED = 1000


# --------------------------------------------------------------------------- load client


class _Conn(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection; one request in flight at a time."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.done: asyncio.Future[tuple[int, bytes]] | None = None
        self.body: list[bytes] = []
        self.lines: asyncio.Queue[bytes] | None = None
        self.pending = b""
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002
        if self.done is not None and not self.done.done():
            self.done.set_exception(ConnectionError("connection lost"))
        if not self.closed.done():
            self.closed.set_result(None)

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.body = []

    def on_body(self, body: bytes) -> None:
        if self.lines is not None:
            data = self.pending + body
            *complete, self.pending = data.split(b"\n")
            for line in complete:
                self.lines.put_nowait(line)
        else:
            self.body.append(body)

    def on_message_complete(self) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_result((self.parser.get_status_code(), b"".join(self.body)))

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        assert self.transport is not None
        self.done = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.done


@dataclass
class Target:
    host: str
    port: int
    token: str
    ssl: ssl.SSLContext | None
    pid: int = 0

    def server_cpu(self) -> float | None:
        """CPU seconds the server process has used (Linux ``/proc``; None elsewhere)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def raw(self, method: str, path: str, body: bytes = b"") -> bytes:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {self.token}\r\nAccept: application/json\r\n"
        )
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        return head.encode() + b"\r\n" + body

    async def connect(self) -> _Conn:
        loop = asyncio.get_running_loop()
        _, proto = await loop.create_connection(_Conn, self.host, self.port, ssl=self.ssl)
        return proto


async def run_requests(
    target: Target, requests: list[bytes], expect: int, cpu: list[float] | None = None
) -> float:
    """Send ``requests`` over ``CONNECTIONS`` connections; return requests per second (and
    append the server's CPU microseconds per request to ``cpu``)."""
    conns = [await target.connect() for _ in range(CONNECTIONS)]
    it = iter(requests)
    bad: list[tuple[int, bytes]] = []

    async def worker(c: _Conn) -> None:
        for raw in it:
            code, body = await c.request(raw)
            if code != expect:
                bad.append((code, body[:300]))

    cpu0 = target.server_cpu()
    t0 = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    dt = time.perf_counter() - t0
    cpu1 = target.server_cpu()
    await close_all(conns)
    assert not bad, bad[:3]
    if cpu is not None and cpu0 is not None and cpu1 is not None:
        cpu.append((cpu1 - cpu0) / len(requests) * 1e6)
    return len(requests) / dt


async def close_all(conns: list[_Conn]) -> None:
    for c in conns:
        assert c.transport is not None
        c.transport.close()
    await asyncio.wait_for(asyncio.gather(*(c.closed for c in conns)), 30)


# --------------------------------------------------------------------------- server process


class ServerProcess:
    def __init__(self, data: Path, store: list[str]) -> None:
        cmd = [
            sys.executable,
            "-m",
            "kcore.cli.main",
            "apiserver",
            "--data-dir",
            str(data),
            "--port",
            "0",
            *store,
        ]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert self.proc.stdout is not None
        url = ""
        for line in self.proc.stdout:
            if "listening on" in line:
                url = line.split("listening on", 1)[1].strip()
                break
        if not url:
            self.proc.wait(10)
            msg = "kcore apiserver did not start"
            raise RuntimeError(msg)
        host, port = url.removeprefix("https://").rsplit(":", 1)
        token = (data / "tokens.csv").read_text().splitlines()[1].split(",")[0]
        ctx = ssl.create_default_context(cafile=str(data / "pki" / "ca.crt"))
        self.target = Target(host, int(port), token, ctx, self.proc.pid)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


@pytest.fixture(scope="module")
def etcd() -> Iterator[EtcdServer]:
    with EtcdServer() as server:
        yield server


@pytest.fixture(scope="module", params=["sqlite", "etcd"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    data = tmp_path_factory.mktemp(f"bench-{request.param}")
    if request.param == "etcd":
        etcd: EtcdServer = request.getfixturevalue("etcd")
        store = [
            "--etcd-servers",
            f"http://{etcd.endpoint}",
            "--etcd-prefix",
            f"/bench-{os.getpid()}",
        ]
    else:
        store = []
    srv = ServerProcess(data, store)
    # pods to read and list, a node to bind to
    requests = [
        srv.target.raw("POST", "/api/v1/namespaces/default/pods", orjson.dumps(_pod(f"seed-{i}")))
        for i in range(SEED)
    ]
    requests.append(srv.target.raw("POST", "/api/v1/nodes", orjson.dumps(_node(NODE))))
    asyncio.run(run_requests(srv.target, requests, 201))
    yield srv
    srv.stop()


NODE = "bench-node"


def _node(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}


def _pod(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "bench", "tier": "backend"}},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "registry.example/bench/app:1.2.3",
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                    "ports": [{"containerPort": 8080}],
                }
            ]
        },
    }


_ids = itertools.count()


@pytest.fixture(scope="module")
def size(request: pytest.FixtureRequest) -> float:
    """Batch-size factor: 1 (times KCORE_BENCH_SCALE) when timing, 0.1 for smoke runs."""
    disabled = bool(request.config.getoption("benchmark_disable", default=False))
    return 0.1 if disabled else 1.0


def test_get(benchmark: Any, server: ServerProcess, size: float) -> None:
    t = server.target
    reqs = [
        t.raw("GET", f"/api/v1/namespaces/default/pods/seed-{i % SEED}")
        for i in range(int(GETS * size))
    ]
    cpu: list[float] = []
    rate = benchmark.pedantic(lambda: asyncio.run(run_requests(t, reqs, 200, cpu)), rounds=3)
    _record(benchmark, rate, cpu)


def _record(benchmark: Any, rate: float, cpu: list[float]) -> None:
    benchmark.extra_info["requests_per_second"] = round(rate)
    if cpu:
        benchmark.extra_info["server_cpu_us"] = round(min(cpu), 1)


def test_list_500(benchmark: Any, server: ServerProcess, size: float) -> None:
    t = server.target
    reqs = [
        t.raw("GET", "/api/v1/namespaces/default/pods?limit=500") for _ in range(int(LISTS * size))
    ]
    cpu: list[float] = []
    rate = benchmark.pedantic(lambda: asyncio.run(run_requests(t, reqs, 200, cpu)), rounds=3)
    _record(benchmark, rate, cpu)


def test_create(benchmark: Any, server: ServerProcess, size: float) -> None:
    t = server.target

    def batch() -> list[bytes]:
        return [
            t.raw("POST", "/api/v1/namespaces/default/pods", orjson.dumps(_pod(f"c-{next(_ids)}")))
            for _ in range(int(CREATES * size))
        ]

    cpu: list[float] = []
    rate = benchmark.pedantic(
        lambda reqs: asyncio.run(run_requests(t, reqs, 201, cpu)),
        setup=lambda: ((batch(),), {}),
        rounds=3,
    )
    _record(benchmark, rate, cpu)


def test_bind(benchmark: Any, server: ServerProcess, size: float) -> None:
    """Bindings (``pods/<name>/binding``) of pods created untimed before each round."""
    t = server.target

    def batch() -> list[bytes]:
        names = [f"b-{next(_ids)}" for _ in range(int(BINDS * size))]
        creates = [
            t.raw("POST", "/api/v1/namespaces/default/pods", orjson.dumps(_pod(n))) for n in names
        ]
        asyncio.run(run_requests(t, creates, 201))
        binding = {"apiVersion": "v1", "kind": "Binding", "target": {"kind": "Node", "name": NODE}}
        return [
            t.raw(
                "POST",
                f"/api/v1/namespaces/default/pods/{n}/binding",
                orjson.dumps({**binding, "metadata": {"name": n}}),
            )
            for n in names
        ]

    cpu: list[float] = []
    rate = benchmark.pedantic(
        lambda reqs: asyncio.run(run_requests(t, reqs, 201, cpu)),
        setup=lambda: ((batch(),), {}),
        rounds=3,
    )
    _record(benchmark, rate, cpu)


async def _watch_fanout(t: Target, watchers: int, events: int) -> float:
    """``watchers`` watches on one namespace; ``events`` creates; every watcher sees all."""
    ns = f"w{next(_ids)}"
    writer = await t.connect()
    code, _ = await writer.request(
        t.raw("POST", "/api/v1/namespaces", orjson.dumps({"metadata": {"name": ns}}))
    )
    assert code == 201
    code, body = await writer.request(t.raw("GET", f"/api/v1/namespaces/{ns}/configmaps"))
    rv = orjson.loads(body)["metadata"]["resourceVersion"]
    conns: list[_Conn] = []
    for _ in range(watchers):
        c = await t.connect()
        c.lines = asyncio.Queue()
        assert c.transport is not None
        c.transport.write(
            t.raw("GET", f"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={rv}")
        )
        conns.append(c)

    async def drain(c: _Conn) -> None:
        assert c.lines is not None
        got = 0
        while got < events:
            line = await c.lines.get()
            if line:
                ev = orjson.loads(line)
                assert ev["type"] == "ADDED", ev
                got += 1

    t0 = time.perf_counter()
    tasks = [asyncio.ensure_future(drain(c)) for c in conns]
    for i in range(events):
        code, _ = await writer.request(
            t.raw(
                "POST",
                f"/api/v1/namespaces/{ns}/configmaps",
                orjson.dumps({"metadata": {"name": f"e{i}"}}),
            )
        )
        assert code == 201
    await asyncio.wait_for(asyncio.gather(*tasks), 120)
    dt = time.perf_counter() - t0
    await close_all([*conns, writer])
    return watchers * events / dt


def test_watch_fanout(benchmark: Any, server: ServerProcess) -> None:
    t = server.target
    rate = benchmark.pedantic(
        lambda: asyncio.run(_watch_fanout(t, WATCHERS, WATCH_EVENTS)), rounds=1
    )
    benchmark.extra_info["deliveries_per_second"] = round(rate)


# --------------------------------------------------------------------------- HTTP layer alone


class _NullTransport(asyncio.Transport):
    """Counts what the server writes; the answers go nowhere."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.closed = False

    def write(self, data: Any) -> None:  # noqa: ARG002 - the answer is dropped
        self.writes += 1

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 6443), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


HTTP_LAYER_REQUESTS = 2000
_GET = (
    b"GET /api/v1/namespaces/default HTTP/1.1\r\nHost: 127.0.0.1:6443\r\n"
    b"Authorization: Bearer t\r\nAccept: application/json\r\nUser-Agent: kcore\r\n\r\n"
)


def test_http_layer(benchmark: Any, size: float) -> None:
    """GET of a namespace through uvicorn's protocol object and the APIApp (memory store), no
    sockets; seconds per ``HTTP_LAYER_REQUESTS`` requests."""
    import uvloop

    from kcore.apiserver.app import create_app
    from kcore.apiserver.registry import APIRegistry
    from kcore.storage.memory import MemoryStore
    from kcore.util.clock import RealClock

    n = max(int(HTTP_LAYER_REQUESTS * size), 10)
    clock = RealClock()
    app = create_app(APIRegistry(MemoryStore(), clock), clock=clock)
    loop = uvloop.new_event_loop()
    transport = _NullTransport()
    import uvicorn
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    from uvicorn.server import ServerState

    config = uvicorn.Config(
        app, lifespan="off", http="httptools", log_level="warning", access_log=False
    )
    config.load()
    proto: Any = HttpToolsProtocol(config, ServerState(), {}, _loop=loop)
    proto.connection_made(transport)

    async def requests() -> None:
        for _ in range(n):
            proto.data_received(_GET)
            await asyncio.sleep(0)  # uvicorn answers in a task: let it run

    try:
        benchmark.pedantic(lambda: loop.run_until_complete(requests()), rounds=5)
    finally:
        loop.close()
    assert transport.writes >= n  # every request was answered
    if benchmark.stats is not None:  # None under --benchmark-disable
        benchmark.extra_info["us_per_request"] = round(benchmark.stats.stats.min / n * 1e6, 1)
