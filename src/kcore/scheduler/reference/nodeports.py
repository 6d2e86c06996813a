"""NodePorts (PreFilter, Filter): host ports already in use on a node.

PreFilter skips pods without host ports. Ports are the ``hostPort > 0`` entries of the regular
containers and of restartable (sidecar) init containers (``schedutil.GetHostPorts``), with an
empty ``hostIP`` read as ``0.0.0.0`` and an empty protocol as TCP.

Filter (``nodeports/node_ports.go``, ``HostPortInfo.CheckConflict``): a wanted
``(ip, protocol, port)`` conflicts with a used entry of the same protocol and port when either IP
is ``0.0.0.0`` or both are equal. Any conflict fails the node with ``Unschedulable`` ("node(s)
didn't have free ports for the requested pod ports").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

from kcore.scheduler.framework import Code
from kcore.scheduler.reference.pod import DEFAULT_BIND_ALL_HOST_IP
from kcore.scheduler.reference.results import FilterOutcome

if TYPE_CHECKING:
    from kcore.scheduler.reference.cluster import ReferenceCluster
    from kcore.scheduler.reference.pod import PodRequirements

NAME: Final = "NodePorts"
REASON: Final = "node(s) didn't have free ports for the requested pod ports"


def filter(cluster: ReferenceCluster, pod: PodRequirements) -> FilterOutcome:
    """Per-row verdict of NodePorts for ``pod`` (all pass when it wants no host port)."""
    if not pod.host_ports:
        return FilterOutcome.passing(NAME, cluster.size)
    conflict = np.zeros(cluster.size, dtype=np.bool_)
    for want in pod.host_ports:
        same = (cluster.port_number == want.port) & (cluster.port_protocol == want.protocol)
        if want.ip != DEFAULT_BIND_ALL_HOST_IP:
            same &= (cluster.port_ip == want.ip) | (cluster.port_ip == DEFAULT_BIND_ALL_HOST_IP)
        conflict[cluster.port_rows[same]] = True
    return FilterOutcome.from_masks(
        NAME, cluster.size, [(cluster.live & conflict, Code.Unschedulable, (REASON,))]
    )


__all__ = ["NAME", "REASON", "filter"]
