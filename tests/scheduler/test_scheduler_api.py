"""The embedding API end to end: cluster state, schedule, batches, dry runs, explain,
assume/forget/finish_binding, from_dump, and bad input leaving the state untouched."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pytest

import kcore
from kcore.scheduler import (
    AlreadyExistsError,
    Code,
    InvalidObjectError,
    NotFoundError,
    PodBatch,
    Scheduler,
)
from kcore.testing.wrappers import make_namespace, make_node, make_pod

if TYPE_CHECKING:
    from pathlib import Path


def cluster(n: int = 3, seed: int = 0) -> Scheduler:
    s = Scheduler(seed=seed)
    for i in range(n):
        s.add_node(make_node(f"n{i}").zone(f"z{i % 2}").obj())
    return s


def test_lazy_reexport() -> None:
    assert kcore.Scheduler is Scheduler


def test_schedule_assumes_pod() -> None:
    s = cluster()
    r = s.schedule(make_pod("p").req(cpu="3").obj())
    assert r.code == Code.Success
    assert r.scheduled
    assert r.node in s.node_names()
    assert r.pod == "default/p"
    assert r.message == ""
    assert r.latency_ns > 0
    assert s.num_pods == 1
    assert s.node_of("default", "p") == r.node
    # The node is now (nearly) full: the next 3-CPU pod goes elsewhere.
    r2 = s.schedule(make_pod("q").req(cpu="3").obj())
    assert r2.node not in (None, r.node)


def test_unschedulable_message() -> None:
    s = cluster()
    r = s.schedule(make_pod("big").req(cpu="5").obj())
    assert r.code == Code.UnschedulableAndUnresolvable
    assert r.node is None
    assert r.message == (
        "0/3 nodes are available: 3 Insufficient cpu. no new claims to deallocate, "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    )
    assert s.num_pods == 0


def test_no_nodes() -> None:
    r = Scheduler().schedule(make_pod("p").obj())
    assert r.code == Code.Error
    assert r.message == "no nodes available to schedule pods"


def test_batch_and_dry_run_agree_and_dry_run_restores_state() -> None:
    pods = [make_pod(f"p{i}").req(cpu="1").obj() for i in range(14)]
    a = cluster(seed=7)
    d = a.dry_run(pods)
    assert a.num_pods == 0
    b = a.schedule_batch(pods)
    assert a.num_pods == 12
    assert [x.node for x in d] == [x.node for x in b]
    assert b.node_index.dtype == np.int32
    assert b.codes.dtype == np.uint8
    assert b.latency_ns.dtype == np.int64
    assert b.scheduled == 12
    assert len(b) == 14
    assert b[-1].node is None
    assert "Insufficient cpu" in b[-1].message
    names = b.node_names()
    assert all(names[i] == r.node for i, r in zip(b.node_index, b, strict=True) if i >= 0)
    assert b[0].pod == "default/p0"
    assert b[1:3][0].pod == "default/p1"


def test_pod_batch_from_template() -> None:
    s = cluster(seed=3)
    batch = PodBatch.from_template(make_pod("web").req(cpu="500m").obj(), 20, name_prefix="web-")
    r = s.schedule_batch(batch)
    assert r.scheduled == 20
    assert r[5].pod == "default/web-5"
    assert s.node_of("default", "web-19") is not None
    with pytest.raises(AlreadyExistsError):
        s.schedule_batch(batch)


def test_batches_are_reproducible_by_seed() -> None:
    pods = [make_pod(f"p{i}").req(cpu="100m").obj() for i in range(30)]
    runs = []
    for _ in range(2):
        s = cluster(n=6, seed=42)
        runs.append([r.node for r in s.schedule_batch(pods)])
    assert runs[0] == runs[1]
    other = cluster(n=6, seed=43)
    assert [r.node for r in other.schedule_batch(pods)] != runs[0]


def test_explain_reports_matrix_without_changing_state() -> None:
    s = cluster()
    s.add_node(make_node("tainted").taint("dedicated", "x").obj())
    e = s.explain(make_pod("p").req(cpu="1").obj())
    assert s.num_pods == 0
    assert e.code == Code.Success
    assert set(e.feasible) == {"n0", "n1", "n2"}
    assert e.failures["tainted"].plugin == "TaintToleration"
    assert e.failures["tainted"].code == Code.UnschedulableAndUnresolvable
    assert e.failures["tainted"].reasons == ("node(s) had untolerated taint(s)",)
    assert e.scores.shape == (3, len(e.score_plugins))
    assert e.scores.dtype == np.int64
    assert (e.totals == e.scores @ np.array(e.weights)).all()
    assert e.node in e.top_nodes
    assert "NodeResourcesFit" in e.score_plugins


def test_assume_forget_finish_binding() -> None:
    s = cluster()
    pod = make_pod("p").req(cpu="4").obj()
    s.assume(pod, "n0")
    assert s.node_table().requested["cpu"][0] == 4000
    s.forget("default", "p")
    assert s.node_table().requested["cpu"][0] == 0
    s.assume(pod, "n1")
    s.finish_binding("default", "p")
    with pytest.raises(ValueError, match="not assumed"):
        s.forget("default", "p")
    s.remove_pod("default", "p")
    assert s.num_pods == 0


def test_update_and_remove() -> None:
    s = cluster()
    s.add_pod(make_pod("p").req(cpu="1").node("n0").obj())
    s.update_pod(make_pod("p").req(cpu="2").node("n0").obj())
    assert s.node_table().requested["cpu"][0] == 2000
    s.update_node(make_node("n0").capacity(cpu="8", memory="1Gi", pods="10").obj())
    assert s.node_table().allocatable["cpu"][0] == 8000
    s.remove_node("n0")
    assert s.num_nodes == 2
    assert s.num_pods == 0
    assert s.node_names() == ["n1", "n2"]


@pytest.mark.parametrize(
    ("call", "exc", "fragment"),
    [
        pytest.param(
            lambda s: s.add_pod(make_pod("x").node("nope").obj()),
            NotFoundError,
            "node 'nope' not found",
            id="unknown-node",
        ),
        pytest.param(
            lambda s: s.add_pod(make_pod("running").node("n1").obj()),
            AlreadyExistsError,
            "already exists",
            id="duplicate-pod",
        ),
        pytest.param(
            lambda s: s.add_pod(make_pod("x").obj()),
            InvalidObjectError,
            "spec.nodeName",
            id="unbound",
        ),
        pytest.param(
            lambda s: s.add_pod(make_pod("x").node("n1").req(cpu="-1").obj()),
            InvalidObjectError,
            "requests.cpu",
            id="negative",
        ),
        pytest.param(
            lambda s: s.add_pod(make_pod("x").node("n1").req(memory="99999999999Ei").obj()),
            InvalidObjectError,
            "out of range",
            id="overflow",
        ),
        pytest.param(
            lambda s: s.schedule(
                make_pod("x")
                .node_affinity_required([{"key": "a", "operator": "Near", "values": ["1"]}])
                .obj()
            ),
            InvalidObjectError,
            r"nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.operator: unknown operator 'Near'",
            id="unknown-operator",
        ),
        pytest.param(
            lambda s: s.schedule(make_pod("x").pod_anti_affinity({"a": "b"}, "").obj()),
            InvalidObjectError,
            "topologyKey",
            id="empty-topology-key",
        ),
        pytest.param(
            lambda s: s.schedule(make_pod("x").toleration("k", operator="Sometimes").obj()),
            InvalidObjectError,
            r"tolerations\[0\]\.operator",
            id="toleration-op",
        ),
        pytest.param(
            lambda s: s.schedule({"metadata": {}}),
            InvalidObjectError,
            "metadata.name",
            id="no-name",
        ),
        pytest.param(
            lambda s: s.schedule("pod"),
            InvalidObjectError,
            "expected a mapping",
            id="not-a-mapping",
        ),
        pytest.param(
            lambda s: s.schedule_batch([make_pod("ok").obj(), make_pod("bad").req(cpu="1q").obj()]),
            InvalidObjectError,
            r"pods\[1\]",
            id="batch-item",
        ),
        pytest.param(
            lambda s: s.add_node(make_node("n1").obj()),
            AlreadyExistsError,
            "already exists",
            id="duplicate-node",
        ),
        pytest.param(
            lambda s: s.add_node(make_node("m").taint("k", effect="Sometimes").obj()),
            InvalidObjectError,
            r"spec\.taints\[0\]\.effect",
            id="taint-effect",
        ),
        pytest.param(
            lambda s: s.update_node(make_node("ghost").obj()),
            NotFoundError,
            "not found",
            id="update-unknown-node",
        ),
        pytest.param(
            lambda s: s.remove_pod("default", "ghost"),
            NotFoundError,
            "not found",
            id="remove-unknown-pod",
        ),
        pytest.param(
            lambda s: s.add_object({"kind": "ConfigMap", "metadata": {"name": "c"}}),
            InvalidObjectError,
            "unsupported kind",
            id="unknown-kind",
        ),
    ],
)
def test_bad_input_leaves_state_untouched(call, exc, fragment) -> None:
    s = cluster()
    s.add_pod(make_pod("running").req(cpu="1").node("n1").obj())
    before = (s.num_nodes, s.num_pods, s.node_table().requested["cpu"].tolist(), s.node_names())
    with pytest.raises(exc, match=fragment):
        call(s)
    after = (s.num_nodes, s.num_pods, s.node_table().requested["cpu"].tolist(), s.node_names())
    assert after == before


def test_exceptions_are_value_and_key_errors() -> None:
    assert issubclass(InvalidObjectError, ValueError)
    assert issubclass(NotFoundError, KeyError)
    assert issubclass(AlreadyExistsError, ValueError)


def test_from_dump(tmp_path: Path) -> None:
    items = [
        make_namespace("shop", team="a"),
        make_node("n0").obj(),
        make_node("n1").obj(),
        make_pod("bound", "shop").req(cpu="3").node("n0").obj(),
        make_pod("pending", "shop").obj(),
        {**make_pod("done", "shop").node("n1").obj(), "status": {"phase": "Succeeded"}},
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "svc", "namespace": "shop"},
            "spec": {"selector": {"app": "x"}},
        },
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ignored"}},
    ]
    dump = {"apiVersion": "v1", "kind": "List", "items": items}
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(dump))
    for source in (dump, str(path), path):
        s = Scheduler.from_dump(source, seed=1)
        assert s.num_nodes == 2
        assert s.num_pods == 1
        assert s.schedule(make_pod("new", "shop").req(cpu="3").obj()).node == "n1"


def test_unknown_plugin_in_profile() -> None:
    from dataclasses import replace

    from kcore.scheduler.apis.config import default_profile

    bad = replace(default_profile(), filters=(*default_profile().filters, "NoSuchPlugin"))
    with pytest.raises(ValueError, match="unknown plugin 'NoSuchPlugin'"):
        Scheduler(bad)
