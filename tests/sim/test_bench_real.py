"""Small real runs of embedded workloads on the native core (core mode, real time).

Checks outcomes, not speed: every measured pod is placed, preemption nominations are acted
on, metrics are populated. Speed is tracked with `kcore bench` (docs/benchmarks.md)."""

from __future__ import annotations

from kcore.sim.bench import embedded_test_cases, run_workload


def _workload(name: str):
    case_name, wl_name = name.split("/")
    (case,) = [c for c in embedded_test_cases() if c.name == case_name]
    (wl,) = [w for w in case.workloads if w.name == wl_name]
    return case, wl


def test_scheduling_basic_500_nodes() -> None:
    (r,) = run_workload(*_workload("SchedulingBasic/500Nodes"), seed=1)
    assert (r.nodes, r.pods, r.scheduled, r.unschedulable) == (500, 1000, 1000, 0)
    assert r.throughput_avg > 0
    assert r.samples >= 1
    assert 0 < r.attempt_latency_p50_ms <= r.attempt_latency_p99_ms
    assert r.backend["queue"] == "native"
    assert r.backend["batches"] < 1000  # pods went in batches


def test_preemption_basic_500_nodes() -> None:
    (r,) = run_workload(*_workload("PreemptionBasic/500Nodes"), seed=1)
    # Every 3-CPU preemptor lands after evicting three 900m fillers.
    assert r.pods == 500
    assert r.backend["preemptions"] >= 500
    assert r.unschedulable >= 500  # the nominating attempts


def test_topology_spreading_500_nodes() -> None:
    (r,) = run_workload(*_workload("TopologySpreading/500Nodes"), seed=1)
    assert (r.pods, r.unschedulable) == (1000, 0)
