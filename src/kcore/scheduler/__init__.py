"""kcore.scheduler: the scheduler component around the native scheduling core.

The embedding API (``Scheduler``, ``PodBatch``, results) lives in
:mod:`kcore.scheduler.scheduler`; the plugin vocabulary in :mod:`kcore.scheduler.framework`.
"""

from __future__ import annotations

from kcore.scheduler.framework import (
    MAX_NODE_SCORE,
    Code,
    CycleState,
    FilterPlugin,
    FilterResult,
    NodeTableView,
    PluginError,
    PodInfo,
    ScorePlugin,
    register_plugin,
)
from kcore.scheduler.scheduler import (
    AlreadyExistsError,
    BatchResult,
    Explanation,
    InvalidObjectError,
    NodeVerdict,
    NotFoundError,
    PodBatch,
    Scheduler,
    ScheduleResult,
    UnknownSchedulerError,
)

__all__ = [
    "MAX_NODE_SCORE",
    "AlreadyExistsError",
    "BatchResult",
    "Code",
    "CycleState",
    "Explanation",
    "FilterPlugin",
    "FilterResult",
    "InvalidObjectError",
    "NodeTableView",
    "NodeVerdict",
    "NotFoundError",
    "PluginError",
    "PodBatch",
    "PodInfo",
    "ScheduleResult",
    "Scheduler",
    "ScorePlugin",
    "UnknownSchedulerError",
    "register_plugin",
]
