"""Throughput sampling (upstream's rules on a finer interval), percentiles, latencies, RSS."""

from __future__ import annotations

import numpy as np
import pytest

from kcore.sim.metrics import (
    AttemptLatencies,
    RSSSampler,
    ThroughputSummary,
    percentile_rank,
    throughput_samples,
)


def test_percentile_rank_is_ceil_rank() -> None:
    v = sorted([10.0, 20.0, 30.0, 40.0])
    assert percentile_rank(v, 50) == 20.0  # rank ceil(2.0) = 2
    assert percentile_rank(v, 90) == 40.0  # rank ceil(3.6) = 4
    assert percentile_rank(v, 1) == 10.0
    assert percentile_rank([], 50) == 0.0


def test_uniform_rate() -> None:
    # One pod every millisecond for one second: 1000 pods/s in every 10 ms sample.
    times = np.arange(0, 1.0 + 1e-9, 0.001)
    s = throughput_samples(times, 0.010)
    assert len(s) == 100
    assert s == pytest.approx([1000.0] * 100)


def test_empty_intervals_merge_into_next_sample() -> None:
    # Pods at 0 (start), 0.005, then nothing until 0.035: the two empty intervals merge.
    times = np.array([0.0, 0.005, 0.035, 0.04])
    s = throughput_samples(times, 0.010)
    # [0,0.01): 1 pod -> 100/s; [0.01,0.04]: 2 pods over 0.03 s -> 3 copies of 66.7/s.
    assert s[0] == pytest.approx(100.0)
    assert s[1:] == pytest.approx([2 / 0.03] * 3)


def test_short_tail_merges_into_previous_sample() -> None:
    times = np.array([0.0, 0.004, 0.008, 0.0101])
    s = throughput_samples(times, 0.010)
    assert len(s) == 1
    assert s[0] == pytest.approx(3 / 0.0101)


def test_degenerate_inputs() -> None:
    assert throughput_samples(np.array([]), 0.01) == []
    assert throughput_samples(np.array([1.0, 1.0]), 0.01) == []
    with pytest.raises(ValueError, match="interval"):
        throughput_samples(np.array([0.0, 1.0]), 0)


def test_summary() -> None:
    times = np.concatenate([np.arange(0, 0.5, 0.001), 0.5005 + np.arange(0, 0.4995, 0.002)])
    s = ThroughputSummary.from_times(times, 0.010, start=0.0)
    assert s.scheduled == len(times)
    assert s.samples == 100
    assert s.p50 == pytest.approx(500.0, rel=0.2)  # the sample straddling 0.5 s is mixed
    assert s.p90 == pytest.approx(1000.0)
    assert s.average == pytest.approx(750.0, rel=0.01)


def test_attempt_latencies() -> None:
    lat = AttemptLatencies()
    lat.add(np.array([1_000_000, 2_000_000, 3_000_000, 4_000_000], dtype=np.int64), placed=3)
    lat.add(np.array([], dtype=np.int64), placed=0)
    assert (lat.attempts, lat.scheduled, lat.unschedulable) == (4, 3, 1)
    assert lat.percentiles_ms(50, 99) == [2.0, 4.0]
    assert lat.mean_ms() == pytest.approx(2.5)
    assert AttemptLatencies().percentiles_ms(50) == [0.0]


def test_rss_sampler_tracks_peak() -> None:
    r = RSSSampler()
    first = r.sample()
    assert first > 0
    assert r.peak >= first
    assert r.peak_mb == r.peak / 2**20


@pytest.mark.parametrize(
    ("duration", "interval"),
    [(60.0, 1.0), (10.0, 0.5), (2.0, 0.1), (0.1, 0.005), (0.001, 0.001)],
)
def test_adaptive_interval(duration: float, interval: float) -> None:
    from kcore.sim.metrics import choose_interval

    assert choose_interval(duration) == interval
    times = np.linspace(0.0, duration, 1000)
    s = ThroughputSummary.from_times(times, None, start=0.0)
    assert s.interval_s == interval
