"""Per-plugin behaviour with exact numbers from kube-scheduler's formulas.

Each case builds a small cluster, explains one pod and checks the filter verdicts or the
normalised scores of one plugin (see docs/semantics-vs-kubernetes.md for the sources).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from kcore.scheduler import Code, Scheduler
from kcore.scheduler.apis.config import NodeResourcesFitArgs, ScoringStrategy, default_profile
from kcore.scheduler.apis.config.types import ResourceSpec, UtilizationShapePoint
from kcore.testing.wrappers import make_namespace, make_node, make_pod

MiB = 1024 * 1024


def sched(*nodes, pods=(), profile=None, seed=0, objects=(), namespaces=()) -> Scheduler:
    s = Scheduler(profile, seed=seed)
    for ns in namespaces:
        s.add_namespace(ns)
    for n in nodes:
        s.add_node(n.obj() if hasattr(n, "obj") else n)
    for o in objects:
        s.add_object(o)
    for p in pods:
        s.add_pod(p.obj() if hasattr(p, "obj") else p)
    return s


def scores(s: Scheduler, pod, plugin: str) -> dict[str, int] | None:
    e = s.explain(pod.obj())
    if plugin not in e.score_plugins:
        return None
    j = e.score_plugins.index(plugin)
    return {n: int(e.scores[i, j]) for i, n in enumerate(e.feasible)}


def verdicts(s: Scheduler, pod) -> dict[str, tuple[str, Code, tuple[str, ...]]]:
    e = s.explain(pod.obj())
    return {n: (v.plugin, v.code, v.reasons) for n, v in e.failures.items()}


# ---------------------------------------------------------------------------------------------
# Filters


def test_node_unschedulable_and_toleration() -> None:
    s = sched(make_node("a").unschedulable(), make_node("b"))
    v = verdicts(s, make_pod("p"))
    assert v == {
        "a": (
            "NodeUnschedulable",
            Code.UnschedulableAndUnresolvable,
            ("node(s) were unschedulable",),
        )
    }
    tol = make_pod("q").toleration(
        "node.kubernetes.io/unschedulable", effect="NoSchedule", operator="Exists"
    )
    assert verdicts(s, tol) == {}


def test_node_name() -> None:
    s = sched(make_node("a"), make_node("b"))
    v = verdicts(s, make_pod("p").node("b"))
    assert v == {
        "a": (
            "NodeName",
            Code.UnschedulableAndUnresolvable,
            ("node(s) didn't match the requested node name",),
        )
    }


@pytest.mark.parametrize(
    ("toleration", "tolerated"),
    [
        pytest.param({}, False, id="none"),
        pytest.param({"key": "k", "value": "v", "effect": "NoSchedule"}, True, id="equal"),
        pytest.param({"key": "k", "value": "w", "effect": "NoSchedule"}, False, id="other-value"),
        pytest.param({"key": "k", "operator": "Exists"}, True, id="exists-any-effect"),
        pytest.param({"operator": "Exists"}, True, id="empty-key-exists"),
        pytest.param({"key": "k", "value": "v", "effect": "NoExecute"}, False, id="other-effect"),
    ],
)
def test_taint_toleration_filter(toleration, tolerated) -> None:
    s = sched(make_node("a").taint("k", "v", "NoSchedule"), make_node("b"))
    pod = make_pod("p")
    if toleration:
        pod.toleration(**{"operator": "Equal", **toleration})
    v = verdicts(s, pod)
    if tolerated:
        assert v == {}
    else:
        assert v == {
            "a": (
                "TaintToleration",
                Code.UnschedulableAndUnresolvable,
                ("node(s) had untolerated taint(s)",),
            )
        }


def test_prefer_no_schedule_never_filters() -> None:
    s = sched(make_node("a").taint("k", "v", "PreferNoSchedule"), make_node("b"))
    assert verdicts(s, make_pod("p")) == {}


@pytest.mark.parametrize(
    ("expr", "matching"),
    [
        pytest.param(
            {"key": "size", "operator": "In", "values": ["10", "30"]}, {"n10", "n30"}, id="in"
        ),
        pytest.param(
            {"key": "size", "operator": "NotIn", "values": ["10"]},
            {"n20", "n30", "nolabel", "nan"},
            id="notin-includes-absent",
        ),
        pytest.param(
            {"key": "size", "operator": "Exists"}, {"n10", "n20", "n30", "nan"}, id="exists"
        ),
        pytest.param({"key": "size", "operator": "DoesNotExist"}, {"nolabel"}, id="does-not-exist"),
        pytest.param(
            {"key": "size", "operator": "Gt", "values": ["15"]},
            {"n20", "n30"},
            id="gt-skips-non-integer",
        ),
        pytest.param({"key": "size", "operator": "Lt", "values": ["25"]}, {"n10", "n20"}, id="lt"),
        pytest.param(
            {"key": "size", "operator": "Gt", "values": ["x"]},
            set(),
            id="gt-bad-operand-matches-nothing",
        ),
    ],
)
def test_node_affinity_operators(expr, matching) -> None:
    nodes = [make_node(f"n{v}").label("size", str(v)) for v in (10, 20, 30)]
    nodes += [make_node("nolabel"), make_node("nan").label("size", "big")]
    s = sched(*nodes)
    e = s.explain(make_pod("p").node_affinity_required([expr]).obj())
    assert set(e.feasible) == matching
    for v in e.failures.values():
        assert (v.plugin, v.code) == ("NodeAffinity", Code.UnschedulableAndUnresolvable)
        assert v.reasons == ("node(s) didn't match Pod's node affinity/selector",)


def test_node_selector_and_metadata_name_prefilter_result() -> None:
    s = sched(
        make_node("a").label("disk", "ssd"), make_node("b").label("disk", "ssd"), make_node("c")
    )
    assert set(s.explain(make_pod("p").node_selector(disk="ssd").obj()).feasible) == {"a", "b"}
    pod = make_pod("ds").node_affinity_required(
        [], fields=[{"key": "metadata.name", "operator": "In", "values": ["b"]}]
    )
    e = s.explain(pod.obj())
    assert e.feasible == ("b",)
    assert e.prefilter_result == ("b",)
    assert e.failures["a"].reasons == ("node(s) didn't satisfy plugin(s) [NodeAffinity]",)
    full = make_pod("ds2").node_affinity_required(
        [], fields=[{"key": "metadata.name", "operator": "In", "values": ["zz"]}]
    )
    r = s.schedule(full.obj())
    assert r.message.startswith(
        "0/3 nodes are available: 3 node(s) didn't satisfy plugin(s) [NodeAffinity]."
    )


def test_node_ports_conflicts() -> None:
    running = make_pod("r").host_port(80, host_ip="10.0.0.1").node("a")
    s = sched(make_node("a"), make_node("b"), pods=[running])
    reason = ("node(s) didn't have free ports for the requested pod ports",)
    assert verdicts(s, make_pod("p").host_port(80)) == {
        "a": ("NodePorts", Code.Unschedulable, reason)
    }
    assert verdicts(s, make_pod("p").host_port(80, host_ip="10.0.0.2")) == {}
    assert verdicts(s, make_pod("p").host_port(80, host_ip="10.0.0.1")) == {
        "a": ("NodePorts", Code.Unschedulable, reason)
    }
    assert verdicts(s, make_pod("p").host_port(80, protocol="UDP")) == {}


def test_fit_reasons_and_codes() -> None:
    s = sched(
        make_node("small").capacity(cpu="1", memory="1Gi", pods="1"),
        make_node("gpu").capacity(cpu="8", memory="8Gi", pods="10").res({"example.com/gpu": "1"}),
        pods=[make_pod("r").node("small")],
    )
    v = verdicts(s, make_pod("p").req(cpu="2", memory="2Gi").res({"example.com/gpu": "2"}))
    assert v["small"] == (
        "NodeResourcesFit",
        Code.UnschedulableAndUnresolvable,
        (
            "Too many pods",
            "Insufficient cpu",
            "Insufficient memory",
            "Insufficient example.com/gpu",
        ),
    )
    assert v["gpu"] == (
        "NodeResourcesFit",
        Code.UnschedulableAndUnresolvable,
        ("Insufficient example.com/gpu",),
    )
    # Pods that request nothing are still bounded by the pod count.
    assert verdicts(s, make_pod("q"))["small"] == (
        "NodeResourcesFit",
        Code.Unschedulable,
        ("Too many pods",),
    )


def test_fit_ignored_resources() -> None:
    base = default_profile()
    args = dict(base.plugin_args)
    args["NodeResourcesFit"] = NodeResourcesFitArgs(ignored_resources=("example.com/gpu",))
    s = sched(make_node("a"), profile=replace(base, plugin_args=args))
    assert verdicts(s, make_pod("p").res({"example.com/gpu": "1"})) == {}


def test_effective_requests_init_sidecar_overhead() -> None:
    # Source comment example: init 2/1G and 2/3G, app 2/1G and 1/1G => 3 CPU / 3G.
    pod = (
        make_pod("p")
        .req(cpu="2", memory="1G")
        .container("c2", {"cpu": "1", "memory": "1G"})
        .init_container("i1", {"cpu": "2", "memory": "1G"})
        .init_container("i2", {"cpu": "2", "memory": "3G"})
    )
    s = sched(make_node("n"))
    s.schedule(pod.obj())
    t = s.node_table()
    assert (t.requested["cpu"][0], t.requested["memory"][0]) == (3000, 3_000_000_000)
    # Sidecar before a normal init container: init step = 1 (sidecar) + 2 = 3; total = max(1+1, 3).
    side = (
        make_pod("s")
        .req(cpu="1")
        .init_container("sc", {"cpu": "1"}, sidecar=True)
        .init_container("i", {"cpu": "2"})
    )
    s2 = sched(make_node("n"))
    s2.schedule(side.obj())
    assert s2.node_table().requested["cpu"][0] == 3000
    ov = make_pod("o").req(cpu="1").overhead(cpu="250m")
    s3 = sched(make_node("n"))
    s3.schedule(ov.obj())
    assert s3.node_table().requested["cpu"][0] == 1250
    pl = make_pod("pl").req(cpu="1").pod_requests(cpu="3")
    s4 = sched(make_node("n"))
    s4.schedule(pl.obj())
    assert s4.node_table().requested["cpu"][0] == 3000


# ---------------------------------------------------------------------------------------------
# Scores


def test_least_allocated_and_balanced_exact() -> None:
    s = sched(make_node("a"), make_node("b").capacity(cpu="8", memory="32Gi", pods="110"))
    pod = make_pod("p").req(cpu="100m", memory="500Mi")
    # a: cpu (4000-100)*100/4000 = 97, mem (32768-500)*100/32768 = 98 -> 97
    # b: cpu (8000-100)*100/8000 = 98, mem 98 -> 98
    assert scores(s, pod, "NodeResourcesFit") == {"a": 97, "b": 98}
    # a: |0.025 - 0.015258..|/2 = 0.00487 -> 99 ; b: |0.0125-0.01526|/2 -> 99
    assert scores(s, pod, "NodeResourcesBalancedAllocation") == {"a": 99, "b": 99}


def test_nonzero_defaults_only_for_scoring() -> None:
    s = sched(make_node("a"), make_node("b"))
    # Best-effort pod: LeastAllocated uses 100m / 200Mi; BalancedAllocation is skipped.
    e = s.explain(make_pod("p").obj())
    assert "NodeResourcesBalancedAllocation" not in e.score_plugins
    j = e.score_plugins.index("NodeResourcesFit")
    # cpu (4000-100)*100/4000 = 97, mem (32768-200)*100/32768 = 99 -> 98
    assert int(e.scores[0, j]) == 98


@pytest.mark.parametrize(
    ("strategy", "want"),
    [
        pytest.param(ScoringStrategy(type="MostAllocated"), {"a": 1, "b": 1}, id="most-allocated"),
        pytest.param(
            ScoringStrategy(
                type="RequestedToCapacityRatio",
                shape=(UtilizationShapePoint(0, 0), UtilizationShapePoint(100, 10)),
            ),
            {"a": 2, "b": 1},
            id="rtcr",
        ),
        pytest.param(
            ScoringStrategy(
                type="LeastAllocated", resources=(ResourceSpec("cpu", 3), ResourceSpec("memory", 1))
            ),
            {"a": 97, "b": 98},
            id="weighted",
        ),
    ],
)
def test_scoring_strategies(strategy, want) -> None:
    base = default_profile()
    args = dict(base.plugin_args)
    args["NodeResourcesFit"] = NodeResourcesFitArgs(scoring_strategy=strategy)
    s = sched(
        make_node("a"),
        make_node("b").capacity(cpu="8", memory="32Gi", pods="110"),
        profile=replace(base, plugin_args=args),
    )
    # MostAllocated a: cpu 100*100/4000=2, mem 500*100/32768=1 -> 1; b: 1, 1 -> 1
    # RTCR (shape 0->0, 100->10, i.e. score = utilisation):
    # a: cpu 2, mem 1 -> round(1.5) = 2; b: 1, 1 -> 1
    assert scores(s, make_pod("p").req(cpu="100m", memory="500Mi"), "NodeResourcesFit") == want


def test_taint_toleration_score() -> None:
    s = sched(
        make_node("zero"),
        make_node("one").taint("a", "1", "PreferNoSchedule"),
        make_node("two").taint("a", "1", "PreferNoSchedule").taint("b", "2", "PreferNoSchedule"),
    )
    assert scores(s, make_pod("p"), "TaintToleration") == {"zero": 100, "one": 50, "two": 0}
    tol = make_pod("q").toleration("a", operator="Exists", effect="PreferNoSchedule")
    assert scores(s, tol, "TaintToleration") == {"zero": 100, "one": 100, "two": 0}


def test_node_affinity_score() -> None:
    s = sched(
        make_node("both").label("x", "1").label("y", "1"),
        make_node("x").label("x", "1"),
        make_node("none"),
    )
    pod = (
        make_pod("p")
        .node_affinity_preferred(20, [{"key": "x", "operator": "Exists"}])
        .node_affinity_preferred(50, [{"key": "y", "operator": "Exists"}])
    )
    assert scores(s, pod, "NodeAffinity") == {"both": 100, "x": 28, "none": 0}
    assert scores(s, make_pod("q"), "NodeAffinity") is None


def test_image_locality_spread_scaling() -> None:
    s = sched(make_node("a").image(["img:1"], 500 * MiB), make_node("b"), make_node("c"))
    # int64(500MiB * 1/3) = 174762666 ; 100*(174762666-23MiB)/(1000MiB-23MiB) = 14
    assert scores(s, make_pod("p").image("img:1"), "ImageLocality") == {"a": 14, "b": 0, "c": 0}
    # Untagged image names get ":latest"; names are matched literally.
    s2 = sched(make_node("a").image(["img:latest"], 900 * MiB), make_node("b"))
    assert scores(s2, make_pod("p").image("img"), "ImageLocality")["a"] > 0
    assert (
        scores(s2, make_pod("p").image("docker.io/library/img:latest"), "ImageLocality")["a"] == 0
    )


def test_dynamic_resources_scores_zero() -> None:
    s = sched(make_node("a"), make_node("b"))
    assert scores(s, make_pod("p"), "DynamicResources") == {"a": 0, "b": 0}


def test_pod_topology_spread_filter_and_score() -> None:
    nodes = [make_node(f"n{i}").zone(f"z{i % 2}") for i in range(4)] + [make_node("nozone")]
    running = [make_pod(f"r{i}").label("app", "w").node("n0") for i in range(3)]
    s = sched(*nodes, pods=running)
    hard = (
        make_pod("p")
        .label("app", "w")
        .spread(1, "topology.kubernetes.io/zone", match_labels={"app": "w"})
    )
    v = verdicts(s, hard)
    # z0 holds 3 matching pods, z1 none: 3 + 1 - 0 > 1 on z0; nozone lacks the key.
    assert v["n0"] == (
        "PodTopologySpread",
        Code.Unschedulable,
        ("node(s) didn't match pod topology spread constraints",),
    )
    assert v["nozone"] == (
        "PodTopologySpread",
        Code.UnschedulableAndUnresolvable,
        ("node(s) didn't match pod topology spread constraints (missing required label)",),
    )
    soft = (
        make_pod("q")
        .label("app", "w")
        .spread(1, "kubernetes.io/hostname", when="ScheduleAnyway", match_labels={"app": "w"})
    )
    sc = scores(s, soft, "PodTopologySpread")
    # hostname: weight ln(5+2); raw n0 = round(3*ln 7) = 6, others 0
    # -> n0: 100*(6+0-6)/6 = 0, others 100
    assert sc == {"n0": 0, "n1": 100, "n2": 100, "n3": 100, "nozone": 100}


def test_system_default_spreading_via_service() -> None:
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s", "namespace": "default"},
        "spec": {"selector": {"app": "w"}},
    }
    s = sched(
        make_node("a").zone("z1"),
        make_node("b").zone("z2"),
        pods=[make_pod("r").label("app", "w").node("a")],
        objects=[svc],
    )
    # hostname (maxSkew 3) and zone (maxSkew 5), both weighted ln(2+2):
    # a = round(1*ln4 + 2 + 1*ln4 + 4) = 9, b = round(0 + 2 + 0 + 4) = 6
    # a: 100*(9+6-9)/9 = 66, b: 100*(9+6-6)/9 = 100
    assert scores(s, make_pod("p").label("app", "w"), "PodTopologySpread") == {"a": 66, "b": 100}
    assert scores(s, make_pod("q").label("app", "other"), "PodTopologySpread") is None


def test_inter_pod_affinity_filter() -> None:
    nodes = [make_node("a").zone("z1"), make_node("b").zone("z1"), make_node("c").zone("z2")]
    s = sched(*nodes, pods=[make_pod("db").label("app", "db").node("a")])
    anti = make_pod("p").pod_anti_affinity({"app": "db"}, "topology.kubernetes.io/zone")
    v = verdicts(s, anti)
    reason = ("node(s) didn't match pod anti-affinity rules",)
    assert v == {
        "a": ("InterPodAffinity", Code.Unschedulable, reason),
        "b": ("InterPodAffinity", Code.Unschedulable, reason),
    }
    aff = make_pod("q").pod_affinity({"app": "db"}, "topology.kubernetes.io/zone")
    assert set(s.explain(aff.obj()).feasible) == {"a", "b"}
    first = (
        make_pod("first")
        .label("app", "new")
        .pod_affinity({"app": "new"}, "topology.kubernetes.io/zone")
    )
    assert len(s.explain(first.obj()).feasible) == 3  # first pod of a self-affine group
    lonely = make_pod("l").pod_affinity({"app": "none"}, "topology.kubernetes.io/zone")
    assert s.explain(lonely.obj()).failures["c"].code == Code.UnschedulableAndUnresolvable


def test_existing_pods_anti_affinity_and_namespace_selector() -> None:
    guard = (
        make_pod("guard", "prod")
        .label("app", "g")
        .pod_anti_affinity(
            {"app": "web"},
            "kubernetes.io/hostname",
            namespaceSelector={"matchLabels": {"env": "dev"}},
        )
    )
    s = sched(
        make_node("a"),
        make_node("b"),
        pods=[guard.node("a")],
        namespaces=[make_namespace("dev", env="dev"), make_namespace("prod", env="prod")],
    )
    v = verdicts(s, make_pod("w", "dev").label("app", "web"))
    assert v == {
        "a": (
            "InterPodAffinity",
            Code.Unschedulable,
            ("node(s) didn't satisfy existing pods anti-affinity rules",),
        )
    }
    assert verdicts(s, make_pod("w", "prod").label("app", "web")) == {}


def test_inter_pod_affinity_score_and_symmetry() -> None:
    s = sched(
        make_node("a").zone("z1"),
        make_node("b").zone("z2"),
        make_node("c").zone("z3"),
        pods=[
            make_pod("db").label("app", "db").node("a"),
            make_pod("cache")
            .label("app", "cache")
            .node("b")
            .pod_affinity({"app": "web"}, "topology.kubernetes.io/zone"),
        ],
    )
    pod = (
        make_pod("w")
        .label("app", "web")
        .preferred_pod_affinity(80, {"app": "db"}, "topology.kubernetes.io/zone")
        .preferred_pod_anti_affinity(40, {"app": "cache"}, "topology.kubernetes.io/zone")
    )
    # raw: a +80; b -40 + 1 (hard affinity symmetry); c 0 -> min -39, max 80
    # a: 100, b: 0, c: int(100*39/119) = 32
    assert scores(s, pod, "InterPodAffinity") == {"a": 100, "b": 0, "c": 32}


def test_percentage_of_nodes_to_score_emulation() -> None:
    base = replace(default_profile(), percentage_of_nodes_to_score=0)
    s = sched(*[make_node(f"n{i}").zone(f"z{i % 3}") for i in range(300)], profile=base)
    e = s.explain(make_pod("p").obj())
    # 300 nodes: 50 - 300/125 = 48 % -> 144 nodes evaluated, all feasible.
    assert len(e.feasible) == 144
    full = sched(*[make_node(f"n{i}") for i in range(300)])
    assert len(full.explain(make_pod("p").obj()).feasible) == 300
