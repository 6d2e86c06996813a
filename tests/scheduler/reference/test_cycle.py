"""A whole cycle composed from the references equals ``Scheduler.explain`` (Hypothesis).

Per random scenario, profile variant and pending pod: the feasible set, every rejected node's
(plugin, code, reasons) — the first rejecting filter in profile order —, the PreFilterResult,
the score plugins that ran (PreScore skips), the normalised score matrix over the *filtered*
feasible set, the weighted totals, the top set and the chosen node (the seeded tie-break of a
fresh scheduler) are all equal; so are the Error status and message of a cycle whose PreScore
fails (a preferred node-affinity term that does not parse) and, when nothing fits, the
Diagnosis' set of rejecting plugins. Preemption is not modelled (only
nodes and messages of the filter phase are compared when nothing fits).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kcore.scheduler.framework import Code
from kcore.scheduler.reference.cycle import run_cycle
from kcore.testing.clusters import random_scenario

VARIANTS = [
    "default",
    "fit-ignored",
    "least-weighted",
    "most",
    "rtcr-falling",
    "rtcr-rising",
    "balanced-many",
    "interpod-hard",
    "interpod-ignore-preferred",
    "spread-list",
    "added-affinity",
]


@pytest.mark.parametrize("variant", VARIANTS)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), nodes=st.integers(1, 40), pods=st.integers(0, 100))
def test_cycle_equals_explain(build, profiles, variant, seed, nodes, pods) -> None:
    profile = profiles[variant]
    b = build(random_scenario(seed, nodes, pods, incoming=4), profile, seed=seed)
    names = b.cluster.names
    for pod in b.scenario.incoming:
        who = pod["metadata"]["name"]
        e = b.scheduler.explain(pod)
        r = run_cycle(b.cluster, pod, profile, seed=seed)
        if r.error is not None:  # PreScore failed: the cycle's Error status and message
            assert (e.code, e.message) == (Code.Error, r.error), who
        elif not b.cluster.live.any():  # every node was removed (ErrNoNodesAvailable)
            assert (e.code, e.message) == (Code.Error, "no nodes available to schedule pods")
        else:
            assert e.code != Code.Error, (who, e.message)
        assert sorted(e.feasible) == sorted(names[r.feasible].tolist()), who
        want = {names[row]: (p, c, reasons) for row, (p, c, reasons) in r.failures.items()}
        assert {n: (v.plugin, v.code, v.reasons) for n, v in e.failures.items()} == want, who
        want_result = sorted(r.prefilter_result) if r.prefilter_result is not None else None
        assert (
            sorted(e.prefilter_result) if e.prefilter_result is not None else None
        ) == want_result
        assert e.score_plugins == tuple(s.plugin for s, _ in r.scores), who
        assert e.weights == tuple(w for _, w in r.scores), who
        rows = np.flatnonzero(r.feasible)
        if r.scores:
            matrix = np.stack([s.normalized[rows] for s, _ in r.scores], axis=1)
            bad = np.flatnonzero((matrix != e.scores).any(axis=1))
            assert bad.size == 0, (
                f"{who}: scores differ on {names[rows[bad]].tolist()}: plugins {e.score_plugins}, "
                f"native {e.scores[bad].tolist()} reference {matrix[bad].tolist()}"
            )
            assert (r.totals[rows] == e.totals).all(), who
            assert e.top_nodes == tuple(sorted(names[r.top].tolist())), who
        chosen = names[r.chosen] if r.chosen is not None else None
        assert e.node == chosen, who
        assert e.unschedulable_plugins == r.unschedulable_plugins, who
        assert e.pending_plugins == frozenset(), who
