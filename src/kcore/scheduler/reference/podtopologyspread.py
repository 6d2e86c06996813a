"""PodTopologySpread (PreFilter, Filter, PreScore, Score) over whole label columns.

Constraints (``common.go``): the pod's own constraints of the relevant kind (``DoNotSchedule``
for the filter, ``ScheduleAnyway`` for the score), ``matchLabelKeys`` merged into the selector
from the pod's labels; a pod without constraints gets the profile's default constraints
(System: hostname maxSkew 3 and zone maxSkew 5, both ScheduleAnyway) with the selector built
from the Services, ReplicationController, ReplicaSet and StatefulSet selecting it — none when
that selector is empty. Matching pods on a node: same namespace as the incoming pod, not
terminating, labels matching the selector; an *empty* selector counts no pod.

Filter (``filtering.go``). Eligible nodes for constraint ``c``: live nodes carrying the topology
keys of all filter constraints and passing ``c``'s inclusion policies (nodeAffinityPolicy Honor:
the pod's nodeSelector/required affinity; nodeTaintsPolicy Honor: no untolerated
NoSchedule/NoExecute taint). ``count[d]`` sums the matching pods of the eligible nodes of domain
``d``; ``minMatch`` is the smallest count over the eligible domains, 0 when there are fewer than
``minDomains`` of them. Per node, constraints in order: missing key ->
``UnschedulableAndUnresolvable`` ("... (missing required label)"); ``count[domain] + selfMatch
- minMatch > maxSkew`` -> ``Unschedulable``.

Score (``scoring.go``). Feasible nodes missing a key are *ignored* when the pod declares
constraints or defaulting is not System. For a non-hostname key the tracked domains are those of
the non-ignored feasible nodes and ``count[d]`` sums the matching pods of every live node in a
tracked domain (having all keys when required, passing the inclusion policies); for
``kubernetes.io/hostname`` the count is the node's own matching pods. With
``w = ln(#domains + 2)`` (hostname: #non-ignored feasible nodes),
``raw = math.Round(Σ_c [count * w + (maxSkew - 1)])`` over the constraints whose key the node
has. NormalizeScore over the non-ignored feasible nodes: ``100 * (max + min - raw) / max`` (100
when ``max = 0``); ignored nodes score 0.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

import numpy as np

from kcore.scheduler.apis.config.types import PodTopologySpreadArgs
from kcore.scheduler.framework import Code
from kcore.scheduler.reference.helper import MAX_NODE_SCORE, go_round
from kcore.scheduler.reference.nodeaffinity import required_node_affinity_mask
from kcore.scheduler.reference.pod import NO_EXECUTE, NO_SCHEDULE, SpreadConstraint
from kcore.scheduler.reference.results import FilterOutcome, ScoreOutcome
from kcore.scheduler.reference.selectors import LabelSelector

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from numpy.typing import NDArray

    from kcore.scheduler.reference.cluster import ReferenceCluster
    from kcore.scheduler.reference.pod import PodRequirements

NAME: Final = "PodTopologySpread"
REASON_SKEW: Final = "node(s) didn't match pod topology spread constraints"
REASON_LABEL: Final = (
    "node(s) didn't match pod topology spread constraints (missing required label)"
)
HOSTNAME: Final = "kubernetes.io/hostname"
_MAX_INT32: Final = 2**31 - 1


def _objects(cluster: ReferenceCluster, kind: str, namespace: str) -> list[Mapping[str, Any]]:
    return [
        o
        for o in cluster.objects
        if o.get("kind") == kind
        and ((o.get("metadata") or {}).get("namespace") or "default") == namespace
    ]


def default_selector(cluster: ReferenceCluster, pod: PodRequirements) -> LabelSelector:
    """``helper.DefaultSelector``: merged selectors of the Services selecting the pod, then its
    controller's (ReplicationController map selector, or ReplicaSet/StatefulSet requirements)."""
    merged: dict[str, str] = {}
    for svc in _objects(cluster, "Service", pod.namespace):
        sel = (svc.get("spec") or {}).get("selector")
        if sel is not None and LabelSelector.from_set(sel).matches(pod.labels):
            merged.update(sel)
    selector = LabelSelector.from_set(merged)
    if pod.controller is None:
        return selector
    api_version, kind, name = pod.controller
    if api_version.count("/") > 1:
        return selector  # schema.ParseGroupVersion fails
    owners = [o for o in _objects(cluster, kind, pod.namespace) if o["metadata"]["name"] == name]
    if not owners:
        return selector
    owner_selector = (owners[-1].get("spec") or {}).get("selector")
    if (api_version, kind) == ("v1", "ReplicationController"):
        merged.update(owner_selector or {})
        return LabelSelector.from_set(merged)
    if (api_version, kind) in (("apps/v1", "ReplicaSet"), ("apps/v1", "StatefulSet")):
        try:
            other = LabelSelector.from_dict(owner_selector)
        except ValueError:
            return selector
        return selector.with_requirements(other.requirements)
    return selector


def constraints(
    cluster: ReferenceCluster,
    pod: PodRequirements,
    *,
    do_not_schedule: bool,
    args: PodTopologySpreadArgs | None = None,
) -> tuple[SpreadConstraint, ...]:
    """The constraints the filter (``do_not_schedule``) or the score uses for ``pod``."""
    if pod.spread_constraints:
        return pod.spread(do_not_schedule=do_not_schedule)
    args = args or PodTopologySpreadArgs()
    defaults = [
        c
        for c in args.effective_default_constraints()
        if (c.when_unsatisfiable == "DoNotSchedule") == do_not_schedule
    ]
    if not defaults:
        return ()
    selector = default_selector(cluster, pod)
    if selector.empty:
        return ()
    return tuple(
        SpreadConstraint(
            max_skew=c.max_skew,
            topology_key=c.topology_key,
            do_not_schedule=do_not_schedule,
            selector=selector,
            min_domains=c.min_domains or 1,
            honor_node_affinity=c.node_affinity_policy != "Ignore",
            honor_node_taints=c.node_taints_policy == "Honor",
        )
        for c in defaults
    )


def matching_pods_per_row(
    cluster: ReferenceCluster, namespace: str, selector: LabelSelector
) -> NDArray[np.int64]:
    """``countPodsMatchSelector`` per row (a loop over the bound pods, not over nodes)."""
    if selector.empty:
        return np.zeros(cluster.size, dtype=np.int64)
    match = [
        p.namespace == namespace and not p.terminating and selector.matches(p.labels)
        for p in cluster.pods
    ]
    return cluster.pods_per_row(match)


def _included(
    cluster: ReferenceCluster,
    c: SpreadConstraint,
    affinity_ok: NDArray[np.bool_],
    untolerated: NDArray[np.bool_],
) -> NDArray[np.bool_]:
    """``matchNodeInclusionPolicies`` per row."""
    ok = cluster.live.copy()
    if c.honor_node_affinity:
        ok &= affinity_ok
    if c.honor_node_taints:
        ok &= ~untolerated
    return ok


def filter(
    cluster: ReferenceCluster, pod: PodRequirements, args: PodTopologySpreadArgs | None = None
) -> FilterOutcome:
    """Per-row verdict of the PodTopologySpread filter (all pass without hard constraints)."""
    cons = constraints(cluster, pod, do_not_schedule=True, args=args)
    if not cons:
        return FilterOutcome.passing(NAME, cluster.size)
    affinity_ok = required_node_affinity_mask(cluster, pod)
    untolerated = cluster.untolerated(pod.tolerations, (NO_SCHEDULE, NO_EXECUTE))
    has_all = cluster.live.copy()
    for c in cons:
        has_all &= cluster.has_label(c.topology_key)
    checks: list[tuple[NDArray[np.bool_], Code, tuple[str, ...]]] = []
    for c in cons:
        eligible = has_all & _included(cluster, c, affinity_ok, untolerated)
        counts = matching_pods_per_row(cluster, pod.namespace, c.selector)
        dom, names = cluster.label_domains(c.topology_key)
        present = np.bincount(dom[eligible], minlength=len(names)) > 0
        per_domain = np.bincount(dom[eligible], weights=counts[eligible], minlength=len(names))
        per_domain = per_domain.astype(np.int64)
        min_match = int(per_domain[present].min()) if present.any() else _MAX_INT32
        if int(present.sum()) < c.min_domains:
            min_match = 0
        self_match = 1 if c.selector.matches(pod.labels) else 0
        has_key = cluster.has_label(c.topology_key)
        skew = per_domain[dom] + self_match - min_match
        checks.append((cluster.live & ~has_key, Code.UnschedulableAndUnresolvable, (REASON_LABEL,)))
        checks.append(
            (cluster.live & has_key & (skew > c.max_skew), Code.Unschedulable, (REASON_SKEW,))
        )
    return FilterOutcome.from_masks(NAME, cluster.size, checks)


def score(
    cluster: ReferenceCluster,
    pod: PodRequirements,
    feasible: NDArray[np.bool_],
    args: PodTopologySpreadArgs | None = None,
) -> ScoreOutcome | None:
    """Raw and normalised PodTopologySpread scores; ``None`` when PreScore skips."""
    args = args or PodTopologySpreadArgs()
    cons = constraints(cluster, pod, do_not_schedule=False, args=args)
    if not cons or cluster.num_nodes == 0:
        return None
    require_all = bool(pod.spread_constraints) or args.defaulting_type != "System"
    has_all = cluster.live.copy()
    for c in cons:
        has_all &= cluster.has_label(c.topology_key)
    eligible_nodes = has_all if require_all else cluster.live
    considered = feasible & eligible_nodes  # feasible nodes that are not ignored
    affinity_ok = required_node_affinity_mask(cluster, pod)
    untolerated = cluster.untolerated(pod.tolerations, (NO_SCHEDULE, NO_EXECUTE))
    total = np.zeros(cluster.size, dtype=np.float64)
    for c in cons:
        counts = matching_pods_per_row(cluster, pod.namespace, c.selector)
        if c.topology_key == HOSTNAME:
            weight = math.log(int(considered.sum()) + 2)
            count = counts
        else:
            dom, names = cluster.label_domains(c.topology_key)
            tracked = np.zeros(len(names), dtype=np.bool_)
            tracked[dom[considered]] = True
            weight = math.log(int(tracked.sum()) + 2)
            contributing = (
                eligible_nodes & _included(cluster, c, affinity_ok, untolerated) & tracked[dom]
            )
            per_domain = np.bincount(
                dom[contributing], weights=counts[contributing], minlength=len(names)
            )
            count = per_domain.astype(np.int64)[dom]
        term = count.astype(np.float64) * weight + float(c.max_skew - 1)
        total = total + np.where(cluster.has_label(c.topology_key), term, 0.0)
    raw = np.where(considered, go_round(total), 0).astype(np.int64)
    if not considered.any():
        return ScoreOutcome(NAME, raw, np.zeros(cluster.size, dtype=np.int64))
    lo, hi = int(raw[considered].min()), int(raw[considered].max())
    if hi == 0:
        normalized = np.full(cluster.size, MAX_NODE_SCORE, dtype=np.int64)
    else:
        normalized = MAX_NODE_SCORE * (hi + lo - raw) // hi
    normalized = np.where(considered, normalized, 0).astype(np.int64)
    return ScoreOutcome(NAME, raw, normalized)


__all__ = [
    "HOSTNAME",
    "NAME",
    "REASON_LABEL",
    "REASON_SKEW",
    "constraints",
    "default_selector",
    "filter",
    "matching_pods_per_row",
    "score",
]
