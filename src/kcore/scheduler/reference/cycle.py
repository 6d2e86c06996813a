"""One scheduling cycle composed from the per-plugin references (what ``Scheduler.explain``
reports, without preemption).

1. PreFilter: NodeAffinity may reject the pod outright (conflicting ``metadata.name`` terms:
   every node fails with it) or narrow the evaluated nodes to a PreFilterResult (the others fail
   with "node(s) didn't satisfy plugin(s) [NodeAffinity]").
2. Filters in profile order; the first plugin that rejects a node decides its failure
   (plugin, code, reasons). Volume plugins and DynamicResources pass (kcore has no volumes or
   resource claims).
3. Nothing feasible: no scores. One feasible node: chosen without scoring. Otherwise PreScore
   runs first: NodeAffinity's fails the cycle (``error``, the Error status's message) when a
   preferred term of the pod does not parse. Then every score plugin in profile order whose
   PreScore does not skip is evaluated over the feasible nodes (VolumeBinding always skips,
   DynamicResources scores 0), then totals, the top set and the tie-break
   (:mod:`kcore.scheduler.reference.selection`).

Only whole-node evaluation is modelled (``percentage_of_nodes_to_score`` must be ``None``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from kcore.scheduler.apis.config.types import (
    InterPodAffinityArgs,
    NodeAffinityArgs,
    NodeResourcesBalancedAllocationArgs,
    NodeResourcesFitArgs,
    PodTopologySpreadArgs,
    ResolvedProfile,
)
from kcore.scheduler.framework import Code
from kcore.scheduler.reference import (
    imagelocality,
    interpodaffinity,
    nodeaffinity,
    nodename,
    nodeports,
    noderesources,
    nodeunschedulable,
    podtopologyspread,
    tainttoleration,
)
from kcore.scheduler.reference.pod import PodRequirements, compile_pod
from kcore.scheduler.reference.results import FilterOutcome, ScoreOutcome
from kcore.scheduler.reference.selection import TieBreaker, select_host, top_rows, weighted_total

if TYPE_CHECKING:
    from collections.abc import Mapping

    from numpy.typing import NDArray

    from kcore.scheduler.reference.cluster import ReferenceCluster

PASSING_FILTERS = frozenset(
    {"VolumeRestrictions", "NodeVolumeLimits", "VolumeBinding", "VolumeZone", "DynamicResources"}
)


@dataclass(frozen=True, slots=True)
class PluginArgs:
    """The plugin arguments the references read, taken from a resolved profile."""

    fit: NodeResourcesFitArgs = field(default_factory=NodeResourcesFitArgs)
    balanced: NodeResourcesBalancedAllocationArgs = field(
        default_factory=NodeResourcesBalancedAllocationArgs
    )
    spread: PodTopologySpreadArgs = field(default_factory=PodTopologySpreadArgs)
    interpod: InterPodAffinityArgs = field(default_factory=InterPodAffinityArgs)
    added_affinity: nodeaffinity.AddedAffinity | None = None

    @classmethod
    def from_profile(cls, profile: ResolvedProfile) -> PluginArgs:
        a = profile.plugin_args
        fit, bal = a.get("NodeResourcesFit"), a.get("NodeResourcesBalancedAllocation")
        spread, ipa, na = (
            a.get("PodTopologySpread"),
            a.get("InterPodAffinity"),
            a.get("NodeAffinity"),
        )
        return cls(
            fit=fit if isinstance(fit, NodeResourcesFitArgs) else NodeResourcesFitArgs(),
            balanced=bal
            if isinstance(bal, NodeResourcesBalancedAllocationArgs)
            else NodeResourcesBalancedAllocationArgs(),
            spread=spread if isinstance(spread, PodTopologySpreadArgs) else PodTopologySpreadArgs(),
            interpod=ipa if isinstance(ipa, InterPodAffinityArgs) else InterPodAffinityArgs(),
            added_affinity=nodeaffinity.AddedAffinity.from_dict(na.added_affinity)
            if isinstance(na, NodeAffinityArgs)
            else None,
        )


FILTER_PLUGINS: Final = (
    "NodeUnschedulable",
    "NodeName",
    "TaintToleration",
    "NodeAffinity",
    "NodePorts",
    "NodeResourcesFit",
    "PodTopologySpread",
    "InterPodAffinity",
)
"""Native filter plugins with a reference (the volume plugins and DynamicResources pass)."""

SCORE_PLUGINS: Final = (
    "TaintToleration",
    "NodeAffinity",
    "NodeResourcesFit",
    "PodTopologySpread",
    "InterPodAffinity",
    "NodeResourcesBalancedAllocation",
    "ImageLocality",
)
"""Native score plugins with a reference (VolumeBinding skips, DynamicResources scores 0)."""


def run_filter(
    name: str, cluster: ReferenceCluster, pod: PodRequirements, args: PluginArgs
) -> FilterOutcome:
    """The reference filter of the native plugin ``name`` over every row.

    Raises
    ------
    NotImplementedError
        For a plugin without a reference (a Python plugin).
    """
    match name:
        case "NodeUnschedulable":
            return nodeunschedulable.filter(cluster, pod)
        case "NodeName":
            return nodename.filter(cluster, pod)
        case "TaintToleration":
            return tainttoleration.filter(cluster, pod)
        case "NodeAffinity":
            return nodeaffinity.filter(cluster, pod, args.added_affinity)
        case "NodePorts":
            return nodeports.filter(cluster, pod)
        case "NodeResourcesFit":
            return noderesources.fit_filter(cluster, pod, args.fit)
        case "PodTopologySpread":
            return podtopologyspread.filter(cluster, pod, args.spread)
        case "InterPodAffinity":
            return interpodaffinity.filter(cluster, pod)
        case _ if name in PASSING_FILTERS:
            return FilterOutcome.passing(name, cluster.size)
    msg = f"no reference for filter plugin {name!r}"
    raise NotImplementedError(msg)


def run_score(
    name: str,
    cluster: ReferenceCluster,
    pod: PodRequirements,
    feasible: NDArray[np.bool_],
    args: PluginArgs,
) -> ScoreOutcome | None:
    """The reference score of the native plugin ``name`` (``None``: its PreScore skips).

    Raises
    ------
    NotImplementedError
        For a plugin without a reference (a Python plugin).
    """
    match name:
        case "TaintToleration":
            return tainttoleration.score(cluster, pod, feasible)
        case "NodeAffinity":
            return nodeaffinity.score(cluster, pod, feasible, args.added_affinity)
        case "NodeResourcesFit":
            return noderesources.fit_score(cluster, pod, feasible, args.fit)
        case "NodeResourcesBalancedAllocation":
            return noderesources.balanced_allocation_score(cluster, pod, feasible, args.balanced)
        case "ImageLocality":
            return imagelocality.score(cluster, pod, feasible)
        case "PodTopologySpread":
            return podtopologyspread.score(cluster, pod, feasible, args.spread)
        case "InterPodAffinity":
            return interpodaffinity.score(cluster, pod, feasible, args.interpod)
        case "VolumeBinding":
            return None
        case "DynamicResources":
            zeros = np.zeros(cluster.size, dtype=np.int64)
            return ScoreOutcome(name, zeros, zeros.copy())
    msg = f"no reference for score plugin {name!r}"
    raise NotImplementedError(msg)


@dataclass(frozen=True, slots=True)
class CycleOutcome:
    """Everything one reference cycle computed.

    ``failures`` maps each rejected row to (plugin, code, reasons); ``scores`` lists the score
    plugins that ran, in profile order, with their weights; ``totals`` and ``top`` are empty
    unless at least two nodes were feasible; ``chosen`` is the picked row (``None`` when nothing
    fits, no generator was given or PreScore failed). ``error`` is the message of a failed
    PreScore (the cycle's Error status), else ``None``. ``unschedulable_plugins`` is the
    Diagnosis set when nothing fits: the plugin of every failure (the PreFilter rejection's
    included) and NodeAffinity when its PreFilterResult narrowed the nodes; empty otherwise.
    """

    feasible: NDArray[np.bool_]
    failures: Mapping[int, tuple[str, Code, tuple[str, ...]]]
    prefilter_rejected: bool
    prefilter_result: frozenset[str] | None
    scores: tuple[tuple[ScoreOutcome, int], ...]
    totals: NDArray[np.int64]
    top: NDArray[np.int64]
    chosen: int | None
    error: str | None = None
    unschedulable_plugins: frozenset[str] = frozenset()


def run_cycle(
    cluster: ReferenceCluster,
    pod: PodRequirements | Mapping[str, Any],
    profile: ResolvedProfile,
    *,
    seed: int | None = None,
) -> CycleOutcome:
    """Evaluate ``pod`` against ``cluster`` with ``profile`` (see the module docstring).

    ``seed`` gives the tie-breaking generator's seed (the first draw of a fresh scheduler);
    without it ``chosen`` is only set when a single node is feasible.

    Raises
    ------
    NotImplementedError
        For node sampling or a plugin without a reference (a Python plugin).
    """
    if profile.percentage_of_nodes_to_score is not None:
        msg = "the reference cycle evaluates every node (percentage_of_nodes_to_score=None)"
        raise NotImplementedError(msg)
    req = pod if isinstance(pod, PodRequirements) else compile_pod(pod)
    args = PluginArgs.from_profile(profile)
    live = cluster.live
    failures: dict[int, tuple[str, Code, tuple[str, ...]]] = {}
    candidates = live.copy()
    pre_result: frozenset[str] | None = None
    if "NodeAffinity" in profile.filters:
        pre = nodeaffinity.prefilter(req, args.added_affinity)
        if pre.conflict:
            why = (
                nodeaffinity.NAME,
                Code.UnschedulableAndUnresolvable,
                (nodeaffinity.REASON_CONFLICT,),
            )
            failures = {int(r): why for r in np.flatnonzero(live)}
            empty = np.zeros(cluster.size, dtype=np.bool_)
            return CycleOutcome(
                empty,
                failures,
                True,
                None,
                (),
                np.zeros(0, np.int64),
                np.zeros(0, np.int64),
                None,
                unschedulable_plugins=frozenset({nodeaffinity.NAME}),
            )
        if pre.node_names is not None:
            pre_result = pre.node_names
            inside = np.isin(cluster.names, list(pre.node_names))
            why = (
                nodeaffinity.NAME,
                Code.UnschedulableAndUnresolvable,
                (nodeaffinity.REASON_PREFILTER_RESULT,),
            )
            for r in np.flatnonzero(live & ~inside):
                failures[int(r)] = why
            candidates &= inside
    for name in profile.filters:
        outcome = run_filter(name, cluster, req, args)
        rejected = candidates & ~outcome.passed
        for r in np.flatnonzero(rejected):
            failures[int(r)] = (name, Code(int(outcome.codes[r])), outcome.reasons_of(int(r)))
        candidates &= ~rejected
    feasible = candidates
    rng = TieBreaker(seed) if seed is not None else None
    n_feasible = int(feasible.sum())
    if n_feasible < 2:
        chosen = int(np.flatnonzero(feasible)[0]) if n_feasible == 1 else None
        rejectors: frozenset[str] = frozenset()
        if n_feasible == 0:
            rejectors = frozenset(p for p, _, _ in failures.values())
            if pre_result is not None:
                rejectors |= {nodeaffinity.NAME}
        return CycleOutcome(
            feasible,
            failures,
            False,
            pre_result,
            (),
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            chosen,
            unschedulable_plugins=rejectors,
        )
    if any(name == nodeaffinity.NAME for name, _ in profile.scores):
        error = nodeaffinity.prescore_error(req)
        if error is not None:
            empty_scores = np.zeros(0, np.int64)
            return CycleOutcome(
                feasible, failures, False, pre_result, (), empty_scores, empty_scores, None, error
            )
    ran: list[tuple[ScoreOutcome, int]] = []
    for name, weight in profile.scores:
        score = run_score(name, cluster, req, feasible, args)
        if score is not None:
            ran.append((score, int(weight)))
    totals = weighted_total(ran, feasible)
    top = top_rows(totals, feasible)
    chosen = select_host(totals, feasible, rng) if rng is not None else None
    return CycleOutcome(feasible, failures, False, pre_result, tuple(ran), totals, top, chosen)


__all__ = [
    "FILTER_PLUGINS",
    "PASSING_FILTERS",
    "SCORE_PLUGINS",
    "CycleOutcome",
    "PluginArgs",
    "run_cycle",
    "run_filter",
    "run_score",
]
