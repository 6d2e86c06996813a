"""The incremental path (equivalence-class cache + tournament tree) decides exactly as the full
pass on random clusters: same nodes, same messages, same generator consumption (Hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kcore.scheduler import PodBatch, Scheduler
from kcore.testing.clusters import random_cluster, random_pods


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
