"""NodeAffinity (PreFilter, Filter, Score): ``nodeSelector`` and node affinity.

Required part (``nodeaffinity.GetRequiredNodeAffinity``): a node matches when every
``nodeSelector`` entry equals its label **and** (if the pod sets required node affinity) at least
one non-empty ``nodeSelectorTerm`` matches; terms are ORed, a term's expressions and fields ANDed,
empty terms dropped, no terms left matches nothing, a term that does not parse matches nothing.
Label operators: ``In`` (present, value listed), ``NotIn`` (absent or value not listed),
``Exists``, ``DoesNotExist``, ``Gt``/``Lt`` (both sides parse as int64, strict comparison).
Fields: ``metadata.name In|NotIn [name]``.

PreFilter (``node_affinity.go``): Skip without nodeSelector, required affinity and profile-level
``addedAffinity``. When **every** required term has a ``metadata.name In`` field, the union over
terms of the intersection of their name sets is a PreFilterResult (only those nodes are
evaluated); an empty union rejects the pod (``UnschedulableAndUnresolvable``, "pod affinity
terms conflict").

Filter: ``addedAffinity``'s required selector first ("node(s) didn't match scheduler-enforced
node affinity"), then the pod's ("node(s) didn't match Pod's node affinity/selector"); both
``UnschedulableAndUnresolvable``.

Score: raw = Σ weights of the matching preferred terms (profile-level added terms first; terms
with weight 0 or no requirements are ignored). NormalizeScore: ``100 * raw / max raw`` over the
feasible nodes (0 everywhere when the maximum is 0). PreScore skips when the pod has no
``preferredDuringScheduling...`` list and the profile adds none, and fails when one of the pod's
preferred terms does not parse (``NewPreferredSchedulingTerms``: every error of every term, paths
``[i].matchExpressions[j]...``): the framework fails the cycle with an Error status,
``running PreScore plugin "NodeAffinity": <errors>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from kcore.scheduler.framework import Code
from kcore.scheduler.reference.helper import default_normalize_score
from kcore.scheduler.reference.results import FilterOutcome, ScoreOutcome
from kcore.scheduler.reference.selectors import (
    DOES_NOT_EXIST,
    EXISTS,
    GT,
    IN,
    NOT_IN,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PreferredSchedulingTerm,
    go_aggregate,
    parse_int64,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from numpy.typing import NDArray

    from kcore.scheduler.reference.cluster import ReferenceCluster
    from kcore.scheduler.reference.pod import PodRequirements

NAME: Final = "NodeAffinity"
REASON_POD: Final = "node(s) didn't match Pod's node affinity/selector"
REASON_ENFORCED: Final = "node(s) didn't match scheduler-enforced node affinity"
REASON_CONFLICT: Final = "pod affinity terms conflict"
REASON_PREFILTER_RESULT: Final = "node(s) didn't satisfy plugin(s) [NodeAffinity]"


@dataclass(frozen=True, slots=True)
class AddedAffinity:
    """``NodeAffinityArgs.addedAffinity``: profile-level required and preferred terms."""

    required: tuple[NodeSelectorTerm, ...] | None = None
    preferred: tuple[PreferredSchedulingTerm, ...] = ()

    @classmethod
    def from_dict(cls, affinity: Mapping[str, Any] | None) -> AddedAffinity | None:
        """Parse a ``v1.NodeAffinity`` mapping (``None`` when the profile adds nothing)."""
        if not affinity:
            return None
        req = affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
        pref = affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or ()
        return cls(
            None
            if req is None
            else tuple(NodeSelectorTerm.from_dict(t) for t in req.get("nodeSelectorTerms") or ()),
            tuple(
                PreferredSchedulingTerm(
                    int(p.get("weight", 0)), NodeSelectorTerm.from_dict(p.get("preference"))
                )
                for p in pref
            ),
        )


# --- column evaluation -------------------------------------------------------------------
def _label_predicate(req: NodeSelectorRequirement) -> Any:
    values = set(req.values)
    if req.operator == IN:
        return lambda v: v is not None and v in values
    if req.operator == NOT_IN:
        return lambda v: v is None or v not in values
    if req.operator == EXISTS:
        return lambda v: v is not None
    if req.operator == DOES_NOT_EXIST:
        return lambda v: v is None
    bound = parse_int64(req.values[0])

    def compare(v: str | None) -> bool:
        n = None if v is None else parse_int64(v)
        if n is None or bound is None:
            return False
        return n > bound if req.operator == GT else n < bound

    return compare


def _equals(want: str) -> Callable[[str | None], bool]:
    return lambda v: v == want


def term_mask(cluster: ReferenceCluster, term: NodeSelectorTerm) -> NDArray[np.bool_]:
    """Rows matching one node selector term (nothing when the term does not parse)."""
    if term.parse_error:
        return np.zeros(cluster.size, dtype=np.bool_)
    mask = cluster.live.copy()
    for req in term.expressions:
        mask &= cluster.label_mask(req.key, _label_predicate(req))
    for f in term.fields:
        # Nodes carry one field, metadata.name; other keys read as "" (fields.Set lookups).
        if f.key == "metadata.name":
            same = cluster.names == f.values[0]
        else:
            same = np.full(cluster.size, f.values[0] == "", dtype=np.bool_)
        mask &= same if f.operator == IN else ~same
    return mask


def node_selector_mask(
    cluster: ReferenceCluster, terms: tuple[NodeSelectorTerm, ...]
) -> NDArray[np.bool_]:
    """Rows matching a ``v1.NodeSelector``: any non-empty term matches (no terms: none)."""
    mask = np.zeros(cluster.size, dtype=np.bool_)
    for term in terms:
        if not term.is_empty:
            mask |= term_mask(cluster, term)
    return mask


def required_node_affinity_mask(
    cluster: ReferenceCluster, pod: PodRequirements
) -> NDArray[np.bool_]:
    """Rows matching the pod's ``nodeSelector`` and required node affinity."""
    mask = cluster.live.copy()
    for key, value in (pod.node_selector or {}).items():
        mask &= cluster.label_mask(key, _equals(value))
    if pod.required_node_affinity is not None:
        mask &= node_selector_mask(cluster, pod.required_node_affinity)
    return mask


# --- PreFilter ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PreFilterResult:
    """NodeAffinity's PreFilter outcome: ``skip``, ``conflict`` or the allowed ``node_names``."""

    skip: bool = False
    conflict: bool = False
    node_names: frozenset[str] | None = None  # None: every node is evaluated


def prefilter(pod: PodRequirements, added: AddedAffinity | None = None) -> PreFilterResult:
    """Skip, reject (conflicting ``metadata.name`` terms) or narrow the evaluated nodes."""
    no_required = pod.required_node_affinity is None
    if no_required and pod.node_selector is None and (added is None or added.required is None):
        return PreFilterResult(skip=True)
    terms = pod.required_node_affinity
    if not terms:
        return PreFilterResult()
    names: set[str] = set()
    for term in terms:
        term_names: set[str] | None = None
        for f in term.fields:
            if f.key == "metadata.name" and f.operator == IN:
                term_names = set(f.values) if term_names is None else term_names & set(f.values)
        if term_names is None:  # one term without a name field: all nodes are eligible
            return PreFilterResult()
        names |= term_names
    if not names:
        return PreFilterResult(conflict=True)
    return PreFilterResult(node_names=frozenset(names))


# --- Filter and Score --------------------------------------------------------------------
def filter(
    cluster: ReferenceCluster, pod: PodRequirements, added: AddedAffinity | None = None
) -> FilterOutcome:
    """Per-row verdict of the NodeAffinity filter (every node is evaluated; a PreFilterResult
    is the framework's business, see :mod:`kcore.scheduler.reference.cycle`)."""
    checks = []
    if added is not None and added.required is not None:
        enforced = node_selector_mask(cluster, added.required)
        checks.append(
            (cluster.live & ~enforced, Code.UnschedulableAndUnresolvable, (REASON_ENFORCED,))
        )
    pod_ok = required_node_affinity_mask(cluster, pod)
    checks.append((cluster.live & ~pod_ok, Code.UnschedulableAndUnresolvable, (REASON_POD,)))
    return FilterOutcome.from_masks(NAME, cluster.size, checks)


class PreScoreError(ValueError):
    """NodeAffinity's PreScore failed: the message is the framework's (the cycle's Error)."""


def prescore_error(pod: PodRequirements) -> str | None:
    """The cycle's error message when a preferred term of the pod does not parse, else None.

    ``NewPreferredSchedulingTerms`` skips terms of weight 0 or without requirements, collects
    every parse error of the others, and the framework wraps the aggregate:
    ``running PreScore plugin "NodeAffinity": <errors>``.
    """
    errs: list[str] = []
    for i, pt in enumerate(pod.preferred_node_affinity or ()):
        if pt.weight != 0 and not pt.term.is_empty:
            errs.extend(pt.term.errors(f"[{i}]"))
    if not errs:
        return None
    return f'running PreScore plugin "{NAME}": {go_aggregate(errs)}'


def score(
    cluster: ReferenceCluster,
    pod: PodRequirements,
    feasible: NDArray[np.bool_],
    added: AddedAffinity | None = None,
) -> ScoreOutcome | None:
    """Raw and normalised NodeAffinity scores over ``feasible``; ``None`` when PreScore skips.

    Raises
    ------
    PreScoreError
        If a preferred term of the pod does not parse (kube-scheduler's PreScore fails the
        cycle); the message is :func:`prescore_error`'s.
    """
    added_terms = added.preferred if added is not None else ()
    if pod.preferred_node_affinity is None and not added_terms:
        return None
    if (err := prescore_error(pod)) is not None:
        raise PreScoreError(err)
    raw = np.zeros(cluster.size, dtype=np.int64)
    for pt in (*added_terms, *(pod.preferred_node_affinity or ())):
        if pt.weight == 0 or pt.term.is_empty:
            continue
        raw += np.where(term_mask(cluster, pt.term), pt.weight, 0)
    raw[~feasible] = 0
    return ScoreOutcome(NAME, raw, default_normalize_score(raw, feasible, reverse=False))


__all__ = [
    "NAME",
    "REASON_CONFLICT",
    "REASON_ENFORCED",
    "REASON_POD",
    "REASON_PREFILTER_RESULT",
    "AddedAffinity",
    "PreFilterResult",
    "PreScoreError",
    "filter",
    "node_selector_mask",
    "prefilter",
    "prescore_error",
    "required_node_affinity_mask",
    "score",
    "term_mask",
]
