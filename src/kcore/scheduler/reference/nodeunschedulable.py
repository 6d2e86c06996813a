"""NodeUnschedulable (Filter): cordoned nodes reject pods that do not tolerate the cordon.

Formula (``nodeunschedulable/node_unschedulable.go``): a node with ``spec.unschedulable`` fails
with ``UnschedulableAndUnresolvable`` ("node(s) were unschedulable") unless one of the pod's
tolerations tolerates the taint ``node.kubernetes.io/unschedulable:NoSchedule`` (empty value).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

from kcore.scheduler.framework import Code
from kcore.scheduler.reference.pod import NO_SCHEDULE, Taint
from kcore.scheduler.reference.results import FilterOutcome

if TYPE_CHECKING:
    from kcore.scheduler.reference.cluster import ReferenceCluster
    from kcore.scheduler.reference.pod import PodRequirements

NAME: Final = "NodeUnschedulable"
REASON: Final = "node(s) were unschedulable"
UNSCHEDULABLE_TAINT: Final = Taint("node.kubernetes.io/unschedulable", "", NO_SCHEDULE)


def filter(cluster: ReferenceCluster, pod: PodRequirements) -> FilterOutcome:
    """Per-row verdict of NodeUnschedulable for ``pod``."""
    tolerated = any(t.tolerates(UNSCHEDULABLE_TAINT) for t in pod.tolerations)
    cordoned = cluster.live & (np.asarray(cluster.view.unschedulable) != 0)
    failing = cordoned & (not tolerated)
    return FilterOutcome.from_masks(
        NAME, cluster.size, [(failing, Code.UnschedulableAndUnresolvable, (REASON,))]
    )


__all__ = ["NAME", "REASON", "UNSCHEDULABLE_TAINT", "filter"]
