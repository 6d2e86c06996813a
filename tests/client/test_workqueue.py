"""Workqueues and rate limiters on a virtual clock: stingy and fair queueing, dirty re-adds,
shutdown (plain and draining), delaying-queue timings and dedup, rate-limited retries, and the
limiters' arithmetic."""

from __future__ import annotations

import asyncio

import pytest

from kcore.client.rate_limiters import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter,
    MaxOfRateLimiter,
    TokenBucket,
    WithMaxWaitRateLimiter,
    default_controller_rate_limiter,
)
from kcore.client.workqueue import DelayingQueue, Queue, RateLimitingQueue
from kcore.util.clock import VirtualClock


def run(coro):  # type: ignore[no-untyped-def]
    return VirtualClock().run(coro)


def test_add_dedups_until_get() -> None:
    async def main() -> None:
        q: Queue[str] = Queue()
        for k in ["a", "b", "a", "c", "b"]:
            q.add(k)
        assert len(q) == 3
        assert [(await q.get())[0] for _ in range(3)] == ["a", "b", "c"]

    run(main())


def test_stingy_readd_while_processing_is_requeued_on_done() -> None:
    async def main() -> None:
        q: Queue[str] = Queue()
        q.add("a")
        item, _ = await q.get()
        assert item == "a"
        assert q.is_processing("a")
        q.add("a")
        q.add("a")
        assert len(q) == 0  # not handed to a second worker while the first holds it
        assert q.get_nowait() == (None, False)
        q.done("a")
        assert len(q) == 1
        assert q.get_nowait() == ("a", False)
        q.done("a")
        assert len(q) == 0

    run(main())


def test_one_worker_per_item_with_many_workers() -> None:
    clock = VirtualClock()

    async def main() -> dict[str, int]:
        q: Queue[str] = Queue()
        active: set[str] = set()
        processed: dict[str, int] = {}

        async def worker() -> None:
            while True:
                item, shutdown = await q.get()
                if shutdown:
                    return
                assert item is not None
                assert item not in active, "an item is never processed by two workers at once"
                active.add(item)
                await clock.sleep(0.5)
                processed[item] = processed.get(item, 0) + 1
                active.discard(item)
                q.done(item)

        async def producer() -> None:
            for i in range(40):
                q.add(f"k{i % 5}")
                await clock.sleep(0.1)

        workers = [asyncio.ensure_future(worker()) for _ in range(4)]
        await producer()
        await q.shut_down_with_drain()
        await asyncio.gather(*workers)
        return processed

    processed = clock.run(main())
    assert set(processed) == {f"k{i}" for i in range(5)}


def test_waiting_workers_are_served_in_order() -> None:
    async def main() -> list[tuple[int, str]]:
        q: Queue[str] = Queue()
        got: list[tuple[int, str]] = []

        async def worker(n: int) -> None:
            item, _ = await q.get()
            got.append((n, str(item)))

        tasks = []
        for n in range(3):
            tasks.append(asyncio.ensure_future(worker(n)))
            await asyncio.sleep(0)
        q.add("x")
        q.add("y")
        q.add("z")
        # A newcomer must not overtake the workers already waiting.
        assert q.get_nowait() == (None, False)
        await asyncio.gather(*tasks)
        return got

    assert run(main()) == [(0, "x"), (1, "y"), (2, "z")]


def test_cancelled_waiter_does_not_lose_an_item() -> None:
    async def main() -> tuple[str | None, bool]:
        q: Queue[str] = Queue()
        t = asyncio.ensure_future(q.get())
        await asyncio.sleep(0)
        q.add("a")  # handed to t's future...
        t.cancel()  # ...but t is cancelled before it runs
        with pytest.raises(asyncio.CancelledError):
            await t
        assert not q.is_processing("a")
        return q.get_nowait()

    assert run(main()) == ("a", False)


def test_shut_down_releases_workers_after_queue_empties() -> None:
    async def main() -> list[tuple[str | None, bool]]:
        q: Queue[str] = Queue()
        waiting = asyncio.ensure_future(q.get())
        await asyncio.sleep(0)
        q.shut_down()
        assert await waiting == (None, True)
        r = Queue[str]()
        r.add("a")
        r.shut_down()
        r.add("b")  # ignored
        out = [await r.get(), await r.get()]
        assert r.shutting_down()
        return out

    assert run(main()) == [("a", False), (None, True)]


def test_shut_down_with_drain_waits_for_in_flight_items() -> None:
    clock = VirtualClock()

    async def main() -> list[str]:
        q: Queue[str] = Queue()
        log: list[str] = []
        q.add("a")
        _item, _ = await q.get()

        async def finish() -> None:
            await clock.sleep(7)
            log.append("done")
            q.done("a")

        t = asyncio.ensure_future(finish())
        await q.shut_down_with_drain()
        log.append(f"drained at {clock.monotonic()}")
        await t
        return log

    assert clock.run(main()) == ["done", "drained at 7.0"]


def test_delaying_queue_timings_and_earliest_wins() -> None:
    clock = VirtualClock()

    async def main() -> list[tuple[float, str]]:
        q: DelayingQueue[str] = DelayingQueue(clock)
        out: list[tuple[float, str]] = []
        q.add_after("late", 10)
        q.add_after("early", 2)
        q.add_after("late", 5)  # earlier time wins
        q.add_after("early", 8)  # later time ignored
        q.add_after("now", 0)
        assert q.waiting() == 2
        for _ in range(3):
            item, _ = await q.get()
            out.append((clock.monotonic(), str(item)))
            q.done(str(item))
        assert q.waiting() == 0
        q.add_after("dropped", 3)
        q.shut_down()
        await clock.sleep(5)
        assert len(q) == 0
        return out

    assert clock.run(main()) == [(0.0, "now"), (2.0, "early"), (5.0, "late")]


def test_delaying_queue_same_time_keeps_insertion_order() -> None:
    clock = VirtualClock()

    async def main() -> list[str]:
        q: DelayingQueue[str] = DelayingQueue(clock)
        for k in ["c", "a", "b"]:
            q.add_after(k, 1)
        return [str((await q.get())[0]) for _ in range(3)]

    assert clock.run(main()) == ["c", "a", "b"]


def test_rate_limiting_queue_retries_with_exponential_backoff() -> None:
    clock = VirtualClock()

    async def main() -> list[float]:
        q: RateLimitingQueue[str] = RateLimitingQueue(
            ItemExponentialFailureRateLimiter(1.0, 60.0), clock
        )
        q.add("k")
        times: list[float] = []
        for _ in range(5):
            item, _ = await q.get()
            times.append(clock.monotonic())
            q.add_rate_limited(str(item))
            q.done(str(item))
        assert q.num_requeues("k") == 5
        q.forget("k")
        assert q.num_requeues("k") == 0
        return times

    assert clock.run(main()) == [0.0, 1.0, 3.0, 7.0, 15.0]


def test_exponential_limiter_caps_and_forgets() -> None:
    lim = ItemExponentialFailureRateLimiter(0.005, 1000.0)
    waits = [lim.when("a") for _ in range(20)]
    assert waits[:3] == [0.005, 0.01, 0.02]
    assert waits[-1] == 1000.0
    assert lim.when("b") == 0.005
    for _ in range(1100):
        lim.when("c")
    assert lim.when("c") == 1000.0
    lim.forget("a")
    assert lim.num_requeues("a") == 0
    with pytest.raises(ValueError, match="delays must be >= 0"):
        ItemExponentialFailureRateLimiter(-1, 1)


def test_fast_slow_and_max_wait_limiters() -> None:
    fs = ItemFastSlowRateLimiter(0.1, 5.0, 2)
    assert [fs.when("x") for _ in range(4)] == [0.1, 0.1, 5.0, 5.0]
    assert fs.num_requeues("x") == 4
    capped = WithMaxWaitRateLimiter(ItemExponentialFailureRateLimiter(1, 100), 3)
    assert [capped.when("x") for _ in range(4)] == [1, 2, 3, 3]


def test_token_bucket_burst_then_rate() -> None:
    clock = VirtualClock()
    b = TokenBucket(10.0, 3, clock)
    assert [b.reserve() for _ in range(5)] == pytest.approx([0, 0, 0, 0.1, 0.2])
    clock.step(1.0)
    assert b.tokens() == pytest.approx(3.0 - 0.0)  # refilled to burst, not beyond
    assert b.try_accept()
    with pytest.raises(ValueError, match="qps > 0 and burst >= 1"):
        TokenBucket(0, 1, clock)
    inf = TokenBucket(float("inf"), 1, clock)
    assert [inf.reserve() for _ in range(3)] == [0, 0, 0]


def test_token_bucket_wait_sleeps_on_clock() -> None:
    clock = VirtualClock()

    async def main() -> list[float]:
        b = TokenBucket(2.0, 1, clock)
        out = []
        for _ in range(4):
            await b.wait()
            out.append(clock.monotonic())
        return out

    assert clock.run(main()) == [0.0, 0.5, 1.0, 1.5]


def test_default_controller_rate_limiter_is_max_of_item_and_bucket() -> None:
    clock = VirtualClock()
    lim = default_controller_rate_limiter(clock)
    assert isinstance(lim, MaxOfRateLimiter)
    # The first 100 failures of distinct items ride the burst: per-item backoff only.
    assert [lim.when(f"i{i}") for i in range(100)] == [0.005] * 100
    # The 101st waits for a token (10 qps).
    assert lim.when("i100") == pytest.approx(0.1)
    assert lim.when("i0") == pytest.approx(0.2)
    assert lim.num_requeues("i0") == 2
    lim.forget("i0")
    assert lim.num_requeues("i0") == 0
    bucket = BucketRateLimiter(1.0, 1, clock)
    assert bucket.num_requeues("x") == 0
    with pytest.raises(ValueError, match="at least one limiter"):
        MaxOfRateLimiter()
