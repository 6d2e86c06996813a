"""Conversion of Kubernetes-shaped pods at the native boundary: field paths in errors, Mapping
and tuple inputs, quantities read once per distinct text per unit, and compiled specs shared by
replicas (a pod's identity never leaks into another's).

Not covered here: the semantics of each field (the plugin and fidelity tests).
"""

from __future__ import annotations

import copy
from types import MappingProxyType

import pytest

from kcore.scheduler import Code, InvalidObjectError, PodBatch, Scheduler
from kcore.testing.wrappers import make_node, make_pod


def cluster(n: int = 3) -> Scheduler:
    s = Scheduler(seed=3)
    for i in range(n):
        s.add_node(
            make_node(f"n{i}")
            .label("zone", f"z{i % 2}")
            .capacity(cpu="4", memory="8Gi", pods="110")
            .obj()
        )
    return s


def replica(i: int, **status: str) -> dict:
    pod = (
        make_pod(f"web-{i}")
        .labels(app="web")
        .req(cpu="500m", memory="1Gi")
        .owner("ReplicaSet", "web")
        .pod_anti_affinity({"app": "web"}, "kubernetes.io/hostname")
        .obj()
    )
    pod["metadata"]["uid"] = f"uid-{i}"
    if status:
        pod["status"] = dict(status)
    return pod


def test_replicas_share_nothing_but_their_spec() -> None:
    """Replicas of one spec, scheduled from dicts, are placed and tracked under their own
    names; removing one frees only its node."""
    s = cluster()
    r = s.schedule_batch([replica(i) for i in range(4)])
    assert [x.pod for x in r] == [f"default/web-{i}" for i in range(4)]
    nodes = [x.node for x in r]
    assert sorted(n for n in nodes if n) == ["n0", "n1", "n2"]  # hostname anti-affinity
    assert r[3].code == Code.Unschedulable
    for i in range(3):
        assert s.node_of("default", f"web-{i}") == nodes[i]
    s.remove_pod("default", "web-1")
    assert s.schedule(replica(9)).node == nodes[1]
    assert s.num_pods == 3


def test_same_spec_with_other_status_is_compiled_apart() -> None:
    """status.nominatedNodeName is part of what a cycle reads: after its twin without one, a
    replica nominated to a node evaluates that node alone and takes it."""
    s = cluster()
    plain = replica(0)
    del plain["spec"]["affinity"]
    nominated = copy.deepcopy(plain)
    nominated["metadata"]["name"] = "web-1"
    nominated["status"] = {"nominatedNodeName": "n2"}
    assert len(s.explain(plain).feasible) == 3
    e = s.explain(nominated)
    assert (e.feasible, e.node) == (("n2",), "n2")
    assert len(s.explain(plain).feasible) == 3


def test_batch_keys_and_failures_name_each_pod() -> None:
    s = cluster(1)
    pods = [replica(i) for i in range(3)]
    r = s.dry_run(pods)
    assert [x.pod for x in r] == ["default/web-0", "default/web-1", "default/web-2"]
    assert [x.code for x in r] == [Code.Success, Code.Unschedulable, Code.Unschedulable]
    assert "1 node(s) didn't match pod anti-affinity rules" in r[1].message
    assert s.num_pods == 0


def test_mappings_and_tuples_convert_like_dicts_and_lists() -> None:
    pod = replica(0)
    frozen = copy.deepcopy(pod)
    frozen["spec"]["containers"] = tuple(frozen["spec"]["containers"])
    frozen["metadata"] = MappingProxyType(frozen["metadata"])
    a, b = cluster(), cluster()
    ea, eb = a.explain(pod), b.explain(MappingProxyType(frozen))
    assert (ea.node, ea.feasible, ea.totals.tolist()) == (eb.node, eb.feasible, eb.totals.tolist())


def test_quantities_are_read_per_unit() -> None:
    """The same text means milli-units for cpu and units for everything else."""
    s = Scheduler()
    s.add_node(make_node("n").capacity(cpu="2", memory="2", pods="10").obj())
    too_much_cpu = make_pod("cpu").req(cpu="2001m").obj()
    too_much_mem = make_pod("mem").req(memory="3").obj()
    ok = make_pod("ok").req(cpu="2", memory="2").obj()
    r = s.dry_run([too_much_cpu, too_much_mem, ok])
    unresolvable = Code.UnschedulableAndUnresolvable  # more than the node's allocatable
    assert [x.code for x in r] == [unresolvable, unresolvable, Code.Success]
    assert "Insufficient cpu" in r[0].message
    assert "Insufficient memory" in r[1].message


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        pytest.param(
            lambda p: p["spec"]["affinity"]["podAntiAffinity"][
                "requiredDuringSchedulingIgnoredDuringExecution"
            ][0].pop("topologyKey"),
            "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]"
            ".topologyKey: required",
            id="deep-required",
        ),
        pytest.param(
            lambda p: p["spec"]["containers"][0]["resources"]["requests"].update(cpu=[1]),
            "spec.containers[0].resources.requests.cpu: expected a quantity string, got list",
            id="quantity-type",
        ),
        pytest.param(
            lambda p: p["metadata"]["labels"].update(tier=3),
            "metadata.labels.tier: expected a string, got int",
            id="label-value",
        ),
        pytest.param(
            lambda p: p["metadata"]["ownerReferences"][0].update(controller="yes"),
            "metadata.ownerReferences[0].controller: expected a boolean, got str",
            id="owner-controller",
        ),
        pytest.param(
            lambda p: p["spec"].update(priority=2**40),
            "spec.priority: out of int32 range",
            id="priority-range",
        ),
        pytest.param(
            lambda p: p["spec"].update(priority=2**70),
            "spec.priority: integer out of range",
            id="priority-overflow",
        ),
        pytest.param(
            lambda p: p["spec"]["containers"][0].update(name=b"c"),
            "spec.containers[0].name: expected a string, got bytes",
            id="bytes-name",
        ),
    ],
)
def test_errors_name_the_field_and_the_batch_item(mutate, fragment) -> None:
    s = cluster()
    bad = replica(1)
    mutate(bad)
    with pytest.raises(InvalidObjectError) as info:
        s.schedule(bad)
    assert str(info.value) == fragment
    with pytest.raises(InvalidObjectError) as info:
        s.schedule_batch([replica(0), bad])
    assert str(info.value) == f"pods[1]: {fragment}"
    assert s.num_pods == 0


def test_dict_pods_and_pod_batch_decide_alike() -> None:
    a, b = cluster(), cluster()
    from_dicts = a.schedule_batch([replica(i) for i in range(3)])
    from_batch = b.schedule_batch(PodBatch.from_template(replica(0), 3, name_prefix="web-"))
    assert [x.node for x in from_dicts] == [x.node for x in from_batch]
