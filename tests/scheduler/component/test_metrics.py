"""The Prometheus metrics of the scheduler: names, labels, buckets and the text format.

Covered: counter/gauge/histogram rendering (cumulative buckets, +Inf, _sum/_count), label
escaping, vectorised observations equal to one-by-one observations, bad label arity and
negative increments rejected, collectors refreshed at render time. Not covered here: the
values the component records (see test_scheduler.py and the e2e metrics test).
"""

from __future__ import annotations

import numpy as np
import pytest

from kcore.scheduler.metrics import (
    Counter,
    Gauge,
    Histogram,
    SchedulerMetrics,
    exponential_buckets,
)


def test_exponential_buckets_match_prometheus() -> None:
    assert exponential_buckets(0.001, 2, 4) == (0.001, 0.002, 0.004, 0.008)
    with pytest.raises(ValueError, match="invalid exponential buckets"):
        exponential_buckets(0, 2, 3)


def test_counter_renders_sorted_series_with_escaped_labels() -> None:
    c = Counter("x_total", "help with \\ backslash", ("result", "profile"))
    c.inc(2, "scheduled", 'p"1')
    c.inc(1, "error", "p")
    text = "\n".join(c.render())
    assert text.splitlines() == [
        "# HELP x_total help with \\\\ backslash",
        "# TYPE x_total counter",
        'x_total{result="error",profile="p"} 1',
        'x_total{result="scheduled",profile="p\\"1"} 2',
    ]
    assert c.value("scheduled", 'p"1') == 2


def test_counter_rejects_bad_input() -> None:
    c = Counter("x_total", "h", ("a",))
    with pytest.raises(ValueError, match="expected 1 label value"):
        c.inc(1, "a", "b")
    with pytest.raises(ValueError, match="cannot decrease"):
        c.inc(-1, "a")


def test_histogram_buckets_are_cumulative_and_le_inclusive() -> None:
    h = Histogram("d_seconds", "h", (0.1, 1.0))
    for v in (0.05, 0.1, 0.5, 3.0):
        h.observe(v)
    lines = list(h.render())[2:]
    assert lines == [
        'd_seconds_bucket{le="0.1"} 2',
        'd_seconds_bucket{le="1"} 3',
        'd_seconds_bucket{le="+Inf"} 4',
        "d_seconds_sum 3.65",
        "d_seconds_count 4",
    ]


def test_observe_many_equals_single_observations() -> None:
    rng = np.random.default_rng(7)
    values = rng.exponential(0.01, 500)
    a = Histogram("a", "h", exponential_buckets(0.001, 2, 15), ("r",))
    b = Histogram("a", "h", exponential_buckets(0.001, 2, 15), ("r",))
    for v in values:
        a.observe(float(v), "x")
    b.observe_many(values, "x")
    la, lb = list(a.render()), list(b.render())
    assert [x for x in la if "_sum" not in x] == [x for x in lb if "_sum" not in x]
    assert a.sum("x") == pytest.approx(b.sum("x"), rel=1e-12)
    assert a.count("x") == 500


def test_histogram_needs_increasing_buckets() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        Histogram("h", "h", (1.0, 1.0))


def test_scheduler_metrics_upstream_names_and_collectors() -> None:
    m = SchedulerMetrics()
    m.set_collectors(pending=lambda: (3, 2, 1, 0), cache=lambda: (5, 7, 1))
    m.observe_attempts("scheduled", "default-scheduler", [0.0015, 0.003])
    m.preemption_attempts.inc()
    m.preemption_victims.observe(3)
    text = m.render()
    for name in (
        "scheduler_schedule_attempts_total",
        "scheduler_scheduling_attempt_duration_seconds",
        "scheduler_e2e_scheduling_duration_seconds",
        "scheduler_pending_pods",
        "scheduler_preemption_attempts_total",
        "scheduler_preemption_victims",
        "scheduler_pod_scheduling_sli_duration_seconds",
        "scheduler_queue_incoming_pods_total",
    ):
        assert f"# TYPE {name} " in text
    assert (
        'scheduler_schedule_attempts_total{result="scheduled",profile="default-scheduler"} 2'
        in text
    )
    assert 'scheduler_pending_pods{queue="active"} 3' in text
    assert 'scheduler_pending_pods{queue="gated"} 0' in text
    assert 'scheduler_scheduler_cache_size{type="assumed_pods"} 1' in text
    assert (
        'scheduler_scheduling_attempt_duration_seconds_bucket{result="scheduled",'
        'profile="default-scheduler",le="0.002"} 1'
    ) in text
    assert "scheduler_preemption_attempts_total 1" in text


def test_gauge_collect_and_before_render_hooks_run_at_render() -> None:
    calls: list[str] = []
    g = Gauge("g", "h", (), collect=lambda gauge: gauge.set(len(calls)))
    calls.append("x")
    assert "g 1" in list(g.render())
    m = SchedulerMetrics()
    m.before_render.append(lambda: m.preemption_attempts.inc(5))
    assert "scheduler_preemption_attempts_total 5" in m.render()
