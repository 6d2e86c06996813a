"""``open_store``/``parse_spec``: every accepted spec form, the options each backend takes, and
a precise error for every malformed spec."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from kcore.storage.factory import open_store, parse_spec
from kcore.storage.memory import MemoryStore
from kcore.storage.sqlite import SqliteStore

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param("memory", ("memory", None, {}), id="memory"),
        pytest.param(
            "memory://?history=5&watch_buffer=9",
            ("memory", None, {"history": 5, "watch_buffer": 9}),
            id="memory-options",
        ),
        pytest.param("/srv/db.sqlite", ("sqlite", "/srv/db.sqlite", {}), id="abs-path"),
        pytest.param("state.db", ("sqlite", "state.db", {}), id="relative-path"),
        pytest.param(
            "sqlite:///srv/db.sqlite?synchronous=FULL&history_seconds=60",
            (
                "sqlite",
                "/srv/db.sqlite",
                {"synchronous": "full", "history_seconds": 60.0},
            ),
            id="sqlite-url",
        ),
        pytest.param(
            "etcd://127.0.0.1:2379",
            ("etcd", ["127.0.0.1:2379"], {}),
            id="etcd",
        ),
        pytest.param(
            "etcd://127.0.0.1:2379,localhost:22379,[::1]:2379?prefix=/kcore&compaction_interval=0",
            (
                "etcd",
                ["127.0.0.1:2379", "localhost:22379", "[::1]:2379"],
                {"prefix": "/kcore", "compaction_interval": 0.0},
            ),
            id="etcd-cluster",
        ),
    ],
)
def test_parse_spec_accepts(spec: str, expected: tuple[str, Any, dict[str, Any]]) -> None:
    assert parse_spec(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param("", "empty storage spec", id="empty"),
        pytest.param("redis://x:1", "unknown storage scheme 'redis'", id="scheme"),
        pytest.param("sqlite://relative.db", "needs an absolute file path", id="sqlite-relative"),
        pytest.param("sqlite:///db?cache=1", "unknown sqlite storage option 'cache'", id="option"),
        pytest.param("sqlite:///db?synchronous=off", "must be one of normal, full", id="choice"),
        pytest.param("memory://?history=-1", "must be >= 0", id="negative"),
        pytest.param("memory://?history=lots", "is not an integer", id="not-int"),
        pytest.param("memory://?history=1&history=2", "given twice", id="twice"),
        pytest.param("memory://host", "takes no address", id="memory-address"),
        pytest.param("etcd://127.0.0.1", "bad etcd endpoint '127.0.0.1'", id="no-port"),
        pytest.param("etcd://127.0.0.1:99999", "bad etcd endpoint", id="bad-port"),
        pytest.param("etcd://", "bad etcd endpoint ''", id="no-endpoint"),
        pytest.param("etcd://h:1?prefix=registry", "must look like /registry", id="prefix"),
        pytest.param("etcd://h:1?timeout=inf", "finite number", id="timeout"),
        pytest.param("db.sqlite?x=1", "options need the sqlite:/// form", id="plain-query"),
    ],
)
def test_parse_spec_rejects(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_spec(spec)


def test_open_store_builds_each_local_backend(tmp_path: Path) -> None:
    mem = open_store("memory://?history=3")
    assert isinstance(mem, MemoryStore)
    mem.close()
    path = tmp_path / "a.sqlite"
    for spec in (f"sqlite://{path}?poll_interval=0", str(path)):
        store = open_store(spec)
        assert isinstance(store, SqliteStore)
        assert store.path == path
        store.close()
