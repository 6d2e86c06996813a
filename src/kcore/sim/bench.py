"""Running scheduler_perf workloads and reporting their results (``kcore bench``).

:func:`embedded_test_cases` loads the workloads shipped with kcore
(``kcore/sim/workloads/performance-config.yaml``); :func:`run_workload` runs one workload
on a fresh backend and returns one :class:`WorkloadResult` per metrics collection;
:func:`results_document` builds the ``--json`` document.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import importlib.resources
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kcore.sim.backend import BACKENDS, ClusterState
from kcore.sim.executor import Executor, check_workload_supported
from kcore.sim.metrics import DEFAULT_SAMPLE_INTERVAL
from kcore.sim.workload import (
    TestCase,
    Workload,
    WorkloadError,
    load_test_cases,
    resolve_ops,
)
from kcore.util.clock import RealClock

if TYPE_CHECKING:
    from kcore.scheduler.apis.config.types import ResolvedProfile
    from kcore.util.clock import Clock

__all__ = [
    "DEFAULT_LABEL_FILTER",
    "WorkloadResult",
    "embedded_config_path",
    "embedded_test_cases",
    "results_document",
    "run_workload",
]

#: Label of the embedded workloads that ``kcore bench`` runs without a NAME.
DEFAULT_LABEL_FILTER = "default"

JSON_KEYS = (
    "name",
    "mode",
    "nodes",
    "pods",
    "throughput_avg",
    "throughput_p50",
    "throughput_p90",
    "throughput_p99",
    "attempt_latency_p50_ms",
    "attempt_latency_p99_ms",
    "peak_rss_mb",
)


def embedded_config_path() -> Path:
    """The embedded ``performance-config.yaml`` (package data)."""
    root = importlib.resources.files("kcore.sim") / "workloads" / "performance-config.yaml"
    return Path(str(root))


def embedded_test_cases() -> list[TestCase]:
    """The workloads shipped with kcore."""
    return load_test_cases(embedded_config_path())


@dataclass
class WorkloadResult:
    """The measurements of one metrics collection of one workload (see docs/benchmarks.md)."""

    name: str
    mode: str
    nodes: int
    pods: int
    throughput_avg: float
    throughput_p50: float
    throughput_p90: float
    throughput_p99: float
    attempt_latency_p50_ms: float
    attempt_latency_p99_ms: float
    peak_rss_mb: float
    scheduled: int = 0
    unschedulable: int = 0
    attempts: int = 0
    duration_s: float = 0.0
    setup_s: float = 0.0
    samples: int = 0
    sample_interval_s: float = 0.0
    throughput_p95: float = 0.0
    attempt_latency_p90_ms: float = 0.0
    attempt_latency_avg_ms: float = 0.0
    overall_throughput: float = 0.0
    threshold: float = 0.0
    threshold_passed: bool | None = None
    seed: int = 0
    kcore_version: str = ""
    backend: dict[str, Any] = field(default_factory=dict)
    ignored_feature_gates: dict[str, bool] = field(default_factory=dict)
    #: The throughput samples in time order (pods/s, one per ``sample_interval_s``).
    throughput_series: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        ordered = {k: d.pop(k) for k in JSON_KEYS}
        return {**ordered, **d}


def _version() -> str:
    from kcore import __version__

    return __version__


def profile_for(case: TestCase) -> ResolvedProfile | None:
    """The profile a test case runs with: its ``schedulerConfigPath`` or kcore's default."""
    if not case.scheduler_config_path:
        return None
    from kcore.scheduler.apis.config import load_config

    cfg = load_config(case.path(case.scheduler_config_path))
    return cfg.profile(cfg.profiles[0].scheduler_name)


ProgressHook = Callable[[str, ClusterState, int, int], None]


async def _run_async(
    case: TestCase,
    workload: Workload,
    *,
    mode: str,
    seed: int,
    clock: Clock,
    sample_interval: float | None,
    options: Mapping[str, Any],
    progress: ProgressHook | None,
    topic: str,
) -> list[WorkloadResult]:
    check_workload_supported(case, workload)
    ops = resolve_ops(case, workload)
    factory = BACKENDS.get(mode)
    if factory is None:
        msg = f"unknown mode {mode!r}; available: {', '.join(sorted(BACKENDS))}"
        raise WorkloadError(msg)
    state = ClusterState()
    backend = factory(
        profile=profile_for(case), clock=clock, seed=seed, state=state, options=options
    )
    executor = Executor(case, workload, backend, clock, seed=seed, sample_interval=sample_interval)
    total_pods = sum(int(op.get("count", 0)) for op in ops if op.opcode == "createPods")
    started = clock.monotonic()
    ticker: asyncio.Task[None] | None = None
    if progress is not None:
        hook = progress

        async def tick() -> None:
            while True:
                hook(case.full_name(workload), state, state.total_scheduled, total_pods)
                await clock.sleep(0.1)

        ticker = asyncio.ensure_future(tick())
    await backend.start()
    try:
        collected = await executor.run(ops)
    finally:
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
        await backend.close()
    if progress is not None:
        progress(case.full_name(workload), state, state.total_scheduled, total_pods)
    elapsed = clock.monotonic() - started
    gates = case.feature_gates_of(workload)
    threshold = workload.threshold_for(topic)
    out: list[WorkloadResult] = []
    for c in collected:
        name = case.full_name(workload)
        if len(collected) > 1:
            name = f"{name}/{c.name}"
        t = c.throughput
        p50, p90, p99 = c.latencies.percentiles_ms(50, 90, 99)
        passed = None if threshold <= 0 else t.average > threshold
        out.append(
            WorkloadResult(
                name=name,
                mode=mode,
                nodes=len(state.nodes),
                pods=t.scheduled,
                throughput_avg=t.average,
                throughput_p50=t.p50,
                throughput_p90=t.p90,
                throughput_p99=t.p99,
                throughput_p95=t.p95,
                attempt_latency_p50_ms=p50,
                attempt_latency_p90_ms=p90,
                attempt_latency_p99_ms=p99,
                attempt_latency_avg_ms=c.latencies.mean_ms(),
                peak_rss_mb=c.peak_rss_bytes / (1024 * 1024),
                scheduled=c.latencies.scheduled,
                unschedulable=c.latencies.unschedulable,
                attempts=c.latencies.attempts,
                duration_s=c.duration_s,
                setup_s=max(0.0, elapsed - c.duration_s),
                samples=t.samples,
                sample_interval_s=t.interval_s,
                overall_throughput=(t.scheduled / t.duration_s) if t.duration_s > 0 else 0.0,
                threshold=threshold,
                threshold_passed=passed,
                seed=seed,
                kcore_version=_version(),
                backend=backend.info(),
                ignored_feature_gates=gates,
                throughput_series=[round(x, 1) for x in t.series],
            )
        )
    return out


def run_workload(
    case: TestCase,
    workload: Workload,
    *,
    mode: str = "core",
    seed: int = 0,
    clock: Clock | None = None,
    sample_interval: float | None = DEFAULT_SAMPLE_INTERVAL,
    options: Mapping[str, Any] | None = None,
    progress: ProgressHook | None = None,
    topic: str = "",
) -> list[WorkloadResult]:
    """Run one workload on a fresh backend; one result per metrics collection.

    ``clock`` defaults to :class:`~kcore.util.clock.RealClock` (benchmarks measure real time);
    a :class:`~kcore.util.clock.VirtualClock` runs the same workload in virtual time.

    Raises
    ------
    WorkloadError
        Bad parameters or an unsupported test case.
    kcore.sim.executor.ExecutionError
        An op failed (e.g. pods that can never be scheduled before a barrier).
    """
    clk = clock or RealClock()
    gc.collect()
    coro = _run_async(
        case,
        workload,
        mode=mode,
        seed=seed,
        clock=clk,
        sample_interval=sample_interval,
        options=options or {},
        progress=progress,
        topic=topic,
    )
    runner = getattr(clk, "run", None)
    if callable(runner):
        result: list[WorkloadResult] = runner(coro)
        return result
    return asyncio.run(coro)


def results_document(results: list[WorkloadResult]) -> dict[str, Any]:
    """The ``--json`` document: ``{"workloads": [...]}`` plus run metadata."""
    return {
        "kcore_version": _version(),
        "workloads": [r.to_dict() for r in results],
    }
