"""ZoneBalance (Score): prefer zones holding fewer pods. README.md gives the model and limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final

import numpy as np

from kcore.scheduler.framework import MAX_NODE_SCORE, register_plugin

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from kcore.scheduler.framework import CycleState, NodeTableView, PodInfo

NAME: Final = "ZoneBalance"


@dataclass(frozen=True, slots=True)
class ZoneBalanceArgs:
    """Plugin arguments; ``zone_label`` must be a non-empty label key."""

    zone_label: str = "topology.kubernetes.io/zone"

    def __post_init__(self) -> None:
        if not self.zone_label:
            msg = "ZoneBalanceArgs.zone_label must not be empty"
            raise ValueError(msg)


class ZoneBalance:
    """Score a node by how few pods its zone holds; nodes without the zone label score 0.

    score = 100 * (worst - pods_in_zone) // worst, where worst is the fullest zone (at least 1).
    One NumPy pass per pod over the NodeTable columns; never called per node.
    """

    name: ClassVar[str] = NAME

    def __init__(self, args: ZoneBalanceArgs | None = None) -> None:
        self._args = args or ZoneBalanceArgs()

    def score(
        self,
        state: CycleState,
        pod: PodInfo,
        nodes: NodeTableView,  # IN: read-only, zero-copy columns of this cycle's snapshot
        feasible: NDArray[np.bool_],  # IN: result of the filter phase
    ) -> NDArray[np.int64]:  # OUT: one score per row; the framework validates it
        del state, pod
        zone = nodes.label(self._args.zone_label)  # int32 value ids, -1 = label absent
        has_zone = (zone >= 0) & (nodes.live != 0)
        if not has_zone.any():
            return np.zeros(nodes.size, dtype=np.int64)
        per_zone = np.bincount(zone[has_zone], weights=nodes.pod_count[has_zone]).astype(np.int64)
        worst = max(int(per_zone.max()), 1)
        scores = MAX_NODE_SCORE * (worst - per_zone[np.where(has_zone, zone, 0)]) // worst
        out: NDArray[np.int64] = np.where(feasible & has_zone, scores, 0).astype(np.int64)
        return out


def _factory(args: Any) -> ZoneBalance:
    return ZoneBalance(args if isinstance(args, ZoneBalanceArgs) else None)


register_plugin(NAME, _factory)

__all__ = ["NAME", "ZoneBalance", "ZoneBalanceArgs"]
