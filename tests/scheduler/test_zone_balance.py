"""ZoneBalance research plugin: scores from the NumPy model, use in a profile, and validation of
Python plugin output (shape, dtype, range) with errors naming the plugin."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import pytest

import kcore.scheduler.plugins.zone_balance  # noqa: F401  (registers the plugin)
from kcore.scheduler import FilterResult, PluginError, Scheduler, register_plugin
from kcore.scheduler.apis.config import default_profile
from kcore.scheduler.framework import Code, unregister_plugin
from kcore.scheduler.plugins.zone_balance import ZoneBalanceArgs
from kcore.testing.wrappers import make_node, make_pod


def profile_with(
    score: str | None = None, filt: str | None = None, weight: int = 5, args: Any = None
):
    p = default_profile()
    scores = (*p.scores, (score, weight)) if score else p.scores
    filters = (*p.filters, filt) if filt else p.filters
    plugin_args = dict(p.plugin_args)
    if args is not None:
        plugin_args[score or filt] = args
    return replace(p, scores=scores, filters=filters, plugin_args=plugin_args)


def test_zone_balance_scores_and_steers_placement() -> None:
    s = Scheduler(profile_with("ZoneBalance", weight=50), seed=0)
    for i, z in enumerate(["a", "a", "b", "c"]):
        s.add_node(make_node(f"n{i}").zone(z).obj())
    s.add_node(make_node("nozone").obj())
    for k in range(2):
        s.add_pod(make_pod(f"r{k}").node("n0").obj())
    s.add_pod(make_pod("rb").node("n2").obj())
    e = s.explain(make_pod("p").obj())
    j = e.score_plugins.index("ZoneBalance")
    got = {n: int(e.scores[i, j]) for i, n in enumerate(e.feasible)}
    # zone a: 2 pods (worst), b: 1, c: 0 -> a: 0, b: 50, c: 100; no zone: 0
    assert got == {"n0": 0, "n1": 0, "n2": 50, "n3": 100, "nozone": 0}
    assert s.schedule(make_pod("q").obj()).node == "n3"


def test_zone_balance_args() -> None:
    s = Scheduler(profile_with("ZoneBalance", args=ZoneBalanceArgs(zone_label="rack")), seed=0)
    s.add_node(make_node("r1").label("rack", "1").obj())
    s.add_node(make_node("r2").label("rack", "2").obj())
    s.add_pod(make_pod("x").node("r1").obj())
    assert s.schedule(make_pod("p").obj()).node == "r2"
    with pytest.raises(ValueError, match="zone_label"):
        ZoneBalanceArgs(zone_label="")


class _Bad:
    name: ClassVar[str] = "BadScore"
    mode = "shape"

    def score(self, state, pod, nodes, feasible):
        if self.mode == "shape":
            return np.zeros(nodes.size + 1, dtype=np.int64)
        if self.mode == "dtype":
            return np.zeros(nodes.size, dtype=np.float64)
        return np.full(nodes.size, 101, dtype=np.int64)


@pytest.mark.parametrize(
    ("mode", "fragment"), [("shape", "shape"), ("dtype", "integer array"), ("range", "0..100")]
)
def test_score_output_validated(mode: str, fragment: str) -> None:
    plugin = _Bad()
    plugin.mode = mode
    register_plugin("BadScore", lambda args: plugin)
    try:
        s = Scheduler(profile_with("BadScore"), seed=0)
        s.add_node(make_node("a").obj())
        s.add_node(make_node("b").obj())
        with pytest.raises(PluginError, match=f"plugin 'BadScore'.*{fragment}"):
            s.schedule(make_pod("p").obj())
        assert s.num_pods == 0
    finally:
        unregister_plugin("BadScore")


class _OddRows:
    name: ClassVar[str] = "OddRows"
    calls = 0

    def filter(self, state, pod, nodes, candidates):
        type(self).calls += 1
        assert not nodes.live.flags.writeable
        mask = np.arange(nodes.size) % 2 == 1
        return FilterResult(mask, Code.UnschedulableAndUnresolvable, "node(s) are even")


def test_python_filter_in_profile_and_batch() -> None:
    register_plugin("OddRows", lambda args: _OddRows())
    try:
        s = Scheduler(profile_with(filt="OddRows"), seed=0)
        for i in range(4):
            s.add_node(make_node(f"n{i}").obj())
        e = s.explain(make_pod("p").obj())
        assert set(e.feasible) == {"n1", "n3"}
        assert e.failures["n0"].plugin == "OddRows"
        assert e.failures["n0"].reasons == ("node(s) are even",)
        before = _OddRows.calls
        r = s.schedule_batch([make_pod(f"q{i}").obj() for i in range(5)])
        assert all(x.node in ("n1", "n3") for x in r)
        assert _OddRows.calls - before == 5  # once per pod, never per node
    finally:
        unregister_plugin("OddRows")


def test_register_plugin_rejects_native_names() -> None:
    with pytest.raises(ValueError, match="native plugin"):
        register_plugin("NodeResourcesFit", lambda args: None)
