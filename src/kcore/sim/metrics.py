"""Benchmark metrics: SchedulingThroughput samples, attempt latency percentiles, peak RSS.

**Throughput.** Upstream's collector counts pods whose ``nodeName`` becomes set and, every
second, appends ``newly scheduled / elapsed`` as a sample; empty ticks are merged into the next
non-empty one (``skipped + 1`` copies of the merged rate), and the first non-empty tick only
marks the start. The result is the mean of the samples and percentiles by rank
``ceil(n * P / 100)``. kcore's core mode can place 10 000 pods in well under a second, where
1-second ticks would give no sample at all, so kcore records the *time of every placement*
and samples afterwards. By default the interval adapts to the phase: the largest of 1 s,
500 ms, 200 ms, ... down to 1 ms that still yields at least 20 samples (so a long phase is
sampled like upstream's, and a 0.1 s phase in 5 ms steps); ``--sample-interval`` fixes it
(``1s`` reproduces upstream's granularity). The interval used is reported with the results.
Sampling after the fact makes the start exact (the first placement), so no tick is discarded;
a final partial interval shorter than half an interval is merged into the previous sample
rather than reported as a rate over a tiny window.

**Attempt latency.** The scheduling core measures every scheduling cycle (``latency_ns``);
percentiles are taken over all attempts (scheduled or not) of the collection window, the
equivalent of ``scheduler_scheduling_attempt_duration_seconds``.

**Memory.** Peak resident set size sampled during the collection window (Linux
``/proc/self/statm``; elsewhere the process-lifetime ``ru_maxrss``).
"""

from __future__ import annotations

import math
import resource
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Mapping

    from numpy.typing import NDArray

__all__ = [
    "AttemptLatencies",
    "RSSSampler",
    "ThroughputCollector",
    "ThroughputSummary",
    "percentile_rank",
    "throughput_samples",
]

#: ``None`` = choose the interval per collection with :func:`choose_interval`.
DEFAULT_SAMPLE_INTERVAL: float | None = None
MIN_SAMPLES = 20
_NICE_INTERVALS = (1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001)


def choose_interval(duration: float, min_samples: int = MIN_SAMPLES) -> float:
    """The largest interval of 1 s, 500 ms, 200 ms, ..., 1 ms giving ``min_samples``
    samples over ``duration`` seconds (1 ms if none does)."""
    for interval in _NICE_INTERVALS:
        if duration / interval >= min_samples:
            return interval
    return _NICE_INTERVALS[-1]


def percentile_rank(sorted_values: NDArray[np.float64] | list[float], p: float) -> float:
    """Upstream's percentile: the value at 1-based rank ``ceil(n * p / 100)`` (0 if empty)."""
    n = len(sorted_values)
    if n == 0:
        return 0.0
    rank = max(1, math.ceil(n * p / 100.0))
    return float(sorted_values[min(rank, n) - 1])


def throughput_samples(
    times: NDArray[np.float64], interval: float, *, start: float | None = None
) -> list[float]:
    """Per-interval throughput samples (pods/s) from sorted placement times (seconds).

    Intervals start at ``start`` (default: the first placement). Empty intervals are merged
    into the next non-empty one, which contributes ``skipped + 1`` copies of its rate (as
    upstream's collector does). A trailing partial interval shorter than ``interval / 2`` is
    merged into the previous sample.
    """
    if interval <= 0:
        msg = f"sample interval must be > 0, got {interval}"
        raise ValueError(msg)
    n = len(times)
    if n == 0:
        return []
    t0 = float(times[0]) if start is None else start
    end = float(times[-1])
    span = end - t0
    if span <= 0:
        return []
    n_bins = max(1, math.ceil(span / interval))
    edges = t0 + interval * np.arange(1, n_bins + 1, dtype=np.float64)
    edges[-1] = max(edges[-1], end)
    # Count placements at or before each edge (the first placement opens the window).
    cum = np.searchsorted(times, edges, side="right")
    counts = np.diff(np.concatenate(([0 if start is not None else 1], cum)))
    widths = np.full(n_bins, interval, dtype=np.float64)
    last_width = end - (t0 + interval * (n_bins - 1))
    widths[-1] = last_width
    if n_bins > 1 and last_width < interval / 2:
        counts[-2] += counts[-1]
        widths[-2] += widths[-1]
        counts = counts[:-1]
        widths = widths[:-1]
    samples: list[float] = []
    skipped = 0
    pending_width = 0.0
    for c, w in zip(counts.tolist(), widths.tolist(), strict=True):
        pending_width += w
        if c == 0:
            skipped += 1
            continue
        rate = c / pending_width
        samples.extend([rate] * (skipped + 1))
        skipped = 0
        pending_width = 0.0
    return samples


@dataclass(frozen=True, slots=True)
class ThroughputSummary:
    """SchedulingThroughput of one collection (pods/s)."""

    samples: int
    average: float
    p50: float
    p90: float
    p95: float
    p99: float
    scheduled: int
    duration_s: float
    interval_s: float
    #: The samples in time order (pods/s; sample ``i`` covers ``[i, i + 1) * interval_s``
    #: from the first placement).
    series: tuple[float, ...] = ()

    @classmethod
    def from_times(
        cls, times: NDArray[np.float64], interval: float | None, start: float
    ) -> ThroughputSummary:
        """Summarise placement times; ``interval=None`` picks one with :func:`choose_interval`."""
        if interval is None:
            span = float(times[-1] - times[0]) if len(times) > 1 else 0.0
            interval = choose_interval(span)
        s = throughput_samples(times, interval)
        arr = np.sort(np.asarray(s, dtype=np.float64))
        duration = float(times[-1] - start) if len(times) else 0.0
        return cls(
            samples=len(s),
            average=float(arr.mean()) if len(arr) else 0.0,
            p50=percentile_rank(arr, 50),
            p90=percentile_rank(arr, 90),
            p95=percentile_rank(arr, 95),
            p99=percentile_rank(arr, 99),
            scheduled=len(times),
            duration_s=duration,
            interval_s=interval,
            series=tuple(s),
        )


@dataclass
class ThroughputCollector:
    """Collects placement times of the pods a collection selects.

    Invariant: ``times`` holds one entry per selected pod placed since ``start`` (seconds on
    the run's monotonic clock), appended in non-decreasing order by the backend.
    """

    name: str
    namespaces: frozenset[str] | None  # None = every namespace
    label_selector: dict[str, str]
    start: float
    _chunks: list[NDArray[np.float64]] = field(default_factory=list)

    def selects(self, namespace: str, labels: Mapping[str, str] | None) -> bool:
        if self.namespaces is not None and namespace not in self.namespaces:
            return False
        if not self.label_selector:
            return True
        if labels is None:
            return False
        return all(labels.get(k) == v for k, v in self.label_selector.items())

    def add(self, times: NDArray[np.float64]) -> None:
        if len(times):
            self._chunks.append(times)

    def times(self) -> NDArray[np.float64]:
        if not self._chunks:
            return np.zeros(0, dtype=np.float64)
        return np.sort(np.concatenate(self._chunks))

    def summary(self, interval: float | None = DEFAULT_SAMPLE_INTERVAL) -> ThroughputSummary:
        return ThroughputSummary.from_times(self.times(), interval, self.start)


@dataclass
class AttemptLatencies:
    """Latencies (ns) of scheduling attempts, and how many ended placed or not."""

    _chunks: list[NDArray[np.int64]] = field(default_factory=list)
    attempts: int = 0
    scheduled: int = 0
    unschedulable: int = 0

    def add(self, latency_ns: NDArray[np.int64], placed: int) -> None:
        if len(latency_ns):
            self._chunks.append(np.asarray(latency_ns, dtype=np.int64))
        self.attempts += len(latency_ns)
        self.scheduled += placed
        self.unschedulable += len(latency_ns) - placed

    def percentiles_ms(self, *ps: float) -> list[float]:
        if not self._chunks:
            return [0.0 for _ in ps]
        arr = np.sort(np.concatenate(self._chunks)).astype(np.float64) / 1e6
        return [percentile_rank(arr, p) for p in ps]

    def mean_ms(self) -> float:
        if not self._chunks:
            return 0.0
        return float(np.concatenate(self._chunks).mean() / 1e6)


_PAGE = resource.getpagesize()
_STATM = Path("/proc/self/statm")


def current_rss_bytes() -> int:
    """Resident set size now (Linux), else the process peak (``ru_maxrss``)."""
    try:
        fields = _STATM.read_text().split()
        return int(fields[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024)


@dataclass
class RSSSampler:
    """Peak of the RSS samples taken with :meth:`sample` (bytes)."""

    peak: int = 0

    def sample(self) -> int:
        rss = current_rss_bytes()
        self.peak = max(self.peak, rss)
        return rss

    @property
    def peak_mb(self) -> float:
        return self.peak / (1024 * 1024)
