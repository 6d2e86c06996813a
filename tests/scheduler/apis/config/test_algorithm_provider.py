"""The classic algorithm-provider API translated into ResolvedProfiles (semantics ref. §8)."""

from __future__ import annotations

import importlib

import pytest

from kcore.scheduler.apis.config import (
    AlgorithmProviderError,
    NodeResourcesFitArgs,
    algorithm_provider,
    default_profile,
    list_algorithm_providers,
    register_algorithm_provider,
)

ap_module = importlib.import_module("kcore.scheduler.apis.config.algorithm_provider")


@pytest.fixture(autouse=True)
def _restore_registry():
    saved = dict(ap_module._PROVIDERS)
    yield
    ap_module._PROVIDERS.clear()
    ap_module._PROVIDERS.update(saved)


def test_builtins_registered() -> None:
    assert {"DefaultProvider", "ClusterAutoscalerProvider"} <= set(list_algorithm_providers())


def test_default_provider_is_the_default_profile() -> None:
    assert algorithm_provider("DefaultProvider") == default_profile()


def test_cluster_autoscaler_provider_packs() -> None:
    p = algorithm_provider("ClusterAutoscalerProvider")
    fit = p.plugin_args["NodeResourcesFit"]
    assert isinstance(fit, NodeResourcesFitArgs)
    assert fit.scoring_strategy.type == "MostAllocated"
    assert p.filters == default_profile().filters
    assert p.scores == default_profile().scores


def test_old_names_translate_in_default_order() -> None:
    p = register_algorithm_provider(
        "Legacy",
        [
            "MatchInterPodAffinity",
            "GeneralPredicates",
            "PodToleratesNodeTaints",
            "CheckNodeUnschedulable",
        ],
        {"BalancedResourceAllocation": 1, "LeastRequestedPriority": 2, "EqualPriority": 1},
    )
    assert p.filters == (
        "NodeUnschedulable",
        "NodeName",
        "TaintToleration",
        "NodeAffinity",
        "NodePorts",
        "NodeResourcesFit",
        "InterPodAffinity",
    )
    assert p.scores == (("NodeResourcesFit", 2), ("NodeResourcesBalancedAllocation", 1))
    assert p.post_filters == ("DefaultPreemption",)
    assert p.extension_points["preFilter"] == (
        "NodeAffinity",
        "NodePorts",
        "NodeResourcesFit",
        "InterPodAffinity",
    )
    assert p.extension_points["preScore"] == ("NodeResourcesFit", "NodeResourcesBalancedAllocation")
    assert p.plugin_args["NodeResourcesFit"].scoring_strategy.type == "LeastAllocated"
    assert algorithm_provider("Legacy") == p
    assert algorithm_provider("Legacy", scheduler_name="legacy").scheduler_name == "legacy"


def test_plugin_names_accepted_directly() -> None:
    p = register_algorithm_provider("Plugins", ["NodeResourcesFit"], {"ImageLocality": 5})
    assert p.filters == ("NodeResourcesFit",)
    assert p.scores == (("ImageLocality", 5),)


def test_requested_to_capacity_ratio_gets_legacy_shape() -> None:
    p = register_algorithm_provider(
        "RTCR", ["PodFitsResources"], {"RequestedToCapacityRatioPriority": 1}
    )
    ss = p.plugin_args["NodeResourcesFit"].scoring_strategy
    assert ss.type == "RequestedToCapacityRatio"
    assert [(s.utilization, s.score) for s in ss.shape] == [(0, 10), (100, 0)]


@pytest.mark.parametrize(
    ("predicates", "priorities", "match"),
    [
        pytest.param(
            ["NoSuchPredicate"],
            {},
            r"predicate 'NoSuchPredicate' is unknown; known "
            r"predicates and Filter plugins: .*GeneralPredicates",
            id="unknown-predicate",
        ),
        pytest.param(
            ["ImageLocality"],
            {},
            "predicate 'ImageLocality' is not a Filter plugin",
            id="not-a-filter",
        ),
        pytest.param(
            [],
            {"NoSuchPriority": 1},
            r"priority 'NoSuchPriority' is unknown; known "
            r"priorities and Score plugins: .*LeastRequestedPriority",
            id="unknown-priority",
        ),
        pytest.param([], {"NodeName": 1}, "is not a Score plugin", id="not-a-score"),
        pytest.param(
            [], {"ImageLocalityPriority": 0}, "weight must be a positive integer", id="zero-weight"
        ),
        pytest.param(
            [],
            {"LeastRequestedPriority": 1, "MostRequestedPriority": 1},
            "both configure NodeResourcesFit scoring",
            id="conflicting-strategies",
        ),
        pytest.param(
            [],
            {"SelectorSpreadPriority": 1, "EvenPodsSpreadPriority": 2},
            "both map to plugin 'PodTopologySpread' with different weights",
            id="conflicting-weights",
        ),
        pytest.param(["CheckNodeLabelPresence"], {}, "no longer supported", id="removed-predicate"),
        pytest.param(
            [], {"NodePreferAvoidPodsPriority": 10000}, "removed in v1.22", id="removed-priority"
        ),
        pytest.param("GeneralPredicates", {}, "must be a list", id="string-predicates"),
    ],
)
def test_bad_provider_is_rejected(predicates, priorities, match) -> None:
    with pytest.raises(AlgorithmProviderError, match=match):
        register_algorithm_provider("Bad", predicates, priorities)
    assert "Bad" not in list_algorithm_providers()


def test_unknown_provider_lists_known_ones() -> None:
    with pytest.raises(
        AlgorithmProviderError,
        match="unknown algorithm provider 'Nope'; "
        "known providers: ClusterAutoscalerProvider, DefaultProvider",
    ):
        algorithm_provider("Nope")
