"""Several profiles over one shared cluster state (``Scheduler(profiles=[...])``).

Covered: dispatch by ``spec.schedulerName`` for schedule / schedule_batch / dry_run / explain,
decisions identical to separate single-profile schedulers fed the same state, per-profile
equivalence caches, precise errors (unknown scheduler name, duplicate names) that leave the state
untouched, ``responsible_for_pod``, and ``profile=`` still taking every pod. Not covered here:
sampling (``percentageOfNodesToScore``) across profiles, which ``test_plugins`` exercises for one.
"""

from __future__ import annotations

from typing import Any

import pytest

from kcore.scheduler import (
    Code,
    PodBatch,
    Scheduler,
    UnknownSchedulerError,
)
from kcore.scheduler.apis.config import ResolvedProfile, load_config
from kcore.testing.clusters import random_cluster
from kcore.testing.wrappers import make_node, make_pod

PACKER = "packer"


def two_profiles() -> list[ResolvedProfile]:
    cfg = load_config(
        {
            "profiles": [
                {"schedulerName": "default-scheduler"},
                {
                    "schedulerName": PACKER,
                    "pluginConfig": [
                        {
                            "name": "NodeResourcesFit",
                            "args": {"scoringStrategy": {"type": "MostAllocated"}},
                        }
                    ],
                },
            ]
        }
    )
    return list(cfg.resolved_profiles().values())


def pod(name: str, scheduler: str | None, cpu: str = "500m", app: str = "web") -> dict[str, Any]:
    obj = make_pod(name).req(cpu=cpu, memory="256Mi").labels(app=app).obj()
    if scheduler is not None:
        obj["spec"]["schedulerName"] = scheduler
    return obj


def nodes(n: int = 12) -> list[dict[str, Any]]:
    return [
        make_node(f"n{i}").zone(f"z{i % 3}").capacity(cpu="4", memory="8Gi", pods="110").obj()
        for i in range(n)
    ]


def test_profiles_share_one_state_and_match_separate_schedulers() -> None:
    """Alternating pods of two profiles on one state decide exactly as two single-profile
    schedulers that are each told about every placement (the same state at every step)."""
    default, packer = two_profiles()
    shared = Scheduler(profiles=[default, packer], seed=7)
    alone = {"default-scheduler": Scheduler(default, seed=7), PACKER: Scheduler(packer, seed=7)}
    for s in (shared, *alone.values()):
        for n in random_cluster(3, 25):
            s.add_node(n)
    placed_by: dict[str, list[str | None]] = {"default-scheduler": [], PACKER: []}
    for i in range(60):
        name = "default-scheduler" if i % 2 == 0 else PACKER
        cpu = ("100m", "500m", "1")[i % 3]
        p = pod(f"p{i}", name if name == PACKER or i % 4 else None, cpu=cpu, app=f"a{i % 5}")
        got = shared.schedule(p)
        want = alone[name].schedule(p)
        assert got.node == want.node, f"pod {i} ({name})"
        assert got.message == want.message
        placed_by[name].append(got.node)
        if got.node is not None:
            other = alone[PACKER if name == "default-scheduler" else "default-scheduler"]
            other.assume(p, got.node)
    assert shared.num_pods == alone[PACKER].num_pods == alone["default-scheduler"].num_pods
    # The profiles really differ: the packer stacks onto few nodes, the default spreads.
    packed = {n for n in placed_by[PACKER] if n}
    spread = {n for n in placed_by["default-scheduler"] if n}
    assert len(packed) < len(spread)


@pytest.mark.parametrize("cached", [True, False], ids=["eq-cache", "full-pass"])
def test_equivalence_caches_are_per_profile(cached: bool) -> None:
    """Identical pods (one equivalence class) under two profiles keep separate caches: the
    packer stacks its copies while the default profile spreads them, batch after batch, and the
    decisions equal those of the other path (full pass vs cache)."""
    s = Scheduler(profiles=two_profiles(), seed=1)
    s._native.set_equivalence_cache(cached)
    for n in nodes(6):
        s.add_node(n)
    d_nodes: set[str | None] = set()
    k_nodes: set[str | None] = set()
    for round_ in range(3):
        d = s.schedule_batch(PodBatch.from_template(pod("d", None), 4, name_prefix=f"d{round_}-"))
        k = s.schedule_batch(PodBatch.from_template(pod("k", PACKER), 4, name_prefix=f"k{round_}-"))
        assert d.scheduled == k.scheduled == 4
        d_nodes |= {r.node for r in d}
        k_nodes |= {r.node for r in k}
    assert len(k_nodes) < len(d_nodes) == 6
    if cached:
        assert s._native.cache_hits() > 0
    ref = Scheduler(profiles=two_profiles(), seed=1)
    ref._native.set_equivalence_cache(not cached)
    for n in nodes(6):
        ref.add_node(n)
    for round_ in range(3):
        ref.schedule_batch(PodBatch.from_template(pod("d", None), 4, name_prefix=f"d{round_}-"))
        ref.schedule_batch(PodBatch.from_template(pod("k", PACKER), 4, name_prefix=f"k{round_}-"))
    for i in range(4):
        for prefix in ("d0-", "d1-", "d2-", "k0-", "k1-", "k2-"):
            assert s.node_of("default", f"{prefix}{i}") == ref.node_of("default", f"{prefix}{i}")


def test_batch_dispatches_each_pod_by_scheduler_name() -> None:
    default, packer = two_profiles()
    s = Scheduler(profiles=[default, packer])
    for n in nodes(4):
        s.add_node(n)
    pods = [pod(f"p{i}", PACKER if i % 2 else "default-scheduler") for i in range(8)]
    r = s.schedule_batch(pods)
    assert r.scheduled == 8
    assert len({s.node_of("default", f"p{i}") for i in range(1, 8, 2)}) == 1
    assert len({s.node_of("default", f"p{i}") for i in range(0, 8, 2)}) == 4


def test_unknown_scheduler_name_is_a_precise_error_and_changes_nothing() -> None:
    s = Scheduler(profiles=two_profiles())
    for n in nodes(3):
        s.add_node(n)
    with pytest.raises(UnknownSchedulerError) as err:
        s.schedule(pod("x", "other-scheduler"))
    assert str(err.value) == (
        "pod 'default/x': spec.schedulerName 'other-scheduler' is not served by this scheduler "
        "(profiles: 'default-scheduler', 'packer')"
    )
    with pytest.raises(UnknownSchedulerError, match=r"^pods\[2\]: pod 'default/c'"):
        s.schedule_batch([pod("a", None), pod("b", PACKER), pod("c", "nope")])
    with pytest.raises(UnknownSchedulerError):
        s.dry_run(PodBatch.from_template(pod("t", "nope"), 3))
    with pytest.raises(UnknownSchedulerError):
        s.explain(pod("e", "nope"))
    assert isinstance(err.value, ValueError)
    assert s.num_pods == 0


def test_responsible_for_pod() -> None:
    multi = Scheduler(profiles=two_profiles())
    assert multi.responsible_for_pod(pod("a", None))
    assert multi.responsible_for_pod(pod("a", ""))
    assert multi.responsible_for_pod(pod("a", PACKER))
    assert not multi.responsible_for_pod(pod("a", "other"))
    single = Scheduler()
    assert single.responsible_for_pod(pod("a", "other"))


def test_single_profile_takes_every_pod() -> None:
    """``profile=`` (and the default) keep the embedding behaviour: schedulerName is not read."""
    _, packer = two_profiles()
    s = Scheduler(packer)
    for n in nodes(3):
        s.add_node(n)
    assert s.schedule(pod("a", "default-scheduler")).code == Code.Success
    assert s.schedule(pod("b", "anything")).code == Code.Success
    assert s.profiles == {PACKER: packer}
    assert s.profile is packer


def test_explain_and_dry_run_use_the_pods_profile() -> None:
    s = Scheduler(profiles=two_profiles())
    for n in nodes(3):
        s.add_node(n)
    s.schedule(pod("first", None, cpu="2"))
    loaded = s.node_of("default", "first")
    assert s.explain(pod("q", PACKER)).top_nodes == (loaded,)
    assert loaded not in s.explain(pod("q", None)).top_nodes
    dry = s.dry_run([pod("a", PACKER), pod("b", None)])
    assert dry[0].node == loaded
    assert dry[1].node != loaded
    assert s.num_pods == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"profiles": []}, "at least one profile", id="empty"),
        pytest.param({"profiles": "dup"}, "profiles[1]: duplicate schedulerName", id="duplicate"),
        pytest.param({"profiles": "both"}, "either profile= or profiles=", id="both"),
    ],
)
def test_bad_profile_lists(kwargs: dict[str, Any], message: str) -> None:
    default, _ = two_profiles()
    if kwargs["profiles"] == "dup":
        kwargs = {"profiles": [default, default]}
    elif kwargs["profiles"] == "both":
        kwargs = {"profile": default, "profiles": [default]}
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Scheduler(**kwargs)
