"""Terminal output of ``kcore bench``: workload listing, live progress, summary table."""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING, Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import Console

    from kcore.sim.backend import ClusterState
    from kcore.sim.bench import WorkloadResult
    from kcore.sim.workload import TestCase, Workload

__all__ = ["BenchProgress", "list_table", "summary_table"]


def _fmt_rate(v: float) -> str:
    if v >= 10_000:
        return f"{v / 1000:,.0f}k"
    if v >= 1000:
        return f"{v / 1000:.1f}k"
    return f"{v:,.0f}"


def list_table(items: Sequence[tuple[TestCase, Workload]], *, title: str) -> Table:
    """The workloads available (``kcore bench --list``)."""
    t = Table(title=title, title_justify="left")
    t.add_column("workload", no_wrap=True)
    t.add_column("labels")
    t.add_column("params", overflow="fold")
    t.add_column("notes", overflow="fold")
    for case, wl in items:
        params = " ".join(f"{k}={v}" for k, v in wl.params.items())
        notes = (case.unsupported and "unsupported") or ""
        thr = wl.threshold_for()
        if thr:
            notes = f"threshold {thr:g} pods/s" + (f"; {notes}" if notes else "")
        t.add_row(case.full_name(wl), ",".join(case.labels_of(wl)), params, notes)
    return t


def _fmt_us(ms: float) -> str:
    us = ms * 1000
    return f"{us:,.0f}" if us >= 100 else f"{us:.1f}"


def summary_table(results: Sequence[WorkloadResult], *, title: str = "kcore bench") -> Table:
    """One row per measured workload: throughput, attempt latency, memory, duration."""
    t = Table(title=title, title_justify="left", caption=_caption(results), caption_justify="left")
    t.add_column("workload", no_wrap=True)
    t.add_column("nodes", justify="right")
    t.add_column("pods", justify="right")
    t.add_column("pods/s", justify="right", style="bold")
    t.add_column("p50", justify="right")
    t.add_column("p90", justify="right")
    t.add_column("p99", justify="right")
    t.add_column("attempt µs\np50 / p99", justify="right")
    t.add_column("unsched", justify="right")
    t.add_column("RSS MB", justify="right")
    t.add_column("time s", justify="right")
    any_threshold = any(r.threshold for r in results)
    if any_threshold:
        t.add_column("threshold", justify="right")
    for r in results:
        row = [
            r.name,
            f"{r.nodes:,}",
            f"{r.pods:,}",
            _fmt_rate(r.throughput_avg),
            _fmt_rate(r.throughput_p50),
            _fmt_rate(r.throughput_p90),
            _fmt_rate(r.throughput_p99),
            f"{_fmt_us(r.attempt_latency_p50_ms)} / {_fmt_us(r.attempt_latency_p99_ms)}",
            f"{r.unschedulable:,}",
            f"{r.peak_rss_mb:,.0f}",
            f"{r.duration_s:.2f}",
        ]
        if any_threshold:
            if r.threshold_passed is None:
                row.append("")
            else:
                mark = "[green]ok[/]" if r.threshold_passed else "[red]FAIL[/]"
                row.append(f"{r.threshold:g} {mark}")
        t.add_row(*row)
    return t


def _caption(results: Sequence[WorkloadResult]) -> str:
    if not results:
        return ""
    r = results[0]
    return (
        f"kcore {r.kcore_version}, mode {r.mode}, seed {r.seed}, "
        f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}. "
        "pods/s: mean and percentiles of per-interval samples of placements in the measured "
        "namespace (interval per workload in --json); attempt: one scheduling cycle, all "
        "attempts; RSS: peak during the measured phase."
    )


class BenchProgress:
    """A live progress display: one bar per workload (pods scheduled of pods created)."""

    def __init__(self, console: Console, total: int) -> None:
        self.progress = Progress(
            TextColumn("[bold]{task.fields[index]}"),
            TextColumn("{task.description}", justify="left"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.total = total
        self.tasks: dict[str, TaskID] = {}
        self._index = 0

    def __enter__(self) -> BenchProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def hook(self, name: str, state: ClusterState, scheduled: int, total: int) -> None:
        """Progress callback for :func:`kcore.sim.bench.run_workload`."""
        task = self.tasks.get(name)
        if task is None:
            self._index += 1
            task = self.progress.add_task(
                name, total=max(total, 1), index=f"{self._index}/{self.total}", rate=""
            )
            self.tasks[name] = task
        self.progress.update(
            task,
            completed=min(scheduled, max(total, 1)),
            total=max(total, 1),
            rate=f"{len(state.nodes):,} nodes",
        )

    def fail(self, name: str, message: str) -> None:
        task = self.tasks.get(name)
        if task is None:
            self._index += 1
            task = self.progress.add_task(
                name, total=1, index=f"{self._index}/{self.total}", rate=""
            )
            self.tasks[name] = task
        self.progress.update(task, description=f"{name} [red]failed[/]: {message[:80]}")
