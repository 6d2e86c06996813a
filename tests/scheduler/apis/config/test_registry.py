"""The configuration layer's plugin table agrees with the native core, and Python plugins
registered with the framework are found with their extension points."""

from __future__ import annotations

import pytest

from kcore import _native
from kcore.scheduler import framework
from kcore.scheduler.apis.config import ConfigError, RawPluginArgs, load_config
from kcore.scheduler.apis.config.registry import NATIVE_PLUGINS, lookup_plugin

CYCLE_POINTS = {"preFilter", "filter", "postFilter", "preScore", "score"}


def test_native_table_matches_the_core() -> None:
    in_cycle = {n for n, p in NATIVE_PLUGINS.items() if p.extension_points & CYCLE_POINTS}
    assert in_cycle == set(_native.plugin_names())
    # The others run outside the scheduling cycle: queue sort, gating and binding.
    assert set(NATIVE_PLUGINS) - in_cycle == {"PrioritySort", "SchedulingGates", "DefaultBinder"}


class PreferEven:
    """A Python Score plugin (only `score`)."""

    name = "PreferEven"

    def __init__(self, args) -> None:
        self.args = args

    def score(self, state, pod, nodes, feasible):
        raise NotImplementedError


@pytest.fixture
def python_plugin():
    framework.register_plugin("PreferEven", PreferEven)
    yield "PreferEven"
    framework.unregister_plugin("PreferEven")


def test_python_plugin_from_the_framework_registry(python_plugin: str) -> None:
    info = lookup_plugin(python_plugin)
    assert info is not None
    assert not info.native
    assert info.extension_points == {"score"}
    cfg = load_config(
        {
            "profiles": [
                {
                    "plugins": {"score": {"enabled": [{"name": python_plugin, "weight": 5}]}},
                    "pluginConfig": [{"name": python_plugin, "args": {"buckets": 4}}],
                }
            ]
        }
    )
    p = cfg.profile()
    assert p.scores[-1] == (python_plugin, 5)  # after the multiPoint plugins
    assert python_plugin not in p.filters
    assert p.plugin_args[python_plugin] == RawPluginArgs({"buckets": 4})
    with pytest.raises(ConfigError, match="plugin does not extend the filter extension point"):
        load_config({"profiles": [{"plugins": {"filter": {"enabled": [{"name": python_plugin}]}}}]})
