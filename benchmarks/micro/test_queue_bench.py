"""SchedulingQueue micro-benchmark: add then pop 100k pods, native queue vs a plain heapq.

The heapq baseline orders ``(-priority, timestamp, seq, key)`` tuples, i.e. PrioritySort with no
key index, metadata, backoff or events. The native variants go through the public Python API:
one call per pod, a batch of snapshots, and columns (``pop_batch_arrays``). Every variant checks
that it popped all pods in the baseline's order. Compare the means within one run; the machine
is shared, so absolute times are noisy.

Run: ``pytest benchmarks/micro/test_queue_bench.py --benchmark-group-by=group``.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

import numpy as np
import pytest

from kcore.scheduler.backend.queue import SchedulingQueue

if TYPE_CHECKING:
    from pytest_benchmark.fixture import BenchmarkFixture

N = 100_000
GROUP = "queue-add-pop-100k"


@pytest.fixture(scope="module")
def pods() -> tuple[list[str], list[int], list[float]]:
    rng = np.random.default_rng(20_251_125)
    keys = [f"bench/pod-{i}" for i in range(N)]
    priorities = rng.integers(0, 10, N).tolist()
    timestamps = (1_000.0 + np.arange(N) * 1e-3).tolist()
    return keys, priorities, timestamps


@pytest.fixture(scope="module")
def expected(pods: tuple[list[str], list[int], list[float]]) -> list[str]:
    keys, priorities, timestamps = pods
    order = sorted(range(N), key=lambda i: (-priorities[i], timestamps[i], i))
    return [keys[i] for i in order]


def run(benchmark: BenchmarkFixture, fn: object) -> list[str]:
    return benchmark.pedantic(fn, rounds=3, iterations=1, warmup_rounds=0)  # type: ignore[no-any-return]


@pytest.mark.benchmark(group=GROUP)
def test_heapq_baseline(
    benchmark: BenchmarkFixture,
    pods: tuple[list[str], list[int], list[float]],
    expected: list[str],
) -> None:
    keys, priorities, timestamps = pods

    def add_pop() -> list[str]:
        heap: list[tuple[int, float, int, str]] = []
        push, pop = heapq.heappush, heapq.heappop
        for i, key in enumerate(keys):
            push(heap, (-priorities[i], timestamps[i], i, key))
        return [pop(heap)[3] for _ in range(N)]

    assert run(benchmark, add_pop) == expected


@pytest.mark.benchmark(group=GROUP)
def test_native_one_call_per_pod(
    benchmark: BenchmarkFixture,
    pods: tuple[list[str], list[int], list[float]],
    expected: list[str],
) -> None:
    keys, priorities, timestamps = pods

    def add_pop() -> list[str]:
        q = SchedulingQueue()
        add, pop = q.add, q.pop
        for i, key in enumerate(keys):
            add(key, timestamps[i], priority=priorities[i])
        out = []
        for _ in range(N):
            pod = pop(2_000.0)
            assert pod is not None
            out.append(pod.key)
        return out

    assert run(benchmark, add_pop) == expected


@pytest.mark.benchmark(group=GROUP)
def test_native_batch_snapshots(
    benchmark: BenchmarkFixture,
    pods: tuple[list[str], list[int], list[float]],
    expected: list[str],
) -> None:
    keys, priorities, _ = pods
    prio = np.asarray(priorities)
    tags = np.arange(N)

    def add_pop() -> list[str]:
        q = SchedulingQueue()
        q.add_batch(keys, 1_000.0, priorities=prio, tags=tags)
        return [p.key for p in q.pop_batch(2_000.0, N)]

    # One timestamp for the whole batch: the insertion order breaks the ties, as in the baseline.
    assert run(benchmark, add_pop) == expected


@pytest.mark.benchmark(group=GROUP)
def test_native_batch_arrays(
    benchmark: BenchmarkFixture,
    pods: tuple[list[str], list[int], list[float]],
    expected: list[str],
) -> None:
    keys, priorities, _ = pods
    prio = np.asarray(priorities)
    tags = np.arange(N)

    def add_pop() -> list[str]:
        q = SchedulingQueue()
        q.add_batch(keys, 1_000.0, priorities=prio, tags=tags)
        return q.pop_batch_arrays(2_000.0, N).keys

    assert run(benchmark, add_pop) == expected
