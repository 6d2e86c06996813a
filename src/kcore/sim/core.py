"""``--mode core``: the native scheduling core in-process, as fast as it can go.

Pods created by the executor enter the scheduling queue; a background task pops them in
batches and places each batch with one ``Scheduler.schedule_batch`` call (GIL released in
the core). Outcomes:

* placed: the core has assumed the pod on its node; the harness records the placement time;
* nominated (preemption): the victims are deleted (removed from the core, a cluster event for
  the queue) and the preemptor is requeued with ``status.nominatedNodeName`` set, so its next
  attempt evaluates the nominated node first and takes it if it fits;
* unschedulable: the pod goes back to the queue (unschedulable pool or backoff), filed under
  the plugins that rejected it (``ScheduleResult.unschedulable_plugins`` / ``pending_plugins``,
  kube-scheduler's Diagnosis sets), to be retried on the cluster events those plugins care
  about (node added/updated, assigned pod deleted, objects added) as upstream; a cycle that
  ended in an error names no plugin and backs off.

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

from kcore.sim.backend import ExecutionError
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
    # kube-scheduler's Diagnosis sets of a pod that did not fit (the queue's requeue keys).
    unschedulable_plugins: frozenset[str]
    pending_plugins: frozenset[str]


class BatchResultLike(Protocol):
    node_index: NDArray[np.int32]
    latency_ns: NDArray[np.int64]

    def node_names(self) -> Sequence[str]: ...

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


def _node_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Which aspects of a node changed (for the queue's specific Node update events)."""
    out = []
    om, nm = old.get("metadata") or {}, new.get("metadata") or {}
    if om.get("labels") != nm.get("labels"):
        out.append("label")
    os_, ns_ = old.get("status") or {}, new.get("status") or {}
    if os_.get("allocatable") != ns_.get("allocatable"):
        out.append("allocatable")
    ospec, nspec = old.get("spec") or {}, new.get("spec") or {}
    if ospec.get("taints") != nspec.get("taints") or ospec.get("unschedulable") != nspec.get(
        "unschedulable"
    ):
        out.append("taint")
    if os_.get("conditions") != ns_.get("conditions"):
        out.append("condition")
    return out or ["node"]


def native_pod_batch_factory() -> Callable[..., Any] | None:
    """``kcore.scheduler.PodBatch.from_template`` if available."""
    try:
        mod = importlib.import_module("kcore.scheduler")
    except ImportError:
        return None
    batch = getattr(mod, "PodBatch", None)
    factory: Callable[..., Any] | None = getattr(batch, "from_template", None)
    return factory


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
        # Compiles a template once for n pods named name_prefix + str(i) (PodBatch).
        self._pod_batch: Callable[..., Any] | None = opts.get("pod_batch_factory")
        if self._pod_batch is None and type(self.scheduler).__module__.startswith(
            "kcore.scheduler"
        ):
            self._pod_batch = native_pod_batch_factory()
        self.clock = clock
        self.state = state
        self.batch_size = int(opts.get("batch_size", DEFAULT_BATCH_SIZE))
        self.queue: BenchQueue = opts.get("queue") or make_queue(
            initial_backoff=float(opts.get("pod_initial_backoff_seconds", 1.0)),
            max_backoff=float(opts.get("pod_max_backoff_seconds", 10.0)),
            prefer=str(opts.get("queue_impl", "native")),
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
            # A failure of the loop has been reported through check(); do not mask the
            # error being raised by the executor with it.
            with contextlib.suppress(asyncio.CancelledError, Exception):
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
        old = self.state.nodes.get(node["metadata"]["name"]) or {}
        self.scheduler.update_node(node)
        self._event("NodeUpdate:" + ",".join(_node_changes(old, node)))

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

    def check(self) -> None:
        t = self._task
        if t is not None and t.done() and not t.cancelled():
            exc = t.exception()
            if exc is not None:
                msg = f"the scheduling loop failed: {type(exc).__name__}: {exc}"
                raise ExecutionError(msg) from exc

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

    def _runs(self, keys: list[str]) -> list[tuple[list[str], Any]]:
        """Split popped keys into submissions: a chunk-aligned run of one identical group
        becomes one compiled batch; everything else goes as pod dicts."""
        out: list[tuple[list[str], Any]] = []
        loose: list[str] = []
        run: list[str] = []
        run_at: tuple[int, int] | None = None  # (group id, chunk) of the current run
        last_off = -1

        def flush_run() -> None:
            nonlocal run, run_at
            if run and run_at is not None:
                gid, chunk = run_at
                group = self.state.groups[gid]
                prefix = group.chunk_prefixes[chunk]
                template = dict(group.template)
                template["metadata"] = {
                    **(group.template.get("metadata") or {}),
                    "name": f"{prefix}0",
                }
                template["metadata"].pop("generateName", None)
                assert self._pod_batch is not None
                out.append((run, self._pod_batch(template, len(run), name_prefix=prefix)))
            run, run_at = [], None

        for key in keys:
            gid, i = self._pending[key]
            group = self.state.groups[gid]
            cs = group.chunk_size
            if self._pod_batch is None or not cs or key in self._nominated:
                flush_run()
                loose.append(key)
                continue
            chunk, off = divmod(i, cs)
            if run_at == (gid, chunk) and off == last_off + 1:
                run.append(key)
            elif off == 0:
                flush_run()
                run, run_at = [key], (gid, chunk)
            else:
                flush_run()
                loose.append(key)
            last_off = off
        flush_run()
        if loose:
            out.append((loose, [self._pod_for(k) for k in loose]))
        return out

    def _schedule(self, keys: list[str]) -> None:
        for run_keys, pods in self._runs(keys):
            self._schedule_run(run_keys, pods)

    def _schedule_run(self, keys: list[str], pods: Any) -> None:
        t0 = self.clock.monotonic()
        result = self.scheduler.schedule_batch(pods)
        t1 = self.clock.monotonic()
        self.batches += 1
        node_index = np.asarray(result.node_index)
        latency = np.asarray(result.latency_ns, dtype=np.int64)
        placed_mask = node_index >= 0
        # Placement times: the call's wall time split in proportion to cycle latencies.
        total = float(latency.sum())
        if total > 0:
            frac = np.cumsum(latency, dtype=np.float64) / total
        else:
            frac = np.arange(1, len(keys) + 1, dtype=np.float64) / max(1, len(keys))
        times = t0 + (t1 - t0) * frac
        names = result.node_names()
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
        if placed_keys and self.queue.counts()[2]:
            # Placements can resolve affinity / spreading rejections of waiting pods.
            self.queue.assigned_pods_added(placed_keys, self.clock.monotonic())
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
            # The core reports the plugins that rejected the pod (no rejector: an error, which
            # the queue backs off).
            self.queue.requeue_unschedulable(key, now, r.unschedulable_plugins, r.pending_plugins)
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
