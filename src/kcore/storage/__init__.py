"""MVCC object storage: one :class:`Store` interface, three backends (memory, sqlite, etcd)."""

from __future__ import annotations

from kcore.storage.interface import ListResult, Store, Watcher, WatchEvent

__all__ = ["ListResult", "Store", "WatchEvent", "Watcher"]
