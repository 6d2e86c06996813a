"""Every native filter kernel equals its NumPy reference on random clusters (Hypothesis).

For each filter plugin and random scenario (``kcore.testing.clusters.random_scenario``: labels,
taints, cordons, tolerations, node selectors and affinities, host ports, extended resources,
init and sidecar containers, spread constraints, pod (anti-)affinity, removed nodes):

* the per-node codes of the native debug entry point (PreFilter of the profile, then this one
  filter over every node) equal the reference codes;
* a scheduler whose profile has only this filter reports, through ``explain``, exactly the
  reference's per-node code and reasons and the reference's PreFilterResult.

Not covered here: the order in which a whole profile's filters reject (see test_cycle.py).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kcore.scheduler import Scheduler
from kcore.scheduler.framework import Code
from kcore.scheduler.reference import nodeaffinity
from kcore.scheduler.reference.cycle import FILTER_PLUGINS, run_cycle, run_filter
from kcore.scheduler.reference.pod import compile_pod
from kcore.testing.clusters import random_scenario

CASES = [pytest.param(p, "default", id=p) for p in FILTER_PLUGINS] + [
    pytest.param("NodeResourcesFit", "fit-ignored", id="NodeResourcesFit-ignored"),
    pytest.param("PodTopologySpread", "spread-list", id="PodTopologySpread-list-defaults"),
    pytest.param("NodeAffinity", "added-affinity", id="NodeAffinity-added"),
]

SCENARIOS = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(0, 100))
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(("plugin", "variant"), CASES)
@SETTINGS
@given(drawn=SCENARIOS)
def test_filter_codes_equal_reference(build, profiles, plugin, variant, drawn) -> None:
    seed, nodes, pods = drawn
    b = build(random_scenario(seed, nodes, pods, incoming=4), profiles[variant])
    for pod in b.scenario.incoming:
        req = compile_pod(pod)
        got = b.scheduler._native.debug_filter(pod, plugin)
        want = run_filter(plugin, b.cluster, req, b.args).codes
        if nodeaffinity.prefilter(req, b.args.added_affinity).conflict:
            want = np.where(b.cluster.live, int(Code.UnschedulableAndUnresolvable), 0)
        b.assert_rows_equal(got, want, f"{plugin} codes for pod {req.key}")


@pytest.mark.parametrize(("plugin", "variant"), CASES)
@SETTINGS
@given(drawn=SCENARIOS)
def test_filter_reasons_equal_reference(build, profiles, plugin, variant, drawn) -> None:
    seed, nodes, pods = drawn
    alone = dataclasses.replace(profiles[variant], filters=(plugin,), scores=(), post_filters=())
    b = build(random_scenario(seed, nodes, pods, incoming=4), alone)
    names = b.cluster.names
    for pod in b.scenario.incoming:
        e = b.scheduler.explain(pod)
        r = run_cycle(b.cluster, pod, alone)
        want = {names[row]: (p, c, reasons) for row, (p, c, reasons) in r.failures.items()}
        got = {n: (v.plugin, v.code, v.reasons) for n, v in e.failures.items()}
        assert got == want, f"{plugin}: failures of {pod['metadata']['name']}"
        assert sorted(e.feasible) == sorted(names[r.feasible].tolist())
        want_result = sorted(r.prefilter_result) if r.prefilter_result is not None else None
        got_result = sorted(e.prefilter_result) if e.prefilter_result is not None else None
        assert got_result == want_result


def test_unknown_filter_has_no_reference(build, profiles) -> None:
    b = build(random_scenario(1, 3, 0, incoming=1), profiles["default"])
    with pytest.raises(NotImplementedError, match="ZoneBalance"):
        run_filter("ZoneBalance", b.cluster, compile_pod(b.scenario.incoming[0]), b.args)


def test_scheduler_rejects_unknown_plugin_name_in_debug_filter() -> None:
    """The debug entry point names the unknown plugin (what the equivalence tests rely on)."""
    s = Scheduler()
    with pytest.raises(ValueError, match="unknown plugin 'NoSuchFilter'"):
        s._native.debug_filter({"metadata": {"name": "p"}}, "NoSuchFilter")
