"""Translate a :class:`ResolvedProfile` into the native framework's configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kcore.scheduler.apis.config.types import (
    SYSTEM_DEFAULT_CONSTRAINTS,
    DefaultPreemptionArgs,
    InterPodAffinityArgs,
    NodeAffinityArgs,
    NodeResourcesBalancedAllocationArgs,
    NodeResourcesFitArgs,
    PodTopologySpreadArgs,
    ResolvedProfile,
)

if TYPE_CHECKING:
    from collections.abc import Callable


def default_profile() -> ResolvedProfile:
    """kcore's default profile: kube-scheduler v1.35's default-scheduler, every node scored."""
    from kcore.scheduler.apis.config import default_profile as _config_default

    return _config_default()


def native_profile(
    profile: ResolvedProfile, external: dict[str, Callable[..., Any]]
) -> dict[str, Any]:
    """The dict the native ``NativeScheduler`` is built from.

    ``external`` maps the names of Python plugins used by the profile to their callbacks.
    """
    args = profile.plugin_args
    out: dict[str, Any] = {
        "scheduler_name": profile.scheduler_name,
        "filters": list(profile.filters),
        "scores": [(name, int(weight)) for name, weight in profile.scores],
        "post_filters": list(profile.post_filters),
        "external": dict(external),
        "percentage_of_nodes_to_score": profile.percentage_of_nodes_to_score,
    }
    fit = args.get("NodeResourcesFit")
    if isinstance(fit, NodeResourcesFitArgs):
        out["ignored_resources"] = list(fit.ignored_resources)
        out["ignored_resource_groups"] = list(fit.ignored_resource_groups)
        out["scoring_type"] = fit.scoring_strategy.type
        out["fit_resources"] = [(r.name, r.weight) for r in fit.scoring_strategy.resources]
        out["shape"] = [(p.utilization, p.score) for p in fit.scoring_strategy.shape]
    bal = args.get("NodeResourcesBalancedAllocation")
    if isinstance(bal, NodeResourcesBalancedAllocationArgs):
        out["balanced_resources"] = [(r.name, r.weight) for r in bal.resources]
    ipa = args.get("InterPodAffinity")
    if isinstance(ipa, InterPodAffinityArgs):
        out["hard_pod_affinity_weight"] = ipa.hard_pod_affinity_weight
        out["ignore_preferred_terms_of_existing_pods"] = ipa.ignore_preferred_terms_of_existing_pods
    pts = args.get("PodTopologySpread")
    if not isinstance(pts, PodTopologySpreadArgs):
        pts = PodTopologySpreadArgs()
    constraints = (
        SYSTEM_DEFAULT_CONSTRAINTS if pts.defaulting_type == "System" else pts.default_constraints
    )
    out["system_defaulted"] = pts.defaulting_type == "System"
    out["default_constraints"] = [
        (c.max_skew, c.topology_key, c.when_unsatisfiable == "DoNotSchedule") for c in constraints
    ]
    na = args.get("NodeAffinity")
    if isinstance(na, NodeAffinityArgs) and na.added_affinity:
        out["added_affinity"] = dict(na.added_affinity)
    dp = args.get("DefaultPreemption")
    if isinstance(dp, DefaultPreemptionArgs):
        out["min_candidate_nodes_percentage"] = dp.min_candidate_nodes_percentage
        out["min_candidate_nodes_absolute"] = dp.min_candidate_nodes_absolute
    return out
