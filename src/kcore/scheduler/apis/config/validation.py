"""Validation of a decoded configuration, as kube-scheduler's ``validation`` package does.

:func:`validate_configuration` mirrors ``ValidateKubeSchedulerConfiguration`` (client
connection, leader election, parallelism, profiles, unique scheduler names, one common queue
sort, percentageOfNodesToScore, backoff, extenders) and the ``Validate<Plugin>Args``
functions. Every error names its field path, e.g.
``profiles[0].pluginConfig[1].args.scoringStrategy.resources[0].weight``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kcore.scheduler.apis.config import field as f
from kcore.scheduler.apis.config.registry import REMOVED_PLUGINS
from kcore.scheduler.apis.config.types import (
    DefaultPreemptionArgs,
    DynamicResourcesArgs,
    InterPodAffinityArgs,
    NodeAffinityArgs,
    NodeResourcesBalancedAllocationArgs,
    NodeResourcesFitArgs,
    PluginArgs,
    PodTopologySpreadArgs,
    ResourceSpec,
    UtilizationShapePoint,
    VolumeBindingArgs,
)

if TYPE_CHECKING:
    from kcore.scheduler.apis.config.configuration import (
        KubeSchedulerConfiguration,
        KubeSchedulerProfile,
        PluginSet,
    )

MAX_CUSTOM_PRIORITY_SCORE = 10
SCORING_STRATEGY_TYPES = ("LeastAllocated", "MostAllocated", "RequestedToCapacityRatio")


def validate_function_shape(
    shape: Sequence[UtilizationShapePoint], path: str
) -> list[f.FieldError]:
    """``validateFunctionShape``: non-empty, increasing utilisation, ranges 0..100 / 0..10."""
    if not shape:
        return [f.required(path, "at least one point must be specified")]
    errs: list[f.FieldError] = []
    for i in range(1, len(shape)):
        if shape[i - 1].utilization >= shape[i].utilization:
            errs.append(
                f.invalid(
                    f.child(f.index(path, i), "utilization"),
                    shape[i].utilization,
                    "values must be sorted in increasing order",
                )
            )
            break
    for i, point in enumerate(shape):
        if not 0 <= point.utilization <= 100:
            errs.append(
                f.invalid(
                    f.child(f.index(path, i), "utilization"),
                    point.utilization,
                    "not in valid range [0, 100]",
                )
            )
        if not 0 <= point.score <= MAX_CUSTOM_PRIORITY_SCORE:
            errs.append(
                f.invalid(
                    f.child(f.index(path, i), "score"),
                    point.score,
                    f"not in valid range [0, {MAX_CUSTOM_PRIORITY_SCORE}]",
                )
            )
    return errs


def _validate_resources(resources: Sequence[ResourceSpec], path: str) -> list[f.FieldError]:
    return [
        f.invalid(
            f.child(f.index(path, i), "weight"),
            r.weight,
            f"resource weight of {r.name} not in valid range (0, 100]",
        )
        for i, r in enumerate(resources)
        if not 0 < r.weight <= 100
    ]


def validate_node_resources_fit_args(args: NodeResourcesFitArgs, path: str) -> list[f.FieldError]:
    """``ValidateNodeResourcesFitArgs`` (the RequestedToCapacityRatio presence checks are done
    while decoding, where presence is known)."""
    errs: list[f.FieldError] = []
    for i, res in enumerate(args.ignored_resources):
        errs.extend(f.validate_label_name(res, f.index(f.child(path, "ignoredResources"), i)))
    for i, group in enumerate(args.ignored_resource_groups):
        gp = f.index(f.child(path, "ignoredResourceGroups"), i)
        if "/" in group:
            errs.append(f.invalid(gp, group, "resource group name can't contain '/'"))
        errs.extend(f.validate_label_name(group, gp))
    sp = f.child(path, "scoringStrategy")
    ss = args.scoring_strategy
    if ss.type not in SCORING_STRATEGY_TYPES:
        errs.append(f.not_supported(f.child(sp, "type"), ss.type, sorted(SCORING_STRATEGY_TYPES)))
    errs.extend(_validate_resources(ss.resources, f.child(sp, "resources")))
    return errs


def validate_balanced_allocation_args(
    args: NodeResourcesBalancedAllocationArgs, path: str
) -> list[f.FieldError]:
    """``ValidateNodeResourcesBalancedAllocationArgs``: unique resources, weight exactly 1."""
    errs: list[f.FieldError] = []
    seen: set[str] = set()
    for i, r in enumerate(args.resources):
        rp = f.index(f.child(path, "resources"), i)
        if r.name in seen:
            errs.append(f.duplicate(f.child(rp, "name"), r.name))
        seen.add(r.name)
        if r.weight != 1:
            errs.append(f.invalid(f.child(rp, "weight"), r.weight, "must be 1"))
    return errs


def validate_pod_topology_spread_args(args: PodTopologySpreadArgs, path: str) -> list[f.FieldError]:
    """``ValidatePodTopologySpreadArgs``."""
    errs: list[f.FieldError] = []
    dp = f.child(path, "defaultingType")
    if args.defaulting_type not in ("System", "List"):
        errs.append(f.not_supported(dp, args.defaulting_type, ["System", "List"]))
    elif args.defaulting_type == "System" and args.default_constraints:
        errs.append(f.invalid(dp, args.defaulting_type, "when .defaultConstraints are not empty"))
    cp = f.child(path, "defaultConstraints")
    for i, c in enumerate(args.default_constraints):
        p = f.index(cp, i)
        if c.max_skew <= 0:
            errs.append(f.invalid(f.child(p, "maxSkew"), c.max_skew, "not in valid range (0, inf)"))
        kp = f.child(p, "topologyKey")
        if not c.topology_key:
            errs.append(f.required(kp, "can not be empty"))
        else:
            errs.extend(f.validate_label_name(c.topology_key, kp))
        wp = f.child(p, "whenUnsatisfiable")
        when: str = c.when_unsatisfiable  # may hold any decoded string
        if not when:
            errs.append(f.required(wp, "can not be empty"))
        elif when not in ("DoNotSchedule", "ScheduleAnyway"):
            errs.append(
                f.not_supported(wp, c.when_unsatisfiable, ["DoNotSchedule", "ScheduleAnyway"])
            )
        if c.min_domains is not None and c.min_domains <= 0:
            errs.append(
                f.invalid(f.child(p, "minDomains"), c.min_domains, "must be greater than 0")
            )
        for fld, v in (
            ("nodeAffinityPolicy", c.node_affinity_policy),
            ("nodeTaintsPolicy", c.node_taints_policy),
        ):
            if v is not None and v not in ("Honor", "Ignore"):
                errs.append(f.not_supported(f.child(p, fld), v, ["Honor", "Ignore"]))
        for j, other in enumerate(args.default_constraints[:i]):
            del j
            if (
                other.topology_key == c.topology_key
                and other.when_unsatisfiable == c.when_unsatisfiable
            ):
                errs.append(f.duplicate(p, f"{{{c.topology_key}, {c.when_unsatisfiable}}}"))
                break
    return errs


def validate_inter_pod_affinity_args(args: InterPodAffinityArgs, path: str) -> list[f.FieldError]:
    """``ValidateInterPodAffinityArgs``: hardPodAffinityWeight in [0, 100]."""
    w = args.hard_pod_affinity_weight
    if not 0 <= w <= 100:
        return [f.invalid(f.child(path, "hardPodAffinityWeight"), w, "not in valid range [0, 100]")]
    return []


def validate_default_preemption_args(args: DefaultPreemptionArgs, path: str) -> list[f.FieldError]:
    """``ValidateDefaultPreemptionArgs``."""
    errs: list[f.FieldError] = []
    pp = f.child(path, "minCandidateNodesPercentage")
    ap = f.child(path, "minCandidateNodesAbsolute")
    pct, absolute = args.min_candidate_nodes_percentage, args.min_candidate_nodes_absolute
    if not 0 <= pct <= 100:
        errs.append(f.invalid(pp, pct, "not in valid range [0, 100]"))
    if absolute < 0:
        errs.append(f.invalid(ap, absolute, "not in valid range [0, inf)"))
    if pct == 0 and absolute == 0:
        errs.append(
            f.invalid(pp, pct, "cannot be zero at the same time as minCandidateNodesAbsolute")
        )
        errs.append(
            f.invalid(
                ap, absolute, "cannot be zero at the same time as minCandidateNodesPercentage"
            )
        )
    return errs


def validate_volume_binding_args(args: VolumeBindingArgs, path: str) -> list[f.FieldError]:
    """``ValidateVolumeBindingArgs`` with StorageCapacityScoring off (its v1.35 default)."""
    errs: list[f.FieldError] = []
    if args.bind_timeout_seconds < 0:
        errs.append(
            f.invalid(
                f.child(path, "bindTimeoutSeconds"),
                args.bind_timeout_seconds,
                "invalid BindTimeoutSeconds, should not be a negative value",
            )
        )
    if args.shape:
        errs.append(
            f.invalid(
                f.child(path, "shape"),
                [{"utilization": p.utilization, "score": p.score} for p in args.shape],
                "unexpected field `shape`, remove it or turn on the feature gate "
                "StorageCapacityScoring",
            )
        )
    return errs


def validate_dynamic_resources_args(args: DynamicResourcesArgs, path: str) -> list[f.FieldError]:
    """``ValidateDynamicResourcesArgs`` with the v1.35 default feature gates."""
    errs: list[f.FieldError] = []
    if args.filter_timeout_seconds < 0:
        errs.append(
            f.invalid(
                f.child(path, "filterTimeout"),
                args.filter_timeout_seconds,
                "must be zero or positive",
            )
        )
    if args.binding_timeout_seconds is not None and args.binding_timeout_seconds < 1:
        errs.append(
            f.invalid(
                f.child(path, "bindingTimeout"),
                args.binding_timeout_seconds,
                "must be at least 1 second",
            )
        )
    return errs


_SELECTOR_OPS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")


def _validate_requirement(req: Any, path: str, *, fields: bool) -> list[f.FieldError]:
    if not isinstance(req, Mapping):
        return [f.invalid(path, "<value>", "must be an object")]
    errs: list[f.FieldError] = []
    op = req.get("operator")
    values = req.get("values") or []
    key_ = req.get("key", "")
    vp, op_path, kp = f.child(path, "values"), f.child(path, "operator"), f.child(path, "key")
    if fields:
        if key_ != "metadata.name":
            errs.append(f.invalid(kp, key_, "not a valid field selector key"))
        if op not in ("In", "NotIn"):
            errs.append(f.invalid(op_path, op, "not a valid selector operator"))
        elif len(values) != 1:
            errs.append(
                f.required(
                    vp,
                    "must be only one value when `operator` is 'In' or 'NotIn' for node field "
                    "selector",
                )
            )
        return errs
    if op in ("In", "NotIn"):
        if not values:
            errs.append(f.required(vp, "must be specified when `operator` is 'In' or 'NotIn'"))
    elif op in ("Exists", "DoesNotExist"):
        if values:
            errs.append(
                f.forbidden(
                    vp, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                )
            )
    elif op in ("Gt", "Lt"):
        if len(values) != 1:
            errs.append(
                f.required(vp, "must be specified single value when `operator` is 'Lt' or 'Gt'")
            )
        else:
            try:
                int(str(values[0]))
            except ValueError:
                errs.append(f.invalid(f.index(vp, 0), values[0], "must be an integer"))
    else:
        errs.append(f.not_supported(op_path, op, _SELECTOR_OPS))
    if isinstance(key_, str):
        errs.extend(f.validate_label_name(key_, kp))
    return errs


def _validate_term(term: Any, path: str) -> list[f.FieldError]:
    if not isinstance(term, Mapping):
        return [f.invalid(path, "<value>", "must be an object")]
    errs: list[f.FieldError] = []
    for i, r in enumerate(term.get("matchExpressions") or []):
        errs.extend(
            _validate_requirement(r, f.index(f.child(path, "matchExpressions"), i), fields=False)
        )
    for i, r in enumerate(term.get("matchFields") or []):
        errs.extend(_validate_requirement(r, f.index(f.child(path, "matchFields"), i), fields=True))
    return errs


def validate_node_affinity_args(args: NodeAffinityArgs, path: str) -> list[f.FieldError]:
    """``ValidateNodeAffinityArgs``: the added node selector terms must parse."""
    aff = args.added_affinity
    if not aff:
        return []
    errs: list[f.FieldError] = []
    ap = f.child(path, "addedAffinity")
    req = aff.get("requiredDuringSchedulingIgnoredDuringExecution")
    if req is not None:
        rp = f.child(ap, "requiredDuringSchedulingIgnoredDuringExecution")
        terms = req.get("nodeSelectorTerms") if isinstance(req, Mapping) else None
        for i, t in enumerate(terms or []):
            errs.extend(_validate_term(t, f.index(f.child(rp, "nodeSelectorTerms"), i)))
    pref = aff.get("preferredDuringSchedulingIgnoredDuringExecution") or []
    pp = f.child(ap, "preferredDuringSchedulingIgnoredDuringExecution")
    for i, t in enumerate(pref):
        tp = f.index(pp, i)
        if not isinstance(t, Mapping):
            errs.append(f.invalid(tp, "<value>", "must be an object"))
            continue
        errs.extend(_validate_term(t.get("preference") or {}, f.child(tp, "preference")))
    return errs


def validate_plugin_args(name: str, args: PluginArgs, path: str) -> list[f.FieldError]:
    """Validate typed args of an in-tree plugin; raw args of other plugins pass."""
    del name
    if isinstance(args, NodeResourcesFitArgs):
        return validate_node_resources_fit_args(args, path)
    if isinstance(args, NodeResourcesBalancedAllocationArgs):
        return validate_balanced_allocation_args(args, path)
    if isinstance(args, PodTopologySpreadArgs):
        return validate_pod_topology_spread_args(args, path)
    if isinstance(args, InterPodAffinityArgs):
        return validate_inter_pod_affinity_args(args, path)
    if isinstance(args, NodeAffinityArgs):
        return validate_node_affinity_args(args, path)
    if isinstance(args, DefaultPreemptionArgs):
        return validate_default_preemption_args(args, path)
    if isinstance(args, VolumeBindingArgs):
        return validate_volume_binding_args(args, path)
    if isinstance(args, DynamicResourcesArgs):
        return validate_dynamic_resources_args(args, path)
    return []


def _removed_in_set(ps: PluginSet, path: str) -> list[f.FieldError]:
    return [
        f.invalid(
            f.index(f.child(path, "enabled"), i),
            p.name,
            'was invalid in version "kubescheduler.config.k8s.io/v1" '
            '(KubeSchedulerConfiguration is version "kubescheduler.config.k8s.io/v1")',
        )
        for i, p in enumerate(ps.enabled)
        if p.name in REMOVED_PLUGINS
    ]


def _validate_profile(prof: KubeSchedulerProfile, path: str) -> list[f.FieldError]:
    from kcore.scheduler.apis.config.configuration import Plugins
    from kcore.scheduler.apis.config.scheme import _CAMEL

    errs: list[f.FieldError] = []
    if not prof.scheduler_name:
        errs.append(f.required(f.child(path, "schedulerName")))
    errs.extend(
        _validate_pct(prof.percentage_of_nodes_to_score, f.child(path, "percentageOfNodesToScore"))
    )
    configured = prof.configured_plugins or prof.plugins
    for attr in Plugins.__slots__:
        if attr == "multi_point":
            continue
        errs.extend(
            _removed_in_set(getattr(configured, attr), f.child(path, "plugins", _CAMEL[attr]))
        )
    seen: set[str] = set()
    for i, pc in enumerate(prof.plugin_config[: prof.configured_plugin_config]):
        cp = f.index(f.child(path, "pluginConfig"), i)
        if pc.name in seen:
            errs.append(f.duplicate(cp, pc.name))
        seen.add(pc.name)
        if pc.name in REMOVED_PLUGINS:
            errs.append(
                f.invalid(
                    cp,
                    pc.name,
                    'was invalid in version "kubescheduler.config.k8s.io/v1" '
                    '(KubeSchedulerConfiguration is version "kubescheduler.config.k8s.io/v1")',
                )
            )
        else:
            errs.extend(validate_plugin_args(pc.name, pc.args, f.child(cp, "args")))
    return errs


def _validate_pct(value: int | None, path: str) -> list[f.FieldError]:
    if value is not None and not 0 <= value <= 100:
        return [f.invalid(path, value, "not in valid range [0-100]")]
    return []


def _validate_common_queue_sort(profiles: Sequence[KubeSchedulerProfile]) -> list[f.FieldError]:
    errs: list[f.FieldError] = []
    first = profiles[0]
    canon = (first.configured_plugins or first.plugins).queue_sort
    if len(canon.enabled) > 1:
        errs.append(
            f.invalid(
                "profiles[0].plugins.queueSort.Enabled",
                len(canon.enabled),
                "only one queue sort plugin can be enabled",
            )
        )
    qs_name = canon.enabled[0].name if canon.enabled else ""
    qs_args = first.args_for(qs_name) if qs_name else None
    for i, prof in enumerate(profiles[1:], start=1):
        curr = (prof.configured_plugins or prof.plugins).queue_sort
        if curr != canon:
            errs.append(
                f.invalid(
                    f"profiles[{i}].plugins.queueSort",
                    {
                        "enabled": [p.name for p in curr.enabled],
                        "disabled": [p.name for p in curr.disabled],
                    },
                    "must be the same for all profiles",
                )
            )
        if qs_name and prof.args_for(qs_name) != qs_args:
            errs.append(
                f.invalid(
                    f"profiles[{i}].pluginConfig.args",
                    qs_name,
                    "queueSort must be the same for all profiles",
                )
            )
    return errs


def _validate_extenders(cfg: KubeSchedulerConfiguration) -> list[f.FieldError]:
    errs: list[f.FieldError] = []
    binders = 0
    managed: set[str] = set()
    for i, e in enumerate(cfg.extenders):
        p = f.index("extenders", i)
        if e.prioritize_verb and e.weight <= 0:
            errs.append(
                f.invalid(
                    f.child(p, "weight"), e.weight, "must have a positive weight applied to it"
                )
            )
        if e.bind_verb:
            binders += 1
        for j, r in enumerate(e.managed_resources):
            np_ = f.child(f.index(f.child(p, "managedResources"), j), "name")
            problems = f.is_qualified_name(r.name)
            errs.extend(f.invalid(np_, r.name, m) for m in problems)
            if not problems and (r.name.startswith("kubernetes.io/") or "/" not in r.name):
                errs.append(f.invalid(np_, r.name, "is an invalid extended resource name"))
            if r.name in managed:
                errs.append(f.invalid(np_, r.name, "duplicate extender managed resource name"))
            managed.add(r.name)
    if binders > 1:
        errs.append(
            f.invalid(
                "extenders",
                f"found {binders} extenders implementing bind",
                "only one extender can implement bind",
            )
        )
    return errs


def validate_configuration(cfg: KubeSchedulerConfiguration) -> list[f.FieldError]:
    """``ValidateKubeSchedulerConfiguration``: every error found, in upstream order."""
    errs: list[f.FieldError] = []
    cc = cfg.client_connection
    if cc.burst < 0:
        errs.append(f.invalid("clientConnection.burst", cc.burst, "must be non-negative"))
    le = cfg.leader_election
    if le.leader_elect:
        for fld, v in (
            ("leaseDuration", le.lease_duration),
            ("renewDeadline", le.renew_deadline),
            ("retryPeriod", le.retry_period),
        ):
            if v <= 0:
                errs.append(
                    f.invalid(f"leaderElection.{fld}", _dur(v), "must be greater than zero")
                )
        if le.lease_duration < le.renew_deadline:
            errs.append(
                f.invalid(
                    "leaderElection.leaseDuration",
                    _dur(le.renew_deadline),
                    "LeaseDuration must be greater than RenewDeadline",
                )
            )
        if le.resource_lock != "leases":
            errs.append(
                f.invalid(
                    "leaderElection.resourceLock",
                    le.resource_lock,
                    'resourceLock value must be "leases"',
                )
            )
    if cfg.parallelism <= 0:
        errs.append(
            f.invalid(
                "parallelism", cfg.parallelism, "should be an integer value greater than zero"
            )
        )
    if not cfg.profiles:
        errs.append(f.required("profiles"))
    else:
        seen: dict[str, int] = {}
        for i, prof in enumerate(cfg.profiles):
            path = f.index("profiles", i)
            errs.extend(_validate_profile(prof, path))
            if prof.scheduler_name in seen:
                errs.append(
                    f.duplicate(
                        f.child(path, "schedulerName"),
                        f"profiles[{seen[prof.scheduler_name]}].schedulerName",
                    )
                )
            seen[prof.scheduler_name] = i
        errs.extend(_validate_common_queue_sort(cfg.profiles))
    errs.extend(_validate_pct(cfg.percentage_of_nodes_to_score, "percentageOfNodesToScore"))
    if cfg.pod_initial_backoff_seconds <= 0:
        errs.append(
            f.invalid(
                "podInitialBackoffSeconds",
                cfg.pod_initial_backoff_seconds,
                "must be greater than 0",
            )
        )
    if cfg.pod_max_backoff_seconds < cfg.pod_initial_backoff_seconds:
        errs.append(
            f.invalid(
                "podMaxBackoffSeconds",
                cfg.pod_max_backoff_seconds,
                "must be greater than or equal to PodInitialBackoffSeconds",
            )
        )
    errs.extend(_validate_extenders(cfg))
    return errs


def _dur(seconds: float) -> str:
    from kcore.scheduler.apis.config.strict import format_duration

    return format_duration(seconds)
