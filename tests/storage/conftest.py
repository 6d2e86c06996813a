"""Fixtures for the storage tests: one ``backend`` fixture parametrised over every backend.

``backend.open(**options)`` opens a *new* Store instance on the backend's data (the same sqlite
file, the same etcd prefix), so tests can use two instances; ``backend.shared`` tells whether
instances share data (memory instances never do). Every etcd test gets a fresh key prefix on a
session-wide etcd server started by :mod:`kcore.testing.etcd` on a free loopback port.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from kcore.storage.etcd import EtcdStore
from kcore.storage.memory import MemoryStore
from kcore.storage.sqlite import SqliteStore
from kcore.testing.etcd import EtcdServer

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Iterator
    from pathlib import Path

    from kcore.storage.interface import Store, Watcher, WatchEvent

BACKENDS = ["memory", "sqlite", "etcd"]
SHARED_BACKENDS = ["sqlite", "etcd"]

_prefix_counter = itertools.count()


@dataclass
class Backend:
    name: str
    opener: Callable[..., Store]
    shared: bool
    opened: list[Store] = field(default_factory=list)

    def open(self, **options: Any) -> Store:
        store = self.opener(**options)
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        for s in self.opened:
            s.close()


@pytest.fixture(scope="session")
def etcd_server() -> Iterator[EtcdServer]:
    """One etcd for the session (fails, never skips, without the etcd-server package)."""
    with EtcdServer() as server:
        yield server


def _make_backend(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    if name == "memory":
        return Backend(name, MemoryStore, shared=False)
    if name == "sqlite":
        path = tmp_path / "db.sqlite"
        return Backend(
            name, lambda **o: SqliteStore(path, **{"poll_interval": 0.01, **o}), shared=True
        )
    if name == "etcd":
        server: EtcdServer = request.getfixturevalue("etcd_server")
        prefix = f"/kcore-test-{next(_prefix_counter)}"

        def opener(**o: Any) -> Store:
            return EtcdStore([server.endpoint], prefix=prefix, **{"compaction_interval": 0, **o})

        return Backend(name, opener, shared=True)
    raise AssertionError(name)  # pragma: no cover


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    b = _make_backend(request.param, tmp_path, request)
    try:
        yield b
    finally:
        b.close_all()


@pytest.fixture(params=SHARED_BACKENDS)
def shared_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """The backends whose instances share data (two processes or stores on one database)."""
    b = _make_backend(request.param, tmp_path, request)
    try:
        yield b
    finally:
        b.close_all()


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.open()


T = TypeVar("T")


def _run(coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
    async def main() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(main())


async def _collect(w: Watcher, n: int, timeout: float = 10.0) -> list[WatchEvent]:
    it = aiter(w)
    return [await asyncio.wait_for(anext(it), timeout) for _ in range(n)]


def _pod(name: str, ns: str = "default", **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"nodeName": ""},
        **extra,
    }


@pytest.fixture
def run() -> Callable[..., Any]:
    """``run(coro)``: run a coroutine on a fresh event loop with a bounded wait."""
    return _run


@pytest.fixture
def collect() -> Callable[..., Any]:
    """``await collect(watcher, n)``: the next ``n`` events, each awaited with a bounded wait."""
    return _collect


@pytest.fixture
def make_pod() -> Callable[..., dict[str, Any]]:
    """``make_pod(name, ns="default", **fields)``: a minimal Pod dict."""
    return _pod
