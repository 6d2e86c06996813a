"""The scheduler's backend, named after kube-scheduler's ``pkg/scheduler/backend``.

``kcore.scheduler.backend.queue`` holds the :class:`~kcore.scheduler.backend.queue.SchedulingQueue`
(activeQ, backoffQ, unschedulable pods, queueing hints and the nominator) over the native core.
"""

from __future__ import annotations
