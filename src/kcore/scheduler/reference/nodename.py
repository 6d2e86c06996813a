"""NodeName (Filter): a pod with ``spec.nodeName`` fits only the node of that name.

Formula (``nodename/node_name.go``): when ``spec.nodeName`` is set, every node whose name differs
fails with ``UnschedulableAndUnresolvable`` ("node(s) didn't match the requested node name").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from kcore.scheduler.framework import Code
from kcore.scheduler.reference.results import FilterOutcome

if TYPE_CHECKING:
    from kcore.scheduler.reference.cluster import ReferenceCluster
    from kcore.scheduler.reference.pod import PodRequirements

NAME: Final = "NodeName"
REASON: Final = "node(s) didn't match the requested node name"


def filter(cluster: ReferenceCluster, pod: PodRequirements) -> FilterOutcome:
    """Per-row verdict of NodeName for ``pod``."""
    if not pod.node_name:
        return FilterOutcome.passing(NAME, cluster.size)
    failing = cluster.live & (cluster.names != pod.node_name)
    return FilterOutcome.from_masks(
        NAME, cluster.size, [(failing, Code.UnschedulableAndUnresolvable, (REASON,))]
    )


__all__ = ["NAME", "REASON", "filter"]
