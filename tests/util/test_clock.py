"""VirtualClock: idle jumps, manual steps, determinism, executor tracking and guards.

Covers the virtual event loop (timers, asyncio timeouts, run_until, hold, executors) and the
RFC 3339 helpers. Real-time behaviour of RealClock is only smoke-tested (no sleeping).
"""

from __future__ import annotations

import asyncio
import random

import pytest

from kcore.util.clock import (
    DEFAULT_VIRTUAL_EPOCH,
    Clock,
    RealClock,
    VirtualClock,
    parse_rfc3339,
    rfc3339,
    rfc3339_micro,
)


def test_both_clocks_satisfy_protocol() -> None:
    assert isinstance(RealClock(), Clock)
    assert isinstance(VirtualClock(), Clock)


def test_starts_at_configured_instant() -> None:
    c = VirtualClock()
    assert c.monotonic() == 0.0
    assert c.now() == DEFAULT_VIRTUAL_EPOCH
    assert rfc3339(c.now()) == "2025-01-01T00:00:00Z"
    c2 = VirtualClock(start=1000.0, monotonic_start=50.0)
    assert (c2.now(), c2.monotonic()) == (1000.0, 50.0)
    c2.step(2.5)
    assert (c2.now(), c2.monotonic()) == (1002.5, 52.5)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_step_rejects_bad_durations(bad: float) -> None:
    c = VirtualClock()
    with pytest.raises(ValueError, match="non-negative"):
        c.step(bad)
    assert c.monotonic() == 0.0


def test_start_must_be_finite() -> None:
    with pytest.raises(ValueError, match="finite"):
        VirtualClock(start=float("nan"))


def test_sleep_jumps_exactly_and_in_order() -> None:
    c = VirtualClock()
    trace: list[tuple[float, str]] = []

    async def worker(name: str, period: float) -> None:
        for _ in range(3):
            await c.sleep(period)
            trace.append((c.monotonic(), name))

    async def main() -> float:
        await asyncio.gather(worker("a", 1.5), worker("b", 2.0))
        return c.monotonic()

    assert c.run(main()) == 6.0
    assert trace == [
        (1.5, "a"),
        (2.0, "b"),
        (3.0, "a"),
        (4.0, "b"),
        (4.5, "a"),
        (6.0, "b"),
    ]


def test_long_sleep_beyond_select_cap() -> None:
    """asyncio caps one select at a day; a week-long sleep still lands exactly."""
    c = VirtualClock()

    async def main() -> float:
        await c.sleep(7 * 86400 + 0.25)
        return c.monotonic()

    assert c.run(main()) == 7 * 86400 + 0.25


def test_asyncio_timeouts_are_virtual() -> None:
    c = VirtualClock()

    async def main() -> tuple[float, float]:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.Event().wait(), 30)
        t1 = c.monotonic()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(12):
                await asyncio.Event().wait()
        return t1, c.monotonic()

    assert c.run(main()) == (30.0, 42.0)


def test_zero_and_negative_sleep_yield_without_moving() -> None:
    c = VirtualClock()
    order: list[str] = []

    async def other() -> None:
        order.append("other")

    async def main() -> float:
        t = asyncio.ensure_future(other())
        await c.sleep(-5)
        order.append("main")
        await t
        return c.monotonic()

    assert c.run(main()) == 0.0
    assert order == ["other", "main"]


def test_step_inside_loop_fires_due_timers_late_in_order() -> None:
    c = VirtualClock()
    fired: list[tuple[str, float]] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.call_later(5, lambda: fired.append(("t5", c.monotonic())))
        loop.call_later(3, lambda: fired.append(("t3", c.monotonic())))
        loop.call_later(50, lambda: fired.append(("t50", c.monotonic())))
        c.step(10)
        assert fired == []  # nothing runs until the loop iterates
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    c.run(main())
    assert fired == [("t3", 10.0), ("t5", 10.0)]


def test_step_outside_loop_moves_time_only() -> None:
    c = VirtualClock()
    c.step(1.25)
    c.step(0)
    assert c.monotonic() == 1.25


def test_sleep_on_foreign_loop_is_refused() -> None:
    c = VirtualClock()
    with pytest.raises(RuntimeError, match="event loop driven by this clock"):
        asyncio.run(c.sleep(1))
    other = VirtualClock()
    with pytest.raises(RuntimeError, match="event loop driven by this clock"):
        other.run(c.sleep(1))


def test_runner_with_loop_factory() -> None:
    c = VirtualClock()
    with asyncio.Runner(loop_factory=c.new_event_loop) as runner:
        runner.run(c.sleep(9))
        runner.run(c.sleep(1))
    assert c.monotonic() == 10.0


def test_run_until_predicate_checks_when_idle() -> None:
    c = VirtualClock()
    state = {"n": 0}

    async def ticker() -> None:
        while True:
            await c.sleep(1)
            state["n"] += 1

    async def main() -> float:
        t = asyncio.ensure_future(ticker())
        await c.run_until(lambda: state["n"] >= 7)
        t.cancel()
        return c.monotonic()

    assert c.run(main()) == 7.0


def test_run_until_predicate_already_true_does_not_wait() -> None:
    c = VirtualClock()

    async def main() -> float:
        await c.run_until(lambda: True, timeout=5)
        return c.monotonic()

    assert c.run(main()) == 0.0


def test_run_until_timeout_names_condition() -> None:
    c = VirtualClock()

    def never() -> bool:
        return False

    async def main() -> None:
        await c.run_until(never, timeout=4)

    with pytest.raises(TimeoutError, match="never still false after 4 virtual seconds"):
        c.run(main())
    assert c.monotonic() == 4.0


def test_run_until_awaitable_returns_result() -> None:
    c = VirtualClock()

    async def slow() -> str:
        await c.sleep(3)
        return "done"

    async def main() -> str | None:
        return await c.run_until(slow(), timeout=10)

    assert c.run(main()) == "done"
    assert c.monotonic() == 3.0


def test_executor_work_blocks_the_idle_jump() -> None:
    """While a thread computes, a pending 100 s timer must not fire."""
    c = VirtualClock()

    def compute() -> int:
        return sum(i * i for i in range(200_000))

    async def main() -> tuple[int, float]:
        sleeper = asyncio.ensure_future(c.sleep(100))
        value = await asyncio.to_thread(compute)
        t = c.monotonic()
        await sleeper
        return value, t

    value, t = c.run(main())
    assert value == sum(i * i for i in range(200_000))
    assert t == 0.0
    assert c.monotonic() == 100.0


def test_hold_suspends_idle_jump() -> None:
    c = VirtualClock()

    async def main() -> list[float]:
        seen: list[float] = []
        loop = asyncio.get_running_loop()
        sleeper = asyncio.ensure_future(c.sleep(60))
        done = loop.create_future()
        with c.hold():
            assert c.held
            # An "external" completion arrives through call_soon_threadsafe.
            loop.call_soon_threadsafe(done.set_result, None)
            await done
            seen.append(c.monotonic())
        assert not c.held
        await sleeper
        seen.append(c.monotonic())
        return seen

    assert c.run(main()) == [0.0, 60.0]


def test_one_running_loop_per_clock() -> None:
    c = VirtualClock()

    def run_other() -> str:
        other = c.new_event_loop()

        async def noop() -> None:
            return None

        try:
            coro = noop()
            try:
                other.run_until_complete(coro)
            except RuntimeError as err:
                coro.close()
                return str(err)
            return "ran"
        finally:
            other.close()

    async def main() -> str:
        return await asyncio.to_thread(run_other)

    assert c.run(main()) == "another event loop is already running on this VirtualClock"


def _simulate(seed: int) -> list[tuple[float, str, int]]:
    """A small producer/consumer program with seeded random delays and timeouts."""
    c = VirtualClock()
    rng = random.Random(seed)
    trace: list[tuple[float, str, int]] = []

    async def producer(name: str, q: asyncio.Queue[int]) -> None:
        for i in range(30):
            await c.sleep(rng.expovariate(2.0))
            await q.put(i)
            trace.append((c.monotonic(), name, i))

    async def consumer(name: str, q: asyncio.Queue[int]) -> None:
        while True:
            try:
                item = await asyncio.wait_for(q.get(), rng.uniform(0.1, 0.6))
            except TimeoutError:
                trace.append((c.monotonic(), name + "-timeout", -1))
                continue
            await c.sleep(rng.random())
            trace.append((c.monotonic(), name, item))

    async def main() -> None:
        q: asyncio.Queue[int] = asyncio.Queue()
        consumers = [asyncio.ensure_future(consumer(f"c{i}", q)) for i in range(3)]
        await asyncio.gather(*(producer(f"p{i}", q) for i in range(4)))
        await c.sleep(5)
        for t in consumers:
            t.cancel()

    c.run(main())
    return trace


def test_same_program_same_trace() -> None:
    a = _simulate(7)
    b = _simulate(7)
    assert len(a) > 200
    assert a == b
    assert [t for t, _, _ in a] == sorted(t for t, _, _ in a)
    assert _simulate(8) != a


def test_rfc3339_helpers_round_trip() -> None:
    ts = 1_700_000_000.123456
    assert rfc3339(ts) == "2023-11-14T22:13:20Z"
    assert rfc3339_micro(ts) == "2023-11-14T22:13:20.123456Z"
    assert parse_rfc3339("2023-11-14T22:13:20Z") == 1_700_000_000.0
    assert parse_rfc3339("2023-11-14T22:13:20+00:00") == 1_700_000_000.0
    assert parse_rfc3339("2023-11-15T00:13:20+02:00") == 1_700_000_000.0
    assert abs(parse_rfc3339(rfc3339_micro(ts)) - ts) < 1e-6


def test_real_clock_smoke() -> None:
    rc = RealClock()
    a = rc.monotonic()
    assert rc.monotonic() >= a
    assert rc.now() > DEFAULT_VIRTUAL_EPOCH
    asyncio.run(rc.sleep(0))
