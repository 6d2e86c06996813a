"""Time for every kcore component: the only module allowed to read wall time or sleep.

Components receive a :class:`Clock` and never call ``time``/``asyncio.sleep`` themselves, so
the same code runs in real time (:class:`RealClock`, serving) and in virtual time
(:class:`VirtualClock`, simulation and tests, where time jumps to the next timer and a run is
reproducible).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """A source of time and of waiting.

    ``now()`` is seconds since the Unix epoch (for timestamps written into objects);
    ``monotonic()`` never goes backwards (for durations and deadlines); ``sleep()`` suspends the
    calling coroutine for ``seconds`` of this clock's time.
    """

    def now(self) -> float: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    """Wall-clock time and real sleeping (the serving mode)."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


def rfc3339(ts: float) -> str:
    """Format epoch seconds as Kubernetes writes timestamps: ``2025-11-03T09:00:00Z``."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_micro(ts: float) -> str:
    """Format epoch seconds with microseconds (``MicroTime``: leases, events.k8s.io)."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text: str) -> float:
    """Parse a Kubernetes timestamp (``Z`` or offset, optional fraction) to epoch seconds."""
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    return datetime.fromisoformat(s).timestamp()
