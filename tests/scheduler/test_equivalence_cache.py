"""The incremental path (equivalence-class cache: per-class trees, domain aggregates maintained
from the dirty rows) decides exactly as the full pass: same nodes, same messages, same generator
consumption (Hypothesis).

Covered: random clusters with churn and mixed pods; copies of templates carrying topology spread
constraints (hard and soft, zone / hostname / a many-domain rack key, minDomains, inclusion
policies), required and preferred pod (anti-)affinity (own, all, selected or listed namespaces),
system default spreading through a ReplicaSet, against existing pods in two namespaces (some
terminating) carrying (anti-)affinity terms; pod removals, node updates (epoch changes) and new
existing terms between batches; topology keys forced coarse (by domain) and fine (by count);
nodes without a zone label beside nodes labelled zone="" (one "" domain for default spreading's
score), empty spread selectors (no pod counted), cordoned nodes and key-less tolerations.
Not covered here: Python plugins and node sampling, which bypass the cache.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kcore.scheduler import PodBatch, Scheduler
from kcore.testing.clusters import random_cluster, random_pods
from kcore.testing.wrappers import make_namespace, make_pod

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"
RACK = "rack"
KEYS = (ZONE, HOST, RACK)


def run(
    seed: int, nodes: int, pods: int, *, cached: bool, affinity: bool
) -> tuple[list, list, int]:
    s = Scheduler(seed=seed)
    s._native.set_equivalence_cache(cached)
    for n in random_cluster(seed, nodes):
        s.add_node(n)
    pod_list = random_pods(seed + 1, pods, affinity=affinity)
    first = s.schedule_batch(pod_list)
    # Churn: delete some placed pods, then place identical copies of one template.
    for i, r in enumerate(first):
        if r.node is not None and i % 5 == 0:
            s.remove_pod("default", f"p{i}")
    second = s.schedule_batch(PodBatch.from_template(pod_list[0], pods // 2, name_prefix="copy-"))
    third = s.schedule_batch(random_pods(seed + 2, pods // 2, affinity=affinity, prefix="late"))
    decisions = [r.node for r in first] + [r.node for r in second] + [r.node for r in third]
    messages = [r.message for r in first] + [r.message for r in second] + [r.message for r in third]
    return decisions, messages, int(s._native.cache_hits())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    nodes=st.integers(1, 40),
    pods=st.integers(1, 120),
    affinity=st.booleans(),
)
def test_cached_path_equals_full_pass(seed: int, nodes: int, pods: int, affinity: bool) -> None:
    fast = run(seed, nodes, pods, cached=True, affinity=affinity)
    slow = run(seed, nodes, pods, cached=False, affinity=affinity)
    assert fast[0] == slow[0]
    assert fast[1] == slow[1]
    assert slow[2] == 0


def test_cache_is_used_for_identical_pods() -> None:
    _, _, hits = run(5, 30, 100, cached=True, affinity=False)
    assert hits > 0


# --- spreading and inter-pod affinity templates ------------------------------------------------

selectors = st.sampled_from([{"app": "a"}, {"app": "b"}, {"tier": "x"}])
# Spread selectors also draw the empty selector (labelSelector: {}), which counts no pod.
spread_selectors = st.sampled_from([{"app": "a"}, {"app": "b"}, {"tier": "x"}, {}])
# Term namespaces: the pod's own (default), every namespace, a labelled one, a named list.
term_namespaces = st.sampled_from(
    [
        {},
        {"namespaceSelector": {}},
        {"namespaceSelector": {"matchLabels": {"team": "x"}}},
        {"namespaces": ["other", "default"]},
    ]
)


@st.composite
def spread(draw: st.DrawFn) -> dict[str, Any]:
    c: dict[str, Any] = {
        "maxSkew": draw(st.integers(1, 3)),
        "topologyKey": draw(st.sampled_from(KEYS)),
        "whenUnsatisfiable": draw(st.sampled_from(["DoNotSchedule", "ScheduleAnyway"])),
        "labelSelector": {"matchLabels": draw(spread_selectors)},
    }
    if c["whenUnsatisfiable"] == "DoNotSchedule" and draw(st.booleans()):
        c["minDomains"] = draw(st.integers(1, 5))
    if draw(st.integers(0, 4)) == 0:
        c["nodeTaintsPolicy"] = "Honor"
    return c


@st.composite
def template(draw: st.DrawFn) -> dict[str, Any]:
    w = make_pod("t").labels(app=draw(st.sampled_from(["a", "b"])))
    if draw(st.booleans()):
        w.label("tier", "x")
    w.req(cpu=draw(st.sampled_from(["100m", "500m", "1"])), memory="128Mi")
    for c in draw(st.lists(spread(), max_size=2)):
        w.spread(
            c.pop("maxSkew"),
            c.pop("topologyKey"),
            c.pop("whenUnsatisfiable"),
            c.pop("labelSelector")["matchLabels"],
            **c,
        )
    if draw(st.integers(0, 3)) == 0:
        w.pod_affinity(draw(selectors), draw(st.sampled_from(KEYS)), **draw(term_namespaces))
    if draw(st.integers(0, 2)) == 0:
        w.pod_anti_affinity(draw(selectors), draw(st.sampled_from(KEYS)), **draw(term_namespaces))
    for _ in range(draw(st.integers(0, 2))):
        w.preferred_pod_affinity(
            draw(st.integers(1, 100)), draw(selectors), draw(st.sampled_from(KEYS))
        )
    if draw(st.booleans()):
        w.preferred_pod_anti_affinity(
            draw(st.integers(1, 100)), draw(selectors), draw(st.sampled_from(KEYS))
        )
    if draw(st.integers(0, 3)) == 0:
        w.node_selector(disk="ssd")
    if draw(st.integers(0, 3)) == 0:
        w.toleration("dedicated", operator="Exists")
    if draw(st.integers(0, 5)) == 0:
        w.toleration(operator="Exists")  # tolerates every taint, the cordon included
    if draw(st.integers(0, 3)) == 0:
        w.owner("ReplicaSet", "rs")
    return w.obj()


def existing(seed: int, n: int, nodes: list[str]) -> list[dict[str, Any]]:
    """Placed pods carrying labels and (anti-)affinity terms that match the templates, in two
    namespaces, some of them terminating."""
    out = []
    for i in range(n):
        ns = "other" if (seed + i) % 3 == 0 else "default"
        w = make_pod(f"e{i}", ns).labels(app="ab"[i % 2]).node(nodes[(seed + 7 * i) % len(nodes)])
        if (seed + i) % 7 == 0:
            w.terminating()
        kind = (seed + i) % 5
        if kind == 1:
            w.pod_anti_affinity({"app": "a"}, KEYS[i % 3])
        elif kind == 2:
            w.preferred_pod_affinity(10 + i, {"tier": "x"}, KEYS[(i + 1) % 3])
        elif kind == 3:
            w.pod_affinity({"app": "b"}, ZONE)
        elif kind == 4:
            w.preferred_pod_anti_affinity(30, {"app": "b"}, HOST)
        out.append(w.obj())
    return out


def scenario(
    seed: int,
    nodes: int,
    racks: int,
    templates: list[dict[str, Any]],
    copies: int,
    *,
    cached: bool,
    coarse: int,
    taints: bool = False,
    zone_gaps: bool = False,
) -> tuple[list[str | None], list[str], int]:
    s = Scheduler(seed=seed)
    s._native.set_equivalence_cache(cached)
    s._native.set_equivalence_coarse_domains(coarse)
    cluster = random_cluster(seed, nodes, taints=taints)
    for i, n in enumerate(cluster):
        labels = n["metadata"]["labels"]
        labels[RACK] = f"r{i % racks}"
        if zone_gaps and (seed + i) % 4 == 1:
            labels[ZONE] = ""  # the same default-spreading domain as a node without the key
        elif zone_gaps and (seed + i) % 4 == 2:
            del labels[ZONE]
        if zone_gaps and (seed + i) % 9 == 5:
            n.setdefault("spec", {})["unschedulable"] = True  # cordoned, no taint
        s.add_node(n)
    s.add_object(
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "rs", "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": "a"}}},
        }
    )
    s.add_namespace(make_namespace("default"))
    s.add_namespace(make_namespace("other", team="x"))
    names = [n["metadata"]["name"] for n in cluster]
    for p in existing(seed, nodes // 2, names):
        s.add_pod(p)
    results = []
    for t, tmpl in enumerate(templates):
        first = s.schedule_batch(PodBatch.from_template(tmpl, copies, name_prefix=f"t{t}a-"))
        results.extend(first)
        # Churn: remove some copies; a new existing term appears; more copies.
        for i, r in enumerate(first):
            if r.node is not None and i % 3 == 1:
                s.remove_pod("default", f"t{t}a-{i}")
        extra = make_pod(f"x{t}").labels(app="b", tier="x").node(names[t % len(names)])
        extra.pod_anti_affinity({"app": "a"}, KEYS[t % 3])
        s.add_pod(extra.obj())
        results.extend(
            s.schedule_batch(PodBatch.from_template(tmpl, copies, name_prefix=f"t{t}b-"))
        )
        # An epoch change (node relabelled) between batches.
        relabelled = dict(cluster[t % len(cluster)])
        relabelled["metadata"] = {
            **relabelled["metadata"],
            "labels": {**relabelled["metadata"]["labels"], RACK: f"r{(t + 1) % racks}"},
        }
        s.update_node(relabelled)
        results.extend(
            s.schedule_batch(PodBatch.from_template(tmpl, copies, name_prefix=f"t{t}c-"))
        )
    return [r.node for r in results], [r.message for r in results], int(s._native.cache_hits())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    nodes=st.integers(2, 36),
    racks=st.integers(1, 24),
    templates=st.lists(template(), min_size=1, max_size=3),
    copies=st.integers(1, 30),
    coarse=st.sampled_from([0, 3, 16, 1000]),
    taints=st.booleans(),
    zone_gaps=st.booleans(),
)
def test_domain_paths_equal_full_pass(
    seed: int,
    nodes: int,
    racks: int,
    templates: list[dict[str, Any]],
    copies: int,
    coarse: int,
    taints: bool,
    zone_gaps: bool,
) -> None:
    kw = {"coarse": coarse, "taints": taints, "zone_gaps": zone_gaps}
    fast = scenario(seed, nodes, racks, templates, copies, cached=True, **kw)
    slow = scenario(seed, nodes, racks, templates, copies, cached=False, **kw)
    assert fast[0] == slow[0]
    assert fast[1] == slow[1]
    assert slow[2] == 0


def test_spreading_and_affinity_templates_use_the_cache() -> None:
    """Spreading and affinity templates (those of bench_schedule.py among them) take the cached
    path, with keys entering classes by domain and by count, and still match the full pass."""
    zone_spread = (
        make_pod("s").labels(app="a").req(cpu="100m").spread(1, ZONE, match_labels={"app": "a"})
    )
    anti = make_pod("n").labels(app="a").req(cpu="100m").pod_anti_affinity({"app": "a"}, HOST)
    aff = make_pod("f").labels(app="a").req(cpu="100m").pod_affinity({"app": "a"}, ZONE)
    soft = (
        make_pod("p")
        .labels(app="a")
        .req(cpu="100m")
        .spread(1, HOST, "ScheduleAnyway", {"app": "a"})
        .preferred_pod_anti_affinity(50, {"app": "a"}, ZONE)
    )
    tmpls = [w.obj() for w in (zone_spread, anti, aff, soft)]
    for coarse in (0, 1000):
        fast = scenario(11, 30, 7, tmpls, 12, cached=True, coarse=coarse)
        slow = scenario(11, 30, 7, tmpls, 12, cached=False, coarse=coarse)
        assert fast[:2] == slow[:2]
        # Every successful cycle was decided by the cache (failures run the full pass).
        placed = sum(1 for n in fast[0] if n is not None)
        assert fast[2] == placed > len(fast[0]) // 2


def test_too_many_classes_fall_back_to_the_full_pass() -> None:
    """With every key forced coarse, hostname anti-affinity over 300 nodes needs one class per
    node, beyond the entry's class limit: cycles take the full pass and decide the same."""
    anti = make_pod("n").labels(app="a").req(cpu="10m").pod_anti_affinity({"app": "a"}, HOST)
    results = []
    for cached in (True, False):
        s = Scheduler(seed=4)
        s._native.set_equivalence_cache(cached)
        s._native.set_equivalence_coarse_domains(1000)
        for n in random_cluster(4, 300, taints=False):
            s.add_node(n)
        r = s.schedule_batch(PodBatch.from_template(anti.obj(), 40))
        results.append(([x.node for x in r], int(s._native.cache_hits())))
    assert results[0][0] == results[1][0]
    assert results[0][1] == results[1][1] == 0
    # The default split (hostname by count) keeps the same pods on the cached path.
    s = Scheduler(seed=4)
    for n in random_cluster(4, 300, taints=False):
        s.add_node(n)
    r = s.schedule_batch(PodBatch.from_template(anti.obj(), 40))
    assert [x.node for x in r] == results[1][0]
    assert int(s._native.cache_hits()) == 40
