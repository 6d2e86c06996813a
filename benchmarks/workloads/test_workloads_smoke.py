"""The thresholded workload file loads, every workload resolves, and the short workloads run
once on the native core (untimed: thresholds are checked by `kcore bench --config`)."""

from __future__ import annotations

from pathlib import Path

from kcore.sim.bench import run_workload
from kcore.sim.workload import load_test_cases, resolve_ops, select

CONFIG = Path(__file__).parent / "performance-config.yaml"


def test_every_workload_resolves_and_5000_node_ones_have_thresholds() -> None:
    cases = load_test_cases(CONFIG)
    assert len(cases) == 8
    for case in cases:
        assert not case.unsupported
        for wl in case.workloads:
            resolve_ops(case, wl)
            if wl.name == "5000Nodes":
                assert wl.threshold_for() > 0


def test_short_workloads_run() -> None:
    selected = select(load_test_cases(CONFIG), label_filter="short")
    assert len(selected) == 8
    for case, wl in selected:
        (r,) = run_workload(case, wl)
        assert r.pods > 0
