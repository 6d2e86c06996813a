"""Backoff and jitter on a :class:`~kcore.util.clock.Clock` (apimachinery's ``util/wait``).

Randomness comes from a generator the caller passes in (anything with a ``random()`` method
returning a float in ``[0, 1)``: ``random.Random(seed)`` or ``numpy.random.default_rng(seed)``),
so runs on a virtual clock are reproducible.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from kcore.util.clock import Clock

_T = TypeVar("_T")


class Rand(Protocol):
    """A seeded source of uniform floats in ``[0, 1)``."""

    def random(self) -> float: ...


class _NoJitter:
    """The deterministic stand-in when no generator is given: always 0.5."""

    def random(self) -> float:
        return 0.5


NO_JITTER_RAND: Rand = _NoJitter()


def jitter(duration: float, max_factor: float, rng: Rand) -> float:
    """``duration + rng.random() * max_factor * duration`` (``max_factor <= 0`` means 1.0)."""
    if max_factor <= 0.0:
        max_factor = 1.0
    return duration + rng.random() * max_factor * duration


class ExponentialBackoffManager:
    """Exponentially growing waits that reset after a quiet period (client-go's
    ``NewExponentialBackoffManager``, used by the Reflector: 0.8 s doubling to 30 s, reset after
    2 min without backing off, jitter 1.0).

    Contract: ``backoff()`` returns the next wait in seconds and records when it was asked for;
    the base wait starts at ``initial`` and is multiplied by ``factor`` per call up to ``cap``;
    if more than ``reset_after`` seconds passed since the previous call, it restarts at
    ``initial``. The jittered wait is ``base * (1 + jitter * rng.random())``.
    """

    __slots__ = (
        "_clock",
        "_current",
        "_factor",
        "_initial",
        "_jitter",
        "_last",
        "_max",
        "_reset",
        "_rng",
    )

    def __init__(
        self,
        clock: Clock,
        *,
        initial: float = 0.8,
        cap: float = 30.0,
        reset_after: float = 120.0,
        factor: float = 2.0,
        jitter: float = 1.0,
        rng: Rand | None = None,
    ) -> None:
        if not (initial > 0 and cap >= initial and factor >= 1.0 and jitter >= 0.0):
            msg = (
                f"invalid backoff: initial={initial} cap={cap} factor={factor} jitter={jitter} "
                "(need initial > 0, cap >= initial, factor >= 1, jitter >= 0)"
            )
            raise ValueError(msg)
        self._clock = clock
        self._initial = initial
        self._max = cap
        self._reset = reset_after
        self._factor = factor
        self._jitter = jitter
        self._rng = rng or NO_JITTER_RAND
        # _current: base (unjittered) wait of the previous call; 0 before the first.
        self._current = 0.0
        # _last: clock.monotonic() of the previous call; -inf before the first.
        self._last = -math.inf

    def backoff(self) -> float:
        """The next wait, in seconds."""
        now = self._clock.monotonic()
        if self._current == 0.0 or now - self._last > self._reset:
            self._current = self._initial
        else:
            self._current = min(self._current * self._factor, self._max)
        self._last = now
        if self._jitter > 0:
            return self._current * (1.0 + self._jitter * self._rng.random())
        return self._current

    def reset(self) -> None:
        """Start again from ``initial`` at the next call."""
        self._current = 0.0


async def wait_for(clock: Clock, aw: Awaitable[_T], timeout: float | None) -> _T:
    """``asyncio.wait_for`` with the timeout measured on ``clock`` (raises ``TimeoutError``).

    The awaitable is cancelled when the time is up; ``timeout=None`` waits forever.
    """
    if timeout is None:
        return await aw
    loop = asyncio.get_running_loop()
    task: asyncio.Future[_T] = asyncio.ensure_future(aw)
    sleeper = loop.create_task(clock.sleep(timeout))
    try:
        await asyncio.wait((task, sleeper), return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        sleeper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    msg = f"timed out after {timeout} seconds"
    raise TimeoutError(msg)
