"""kube-scheduler's Prometheus metrics (``pkg/scheduler/metrics``), under upstream's names.

A :class:`SchedulerMetrics` holds one scheduler's metrics and renders them in the Prometheus
text exposition format (version 0.0.4) for ``/metrics``. The names, labels, help texts and
histogram buckets are kube-scheduler v1.35's:

=========================================================  ==============================
metric                                                     labels
=========================================================  ==============================
``scheduler_schedule_attempts_total`` (counter)            ``result``, ``profile``
``scheduler_scheduling_attempt_duration_seconds`` (hist.)  ``result``, ``profile``
``scheduler_scheduling_algorithm_duration_seconds`` (h.)   -
``scheduler_e2e_scheduling_duration_seconds`` (hist.)      ``result``, ``profile``
``scheduler_pending_pods`` (gauge)                         ``queue``
``scheduler_preemption_attempts_total`` (counter)          -
``scheduler_preemption_victims`` (histogram)               -
``scheduler_pod_scheduling_sli_duration_seconds`` (hist.)  ``attempts``
``scheduler_pod_scheduling_attempts`` (histogram)          -
``scheduler_queue_incoming_pods_total`` (counter)          ``queue``, ``event``
``scheduler_unschedulable_pods`` (gauge)                   ``plugin``, ``profile``
``scheduler_scheduler_cache_size`` (gauge)                 ``type``
``scheduler_goroutines`` (gauge)                           ``operation``
=========================================================  ==============================

``scheduler_e2e_scheduling_duration_seconds`` was deprecated upstream in v1.23 in favour of
``scheduler_scheduling_attempt_duration_seconds``; kcore still exports it (same observations)
for dashboards written against older releases.

Observations are cheap and vectorised: :meth:`Histogram.observe_many` takes a NumPy array (one
``searchsorted`` and ``bincount`` per batch), counters take increments. Metrics are per
instance, not process-global, so several schedulers can share a process (tests, simulation).
Gauges that mirror state (pending pods, cache size) are filled by collector callbacks at
scrape time. Thread-safety: observations happen on the scheduler's event loop; rendering
reads a consistent-enough view (as Prometheus clients do, without a global lock).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CONTENT_TYPE",
    "Counter",
    "Gauge",
    "Histogram",
    "MetricsRegistry",
    "SchedulerMetrics",
    "exponential_buckets",
]

#: The content type of the text exposition format.
CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"

LabelValues = tuple[str, ...]


def exponential_buckets(start: float, factor: float, count: int) -> tuple[float, ...]:
    """Prometheus' ``ExponentialBuckets``: ``count`` upper bounds ``start * factor**i``."""
    if count < 1 or start <= 0 or factor <= 1:
        msg = f"invalid exponential buckets: start={start}, factor={factor}, count={count}"
        raise ValueError(msg)
    return tuple(start * factor**i for i in range(count))


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _fmt(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    parts = [f'{n}="{_escape_label(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


class _Metric:
    """Base of the metric kinds: a name, help text, label names and one series per label set."""

    kind: str = ""

    def __init__(self, name: str, help_text: str, label_names: Sequence[str] = ()) -> None:
        self.name = name
        self.help = help_text
        self.label_names = tuple(label_names)

    def _key(self, labels: Sequence[str]) -> LabelValues:
        if len(labels) != len(self.label_names):
            msg = (
                f"metric {self.name}: expected {len(self.label_names)} label value(s) "
                f"{self.label_names}, got {tuple(labels)!r}"
            )
            raise ValueError(msg)
        return tuple(str(v) for v in labels)

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {_escape_help(self.help)}"
        yield f"# TYPE {self.name} {self.kind}"
        yield from self._samples()

    def _samples(self) -> Iterable[str]:  # pragma: no cover - abstract
        return ()


class Counter(_Metric):
    """A monotonically increasing counter with optional labels."""

    kind = "counter"

    def __init__(self, name: str, help_text: str, label_names: Sequence[str] = ()) -> None:
        super().__init__(name, help_text, label_names)
        # _values: one entry per label set ever incremented (never removed).
        self._values: dict[LabelValues, float] = {}

    def inc(self, amount: float = 1.0, *labels: str) -> None:
        """Add ``amount`` (>= 0) to the series of ``labels``."""
        if amount < 0:
            msg = f"counter {self.name} cannot decrease (inc by {amount})"
            raise ValueError(msg)
        key = self._key(labels)
        self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, *labels: str) -> float:
        """The current value of one series (0 if never incremented)."""
        return self._values.get(self._key(labels), 0.0)

    def _samples(self) -> Iterable[str]:
        for key, v in sorted(self._values.items()):
            yield f"{self.name}{_labels(self.label_names, key)} {_fmt(v)}"


class Gauge(_Metric):
    """A value that goes up and down; ``collect`` (if given) refreshes it at render time."""

    kind = "gauge"

    def __init__(
        self,
        name: str,
        help_text: str,
        label_names: Sequence[str] = (),
        collect: Callable[[Gauge], None] | None = None,
    ) -> None:
        super().__init__(name, help_text, label_names)
        self._values: dict[LabelValues, float] = {}
        self._collect = collect

    def set_collector(self, collect: Callable[[Gauge], None] | None) -> None:
        """Refresh the gauge with ``collect(gauge)`` at every render."""
        self._collect = collect

    def set(self, value: float, *labels: str) -> None:
        self._values[self._key(labels)] = float(value)

    def add(self, amount: float, *labels: str) -> None:
        key = self._key(labels)
        self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, *labels: str) -> float:
        if self._collect is not None:
            self._collect(self)
        return self._values.get(self._key(labels), 0.0)

    def clear(self) -> None:
        self._values.clear()

    def _samples(self) -> Iterable[str]:
        if self._collect is not None:
            self._collect(self)
        for key, v in sorted(self._values.items()):
            yield f"{self.name}{_labels(self.label_names, key)} {_fmt(v)}"


class _HistogramSeries:
    __slots__ = ("count", "counts", "sum")

    def __init__(self, n_buckets: int) -> None:
        # counts[i]: observations in (bounds[i-1], bounds[i]]; counts[-1]: above the last bound.
        self.counts = np.zeros(n_buckets + 1, dtype=np.int64)
        self.sum = 0.0
        self.count = 0


class Histogram(_Metric):
    """A Prometheus histogram with fixed upper bounds (``le``), cumulative on output."""

    kind = "histogram"

    def __init__(
        self,
        name: str,
        help_text: str,
        buckets: Sequence[float],
        label_names: Sequence[str] = (),
    ) -> None:
        super().__init__(name, help_text, label_names)
        bounds = [float(b) for b in buckets if not math.isinf(b)]
        if not bounds or any(b >= a for a, b in zip(bounds[1:], bounds, strict=False)):
            msg = f"histogram {name}: buckets must be strictly increasing, got {list(buckets)}"
            raise ValueError(msg)
        self.bounds: NDArray[np.float64] = np.asarray(bounds, dtype=np.float64)
        self._series: dict[LabelValues, _HistogramSeries] = {}

    def _get(self, labels: Sequence[str]) -> _HistogramSeries:
        key = self._key(labels)
        s = self._series.get(key)
        if s is None:
            s = _HistogramSeries(len(self.bounds))
            self._series[key] = s
        return s

    def observe(self, value: float, *labels: str) -> None:
        """Record one observation."""
        s = self._get(labels)
        s.counts[int(np.searchsorted(self.bounds, value, side="left"))] += 1
        s.sum += float(value)
        s.count += 1

    def observe_many(self, values: ArrayLike, *labels: str) -> None:
        """Record many observations at once (one vectorised pass)."""
        arr = np.asarray(values, dtype=np.float64).ravel()
        if arr.size == 0:
            return
        s = self._get(labels)
        idx = np.searchsorted(self.bounds, arr, side="left")
        s.counts += np.bincount(idx, minlength=len(self.bounds) + 1)
        s.sum += float(arr.sum())
        s.count += int(arr.size)

    def count(self, *labels: str) -> int:
        s = self._series.get(self._key(labels))
        return 0 if s is None else s.count

    def sum(self, *labels: str) -> float:
        s = self._series.get(self._key(labels))
        return 0.0 if s is None else s.sum

    def _samples(self) -> Iterable[str]:
        for key, s in sorted(self._series.items()):
            cum = np.cumsum(s.counts)
            for bound, c in zip(self.bounds.tolist(), cum[:-1].tolist(), strict=True):
                le = f'le="{_fmt(bound)}"'
                yield f"{self.name}_bucket{_labels(self.label_names, key, le)} {c}"
            inf = 'le="+Inf"'
            yield f"{self.name}_bucket{_labels(self.label_names, key, inf)} {s.count}"
            yield f"{self.name}_sum{_labels(self.label_names, key)} {_fmt(s.sum)}"
            yield f"{self.name}_count{_labels(self.label_names, key)} {s.count}"


class MetricsRegistry:
    """An ordered set of metrics rendered together."""

    def __init__(self) -> None:
        self._metrics: dict[str, _Metric] = {}

    def register(self, metric: _Metric) -> None:
        if metric.name in self._metrics:
            msg = f"metric {metric.name} is already registered"
            raise ValueError(msg)
        self._metrics[metric.name] = metric

    def get(self, name: str) -> _Metric:
        return self._metrics[name]

    def render(self) -> str:
        """Every metric in the text exposition format."""
        lines: list[str] = []
        for m in self._metrics.values():
            lines.extend(m.render())
        return "\n".join(lines) + "\n"


_ATTEMPT_BUCKETS: Final = exponential_buckets(0.001, 2, 15)
_SLI_BUCKETS: Final = exponential_buckets(0.01, 2, 20)


class SchedulerMetrics:
    """The metrics of one scheduler (see the module docstring for the list).

    ``pending_pods`` and ``cache_size`` are gauges refreshed at render time by the callbacks
    given to :meth:`set_collectors`.
    """

    def __init__(self) -> None:
        self.registry = MetricsRegistry()
        # Called before rendering (e.g. to flush observations buffered by the scheduler).
        self.before_render: list[Callable[[], None]] = []
        r = self.registry.register
        self.schedule_attempts = Counter(
            "scheduler_schedule_attempts_total",
            "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod "
            "could not be scheduled, while 'error' means an internal scheduler problem.",
            ("result", "profile"),
        )
        r(self.schedule_attempts)
        self.scheduling_attempt_duration = Histogram(
            "scheduler_scheduling_attempt_duration_seconds",
            "Scheduling attempt latency in seconds (scheduling algorithm + binding)",
            _ATTEMPT_BUCKETS,
            ("result", "profile"),
        )
        r(self.scheduling_attempt_duration)
        self.scheduling_algorithm_duration = Histogram(
            "scheduler_scheduling_algorithm_duration_seconds",
            "Scheduling algorithm latency in seconds",
            _ATTEMPT_BUCKETS,
        )
        r(self.scheduling_algorithm_duration)
        self.e2e_scheduling_duration = Histogram(
            "scheduler_e2e_scheduling_duration_seconds",
            "(Deprecated since 1.23.0) E2e scheduling latency in seconds (scheduling algorithm "
            "+ binding). Use scheduler_scheduling_attempt_duration_seconds.",
            _ATTEMPT_BUCKETS,
            ("result", "profile"),
        )
        r(self.e2e_scheduling_duration)
        self.preemption_victims = Histogram(
            "scheduler_preemption_victims",
            "Number of selected preemption victims",
            exponential_buckets(1, 2, 7),
        )
        r(self.preemption_victims)
        self.preemption_attempts = Counter(
            "scheduler_preemption_attempts_total",
            "Total preemption attempts in the cluster till now",
        )
        r(self.preemption_attempts)
        self.pending_pods = Gauge(
            "scheduler_pending_pods",
            "Number of pending pods, by the queue type. 'active' means number of pods in "
            "activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number "
            "of pods in unschedulablePods that the scheduler attempted to schedule and failed; "
            "'gated' is the number of unschedulable pods that the scheduler never attempted to "
            "schedule because they are gated.",
            ("queue",),
        )
        r(self.pending_pods)
        self.goroutines = Gauge(
            "scheduler_goroutines",
            "Number of running goroutines split by the work they do such as binding.",
            ("operation",),
        )
        r(self.goroutines)
        self.pod_scheduling_sli_duration = Histogram(
            "scheduler_pod_scheduling_sli_duration_seconds",
            "E2e latency for a pod being scheduled, from the time the pod enters the scheduling "
            "queue and might involve multiple scheduling attempts.",
            _SLI_BUCKETS,
            ("attempts",),
        )
        r(self.pod_scheduling_sli_duration)
        self.pod_scheduling_attempts = Histogram(
            "scheduler_pod_scheduling_attempts",
            "Number of attempts to successfully schedule a pod.",
            exponential_buckets(1, 2, 5),
        )
        r(self.pod_scheduling_attempts)
        self.queue_incoming_pods = Counter(
            "scheduler_queue_incoming_pods_total",
            "Number of pods added to scheduling queues by event and queue type.",
            ("queue", "event"),
        )
        r(self.queue_incoming_pods)
        self.cache_size = Gauge(
            "scheduler_scheduler_cache_size",
            "Number of nodes, pods, and assumed (bound) pods in the scheduler cache.",
            ("type",),
        )
        r(self.cache_size)
        self.unschedulable_pods = Gauge(
            "scheduler_unschedulable_pods",
            "The number of unschedulable pods broken down by plugin name. A pod will increment "
            "the gauge for all plugins that caused it to not schedule and so this metric have "
            "meaning only when broken down by plugin.",
            ("plugin", "profile"),
        )
        r(self.unschedulable_pods)

    def set_collectors(
        self,
        pending: Callable[[], tuple[int, int, int, int]] | None = None,
        cache: Callable[[], tuple[int, int, int]] | None = None,
    ) -> None:
        """Callbacks read at render time: ``pending() -> (active, backoff, unschedulable,
        gated)`` and ``cache() -> (nodes, pods, assumed_pods)``."""
        if pending is not None:
            fn_p = pending

            def collect_pending(g: Gauge) -> None:
                active, backoff, unschedulable, gated = fn_p()
                g.set(active, "active")
                g.set(backoff, "backoff")
                g.set(unschedulable, "unschedulable")
                g.set(gated, "gated")

            self.pending_pods.set_collector(collect_pending)
        if cache is not None:
            fn_c = cache

            def collect_cache(g: Gauge) -> None:
                nodes, pods, assumed = fn_c()
                g.set(nodes, "nodes")
                g.set(pods, "pods")
                g.set(assumed, "assumed_pods")

            self.cache_size.set_collector(collect_cache)

    def observe_attempts(
        self, result: str, profile: str, durations_s: ArrayLike, *, count: int | None = None
    ) -> None:
        """Record scheduling attempts that ended with ``result`` (``scheduled``,
        ``unschedulable`` or ``error``) and their durations in seconds."""
        arr = np.asarray(durations_s, dtype=np.float64).ravel()
        n = int(arr.size) if count is None else count
        if n == 0:
            return
        self.schedule_attempts.inc(n, result, profile)
        self.scheduling_attempt_duration.observe_many(arr, result, profile)
        self.e2e_scheduling_duration.observe_many(arr, result, profile)

    def render(self) -> str:
        """The ``/metrics`` body."""
        for fn in self.before_render:
            fn()
        return self.registry.render()
