"""Native divergences from kube-scheduler v1.35 found by the reference twins, now fixed.

Each case pins one divergence on the smallest cluster that showed it. ``test_reference_*``
states what kube-scheduler computes (the reference must agree, by the rule quoted);
``test_native_*`` asserts native == reference, on the full pass and, where a cycle can take it,
on the equivalence-class cache. The random scenarios of the equivalence tests draw these inputs
too (kcore.testing.clusters.random_scenario).
"""

from __future__ import annotations

import numpy as np
import pytest

from kcore.scheduler import Code, PodBatch, Scheduler
from kcore.scheduler.reference import nodeaffinity, nodeunschedulable, podtopologyspread
from kcore.scheduler.reference.cluster import ReferenceCluster
from kcore.scheduler.reference.pod import compile_pod
from kcore.testing.wrappers import make_node, make_pod


def _setup(nodes, pods=(), objects=()):
    s = Scheduler()
    for n in nodes:
        s.add_node(n)
    for o in objects:
        s.add_object(o)
    for p in pods:
        s.add_pod(p)
    return s, ReferenceCluster(s.node_table(), nodes=nodes, pods=pods, objects=objects)


# --- 1. NodeUnschedulable and a toleration with an empty key --------------------------------
# An `operator: Exists` toleration without key tolerates every taint, including the cordon
# taint node.kubernetes.io/unschedulable:NoSchedule (v1helper.TolerationsTolerateTaint). The
# native filter only checks tolerations when that taint key was ever interned.


def _cordon_case():
    nodes = [make_node("cordoned").unschedulable().obj(), make_node("open").obj()]
    return nodes, make_pod("p").toleration(operator="Exists").obj()


def test_reference_empty_key_toleration_tolerates_the_cordon() -> None:
    nodes, pod = _cordon_case()
    _, cluster = _setup(nodes)
    assert nodeunschedulable.filter(cluster, compile_pod(pod)).codes[cluster.live].tolist() == [
        0,
        0,
    ]


def test_native_empty_key_toleration_tolerates_the_cordon() -> None:
    nodes, pod = _cordon_case()
    s, cluster = _setup(nodes)
    want = nodeunschedulable.filter(cluster, compile_pod(pod)).codes
    assert s._native.debug_filter(pod, "NodeUnschedulable").tolist() == want.tolist()


# --- 2. PodTopologySpread with an empty label selector --------------------------------------
# countPodsMatchSelector returns 0 for an empty selector (labelSelector: {}), while the
# incoming pod still matches it (selfMatch 1): skew = 0 + 1 - 0 never exceeds maxSkew >= 1.
# The native filter counts every pod of the namespace.


def _empty_selector_case():
    nodes = [make_node("a").obj(), make_node("b").obj()]
    pods = [make_pod(f"e{i}").labels(app="x").node("a").obj() for i in range(3)]
    return nodes, pods, make_pod("p").labels(app="x").spread(1, "kubernetes.io/hostname").obj()


def test_reference_empty_spread_selector_counts_no_pod() -> None:
    nodes, pods, pod = _empty_selector_case()
    _, cluster = _setup(nodes, pods)
    assert podtopologyspread.filter(cluster, compile_pod(pod)).codes[cluster.live].tolist() == [
        0,
        0,
    ]


def test_native_empty_spread_selector_counts_no_pod() -> None:
    nodes, pods, pod = _empty_selector_case()
    s, cluster = _setup(nodes, pods)
    want = podtopologyspread.filter(cluster, compile_pod(pod)).codes
    assert s._native.debug_filter(pod, "PodTopologySpread").tolist() == want.tolist()


# --- 3. System-default spreading and a zone label with an empty value -----------------------
# Scoring keys domains by the label *string*: with System defaulting, nodes without a zone label
# count in the "" domain, the same domain as a node labelled zone="" (scoring.go reads
# node.Labels[key], "" when absent). The native score keeps the two apart.


def _empty_zone_case():
    nodes = [make_node("a").zone("").obj(), make_node("b").obj(), make_node("c").zone("z1").obj()]
    pods = [make_pod(f"w{i}").labels(app="web").node("abc"[i % 3]).obj() for i in range(5)]
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"app": "web"}},
    }
    return nodes, pods, [svc], make_pod("q").labels(app="web").obj()


def test_reference_missing_zone_joins_the_empty_zone_domain() -> None:
    nodes, pods, objects, pod = _empty_zone_case()
    _, cluster = _setup(nodes, pods, objects)
    out = podtopologyspread.score(cluster, compile_pod(pod), cluster.live)
    assert out is not None
    # a: hostname 2 pods, zone "" = a's 2 + b's 2 = 4; b: hostname 2 only; c: hostname 1, z1 1.
    w_host, w_zone = np.log(3 + 2), np.log(2 + 2)
    expect = [2 * w_host + 2 + 4 * w_zone + 4, 2 * w_host + 2, 1 * w_host + 2 + 1 * w_zone + 4]
    assert out.raw[cluster.live].tolist() == [int(np.floor(x + 0.5)) for x in expect]


def test_native_missing_zone_joins_the_empty_zone_domain() -> None:
    nodes, pods, objects, pod = _empty_zone_case()
    s, cluster = _setup(nodes, pods, objects)
    out = podtopologyspread.score(cluster, compile_pod(pod), cluster.live)
    assert out is not None
    assert s._native.debug_score(pod, "PodTopologySpread").tolist() == out.normalized.tolist()


# --- 4. A node-affinity term that does not parse ------------------------------------------
# The API server validates neither Gt/Lt operands nor In/NotIn values of node-selector
# requirements; nodeaffinity.newNodeSelectorTerm parses them with labels.NewRequirement. A
# preferred term that does not parse fails NodeAffinity's PreScore (NewPreferredSchedulingTerms)
# and the cycle ends with an Error status worded by RunPreScorePlugins; a required term that does
# not parse matches no node (LazyErrorNodeSelector), whatever its other requirements say.

LT_NOT_INTEGER = (
    '[0].matchExpressions[0].values[0]: Invalid value: "x": '
    "for 'Gt', 'Lt' operators, the value must be an integer"
)


def _bad_preferred_case():
    nodes = [make_node("a").label("tier", "1").obj(), make_node("b").label("tier", "3").obj()]
    pod = make_pod("p").node_affinity_preferred(
        10, [{"key": "tier", "operator": "Lt", "values": ["x"]}]
    )
    return nodes, pod.obj()


def test_reference_unparsable_preferred_term_fails_the_cycle() -> None:
    nodes, pod = _bad_preferred_case()
    _, cluster = _setup(nodes)
    want = f'running PreScore plugin "NodeAffinity": {LT_NOT_INTEGER}'
    with pytest.raises(nodeaffinity.PreScoreError) as info:
        nodeaffinity.score(cluster, compile_pod(pod), cluster.live)
    assert str(info.value) == want


def test_native_unparsable_preferred_term_fails_the_cycle() -> None:
    nodes, pod = _bad_preferred_case()
    s, _ = _setup(nodes)
    e = s.explain(pod)
    assert e.code == Code.Error
    assert e.message == f'running PreScore plugin "NodeAffinity": {LT_NOT_INTEGER}'
    assert e.node is None
    assert e.score_plugins == ()
    r = s.schedule(pod)
    assert (r.code, r.message, r.node) == (Code.Error, e.message, None)
    assert s.num_pods == 0


def test_native_unparsable_preferred_term_with_one_feasible_node_schedules() -> None:
    """With one feasible node kube-scheduler takes it without PreScore (schedulePod)."""
    nodes, pod = _bad_preferred_case()
    s, _ = _setup(nodes[:1])
    assert s.schedule(pod).node == "a"


def test_native_unparsable_preferred_term_on_the_cached_path() -> None:
    """Copies of such a pod fail every cycle, as the full pass does (no cached decision)."""
    nodes, pod = _bad_preferred_case()
    s, _ = _setup(nodes)
    batch = s.schedule_batch(PodBatch.from_template(pod, 3))
    assert [r.code for r in batch] == [Code.Error] * 3
    assert int(s._native.cache_hits()) == 0


def test_native_every_parse_error_is_reported() -> None:
    """All errors of all terms, deduplicated, in a Go aggregate ``[e1, e2, ...]``; weight-0 and
    empty terms are skipped."""
    nodes = [make_node("a").obj(), make_node("b").obj()]
    pod = (
        make_pod("p")
        .node_affinity_preferred(0, [{"key": "t", "operator": "Gt", "values": ["x"]}])
        .node_affinity_preferred(
            5,
            [
                {"key": "disk", "operator": "In", "values": ["ssd", "a b"]},
                {"key": "t", "operator": "Exists", "values": ["1"]},
            ],
        )
        .node_affinity_preferred(7, [{"key": "t", "operator": "Gt"}])
        .obj()
    )
    want = (
        'running PreScore plugin "NodeAffinity": ['
        '[1].matchExpressions[0].values[1][disk]: Invalid value: "a b": a valid label must be an '
        "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and "
        "end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex "
        "used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?'), "
        '[1].matchExpressions[1].values: Invalid value: []string{"1"}: values set must be empty '
        "for exists and does not exist, "
        "[2].matchExpressions[0].values: Invalid value: []string(nil): for 'Gt', 'Lt' operators, "
        "exactly one value is required]"
    )
    s, _ = _setup(nodes)
    assert s.explain(pod).message == want
    assert nodeaffinity.prescore_error(compile_pod(pod)) == want


def _bad_required_case():
    nodes = [make_node("a").label("disk", "ssd").obj(), make_node("b").label("disk", "hdd").obj()]
    term = {"key": "disk", "operator": "NotIn", "values": ["hdd", "not a value"]}
    return nodes, make_pod("p").node_affinity_required([term]).obj()


def test_reference_unparsable_required_term_matches_no_node() -> None:
    nodes, pod = _bad_required_case()
    _, cluster = _setup(nodes)
    codes = nodeaffinity.filter(cluster, compile_pod(pod)).codes[cluster.live]
    assert codes.tolist() == [int(Code.UnschedulableAndUnresolvable)] * 2


def test_native_unparsable_required_term_matches_no_node() -> None:
    nodes, pod = _bad_required_case()
    s, cluster = _setup(nodes)
    want = nodeaffinity.filter(cluster, compile_pod(pod)).codes
    assert s._native.debug_filter(pod, "NodeAffinity").tolist() == want.tolist()
    r = s.schedule(pod)
    assert r.code == Code.UnschedulableAndUnresolvable
    assert "2 node(s) didn't match Pod's node affinity/selector" in r.message


@pytest.mark.parametrize(
    "term",
    [
        pytest.param(
            {"matchExpressions": [{"key": "t", "operator": "Lt", "values": ["1", "x"]}]},
            id="lt-two-values",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "t", "operator": "In", "values": []}]}, id="in-empty-list"
        ),
        pytest.param({"matchExpressions": [{"key": "t", "operator": "NotIn"}]}, id="notin-nil"),
        pytest.param(
            {"matchExpressions": [{"key": "a/b/c", "operator": "Exists"}]}, id="key-two-slashes"
        ),
        pytest.param(
            {"matchExpressions": [{"key": "Bad_Prefix/x", "operator": "Exists"}]}, id="key-prefix"
        ),
        pytest.param(
            {"matchExpressions": [{"key": "t", "operator": "In", "values": ["x" * 64]}]},
            id="value-too-long",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "t", "operator": "In", "values": ['q"\\\n']}]},
            id="value-quoted",
        ),
        pytest.param(
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["a", "b"]}]},
            id="field-two-values",
        ),
        pytest.param(
            {"matchFields": [{"key": "metadata.name", "operator": "Exists"}]}, id="field-operator"
        ),
    ],
)
def test_native_parse_error_messages_equal_reference(term) -> None:
    nodes = [make_node("a").obj(), make_node("b").obj()]
    pod = make_pod("p").obj()
    pod["spec"]["affinity"] = {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 3, "preference": term}]
        }
    }
    s, _ = _setup(nodes)
    want = nodeaffinity.prescore_error(compile_pod(pod))
    assert want is not None
    assert s.explain(pod).message == want
