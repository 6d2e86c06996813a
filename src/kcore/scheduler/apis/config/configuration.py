"""``KubeSchedulerConfiguration`` (kubescheduler.config.k8s.io/v1) as frozen dataclasses.

Instances are produced by :func:`kcore.scheduler.apis.config.load_config`, already defaulted as
v1's ``defaults.go`` does and validated as ``ValidateKubeSchedulerConfiguration`` does. Field
names are the snake_case of the v1 JSON names; :meth:`KubeSchedulerConfiguration.to_dict`
renders the v1 document again (a loaded file round-trips to its defaulted form).

One deliberate difference: ``percentage_of_nodes_to_score`` stays ``None`` when a file does
not set it. kube-scheduler then uses its adaptive sampling formula (the value 0); kcore scores
every node unless sampling is asked for explicitly (``percentageOfNodesToScore: 0`` for the
adaptive formula, or 1..100).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kcore.scheduler.apis.config.types import PluginArgs, ResolvedProfile

API_VERSION = "kubescheduler.config.k8s.io/v1"
KIND = "KubeSchedulerConfiguration"
DEFAULT_SCHEDULER_NAME = "default-scheduler"


@dataclass(frozen=True, slots=True)
class Plugin:
    """A plugin enabled or disabled at an extension point (``weight`` only for Score)."""

    name: str
    weight: int | None = None


@dataclass(frozen=True, slots=True)
class PluginSet:
    """``enabled`` and ``disabled`` plugins of one extension point (``*`` disables all)."""

    enabled: tuple[Plugin, ...] = ()
    disabled: tuple[Plugin, ...] = ()


@dataclass(frozen=True, slots=True)
class Plugins:
    """The plugin sets of every extension point plus ``multi_point``.

    After defaulting, ``multi_point`` holds the default plugins merged with the file's
    (``mergePlugins`` in kube-scheduler) and the other sets hold only what the file set.
    """

    pre_enqueue: PluginSet = PluginSet()
    queue_sort: PluginSet = PluginSet()
    pre_filter: PluginSet = PluginSet()
    filter: PluginSet = PluginSet()
    post_filter: PluginSet = PluginSet()
    pre_score: PluginSet = PluginSet()
    score: PluginSet = PluginSet()
    reserve: PluginSet = PluginSet()
    permit: PluginSet = PluginSet()
    pre_bind: PluginSet = PluginSet()
    bind: PluginSet = PluginSet()
    post_bind: PluginSet = PluginSet()
    multi_point: PluginSet = PluginSet()

    def get(self, extension_point: str) -> PluginSet:
        """The set for a v1 field name such as ``"preFilter"`` or ``"multiPoint"``."""
        result: PluginSet = getattr(self, _SNAKE[extension_point])
        return result


_SNAKE: dict[str, str] = {
    "preEnqueue": "pre_enqueue",
    "queueSort": "queue_sort",
    "preFilter": "pre_filter",
    "filter": "filter",
    "postFilter": "post_filter",
    "preScore": "pre_score",
    "score": "score",
    "reserve": "reserve",
    "permit": "permit",
    "preBind": "pre_bind",
    "bind": "bind",
    "postBind": "post_bind",
    "multiPoint": "multi_point",
}


@dataclass(frozen=True, slots=True)
class PluginConfig:
    """Arguments for one plugin (typed for in-tree args kinds, raw otherwise)."""

    name: str
    args: PluginArgs


@dataclass(frozen=True, slots=True)
class KubeSchedulerProfile:
    """One scheduling profile as configured (see :meth:`resolve` for the expanded form)."""

    scheduler_name: str = DEFAULT_SCHEDULER_NAME
    percentage_of_nodes_to_score: int | None = None
    plugins: Plugins = Plugins()
    plugin_config: tuple[PluginConfig, ...] = ()
    # The resolved form, computed once at load time (multiPoint expanded, weights and args
    # applied); None only while loading.
    resolved: ResolvedProfile | None = field(default=None, compare=False, repr=False)
    # The plugins exactly as the document gave them (before merging the defaults), used to
    # name the document's own field paths in errors.
    configured_plugins: Plugins | None = field(default=None, compare=False, repr=False)
    # How many leading entries of `plugin_config` came from the document (the rest are
    # defaults appended for enabled plugins).
    configured_plugin_config: int | None = field(default=None, compare=False, repr=False)

    def args_for(self, plugin: str) -> PluginArgs | None:
        """The configured (defaulted) arguments of ``plugin``, if any."""
        for pc in self.plugin_config:
            if pc.name == plugin:
                return pc.args
        return None


@dataclass(frozen=True, slots=True)
class LeaderElectionConfiguration:
    """``componentbaseconfig.LeaderElectionConfiguration`` (durations in seconds)."""

    leader_elect: bool = True
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    resource_lock: str = "leases"
    resource_name: str = "kube-scheduler"
    resource_namespace: str = "kube-system"


@dataclass(frozen=True, slots=True)
class ClientConnectionConfiguration:
    """``componentbaseconfig.ClientConnectionConfiguration``."""

    kubeconfig: str = ""
    accept_content_types: str = ""
    content_type: str = "application/vnd.kubernetes.protobuf"
    qps: float = 50.0
    burst: int = 100


@dataclass(frozen=True, slots=True)
class ExtenderManagedResource:
    name: str
    ignored_by_scheduler: bool = False


@dataclass(frozen=True, slots=True)
class Extender:
    """A scheduler extender (accepted, validated and kept; kcore does not call extenders)."""

    url_prefix: str = ""
    filter_verb: str = ""
    preempt_verb: str = ""
    prioritize_verb: str = ""
    weight: int = 0
    bind_verb: str = ""
    enable_https: bool = False
    tls_config: dict[str, Any] | None = None
    http_timeout: float = 0.0
    node_cache_capable: bool = False
    managed_resources: tuple[ExtenderManagedResource, ...] = ()
    ignorable: bool = False


@dataclass(frozen=True, slots=True)
class KubeSchedulerConfiguration:
    """A defaulted, validated ``KubeSchedulerConfiguration``.

    Contract: ``profiles`` is non-empty, scheduler names are unique, every profile's
    ``resolved`` is set; all numeric settings are within kube-scheduler's valid ranges.
    """

    parallelism: int = 16
    leader_election: LeaderElectionConfiguration = LeaderElectionConfiguration()
    client_connection: ClientConnectionConfiguration = ClientConnectionConfiguration()
    percentage_of_nodes_to_score: int | None = None
    pod_initial_backoff_seconds: int = 1
    pod_max_backoff_seconds: int = 10
    profiles: tuple[KubeSchedulerProfile, ...] = ()
    extenders: tuple[Extender, ...] = ()
    delay_cache_until_active: bool = False
    enable_profiling: bool = True
    enable_contention_profiling: bool = True

    def profile(self, scheduler_name: str = DEFAULT_SCHEDULER_NAME) -> ResolvedProfile:
        """The resolved profile serving pods with ``spec.schedulerName == scheduler_name``."""
        for p in self.profiles:
            if p.scheduler_name == scheduler_name and p.resolved is not None:
                return p.resolved
        names = [p.scheduler_name for p in self.profiles]
        msg = f"no profile with schedulerName {scheduler_name!r}; profiles: {names}"
        raise KeyError(msg)

    def resolved_profiles(self) -> dict[str, ResolvedProfile]:
        """Every profile's resolved form keyed by scheduler name, in file order."""
        return {p.scheduler_name: p.resolved for p in self.profiles if p.resolved is not None}

    def to_dict(self) -> dict[str, Any]:
        """The v1 document (defaulted), suitable for ``yaml.safe_dump``."""
        from kcore.scheduler.apis.config.scheme import configuration_to_dict

        return configuration_to_dict(self)


def as_mapping(obj: object) -> Mapping[str, Any] | None:
    """``obj`` if it is a string-keyed mapping, else ``None``."""
    if isinstance(obj, Mapping) and all(isinstance(k, str) for k in obj):
        return obj
    return None
