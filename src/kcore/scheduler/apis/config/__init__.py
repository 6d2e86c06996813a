"""``KubeSchedulerConfiguration`` (kubescheduler.config.k8s.io/v1): types, defaults, loading."""

from __future__ import annotations

from kcore.scheduler.apis.config.types import (
    DefaultPreemptionArgs,
    InterPodAffinityArgs,
    NodeAffinityArgs,
    NodeResourcesBalancedAllocationArgs,
    NodeResourcesFitArgs,
    PodTopologySpreadArgs,
    ResolvedProfile,
    ResourceSpec,
    ScoringStrategy,
    TopologySpreadConstraintSpec,
    UtilizationShapePoint,
)

__all__ = [
    "DefaultPreemptionArgs",
    "InterPodAffinityArgs",
    "NodeAffinityArgs",
    "NodeResourcesBalancedAllocationArgs",
    "NodeResourcesFitArgs",
    "PodTopologySpreadArgs",
    "ResolvedProfile",
    "ResourceSpec",
    "ScoringStrategy",
    "TopologySpreadConstraintSpec",
    "UtilizationShapePoint",
]
