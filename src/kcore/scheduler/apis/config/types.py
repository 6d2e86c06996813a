"""Resolved scheduler profiles and plugin arguments: the contract between configuration loading
(``KubeSchedulerConfiguration`` YAML, ``register_algorithm_provider``) and the framework that
builds native plugins from them.

Every dataclass here is frozen and already defaulted and validated: a :class:`ResolvedProfile`
lists, per extension point and in execution order, exactly the plugins that run. Defaults are
kube-scheduler v1.35's (``pkg/scheduler/apis/config/v1/defaults.go``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ScoringStrategyType = Literal["LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"]


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """A resource and its weight in a scoring strategy (``{name: cpu, weight: 1}``)."""

    name: str
    weight: int = 1


@dataclass(frozen=True, slots=True)
class UtilizationShapePoint:
    """A point of RequestedToCapacityRatio's shape: utilisation 0..100 -> score 0..10."""

    utilization: int
    score: int


DEFAULT_RESOURCES: tuple[ResourceSpec, ...] = (ResourceSpec("cpu", 1), ResourceSpec("memory", 1))


@dataclass(frozen=True, slots=True)
class ScoringStrategy:
    type: ScoringStrategyType = "LeastAllocated"
    resources: tuple[ResourceSpec, ...] = DEFAULT_RESOURCES
    shape: tuple[UtilizationShapePoint, ...] = ()  # RequestedToCapacityRatio only


@dataclass(frozen=True, slots=True)
class NodeResourcesFitArgs:
    ignored_resources: tuple[str, ...] = ()
    ignored_resource_groups: tuple[str, ...] = ()
    scoring_strategy: ScoringStrategy = ScoringStrategy()


@dataclass(frozen=True, slots=True)
class NodeResourcesBalancedAllocationArgs:
    resources: tuple[ResourceSpec, ...] = DEFAULT_RESOURCES


@dataclass(frozen=True, slots=True)
class TopologySpreadConstraintSpec:
    """A default constraint of PodTopologySpreadArgs (no label selector: it is derived from the
    pod's Services, ReplicationControllers, ReplicaSets and StatefulSets)."""

    max_skew: int
    topology_key: str
    when_unsatisfiable: Literal["DoNotSchedule", "ScheduleAnyway"]
    min_domains: int | None = None
    node_affinity_policy: Literal["Honor", "Ignore"] | None = None
    node_taints_policy: Literal["Honor", "Ignore"] | None = None
    match_label_keys: tuple[str, ...] = ()


SYSTEM_DEFAULT_CONSTRAINTS: tuple[TopologySpreadConstraintSpec, ...] = (
    TopologySpreadConstraintSpec(3, "kubernetes.io/hostname", "ScheduleAnyway"),
    TopologySpreadConstraintSpec(5, "topology.kubernetes.io/zone", "ScheduleAnyway"),
)


@dataclass(frozen=True, slots=True)
class PodTopologySpreadArgs:
    default_constraints: tuple[TopologySpreadConstraintSpec, ...] = ()
    defaulting_type: Literal["System", "List"] = "System"

    def effective_default_constraints(self) -> tuple[TopologySpreadConstraintSpec, ...]:
        """System defaulting ignores ``default_constraints`` and uses the built-in pair."""
        if self.defaulting_type == "System":
            return SYSTEM_DEFAULT_CONSTRAINTS
        return self.default_constraints


@dataclass(frozen=True, slots=True)
class InterPodAffinityArgs:
    hard_pod_affinity_weight: int = 1
    ignore_preferred_terms_of_existing_pods: bool = False


@dataclass(frozen=True, slots=True)
class NodeAffinityArgs:
    """``added_affinity`` is a ``v1.NodeAffinity`` dict (required and/or preferred terms)."""

    added_affinity: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class DefaultPreemptionArgs:
    min_candidate_nodes_percentage: int = 10
    min_candidate_nodes_absolute: int = 100


@dataclass(frozen=True, slots=True)
class VolumeBindingArgs:
    """Kept for completeness: kcore has no volumes yet, so VolumeBinding passes every pod."""

    bind_timeout_seconds: int = 600
    shape: tuple[UtilizationShapePoint, ...] = ()


@dataclass(frozen=True, slots=True)
class DynamicResourcesArgs:
    """Kept for completeness: kcore has no resource claims yet (durations in seconds)."""

    filter_timeout_seconds: float = 10.0
    binding_timeout_seconds: float | None = 600.0


@dataclass(frozen=True, slots=True)
class RawPluginArgs:
    """Arguments of a plugin without a typed args kind (an out-of-tree or Python plugin),
    passed through as decoded (``runtime.Unknown`` in kube-scheduler)."""

    data: dict[str, Any] = field(default_factory=dict)


PluginArgs = (
    NodeResourcesFitArgs
    | NodeResourcesBalancedAllocationArgs
    | PodTopologySpreadArgs
    | InterPodAffinityArgs
    | NodeAffinityArgs
    | DefaultPreemptionArgs
    | VolumeBindingArgs
    | DynamicResourcesArgs
    | RawPluginArgs
)


@dataclass(frozen=True, slots=True)
class ResolvedProfile:
    """One scheduling profile, fully expanded.

    ``filters``: Filter plugins in execution order (PreFilter runs for the same plugins that
    have one). ``scores``: (plugin, weight) in execution order. ``post_filters``: usually
    ``("DefaultPreemption",)`` or empty. ``plugin_args``: arguments keyed by plugin name; a
    plugin without an entry uses its defaults. ``percentage_of_nodes_to_score``: ``None`` means
    "score every node" (kcore's default); ``0`` means kube-scheduler's adaptive formula; 1..100 a
    fixed percentage.

    Build one with :func:`kcore.scheduler.apis.config.default_profile`,
    :func:`~kcore.scheduler.apis.config.load_config` or
    :func:`~kcore.scheduler.apis.config.algorithm_provider` rather than by hand: those validate.
    """

    scheduler_name: str = "default-scheduler"
    filters: tuple[str, ...] = ()
    scores: tuple[tuple[str, int], ...] = ()
    post_filters: tuple[str, ...] = ()
    plugin_args: dict[str, PluginArgs] = field(default_factory=dict)
    percentage_of_nodes_to_score: int | None = None
    # Every extension point's plugins in execution order, keyed by the v1 ``Plugins`` field
    # name ("preEnqueue", "queueSort", "preFilter", "filter", "postFilter", "preScore",
    # "score", "reserve", "permit", "preBind", "bind", "postBind"). Informational: ``filters``,
    # ``scores`` and ``post_filters`` are what the core consumes; empty when the profile was
    # built by hand.
    extension_points: dict[str, tuple[str, ...]] = field(default_factory=dict)
