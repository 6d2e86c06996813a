"""InterPodAffinity (PreFilter, Filter, PreScore, Score), one loop over the bound pods.

A term matches a pod when the pod's namespace is in the term's namespaces or its namespace's
labels match the term's namespace selector, and the pod's labels match the term's selector. For
the *incoming* pod's terms a non-empty namespace selector is first resolved against the known
namespaces (``mergeAffinityTermNamespacesIfNotEmpty``). Counts are kept per (topology key,
value) of the node hosting the matching pod, for nodes that carry the key.

PreFilter (``filtering.go``) builds three count maps over all nodes:

1. existing pods' required **anti**-affinity terms matching the incoming pod;
2. for the incoming pod's required **affinity** terms: every bound pod matching *all* of them
   adds 1 for each term;
3. for the incoming pod's required **anti**-affinity terms: bound pods matching each term.

It skips when map 1 is empty and the pod has no required terms. Filter, per node:

* affinity: every term's key must be on the node (else fail) with a positive count for the
  node's value, except that when map 2 is empty and the pod matches all its own terms the node
  passes (the first pod of a self-affine group) -> ``UnschedulableAndUnresolvable``;
* the pod's anti-affinity: a positive count at (term key, node value) -> ``Unschedulable``;
* existing anti-affinity: a positive count at any of the node's labels -> ``Unschedulable``.

Score (``scoring.go``): for each bound pod ``E`` on a node with labels, at (key, value of E's
node): ``+w`` per incoming preferred affinity term matched by E, ``-w`` per preferred
anti-affinity term, ``+hardPodAffinityWeight`` per required affinity term of E matched by the
incoming pod, ``+w``/``-w`` per preferred affinity/anti-affinity term of E matched by the incoming
pod. PreScore skips when nothing was recorded (or, with ``ignorePreferredTermsOfExistingPods``,
when the pod has no preferred terms). raw(node) = Σ over recorded keys the node carries of the
entry for its value. NormalizeScore: ``int64(100 * (raw - min) / (max - min))`` in float over the
feasible nodes, 0 everywhere when ``max = min``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Final

import numpy as np

from kcore.scheduler.apis.config.types import InterPodAffinityArgs
from kcore.scheduler.framework import Code
from kcore.scheduler.reference.helper import MAX_NODE_SCORE
from kcore.scheduler.reference.results import FilterOutcome, ScoreOutcome

if TYPE_CHECKING:
    from collections.abc import Iterable

    from numpy.typing import NDArray

    from kcore.scheduler.reference.cluster import ReferenceCluster
    from kcore.scheduler.reference.pod import AffinityTerm, PodRequirements

NAME: Final = "InterPodAffinity"
REASON_AFFINITY: Final = "node(s) didn't match pod affinity rules"
REASON_ANTI_AFFINITY: Final = "node(s) didn't match pod anti-affinity rules"
REASON_EXISTING_ANTI_AFFINITY: Final = "node(s) didn't satisfy existing pods anti-affinity rules"

# (topology key, topology value) -> count or weight sum.
TopologyCounts = dict[tuple[str, str], int]


def _value_of(cluster: ReferenceCluster, key: str, row: int) -> str | None:
    vid = int(cluster.label_ids(key)[row])
    return cluster.label_values(key)[vid] if vid >= 0 else None


def _add(counts: TopologyCounts, cluster: ReferenceCluster, key: str, row: int, value: int) -> None:
    """``topologyToMatchedTermCount.update``: only nodes carrying the key count."""
    tv = _value_of(cluster, key, row)
    if tv is not None:
        counts[(key, tv)] = counts.get((key, tv), 0) + value


def _positive_at(
    cluster: ReferenceCluster, counts: TopologyCounts, keys: Iterable[str]
) -> NDArray[np.bool_]:
    """Rows whose value of any of ``keys`` has a positive count."""
    hit = np.zeros(cluster.size, dtype=np.bool_)
    for key in set(keys):
        positive = {v for (k, v), n in counts.items() if k == key and n > 0}
        hit |= cluster.label_mask(key, positive.__contains__)
    return hit


def incoming_terms(
    cluster: ReferenceCluster, terms: tuple[AffinityTerm, ...]
) -> tuple[AffinityTerm, ...]:
    """The incoming pod's terms with non-empty namespace selectors resolved to namespaces."""
    return tuple(t.with_merged_namespaces(cluster.namespace_labels) for t in terms)


def prefilter_counts(
    cluster: ReferenceCluster, pod: PodRequirements
) -> tuple[TopologyCounts, TopologyCounts, TopologyCounts]:
    """``(existing anti-affinity, affinity, anti-affinity)`` counts of the PreFilter."""
    ns_labels = cluster.namespace_labels_of(pod.namespace)
    affinity = incoming_terms(cluster, pod.affinity_required)
    anti = incoming_terms(cluster, pod.anti_affinity_required)
    existing_anti: TopologyCounts = {}
    aff_counts: TopologyCounts = {}
    anti_counts: TopologyCounts = {}
    for e, row in zip(cluster.pods, cluster.pod_rows.tolist(), strict=True):
        for t in e.anti_affinity_required:
            if t.matches(pod.namespace, pod.labels, ns_labels):
                _add(existing_anti, cluster, t.topology_key, row, 1)
        if affinity and all(t.matches(e.namespace, e.labels, {}) for t in affinity):
            for t in affinity:
                _add(aff_counts, cluster, t.topology_key, row, 1)
        for t in anti:
            if t.matches(e.namespace, e.labels, {}):
                _add(anti_counts, cluster, t.topology_key, row, 1)
    return existing_anti, aff_counts, anti_counts


def filter(cluster: ReferenceCluster, pod: PodRequirements) -> FilterOutcome:
    """Per-row verdict of the InterPodAffinity filter."""
    existing_anti, aff_counts, anti_counts = prefilter_counts(cluster, pod)
    affinity = incoming_terms(cluster, pod.affinity_required)
    if not existing_anti and not affinity and not pod.anti_affinity_required:
        return FilterOutcome.passing(NAME, cluster.size)
    live = cluster.live
    all_keys = live.copy()
    pods_exist = live.copy()
    for t in affinity:
        all_keys &= cluster.has_label(t.topology_key)
        pods_exist &= _positive_at(cluster, aff_counts, [t.topology_key])
    self_affine = not aff_counts and all(t.matches(pod.namespace, pod.labels, {}) for t in affinity)
    affinity_ok = all_keys & (pods_exist | self_affine)
    anti_bad = _positive_at(
        cluster, anti_counts, [t.topology_key for t in pod.anti_affinity_required]
    )
    existing_bad = _positive_at(cluster, existing_anti, [k for k, _ in existing_anti])
    return FilterOutcome.from_masks(
        NAME,
        cluster.size,
        [
            (live & ~affinity_ok, Code.UnschedulableAndUnresolvable, (REASON_AFFINITY,)),
            (live & anti_bad, Code.Unschedulable, (REASON_ANTI_AFFINITY,)),
            (live & existing_bad, Code.Unschedulable, (REASON_EXISTING_ANTI_AFFINITY,)),
        ],
    )


def score_map(
    cluster: ReferenceCluster, pod: PodRequirements, args: InterPodAffinityArgs | None = None
) -> dict[str, dict[str, int]] | None:
    """PreScore's ``topologyScore`` (key -> value -> weight sum); ``None`` when it skips."""
    args = args or InterPodAffinityArgs()
    has_preferred = bool(pod.affinity_preferred or pod.anti_affinity_preferred)
    if args.ignore_preferred_terms_of_existing_pods and not has_preferred:
        return None
    ns_labels = cluster.namespace_labels_of(pod.namespace)
    preferred = incoming_terms(cluster, pod.affinity_preferred)
    preferred_anti = incoming_terms(cluster, pod.anti_affinity_preferred)
    topo: dict[str, dict[str, int]] = defaultdict(dict)

    def record(term: AffinityTerm, row: int, weight: int) -> None:
        tv = _value_of(cluster, term.topology_key, row)
        if tv is not None:
            topo[term.topology_key][tv] = topo[term.topology_key].get(tv, 0) + weight

    for e, row in zip(cluster.pods, cluster.pod_rows.tolist(), strict=True):
        if not cluster.node_has_labels[row]:
            continue
        for t in preferred:
            if t.matches(e.namespace, e.labels, {}):
                record(t, row, t.weight)
        for t in preferred_anti:
            if t.matches(e.namespace, e.labels, {}):
                record(t, row, -t.weight)
        if args.hard_pod_affinity_weight > 0:
            for t in e.affinity_required:
                if t.matches(pod.namespace, pod.labels, ns_labels):
                    record(t, row, args.hard_pod_affinity_weight)
        for t in e.affinity_preferred:
            if t.matches(pod.namespace, pod.labels, ns_labels):
                record(t, row, t.weight)
        for t in e.anti_affinity_preferred:
            if t.matches(pod.namespace, pod.labels, ns_labels):
                record(t, row, -t.weight)
    return dict(topo) if topo else None


def score(
    cluster: ReferenceCluster,
    pod: PodRequirements,
    feasible: NDArray[np.bool_],
    args: InterPodAffinityArgs | None = None,
) -> ScoreOutcome | None:
    """Raw and normalised InterPodAffinity scores over ``feasible``; ``None`` when skipped."""
    topo = score_map(cluster, pod, args)
    if topo is None:
        return None
    raw = np.zeros(cluster.size, dtype=np.int64)
    for key, by_value in topo.items():
        per_value = np.array(
            [by_value.get(v, 0) for v in cluster.label_values(key)] + [0], dtype=np.int64
        )
        raw += per_value[cluster.label_ids(key)]
    raw = np.where(feasible, raw, 0).astype(np.int64)
    if not feasible.any():
        return ScoreOutcome(NAME, raw, raw.copy())
    lo, hi = int(raw[feasible].min()), int(raw[feasible].max())
    diff = hi - lo
    if diff > 0:
        normalized = (float(MAX_NODE_SCORE) * ((raw - lo).astype(np.float64) / float(diff))).astype(
            np.int64
        )
    else:
        normalized = np.zeros(cluster.size, dtype=np.int64)
    return ScoreOutcome(NAME, raw, np.where(feasible, normalized, 0).astype(np.int64))


__all__ = [
    "NAME",
    "REASON_AFFINITY",
    "REASON_ANTI_AFFINITY",
    "REASON_EXISTING_ANTI_AFFINITY",
    "filter",
    "incoming_terms",
    "prefilter_counts",
    "score",
    "score_map",
]
