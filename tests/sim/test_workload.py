"""Loading scheduler_perf workload files: strict decoding, parameters, unrolling, labels."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kcore.scheduler.apis.config.strict import load_yaml
from kcore.sim.workload import (
    WorkloadError,
    label_filter_matches,
    load_test_cases,
    parse_test_cases,
    resolve_ops,
    select,
)

BASIC = """
- name: Basic
  defaultPodTemplatePath: ../templates/pod.yaml
  labels: [perf]
  workloadTemplate:
  - opcode: createNodes
    countParam: $nodes
  - opcode: createPods
    countParam: $init
  - opcode: createPods
    countParam: $measure
    collectMetrics: true
  workloads:
  - name: small
    labels: [short]
    params: {nodes: 5, init: 2, measure: 10}
  - name: big
    threshold: 100
    params: {nodes: 5000, init: 1000, measure: 10000}
"""


def parse(text: str):
    return parse_test_cases(
        load_yaml(textwrap.dedent(text)), base_dir=Path("/cfg"), source="f.yaml"
    )


def test_parse_and_resolve() -> None:
    (case,) = parse(BASIC)
    assert [w.name for w in case.workloads] == ["small", "big"]
    assert case.workloads[1].threshold_for() == 100.0
    assert case.path(case.default_pod_template_path) == Path("/cfg/../templates/pod.yaml")
    ops = resolve_ops(case, case.workloads[0])
    assert [(o.opcode, o.get("count"), o.get("namespace")) for o in ops] == [
        ("createNodes", 5, None),
        ("createPods", 2, "namespace-1"),
        ("createPods", 10, "namespace-2"),
    ]
    assert all("countParam" not in o.fields for o in ops)


def test_keys_are_case_insensitive_but_unknown_ones_fail() -> None:
    (case,) = parse(BASIC.replace("countParam: $nodes", "CountParam: $nodes"))
    assert resolve_ops(case, case.workloads[0])[0].get("count") == 5
    with pytest.raises(
        WorkloadError, match=r"f.yaml: Basic.workloadTemplate\[0\].countParm: unknown field"
    ):
        parse(BASIC.replace("countParam: $nodes", "countParm: $nodes"))


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        pytest.param(
            "opcode: createNodes",
            "opcode: createNode",
            "unknown opcode 'createNode'",
            id="unknown-opcode",
        ),
        pytest.param(
            "countParam: $nodes",
            "countParam: nodes",
            "must start with '\\$'",
            id="param-without-dollar",
        ),
        pytest.param(
            "collectMetrics: true",
            "collectMetrics: yes please",
            "expected true or false",
            id="bad-bool",
        ),
        pytest.param(
            "collectMetrics: true",
            "collectMetrics: true\n    skipWaitToCompletion: true",
            "cannot both be true",
            id="exclusive-flags",
        ),
        pytest.param("    collectMetrics: true\n", "", "no op collects metrics", id="no-metrics"),
        pytest.param(
            "name: big", "name: small", "duplicate workload name 'small'", id="dup-workload"
        ),
        pytest.param(
            "threshold: 100", "threshold: -1", "threshold must be a number >= 0", id="bad-threshold"
        ),
        pytest.param(
            "threshold: 100",
            "treshold: 100",
            r"workloads\[1\].treshold: unknown field",
            id="unknown-workload-field",
        ),
    ],
)
def test_decoding_errors(old: str, new: str, match: str) -> None:
    assert old in BASIC
    with pytest.raises(WorkloadError, match=match):
        parse(BASIC.replace(old, new, 1))


def test_duplicate_test_case_name() -> None:
    with pytest.raises(WorkloadError, match="duplicate test case name 'Basic'"):
        parse(BASIC + BASIC)


def test_unused_and_missing_parameters() -> None:
    (case,) = parse(
        BASIC.replace(
            "{nodes: 5, init: 2, measure: 10}", "{nodes: 5, init: 2, measure: 10, typo: 1}"
        )
    )
    with pytest.raises(WorkloadError, match="parameter\\(s\\) typo defined but unused"):
        resolve_ops(case, case.workloads[0])
    (case,) = parse(BASIC.replace("{nodes: 5, init: 2, measure: 10}", "{nodes: 5, init: 2}"))
    with pytest.raises(WorkloadError, match="parameter '\\$measure' is not defined"):
        resolve_ops(case, case.workloads[0])
    (case,) = parse(
        BASIC.replace("{nodes: 5, init: 2, measure: 10}", "{nodes: 5, init: 2, measure: ten}")
    )
    with pytest.raises(WorkloadError, match="parameter 'measure' must be a number"):
        resolve_ops(case, case.workloads[0])


def test_pod_sets_unroll_and_template_params() -> None:
    (case,) = parse(
        """
        - name: Sets
          workloadTemplate:
          - opcode: createNodes
            count: 3
          - opcode: createPodSets
            countParam: $sets
            namespacePrefix: init-ns
            createPodsOp:
              opcode: createPods
              countParam: $perSet
              templateParams: {group: $perSet, fixed: x}
          - opcode: createPods
            count: 2
            collectMetrics: true
          - opcode: sleep
            durationParam: $pause
          workloads:
          - name: w
            params: {sets: 2, perSet: 4, pause: 1m30s}
        """
    )
    ops = resolve_ops(case, case.workloads[0])
    assert [(o.opcode, o.get("namespace"), o.get("count")) for o in ops] == [
        ("createNodes", None, 3),
        ("createPods", "init-ns-0", 4),
        ("createPods", "init-ns-1", 4),
        ("createPods", "namespace-3", 2),  # index in the unrolled list
        ("sleep", None, None),
    ]
    assert ops[1].get("templateParams") == {"group": 4, "fixed": "x"}
    assert ops[4].get("duration") == 90.0


def test_unsupported_opcodes_are_reported_not_rejected() -> None:
    (case,) = parse(
        """
        - name: DRA
          workloadTemplate:
          - opcode: createResourceDriver
            driverName: test-driver.cdi.k8s.io
            nodes: scheduler-perf-dra-*
            maxClaimsPerNodeParam: $max
          - opcode: createPods
            count: 1
            collectMetrics: true
          workloads:
          - name: w
            params: {max: 10}
        """
    )
    assert "createResourceDriver" in case.unsupported
    assert "dynamic resource allocation" in case.unsupported
    resolve_ops(case, case.workloads[0])  # its params count as used


@pytest.mark.parametrize(
    ("labels", "flt", "expected"),
    [
        (["performance", "short"], "performance", True),
        (["performance"], "performance,+short", False),
        (["performance", "short"], "performance,-short", False),
        (["integration-test"], "integration-test,-performance", True),
        ([], "", True),
        (["a"], " , a ,", True),
    ],
)
def test_label_filter(labels, flt, expected) -> None:
    assert label_filter_matches(labels, flt) is expected


def test_select_by_name_glob_and_labels() -> None:
    (case,) = parse(BASIC)
    assert [w.name for _, w in select([case], names=["Basic/big"])] == ["big"]
    assert [w.name for _, w in select([case], names=["Basic"])] == ["small", "big"]
    assert [w.name for _, w in select([case], names=["*/sm*"])] == ["small"]
    assert [w.name for _, w in select([case], label_filter="perf,short")] == ["small"]
    assert select([case], names=["Nope"]) == []


def test_file_paths_resolve_relative_to_file(tmp_path: Path) -> None:
    d = tmp_path / "misc"
    d.mkdir()
    (d / "performance-config.yaml").write_text(textwrap.dedent(BASIC))
    (case,) = load_test_cases(d / "performance-config.yaml")
    assert case.base_dir == d.resolve()
    assert (
        case.path("../templates/pod.yaml").resolve()
        == (tmp_path / "templates" / "pod.yaml").resolve()
    )
    with pytest.raises(FileNotFoundError):
        load_test_cases(d / "missing.yaml")
    (d / "dup.yaml").write_text("- name: a\n  name: b\n")
    with pytest.raises(WorkloadError, match="duplicate key 'name'"):
        load_test_cases(d / "dup.yaml")
