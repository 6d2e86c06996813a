"""Strict decoding and defaulting of ``kubescheduler.config.k8s.io/v1`` documents.

Decoding is strict as kube-scheduler's: field names are case-sensitive, an unknown field, a
duplicate key or a value of the wrong type is an error naming its path. Defaulting follows
v1's ``defaults.go``: parallelism 16, a single profile named ``default-scheduler``, the default
plugins merged into ``multiPoint`` (``mergePlugins``), default args appended for every enabled
plugin that has an args kind, leader election and client connection defaults, backoff 1 s /
10 s. (``percentageOfNodesToScore`` is left unset, see :mod:`.configuration`.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from kcore.scheduler.apis.config import field as f
from kcore.scheduler.apis.config.configuration import (
    API_VERSION,
    DEFAULT_SCHEDULER_NAME,
    KIND,
    ClientConnectionConfiguration,
    Extender,
    ExtenderManagedResource,
    KubeSchedulerConfiguration,
    KubeSchedulerProfile,
    LeaderElectionConfiguration,
    Plugin,
    PluginConfig,
    Plugins,
    PluginSet,
)
from kcore.scheduler.apis.config.registry import (
    DEFAULT_MULTI_POINT,
    EXTENSION_POINTS,
    NATIVE_PLUGINS,
)
from kcore.scheduler.apis.config.strict import format_duration, parse_duration
from kcore.scheduler.apis.config.types import (
    DEFAULT_RESOURCES,
    DefaultPreemptionArgs,
    DynamicResourcesArgs,
    InterPodAffinityArgs,
    NodeAffinityArgs,
    NodeResourcesBalancedAllocationArgs,
    NodeResourcesFitArgs,
    PluginArgs,
    PodTopologySpreadArgs,
    RawPluginArgs,
    ResourceSpec,
    ScoringStrategy,
    TopologySpreadConstraintSpec,
    UtilizationShapePoint,
    VolumeBindingArgs,
)
from kcore.scheduler.apis.config.validation import validate_function_shape

T = TypeVar("T")

#: Plugins whose arguments have a typed kind (``<Name>Args``) in v1.
ARGS_KINDS: tuple[str, ...] = (
    "DefaultPreemption",
    "InterPodAffinity",
    "NodeAffinity",
    "NodeResourcesBalancedAllocation",
    "NodeResourcesFit",
    "PodTopologySpread",
    "VolumeBinding",
    "DynamicResources",
)


class Decoder:
    """Collects strict-decoding errors while converting plain data into typed values.

    Every ``get_*`` method returns a usable default after recording an error, so one pass
    reports every problem of a document.
    """

    def __init__(self) -> None:
        self.errors: list[f.FieldError] = []
        # Validation errors that depend on whether a field was present, which the decoded
        # values no longer show; reported with the other validation errors.
        self.deferred: list[f.FieldError] = []

    def fail(self, err: f.FieldError) -> None:
        self.errors.append(err)

    def mapping(
        self, value: Any, path: str, known: Sequence[str], *, what: str = "an object"
    ) -> Mapping[str, Any]:
        """``value`` as a mapping; unknown keys are recorded as errors."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(f.invalid(path, _short(value), f"must be {what}"))
            return {}
        allowed = set(known)
        for k in value:
            if not isinstance(k, str):
                self.fail(f.invalid(path, str(k), "keys must be strings"))
            elif k not in allowed:
                self.fail(f.unknown_field(f.child(path, k)))
        return value

    def list_of(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f.invalid(path, _short(value), "must be a list"))
            return []
        return value

    def integer(self, value: Any, path: str, default: int) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            self.fail(f.invalid(path, _short(value), "must be an integer"))
            return default
        if not -(2**63) <= value < 2**63:
            self.fail(f.invalid(path, value, "out of range for a 64-bit integer"))
            return default
        return value

    def opt_integer(self, value: Any, path: str) -> int | None:
        if value is None:
            return None
        return self.integer(value, path, 0)

    def number(self, value: Any, path: str, default: float) -> float:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f.invalid(path, _short(value), "must be a number"))
            return default
        return float(value)

    def string(self, value: Any, path: str, default: str = "") -> str:
        if value is None:
            return default
        if not isinstance(value, str):
            self.fail(f.invalid(path, _short(value), "must be a string"))
            return default
        return value

    def boolean(self, value: Any, path: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(f.invalid(path, _short(value), "must be a boolean"))
            return default
        return value

    def duration(self, value: Any, path: str, default: float) -> float:
        if value is None:
            return default
        if not isinstance(value, str):
            self.fail(f.invalid(path, _short(value), "must be a duration string such as 10s"))
            return default
        try:
            return parse_duration(value)
        except ValueError as err:
            self.fail(f.invalid(path, value, str(err)))
            return default

    def strings(self, value: Any, path: str) -> tuple[str, ...]:
        return tuple(
            self.string(v, f.index(path, i)) for i, v in enumerate(self.list_of(value, path))
        )

    def objects(
        self, value: Any, path: str, decode: Callable[[Any, str], T | None]
    ) -> tuple[T, ...]:
        out: list[T] = []
        for i, v in enumerate(self.list_of(value, path)):
            got = decode(v, f.index(path, i))
            if got is not None:
                out.append(got)
        return tuple(out)


def _short(value: Any) -> Any:
    if isinstance(value, Mapping):
        return "<object>"
    if isinstance(value, list):
        return "<list>"
    return value


# --------------------------------------------------------------------------- plugins


def _plugin(d: Decoder, value: Any, path: str) -> Plugin | None:
    m = d.mapping(value, path, ("name", "weight"))
    if not m:
        if value is not None and isinstance(value, Mapping):
            d.fail(f.required(f.child(path, "name"), "plugin name is required"))
        return None
    name = d.string(m.get("name"), f.child(path, "name"))
    weight = d.opt_integer(m.get("weight"), f.child(path, "weight"))
    return Plugin(name, weight)


def _plugin_set(d: Decoder, value: Any, path: str) -> PluginSet:
    m = d.mapping(value, path, ("enabled", "disabled"))
    return PluginSet(
        enabled=d.objects(
            m.get("enabled"), f.child(path, "enabled"), lambda v, p: _plugin(d, v, p)
        ),
        disabled=d.objects(
            m.get("disabled"), f.child(path, "disabled"), lambda v, p: _plugin(d, v, p)
        ),
    )


_POINTS_AND_MULTI = (*EXTENSION_POINTS, "multiPoint")


def _plugins(d: Decoder, value: Any, path: str) -> Plugins | None:
    if value is None:
        return None
    m = d.mapping(value, path, _POINTS_AND_MULTI)
    sets = {p: _plugin_set(d, m.get(p), f.child(path, p)) for p in _POINTS_AND_MULTI}
    return Plugins(
        pre_enqueue=sets["preEnqueue"],
        queue_sort=sets["queueSort"],
        pre_filter=sets["preFilter"],
        filter=sets["filter"],
        post_filter=sets["postFilter"],
        pre_score=sets["preScore"],
        score=sets["score"],
        reserve=sets["reserve"],
        permit=sets["permit"],
        pre_bind=sets["preBind"],
        bind=sets["bind"],
        post_bind=sets["postBind"],
        multi_point=sets["multiPoint"],
    )


def _merge_plugin_set(default: PluginSet, custom: PluginSet) -> PluginSet:
    """``mergePluginSet``: custom disables and overrides in place, other custom plugins after."""
    disabled = [Plugin(p.name) for p in custom.disabled] + [
        Plugin(p.name) for p in default.disabled
    ]
    disabled_names = {p.name for p in disabled}
    custom_by_name: dict[str, tuple[int, Plugin]] = {}
    for i, p in enumerate(custom.enabled):
        custom_by_name[p.name] = (i, p)
    replaced: set[int] = set()
    enabled: list[Plugin] = []
    if "*" not in disabled_names:
        for p in default.enabled:
            if p.name in disabled_names:
                continue
            if p.name in custom_by_name:
                i, cp = custom_by_name[p.name]
                enabled.append(cp)
                replaced.add(i)
            else:
                enabled.append(p)
    enabled.extend(p for i, p in enumerate(custom.enabled) if i not in replaced)
    return PluginSet(tuple(enabled), tuple(disabled))


def default_plugins() -> Plugins:
    """The v1.35 default ``Plugins`` (everything through ``multiPoint``)."""
    return Plugins(multi_point=PluginSet(tuple(Plugin(n, w) for n, w in DEFAULT_MULTI_POINT)))


def merge_plugins(custom: Plugins | None) -> Plugins:
    """``mergePlugins(getDefaultPlugins(), custom)``."""
    base = default_plugins()
    if custom is None:
        return base
    return Plugins(
        **{
            attr: _merge_plugin_set(getattr(base, attr), getattr(custom, attr))
            for attr in Plugins.__slots__
        }
    )


# --------------------------------------------------------------------------- plugin args


def _resources(d: Decoder, value: Any, path: str) -> tuple[ResourceSpec, ...]:
    def one(v: Any, p: str) -> ResourceSpec | None:
        m = d.mapping(v, p, ("name", "weight"))
        # Defaulting: a weight that is unset or explicitly 0 becomes 1.
        weight = d.integer(m.get("weight"), f.child(p, "weight"), 0)
        return ResourceSpec(d.string(m.get("name"), f.child(p, "name")), weight or 1)

    return d.objects(value, path, one)


def _shape(d: Decoder, value: Any, path: str) -> tuple[UtilizationShapePoint, ...]:
    def one(v: Any, p: str) -> UtilizationShapePoint | None:
        m = d.mapping(v, p, ("utilization", "score"))
        return UtilizationShapePoint(
            d.integer(m.get("utilization"), f.child(p, "utilization"), 0),
            d.integer(m.get("score"), f.child(p, "score"), 0),
        )

    return d.objects(value, path, one)


def _fit_args(d: Decoder, m: Mapping[str, Any], path: str) -> NodeResourcesFitArgs:
    ss = m.get("scoringStrategy")
    strategy = ScoringStrategy()
    if ss is not None:
        sp = f.child(path, "scoringStrategy")
        sm = d.mapping(ss, sp, ("type", "resources", "requestedToCapacityRatio"))
        resources = _resources(d, sm.get("resources"), f.child(sp, "resources"))
        rtcr = sm.get("requestedToCapacityRatio")
        shape: tuple[UtilizationShapePoint, ...] = ()
        if rtcr is not None:
            rp = f.child(sp, "requestedToCapacityRatio")
            rm = d.mapping(rtcr, rp, ("shape",))
            shape = _shape(d, rm.get("shape"), f.child(rp, "shape"))
        stype = d.string(sm.get("type"), f.child(sp, "type"))
        rp = f.child(sp, "requestedToCapacityRatio")
        if stype == "RequestedToCapacityRatio":
            if rtcr is None:
                d.deferred.append(
                    f.required(rp, "must be specified when type is RequestedToCapacityRatio")
                )
            else:
                d.deferred.extend(validate_function_shape(shape, f.child(rp, "shape")))
        elif rtcr is not None:
            d.deferred.append(
                f.forbidden(rp, "must be nil when type is not RequestedToCapacityRatio")
            )
        strategy = ScoringStrategy(
            type=stype,  # type: ignore[arg-type]  # validated later
            resources=resources or DEFAULT_RESOURCES,
            shape=shape,
        )
    return NodeResourcesFitArgs(
        ignored_resources=d.strings(m.get("ignoredResources"), f.child(path, "ignoredResources")),
        ignored_resource_groups=d.strings(
            m.get("ignoredResourceGroups"), f.child(path, "ignoredResourceGroups")
        ),
        scoring_strategy=strategy,
    )


def _balanced_args(
    d: Decoder, m: Mapping[str, Any], path: str
) -> NodeResourcesBalancedAllocationArgs:
    res = _resources(d, m.get("resources"), f.child(path, "resources"))
    return NodeResourcesBalancedAllocationArgs(resources=res or DEFAULT_RESOURCES)


_CONSTRAINT_FIELDS = (
    "maxSkew",
    "topologyKey",
    "whenUnsatisfiable",
    "labelSelector",
    "minDomains",
    "nodeAffinityPolicy",
    "nodeTaintsPolicy",
    "matchLabelKeys",
)


def _pts_args(d: Decoder, m: Mapping[str, Any], path: str) -> PodTopologySpreadArgs:
    def one(v: Any, p: str) -> TopologySpreadConstraintSpec | None:
        cm = d.mapping(v, p, _CONSTRAINT_FIELDS)
        c = TopologySpreadConstraintSpec(
            max_skew=d.integer(cm.get("maxSkew"), f.child(p, "maxSkew"), 0),
            topology_key=d.string(cm.get("topologyKey"), f.child(p, "topologyKey")),
            when_unsatisfiable=d.string(  # type: ignore[arg-type]  # validated later
                cm.get("whenUnsatisfiable"), f.child(p, "whenUnsatisfiable")
            ),
            min_domains=d.opt_integer(cm.get("minDomains"), f.child(p, "minDomains")),
            node_affinity_policy=d.string(  # type: ignore[arg-type]
                cm.get("nodeAffinityPolicy"), f.child(p, "nodeAffinityPolicy")
            )
            or None,
            node_taints_policy=d.string(  # type: ignore[arg-type]
                cm.get("nodeTaintsPolicy"), f.child(p, "nodeTaintsPolicy")
            )
            or None,
            match_label_keys=d.strings(cm.get("matchLabelKeys"), f.child(p, "matchLabelKeys")),
        )
        if cm.get("labelSelector") is not None:
            d.deferred.append(
                f.forbidden(
                    f.child(p, "labelSelector"),
                    "constraint must not define a selector, as they deduced for each pod",
                )
            )
        return c

    constraints = d.objects(m.get("defaultConstraints"), f.child(path, "defaultConstraints"), one)
    dtype = d.string(m.get("defaultingType"), f.child(path, "defaultingType")) or "System"
    return PodTopologySpreadArgs(default_constraints=constraints, defaulting_type=dtype)  # type: ignore[arg-type]


def _ipa_args(d: Decoder, m: Mapping[str, Any], path: str) -> InterPodAffinityArgs:
    return InterPodAffinityArgs(
        hard_pod_affinity_weight=d.integer(
            m.get("hardPodAffinityWeight"), f.child(path, "hardPodAffinityWeight"), 1
        ),
        ignore_preferred_terms_of_existing_pods=d.boolean(
            m.get("ignorePreferredTermsOfExistingPods"),
            f.child(path, "ignorePreferredTermsOfExistingPods"),
            False,
        ),
    )


def _node_affinity_args(d: Decoder, m: Mapping[str, Any], path: str) -> NodeAffinityArgs:
    added = m.get("addedAffinity")
    if added is None:
        return NodeAffinityArgs()
    ap = f.child(path, "addedAffinity")
    am = d.mapping(
        added,
        ap,
        (
            "requiredDuringSchedulingIgnoredDuringExecution",
            "preferredDuringSchedulingIgnoredDuringExecution",
        ),
    )
    return NodeAffinityArgs(added_affinity=_plain(am))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _preemption_args(d: Decoder, m: Mapping[str, Any], path: str) -> DefaultPreemptionArgs:
    return DefaultPreemptionArgs(
        min_candidate_nodes_percentage=d.integer(
            m.get("minCandidateNodesPercentage"), f.child(path, "minCandidateNodesPercentage"), 10
        ),
        min_candidate_nodes_absolute=d.integer(
            m.get("minCandidateNodesAbsolute"), f.child(path, "minCandidateNodesAbsolute"), 100
        ),
    )


def _volume_binding_args(d: Decoder, m: Mapping[str, Any], path: str) -> VolumeBindingArgs:
    return VolumeBindingArgs(
        bind_timeout_seconds=d.integer(
            m.get("bindTimeoutSeconds"), f.child(path, "bindTimeoutSeconds"), 600
        ),
        shape=_shape(d, m.get("shape"), f.child(path, "shape")),
    )


def _dra_args(d: Decoder, m: Mapping[str, Any], path: str) -> DynamicResourcesArgs:
    return DynamicResourcesArgs(
        filter_timeout_seconds=d.duration(
            m.get("filterTimeout"), f.child(path, "filterTimeout"), 10.0
        ),
        binding_timeout_seconds=d.duration(
            m.get("bindingTimeout"), f.child(path, "bindingTimeout"), 600.0
        ),
    )


_ARGS_FIELDS: dict[str, tuple[str, ...]] = {
    "NodeResourcesFit": ("ignoredResources", "ignoredResourceGroups", "scoringStrategy"),
    "NodeResourcesBalancedAllocation": ("resources",),
    "PodTopologySpread": ("defaultConstraints", "defaultingType"),
    "InterPodAffinity": ("hardPodAffinityWeight", "ignorePreferredTermsOfExistingPods"),
    "NodeAffinity": ("addedAffinity",),
    "DefaultPreemption": ("minCandidateNodesPercentage", "minCandidateNodesAbsolute"),
    "VolumeBinding": ("bindTimeoutSeconds", "shape"),
    "DynamicResources": ("filterTimeout", "bindingTimeout"),
}

_ARGS_DECODERS: dict[str, Callable[[Decoder, Mapping[str, Any], str], PluginArgs]] = {
    "NodeResourcesFit": _fit_args,
    "NodeResourcesBalancedAllocation": _balanced_args,
    "PodTopologySpread": _pts_args,
    "InterPodAffinity": _ipa_args,
    "NodeAffinity": _node_affinity_args,
    "DefaultPreemption": _preemption_args,
    "VolumeBinding": _volume_binding_args,
    "DynamicResources": _dra_args,
}

_DEFAULT_ARGS: dict[str, Callable[[], PluginArgs]] = {
    "NodeResourcesFit": NodeResourcesFitArgs,
    "NodeResourcesBalancedAllocation": NodeResourcesBalancedAllocationArgs,
    "PodTopologySpread": PodTopologySpreadArgs,
    "InterPodAffinity": InterPodAffinityArgs,
    "NodeAffinity": NodeAffinityArgs,
    "DefaultPreemption": DefaultPreemptionArgs,
    "VolumeBinding": VolumeBindingArgs,
    "DynamicResources": DynamicResourcesArgs,
}


def default_args(plugin: str) -> PluginArgs | None:
    """The defaulted args of an in-tree plugin with an args kind, else ``None``."""
    factory = _DEFAULT_ARGS.get(plugin)
    return factory() if factory is not None else None


def decode_args(d: Decoder, name: str, value: Any, path: str) -> PluginArgs:
    """Decode and default the ``args`` of plugin ``name`` (raw for plugins without a kind)."""
    if name not in _ARGS_DECODERS:
        if value is not None and not isinstance(value, Mapping):
            d.fail(f.invalid(path, _short(value), "must be an object"))
            return RawPluginArgs()
        return RawPluginArgs(_plain(value) if value is not None else {})
    fields = (*_ARGS_FIELDS[name], "apiVersion", "kind")
    m = d.mapping(value, path, fields)
    kind = m.get("kind")
    if kind is not None and kind != f"{name}Args":
        d.fail(f.invalid(path, kind, f"has to match plugin args (kind {name}Args)"))
    api = m.get("apiVersion")
    if api is not None and api != API_VERSION:
        d.fail(f.invalid(f.child(path, "apiVersion"), api, f"must be {API_VERSION!r}"))
    return _ARGS_DECODERS[name](d, m, path)


# --------------------------------------------------------------------------- top level

_TOP_FIELDS = (
    "apiVersion",
    "kind",
    "parallelism",
    "leaderElection",
    "clientConnection",
    "percentageOfNodesToScore",
    "podInitialBackoffSeconds",
    "podMaxBackoffSeconds",
    "profiles",
    "extenders",
    "delayCacheUntilActive",
    "enableProfiling",
    "enableContentionProfiling",
)


def _leader_election(d: Decoder, value: Any, path: str) -> LeaderElectionConfiguration:
    m = d.mapping(
        value,
        path,
        (
            "leaderElect",
            "leaseDuration",
            "renewDeadline",
            "retryPeriod",
            "resourceLock",
            "resourceName",
            "resourceNamespace",
        ),
    )
    le = LeaderElectionConfiguration()
    return LeaderElectionConfiguration(
        leader_elect=d.boolean(m.get("leaderElect"), f.child(path, "leaderElect"), le.leader_elect),
        lease_duration=d.duration(
            m.get("leaseDuration"), f.child(path, "leaseDuration"), le.lease_duration
        ),
        renew_deadline=d.duration(
            m.get("renewDeadline"), f.child(path, "renewDeadline"), le.renew_deadline
        ),
        retry_period=d.duration(
            m.get("retryPeriod"), f.child(path, "retryPeriod"), le.retry_period
        ),
        resource_lock=d.string(m.get("resourceLock"), f.child(path, "resourceLock"))
        or le.resource_lock,
        resource_name=d.string(m.get("resourceName"), f.child(path, "resourceName"))
        or le.resource_name,
        resource_namespace=d.string(m.get("resourceNamespace"), f.child(path, "resourceNamespace"))
        or le.resource_namespace,
    )


def _client_connection(d: Decoder, value: Any, path: str) -> ClientConnectionConfiguration:
    m = d.mapping(value, path, ("kubeconfig", "acceptContentTypes", "contentType", "qps", "burst"))
    cc = ClientConnectionConfiguration()
    return ClientConnectionConfiguration(
        kubeconfig=d.string(m.get("kubeconfig"), f.child(path, "kubeconfig")),
        accept_content_types=d.string(
            m.get("acceptContentTypes"), f.child(path, "acceptContentTypes")
        ),
        content_type=d.string(m.get("contentType"), f.child(path, "contentType"))
        or cc.content_type,
        # QPS 0 and burst 0 mean "unset" in v1 defaulting.
        qps=d.number(m.get("qps"), f.child(path, "qps"), 0.0) or cc.qps,
        burst=d.integer(m.get("burst"), f.child(path, "burst"), 0) or cc.burst,
    )


_EXTENDER_FIELDS = (
    "urlPrefix",
    "filterVerb",
    "preemptVerb",
    "prioritizeVerb",
    "weight",
    "bindVerb",
    "enableHTTPS",
    "tlsConfig",
    "httpTimeout",
    "nodeCacheCapable",
    "managedResources",
    "ignorable",
)


def _extender(d: Decoder, value: Any, path: str) -> Extender | None:
    m = d.mapping(value, path, _EXTENDER_FIELDS)

    def managed(v: Any, p: str) -> ExtenderManagedResource | None:
        mm = d.mapping(v, p, ("name", "ignoredByScheduler"))
        return ExtenderManagedResource(
            d.string(mm.get("name"), f.child(p, "name")),
            d.boolean(mm.get("ignoredByScheduler"), f.child(p, "ignoredByScheduler"), False),
        )

    tls = m.get("tlsConfig")
    return Extender(
        url_prefix=d.string(m.get("urlPrefix"), f.child(path, "urlPrefix")),
        filter_verb=d.string(m.get("filterVerb"), f.child(path, "filterVerb")),
        preempt_verb=d.string(m.get("preemptVerb"), f.child(path, "preemptVerb")),
        prioritize_verb=d.string(m.get("prioritizeVerb"), f.child(path, "prioritizeVerb")),
        weight=d.integer(m.get("weight"), f.child(path, "weight"), 0),
        bind_verb=d.string(m.get("bindVerb"), f.child(path, "bindVerb")),
        enable_https=d.boolean(m.get("enableHTTPS"), f.child(path, "enableHTTPS"), False),
        tls_config=_plain(d.mapping(tls, f.child(path, "tlsConfig"), tuple(tls or ())))
        if tls
        else None,
        http_timeout=d.duration(m.get("httpTimeout"), f.child(path, "httpTimeout"), 0.0),
        node_cache_capable=d.boolean(
            m.get("nodeCacheCapable"), f.child(path, "nodeCacheCapable"), False
        ),
        managed_resources=d.objects(
            m.get("managedResources"), f.child(path, "managedResources"), managed
        ),
        ignorable=d.boolean(m.get("ignorable"), f.child(path, "ignorable"), False),
    )


def _profile(d: Decoder, value: Any, path: str, *, single: bool) -> KubeSchedulerProfile:
    m = d.mapping(
        value, path, ("schedulerName", "percentageOfNodesToScore", "plugins", "pluginConfig")
    )
    name_raw = m.get("schedulerName")
    name = d.string(name_raw, f.child(path, "schedulerName"))
    if name_raw is None and single:
        name = DEFAULT_SCHEDULER_NAME
    configured = _plugins(d, m.get("plugins"), f.child(path, "plugins"))
    plugins = merge_plugins(configured)

    configs: list[PluginConfig] = []
    for i, v in enumerate(d.list_of(m.get("pluginConfig"), f.child(path, "pluginConfig"))):
        cp = f.index(f.child(path, "pluginConfig"), i)
        cm = d.mapping(v, cp, ("name", "args"))
        pname = d.string(cm.get("name"), f.child(cp, "name"))
        configs.append(
            PluginConfig(pname, decode_args(d, pname, cm.get("args"), f.child(cp, "args")))
        )
    n_configured = len(configs)
    existing = {c.name for c in configs}
    # Append default args for every enabled plugin with an args kind and no explicit config,
    # in sorted name order as pluginsNames() returns them.
    enabled_names = sorted(
        {p.name for attr in Plugins.__slots__ for p in getattr(plugins, attr).enabled}
    )
    for n in enabled_names:
        if n not in existing and n in _DEFAULT_ARGS:
            configs.append(PluginConfig(n, _DEFAULT_ARGS[n]()))
    return KubeSchedulerProfile(
        scheduler_name=name,
        percentage_of_nodes_to_score=d.opt_integer(
            m.get("percentageOfNodesToScore"), f.child(path, "percentageOfNodesToScore")
        ),
        plugins=plugins,
        plugin_config=tuple(configs),
        configured_plugins=configured or Plugins(),
        configured_plugin_config=n_configured,
    )


def decode_configuration(
    doc: Any, *, require_type_meta: bool = True
) -> tuple[KubeSchedulerConfiguration, Decoder]:
    """Decode and default a v1 document.

    Returns the configuration and the :class:`Decoder`, whose ``errors`` are decoding errors
    (the configuration is unusable if any) and ``deferred`` are validation errors found while
    decoding.
    """
    d = Decoder()
    m = d.mapping(doc, "", _TOP_FIELDS, what="a KubeSchedulerConfiguration object")
    api = m.get("apiVersion")
    kind = m.get("kind")
    if api is None and kind is None and not require_type_meta:
        pass
    elif api != API_VERSION:
        if isinstance(api, str) and api.startswith("kubescheduler.config.k8s.io/"):
            d.fail(
                f.invalid(
                    "apiVersion",
                    api,
                    f"not supported: kcore reads {API_VERSION} (convert older "
                    "KubeSchedulerConfiguration versions first)",
                )
            )
        else:
            d.fail(f.not_supported("apiVersion", api, [API_VERSION]))
    elif kind != KIND:
        d.fail(f.not_supported("kind", kind, [KIND]))

    raw_profiles = d.list_of(m.get("profiles"), "profiles")
    if not raw_profiles:
        raw_profiles = [{}]
    single = len(raw_profiles) == 1
    profiles = tuple(
        _profile(d, v, f.index("profiles", i), single=single) for i, v in enumerate(raw_profiles)
    )
    base = KubeSchedulerConfiguration()
    cfg = KubeSchedulerConfiguration(
        parallelism=d.integer(m.get("parallelism"), "parallelism", base.parallelism),
        leader_election=_leader_election(d, m.get("leaderElection"), "leaderElection"),
        client_connection=_client_connection(d, m.get("clientConnection"), "clientConnection"),
        percentage_of_nodes_to_score=d.opt_integer(
            m.get("percentageOfNodesToScore"), "percentageOfNodesToScore"
        ),
        pod_initial_backoff_seconds=d.integer(
            m.get("podInitialBackoffSeconds"), "podInitialBackoffSeconds", 1
        ),
        pod_max_backoff_seconds=d.integer(
            m.get("podMaxBackoffSeconds"), "podMaxBackoffSeconds", 10
        ),
        profiles=profiles,
        extenders=d.objects(m.get("extenders"), "extenders", lambda v, p: _extender(d, v, p)),
        delay_cache_until_active=d.boolean(
            m.get("delayCacheUntilActive"), "delayCacheUntilActive", False
        ),
        enable_profiling=d.boolean(m.get("enableProfiling"), "enableProfiling", True),
        enable_contention_profiling=d.boolean(
            m.get("enableContentionProfiling"),
            "enableContentionProfiling",
            d.boolean(m.get("enableProfiling"), "enableProfiling", True),
        ),
    )
    return cfg, d


# --------------------------------------------------------------------------- encoding


def _plugin_set_dict(ps: PluginSet) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if ps.enabled:
        out["enabled"] = [
            {"name": p.name, **({"weight": p.weight} if p.weight is not None else {})}
            for p in ps.enabled
        ]
    if ps.disabled:
        out["disabled"] = [{"name": p.name} for p in ps.disabled]
    return out


def args_to_dict(name: str, args: PluginArgs) -> dict[str, Any]:
    """Render plugin args as the v1 ``args`` object (with ``kind`` for typed args)."""
    head = {"apiVersion": API_VERSION, "kind": f"{name}Args"}
    if isinstance(args, RawPluginArgs):
        return dict(args.data)
    if isinstance(args, NodeResourcesFitArgs):
        ss = args.scoring_strategy
        sd: dict[str, Any] = {
            "type": ss.type,
            "resources": [{"name": r.name, "weight": r.weight} for r in ss.resources],
        }
        if ss.type == "RequestedToCapacityRatio":
            sd["requestedToCapacityRatio"] = {
                "shape": [{"utilization": p.utilization, "score": p.score} for p in ss.shape]
            }
        out: dict[str, Any] = {**head, "scoringStrategy": sd}
        if args.ignored_resources:
            out["ignoredResources"] = list(args.ignored_resources)
        if args.ignored_resource_groups:
            out["ignoredResourceGroups"] = list(args.ignored_resource_groups)
        return out
    if isinstance(args, NodeResourcesBalancedAllocationArgs):
        return {**head, "resources": [{"name": r.name, "weight": r.weight} for r in args.resources]}
    if isinstance(args, PodTopologySpreadArgs):
        out = {**head, "defaultingType": args.defaulting_type}
        if args.default_constraints:
            cs = []
            for c in args.default_constraints:
                cd: dict[str, Any] = {
                    "maxSkew": c.max_skew,
                    "topologyKey": c.topology_key,
                    "whenUnsatisfiable": c.when_unsatisfiable,
                }
                if c.min_domains is not None:
                    cd["minDomains"] = c.min_domains
                if c.node_affinity_policy:
                    cd["nodeAffinityPolicy"] = c.node_affinity_policy
                if c.node_taints_policy:
                    cd["nodeTaintsPolicy"] = c.node_taints_policy
                if c.match_label_keys:
                    cd["matchLabelKeys"] = list(c.match_label_keys)
                cs.append(cd)
            out["defaultConstraints"] = cs
        return out
    if isinstance(args, InterPodAffinityArgs):
        return {
            **head,
            "hardPodAffinityWeight": args.hard_pod_affinity_weight,
            "ignorePreferredTermsOfExistingPods": args.ignore_preferred_terms_of_existing_pods,
        }
    if isinstance(args, NodeAffinityArgs):
        return {**head, **({"addedAffinity": args.added_affinity} if args.added_affinity else {})}
    if isinstance(args, DefaultPreemptionArgs):
        return {
            **head,
            "minCandidateNodesPercentage": args.min_candidate_nodes_percentage,
            "minCandidateNodesAbsolute": args.min_candidate_nodes_absolute,
        }
    if isinstance(args, VolumeBindingArgs):
        out = {**head, "bindTimeoutSeconds": args.bind_timeout_seconds}
        if args.shape:
            out["shape"] = [{"utilization": p.utilization, "score": p.score} for p in args.shape]
        return out
    out = {**head, "filterTimeout": format_duration(args.filter_timeout_seconds)}
    if args.binding_timeout_seconds is not None:
        out["bindingTimeout"] = format_duration(args.binding_timeout_seconds)
    return out


_CAMEL = {
    "pre_enqueue": "preEnqueue",
    "queue_sort": "queueSort",
    "pre_filter": "preFilter",
    "filter": "filter",
    "post_filter": "postFilter",
    "pre_score": "preScore",
    "score": "score",
    "reserve": "reserve",
    "permit": "permit",
    "pre_bind": "preBind",
    "bind": "bind",
    "post_bind": "postBind",
    "multi_point": "multiPoint",
}


def configuration_to_dict(cfg: KubeSchedulerConfiguration) -> dict[str, Any]:
    """The defaulted v1 document of ``cfg``."""
    profiles = []
    for p in cfg.profiles:
        pd: dict[str, Any] = {"schedulerName": p.scheduler_name}
        if p.percentage_of_nodes_to_score is not None:
            pd["percentageOfNodesToScore"] = p.percentage_of_nodes_to_score
        plugins = {
            _CAMEL[attr]: _plugin_set_dict(getattr(p.plugins, attr))
            for attr in Plugins.__slots__
            if _plugin_set_dict(getattr(p.plugins, attr))
        }
        pd["plugins"] = plugins
        pd["pluginConfig"] = [
            {"name": c.name, "args": args_to_dict(c.name, c.args)} for c in p.plugin_config
        ]
        profiles.append(pd)
    le = cfg.leader_election
    cc = cfg.client_connection
    out: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "parallelism": cfg.parallelism,
        "leaderElection": {
            "leaderElect": le.leader_elect,
            "leaseDuration": format_duration(le.lease_duration),
            "renewDeadline": format_duration(le.renew_deadline),
            "retryPeriod": format_duration(le.retry_period),
            "resourceLock": le.resource_lock,
            "resourceName": le.resource_name,
            "resourceNamespace": le.resource_namespace,
        },
        "clientConnection": {
            "kubeconfig": cc.kubeconfig,
            "acceptContentTypes": cc.accept_content_types,
            "contentType": cc.content_type,
            "qps": cc.qps,
            "burst": cc.burst,
        },
        "podInitialBackoffSeconds": cfg.pod_initial_backoff_seconds,
        "podMaxBackoffSeconds": cfg.pod_max_backoff_seconds,
        "profiles": profiles,
        "enableProfiling": cfg.enable_profiling,
        "enableContentionProfiling": cfg.enable_contention_profiling,
    }
    if cfg.percentage_of_nodes_to_score is not None:
        out["percentageOfNodesToScore"] = cfg.percentage_of_nodes_to_score
    if cfg.delay_cache_until_active:
        out["delayCacheUntilActive"] = True
    if cfg.extenders:
        out["extenders"] = [
            {
                "urlPrefix": e.url_prefix,
                "filterVerb": e.filter_verb,
                "preemptVerb": e.preempt_verb,
                "prioritizeVerb": e.prioritize_verb,
                "weight": e.weight,
                "bindVerb": e.bind_verb,
                "enableHTTPS": e.enable_https,
                **({"tlsConfig": e.tls_config} if e.tls_config else {}),
                "httpTimeout": format_duration(e.http_timeout),
                "nodeCacheCapable": e.node_cache_capable,
                "managedResources": [
                    {"name": r.name, "ignoredByScheduler": r.ignored_by_scheduler}
                    for r in e.managed_resources
                ],
                "ignorable": e.ignorable,
            }
            for e in cfg.extenders
        ]
    return out


assert set(_DEFAULT_ARGS) == set(ARGS_KINDS)
assert set(ARGS_KINDS) <= set(NATIVE_PLUGINS)
