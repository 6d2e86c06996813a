"""``open_store(spec)``: build a :class:`~kcore.storage.interface.Store` from a spec string.

* ``memory`` (or ``memory://?history=10000``): :class:`~kcore.storage.memory.MemoryStore`;
* ``sqlite:///abs/path/db.sqlite`` or a plain path: :class:`~kcore.storage.sqlite.SqliteStore`;
* ``etcd://127.0.0.1:2379[,host:port...][?prefix=/registry]``:
  :class:`~kcore.storage.etcd.EtcdStore`.

Query parameters set backend options (see each backend's class docstring); unknown parameters,
malformed values and malformed specs raise ``ValueError`` naming the problem and the accepted
forms.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from collections.abc import Callable

    from kcore.storage.interface import Store
    from kcore.util.clock import Clock

FORMS: Final = (
    "'memory', 'sqlite:///absolute/path.db' (or a plain file path) or "
    "'etcd://127.0.0.1:2379[,host:port...][?prefix=/registry]'"
)

_HOST_PORT = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


def _int(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        msg = f"storage option {name}={text!r} is not an integer"
        raise ValueError(msg) from None
    if value < 0:
        msg = f"storage option {name}={text!r} must be >= 0"
        raise ValueError(msg)
    return value


def _float(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        msg = f"storage option {name}={text!r} is not a number"
        raise ValueError(msg) from None
    if not math.isfinite(value) or value < 0:
        msg = f"storage option {name}={text!r} must be a finite number >= 0"
        raise ValueError(msg)
    return value


def _choice(*choices: str) -> Callable[[str, str], str]:
    def parse(name: str, text: str) -> str:
        low = text.lower()
        if low not in choices:
            msg = f"storage option {name}={text!r} must be one of {', '.join(choices)}"
            raise ValueError(msg)
        return low

    return parse


def _prefix(name: str, text: str) -> str:
    if not text.startswith("/") or text.endswith("/") or "//" in text:
        msg = f"storage option {name}={text!r} must look like /registry (leading '/', no trailing)"
        raise ValueError(msg)
    return text


_OPTIONS: Final[dict[str, dict[str, Callable[[str, str], Any]]]] = {
    "memory": {"history": _int, "watch_buffer": _int},
    "sqlite": {
        "synchronous": _choice("normal", "full"),
        "history_revisions": _int,
        "history_seconds": _float,
        "watch_buffer": _int,
        "poll_interval": _float,
    },
    "etcd": {
        "prefix": _prefix,
        "compaction_interval": _float,
        "watch_buffer": _int,
        "window": _int,
        "timeout": _float,
    },
}


def _options(backend: str, query: str, spec: str) -> dict[str, Any]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        msg = f"malformed query string in storage spec {spec!r}"
        raise ValueError(msg) from None
    known = _OPTIONS[backend]
    out: dict[str, Any] = {}
    for name, text in pairs:
        parse = known.get(name)
        if parse is None:
            allowed = ", ".join(sorted(known)) or "none"
            msg = f"unknown {backend} storage option {name!r} in {spec!r} (allowed: {allowed})"
            raise ValueError(msg)
        if name in out:
            msg = f"storage option {name!r} given twice in {spec!r}"
            raise ValueError(msg)
        out[name] = parse(name, text)
    return out


def parse_spec(spec: str) -> tuple[str, str | list[str] | None, dict[str, Any]]:
    """Split a spec into ``(backend, target, options)``: ``("sqlite", "/db.sqlite", {...})``,
    ``("etcd", ["127.0.0.1:2379"], {...})`` or ``("memory", None, {...})``."""
    if not spec.strip():
        msg = f"empty storage spec {spec!r}: expected {FORMS}"
        raise ValueError(msg)
    spec = spec.strip()
    if spec == "memory":
        return "memory", None, {}
    if "://" not in spec:
        if "?" in spec:
            msg = f"options need the sqlite:/// form, not a plain path: {spec!r}"
            raise ValueError(msg)
        return "sqlite", spec, {}
    scheme, rest = spec.split("://", 1)
    target, _, query = rest.partition("?")
    backend = scheme.lower()
    if backend == "memory":
        if target:
            msg = f"the memory store takes no address: {spec!r} (use 'memory' or 'memory://?...')"
            raise ValueError(msg)
        return "memory", None, _options("memory", query, spec)
    if backend == "sqlite":
        if not target.startswith("/") or target == "/":
            msg = (
                f"sqlite spec {spec!r} needs an absolute file path: sqlite:///abs/path/db.sqlite "
                "(three slashes) or a plain path"
            )
            raise ValueError(msg)
        return "sqlite", target, _options("sqlite", query, spec)
    if backend == "etcd":
        endpoints = [e.strip() for e in target.split(",")]
        for e in endpoints:
            m = _HOST_PORT.match(e)
            if m is None or not 0 < int(m.group(1)) < 65536:
                msg = f"bad etcd endpoint {e!r} in {spec!r}: expected host:port[,host:port...]"
                raise ValueError(msg)
        return "etcd", endpoints, _options("etcd", query, spec)
    msg = f"unknown storage scheme {scheme!r} in {spec!r}: expected {FORMS}"
    raise ValueError(msg)


def open_store(spec: str, *, clock: Clock | None = None) -> Store:
    """Open the store ``spec`` names (see the module docstring).

    ``clock`` drives time-based history retention and polling (default: ``RealClock``).
    """
    backend, target, options = parse_spec(spec)
    if backend == "memory":
        from kcore.storage.memory import MemoryStore

        return MemoryStore(**options)
    if clock is None:
        from kcore.util.clock import RealClock

        clock = RealClock()
    if backend == "sqlite":
        from kcore.storage.sqlite import SqliteStore

        assert isinstance(target, str)
        return SqliteStore(Path(target), clock=clock, **options)
    from kcore.storage.etcd import EtcdStore

    assert isinstance(target, list)
    return EtcdStore(target, clock=clock, **options)
