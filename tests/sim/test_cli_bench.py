"""``kcore bench`` command line: listing, selection, JSON output, upstream-style --config.

Runs use the fake core (conftest.py) in real time with tiny workloads; the real core is
exercised by test_bench_real.py."""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING

import pytest

from kcore.cli.bench import main
from kcore.sim import core as core_module
from kcore.sim.bench import JSON_KEYS, embedded_test_cases

if TYPE_CHECKING:
    from pathlib import Path

CASES = [
    "SchedulingBasic",
    "SchedulingPodAntiAffinity",
    "SchedulingPodAffinity",
    "SchedulingNodeAffinity",
    "TopologySpreading",
    "PreemptionBasic",
    "Unschedulable",
    "SchedulingWithMixedChurn",
]


@pytest.fixture
def fake_core(monkeypatch, fake_scheduler):
    monkeypatch.setattr(core_module, "native_scheduler_factory", lambda: fake_scheduler)
    return fake_scheduler


def test_embedded_workloads_cover_every_case_and_size() -> None:
    names = {c.full_name(w) for c in embedded_test_cases() for w in c.workloads}
    for case in CASES:
        for size in ("500Nodes", "5000Nodes", "15000Nodes"):
            assert f"{case}/{size}" in names
    assert "SchedulingBasic/50000Nodes" in names
    default = {
        c.full_name(w) for c in embedded_test_cases() for w in c.workloads if "default" in w.labels
    }
    for case in CASES:
        assert f"{case}/5000Nodes" in default
    assert {f"SchedulingBasic/{n}Nodes" for n in (500, 5000, 15000, 50000)} <= default
    for c in embedded_test_cases():
        assert not c.unsupported
        for w in c.workloads:
            assert ("short" in w.labels) == (w.name == "500Nodes")


def test_list(capsys) -> None:
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    for case in CASES:
        assert case in out
    assert "performance" in out


def test_list_with_label_filter(capsys) -> None:
    assert main(["--list", "--label-filter", "short"]) == 0
    out = capsys.readouterr().out
    assert "500Nodes" in out
    assert "15000Nodes" not in out


def test_unknown_workload_is_a_usage_error(capsys) -> None:
    assert main(["NoSuchCase/1Node"]) == 2
    assert "no workload matches NoSuchCase/1Node" in capsys.readouterr().err


def test_unknown_mode_is_rejected() -> None:
    with pytest.raises(SystemExit) as info:
        main(["--mode", "warp", "SchedulingBasic/500Nodes"])
    assert info.value.code == 2


UPSTREAM_STYLE = """\
# An upstream-layout file: templates one level up, resolved relative to this file.
- name: SchedulingBasic
  defaultPodTemplatePath: ../templates/pod-default.yaml
  workloadTemplate:
  - opcode: createNodes
    countParam: $initNodes
  - opcode: createPods
    countParam: $initPods
  - opcode: createPods
    countParam: $measurePods
    collectMetrics: true
  workloads:
  - name: 5Nodes
    labels: [integration-test, short]
    params: {initNodes: 5, initPods: 5, measurePods: 10}
  - name: 20Nodes
    labels: [performance]
    threshold: 1
    params: {initNodes: 20, initPods: 10, measurePods: 200}
- name: WithDRA
  workloadTemplate:
  - opcode: createResourceDriver
    driverName: test-driver.cdi.k8s.io
    nodes: scheduler-perf-dra-*
    maxClaimsPerNodeParam: $maxClaimsPerNode
  - opcode: createPods
    count: 1
    collectMetrics: true
  workloads:
  - name: fast
    labels: [performance]
    params: {maxClaimsPerNode: 10}
"""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  generateName: pod-
spec:
  containers:
  - image: registry.k8s.io/pause:3.10
    name: pause
    ports:
    - containerPort: 80
    resources:
      limits: {cpu: 100m, memory: 500Mi}
      requests: {cpu: 100m, memory: 500Mi}
"""


def test_config_json_and_thresholds(tmp_path: Path, fake_core, capsys) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "pod-default.yaml").write_text(POD)
    (tmp_path / "misc").mkdir()
    cfg = tmp_path / "misc" / "performance-config.yaml"
    cfg.write_text(UPSTREAM_STYLE)
    out = tmp_path / "out.json"
    rc = main(["--config", str(cfg), "--json", str(out), "--seed", "7", "--no-progress"])
    captured = capsys.readouterr()
    # The default filter with --config is 'performance': 20Nodes runs, WithDRA is skipped.
    assert rc == 0, captured.err
    assert "WithDRA/fast: skipped" in captured.err
    assert "SchedulingBasic/20Nodes" in captured.out
    doc = json.loads(out.read_text())
    (w,) = doc["workloads"]
    assert list(w)[: len(JSON_KEYS)] == list(JSON_KEYS)
    assert w["name"] == "SchedulingBasic/20Nodes"
    assert (w["mode"], w["nodes"], w["pods"], w["seed"]) == ("core", 20, 200, 7)
    assert w["scheduled"] == 200
    assert w["unschedulable"] == 0
    for k in (
        "throughput_avg",
        "throughput_p50",
        "throughput_p90",
        "throughput_p99",
        "attempt_latency_p50_ms",
        "attempt_latency_p99_ms",
        "peak_rss_mb",
        "duration_s",
    ):
        assert isinstance(w[k], float)
        assert w[k] >= 0
    assert w["peak_rss_mb"] > 0
    assert w["threshold"] == 1.0
    assert doc["kcore_version"] == w["kcore_version"]


def test_explicit_names_ignore_default_label_filter(tmp_path: Path, fake_core, capsys) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "pod-default.yaml").write_text(POD)
    (tmp_path / "misc").mkdir()
    cfg = tmp_path / "misc" / "performance-config.yaml"
    cfg.write_text(UPSTREAM_STYLE)
    assert main(["--config", str(cfg), "SchedulingBasic/5Nodes", "--no-progress"]) == 0
    assert "SchedulingBasic/5Nodes" in capsys.readouterr().out


def test_failing_workload_sets_exit_code(tmp_path: Path, fake_core, capsys) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "pod-default.yaml").write_text(POD.replace("100m", '"9"'))
    cfg = tmp_path / "performance-config.yaml"
    cfg.write_text(UPSTREAM_STYLE.replace("../templates", "templates"))
    assert main(["--config", str(cfg), "SchedulingBasic/5Nodes", "--no-progress"]) == 1
    assert "Insufficient cpu" in capsys.readouterr().err


def test_bad_config_file(tmp_path: Path, capsys) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(textwrap.dedent("- name: X\n  workloadTemplat: []\n"))
    assert main(["--config", str(cfg)]) == 2
    assert "workloadTemplat: unknown field" in capsys.readouterr().err


def test_progress_display_runs(tmp_path: Path, fake_core, capsys) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "pod-default.yaml").write_text(POD)
    (tmp_path / "misc").mkdir()
    cfg = tmp_path / "misc" / "performance-config.yaml"
    cfg.write_text(UPSTREAM_STYLE)
    assert main(["--config", str(cfg), "SchedulingBasic/5Nodes"]) == 0
    out = capsys.readouterr().out
    assert "1/1" in out  # the progress line of the only workload
    assert "10/10" in out or "15/15" in out
