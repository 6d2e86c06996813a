"""``KubeScheduler``: kube-scheduler's component around the native core, over the API.

The pipeline is kube-scheduler's (``pkg/scheduler/scheduler.go``, ``schedule_one.go``,
``eventhandlers.go``), batched where that is where the throughput comes from:

1. **Informers** (one :class:`~kcore.client.informer.SharedInformerFactory`) on pods (terminal
   pods excluded by field selector, as upstream), nodes, namespaces, priority classes, pod
   disruption budgets, services, replica sets, stateful sets and replication controllers.
   Bound pods, nodes and the other objects go to the native cache (:class:`Frameworks`);
   pending pods whose ``spec.schedulerName`` is one of our profiles go to the
   :class:`~kcore.scheduler.backend.queue.SchedulingQueue`; changes become the queue's
   cluster events (node added or updated, assigned pod deleted, ...).
2. **Scheduling cycles.** The loop pops up to ``batch_size`` pods at a time and schedules
   them with one ``schedule_batch`` call per profile, in a worker thread with the GIL released
   (the event loop keeps serving informers, binds and the API meanwhile). Placed pods are
   assumed in the cache by the core.
3. **Binding cycles.** Placed pods are bound through the ``binding`` subresource by a pool of
   ``parallelism`` concurrent binders. Success: ``finish_binding``, a ``Scheduled`` event, the
   metrics. Failure: the pod is forgotten and goes back to the queue with an error backoff,
   unless the pod is gone or already bound (checked against the API after a Conflict), so
   a bind conflict is never retried forever.
4. **Failures.** An unschedulable pod gets a ``FailedScheduling`` event (the core's diagnosis,
   the same text as the condition) and a ``PodScheduled=False`` condition (reason
   ``Unschedulable``, or ``SchedulerError`` for errors) patched onto its status when it
   changed; it goes back to the queue with the plugins that rejected it, so that only the
   events those plugins registered move it.
5. **Preemption.** When the core nominates a node, the victims get a ``DisruptionTarget``
   condition and are deleted (``Preempted`` events), lower-priority pods nominated to that
   node lose their nomination, and the preemptor gets ``status.nominatedNodeName``; it binds
   on a later attempt, once the victims are gone.

Consistency: informer handlers, binding completions and the scheduling loop all run on one
event loop. While a batch runs in the worker thread, handlers that touch the native cache are
deferred and replayed in order right after the batch, so the cache never changes under a
running cycle and a pod deleted while being scheduled leaves no trace (it is forgotten before
its binding starts). Time comes from the :class:`~kcore.util.clock.Clock` only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from kcore.api.errors import Conflict, NotFound, StatusError
from kcore.api.meta import meta_namespace_key
from kcore.client.delta_fifo import DeletedFinalStateUnknown
from kcore.client.informer import ResourceEventHandler, SharedInformerFactory
from kcore.scheduler.apis.config import default_profile
from kcore.scheduler.backend.queue import (
    DEFAULT_SCHEDULER_NAME,
    EVENT_ASSIGNED_POD_DELETE,
    EVENT_UNSCHEDULED_POD_DELETE,
    SCHEDULING_GATES,
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
    EventResource,
    QueueingHintRequest,
    QueueKind,
    SchedulingQueue,
    default_events_to_register,
)
from kcore.scheduler.component.eventhandlers import (
    assigned_pod,
    has_required_affinity_terms,
    node_cache_changed,
    node_scheduling_properties_change,
    pod_cache_changed,
    pod_priority,
    pod_scheduling_properties_change,
    responsible_for_pod,
    scheduler_name_of,
)
from kcore.scheduler.component.events import (
    EVENT_TYPE_NORMAL,
    EVENT_TYPE_WARNING,
    EventBroadcaster,
    EventRecorder,
)
from kcore.scheduler.component.frameworks import Frameworks
from kcore.scheduler.framework import Code
from kcore.scheduler.metrics import SchedulerMetrics
from kcore.util.clock import rfc3339

if TYPE_CHECKING:
    from kcore.client.informer import SharedIndexInformer
    from kcore.client.interface import Client
    from kcore.scheduler.apis.config.configuration import KubeSchedulerConfiguration
    from kcore.scheduler.apis.config.types import ResolvedProfile
    from kcore.scheduler.scheduler import BatchResult, ScheduleResult
    from kcore.util.clock import Clock
    from kcore.util.wait import Rand

__all__ = ["DEFAULT_BATCH_SIZE", "DEFAULT_PREEMPTION", "AttemptObserver", "KubeScheduler"]

log = logging.getLogger("kcore.scheduler")

DEFAULT_BATCH_SIZE: Final = 256
_TERMINAL_PHASES: Final = ("Succeeded", "Failed")
_OBSERVATIONS_FLUSH: Final = 1024
#: Objects the native cache reads besides nodes, pods and namespaces.
OBJECT_RESOURCES: Final = (
    "priorityclasses.scheduling.k8s.io",
    "poddisruptionbudgets.policy",
    "services",
    "replicasets.apps",
    "statefulsets.apps",
    "replicationcontrollers",
)
_BACKOFF_FLUSH_PERIOD: Final = 1.0
_UNSCHEDULABLE_FLUSH_PERIOD: Final = 30.0
_BINDER_YIELD_EVERY: Final = 64
_DEFAULT_BINDER: Final = "DefaultBinder"
#: The PostFilter plugin whose PreEnqueue check holds a preemptor back while its victims are
#: being preempted (kube-scheduler's async preemption).
DEFAULT_PREEMPTION: Final = "DefaultPreemption"
_EMPTY: Final[Mapping[str, Any]] = {}

#: ``observer(result_keys, latency_ns, placed)`` after every batch; for benchmarks.
AttemptObserver = Callable[[Sequence[str], "np.ndarray[Any, np.dtype[np.int64]]", int], None]


@dataclass(slots=True)
class _Pending:
    """A pending pod we are responsible for (its latest object from the informer)."""

    pod: Mapping[str, Any]
    uid: str
    profile: str
    enqueued: float  # clock.monotonic() when it first entered the queue (SLI start)
    message: str = ""  # the last failure message ("" before any attempt)
    nominated: str | None = None  # a nomination we made that the informer may not show yet


@dataclass(slots=True)
class _Binding:
    """An assumed pod from its placement until the informer shows it bound (or it is gone).

    ``state``: ``queued`` (waiting for a binder), ``binding`` (request in flight), ``bound``
    (the API accepted it; waiting for the informer). ``cancelled``: the node went away or
    the pod was deleted before the request was sent.
    """

    key: str
    namespace: str
    name: str
    uid: str
    node: str
    profile: str
    pod: Mapping[str, Any]
    started: float  # the scheduling attempt started (clock.monotonic())
    cycle_ns: int  # the core's cycle latency for this pod
    algorithm_done: float
    attempts: int
    enqueued: float
    state: str = "queued"
    cancelled: bool = False
    stale: bool = False  # the pod changed (spec/labels) after it was scheduled


@dataclass(slots=True)
class _Preemption:
    """A preemptor whose victims are being preempted (upstream's ``Executor.preempting``).

    DefaultPreemption's PreEnqueue check holds the preemptor back (it is gated in the queue)
    from its failed cycle until the informer shows the last victim deleted or terminating;
    the last victim is deleted after the others, and the watch delivers deletions in order,
    so by then the cache has seen every victim go. The deletion of the first victims
    therefore cannot send it into a cycle that finds its nominated node still half full and
    preempts again elsewhere. A failed preemption lifts the gate at once.
    """

    key: str
    uid: str
    node: str
    # The victim deleted last, set just before its deletion is requested (the others are
    # gone by then); its deletion or termination seen by the informer lifts the gate.
    last_victim: str | None = None
    released: bool = False  # the gate was lifted
    api_done: bool = False  # the victims' API calls ended


@dataclass
class _Stats:
    batches: int = 0
    scheduled: int = 0
    unschedulable: int = 0
    errors: int = 0
    bind_failures: int = 0
    preemptions: int = 0
    cycles: int = 0
    extra: dict[str, int] = field(default_factory=dict)


class KubeScheduler:
    """kube-scheduler over a :class:`~kcore.client.interface.Client` (see the module docstring).

    Parameters
    ----------
    client
        The API the scheduler watches and writes (``LocalClient`` or ``HTTPClient``).
    clock
        Time for the queue, backoffs, flushes, events and metrics.
    config
        A loaded ``KubeSchedulerConfiguration`` (profiles, backoff, parallelism, client
        qps/burst); ``None`` is the default configuration.
    profiles
        Resolved profiles by scheduler name, overriding ``config``'s (benchmarks, tests).
    seed
        Seeds tie-breaking in the core (profile ``i`` uses ``seed + i``).
    batch_size
        Pods popped and scheduled per ``schedule_batch`` call.
    parallelism
        Concurrent binding requests (default: the configuration's ``parallelism``, 16).
    threaded
        Run ``schedule_batch`` in a worker thread (default) rather than on the event loop.
    identity
        This instance's name (events' ``reportingInstance`` is ``<profile>-<identity>``).
    informer_factory
        A factory to share with other components (default: a new one on ``client``).
    events
        Record Events (``Scheduled``, ``FailedScheduling``, ``Preempted``); the broadcaster
        runs with :meth:`run_scheduling`.
    event_qps, event_burst
        Rate limit of event writes (default: the configuration's client qps/burst).
    rng
        Jitter of event retries.

    Contract: :meth:`run` (or :meth:`start_informers` then :meth:`run_scheduling`) runs
    until cancelled; any pod bound through this scheduler was bound exactly once by a binding
    request carrying its uid. Counters for benchmarks and tests are in :meth:`stats`.
    """

    def __init__(
        self,
        client: Client,
        clock: Clock,
        *,
        config: KubeSchedulerConfiguration | None = None,
        profiles: Mapping[str, ResolvedProfile] | None = None,
        seed: int = 0,
        batch_size: int = DEFAULT_BATCH_SIZE,
        parallelism: int | None = None,
        threaded: bool = True,
        identity: str = "kcore",
        informer_factory: SharedInformerFactory | None = None,
        events: bool = True,
        event_qps: float | None = None,
        event_burst: int | None = None,
        rng: Rand | None = None,
        pod_max_in_unschedulable_pods_seconds: float = 300.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.client = client
        self.clock = clock
        self.config = config
        if profiles is None:
            profiles = (
                config.resolved_profiles()
                if config is not None
                else {"default-scheduler": default_profile()}
            )
        self.profiles: dict[str, ResolvedProfile] = dict(profiles)
        self.frameworks = Frameworks(self.profiles, seed=seed)
        self.batch_size = batch_size
        self.parallelism = max(
            1, parallelism if parallelism is not None else (config.parallelism if config else 16)
        )
        self.threaded = threaded
        self.identity = identity
        initial = float(config.pod_initial_backoff_seconds) if config else 1.0
        maximum = float(config.pod_max_backoff_seconds) if config else 10.0
        self.queue = SchedulingQueue(
            pod_initial_backoff_seconds=initial,
            pod_max_backoff_seconds=maximum,
            pod_max_in_unschedulable_pods_seconds=pod_max_in_unschedulable_pods_seconds,
            profiles={name: _events_to_register(p) for name, p in self.profiles.items()},
        )
        # Plugins the queue knows per profile: a Diagnosis set is filed under these only.
        self._queue_plugins = {
            name: frozenset(_events_to_register(p)) for name, p in self.profiles.items()
        }
        self._preempts = {name: bool(p.post_filters) for name, p in self.profiles.items()}
        self.factory = informer_factory or SharedInformerFactory(client, clock)
        self.metrics = SchedulerMetrics()
        self.metrics.set_collectors(pending=self._pending_counts, cache=self._cache_counts)
        cc = config.client_connection if config is not None else None
        self.broadcaster = EventBroadcaster(
            client,
            clock,
            qps=event_qps if event_qps is not None else (cc.qps if cc else None),
            burst=event_burst if event_burst is not None else (cc.burst if cc else 100),
            rng=rng,
        )
        self.events_enabled = events
        self.recorders: dict[str, EventRecorder] = {
            name: self.broadcaster.new_recorder(name, f"{name}-{identity}")
            for name in self.profiles
        }
        self.attempt_observer: AttemptObserver | None = None

        # _pending: key -> pending pod we own; a key is here iff the informer shows the pod
        # unassigned, responsible to us and not deleted (its queue entry may be in flight).
        self._pending: dict[str, _Pending] = {}
        # _assumed: key -> binding record, from placement until the informer shows the pod
        # bound or deleted; _assumed_on[node] holds the keys of _assumed on that node.
        self._assumed: dict[str, _Binding] = {}
        self._assumed_on: dict[str, set[str]] = {}
        # _bound_on: node -> keys of bound pods the informer shows on it (cache content, and
        # the pods to re-add if the node is removed and comes back).
        self._bound_on: dict[str, set[str]] = {}
        self._bound_node: dict[str, str] = {}
        self._nodes: set[str] = set()
        # _preempting: preemptor key -> its preemption while the victims' API calls run;
        # _last_victims: last victim key -> preemptor key, for the records that set one;
        # _victims_requested: victims whose deletion was requested and not yet seen (a second
        # preemption treats them as terminating and sends no second request).
        self._preempting: dict[str, _Preemption] = {}
        self._last_victims: dict[str, str] = {}
        self._victims_requested: set[str] = set()
        # Deferred handler calls while a batch runs in the worker thread.
        self._in_batch = False
        self._deferred: list[tuple[Callable[..., None], tuple[Any, ...]]] = []
        # New plain pods not yet handed to the queue (see _flush_adds); _queued_adds: their keys.
        self._adds: list[tuple[str, str, int, str]] = []
        self._queued_adds: set[str] = set()
        self._bind_q: deque[_Binding] = deque()
        self._bind_ready = asyncio.Event()
        self._binds_in_flight = 0
        self._wake = asyncio.Event()
        self._busy = False
        self._background: set[asyncio.Task[Any]] = set()
        # Requests of background tasks (status patches, preemption, conflict checks) in
        # flight at once: ``parallelism``, beside as many binders. A burst of failed pods
        # or victims queues here, in order, instead of in the client's connection pool.
        self._writes = asyncio.Semaphore(self.parallelism)
        self._tasks: list[asyncio.Task[Any]] = []
        self._handlers_added = False
        self._synced = False
        self._running = False
        self.failure: BaseException | None = None
        self._stats = _Stats()
        # Observations of bound pods, flushed into the histograms in bulk.
        self._obs_scheduled: dict[str, list[float]] = {}
        self._obs_sli: dict[int, list[float]] = {}  # by attempts
        self._obs_attempts: list[int] = []
        self.metrics.before_render.append(self.flush_observations)
        self.metrics.unschedulable_pods.set_collector(self._collect_unschedulable)
        self.metrics.goroutines.set_collector(lambda g: g.set(self._binds_in_flight, "binding"))
        self._pod_informer: SharedIndexInformer | None = None

    # ==================================================================================== run

    @property
    def pod_informer(self) -> SharedIndexInformer:
        """The shared pod informer (available after construction; started by
        :meth:`start_informers`)."""
        if self._pod_informer is None:
            self._pod_informer = self.factory.informer_for("pods")
        return self._pod_informer

    async def start_informers(self, timeout: float | None = None) -> None:
        """Register the handlers, start the informers and wait until their caches synced.

        Raises
        ------
        RuntimeError
            An informer stopped, or ``timeout`` passed, before syncing.
        """
        if not self._handlers_added:
            self._add_all_event_handlers()
            self._handlers_added = True
        self.factory.start()
        synced = await self.factory.wait_for_cache_sync(timeout)
        missing = [name for name, ok in synced.items() if not ok]
        if missing:
            raise RuntimeError(f"timed out waiting for caches to sync: {', '.join(missing)}")
        self._synced = True

    @property
    def synced(self) -> bool:
        return self._synced

    async def run(self) -> None:
        """Start the informers, then schedule until cancelled."""
        await self.start_informers()
        await self.run_scheduling()

    async def run_scheduling(self) -> None:
        """The scheduling loop, binders, flushers and event writer, until cancelled."""
        if self._running:
            raise RuntimeError("the scheduler is already running")
        self._running = True
        loop_tasks = [
            asyncio.ensure_future(self._scheduling_loop()),
            asyncio.ensure_future(self._flush_loop(_BACKOFF_FLUSH_PERIOD, self._flush_backoff)),
            asyncio.ensure_future(
                self._flush_loop(_UNSCHEDULABLE_FLUSH_PERIOD, self._flush_unschedulable)
            ),
            *(asyncio.ensure_future(self._binder()) for _ in range(self.parallelism)),
        ]
        if self.events_enabled:
            loop_tasks.append(asyncio.ensure_future(self.broadcaster.run()))
        self._tasks = loop_tasks
        try:
            await asyncio.gather(*loop_tasks)
        except asyncio.CancelledError:
            raise
        except BaseException as err:
            self.failure = err
            log.exception("the scheduler failed")
            raise
        finally:
            self._running = False
            for t in [*loop_tasks, *self._background]:
                t.cancel()
            for t in [*loop_tasks, *self._background]:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t
            self._tasks = []

    async def stop(self) -> None:
        """Stop the informers (the caller cancels :meth:`run`)."""
        await self.factory.shutdown()

    # ------------------------------------------------------------------------------ status

    def idle(self) -> bool:
        """True when no pod is ready or backing off, none is being scheduled or bound, and no
        API write is pending (so nothing happens without a new cluster event)."""
        if self._busy or self._binds_in_flight or self._bind_q or self._deferred or self._adds:
            return False
        p = self.queue.pending_pods()
        if p.active or p.backoff or p.in_flight:
            return False
        return not self._background

    def last_message(self, key: str) -> str:
        """The last failure message of a pending pod ("" if none)."""
        entry = self._pending.get(key)
        return entry.message if entry is not None else ""

    def stats(self) -> dict[str, int]:
        s = self._stats
        return {
            "batches": s.batches,
            "cycles": s.cycles,
            "scheduled": s.scheduled,
            "unschedulable": s.unschedulable,
            "errors": s.errors,
            "bind_failures": s.bind_failures,
            "preemptions": s.preemptions,
            "events_recorded": self.broadcaster.recorded,
            "events_dropped": self.broadcaster.dropped,
            **s.extra,
        }

    def flush_observations(self) -> None:
        """Move the buffered observations of bound pods into the metrics."""
        if not self._obs_attempts:
            return
        m = self.metrics
        for profile, values in self._obs_scheduled.items():
            if values:
                m.observe_attempts("scheduled", profile, values)
                values.clear()
        for attempts, values in self._obs_sli.items():
            if values:
                m.pod_scheduling_sli_duration.observe_many(values, str(attempts))
                values.clear()
        m.pod_scheduling_attempts.observe_many(self._obs_attempts)
        self._obs_attempts.clear()

    def _collect_unschedulable(self, gauge: Any) -> None:
        counts: dict[tuple[str, str], int] = {}
        for info in self.queue.unschedulable_pods():
            for plugin in info.unschedulable_plugins:
                k = (plugin, info.scheduler_name)
                counts[k] = counts.get(k, 0) + 1
        gauge.clear()
        for (plugin, profile), n in counts.items():
            gauge.set(n, plugin, profile)

    def _pending_counts(self) -> tuple[int, int, int, int]:
        p = self.queue.pending_pods()
        return p.active, p.backoff, p.unschedulable, p.gated

    def _cache_counts(self) -> tuple[int, int, int]:
        return self.frameworks.num_nodes, self.frameworks.num_pods, len(self._assumed)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background API call failed", exc_info=task.exception())

    def _wake_up(self) -> None:
        self._wake.set()

    # ============================================================================ handlers

    def _add_all_event_handlers(self) -> None:
        d = self._dispatch
        self.pod_informer.add_event_handler(
            ResourceEventHandler(
                on_add=self._pod_added,
                on_update=self._pod_updated,
                on_delete=lambda o: d(self._on_pod_delete, o),
            )
        )
        self.factory.informer_for("nodes").add_event_handler(
            ResourceEventHandler(
                on_add=lambda o: d(self._add_node_to_cache, o),
                on_update=lambda a, b: d(self._update_node_in_cache, a, b),
                on_delete=lambda o: d(self._delete_node_from_cache, o),
            )
        )
        self.factory.informer_for("namespaces").add_event_handler(
            ResourceEventHandler(
                on_add=lambda o: d(self.frameworks.add_namespace, o),
                on_update=lambda a, b: d(self._update_namespace, a, b),
                on_delete=lambda o: d(self._delete_namespace, o),
            )
        )
        for resource in OBJECT_RESOURCES:
            self.factory.informer_for(resource).add_event_handler(
                ResourceEventHandler(
                    on_add=lambda o: d(self._add_object, o),
                    on_update=lambda a, b: d(self._update_object, a, b),
                    on_delete=lambda o: d(self._delete_object, o),
                )
            )

    def _dispatch(self, fn: Callable[..., None], *args: Any) -> None:
        if self._in_batch:
            self._deferred.append((fn, args))
            return
        if self._adds and fn != self._on_pod_add:
            self._flush_adds()
        fn(*args)

    # The pod informer's handlers: _dispatch of _on_pod_add / _on_pod_update, spelled out
    # (one call per watch event of every pod).

    def _pod_added(self, pod: Mapping[str, Any]) -> None:
        if self._in_batch:
            self._deferred.append((self._on_pod_add, (pod,)))
            return
        self._on_pod_add(pod)

    def _pod_updated(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        if self._in_batch:
            self._deferred.append((self._on_pod_update, (old, new)))
            return
        if self._adds:
            self._flush_adds()
        self._on_pod_update(old, new)

    def _drain_deferred(self) -> None:
        while self._deferred:
            batch, self._deferred = self._deferred, []
            for fn, args in batch:
                try:
                    if self._adds and fn != self._on_pod_add:
                        self._flush_adds()
                    fn(*args)
                except Exception:
                    log.exception("deferred event handler %s failed", getattr(fn, "__name__", fn))

    # -- pods ---------------------------------------------------------------------------

    def _on_pod_add(self, pod: Mapping[str, Any]) -> None:
        if _terminal(pod):
            return
        if assigned_pod(pod):
            self._add_pod_to_cache(pod)
        elif responsible_for_pod(pod, self.profiles):
            self._add_pod_to_scheduling_queue(pod)

    def _on_pod_update(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        # Terminal pods are invisible to the scheduler (upstream excludes them with a field
        # selector; filtering here is equivalent and spares the API a selector per event).
        if _terminal(new):
            if not _terminal(old):
                self._on_pod_delete(old)
            return
        if _terminal(old):
            self._on_pod_add(new)
            return
        a_old, a_new = assigned_pod(old), assigned_pod(new)
        if a_new:
            if a_old:
                self._update_pod_in_cache(old, new)
                return
            if self._confirm_binding(new):
                return
            if responsible_for_pod(old, self.profiles):
                self._delete_pod_from_scheduling_queue(old, bound=True)
            self._add_pod_to_cache(new)
            return
        if a_old:  # cannot happen through the API (nodeName is immutable); be safe
            self._delete_pod_from_cache(old)
        r_old, r_new = (
            responsible_for_pod(old, self.profiles),
            responsible_for_pod(new, self.profiles),
        )
        if r_old and r_new:
            self._update_pod_in_scheduling_queue(old, new)
        elif r_new:
            self._add_pod_to_scheduling_queue(new)
        elif r_old:
            self._delete_pod_from_scheduling_queue(old)

    def _on_pod_delete(self, obj: Any) -> None:
        if isinstance(obj, DeletedFinalStateUnknown):
            pod = obj.obj
            if not isinstance(pod, Mapping):
                self._forget_key(obj.key)
                return
            self._delete_pod_from_cache(pod)
            if responsible_for_pod(pod, self.profiles):
                self._delete_pod_from_scheduling_queue(pod)
            return
        if _terminal(obj):
            return
        if assigned_pod(obj):
            self._delete_pod_from_cache(obj)
        elif responsible_for_pod(obj, self.profiles):
            self._delete_pod_from_scheduling_queue(obj)

    def _forget_key(self, key: str) -> None:
        entry = self._pending.get(key)
        if entry is not None:
            self._delete_pod_from_scheduling_queue(entry.pod)

    def _add_pod_to_scheduling_queue(self, pod: Mapping[str, Any]) -> None:
        md = pod["metadata"]
        key = f"{md.get('namespace') or 'default'}/{md['name']}"
        uid = md.get("uid") or key
        spec = pod.get("spec") or _EMPTY
        profile = str(spec.get("schedulerName") or DEFAULT_SCHEDULER_NAME)
        now = self.clock.monotonic()
        prev = self._pending.get(key)
        self._pending[key] = _Pending(pod, uid, profile, prev.enqueued if prev else now)
        if key in self._assumed:
            return  # our own binding is in progress; the informer lags
        gated = self._gated_by(key, uid, spec)
        nominated = (pod.get("status") or _EMPTY).get("nominatedNodeName") or None
        if (
            prev is None
            and gated is None
            and nominated is None
            and not (spec.get("affinity") and has_required_affinity_terms(pod))
            and key not in self._queued_adds
        ):
            # A plain new pod: queued in bulk (one native call) before the next pop.
            self._adds.append((key, uid, pod_priority(pod), profile))
            self._queued_adds.add(key)
            self._wake.set()
            return
        self._flush_adds()
        try:
            kind = self.queue.add(
                key,
                now,
                uid=uid,
                priority=pod_priority(pod),
                scheduler_name=profile,
                gated_by=gated,
                nominated_node_name=nominated,
                has_required_affinity_terms=has_required_affinity_terms(pod),
            )
            if nominated:
                self.frameworks.add_nominated_pod(pod, nominated)
        except ValueError:
            kind = self._queue_update(key, pod=pod, actions=ActionType.UPDATE, now=now)
        self.metrics.queue_incoming_pods.inc(
            1,
            "gated" if gated else kind.value if kind is not QueueKind.NONE else "active",
            "PodAdd",
        )
        self._wake.set()

    def _move(self, event: ClusterEvent, now: float) -> int:
        """``MoveAllToActiveOrBackoffQueue`` with the incoming-pods metric per destination."""
        before = self.queue.pending_pods()
        if not (before.unschedulable or before.gated or before.in_flight):
            return 0  # nothing can move, and no attempt could replay the event
        moved = self.queue.move_all_to_active_or_backoff_queue(event, now)
        if moved:
            self._count_moves(before, event.label)
        return moved

    def _count_moves(self, before: Any, label: str) -> None:
        after = self.queue.pending_pods()
        to_active = max(0, after.active - before.active)
        to_backoff = max(0, after.backoff - before.backoff)
        if to_active:
            self.metrics.queue_incoming_pods.inc(to_active, "active", label)
        if to_backoff:
            self.metrics.queue_incoming_pods.inc(to_backoff, "backoff", label)

    def _assigned_event(self, key: str) -> None:
        """``AssignedPodAdded``: pods rejected for lack of this pod (affinity, spreading)."""
        moved = self.queue.assigned_pod_added(key, self.clock.monotonic())
        if moved:
            self.metrics.queue_incoming_pods.inc(moved, "active", "AssignedPodAdd")
            self._wake.set()

    def _flush_adds(self) -> None:
        """Queue the buffered new pods (``add_batch`` per profile), in arrival order."""
        adds = self._adds
        if not adds:
            return
        self._adds = []
        self._queued_adds.clear()
        now = self.clock.monotonic()
        by_profile: dict[str, tuple[list[str], list[str], list[int]]] = {}
        for key, uid, prio, profile in adds:
            g = by_profile.get(profile)
            if g is None:
                g = by_profile[profile] = ([], [], [])
            g[0].append(key)
            g[1].append(uid)
            g[2].append(prio)
        for profile, (keys, uids, prios) in by_profile.items():
            try:
                n = self.queue.add_batch(
                    keys, now, uids=uids, priorities=prios, scheduler_name=profile
                )
            except ValueError:
                # One of them is known already (re-created meanwhile): one by one.
                n = 0
                for key, uid, prio in zip(keys, uids, prios, strict=True):
                    try:
                        self.queue.add(key, now, uid=uid, priority=prio, scheduler_name=profile)
                        n += 1
                    except ValueError:
                        entry = self._pending.get(key)
                        if entry is not None:
                            self._queue_update(
                                key, pod=entry.pod, actions=ActionType.UPDATE, now=now
                            )
            self.metrics.queue_incoming_pods.inc(n, "active", "PodAdd")

    def _queue_update(
        self,
        key: str,
        *,
        pod: Mapping[str, Any],
        actions: ActionType,
        now: float,
    ) -> QueueKind:
        spec = pod.get("spec") or {}
        uid = (pod.get("metadata") or {}).get("uid") or None
        return self.queue.update(
            key,
            now,
            actions=actions,
            uid=uid,
            priority=pod_priority(pod),
            scheduler_name=scheduler_name_of(pod),
            gated_by=self._gated_by(key, uid or key, spec),
            nominated_node_name=(pod.get("status") or {}).get("nominatedNodeName") or None,
            has_required_affinity_terms=has_required_affinity_terms(pod),
        )

    def _gated_by(self, key: str, uid: str, spec: Mapping[str, Any]) -> str | None:
        """The PreEnqueue plugin that rejects the pod now, in upstream's order: SchedulingGates
        (``spec.schedulingGates``), then DefaultPreemption (its preemption is running)."""
        if spec.get("schedulingGates"):
            return SCHEDULING_GATES
        p = self._preempting.get(key)
        if p is not None and not p.released and p.uid == uid:
            return DEFAULT_PREEMPTION
        return None

    def _update_pod_in_scheduling_queue(
        self, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> None:
        md = new["metadata"]
        if (old.get("metadata") or {}).get("resourceVersion") == md.get("resourceVersion"):
            return  # a resync, nothing changed
        key = f"{md.get('namespace') or 'default'}/{md['name']}"
        entry = self._pending.get(key)
        if entry is None or entry.uid != (md.get("uid") or key):
            self._add_pod_to_scheduling_queue(new)
            return
        entry.pod = new
        if entry.profile != scheduler_name_of(new):
            entry.profile = scheduler_name_of(new)
        actions = pod_scheduling_properties_change(old, new)
        b = self._assumed.get(key)
        if b is not None:
            # Being bound (skipPodUpdate): the cache takes the new object once it is bound.
            if actions is not ActionType.NONE:
                b.stale = True
            return
        old_nnn = (old.get("status") or {}).get("nominatedNodeName")
        new_nnn = (new.get("status") or {}).get("nominatedNodeName")
        if entry.nominated is not None:
            # Our own nomination stands: the object shows it, or an earlier one we patched
            # that the watch delivers only now (taking that would move the reservation back
            # to a node the pod no longer waits for).
            old_nnn = new_nnn = entry.nominated
        if actions is ActionType.NONE and old_nnn == new_nnn:
            if pod_priority(old) == pod_priority(new):
                return
            actions = ActionType.UPDATE
        if actions is ActionType.NONE:
            actions = ActionType.UPDATE
        if new_nnn != old_nnn:
            if new_nnn:
                self.frameworks.add_nominated_pod(new, new_nnn)
            else:
                self.frameworks.delete_nominated_pod_if_exists(*key.split("/", 1))
        self._queue_update(
            key, pod=_pod_for_cycle(entry), actions=actions, now=self.clock.monotonic()
        )
        self._wake.set()

    def _delete_pod_from_scheduling_queue(
        self, pod: Mapping[str, Any], *, bound: bool = False
    ) -> None:
        key = meta_namespace_key(pod)
        entry = self._pending.pop(key, None)
        self.queue.delete(key)
        self._forget_preemption(key)
        b = self._assumed.get(key)
        if b is not None and not bound and b.state == "queued":
            # Deleted after its cycle placed it, before the binding was sent: no trace.
            self._drop_assumed(b, cancel=True)
        if entry is not None and not bound:
            self.frameworks.delete_nominated_pod_if_exists(*key.split("/", 1))
            self._move(EVENT_UNSCHEDULED_POD_DELETE, self.clock.monotonic())
            self._wake.set()

    def _confirm_binding(self, pod: Mapping[str, Any]) -> bool:
        """The informer shows a pod bound by our own (finished) binding: the cache already
        holds it and the queue is done with it, so only the bookkeeping moves (the common
        case, kept lean). False if the pod needs the general path."""
        md = pod["metadata"]
        key = f"{md['namespace']}/{md['name']}"
        b = self._assumed.get(key)
        node = pod["spec"]["nodeName"]
        if (
            b is None
            or b.state != "bound"
            or b.cancelled
            or b.stale
            or b.node != node
            or b.uid != md.get("uid")
        ):
            return False
        del self._assumed[key]
        self._assumed_on[node].discard(key)
        self._pending.pop(key, None)
        self._bound_node[key] = node
        bound = self._bound_on.get(node)
        if bound is None:
            bound = self._bound_on[node] = set()
        bound.add(key)
        self._assigned_event(key)
        return True

    def _add_pod_to_cache(self, pod: Mapping[str, Any]) -> None:
        key = meta_namespace_key(pod)
        node = pod["spec"]["nodeName"]
        self._pending.pop(key, None)
        b = self._assumed.pop(key, None)
        if b is not None:
            self._assumed_on.get(b.node, set()).discard(key)
            uid = (pod.get("metadata") or {}).get("uid")
            if b.node == node and b.uid == uid and not b.cancelled:
                # Our binding, confirmed by the API (maybe before its response arrived).
                if b.state != "bound":
                    self.frameworks.finish_binding(b.namespace, b.name)
                if b.stale:
                    self.frameworks.update_pod(pod)
                self._track_bound(key, node)
                self._assigned_event(key)
                return
            # Bound elsewhere (another scheduler): our request fails or is skipped.
            self._cancel_binding(b)
            if b.state != "bound":
                self.frameworks.forget(b.namespace, b.name)
            else:
                self.frameworks.remove_pod(b.namespace, b.name)
        self._track_bound(key, node)
        if node in self._nodes:
            self.frameworks.add_pod(pod)
        self._assigned_event(key)
        self._wake.set()

    def _track_bound(self, key: str, node: str) -> None:
        prev = self._bound_node.get(key)
        if prev is not None and prev != node:
            self._bound_on.get(prev, set()).discard(key)
        self._bound_node[key] = node
        self._bound_on.setdefault(node, set()).add(key)

    def _update_pod_in_cache(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        key = meta_namespace_key(new)
        node = new["spec"]["nodeName"]
        self._track_bound(key, node)
        if key in self._last_victims and (new.get("metadata") or _EMPTY).get("deletionTimestamp"):
            self._victim_gone(key)
        if not pod_cache_changed(old, new):
            return
        if node in self._nodes:
            self.frameworks.update_pod(new)
        actions = pod_scheduling_properties_change(old, new)
        if actions is not ActionType.NONE:
            self.queue.assigned_pod_updated(key, self.clock.monotonic(), actions)
            self._wake.set()

    def _delete_pod_from_cache(self, pod: Mapping[str, Any]) -> None:
        key = meta_namespace_key(pod)
        ns, _, name = key.partition("/")
        node = self._bound_node.pop(key, None)
        if node is not None:
            self._bound_on.get(node, set()).discard(key)
        b = self._assumed.get(key)
        if b is not None:
            self._drop_assumed(b, cancel=True)
        self.frameworks.remove_pod(ns, name)
        self._victims_requested.discard(key)
        if key in self._last_victims:
            # Before the event: the preemptor's PreEnqueue check passes now, so it moves.
            self._victim_gone(key)
        self._move(EVENT_ASSIGNED_POD_DELETE, self.clock.monotonic())
        self._wake.set()

    def _drop_assumed(self, b: _Binding, *, cancel: bool) -> None:
        """Forget an assumed pod: it will not be bound (or its binding no longer matters)."""
        self._assumed.pop(b.key, None)
        self._assumed_on.get(b.node, set()).discard(b.key)
        if cancel:
            self._cancel_binding(b)
        if b.state != "bound":
            self.frameworks.forget(b.namespace, b.name)

    def _cancel_binding(self, b: _Binding) -> None:
        """The binding of ``b`` will not be sent (if it was not yet): end its attempt."""
        if b.cancelled:
            return
        b.cancelled = True
        if b.state == "queued":
            # The binder skips it, so nothing else ends the pod's attempt in the queue.
            self.queue.done(b.key, b.uid)

    # -- nodes ----------------------------------------------------------------------------

    def _add_node_to_cache(self, node: Mapping[str, Any]) -> None:
        name = node["metadata"]["name"]
        self.frameworks.add_node(node)
        self._nodes.add(name)
        # Pods bound to it that arrived first (or survived its removal) join it now.
        lister = self.pod_informer.get_indexer()
        for key in list(self._bound_on.get(name, ())):
            pod = lister.get_by_key(key)
            if pod is not None and assigned_pod(pod):
                self.frameworks.add_pod(pod)
        self._move(ClusterEvent(EventResource.NODE, ActionType.ADD), self.clock.monotonic())
        self._wake.set()

    def _update_node_in_cache(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        if (old.get("metadata") or {}).get("resourceVersion") == (new.get("metadata") or {}).get(
            "resourceVersion"
        ):
            return
        if node_cache_changed(old, new):
            self.frameworks.update_node(new)
        now = self.clock.monotonic()
        moved = 0
        for action in node_scheduling_properties_change(old, new):
            moved += self._move(ClusterEvent(EventResource.NODE, action), now)
        if moved:
            self._wake.set()

    def _delete_node_from_cache(self, obj: Any) -> None:
        node = obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj
        name = node["metadata"]["name"] if isinstance(node, Mapping) else str(obj.key)
        self._nodes.discard(name)
        self.frameworks.remove_node(name)
        now = self.clock.monotonic()
        # Assumed pods on the node: not bound yet -> forgotten and retried after a backoff.
        for key in list(self._assumed_on.pop(name, ())):
            b = self._assumed.get(key)
            if b is None:
                continue
            if b.state == "queued":
                b.cancelled = True
                self._assumed.pop(key, None)
                self._requeue_after_error(b, f'node "{name}" was deleted while binding', now)
            elif b.state == "binding":
                b.cancelled = True  # completes or fails on its own; nothing to undo here
        self._move(ClusterEvent(EventResource.NODE, ActionType.DELETE), now)
        self._wake.set()

    # -- namespaces and other objects ----------------------------------------------------

    def _update_namespace(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        if (old.get("metadata") or {}).get("labels") != (new.get("metadata") or {}).get("labels"):
            self.frameworks.add_namespace(new)

    def _delete_namespace(self, obj: Any) -> None:
        if isinstance(obj, DeletedFinalStateUnknown):
            self.frameworks.remove_namespace(obj.key)
        else:
            self.frameworks.remove_namespace(obj["metadata"]["name"])

    def _add_object(self, obj: Mapping[str, Any]) -> None:
        self.frameworks.add_object(obj)
        if obj.get("kind") in ("PodDisruptionBudget",):
            return
        self._wake.set()

    def _update_object(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        if (old.get("metadata") or {}).get("resourceVersion") != (new.get("metadata") or {}).get(
            "resourceVersion"
        ):
            self.frameworks.add_object(new)

    def _delete_object(self, obj: Any) -> None:
        o = obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj
        if isinstance(o, Mapping):
            self.frameworks.remove_object(o)

    # ============================================================================ scheduling

    async def _flush_loop(self, period: float, fn: Callable[[float], int]) -> None:
        while True:
            now = self.clock.monotonic()
            # Run on whole multiples of the period (the backoff windows are whole seconds).
            await self.clock.sleep(max(0.0, (int(now / period) + 1) * period - now))
            if self._in_batch:
                continue
            self._flush_adds()
            if fn(self.clock.monotonic()):
                self._wake.set()

    def _flush_backoff(self, now: float) -> int:
        moved = self.queue.flush_backoff_q_completed(now)
        if moved:
            self.metrics.queue_incoming_pods.inc(moved, "active", "BackoffComplete")
        return moved

    def _flush_unschedulable(self, now: float) -> int:
        before = self.queue.pending_pods()
        moved = self.queue.flush_unschedulable_pods_left_over(now)
        if moved:
            self._count_moves(before, "UnschedulableTimeout")
        return moved

    async def _scheduling_loop(self) -> None:
        while True:
            self._wake.clear()
            self._flush_adds()
            now = self.clock.monotonic()
            popped = self.queue.pop_batch_arrays(now, self.batch_size)
            if not popped.keys:
                self._busy = False
                await self._wake.wait()
                continue
            self._busy = True
            await self._schedule_popped(popped.keys, popped.uids, popped.attempts, now)
            # Let informers, binders and the API run between batches.
            await self.clock.sleep(0)

    async def _schedule_popped(
        self, keys: list[str], uids: list[str], attempts: Any, started: float
    ) -> None:
        entries: list[_Pending] = []
        bkeys: list[str] = []
        batt: list[int] = []
        pending = self._pending
        att = attempts.tolist()
        for i, key in enumerate(keys):
            entry = pending.get(key)
            if entry is None or entry.uid != uids[i] or _skip_pod_schedule(entry.pod):
                # skipPodSchedule: deleted, replaced or being deleted meanwhile.
                self.queue.done(key, uids[i])
                continue
            entries.append(entry)
            bkeys.append(key)
            batt.append(att[i])
        if not entries:
            return
        pods = [_pod_for_cycle(e) for e in entries]
        self._in_batch = True
        try:
            if self.threaded:
                result = await asyncio.to_thread(self.frameworks.schedule_batch, pods)
            else:
                result = self.frameworks.schedule_batch(pods)
        except Exception as err:
            self._in_batch = False
            log.warning("schedule_batch failed for %d pod(s): %s", len(pods), err)
            self._schedule_one_by_one(
                entries=entries, keys=bkeys, attempts=batt, pods=pods, started=started
            )
        else:
            self._in_batch = False
            self._process_result(
                entries=entries,
                keys=bkeys,
                attempts=batt,
                pods=pods,
                result=result,
                started=started,
            )
        finally:
            self._in_batch = False
        self._drain_deferred()

    def _schedule_one_by_one(
        self,
        *,
        entries: list[_Pending],
        keys: list[str],
        attempts: list[int],
        pods: list[Mapping[str, Any]],
        started: float,
    ) -> None:
        """After a batch failed as a whole (bad input): isolate the pod(s) at fault."""
        for entry, key, att, pod in zip(entries, keys, attempts, pods, strict=True):
            try:
                result = self.frameworks.schedule_batch([pod])
            except Exception as err:
                self._stats.errors += 1
                self.metrics.observe_attempts(
                    "error", entry.profile, [self.clock.monotonic() - started]
                )
                self._failure(entry, key, reason="SchedulerError", message=str(err), nominated=None)
                continue
            self._process_result(
                entries=[entry],
                keys=[key],
                attempts=[att],
                pods=[pod],
                result=result,
                started=started,
            )

    def _process_result(
        self,
        *,
        entries: list[_Pending],
        keys: list[str],
        attempts: list[int],
        pods: list[Mapping[str, Any]],
        result: BatchResult,
        started: float,
    ) -> None:
        now = self.clock.monotonic()
        stats = self._stats
        stats.batches += 1
        stats.cycles += len(keys)
        node_index = result.node_index
        latency = result.latency_ns
        self.metrics.scheduling_algorithm_duration.observe_many(latency / 1e9)
        names = result.node_names()
        failed_idx = np.flatnonzero(node_index < 0).tolist()
        failures = {i: result[i] for i in failed_idx}
        void = self._batch_nomination_conflicts(entries, node_index, names, failures)
        placed_idx = np.flatnonzero(node_index >= 0).tolist()
        if placed_idx:
            rows = node_index.tolist()
            lat = latency.tolist()
            bind_q = self._bind_q
            assumed = self._assumed
            assumed_on = self._assumed_on
            for i in placed_idx:
                if void and i in void:
                    continue
                entry = entries[i]
                key = keys[i]
                node = names[rows[i]]
                ns, _, name = key.partition("/")
                b = _Binding(
                    key,
                    ns,
                    name,
                    entry.uid,
                    node,
                    entry.profile,
                    pods[i],
                    started,
                    lat[i],
                    now,
                    attempts[i],
                    entry.enqueued,
                )
                assumed[key] = b
                s = assumed_on.get(node)
                if s is None:
                    s = assumed_on[node] = set()
                s.add(key)
                bind_q.append(b)
            self._bind_ready.set()
        failed_keys: list[str] = []
        if failed_idx:
            codes = result.codes
            for i in failed_idx:
                failed_keys.append(keys[i])
                if void and i in void:
                    continue
                entry = entries[i]
                self.metrics.observe_attempts(
                    "error" if codes[i] == Code.Error else "unschedulable",
                    entry.profile,
                    [float(latency[i]) / 1e9],
                )
                self._handle_cycle_failure(entry, keys[i], failures[i], pods[i])
        placed = len(placed_idx)
        if void:
            for i in sorted(void):
                if node_index[i] >= 0:
                    placed -= 1
                    failed_keys.append(keys[i])
                self._retry_void_attempt(entries[i], keys[i], placed=node_index[i] >= 0)
        if self.attempt_observer is not None:
            self.attempt_observer(failed_keys, latency, placed)

    def _batch_nomination_conflicts(
        self,
        entries: list[_Pending],
        node_index: np.ndarray[Any, np.dtype[np.int32]],
        names: Sequence[str],
        failures: Mapping[int, ScheduleResult],
    ) -> set[int]:
        """The results of a batch that an earlier nomination of the same batch voids.

        kube-scheduler records a preemptor's nomination before the next pod's cycle, whose
        filters then count the nominated pod on that node when its priority is at least the
        pod's own. The core does not record nominations within a batch, so a later pod of the
        batch that was placed on, or nominated to, a node an earlier pod of the batch was
        nominated to by a pod of priority >= its own decided without that reservation (two
        preemptors would take the same victims). Its result is void and it is retried at once;
        every other result is what consecutive cycles would have given (the nomination only
        makes that node worse for later pods).
        """
        noms = [(i, r.nominated_node) for i, r in failures.items() if r.nominated_node]
        if not noms or len(entries) < 2:
            return set()
        nominated = dict(noms)
        first = min(nominated)
        best: dict[str, int] = {}  # node -> highest priority nominated to it in this batch
        void: set[int] = set()
        for j in range(first, len(entries)):
            row = int(node_index[j])
            node = names[row] if row >= 0 else nominated.get(j)
            if node is None:
                continue
            prio = pod_priority(entries[j].pod)
            held = best.get(node)
            if held is not None and held >= prio:
                void.add(j)
            elif j in nominated:
                best[node] = prio
        return void

    def _retry_void_attempt(self, entry: _Pending, key: str, *, placed: bool) -> None:
        """Undo a voided result (see :meth:`_batch_nomination_conflicts`) and queue the pod
        for an immediate retry, which sees the nomination."""
        self._stats.extra["void_attempts"] = self._stats.extra.get("void_attempts", 0) + 1
        ns, _, name = key.partition("/")
        if placed:
            self.frameworks.forget(ns, name)
        self.queue.done(key, entry.uid)
        if self._pending.get(key) is entry:
            self._queue_update(
                key,
                pod=_pod_for_cycle(entry),
                actions=ActionType.UPDATE,
                now=self.clock.monotonic(),
            )
            self._wake.set()

    # -- failures -------------------------------------------------------------------------

    def _handle_cycle_failure(
        self,
        entry: _Pending,
        key: str,
        r: ScheduleResult,
        pod: Mapping[str, Any],
    ) -> None:
        profile = entry.profile
        error = r.code == Code.Error and not r.message.startswith("no nodes available")
        message = r.message or ("scheduler error" if error else "unschedulable")
        # The core's Diagnosis sets (empty on an error, which the queue backs off). A plugin
        # the queue does not know cannot be filed; without any known one left the pod backs
        # off and retries rather than waiting for an event nobody registered.
        known = self._queue_plugins.get(profile, frozenset())
        unschedulable = r.unschedulable_plugins & known
        pending = r.pending_plugins & known
        if error:
            self._stats.errors += 1
            reason = "SchedulerError"
        else:
            self._stats.unschedulable += 1
            reason = "Unschedulable"
            if self._preempts.get(profile) and r.code in (
                Code.Unschedulable,
                Code.UnschedulableAndUnresolvable,
            ):
                self.metrics.preemption_attempts.inc()
        nominated = r.nominated_node
        if nominated:
            self._stats.preemptions += 1
            self.metrics.preemption_victims.observe(len(r.victims))
            self._start_preemption(entry, key, pod, r)
        self._failure(
            entry,
            key,
            reason=reason,
            message=message,
            unschedulable_plugins=unschedulable,
            pending_plugins=pending,
            nominated=nominated,
        )

    def _failure(
        self,
        entry: _Pending,
        key: str,
        *,
        reason: str,
        message: str,
        unschedulable_plugins: Iterable[str] = (),
        pending_plugins: Iterable[str] = (),
        nominated: str | None,
    ) -> None:
        """``handleSchedulingFailure``: event, requeue, condition (+ nomination)."""
        entry.message = message
        pod = entry.pod
        if self.events_enabled:
            self.recorders[entry.profile].eventf(
                pod, None, EVENT_TYPE_WARNING, "FailedScheduling", "Scheduling", message
            )
        now = self.clock.monotonic()
        kind = self.queue.add_unschedulable_if_not_present(
            key, now, unschedulable_plugins, pending_plugins, uid=entry.uid
        )
        if kind is QueueKind.NONE or self._pending.get(key) is not entry:
            return  # deleted or bound meanwhile: nothing to report on
        self.metrics.queue_incoming_pods.inc(1, kind.value, "ScheduleAttemptFailure")
        if nominated:
            entry.nominated = nominated
            self.queue.add_nominated_pod(key, nominated)
            self.frameworks.add_nominated_pod(_pod_for_cycle(entry), nominated)
        if kind in (QueueKind.ACTIVE, QueueKind.BACKOFF):
            self._wake.set()
        self._maybe_patch_condition(entry, key, reason, message, nominated)

    def _maybe_patch_condition(
        self, entry: _Pending, key: str, reason: str, message: str, nominated: str | None
    ) -> None:
        status = entry.pod.get("status") or {}
        cur = next(
            (c for c in status.get("conditions") or () if c.get("type") == "PodScheduled"), None
        )
        same_cond = (
            cur is not None
            and cur.get("status") == "False"
            and cur.get("reason") == reason
            and cur.get("message") == message
        )
        same_nnn = not nominated or status.get("nominatedNodeName") == nominated
        if same_cond and same_nnn:
            return
        cond: dict[str, Any] = {
            "type": "PodScheduled",
            "status": "False",
            "reason": reason,
            "message": message,
            "lastProbeTime": None,
        }
        if cur is None or cur.get("status") != "False":
            cond["lastTransitionTime"] = rfc3339(self.clock.now())
        patch: dict[str, Any] = {"status": {"conditions": [cond]}}
        if nominated:
            patch["status"]["nominatedNodeName"] = nominated
        ns, _, name = key.partition("/")
        self._spawn(self._patch_status(ns, name, entry.uid, patch))

    async def _patch_status(self, ns: str, name: str, uid: str, patch: dict[str, Any]) -> None:
        body = dict(patch)
        body["metadata"] = {"uid": uid}
        try:
            async with self._writes:
                await self.client.patch(
                    "pods", name, body, namespace=ns, subresource="status", patch_type="strategic"
                )
        except NotFound:
            pass
        except Conflict:
            pass  # re-created under the same name: the new pod gets its own attempt
        except StatusError as err:
            log.warning("could not update the status of pod %s/%s: %s", ns, name, err)

    def _requeue_after_error(self, b: _Binding, message: str, now: float) -> None:
        """An assumed pod will not be bound: forget it and retry after an error backoff."""
        self.frameworks.forget(b.namespace, b.name)
        entry = self._pending.get(b.key)
        kind = self.queue.add_unschedulable_if_not_present(b.key, now, (), uid=b.uid)
        self._stats.errors += 1
        self.metrics.observe_attempts("error", b.profile, [now - b.started])
        if entry is None or kind is QueueKind.NONE:
            return
        entry.message = message
        if self.events_enabled:
            self.recorders[b.profile].eventf(
                entry.pod, None, EVENT_TYPE_WARNING, "FailedScheduling", "Scheduling", message
            )
        self._maybe_patch_condition(entry, b.key, "SchedulerError", message, None)
        self._wake.set()

    # -- preemption -----------------------------------------------------------------------

    def _start_preemption(
        self, entry: _Pending, key: str, pod: Mapping[str, Any], r: ScheduleResult
    ) -> None:
        """``prepareCandidateAsync``: gate the preemptor, then preempt its victims in the
        background. Called while the preemptor is still in flight, so that requeueing it runs
        DefaultPreemption's PreEnqueue check (the pod waits gated, not in a retry loop)."""
        node = r.nominated_node
        if node is None:
            return
        store = self.pod_informer.get_indexer()
        to_delete: list[Mapping[str, Any]] = []
        for vkey in r.victims:
            victim = store.get_by_key(vkey)
            if (
                victim is None
                or vkey in self._victims_requested
                or (victim.get("metadata") or _EMPTY).get("deletionTimestamp")
            ):
                continue  # gone, or its deletion started already: no second request
            to_delete.append(victim)
        if not to_delete:
            return
        self._forget_preemption(key)
        p = _Preemption(key, entry.uid, node)
        self._preempting[key] = p
        self._victims_requested.update(_key(v) for v in to_delete)
        self._queue_update(
            key, pod=entry.pod, actions=ActionType.UPDATE, now=self.clock.monotonic()
        )
        self._spawn(self._prepare_candidate(p, entry.profile, pod, to_delete))

    async def _prepare_candidate(
        self,
        p: _Preemption,
        profile: str,
        preemptor: Mapping[str, Any],
        victims: list[Mapping[str, Any]],
    ) -> None:
        """Lower-priority pods nominated to the node lose their nomination; every victim but
        the last is preempted concurrently, then the last one (upstream's order: once the
        last victim is seen deleted, all the others were deleted before it)."""
        ok = False
        accepted: set[str] = set()  # victims whose deletion the API accepted
        try:
            await self._clear_lower_priority_nominations(preemptor, p.node)
            ok = True
            if len(victims) > 1:
                results = await asyncio.gather(
                    *(
                        self._preempt_victim(profile, preemptor, p.node, v, accepted)
                        for v in victims[:-1]
                    )
                )
                ok = all(results)
            if ok:
                last = _key(victims[-1])
                p.last_victim = last
                if self._preempting.get(p.key) is p:
                    self._last_victims[last] = p.key
                ok = await self._preempt_victim(profile, preemptor, p.node, victims[-1], accepted)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("preemption for %s failed", p.key)
            ok = False
        finally:
            # Victims not being deleted may be chosen again (their informer event, which
            # would clear the mark, may never come).
            self._victims_requested.difference_update(
                k for k in map(_key, victims) if k not in accepted
            )
        self._dispatch(self._preemption_done, p, ok)

    async def _preempt_victim(
        self,
        profile: str,
        preemptor: Mapping[str, Any],
        node: str,
        victim: Mapping[str, Any],
        accepted: set[str],
    ) -> bool:
        """``PreemptPod``: the victim gets ``DisruptionTarget`` (if it lacks it), then is
        deleted (uid precondition; its key joins ``accepted``). True when it is gone or
        going."""
        vmd = victim.get("metadata") or _EMPTY
        ns, name, uid = vmd.get("namespace") or "default", vmd.get("name", ""), vmd.get("uid", "")
        vkey = f"{ns}/{name}"
        sched_name = scheduler_name_of(preemptor)
        message = f"{sched_name}: preempting to accommodate a higher priority pod"
        try:
            async with self._writes:
                if not _has_condition(victim, "DisruptionTarget", "PreemptionByScheduler", message):
                    cond = {
                        "type": "DisruptionTarget",
                        "status": "True",
                        "reason": "PreemptionByScheduler",
                        "message": message,
                        "lastTransitionTime": rfc3339(self.clock.now()),
                    }
                    await self.client.patch(
                        "pods",
                        name,
                        {"metadata": {"uid": uid}, "status": {"conditions": [cond]}},
                        namespace=ns,
                        subresource="status",
                        patch_type="strategic",
                    )
                await self.client.delete("pods", name, namespace=ns, preconditions={"uid": uid})
        except (NotFound, Conflict):
            log.info("victim %s is already deleted", vkey)
            return True
        except StatusError as err:
            log.warning("could not preempt %s for %s: %s", vkey, _key(preemptor), err)
            return False
        accepted.add(vkey)
        if self.events_enabled:
            preemptor_uid = (preemptor.get("metadata") or _EMPTY).get("uid", "")
            self.recorders[profile].eventf(
                victim,
                preemptor,
                EVENT_TYPE_NORMAL,
                "Preempted",
                "Preempting",
                f"Preempted by pod {preemptor_uid} on node {node}",
            )
        return True

    async def _clear_lower_priority_nominations(
        self, preemptor: Mapping[str, Any], node: str
    ) -> None:
        """Pods of lower priority nominated to ``node`` may no longer fit there: they lose
        the nomination (and look for room elsewhere)."""
        prio = pod_priority(preemptor)
        pkey = _key(preemptor)
        for other in self.queue.nominated_pods_for_node(node):
            entry = self._pending.get(other)
            if other == pkey or entry is None or pod_priority(entry.pod) >= prio:
                continue
            self.queue.delete_nominated_pod_if_exists(other)
            self.frameworks.delete_nominated_pod_if_exists(*other.split("/", 1))
            entry.nominated = None
            ns, _, name = other.partition("/")
            try:
                async with self._writes:
                    await self.client.patch(
                        "pods",
                        name,
                        {"status": {"nominatedNodeName": None}},
                        namespace=ns,
                        subresource="status",
                        patch_type="merge",
                    )
            except StatusError as err:
                log.info("could not clear the nomination of %s: %s", other, err)

    def _preemption_done(self, p: _Preemption, ok: bool) -> None:
        """The victims' API calls ended. A failed preemption lifts the gate and activates
        the preemptor, as upstream; so does a successful one whose last victim the informer
        shows gone or terminating already (no event of it is still to come). Otherwise the
        gate lifts when the informer shows the last victim go (:meth:`_victim_gone`).

        Upstream lifts it here in every case; keeping it until the watch has caught up
        spares the preemptor a cycle that would still see the last victim on the node.
        """
        p.api_done = True
        if self._preempting.get(p.key) is not p:
            return  # the preemptor was deleted, bound or preempted again meanwhile
        if p.released:
            self._forget_preemption(p.key)
            return
        victim = (
            self.pod_informer.get_indexer().get_by_key(p.last_victim) if p.last_victim else None
        )
        if (
            ok
            and victim is not None
            and not (victim.get("metadata") or _EMPTY).get("deletionTimestamp")
        ):
            return  # its deletion event is on its way
        self._forget_preemption(p.key)
        self._release_preemption(p, activate=True)

    def _victim_gone(self, vkey: str) -> None:
        """The informer shows a last victim deleted or terminating: its preemptor's
        PreEnqueue check passes from now on (``IsPodRunningPreemption``)."""
        pkey = self._last_victims.pop(vkey, None)
        p = self._preempting.get(pkey) if pkey is not None else None
        if p is None:
            return
        if p.api_done:
            self._forget_preemption(p.key)
        if not p.released:
            self._release_preemption(p)

    def _release_preemption(self, p: _Preemption, *, activate: bool = False) -> None:
        p.released = True
        entry = self._pending.get(p.key)
        if entry is None or entry.uid != p.uid or p.key in self._assumed:
            return
        now = self.clock.monotonic()
        # Only the gate changes; the next event the pod's rejectors registered moves it.
        self._queue_update(p.key, pod=entry.pod, actions=ActionType.UPDATE, now=now)
        if activate:
            moved = self.queue.activate([p.key], now)
            if moved:
                self.metrics.queue_incoming_pods.inc(moved, "active", "ForceActivate")
        self._wake.set()

    def _forget_preemption(self, key: str) -> None:
        p = self._preempting.pop(key, None)
        if p is not None and p.last_victim and self._last_victims.get(p.last_victim) == key:
            del self._last_victims[p.last_victim]

    # ============================================================================ binding

    async def _binder(self) -> None:
        q = self._bind_q
        done_since_yield = 0
        while True:
            if not q:
                self._bind_ready.clear()
                done_since_yield = 0
                if not self._binds_in_flight:
                    self.flush_observations()
                await self._bind_ready.wait()
                continue
            b = q.popleft()
            if b.cancelled:
                continue
            b.state = "binding"
            self._binds_in_flight += 1
            err: StatusError | None = None
            try:
                await self.client.create(
                    "pods",
                    {
                        "apiVersion": "v1",
                        "kind": "Binding",
                        "metadata": {"name": b.name, "namespace": b.namespace, "uid": b.uid},
                        "target": {"kind": "Node", "name": b.node},
                    },
                    namespace=b.namespace,
                    name=b.name,
                    subresource="binding",
                )
            except StatusError as e:
                err = e
            finally:
                self._binds_in_flight -= 1
            if err is None:
                # _dispatch(self._bind_succeeded, b), spelled out (once per bound pod)
                if self._in_batch:
                    self._deferred.append((self._bind_succeeded, (b,)))
                else:
                    if self._adds:
                        self._flush_adds()
                    self._bind_succeeded(b)
            else:
                self._dispatch(self._bind_failed, b, err)
            done_since_yield += 1
            if done_since_yield >= _BINDER_YIELD_EVERY:
                done_since_yield = 0
                await self.clock.sleep(0)

    def _bind_succeeded(self, b: _Binding) -> None:
        """``bindingCycle`` success: finish binding, report, release the queue entry."""
        now = self.clock.monotonic()
        b.state = "bound"
        key = b.key
        if self._assumed.get(key) is b:
            self.frameworks.finish_binding(b.namespace, b.name)
        self.queue.done(key, b.uid)
        entry = self._pending.get(key)
        if entry is not None and (
            entry.nominated or (entry.pod.get("status") or _EMPTY).get("nominatedNodeName")
        ):
            entry.nominated = None
            self.queue.delete_nominated_pod_if_exists(key)
        self._stats.scheduled += 1
        profile = b.profile
        obs = self._obs_scheduled.get(profile)
        if obs is None:
            obs = self._obs_scheduled[profile] = []
        obs.append(b.cycle_ns / 1e9 + (now - b.algorithm_done))
        attempts = b.attempts
        sli = self._obs_sli.get(attempts)
        if sli is None:
            sli = self._obs_sli[attempts] = []
        sli.append(now - b.enqueued)
        self._obs_attempts.append(attempts)
        if len(self._obs_attempts) >= _OBSERVATIONS_FLUSH:
            self.flush_observations()
        if self.events_enabled:
            self.recorders[profile].eventf(
                b.pod,
                None,
                EVENT_TYPE_NORMAL,
                "Scheduled",
                "Binding",
                f"Successfully assigned {key} to {b.node}",
            )

    def _bind_failed(self, b: _Binding, err: StatusError) -> None:
        """``handleBindingCycleError``: forget, let waiting pods retry, requeue with backoff."""
        now = self.clock.monotonic()
        self._stats.bind_failures += 1
        if self._assumed.get(b.key) is b:
            self._assumed.pop(b.key, None)
            self._assumed_on.get(b.node, set()).discard(b.key)
            self.frameworks.forget(b.namespace, b.name)
        # The resources it held are free again.
        self._move(EVENT_ASSIGNED_POD_DELETE, now)
        message = f'running Bind plugin "{_DEFAULT_BINDER}": {err.message}'
        if isinstance(err, NotFound) or self._pending.get(b.key) is None:
            self.queue.done(b.key, b.uid)
            self.metrics.observe_attempts("error", b.profile, [now - b.started])
            return
        if isinstance(err, Conflict):
            # Maybe bound by someone else, or being deleted: ask the API before retrying.
            self._spawn(self._check_conflict(b, message))
            return
        self._requeue_after_error(b, message, now)

    async def _check_conflict(self, b: _Binding, message: str) -> None:
        try:
            async with self._writes:
                pod = await self.client.get("pods", b.name, namespace=b.namespace)
        except NotFound:
            pod = None
        except StatusError:
            pod = {}
        self._dispatch(self._conflict_checked, b, message, pod)

    def _conflict_checked(self, b: _Binding, message: str, pod: Mapping[str, Any] | None) -> None:
        now = self.clock.monotonic()
        gone = pod is None or (pod.get("metadata") or {}).get("uid") not in (None, b.uid)
        bound = pod is not None and assigned_pod(pod)
        deleting = pod is not None and bool((pod.get("metadata") or {}).get("deletionTimestamp"))
        if gone or bound or deleting:
            # Not retried: the informer brings the bound pod (or the deletion).
            self.queue.done(b.key, b.uid)
            self.metrics.observe_attempts("error", b.profile, [now - b.started])
            self._stats.extra["bind_conflicts_dropped"] = (
                self._stats.extra.get("bind_conflicts_dropped", 0) + 1
            )
            return
        self._requeue_after_error(b, message, now)


def _events_to_register(
    profile: ResolvedProfile,
) -> dict[str, tuple[ClusterEventWithHint, ...]]:
    """The ``EventsToRegister`` of the profile's PreEnqueue and Filter plugins (all events
    for unknown plugins, as upstream registers for plugins without ``EnqueueExtensions``).

    DefaultPreemption, when the profile preempts, registers the deletion of assigned pods
    with a hint that always skips, as upstream: the registration lets that event reach a
    preemptor gated while its victims are deleted, and the other rejectors decide whether it
    moves."""
    defaults = default_events_to_register()
    out = {SCHEDULING_GATES: defaults[SCHEDULING_GATES]}
    if DEFAULT_PREEMPTION in profile.post_filters:
        out[DEFAULT_PREEMPTION] = (ClusterEventWithHint(EVENT_ASSIGNED_POD_DELETE, _queue_skip),)
    for name in profile.filters:
        out[name] = defaults.get(
            name, (ClusterEventWithHint(ClusterEvent(EventResource.WILDCARD, ActionType.ALL)),)
        )
    return out


def _queue_skip(request: QueueingHintRequest) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """A queueing hint that skips every pod (DefaultPreemption's on assigned-pod deletion)."""
    return np.zeros(len(request.keys), dtype=np.bool_)


def _terminal(pod: Mapping[str, Any]) -> bool:
    status = pod.get("status")
    return status is not None and status.get("phase") in _TERMINAL_PHASES


def _skip_pod_schedule(pod: Mapping[str, Any]) -> bool:
    """``skipPodSchedule``: a pod being deleted is not scheduled."""
    return bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def _pod_for_cycle(entry: _Pending) -> Mapping[str, Any]:
    """The pod as the core sees it: with the nomination we made if the object lacks it."""
    pod = entry.pod
    if entry.nominated is None:
        return pod
    status = pod.get("status") or {}
    if status.get("nominatedNodeName") == entry.nominated:
        return pod
    return {**pod, "status": {**status, "nominatedNodeName": entry.nominated}}


def _key(pod: Mapping[str, Any]) -> str:
    return str(meta_namespace_key(pod))


def _has_condition(pod: Mapping[str, Any], kind: str, reason: str, message: str) -> bool:
    """Whether ``pod`` carries condition ``kind`` True with this reason and message."""
    for c in (pod.get("status") or _EMPTY).get("conditions") or ():
        if c.get("type") == kind:
            return bool(
                c.get("status") == "True"
                and c.get("reason") == reason
                and c.get("message") == message
            )
    return False
