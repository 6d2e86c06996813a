"""The classic algorithm-provider API: named sets of predicates and priorities.

Before the scheduling framework (Kubernetes <= 1.17), a scheduler was a list of *predicates*
(filters) and weighted *priorities* (scores), bundled by
``RegisterAlgorithmProvider(name, predicates, priorities)``. kcore keeps that API and
translates it into a :class:`ResolvedProfile` of today's plugins, using the mapping of the
legacy registry (``legacy_registry.go``) and later removals:

* predicates: old names (``GeneralPredicates``, ``PodFitsResources``, ``MatchInterPodAffinity``,
  ...) or plugin names; each maps to one or more Filter plugins. Filters run in the default
  profile's order (which is what decides the reported failure reason), Python plugins after.
* priorities: a mapping name -> weight with old names (``LeastRequestedPriority``,
  ``MostRequestedPriority``, ``BalancedResourceAllocation``, ...) or plugin names.
  ``LeastRequestedPriority`` / ``MostRequestedPriority`` / ``RequestedToCapacityRatioPriority``
  select NodeResourcesFit's scoring strategy, so at most one of them may be given.
  ``EqualPriority`` gives every node the same score and is dropped.

Every profile also gets SchedulingGates (PreEnqueue), PrioritySort (QueueSort),
DefaultPreemption (PostFilter) and DefaultBinder (Bind), as the old scheduler always had
preemption and binding. Built-in providers: ``DefaultProvider`` (the v1.35 default profile)
and ``ClusterAutoscalerProvider`` (the same with MostAllocated scoring, which packs nodes so
that the autoscaler can remove empty ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from kcore.scheduler.apis.config import registry as r
from kcore.scheduler.apis.config.scheme import default_args
from kcore.scheduler.apis.config.types import (
    NodeResourcesFitArgs,
    PluginArgs,
    RawPluginArgs,
    ResolvedProfile,
    ScoringStrategy,
    UtilizationShapePoint,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

# Old predicate names -> Filter plugins.
LEGACY_PREDICATES: Final[Mapping[str, tuple[str, ...]]] = {
    "GeneralPredicates": (r.NODE_RESOURCES_FIT, r.NODE_NAME, r.NODE_PORTS, r.NODE_AFFINITY),
    "PodFitsResources": (r.NODE_RESOURCES_FIT,),
    "HostName": (r.NODE_NAME,),
    "PodFitsHost": (r.NODE_NAME,),
    "PodFitsHostPorts": (r.NODE_PORTS,),
    "PodFitsPorts": (r.NODE_PORTS,),
    "MatchNodeSelector": (r.NODE_AFFINITY,),
    "PodMatchNodeSelector": (r.NODE_AFFINITY,),
    "NoDiskConflict": (r.VOLUME_RESTRICTIONS,),
    "NoVolumeZoneConflict": (r.VOLUME_ZONE,),
    # The cloud-specific volume limits plugins were removed in 1.32; CSI migration routes
    # those volumes through NodeVolumeLimits.
    "MaxEBSVolumeCount": (r.NODE_VOLUME_LIMITS,),
    "MaxGCEPDVolumeCount": (r.NODE_VOLUME_LIMITS,),
    "MaxAzureDiskVolumeCount": (r.NODE_VOLUME_LIMITS,),
    "MaxCinderVolumeCount": (r.NODE_VOLUME_LIMITS,),
    "MaxCSIVolumeCountPred": (r.NODE_VOLUME_LIMITS,),
    "MaxCSIVolumeCount": (r.NODE_VOLUME_LIMITS,),
    "CheckVolumeBinding": (r.VOLUME_BINDING,),
    "MatchInterPodAffinity": (r.INTER_POD_AFFINITY,),
    "PodToleratesNodeTaints": (r.TAINT_TOLERATION,),
    "PodToleratesNodeNoExecuteTaints": (r.TAINT_TOLERATION,),
    "CheckNodeUnschedulable": (r.NODE_UNSCHEDULABLE,),
    # Node conditions became taints (TaintNodesByCondition), filtered by TaintToleration.
    "CheckNodeCondition": (r.TAINT_TOLERATION,),
    "CheckNodeMemoryPressure": (r.TAINT_TOLERATION,),
    "CheckNodeDiskPressure": (r.TAINT_TOLERATION,),
    "CheckNodePIDPressure": (r.TAINT_TOLERATION,),
    "EvenPodsSpread": (r.POD_TOPOLOGY_SPREAD,),
}

REMOVED_PREDICATES: Final[Mapping[str, str]] = {
    "CheckNodeLabelPresence": "the NodeLabel plugin was removed in v1.23; use node affinity",
    "CheckServiceAffinity": "the ServiceAffinity plugin was removed in v1.23; use pod affinity",
}

# Old priority names -> (Score plugin, NodeResourcesFit strategy if it selects one).
LEGACY_PRIORITIES: Final[Mapping[str, tuple[str, str | None]]] = {
    "LeastRequestedPriority": (r.NODE_RESOURCES_FIT, "LeastAllocated"),
    "MostRequestedPriority": (r.NODE_RESOURCES_FIT, "MostAllocated"),
    "RequestedToCapacityRatioPriority": (r.NODE_RESOURCES_FIT, "RequestedToCapacityRatio"),
    "BalancedResourceAllocation": (r.NODE_RESOURCES_BALANCED_ALLOCATION, None),
    "SelectorSpreadPriority": (r.POD_TOPOLOGY_SPREAD, None),
    "ServiceSpreadingPriority": (r.POD_TOPOLOGY_SPREAD, None),
    "EvenPodsSpreadPriority": (r.POD_TOPOLOGY_SPREAD, None),
    "InterPodAffinityPriority": (r.INTER_POD_AFFINITY, None),
    "NodeAffinityPriority": (r.NODE_AFFINITY, None),
    "TaintTolerationPriority": (r.TAINT_TOLERATION, None),
    "ImageLocalityPriority": (r.IMAGE_LOCALITY, None),
}

REMOVED_PRIORITIES: Final[Mapping[str, str]] = {
    "NodePreferAvoidPodsPriority": (
        "NodePreferAvoidPods was removed in v1.22 (the preferAvoidPods annotation is no longer "
        "honoured); use taints"
    ),
    "ResourceLimitsPriority": "the alpha NodeResourceLimits plugin was removed",
    "NodeLabelPriority": "the NodeLabel plugin was removed in v1.23; use preferred node affinity",
    "ServiceAntiAffinity": "the ServiceAffinity plugin was removed in v1.23; use pod anti-affinity",
}

IGNORED_PRIORITIES: Final[frozenset[str]] = frozenset({"EqualPriority"})

# The legacy RequestedToCapacityRatioPriority default shape: prefer empty nodes.
LEGACY_RTCR_SHAPE: Final[tuple[UtilizationShapePoint, ...]] = (
    UtilizationShapePoint(0, 10),
    UtilizationShapePoint(100, 0),
)


class AlgorithmProviderError(ValueError):
    """An unknown provider, predicate or priority name, or an inconsistent combination."""


@dataclass(frozen=True, slots=True)
class AlgorithmProvider:
    """A registered provider: its name, the predicate names and priority weights given."""

    name: str
    predicates: tuple[str, ...]
    priorities: tuple[tuple[str, int], ...]
    profile: ResolvedProfile


_DEFAULT_ORDER: Final[dict[str, int]] = {n: i for i, (n, _) in enumerate(r.DEFAULT_MULTI_POINT)}


def _ordered(names: Iterable[str]) -> tuple[str, ...]:
    unique = list(dict.fromkeys(names))
    native = sorted((n for n in unique if n in _DEFAULT_ORDER), key=_DEFAULT_ORDER.__getitem__)
    return (*native, *(n for n in unique if n not in _DEFAULT_ORDER))


def _known_list(table: Mapping[str, object], point: str) -> str:
    plugins = [
        n for n in r.known_plugin_names() if (i := r.lookup_plugin(n)) and i.implements(point)
    ]
    return ", ".join([*sorted(table), *plugins])


def profile_from_predicates_and_priorities(
    predicates: Iterable[str],
    priorities: Mapping[str, int],
    *,
    scheduler_name: str = "default-scheduler",
    provider: str = "",
) -> ResolvedProfile:
    """Translate old-style predicate names and priority weights into a ResolvedProfile.

    Raises
    ------
    AlgorithmProviderError
        For an unknown or removed name, a non-positive weight, two priorities selecting
        different NodeResourcesFit strategies, or two names mapping to one plugin with
        different weights.
    """
    where = f"algorithm provider {provider!r}: " if provider else ""
    if isinstance(predicates, str):
        msg = f"{where}predicates must be a list of names, not a string"
        raise AlgorithmProviderError(msg)
    filters: list[str] = []
    for name in predicates:
        if name in REMOVED_PREDICATES:
            msg = f"{where}predicate {name!r} is no longer supported: {REMOVED_PREDICATES[name]}"
            raise AlgorithmProviderError(msg)
        if name in LEGACY_PREDICATES:
            filters.extend(LEGACY_PREDICATES[name])
            continue
        info = r.lookup_plugin(name)
        if info is None or not info.implements("filter"):
            what = "is not a Filter plugin" if info is not None else "is unknown"
            msg = (
                f"{where}predicate {name!r} {what}; known predicates and Filter plugins: "
                f"{_known_list(LEGACY_PREDICATES, 'filter')}"
            )
            raise AlgorithmProviderError(msg)
        filters.append(name)

    weights: dict[str, int] = {}
    origin: dict[str, str] = {}
    strategy: str | None = None
    strategy_from = ""
    for name, weight in priorities.items():
        raw: object = weight  # callers may pass anything
        if isinstance(raw, bool) or not isinstance(raw, int) or weight <= 0:
            msg = f"{where}priority {name!r}: weight must be a positive integer, got {weight!r}"
            raise AlgorithmProviderError(msg)
        if name in IGNORED_PRIORITIES:
            continue
        if name in REMOVED_PRIORITIES:
            msg = f"{where}priority {name!r} is no longer supported: {REMOVED_PRIORITIES[name]}"
            raise AlgorithmProviderError(msg)
        if name in LEGACY_PRIORITIES:
            plugin, strat = LEGACY_PRIORITIES[name]
            if strat is not None:
                if strategy is not None and strategy != strat:
                    msg = (
                        f"{where}priorities {strategy_from!r} and {name!r} both configure "
                        f"{r.NODE_RESOURCES_FIT} scoring ({strategy} vs {strat}); give one"
                    )
                    raise AlgorithmProviderError(msg)
                strategy, strategy_from = strat, name
        else:
            info = r.lookup_plugin(name)
            if info is None or not info.implements("score"):
                what = "is not a Score plugin" if info is not None else "is unknown"
                msg = (
                    f"{where}priority {name!r} {what}; known priorities and Score plugins: "
                    f"{_known_list(LEGACY_PRIORITIES, 'score')}"
                )
                raise AlgorithmProviderError(msg)
            plugin = name
        if plugin in weights and weights[plugin] != weight:
            msg = (
                f"{where}priorities {origin[plugin]!r} and {name!r} both map to plugin "
                f"{plugin!r} with different weights ({weights[plugin]} vs {weight})"
            )
            raise AlgorithmProviderError(msg)
        weights[plugin] = weight
        origin.setdefault(plugin, name)

    filter_list = _ordered(filters)
    score_list = _ordered(weights)
    args: dict[str, PluginArgs] = {}
    for n in (*filter_list, *score_list):
        d = default_args(n)
        if d is not None:
            args[n] = d
        elif (i := r.lookup_plugin(n)) is not None and not i.native:
            args[n] = RawPluginArgs()
    if strategy is not None:
        shape = LEGACY_RTCR_SHAPE if strategy == "RequestedToCapacityRatio" else ()
        args[r.NODE_RESOURCES_FIT] = NodeResourcesFitArgs(
            scoring_strategy=ScoringStrategy(type=strategy, shape=shape)  # type: ignore[arg-type]
        )
    args.setdefault(r.DEFAULT_PREEMPTION, default_args(r.DEFAULT_PREEMPTION))  # type: ignore[arg-type]

    def with_point(point: str) -> tuple[str, ...]:
        infos = {n: r.lookup_plugin(n) for n in (*filter_list, *score_list)}
        names = [
            n
            for n in _ordered([*filter_list, *score_list])
            if (i := infos[n]) and i.implements(point)
        ]
        return tuple(names)

    dra = (r.DYNAMIC_RESOURCES,) if r.DYNAMIC_RESOURCES in filter_list else ()
    points: dict[str, tuple[str, ...]] = {
        "preEnqueue": (r.SCHEDULING_GATES, *dra, r.DEFAULT_PREEMPTION),
        "queueSort": (r.PRIORITY_SORT,),
        "preFilter": tuple(n for n in with_point("preFilter") if n in filter_list),
        "filter": filter_list,
        "postFilter": (*dra, r.DEFAULT_PREEMPTION),
        "preScore": tuple(n for n in with_point("preScore") if n in score_list),
        "score": score_list,
        "reserve": tuple(n for n in with_point("reserve") if n in filter_list),
        "permit": (),
        "preBind": tuple(n for n in with_point("preBind") if n in filter_list),
        "bind": (r.DEFAULT_BINDER,),
        "postBind": (),
    }
    return ResolvedProfile(
        scheduler_name=scheduler_name,
        filters=filter_list,
        scores=tuple((n, weights[n]) for n in score_list),
        post_filters=points["postFilter"],
        plugin_args=args,
        percentage_of_nodes_to_score=None,
        extension_points=points,
    )


_PROVIDERS: dict[str, AlgorithmProvider] = {}


def register_algorithm_provider(
    name: str, predicates: Iterable[str], priorities: Mapping[str, int]
) -> ResolvedProfile:
    """Register (or replace) provider ``name`` and return its profile.

    ``predicates`` are old predicate names or Filter plugin names; ``priorities`` maps old
    priority names or Score plugin names to weights. Errors are raised at registration, so a
    registered provider always resolves.
    """
    if not name:
        msg = "algorithm provider name must be non-empty"
        raise AlgorithmProviderError(msg)
    if isinstance(predicates, str):
        msg = f"algorithm provider {name!r}: predicates must be a list of names, not a string"
        raise AlgorithmProviderError(msg)
    preds = tuple(predicates)
    prios = dict(priorities)
    profile = profile_from_predicates_and_priorities(preds, prios, provider=name)
    _PROVIDERS[name] = AlgorithmProvider(name, preds, tuple(prios.items()), profile)
    return profile


def algorithm_provider(name: str, *, scheduler_name: str = "default-scheduler") -> ResolvedProfile:
    """The profile of a registered provider (built-ins: DefaultProvider, ClusterAutoscalerProvider).

    Raises
    ------
    AlgorithmProviderError
        If no provider ``name`` is registered; the message lists the known ones.
    """
    p = _PROVIDERS.get(name)
    if p is None:
        known = ", ".join(list_algorithm_providers())
        msg = f"unknown algorithm provider {name!r}; known providers: {known}"
        raise AlgorithmProviderError(msg)
    if scheduler_name == p.profile.scheduler_name:
        return p.profile
    return profile_from_predicates_and_priorities(
        p.predicates, dict(p.priorities), scheduler_name=scheduler_name, provider=name
    )


def list_algorithm_providers() -> list[str]:
    """Names of the registered providers, sorted."""
    return sorted(_PROVIDERS)


def _register_builtins() -> None:
    default_filters = [
        n for n, _ in r.DEFAULT_MULTI_POINT if r.NATIVE_PLUGINS[n].implements("filter")
    ]
    default_scores = {
        n: (w or 1) for n, w in r.DEFAULT_MULTI_POINT if r.NATIVE_PLUGINS[n].implements("score")
    }
    register_algorithm_provider("DefaultProvider", default_filters, default_scores)
    autoscaler = dict(default_scores)
    del autoscaler[r.NODE_RESOURCES_FIT]
    autoscaler["MostRequestedPriority"] = default_scores[r.NODE_RESOURCES_FIT]
    register_algorithm_provider("ClusterAutoscalerProvider", default_filters, autoscaler)


_register_builtins()
