"""Op semantics of the bench executor on the core backend, with a fake core and virtual time.

The fake core (conftest.py) places pods by CPU and pod count and nominates preemption victims;
real scheduling semantics are the native core's and are tested in tests/scheduler/. Here:
node creation and prepare strategies, pod templates, waits and barriers, deletion, churn,
preemption handling, metrics collection, and failing fast when a wait cannot finish."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest

from kcore.sim.bench import run_workload
from kcore.sim.executor import ExecutionError
from kcore.sim.workload import load_test_cases
from kcore.util.clock import VirtualClock

if TYPE_CHECKING:
    from pathlib import Path

NODE = """\
apiVersion: v1
kind: Node
metadata:
  generateName: perf-node-
status:
  capacity: {pods: "110", cpu: "4", memory: 32Gi}
"""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  generateName: pod-
spec:
  containers:
  - name: c
    image: pause
    resources:
      limits: {cpu: 100m, memory: 500Mi}
"""

BIG_POD = POD.replace("100m", '"9"').replace("pod-", "big-")
LOW = POD.replace("100m", "900m").replace("pod-", "low-")
HIGH = (
    POD.replace("100m", "3000m")
    .replace("pod-", "high-")
    .replace("spec:\n", "spec:\n  priority: 10\n")
)
INDEXED = POD.replace(
    "generateName: pod-", "name: indexed-{{.Index}}\n  labels:\n    group: g{{Mod .Index 2}}"
)
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  generateName: svc-
spec:
  selector: {app: foo}
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    t = tmp_path / "templates"
    t.mkdir()
    for name, text in {
        "node.yaml": NODE,
        "pod.yaml": POD,
        "big.yaml": BIG_POD,
        "low.yaml": LOW,
        "high.yaml": HIGH,
        "indexed.yaml": INDEXED,
        "service.yaml": SERVICE,
    }.items():
        (t / name).write_text(text)
    (tmp_path / "cases").mkdir()
    return tmp_path


def run(
    workdir: Path,
    config: str,
    fake,
    *,
    cost: float = 0.0,
    workload: int = 0,
    seed: int = 0,
    options: dict | None = None,
):
    path = workdir / "cases" / "performance-config.yaml"
    path.write_text(textwrap.dedent(config))
    (case,) = load_test_cases(path)
    clock = VirtualClock()
    fake.clock = clock
    fake.cost_s = cost
    results = run_workload(
        case,
        case.workloads[workload],
        clock=clock,
        seed=seed,
        options={"scheduler_factory": fake, "batch_size": 16, **(options or {})},
    )
    return results, fake.instances[-1]


BASIC = """
- name: Basic
  defaultPodTemplatePath: ../templates/pod.yaml
  workloadTemplate:
  - opcode: createNodes
    countParam: $nodes
    nodeTemplatePath: ../templates/node.yaml
  - opcode: createPods
    countParam: $init
  - opcode: createPods
    countParam: $measure
    collectMetrics: true
  workloads:
  - name: w
    params: {nodes: 10, init: 5, measure: 300}
"""


def test_basic_workload_measures_throughput_and_latency(workdir: Path, fake_scheduler) -> None:
    (r,), core = run(workdir, BASIC, fake_scheduler, cost=0.001)
    assert r.name == "Basic/w"
    assert (r.nodes, r.pods, r.scheduled, r.unschedulable) == (10, 300, 300, 0)
    # One pod per virtual millisecond: 1000 pods/s in every 10 ms sample.
    assert r.samples >= 29  # 0.3 virtual seconds in 10 ms samples
    assert r.throughput_avg == pytest.approx(1000.0, rel=0.01)
    assert r.throughput_p50 == pytest.approx(1000.0, rel=0.01)
    assert r.attempt_latency_p50_ms == pytest.approx(1.0)
    assert r.peak_rss_mb > 0
    assert len(core.where) == 305
    # Pods spread over every node (the fake picks the node with the most free CPU).
    assert len(set(core.where.values())) == 10
    assert r.backend["queue"] in ("python", "native")
    assert r.backend["batches"] >= 305 // 16


def test_nodes_get_hostname_allocatable_and_strategy_labels(workdir: Path, fake_scheduler) -> None:
    cfg = """
    - name: Nodes
      defaultPodTemplatePath: ../templates/pod.yaml
      workloadTemplate:
      - opcode: createNodes
        count: 6
        nodeTemplatePath: ../templates/node.yaml
        labelNodePrepareStrategy:
          labelKey: topology.kubernetes.io/zone
          labelValues: [moon-1, moon-2, moon-3]
      - opcode: createNodes
        count: 2
        uniqueNodeLabelStrategy: {labelKey: unique}
      - opcode: createNodes
        count: 1
        nodeTemplatePath: ../templates/node.yaml
        nodeAllocatableStrategy:
          nodeAllocatable: {cpu: "8"}
      - opcode: createPods
        count: 1
        collectMetrics: true
      workloads:
      - name: w
    """
    run(workdir, cfg, fake_scheduler)
    core = fake_scheduler.instances[-1]
    names = core.order
    assert len(names) == 9
    for n in names:
        assert core.nodes[n].labels["kubernetes.io/hostname"] == n
    zoned = sorted(
        n
        for n in names
        if n.startswith("perf-node-") and "topology.kubernetes.io/zone" in core.nodes[n].labels
    )
    # Round robin over the name-ordered list.
    assert [core.nodes[n].labels["topology.kubernetes.io/zone"] for n in zoned] == [
        "moon-1",
        "moon-2",
        "moon-3",
    ] * 2
    builtin = [n for n in names if n.startswith("node-1-")]
    assert len(builtin) == 2  # built-in node, generateName node-<opIndex>-
    uniques = {core.nodes[n].labels.get("unique") for n in names}
    assert len(uniques - {None}) == 2
    assert sorted(core.nodes[n].cpu for n in names) == [4000] * 8 + [8000]


def test_indexed_templates_and_skip_wait_barrier(workdir: Path, fake_scheduler) -> None:
    cfg = """
    - name: Indexed
      workloadTemplate:
      - opcode: createNodes
        count: 2
      - opcode: createPods
        count: 6
        podTemplatePath: ../templates/indexed.yaml
        skipWaitToCompletion: true
      - opcode: barrier
      - opcode: createPods
        count: 4
        collectMetrics: true
      - opcode: deletePods
        namespace: namespace-1
        labelSelector: {group: g1}
      workloads:
      - name: w
    """
    (r,), core = run(workdir, cfg, fake_scheduler)
    assert r.pods == 4
    remaining = sorted(k for k in core.where if k.startswith("namespace-1/"))
    assert remaining == ["namespace-1/indexed-0", "namespace-1/indexed-2", "namespace-1/indexed-4"]
    assert "namespace-1" in core.namespaces


def test_wait_that_cannot_finish_fails_fast_with_reason(workdir: Path, fake_scheduler) -> None:
    cfg = BASIC.replace(
        "countParam: $measure", "countParam: $measure\n    podTemplatePath: ../templates/big.yaml"
    )
    with pytest.raises(
        ExecutionError,
        match=r"cannot finish waiting for 300 pods in namespace 'namespace-2'.*Insufficient cpu",
    ):
        run(workdir, cfg, fake_scheduler)


def test_preemption_deletes_victims_and_places_preemptors(workdir: Path, fake_scheduler) -> None:
    cfg = """
    - name: Preemption
      workloadTemplate:
      - opcode: createNodes
        countParam: $nodes
        nodeTemplatePath: ../templates/node.yaml
      - opcode: createPods
        countParam: $low
        podTemplatePath: ../templates/low.yaml
      - opcode: createPods
        countParam: $high
        podTemplatePath: ../templates/high.yaml
        collectMetrics: true
      workloads:
      - name: w
        params: {nodes: 5, low: 20, high: 5}
    """
    (r,), core = run(workdir, cfg, fake_scheduler)
    assert r.pods == 5
    high = [k for k in core.where if k.startswith("namespace-2/")]
    low = [k for k in core.where if k.startswith("namespace-1/")]
    assert len(high) == 5
    # Each 3-CPU preemptor evicted three 900m fillers from its node.
    assert len(low) == 5
    assert r.unschedulable >= 5  # the nominating attempts
    assert r.backend["preemptions"] >= 5


def test_churn_recreate_and_sleep(workdir: Path, fake_scheduler) -> None:
    cfg = """
    - name: Churn
      workloadTemplate:
      - opcode: createNodes
        count: 3
      - opcode: churn
        mode: recreate
        number: 1
        intervalMilliseconds: 100
        templatePaths: [../templates/node.yaml, ../templates/service.yaml, ../templates/big.yaml]
      - opcode: sleep
        duration: 450ms
      - opcode: createPods
        count: 3
        collectMetrics: true
      workloads:
      - name: w
    """
    (r,), core = run(workdir, cfg, fake_scheduler)
    # Ticks at 0, 100, 200, 300, 400 ms: create, delete, create, delete, create.
    assert len(core.order) == 3 + 1
    assert len(core.objects) == 1
    assert r.pods == 3


def test_churn_create_mode_counts_ticks(workdir: Path, fake_scheduler) -> None:
    cfg = """
    - name: Churn
      workloadTemplate:
      - opcode: createNodes
        count: 1
      - opcode: churn
        mode: create
        number: 3
        intervalMilliseconds: 10
        templatePaths: [../templates/service.yaml]
      - opcode: sleep
        duration: 1s
      - opcode: createPods
        count: 1
        collectMetrics: true
      workloads:
      - name: w
    """
    run(workdir, cfg, fake_scheduler)
    assert len(fake_scheduler.instances[-1].objects) == 3


def test_rate_limited_background_delete_and_explicit_collection(
    workdir: Path, fake_scheduler
) -> None:
    cfg = """
    - name: Collect
      workloadTemplate:
      - opcode: createNodes
        count: 2
      - opcode: createPods
        count: 10
        namespace: victims
      - opcode: deletePods
        namespace: victims
        deletePodsPerSecond: 10
        skipWaitToCompletion: true
      - opcode: startCollectingMetrics
        name: phase
        namespaces: [measured]
      - opcode: createPods
        count: 5
        namespace: measured
      - opcode: sleep
        duration: 2s
      - opcode: stopCollectingMetrics
      workloads:
      - name: w
    """
    (r,), core = run(workdir, cfg, fake_scheduler, cost=0.001)
    assert r.pods == 5
    assert r.duration_s >= 2.0
    assert not any(k.startswith("victims/") for k in core.where)


def test_steady_state_recreates_pods(workdir: Path, fake_scheduler) -> None:
    cfg = """
    - name: Steady
      workloadTemplate:
      - opcode: createNodes
        count: 2
      - opcode: createPods
        count: 10
        steadyState: true
        duration: 1s
        collectMetrics: true
      workloads:
      - name: w
    """
    (r,), _ = run(workdir, cfg, fake_scheduler, cost=0.01)
    assert r.pods > 10  # several rounds of 10 in one virtual second


def test_same_seed_same_placements(workdir: Path, fake_scheduler) -> None:
    run(workdir, BASIC, fake_scheduler, seed=3)
    first = dict(fake_scheduler.instances[-1].where)
    run(workdir, BASIC, fake_scheduler, seed=3)
    assert dict(fake_scheduler.instances[-1].where) == first
    run(workdir, BASIC, fake_scheduler, seed=4)
    assert set(fake_scheduler.instances[-1].where) != set(first)  # other generated names


def test_identical_pods_go_as_compiled_chunks(
    workdir: Path, fake_scheduler, fake_pod_batch
) -> None:
    FakePodBatch = fake_pod_batch
    cfg = BASIC.replace("measure: 300", "measure: 600").replace("nodes: 10", "nodes: 20")
    (r,), core = run(
        workdir,
        cfg,
        fake_scheduler,
        options={"pod_batch_factory": FakePodBatch.from_template, "batch_size": 100},
    )
    assert r.pods == 600
    measured = sorted(k for k in core.where if k.startswith("namespace-2/"))
    prefixes = {k.rsplit("-", 1)[0] for k in measured}
    assert len(prefixes) == 3  # 600 pods in chunks of 256
    assert all(k.rsplit("-", 1)[1].isdigit() for k in measured)
    # Chunk-aligned runs were submitted compiled; the batch size (100) splits chunks, and
    # only runs starting at a chunk's first pod can be compiled.
    assert FakePodBatch.log
    assert sum(n for _, n in FakePodBatch.log) < 605


def test_crashing_core_fails_the_workload(workdir: Path, fake_scheduler) -> None:
    fake_scheduler.fail_with = RuntimeError("boom")
    with pytest.raises(ExecutionError, match="scheduling loop failed: RuntimeError: boom"):
        run(workdir, BASIC, fake_scheduler)
