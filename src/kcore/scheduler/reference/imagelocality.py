"""ImageLocality (Score): prefer nodes that already hold the pod's images.

Formula (``imagelocality/image_locality.go``): for each init and regular container whose
normalised image name (``:latest`` appended when no tag follows the last ``/``) is among the
node's image names, add ``int64(size * (nodes having the image / all nodes))`` (the spread
scaling; ``size`` is the one reported by the first node that reported the name). The sum is
clamped to ``[23 MiB, 1000 MiB * containers]`` and the score is
``100 * (sum - 23 MiB) / (1000 MiB * containers - 23 MiB)``. No NormalizeScore.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

from kcore.scheduler.reference.helper import MAX_NODE_SCORE
from kcore.scheduler.reference.results import ScoreOutcome

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from kcore.scheduler.reference.cluster import ReferenceCluster
    from kcore.scheduler.reference.pod import PodRequirements

NAME: Final = "ImageLocality"
MB: Final = 1024 * 1024
MIN_THRESHOLD: Final = 23 * MB
MAX_CONTAINER_THRESHOLD: Final = 1000 * MB


def score(
    cluster: ReferenceCluster, pod: PodRequirements, feasible: NDArray[np.bool_]
) -> ScoreOutcome:
    """Raw (= final) ImageLocality scores over ``feasible``."""
    total = np.zeros(cluster.size, dtype=np.int64)
    for image in pod.images:
        if image not in cluster.image_size:
            continue
        spread = float(cluster.image_num_nodes[image]) / float(cluster.num_nodes)
        contribution = int(float(cluster.image_size[image]) * spread)
        total[cluster.rows_with_image.get(image, np.zeros(0, dtype=np.int64))] += contribution
    max_threshold = MAX_CONTAINER_THRESHOLD * pod.num_containers
    clamped = np.where(total < MIN_THRESHOLD, MIN_THRESHOLD, np.minimum(total, max_threshold))
    raw = MAX_NODE_SCORE * (clamped - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)
    raw = np.where(feasible, raw, 0).astype(np.int64)
    return ScoreOutcome(NAME, raw, raw.copy())


__all__ = ["MAX_CONTAINER_THRESHOLD", "MIN_THRESHOLD", "NAME", "score"]
