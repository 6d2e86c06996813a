"""NodeResourcesFit (Filter, Score) and NodeResourcesBalancedAllocation (Score).

Filter (``noderesources/fit.go``, ``fitsRequest``), per node, with the pod's effective requests
(:func:`~kcore.scheduler.reference.pod.pod_requests`) and the node's *actual* requested sums:

* "Too many pods" when ``pods on the node + 1 > allocatable pods`` (checked for every pod);
* for cpu, memory, ephemeral-storage, then each scalar resource (sorted by name; extended
  resources listed in ``ignoredResources``/``ignoredResourceGroups`` skipped) with a non-zero
  request: "Insufficient <name>" when ``request > allocatable - requested``.

The node fails with every reason found; the code is ``UnschedulableAndUnresolvable`` when some
insufficient request also exceeds the node's total allocatable (preemption cannot help), else
``Unschedulable``.

Score inputs per configured resource ``r`` (``resource_allocation.go``): ``alloc_r`` the node's
allocatable and ``req_r = node requested + pod request``, where LeastAllocated, MostAllocated
and RequestedToCapacityRatio use the *non-zero* cpu/memory requests (100m / 200Mi defaults) and
BalancedAllocation the actual ones; a scalar resource the pod does not request and any resource
with ``alloc_r = 0`` is left out of the node's score.

* LeastAllocated: ``s_r = (alloc - req) * 100 / alloc`` (0 when ``req > alloc``);
  score = ``Σ s_r w_r / Σ w_r`` (integer division, 0 without resources).
* MostAllocated: ``s_r = min(req, alloc) * 100 / alloc``; same weighted mean.
* RequestedToCapacityRatio: ``u_r = req * 100 / alloc`` (100 when ``req > alloc``), ``s_r``
  the broken-linear shape at ``u_r`` (shape scores *10, Go's truncating division); only
  resources with ``s_r > 0`` enter ``math.Round(Σ s_r w_r / Σ w_r)``.
* BalancedAllocation: ``f_r = min(1, req / alloc)`` (float); ``std = |f_1 - f_2| / 2`` for two
  resources, the population standard deviation for more, 0 for one;
  score = ``int64((1 - std) * 100)``. PreScore skips pods requesting none of the resources.

None of these has a NormalizeScore.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

from kcore.scheduler.apis.config.types import (
    NodeResourcesBalancedAllocationArgs,
    NodeResourcesFitArgs,
)
from kcore.scheduler.framework import Code
from kcore.scheduler.reference.helper import MAX_NODE_SCORE, go_div, go_round
from kcore.scheduler.reference.pod import is_extended_resource, is_scalar_resource
from kcore.scheduler.reference.results import FilterOutcome, ScoreOutcome

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

    from kcore.scheduler.apis.config.types import ResourceSpec
    from kcore.scheduler.reference.cluster import ReferenceCluster
    from kcore.scheduler.reference.pod import PodRequirements

NAME: Final = "NodeResourcesFit"
BALANCED_NAME: Final = "NodeResourcesBalancedAllocation"
REASON_TOO_MANY_PODS: Final = "Too many pods"
MAX_CUSTOM_PRIORITY_SCORE: Final = 10  # RequestedToCapacityRatio shape scores are 0..10


def _column(cluster: ReferenceCluster, table: str, resource: str) -> NDArray[np.int64]:
    cols = cluster.view.allocatable if table == "allocatable" else cluster.view.requested
    col = cols.get(resource)
    if col is None:  # no node or pod ever mentioned the resource
        return np.zeros(cluster.size, dtype=np.int64)
    return np.asarray(col, dtype=np.int64)


def _ignored(resource: str, args: NodeResourcesFitArgs) -> bool:
    if not is_extended_resource(resource):
        return False
    group = resource.split("/", 1)[0]
    return resource in args.ignored_resources or group in args.ignored_resource_groups


# --- Filter ------------------------------------------------------------------------------
def fit_filter(
    cluster: ReferenceCluster, pod: PodRequirements, args: NodeResourcesFitArgs | None = None
) -> FilterOutcome:
    """Per-row verdict of the NodeResourcesFit filter, with every reason of a failing node."""
    args = args or NodeResourcesFitArgs()
    view = cluster.view
    checked = [r for r in ("cpu", "memory", "ephemeral-storage") if pod.request(r) > 0]
    checked += sorted(
        r
        for r, v in pod.requests.items()
        if v > 0 and is_scalar_resource(r) and not _ignored(r, args)
    )
    reasons = [REASON_TOO_MANY_PODS] + [f"Insufficient {r}" for r in checked]
    # failing[k]: rows failing check k; bit k of `mask` encodes it (check 0 = pod count).
    pods_alloc = _column(cluster, "allocatable", "pods")
    failing = [np.asarray(view.pod_count, dtype=np.int64) + 1 > pods_alloc]
    unresolvable = np.zeros(cluster.size, dtype=np.bool_)
    for r in checked:
        alloc = _column(cluster, "allocatable", r)
        insufficient = pod.request(r) > alloc - _column(cluster, "requested", r)
        failing.append(insufficient)
        unresolvable |= insufficient & (pod.request(r) > alloc)
    mask = np.zeros(cluster.size, dtype=np.int64)
    for k, f in enumerate(failing):
        mask |= f.astype(np.int64) << k
    mask[~cluster.live] = 0
    codes = np.where(unresolvable, int(Code.UnschedulableAndUnresolvable), int(Code.Unschedulable))
    codes = np.where(mask != 0, codes, 0).astype(np.uint8)
    # One reason set per distinct failing mask, in mask order (masks are small: one bit per
    # check, so a lookup table indexed by mask replaces a sort).
    if mask.max(initial=0) < 1 << 16:
        distinct = np.flatnonzero(np.bincount(mask))
    else:
        distinct = np.unique(mask)
    distinct = distinct[distinct != 0]
    reason_sets = tuple(
        tuple(reasons[k] for k in range(len(reasons)) if (int(m) >> k) & 1) for m in distinct
    )
    reason_ids = np.full(cluster.size, -1, dtype=np.int16)
    failing_rows = mask != 0
    reason_ids[failing_rows] = np.searchsorted(distinct, mask[failing_rows])
    return FilterOutcome(NAME, codes, reason_ids, reason_sets)


# --- Score inputs ------------------------------------------------------------------------
def allocatable_requested(
    cluster: ReferenceCluster, pod: PodRequirements, resource: str, *, use_requested: bool
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``calculateResourceAllocatableRequest`` for every row: ``(alloc, req)``.

    ``alloc`` is 0 (the resource is left out) for a scalar the pod does not request and for
    ``pods``; ``req`` adds the pod's request (non-zero variant unless ``use_requested``).
    """
    pod_req = pod.request(resource, nonzero=not use_requested)
    zeros = np.zeros(cluster.size, dtype=np.int64)
    if resource == "pods" or (pod_req == 0 and is_scalar_resource(resource)):
        return zeros, zeros
    if resource not in ("cpu", "memory", "ephemeral-storage") and not is_scalar_resource(resource):
        return zeros, zeros
    alloc = _column(cluster, "allocatable", resource)
    if not use_requested and resource == "cpu":
        used = np.asarray(cluster.view.nonzero_requested_cpu, dtype=np.int64)
    elif not use_requested and resource == "memory":
        used = np.asarray(cluster.view.nonzero_requested_memory, dtype=np.int64)
    else:
        used = _column(cluster, "requested", resource)
    return alloc, used + pod_req


def _broken_linear(shape: Sequence[tuple[int, int]], p: NDArray[np.int64]) -> NDArray[np.int64]:
    """``helper.BuildBrokenLinearFunction``: the first point with ``p <= utilisation`` decides;
    before the first point its score, past the last point the last score."""
    utils = np.array([u for u, _ in shape], dtype=np.int64)
    scores = np.array([s for _, s in shape], dtype=np.int64)
    i = np.searchsorted(utils, p, side="left")  # first i with p <= utils[i]
    out = np.where(i >= len(shape), scores[-1], scores[0]).astype(np.int64)
    mid = (i > 0) & (i < len(shape))
    lo = np.clip(i - 1, 0, len(shape) - 1)
    hi = np.clip(i, 0, len(shape) - 1)
    du = np.where(mid, utils[hi] - utils[lo], 1)
    interp = scores[lo] + go_div((scores[hi] - scores[lo]) * (p - utils[lo]), du)
    return np.where(mid, interp, out).astype(np.int64)


def fit_score(
    cluster: ReferenceCluster,
    pod: PodRequirements,
    feasible: NDArray[np.bool_],
    args: NodeResourcesFitArgs | None = None,
) -> ScoreOutcome:
    """NodeResourcesFit score (LeastAllocated, MostAllocated or RequestedToCapacityRatio)."""
    args = args or NodeResourcesFitArgs()
    strategy = args.scoring_strategy
    shape = [
        (p.utilization, p.score * (MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE))
        for p in strategy.shape
    ]
    node_score = np.zeros(cluster.size, dtype=np.int64)
    weight_sum = np.zeros(cluster.size, dtype=np.int64)
    for res in strategy.resources:
        alloc, req = allocatable_requested(cluster, pod, res.name, use_requested=False)
        used = alloc != 0
        safe = np.where(used, alloc, 1)
        if strategy.type == "LeastAllocated":
            s = np.where(req > alloc, 0, (alloc - req) * MAX_NODE_SCORE // safe)
        elif strategy.type == "MostAllocated":
            s = np.minimum(req, alloc) * MAX_NODE_SCORE // safe
        else:
            util = np.where(req > alloc, 100, req * 100 // safe)
            s = _broken_linear(shape, util)
            used &= s > 0
        node_score += np.where(used, s * res.weight, 0)
        weight_sum += np.where(used, res.weight, 0)
    has = weight_sum > 0
    safe_sum = np.where(has, weight_sum, 1)
    if strategy.type == "RequestedToCapacityRatio":
        raw = go_round(node_score.astype(np.float64) / safe_sum.astype(np.float64))
    else:
        raw = node_score // safe_sum
    raw = np.where(has & feasible, raw, 0).astype(np.int64)
    return ScoreOutcome(NAME, raw, raw.copy())


def balanced_allocation_score(
    cluster: ReferenceCluster,
    pod: PodRequirements,
    feasible: NDArray[np.bool_],
    args: NodeResourcesBalancedAllocationArgs | None = None,
) -> ScoreOutcome | None:
    """NodeResourcesBalancedAllocation score; ``None`` for best-effort pods (PreScore skips)."""
    resources: Sequence[ResourceSpec] = (args or NodeResourcesBalancedAllocationArgs()).resources
    if all(pod.request(r.name) == 0 for r in resources):
        return None
    n = cluster.size
    fractions, included = [], []
    for res in resources:
        alloc, req = allocatable_requested(cluster, pod, res.name, use_requested=True)
        inc = alloc != 0
        f = np.minimum(1.0, req.astype(np.float64) / np.where(inc, alloc, 1).astype(np.float64))
        fractions.append(f)
        included.append(inc)
    count = np.sum(included, axis=0) if included else np.zeros(n, dtype=np.int64)
    # The first two included fractions (for the two-resource formula), and the running total.
    first = np.zeros(n)
    second = np.zeros(n)
    seen = np.zeros(n, dtype=np.int64)
    total = np.zeros(n)
    for f, inc in zip(fractions, included, strict=True):
        first = np.where(inc & (seen == 0), f, first)
        second = np.where(inc & (seen == 1), f, second)
        seen += inc
        total = total + np.where(inc, f, 0.0)
    std = np.where(count == 2, np.abs((first - second) / 2), 0.0)
    if len(resources) > 2:
        mean = total / np.maximum(count, 1)
        sq = np.zeros(n)
        for f, inc in zip(fractions, included, strict=True):
            sq = sq + np.where(inc, (f - mean) * (f - mean), 0.0)
        std = np.where(count > 2, np.sqrt(sq / np.maximum(count, 1)), std)
    raw = ((1 - std) * float(MAX_NODE_SCORE)).astype(np.int64)
    raw = np.where(feasible, raw, 0).astype(np.int64)
    return ScoreOutcome(BALANCED_NAME, raw, raw.copy())


__all__ = [
    "BALANCED_NAME",
    "NAME",
    "REASON_TOO_MANY_PODS",
    "allocatable_requested",
    "balanced_allocation_score",
    "fit_filter",
    "fit_score",
]
