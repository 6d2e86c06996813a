"""Every native score kernel equals its NumPy reference on random clusters (Hypothesis).

The native debug entry point scores every live node (all treated as feasible) and returns the
raw scores (what Score returns) or the normalised ones (after NormalizeScore); both must equal
the reference's arrays, with the same "PreScore skipped" decision (a skipped plugin scores 0
everywhere) and the same PreScore failure (NodeAffinity with a preferred term that does not
parse: both raise with the framework's message). Scores over a real, filtered feasible set are
compared in test_cycle.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kcore.scheduler.reference import nodeaffinity
from kcore.scheduler.reference.cycle import SCORE_PLUGINS, run_score
from kcore.scheduler.reference.helper import MAX_NODE_SCORE
from kcore.scheduler.reference.nodeaffinity import PreScoreError
from kcore.scheduler.reference.pod import compile_pod
from kcore.testing.clusters import random_scenario

UNNORMALISED = {"NodeResourcesFit", "NodeResourcesBalancedAllocation", "ImageLocality"}

CASES = (
    [pytest.param(p, "default", id=p) for p in SCORE_PLUGINS]
    + [
        pytest.param("NodeResourcesFit", v, id=f"NodeResourcesFit-{v}")
        for v in ("least-weighted", "most", "rtcr-falling", "rtcr-rising")
    ]
    + [
        pytest.param(
            "NodeResourcesBalancedAllocation", "balanced-many", id="Balanced-four-resources"
        ),
        pytest.param("InterPodAffinity", "interpod-hard", id="InterPodAffinity-hard-weight"),
        pytest.param(
            "InterPodAffinity", "interpod-ignore-preferred", id="InterPodAffinity-ignore-preferred"
        ),
        pytest.param("PodTopologySpread", "spread-list", id="PodTopologySpread-list-defaults"),
        pytest.param("NodeAffinity", "added-affinity", id="NodeAffinity-added"),
    ]
)

SCENARIOS = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(0, 100))
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(("plugin", "variant"), CASES)
@SETTINGS
@given(drawn=SCENARIOS)
def test_score_equals_reference(build, profiles, plugin, variant, drawn) -> None:
    seed, nodes, pods = drawn
    b = build(random_scenario(seed, nodes, pods, incoming=4), profiles[variant])
    live = b.cluster.live
    for pod in b.scenario.incoming:
        req = compile_pod(pod)
        error = nodeaffinity.prescore_error(req) if plugin == nodeaffinity.NAME else None
        if error is not None:  # NodeAffinity's PreScore fails: both raise the same message
            with pytest.raises(PreScoreError, match=re.escape(error)):
                run_score(plugin, b.cluster, req, live, b.args)
            for normalized in (True, False):
                with pytest.raises(ValueError, match=re.escape(error)):
                    b.scheduler._native.debug_score(pod, plugin, normalized)
            continue
        out = run_score(plugin, b.cluster, req, live, b.args)
        got = b.scheduler._native.debug_score(pod, plugin)
        raw = b.scheduler._native.debug_score(pod, plugin, False)
        zeros = np.zeros(b.cluster.size, dtype=np.int64)
        want = zeros if out is None else out.normalized
        b.assert_rows_equal(got, want, f"{plugin} normalised scores for pod {req.key}")
        b.assert_rows_equal(raw, zeros if out is None else out.raw, f"{plugin} raw scores")
        if out is None:
            continue
        assert ((out.normalized[live] >= 0) & (out.normalized[live] <= MAX_NODE_SCORE)).all()
        if plugin in UNNORMALISED:
            b.assert_rows_equal(got, out.raw, f"{plugin} raw = normalised for pod {req.key}")
