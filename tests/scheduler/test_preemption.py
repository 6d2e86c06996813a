"""DefaultPreemption: eligibility, candidate choice criteria, victims and PDBs."""

from __future__ import annotations

from kcore.scheduler import Code, Scheduler
from kcore.testing.wrappers import make_node, make_pod


def cluster(*pods, nodes=("a", "b"), cpu="2") -> Scheduler:
    s = Scheduler(seed=0)
    for n in nodes:
        s.add_node(make_node(n).capacity(cpu=cpu, memory="8Gi", pods="10").obj())
    for p in pods:
        s.add_pod(p.obj())
    return s


def low(name, node, prio=0, start="2025-11-01T00:00:00Z", cpu="1", **labels):
    w = make_pod(name).req(cpu=cpu).priority(prio).node(node).start_time(start)
    if labels:
        w.labels(**labels)
    return w


def test_preemption_nominates_and_lists_victims() -> None:
    s = cluster(low("a1", "a", 10), low("a2", "a", 5), low("b1", "b", 100), low("b2", "b", 100))
    r = s.schedule(make_pod("hi").req(cpu="1").priority(1000).obj())
    assert r.code == Code.Unschedulable
    assert r.node is None
    # On a, removing both lower pods fits; a1 (10) is reprieved first and still fits, so
    # victims = [a2]; a's highest victim priority (5) beats b's (100).
    assert r.nominated_node == "a"
    assert r.victims == ("default/a2",)
    assert r.message == "0/2 nodes are available: 2 Insufficient cpu."
    assert s.num_pods == 4  # the caller deletes victims


def test_preemption_policy_never() -> None:
    s = cluster(low("a1", "a"), low("a2", "a"), low("b1", "b"), low("b2", "b"))
    r = s.schedule(make_pod("hi").req(cpu="1").priority(1000).preemption_policy("Never").obj())
    assert r.nominated_node is None
    assert r.message.endswith("preemption: not eligible due to preemptionPolicy=Never.")


def test_no_lower_priority_victims() -> None:
    s = cluster(low("a1", "a", 1000), low("a2", "a", 1000), nodes=("a",))
    r = s.schedule(make_pod("hi").req(cpu="1").priority(10).obj())
    assert r.message == (
        "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, preemption: "
        "0/1 nodes are available: 1 No preemption victims found for incoming pod."
    )


def test_fewest_pdb_violations_first() -> None:
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "pdb", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "guarded"}}},
        "status": {"disruptionsAllowed": 0},
    }
    s = cluster(low("a1", "a", 0, cpu="2", app="guarded"), low("b1", "b", 50, cpu="2"))
    s.add_object(pdb)
    r = s.schedule(make_pod("hi").req(cpu="2").priority(1000).obj())
    assert r.nominated_node == "b"  # b has a higher-priority victim but no PDB violation
    assert r.victims == ("default/b1",)


def test_latest_start_time_breaks_ties() -> None:
    s = cluster(
        low("old", "a", 0, start="2025-10-01T00:00:00Z", cpu="2"),
        low("new", "b", 0, start="2025-11-01T00:00:00Z", cpu="2"),
    )
    r = s.schedule(make_pod("hi").req(cpu="2").priority(1000).obj())
    assert r.nominated_node == "b"
    e = s.explain(make_pod("hi2").req(cpu="2").priority(1000).obj())
    assert e.nomination_ties == ("b",)
    assert {c[0] for c in e.preemption_candidates} == {"a", "b"}


def test_unresolvable_nodes_are_not_candidates() -> None:
    s = cluster(low("a1", "a", 0, cpu="2"), nodes=("a",))
    s.add_node(make_node("tainted").taint("k").obj())
    r = s.schedule(make_pod("hi").req(cpu="2").priority(1000).obj())
    assert r.nominated_node == "a"
    r2 = s.schedule(make_pod("huge").req(cpu="64").priority(1000).obj())
    assert r2.nominated_node is None
    assert "2 Preemption is not helpful for scheduling" in r2.message


def test_terminating_victim_on_nominated_node_blocks_new_preemption() -> None:
    victim = low("v", "a", 0, cpu="2").terminating()
    victim_obj = victim.obj()
    victim_obj["status"]["conditions"] = [
        {"type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler"}
    ]
    s = cluster(nodes=("a",))
    s.add_pod(victim_obj)
    pod = make_pod("hi").req(cpu="2").priority(1000).obj()
    pod["status"] = {"nominatedNodeName": "a"}
    r = s.schedule(pod)
    assert r.nominated_node is None
    assert r.message.endswith(
        "preemption: not eligible due to a terminating pod on the nominated node."
    )
