"""Nominated pods across cycles (kube-scheduler's PodNominator and
``RunFilterPluginsWithNominatedPods``), and the nominated-node-first path.

Covered: a nominated pod reserves its room against pods of lower and equal priority but not
higher; the two filter passes (with the node's nominated pods, then without) and whose status is
reported; nominated pods count only on their own node for PodTopologySpread and
InterPodAffinity, and only for plugins whose PreFilter did not skip; a pod never counts against
itself; preemption dry runs honour nominations; ``status.nominatedNodeName`` is tried first and
taken without scoring; the nominator API (replace, delete, order, placed pods, validation);
nominations through ``schedule_batch``, ``dry_run`` and ``explain``, across profiles.
Not covered: the percentageOfNodesToScore start index around the nominated-node path.
"""

from __future__ import annotations

from typing import Any

import pytest

from kcore.scheduler import Code, InvalidObjectError, PodBatch, Scheduler
from kcore.scheduler.apis.config import load_config
from kcore.testing.wrappers import make_node, make_pod

HOST = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"


def cluster(*names: str, zones: dict[str, str] | None = None) -> Scheduler:
    s = Scheduler(seed=3)
    for n in names:
        w = make_node(n)
        if zones:
            w.zone(zones[n])
        s.add_node(w.obj())
    return s


def reserved(name: str = "reserved", priority: int = 100, cpu: str = "3") -> dict[str, Any]:
    return make_pod(name).req(cpu=cpu).priority(priority).obj()


@pytest.mark.parametrize(
    ("priority", "fits"),
    [
        pytest.param(10, False, id="lower-priority-cannot-take-the-room"),
        pytest.param(100, False, id="equal-priority-cannot-either"),
        pytest.param(1000, True, id="higher-priority-can"),
    ],
)
def test_nominated_pod_reserves_its_room(priority: int, fits: bool) -> None:
    s = cluster("n1")
    assert s.add_nominated_pod(reserved(), "n1")
    incoming = make_pod("incoming").req(cpu="2").priority(priority).obj()
    explained = s.explain(incoming)
    r = s.schedule(incoming)
    if fits:
        assert r.node == "n1"
        assert explained.feasible == ("n1",)
        return
    assert r.node is None
    assert r.code == Code.Unschedulable
    assert r.message.startswith("0/1 nodes are available: 1 Insufficient cpu.")
    assert explained.failures["n1"].reasons == ("Insufficient cpu",)
    # Without the nomination the node has room: the reservation is what rejected it.
    assert s.delete_nominated_pod_if_exists("default", "reserved")
    assert s.schedule(make_pod("again").req(cpu="2").priority(priority).obj()).node == "n1"


def test_nominations_only_reserve_room_on_their_node() -> None:
    s = cluster("n1", "n2")
    s.add_nominated_pod(reserved(cpu="4"), "n1")
    r = s.explain(make_pod("p").req(cpu="1").obj())
    assert r.feasible == ("n2",)
    assert r.failures["n1"].plugin == "NodeResourcesFit"


def test_first_pass_failure_is_the_reported_status() -> None:
    """The nominated pod's host port conflicts in the first pass (NodePorts) although the second
    pass (without it) would fail later, in NodeResourcesFit: the first pass's status wins."""
    s = cluster("n1")
    s.add_pod(make_pod("running").req(cpu="3").node("n1").obj())
    s.add_nominated_pod(make_pod("nom").host_port(8080).priority(5).obj(), "n1")
    e = s.explain(make_pod("p").req(cpu="2").host_port(8080).obj())
    assert e.failures["n1"].plugin == "NodePorts"
    s.delete_nominated_pod_if_exists("default", "nom")
    assert s.explain(make_pod("p").req(cpu="2").host_port(8080).obj()).failures["n1"].plugin == (
        "NodeResourcesFit"
    )


def test_anti_affinity_sees_a_nominated_pod_only_on_its_node() -> None:
    """Upstream adds the nominated pods of the node being filtered only: the zone-wide
    anti-affinity rejects n1 (which holds the nominated pod) but not n2 in the same zone."""
    s = cluster("n1", "n2", "n3", zones={"n1": "a", "n2": "a", "n3": "b"})
    s.add_nominated_pod(make_pod("nom").labels(app="db").priority(10).obj(), "n1")
    e = s.explain(make_pod("p").pod_anti_affinity({"app": "db"}, ZONE).obj())
    assert e.feasible == ("n2", "n3")
    assert e.failures["n1"].reasons == ("node(s) didn't match pod anti-affinity rules",)


def test_existing_anti_affinity_of_a_nominated_pod_is_ignored_when_the_plugin_skips() -> None:
    """InterPodAffinity's PreFilter skips for a pod without terms when no placed pod has
    anti-affinity: the first pass keeps that Skip, so the nominated pod's own anti-affinity
    against the incoming pod is not checked (as upstream)."""
    s = cluster("n1")
    nom = make_pod("nom").pod_anti_affinity({"app": "web"}, HOST).priority(10).obj()
    s.add_nominated_pod(nom, "n1")
    assert s.schedule(make_pod("p").labels(app="web").obj()).node == "n1"


def test_existing_anti_affinity_of_a_nominated_pod_counts_when_the_plugin_runs() -> None:
    """A placed pod's anti-affinity against the incoming pod keeps the plugin running; then the
    nominated pod's own anti-affinity rejects its node in the first pass."""
    s = cluster("n1", "n2", "n3")
    s.add_pod(make_pod("placed").pod_anti_affinity({"app": "web"}, HOST).node("n2").obj())
    s.add_nominated_pod(
        make_pod("nom").pod_anti_affinity({"app": "web"}, HOST).priority(10).obj(), "n1"
    )
    e = s.explain(make_pod("p").labels(app="web").obj())
    assert e.feasible == ("n3",)
    for node in ("n1", "n2"):
        assert e.failures[node].reasons == (
            "node(s) didn't satisfy existing pods anti-affinity rules",
        )


def test_topology_spread_counts_a_nominated_pod_on_its_node_only() -> None:
    s = cluster("n1", "n2", "n3", zones={"n1": "a", "n2": "a", "n3": "b"})
    s.add_nominated_pod(make_pod("nom").labels(app="web").priority(10).obj(), "n1")
    p = make_pod("p").labels(app="web").spread(1, ZONE, match_labels={"app": "web"}).obj()
    e = s.explain(p)
    assert e.feasible == ("n2", "n3")
    assert e.failures["n1"].plugin == "PodTopologySpread"


def test_a_pod_never_counts_against_itself() -> None:
    s = cluster("n1")
    p = reserved(cpu="4")
    s.add_nominated_pod(p, "n1")
    r = s.schedule(p)
    assert r.node == "n1"
    # Placing the pod dropped its nomination.
    assert s.nominated_pods_for_node("n1") == []
    assert s.nominated_node("default", "reserved") is None


def test_batch_copies_respect_the_nomination_of_a_sibling() -> None:
    """Copies of one template: w-1 is nominated; w-0 (equal priority) cannot take its room, w-1
    itself can. Nominations also switch the equivalence cache off for the cycle."""
    s = cluster("n1")
    template = make_pod("w").req(cpu="3").obj()
    sibling = make_pod("w-1").req(cpu="3").obj()
    s.add_nominated_pod(sibling, "n1")
    r = s.schedule_batch(PodBatch.from_template(template, 2, name_prefix="w-"))
    assert [x.node for x in r] == [None, "n1"]
    assert s.nominated_pods_for_node("n1") == []


def test_dry_run_restores_nominations_and_explain_keeps_them() -> None:
    s = cluster("n1")
    s.add_nominated_pod(reserved(cpu="4"), "n1")
    dry = s.dry_run([reserved(cpu="4"), make_pod("other").req(cpu="1").obj()])
    assert [x.node for x in dry] == ["n1", None]
    assert s.nominated_pods_for_node("n1") == ["default/reserved"]
    s.explain(reserved(cpu="4"))
    assert s.nominated_node("default", "reserved") == "n1"
    assert s.num_pods == 0


def test_preemption_dry_run_honours_nominations() -> None:
    """Evicting the low-priority pod would make room for the preemptor, but a higher-priority
    pod is nominated to the node: the dry run (with nominated pods) finds no candidate."""
    s = cluster("n1")
    s.add_pod(make_pod("low").req(cpu="2").priority(0).node("n1").obj())
    preemptor = make_pod("pre").req(cpu="3").priority(100).obj()
    assert s.explain(preemptor).nominated_node == "n1"
    s.add_nominated_pod(make_pod("vip").req(cpu="2").priority(200).obj(), "n1")
    r = s.schedule(preemptor)
    assert r.nominated_node is None
    assert r.message.endswith("preemption: 0/1 nodes are available: 1 Insufficient cpu.")


def nominated_first_cluster() -> Scheduler:
    s = cluster("busy", "idle")
    s.add_pod(make_pod("load").req(cpu="2").node("busy").obj())
    return s


def test_nominated_node_is_tried_first_and_taken_without_scoring() -> None:
    s = nominated_first_cluster()
    plain = make_pod("p").req(cpu="1").obj()
    assert s.explain(plain).top_nodes == ("idle",)
    nominated = make_pod("q").req(cpu="1").obj()
    nominated["status"]["nominatedNodeName"] = "busy"
    e = s.explain(nominated)
    assert e.feasible == ("busy",)
    assert e.score_plugins == ()
    assert s.schedule(nominated).node == "busy"


@pytest.mark.parametrize(
    "node", [pytest.param("busy", id="does-not-fit"), pytest.param("gone", id="unknown-node")]
)
def test_nominated_node_falls_back_to_a_full_pass(node: str) -> None:
    s = nominated_first_cluster()
    p = make_pod("q").req(cpu="3").obj()
    p["status"]["nominatedNodeName"] = node
    e = s.explain(p)
    assert e.feasible == ("idle",)
    assert s.schedule(p).node == "idle"


def test_nominator_api() -> None:
    s = cluster("n1", "n2")
    a, b = reserved("a"), reserved("b")
    assert s.add_nominated_pod(a, "n1")
    assert s.add_nominated_pod(b, "n1")
    assert s.nominated_pods_for_node("n1") == ["default/a", "default/b"]
    # A new nomination of the same pod moves it.
    assert s.add_nominated_pod(a, "n2")
    assert s.nominated_pods_for_node("n1") == ["default/b"]
    assert s.nominated_node("default", "a") == "n2"
    # node_name defaults to status.nominatedNodeName.
    c = reserved("c")
    c["status"]["nominatedNodeName"] = "n2"
    assert s.add_nominated_pod(c)
    assert s.nominated_pods_for_node("n2") == ["default/a", "default/c"]
    # Nominations to unknown nodes are kept (the node may appear later).
    assert s.add_nominated_pod(reserved("d"), "later")
    assert s.nominated_pods_for_node("later") == ["default/d"]
    assert s.delete_nominated_pod_if_exists("default", "d")
    assert not s.delete_nominated_pod_if_exists("default", "d")
    # A placed pod is not nominated.
    s.add_pod(make_pod("placed").node("n1").obj())
    assert not s.add_nominated_pod(make_pod("placed").obj(), "n2")
    assert s.nominated_pods_for_node("n2") == ["default/a", "default/c"]


def test_nominator_bad_input() -> None:
    s = cluster("n1")
    with pytest.raises(InvalidObjectError, match=r"status\.nominatedNodeName: required"):
        s.add_nominated_pod(reserved())
    with pytest.raises(InvalidObjectError, match="node_name: must not be empty"):
        s.add_nominated_pod(reserved(), "")
    with pytest.raises(InvalidObjectError, match=r"metadata\.name"):
        s.add_nominated_pod({"metadata": {}}, "n1")
    assert s.nominated_pods_for_node("n1") == []


def test_nominations_are_shared_by_profiles() -> None:
    cfg = load_config(
        {"profiles": [{"schedulerName": "default-scheduler"}, {"schedulerName": "b"}]}
    )
    s = Scheduler(profiles=list(cfg.resolved_profiles().values()))
    s.add_node(make_node("n1").obj())
    s.add_nominated_pod(reserved(cpu="4"), "n1")
    other = make_pod("p").req(cpu="1").obj()
    other["spec"]["schedulerName"] = "b"
    assert s.schedule(other).node is None
