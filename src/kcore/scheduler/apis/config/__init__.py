"""``KubeSchedulerConfiguration`` (kubescheduler.config.k8s.io/v1): types, defaults, loading.

* :func:`load_config` reads a v1 configuration (file, text or mapping), defaults it as
  kube-scheduler v1.35 does, validates it and resolves every profile into a
  :class:`ResolvedProfile` (the contract with the native core).
* :func:`default_profile` is v1.35's ``default-scheduler`` profile, scoring every node.
* :func:`register_algorithm_provider` / :func:`algorithm_provider` keep the classic
  predicates-and-priorities API (``DefaultProvider``, ``ClusterAutoscalerProvider``).
"""

from __future__ import annotations

from kcore.scheduler.apis.config.algorithm_provider import (
    AlgorithmProviderError,
    algorithm_provider,
    list_algorithm_providers,
    profile_from_predicates_and_priorities,
    register_algorithm_provider,
)
from kcore.scheduler.apis.config.configuration import (
    ClientConnectionConfiguration,
    Extender,
    KubeSchedulerConfiguration,
    KubeSchedulerProfile,
    LeaderElectionConfiguration,
    Plugin,
    PluginConfig,
    Plugins,
    PluginSet,
)
from kcore.scheduler.apis.config.field import ConfigError, FieldError
from kcore.scheduler.apis.config.load import default_profile, load_config
from kcore.scheduler.apis.config.registry import (
    DEFAULT_MULTI_POINT,
    NATIVE_PLUGINS,
    PluginInfo,
    lookup_plugin,
)
from kcore.scheduler.apis.config.types import (
    DefaultPreemptionArgs,
    DynamicResourcesArgs,
    InterPodAffinityArgs,
    NodeAffinityArgs,
    NodeResourcesBalancedAllocationArgs,
    NodeResourcesFitArgs,
    PluginArgs,
    PodTopologySpreadArgs,
    RawPluginArgs,
    ResolvedProfile,
    ResourceSpec,
    ScoringStrategy,
    TopologySpreadConstraintSpec,
    UtilizationShapePoint,
    VolumeBindingArgs,
)

__all__ = [
    "DEFAULT_MULTI_POINT",
    "NATIVE_PLUGINS",
    "AlgorithmProviderError",
    "ClientConnectionConfiguration",
    "ConfigError",
    "DefaultPreemptionArgs",
    "DynamicResourcesArgs",
    "Extender",
    "FieldError",
    "InterPodAffinityArgs",
    "KubeSchedulerConfiguration",
    "KubeSchedulerProfile",
    "LeaderElectionConfiguration",
    "NodeAffinityArgs",
    "NodeResourcesBalancedAllocationArgs",
    "NodeResourcesFitArgs",
    "Plugin",
    "PluginArgs",
    "PluginConfig",
    "PluginInfo",
    "PluginSet",
    "Plugins",
    "PodTopologySpreadArgs",
    "RawPluginArgs",
    "ResolvedProfile",
    "ResourceSpec",
    "ScoringStrategy",
    "TopologySpreadConstraintSpec",
    "UtilizationShapePoint",
    "VolumeBindingArgs",
    "algorithm_provider",
    "default_profile",
    "list_algorithm_providers",
    "load_config",
    "lookup_plugin",
    "profile_from_predicates_and_priorities",
    "register_algorithm_provider",
]
