"""MVCC object storage: one :class:`Store` interface, three backends (memory, sqlite, etcd).

Open a backend with :func:`open_store` (``"memory"``, ``"sqlite:///path/db.sqlite"``,
``"etcd://127.0.0.1:2379"``); docs/storage.md describes the guarantees of each.
"""

from __future__ import annotations

from kcore.storage.factory import open_store, parse_spec
from kcore.storage.interface import (
    ListResult,
    Store,
    Watcher,
    WatchEvent,
    collection_prefix,
    object_key,
)
from kcore.storage.memory import MemoryStore
from kcore.storage.sqlite import SqliteStore

__all__ = [
    "ListResult",
    "MemoryStore",
    "SqliteStore",
    "Store",
    "WatchEvent",
    "Watcher",
    "collection_prefix",
    "object_key",
    "open_store",
    "parse_spec",
]
