"""kube-scheduler's Diagnosis sets on scheduling results: ``unschedulable_plugins`` (every plugin
that rejected an evaluated node or the pod) and ``pending_plugins``, as its queue files a pod
that did not fit (schedule_one.go findNodesThatFitPod, Diagnosis.AddPluginStatus).

Covered: filter rejections on different nodes, a PreFilter rejection, a PreFilterResult, the
nominated node's rejector, Python filter plugins, successes and errors (empty), preemption
(unchanged), batches from dicts and from a PodBatch, ``explain``. Compared with the reference
cycle on random clusters in reference/test_cycle.py.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kcore.scheduler import Code, PodBatch, Scheduler
from kcore.scheduler.apis.config import default_profile
from kcore.scheduler.framework import FilterResult, register_plugin, unregister_plugin
from kcore.testing.wrappers import make_node, make_pod

FIT, TAINT, AFFINITY = "NodeResourcesFit", "TaintToleration", "NodeAffinity"


def cluster() -> Scheduler:
    """n0 is tainted, n1 small, n2 labelled disk=ssd."""
    s = Scheduler(seed=1)
    s.add_node(make_node("n0").capacity(cpu="8", pods="10").taint("k", "v", "NoSchedule").obj())
    s.add_node(make_node("n1").capacity(cpu="1", pods="10").obj())
    s.add_node(make_node("n2").capacity(cpu="8", pods="10").label("disk", "ssd").obj())
    return s


def test_every_rejecting_filter_is_named() -> None:
    s = cluster()
    # n0: taint; n1: no disk label (NodeAffinity runs before NodeResourcesFit); n2: cpu.
    pod = make_pod("p").req(cpu="9").node_selector(disk="ssd").obj()
    r = s.schedule(pod)
    assert r.code == Code.UnschedulableAndUnresolvable
    assert r.unschedulable_plugins == {TAINT, FIT, AFFINITY}
    assert r.pending_plugins == frozenset()
    e = s.explain(pod)
    assert e.unschedulable_plugins == r.unschedulable_plugins
    assert {v.plugin for v in e.failures.values()} == r.unschedulable_plugins


def test_only_the_first_failing_filter_of_a_node_counts() -> None:
    """n1 fails NodeResourcesFit first; that it also lacks disk=ssd is never evaluated."""
    s = cluster()
    r = s.schedule(make_pod("p").req(cpu="2").toleration(operator="Exists").obj())
    assert r.node in ("n0", "n2")
    r = s.schedule(make_pod("q").req(cpu="7").toleration(operator="Exists").obj())
    r = s.schedule(make_pod("x").req(cpu="7").toleration(operator="Exists").obj())
    assert r.node is None
    assert r.unschedulable_plugins == {FIT}


def test_prefilter_rejection_and_prefilter_result() -> None:
    s = cluster()
    name_in = lambda n: {"key": "metadata.name", "operator": "In", "values": [n]}  # noqa: E731
    conflict = make_pod("c").node_affinity_required([], [name_in("n0"), name_in("n1")]).obj()
    r = s.schedule(conflict)
    assert r.message.startswith("0/3 nodes are available: pod affinity terms conflict.")
    assert r.unschedulable_plugins == {AFFINITY}
    # A PreFilterResult of {n1}: n1 fails on cpu, the others are outside the result.
    narrowed = make_pod("n").req(cpu="2").node_affinity_required([], [name_in("n1")]).obj()
    r = s.schedule(narrowed)
    assert "2 node(s) didn't satisfy plugin(s) [NodeAffinity]" in r.message
    assert r.unschedulable_plugins == {AFFINITY, FIT}


def test_success_and_error_have_no_diagnosis() -> None:
    s = cluster()
    assert s.schedule(make_pod("ok").obj()).unschedulable_plugins == frozenset()
    empty = Scheduler()
    r = empty.schedule(make_pod("p").obj())
    assert (r.code, r.unschedulable_plugins) == (Code.Error, frozenset())
    bad = make_pod("b").node_affinity_preferred(
        1, [{"key": "t", "operator": "Lt", "values": ["x"]}]
    )
    r = s.schedule(bad.obj())
    assert (r.code, r.unschedulable_plugins) == (Code.Error, frozenset())


def test_nominated_node_rejector_counts() -> None:
    s = cluster()
    pod = make_pod("p").req(cpu="2").obj()
    pod["status"] = {"nominatedNodeName": "n0"}
    r = s.schedule(pod)
    assert r.node == "n2"
    pod = make_pod("q").req(cpu="7").obj()
    pod["status"] = {"nominatedNodeName": "n0"}
    r = s.schedule(pod)
    assert r.node is None
    assert r.unschedulable_plugins == {TAINT, FIT}


def test_preemption_keeps_the_filter_diagnosis() -> None:
    s = Scheduler(seed=1)
    s.add_node(make_node("n").capacity(cpu="2", pods="10").obj())
    low = make_pod("low").req(cpu="2").priority(1).node("n").obj()
    s.add_pod(low)
    r = s.schedule(make_pod("high").req(cpu="2").priority(100).obj())
    assert r.nominated_node == "n"
    assert r.victims == ("default/low",)
    assert r.unschedulable_plugins == {FIT}


def test_batches_report_per_pod() -> None:
    s = cluster()
    pods = [make_pod("a").req(cpu="7").obj(), make_pod("b").obj(), make_pod("c").req(cpu="9").obj()]
    r = s.dry_run(pods)
    assert r[0].node == "n2"
    assert r[2].node is None
    assert [x.unschedulable_plugins for x in r] == [frozenset(), frozenset(), {TAINT, FIT}]
    big = s.dry_run(PodBatch.from_template(make_pod("t").req(cpu="7").obj(), 3))
    assert [x.node is None for x in big] == [False, True, True]
    assert big[1].unschedulable_plugins == big[2].unschedulable_plugins == {TAINT, FIT}


class _RejectOdd:
    name = "RejectOdd"

    def filter(self, state, pod, nodes, candidates):
        return FilterResult(np.arange(nodes.size) % 2 == 0, Code.Unschedulable, "odd")


def test_python_filter_plugins_are_named() -> None:
    register_plugin("RejectOdd", lambda args: _RejectOdd())
    try:
        profile = replace(default_profile(), filters=(*default_profile().filters, "RejectOdd"))
        s = Scheduler(profile, seed=0)
        for i in range(2):
            s.add_node(make_node(f"n{i}").capacity(cpu="1", pods="10").obj())
        r = s.schedule(make_pod("p").req(cpu="2").obj())
        assert r.unschedulable_plugins == {FIT}
        s.schedule(make_pod("fill").req(cpu="1").obj())  # n0 or n1 (RejectOdd: n0)
        r = s.schedule(make_pod("q").req(cpu="1").obj())
        assert r.unschedulable_plugins == {FIT, "RejectOdd"}
    finally:
        unregister_plugin("RejectOdd")
