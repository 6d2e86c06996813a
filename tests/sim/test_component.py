"""``kcore.sim.component``: the seeded random source of ``--mode local`` and a small local run.

``SeededRandom`` decides the uids and generated names of every object a local benchmark
creates, so its values must not depend on how it draws them: the fast 64-bit path must give
exactly what one 32-bit draw at a time gives, whatever the interleaving of calls.
"""

from __future__ import annotations

import numpy as np
import pytest

from kcore.sim.bench import WorkloadResult
from kcore.sim.component import SeededRandom


class _OneDrawAtATime:
    """The reference: every 32 bits from its own ``integers(1 << 32)`` call."""

    def __init__(self, seed: int) -> None:
        self._gen = np.random.default_rng(seed)

    def randrange(self, stop: int) -> int:
        return int(self._gen.integers(stop))

    def getrandbits(self, k: int) -> int:
        out = 0
        for _ in range(0, k, 32):
            out = (out << 32) | int(self._gen.integers(1 << 32))
        return out & ((1 << k) - 1)

    def random(self) -> float:
        return float(self._gen.random())


@pytest.mark.parametrize("seed", [0, 1, 42, 2**31])
def test_seeded_random_matches_one_draw_at_a_time(seed: int) -> None:
    """Random interleavings of every call (odd bit counts leave a half word buffered,
    randrange may consume any number of draws) give identical values."""
    ops = np.random.default_rng(seed + 1)
    fast, ref = SeededRandom(seed), _OneDrawAtATime(seed)
    for _ in range(2000):
        op = int(ops.integers(6))
        if op == 0:
            assert fast.getrandbits(128) == ref.getrandbits(128)
        elif op == 1:
            k = int(ops.choice([1, 7, 32, 33, 64, 96, 160]))
            assert fast.getrandbits(k) == ref.getrandbits(k)
        elif op == 2:
            n = int(ops.integers(1, 1 << 40))
            assert fast.randrange(n) == ref.randrange(n)
        elif op == 3:
            n = int(ops.integers(1, 100))
            assert fast.randrange(n) == ref.randrange(n)
        else:
            assert fast.random() == ref.random()


def test_seeded_random_uids_are_reproducible() -> None:
    a, b = SeededRandom(7), SeededRandom(7)
    assert [a.getrandbits(128) for _ in range(5)] == [b.getrandbits(128) for _ in range(5)]
    assert SeededRandom(8).getrandbits(128) != SeededRandom(7).getrandbits(128)


def _small_local_run(
    options: dict[str, object], case_name: str = "SchedulingBasic", **params: int
) -> tuple[list[WorkloadResult], int]:
    import gc

    from kcore.sim.bench import embedded_test_cases, run_workload
    from kcore.sim.workload import Workload

    case = next(c for c in embedded_test_cases() if c.name == case_name)
    small = Workload(
        name="tiny", params=params or {"initNodes": 50, "initPods": 20, "measurePods": 200}
    )
    results = run_workload(case, small, mode="local", options=options)
    return list(results), gc.get_freeze_count()


@pytest.mark.parametrize("freeze", [True, False])
def test_local_run_schedules_everything_with_or_without_gc_freeze(freeze: bool) -> None:
    """``--mode local`` binds every pod and writes every Scheduled event; gc_freeze (on by
    default in local mode) is reported and undone when the backend closes."""
    options: dict[str, object] = {} if freeze else {"gc_freeze": False}
    results, frozen_after = _small_local_run(options)
    (r,) = results
    assert isinstance(r, WorkloadResult)
    assert r.pods == 200
    backend = r.backend
    assert backend["gc_freeze"] is freeze
    assert backend["events_recorded"] == 220  # init and measured pods
    assert backend["events_dropped"] == 0
    assert frozen_after == 0


def test_local_api_admits_like_upstreams_scheduler_perf_server() -> None:
    """Workload templates set ``spec.priority`` directly; upstream's integration test server
    runs without the Priority (and ServiceAccount) admission plugins, and so does the local
    API: PreemptionBasic preempts low-priority pods for high-priority ones."""
    results, _ = _small_local_run({}, "PreemptionBasic", initNodes=10, initPods=40, measurePods=10)
    (r,) = results
    assert r.pods == 10
    assert r.backend["preemptions"] > 0
    assert r.backend["errors"] == 0
