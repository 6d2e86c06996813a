"""The scheduler component: kube-scheduler around the native core, over the API.

:class:`KubeScheduler` watches the API with informers, feeds the native cache and the
scheduling queue, schedules popped pods in batches with the core and binds them through the
``binding`` subresource, reporting Events, the ``PodScheduled`` condition and Prometheus
metrics as kube-scheduler does. ``kcore scheduler`` runs it against an APIServer;
``kcore up`` runs it in-process (:func:`start`). See ``docs/scheduler-component.md``.
"""

from __future__ import annotations

from kcore.scheduler.component.app import SchedulerApp, SchedulerOptions, http_client
from kcore.scheduler.component.scheduler import DEFAULT_BATCH_SIZE, KubeScheduler

__all__ = ["DEFAULT_BATCH_SIZE", "KubeScheduler", "SchedulerApp", "SchedulerOptions", "http_client"]
