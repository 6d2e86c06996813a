"""Per-item and overall rate limiters for workqueues (client-go ``util/workqueue``
``default_rate_limiters.go``) and the token bucket clients use for QPS/burst
(``util/flowcontrol``).

A workqueue rate limiter answers "how long should this item wait before its next retry?"
(``when``), counts retries (``num_requeues``) and forgets an item once it succeeded
(``forget``). Time comes from the :class:`~kcore.util.clock.Clock` given to the limiters that
need it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Hashable

    from kcore.util.clock import Clock


class RateLimiter(Protocol):
    """client-go ``workqueue.RateLimiter``."""

    def when(self, item: Hashable) -> float:
        """Seconds ``item`` should wait before being processed again (records a failure)."""
        ...

    def forget(self, item: Hashable) -> None:
        """Stop tracking ``item`` (it succeeded, or was given up on)."""
        ...

    def num_requeues(self, item: Hashable) -> int:
        """How many failures of ``item`` are being tracked."""
        ...


class ItemExponentialFailureRateLimiter:
    """``base_delay * 2**failures`` per item, capped at ``max_delay``.

    Contract: the n-th ``when(item)`` since the last ``forget(item)`` returns
    ``min(base_delay * 2**(n-1), max_delay)``; items are tracked independently.
    """

    __slots__ = ("_failures", "base_delay", "max_delay")

    def __init__(self, base_delay: float = 0.005, max_delay: float = 1000.0) -> None:
        if base_delay < 0 or max_delay < 0:
            msg = f"delays must be >= 0, got base={base_delay} max={max_delay}"
            raise ValueError(msg)
        self.base_delay = base_delay
        self.max_delay = max_delay
        # _failures: item -> failures since its last forget(); absent means 0.
        self._failures: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        exp = self._failures.get(item, 0)
        self._failures[item] = exp + 1
        if exp >= 1024:  # 2**exp would overflow a float
            return self.max_delay
        backoff = self.base_delay * math.pow(2.0, exp)
        if not math.isfinite(backoff) or backoff > self.max_delay:
            return self.max_delay
        return backoff

    def num_requeues(self, item: Hashable) -> int:
        return self._failures.get(item, 0)

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)


class ItemFastSlowRateLimiter:
    """``fast_delay`` for the first ``max_fast_attempts`` failures of an item, then
    ``slow_delay``."""

    __slots__ = ("_failures", "fast_delay", "max_fast_attempts", "slow_delay")

    def __init__(self, fast_delay: float, slow_delay: float, max_fast_attempts: int) -> None:
        self.fast_delay = fast_delay
        self.slow_delay = slow_delay
        self.max_fast_attempts = max_fast_attempts
        self._failures: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        n = self._failures.get(item, 0) + 1
        self._failures[item] = n
        return self.fast_delay if n <= self.max_fast_attempts else self.slow_delay

    def num_requeues(self, item: Hashable) -> int:
        return self._failures.get(item, 0)

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)


class TokenBucket:
    """A token bucket of ``burst`` tokens refilled at ``qps`` per second on ``clock``
    (``golang.org/x/time/rate.Limiter`` reservations).

    Contract: the bucket starts full. ``reserve()`` takes one token now and returns how long
    the caller must wait before using it (0 while tokens remain); reservations queue up, so
    ``n`` back-to-back reservations on an empty bucket wait ``1/qps, 2/qps, ...``.
    ``qps == inf`` never waits.
    """

    __slots__ = ("_clock", "_last", "_tokens", "burst", "qps")

    def __init__(self, qps: float, burst: int, clock: Clock) -> None:
        if not (qps > 0) or burst < 1:
            msg = f"token bucket needs qps > 0 and burst >= 1, got qps={qps} burst={burst}"
            raise ValueError(msg)
        self.qps = qps
        self.burst = burst
        self._clock = clock
        # _tokens: tokens available at time _last (negative when reservations are queued).
        self._tokens = float(burst)
        self._last = clock.monotonic()

    def _advance(self, now: float) -> None:
        elapsed = now - self._last
        if elapsed > 0:
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.qps)
            self._last = now

    def reserve(self) -> float:
        """Take a token; return the wait in seconds before it may be used."""
        if math.isinf(self.qps):
            return 0.0
        self._advance(self._clock.monotonic())
        self._tokens -= 1.0
        if self._tokens >= 0:
            return 0.0
        return -self._tokens / self.qps

    def try_accept(self) -> bool:
        """Take a token only if one is available now."""
        if math.isinf(self.qps):
            return True
        self._advance(self._clock.monotonic())
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    async def wait(self) -> None:
        """Take a token, sleeping on the clock until it may be used (client-go ``Wait``)."""
        delay = self.reserve()
        if delay > 0:
            await self._clock.sleep(delay)

    def tokens(self) -> float:
        """Tokens available now (negative while reservations are queued)."""
        self._advance(self._clock.monotonic())
        return self._tokens


class BucketRateLimiter:
    """An overall token bucket shared by all items (client-go ``BucketRateLimiter``): ``when``
    is the wait of a reservation; requeues are not counted per item."""

    __slots__ = ("bucket",)

    def __init__(self, qps: float, burst: int, clock: Clock) -> None:
        self.bucket = TokenBucket(qps, burst, clock)

    def when(self, item: Hashable) -> float:
        del item
        return self.bucket.reserve()

    def num_requeues(self, item: Hashable) -> int:
        del item
        return 0

    def forget(self, item: Hashable) -> None:
        del item


class MaxOfRateLimiter:
    """The longest wait of several limiters (all of them record every failure)."""

    __slots__ = ("limiters",)

    def __init__(self, *limiters: RateLimiter) -> None:
        if not limiters:
            msg = "MaxOfRateLimiter needs at least one limiter"
            raise ValueError(msg)
        self.limiters: tuple[RateLimiter, ...] = limiters

    def when(self, item: Hashable) -> float:
        return max(lim.when(item) for lim in self.limiters)

    def num_requeues(self, item: Hashable) -> int:
        return max(lim.num_requeues(item) for lim in self.limiters)

    def forget(self, item: Hashable) -> None:
        for lim in self.limiters:
            lim.forget(item)


class WithMaxWaitRateLimiter:
    """Caps another limiter's wait at ``max_delay``."""

    __slots__ = ("limiter", "max_delay")

    def __init__(self, limiter: RateLimiter, max_delay: float) -> None:
        self.limiter = limiter
        self.max_delay = max_delay

    def when(self, item: Hashable) -> float:
        return min(self.limiter.when(item), self.max_delay)

    def num_requeues(self, item: Hashable) -> int:
        return self.limiter.num_requeues(item)

    def forget(self, item: Hashable) -> None:
        self.limiter.forget(item)


def default_controller_rate_limiter(clock: Clock) -> MaxOfRateLimiter:
    """client-go's ``DefaultControllerRateLimiter``: per-item exponential backoff from 5 ms to
    1000 s, and an overall bucket of 10 qps with a burst of 100 (only limits retry storms)."""
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(0.005, 1000.0),
        BucketRateLimiter(10.0, 100, clock),
    )


def default_item_based_rate_limiter() -> ItemExponentialFailureRateLimiter:
    """client-go's ``DefaultItemBasedRateLimiter``: exponential from 1 ms to 1000 s."""
    return ItemExponentialFailureRateLimiter(0.001, 1000.0)
