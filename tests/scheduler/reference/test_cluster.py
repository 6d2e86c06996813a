"""ReferenceCluster: rows aligned with the snapshot, image states replayed, bad input refused."""

from __future__ import annotations

import pytest

from kcore.scheduler import Scheduler
from kcore.scheduler.reference.cluster import ReferenceCluster
from kcore.testing.wrappers import make_namespace, make_node, make_pod


def _scheduler(nodes, pods=()):
    s = Scheduler()
    for n in nodes:
        s.add_node(n)
    for p in pods:
        s.add_pod(p)
    return s


def test_rows_follow_the_snapshot_after_removals() -> None:
    nodes = [make_node(f"n{i}").obj() for i in range(4)]
    s = _scheduler(nodes, [make_pod("a").node("n3").host_port(80).obj()])
    s.remove_node("n1")
    c = ReferenceCluster(
        s.node_table(),
        nodes=nodes,
        pods=[make_pod("a").node("n3").host_port(80).obj()],
        removed_nodes=["n1"],
    )
    assert c.live.sum() == 3
    assert not c.live[1]
    assert c.row_of == {"n0": 0, "n2": 2, "n3": 3}
    assert c.port_rows.tolist() == [3]
    assert c.pods_per_row([True]).tolist() == [0, 0, 0, 1]


def test_image_size_is_the_first_reporters_until_every_reporter_is_gone() -> None:
    a = make_node("a").image(["app:1"], 100).obj()
    b = make_node("b").image(["app:1", "mirror/app:1"], 300).obj()
    s = _scheduler([a, b])
    s.remove_node("a")
    c = ReferenceCluster(s.node_table(), nodes=[a, b], removed_nodes=["a"])
    assert c.image_size == {"app:1": 100, "mirror/app:1": 300}
    assert c.image_num_nodes == {"app:1": 1, "mirror/app:1": 1}
    assert c.rows_with_image["app:1"].tolist() == [1]


def test_namespace_name_label_is_always_present() -> None:
    s = _scheduler([make_node("a").obj()])
    ns = {"metadata": {"name": "plain"}}
    c = ReferenceCluster(
        s.node_table(), nodes=[make_node("a").obj()], namespaces=[ns, make_namespace("t", team="x")]
    )
    assert c.namespace_labels_of("plain") == {"kubernetes.io/metadata.name": "plain"}
    assert c.namespace_labels_of("t")["team"] == "x"
    assert c.namespace_labels_of("unknown") == {}


def test_label_domains_merge_absent_and_empty_values() -> None:
    nodes = [make_node("a").zone("").obj(), make_node("b").obj(), make_node("c").zone("z").obj()]
    c = ReferenceCluster(_scheduler(nodes).node_table(), nodes=nodes)
    dom, names = c.label_domains("topology.kubernetes.io/zone")
    assert [names[d] for d in dom[c.live]] == ["", "", "z"]
    assert c.has_label("topology.kubernetes.io/zone")[c.live].tolist() == [True, False, True]
    assert c.label_mask("missing-key", lambda v: v is None)[c.live].all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"nodes": []}, r"missing \['a'\]", id="missing-node-object"),
        pytest.param(
            {"nodes": [make_node("a").obj(), make_node("zz").obj()]},
            r"not in the snapshot \['zz'\]",
            id="extra-node-object",
        ),
        pytest.param(
            {"nodes": [make_node("a").obj()], "pods": [make_pod("p").node("gone").obj()]},
            r"pod default/p: node 'gone' is not in the snapshot",
            id="pod-on-unknown-node",
        ),
        pytest.param(
            {"nodes": [{"metadata": {}}]}, r"node: metadata\.name is required", id="nameless-node"
        ),
    ],
)
def test_bad_input_is_refused_with_a_precise_error(kwargs, message) -> None:
    view = _scheduler([make_node("a").obj()]).node_table()
    with pytest.raises(ValueError, match=message):
        ReferenceCluster(view, **kwargs)
