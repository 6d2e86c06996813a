"""TaintToleration (Filter, Score): taints repel pods that do not tolerate them.

Filter (``tainttoleration/taint_toleration.go``): a node carrying a ``NoSchedule`` or
``NoExecute`` taint that none of the pod's tolerations tolerates fails with
``UnschedulableAndUnresolvable`` ("node(s) had untolerated taint(s)", v1.35's generic reason).

Score: raw(node) = number of the node's ``PreferNoSchedule`` taints not tolerated by the pod's
tolerations whose effect is empty or ``PreferNoSchedule``. NormalizeScore is the reversed default
normalisation over the feasible nodes: with ``M = max raw``, ``100 - 100 * raw / M``; all 100
when ``M = 0``.

A toleration tolerates a taint when its effect is empty or equal, its key is empty or equal, and
its operator is ``Exists`` or (``Equal``) its value equals the taint's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from kcore.scheduler.framework import Code
from kcore.scheduler.reference.helper import default_normalize_score
from kcore.scheduler.reference.pod import NO_EXECUTE, NO_SCHEDULE, PREFER_NO_SCHEDULE
from kcore.scheduler.reference.results import FilterOutcome, ScoreOutcome

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from kcore.scheduler.reference.cluster import ReferenceCluster
    from kcore.scheduler.reference.pod import PodRequirements

NAME: Final = "TaintToleration"
REASON: Final = "node(s) had untolerated taint(s)"


def filter(cluster: ReferenceCluster, pod: PodRequirements) -> FilterOutcome:
    """Per-row verdict of the TaintToleration filter for ``pod``."""
    failing = cluster.live & cluster.untolerated(pod.tolerations, (NO_SCHEDULE, NO_EXECUTE))
    return FilterOutcome.from_masks(
        NAME, cluster.size, [(failing, Code.UnschedulableAndUnresolvable, (REASON,))]
    )


def score(
    cluster: ReferenceCluster, pod: PodRequirements, feasible: NDArray[np.bool_]
) -> ScoreOutcome:
    """Raw and normalised TaintToleration scores over ``feasible`` (never skipped)."""
    prefer = [t for t in pod.tolerations if t.effect in ("", PREFER_NO_SCHEDULE)]
    intolerable = [
        t.effect == PREFER_NO_SCHEDULE and not any(tl.tolerates(t) for tl in prefer)
        for t in cluster.taints
    ]
    raw = cluster.taint_count(intolerable)
    raw[~feasible] = 0
    return ScoreOutcome(NAME, raw, default_normalize_score(raw, feasible, reverse=True))


__all__ = ["NAME", "REASON", "filter", "score"]
