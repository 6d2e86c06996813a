"""``--mode core``: the native scheduling core in-process, as fast as it can go.

Pods created by the executor enter the scheduling queue; a background task pops them in
batches and places each batch with one ``Scheduler.schedule_batch`` call (GIL released in
the core). Outcomes:

* placed: the core has assumed the pod on its node; the harness records the placement time;
* nominated (preemption): the victims are deleted (removed from the core, a cluster event for
  the queue) and the preemptor is requeued with ``status.nominatedNodeName`` set, so its next
  attempt evaluates the nominated node first and takes it if it fits;
* unschedulable: the pod goes back to the queue (unschedulable pool or backoff), to be retried
  on cluster events (node added/updated, assigned pod deleted, objects added) as upstream.

Placement times inside a batch are interpolated from the core's per-cycle latencies over the
batch's wall time (so Python overhead between batches is included in throughput). Time comes
from the run's :class:`~kcore.util.clock.Clock`.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from kcore.sim.queue_adapter import BenchQueue, make_queue

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from numpy.typing import NDArray

    from kcore.scheduler.apis.config.types import ResolvedProfile
    from kcore.sim.backend import ClusterState, PodGroup
    from kcore.util.clock import Clock

__all__ = ["CoreBackend", "SchedulerLike"]

DEFAULT_BATCH_SIZE = 256


class ScheduleResultLike(Protocol):
    pod: str
    node: str | None
    message: str
    nominated_node: str | None
    victims: Sequence[str]


class BatchResultLike(Protocol):
    node_index: NDArray[np.int32]
    latency_ns: NDArray[np.int64]

    def __getitem__(self, i: int) -> ScheduleResultLike: ...

    def __len__(self) -> int: ...


class SchedulerLike(Protocol):
    """The part of ``kcore.scheduler.Scheduler`` the core backend uses."""

    def add_node(self, node: Mapping[str, Any]) -> Any: ...

    def update_node(self, node: Mapping[str, Any]) -> Any: ...

    def remove_node(self, name: str) -> Any: ...

    def add_pod(self, pod: Mapping[str, Any]) -> Any: ...

    def remove_pod(self, namespace: str, name: str) -> Any: ...

    def add_namespace(self, ns: Mapping[str, Any]) -> Any: ...

    def add_object(self, obj: Mapping[str, Any]) -> Any: ...

    def remove_object(self, obj: Mapping[str, Any]) -> Any: ...

    def schedule_batch(self, pods: Any) -> BatchResultLike: ...

    def node_names(self) -> Sequence[str]: ...


def native_scheduler_factory() -> Callable[..., SchedulerLike]:
    """``kcore.scheduler.Scheduler`` (raises ImportError with a clear message if absent)."""
    try:
        mod = importlib.import_module("kcore.scheduler")
        cls: Callable[..., SchedulerLike] = mod.Scheduler
    except (ImportError, AttributeError) as err:
        msg = (
            "the native scheduling core (kcore.scheduler.Scheduler) is not available in this "
            "build; reinstall kcore with its compiled extension"
        )
        raise ImportError(msg) from err
    return cls


class CoreBackend:
    """The in-process native core behind the bench executor.

    Contract (see :class:`kcore.sim.backend.Backend`): one scheduling task runs between
    ``start()`` and ``close()``; every batch's outcome is written to ``state`` before the next
    batch is popped. ``options``: ``batch_size`` (pods per ``schedule_batch``, default 256),
    ``scheduler_factory`` (a Scheduler-like class, default the native one), ``queue`` (a
    :class:`~kcore.sim.queue_adapter.BenchQueue`), ``pod_initial_backoff_seconds`` /
    ``pod_max_backoff_seconds``.
    """

    mode = "core"

    def __init__(
        self,
        *,
        profile: ResolvedProfile | None,
        clock: Clock,
        seed: int,
        state: ClusterState,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        opts = dict(options or {})
        factory = opts.get("scheduler_factory") or native_scheduler_factory()
        self.scheduler: SchedulerLike = factory(profile=profile, seed=seed)
        self.clock = clock
        self.state = state
        self.batch_size = int(opts.get("batch_size", DEFAULT_BATCH_SIZE))
        self.queue: BenchQueue = opts.get("queue") or make_queue(
            initial_backoff=float(opts.get("pod_initial_backoff_seconds", 1.0)),
            max_backoff=float(opts.get("pod_max_backoff_seconds", 10.0)),
        )
        # Pending pods (created, not placed): key -> (group id, index in group).
        self._pending: dict[str, tuple[int, int]] = {}
        # Placed pods: key -> node.
        self._bound: dict[str, str] = {}
        self._nominated: dict[str, str] = {}
        self._last_message: dict[str, str] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._busy = False
        self.batches = 0
        self.preemptions = 0

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def info(self) -> dict[str, Any]:
        return {
            "queue": self.queue.name,
            "batch_size": self.batch_size,
            "batches": self.batches,
            "preemptions": self.preemptions,
        }

    # ---------------------------------------------------------------- cluster changes

    def _event(self, event: str) -> None:
        self.queue.cluster_event(event, self.clock.monotonic())
        self._wake.set()

    async def create_namespace(self, namespace: Mapping[str, Any]) -> None:
        self.scheduler.add_namespace(namespace)

    async def create_nodes(self, nodes: Sequence[Mapping[str, Any]]) -> None:
        for n in nodes:
            self.scheduler.add_node(n)
        if nodes:
            self._event("NodeAdd")

    async def update_node(self, node: Mapping[str, Any]) -> None:
        self.scheduler.update_node(node)
        self._event("NodeUpdate")

    async def delete_node(self, name: str) -> None:
        self.scheduler.remove_node(name)
        self._event("NodeDelete")

    async def create_pods(self, group: PodGroup) -> None:
        gid = self.state.add_group(group)
        keys = [f"{group.namespace}/{n}" for n in group.names]
        prio = int((group.template.get("spec") or {}).get("priority") or 0)
        if group.pods:
            prios = [int((p.get("spec") or {}).get("priority") or 0) for p in group.pods]
        else:
            prios = [prio] * len(keys)
        for i, k in enumerate(keys):
            self._pending[k] = (gid, i)
        self.queue.add(keys, prios, self.clock.monotonic())
        self._wake.set()

    async def delete_pods(self, keys: Sequence[str]) -> None:
        assigned = False
        for key in keys:
            if key in self._bound:
                ns, name = key.split("/", 1)
                self.scheduler.remove_pod(ns, name)
                del self._bound[key]
                assigned = True
            elif key in self._pending:
                del self._pending[key]
                self.queue.delete(key)
            self._nominated.pop(key, None)
        self.state.deleted(keys)
        if assigned:
            self._event("AssignedPodDelete")

    async def create_object(self, obj: Mapping[str, Any]) -> None:
        self.scheduler.add_object(obj)
        self._event(f"{obj.get('kind', 'Object')}Add")

    async def delete_object(self, obj: Mapping[str, Any]) -> None:
        self.scheduler.remove_object(obj)
        self._event(f"{obj.get('kind', 'Object')}Delete")

    # ---------------------------------------------------------------- status

    def idle(self) -> bool:
        active, backoff, _, inflight = self.queue.counts()
        return not self._busy and active == 0 and backoff == 0 and inflight == 0

    def describe_pending(self, key: str) -> str:
        msg = self._last_message.get(key)
        if msg:
            return msg
        return "not attempted yet" if key in self._pending else "unknown pod"

    # ---------------------------------------------------------------- scheduling loop

    def _pod_for(self, key: str) -> dict[str, Any]:
        gid, i = self._pending[key]
        pod = self.state.groups[gid].pod(i)
        node = self._nominated.get(key)
        if node is not None:
            pod["status"] = {**(pod.get("status") or {}), "nominatedNodeName": node}
        return pod

    async def _run(self) -> None:
        while True:
            now = self.clock.monotonic()
            keys = self.queue.pop_batch(now, self.batch_size)
            if not keys:
                self._busy = False
                self.state.notify()
                wake = self.queue.next_wakeup(now)
                self._wake.clear()
                timeout = None if wake is None else max(0.0, wake - now)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
                continue
            self._busy = True
            self._schedule(keys)
            self.state.notify()
            await self.clock.sleep(0)

    def _schedule(self, keys: list[str]) -> None:
        pods = [self._pod_for(k) for k in keys]
        t0 = self.clock.monotonic()
        result = self.scheduler.schedule_batch(pods)
        t1 = self.clock.monotonic()
        self.batches += 1
        node_index = np.asarray(result.node_index)
        latency = np.asarray(result.latency_ns, dtype=np.int64)
        placed_mask = node_index >= 0
        # Placement times: the batch's wall time split in proportion to cycle latencies.
        total = float(latency.sum())
        if total > 0:
            frac = np.cumsum(latency, dtype=np.float64) / total
        else:
            frac = np.arange(1, len(keys) + 1, dtype=np.float64) / max(1, len(keys))
        times = t0 + (t1 - t0) * frac
        names = self.scheduler.node_names()
        placed_idx = np.flatnonzero(placed_mask)
        placed_keys = [keys[i] for i in placed_idx.tolist()]
        placed_nodes = [names[j] for j in node_index[placed_idx].tolist()]
        for k, n in zip(placed_keys, placed_nodes, strict=True):
            self._pending.pop(k, None)
            self._nominated.pop(k, None)
            self._last_message.pop(k, None)
            self._bound[k] = n
            self.queue.done(k)
        self.state.scheduled(placed_keys, placed_nodes, times[placed_idx])
        failed = np.flatnonzero(~placed_mask).tolist()
        failed_keys: list[str] = []
        now = self.clock.monotonic()
        for i in failed:
            key = keys[i]
            r = result[i]
            failed_keys.append(key)
            self._last_message[key] = r.message or "unschedulable"
            if r.nominated_node:
                self._preempt(key, r.nominated_node, list(r.victims))
                self.queue.requeue_backoff(key, now)
            else:
                self.queue.requeue_unschedulable(key, now)
        self.state.attempted(failed_keys)
        self.state.record_attempts(latency, len(placed_keys))

    def _preempt(self, key: str, node: str, victims: list[str]) -> None:
        self.preemptions += 1
        self._nominated[key] = node
        gone = []
        for v in victims:
            if v in self._bound:
                ns, name = v.split("/", 1)
                self.scheduler.remove_pod(ns, name)
                del self._bound[v]
                gone.append(v)
        self.state.deleted(gone)
        if gone:
            self._event("AssignedPodDelete")
