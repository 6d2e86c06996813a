"""kube-scheduler's scheduling queue (``pkg/scheduler/backend/queue``, v1.35) over the native core.

The queue holds pods that wait to be scheduled, identified by their ``namespace/name`` key and
uid; it keeps only per-pod queue metadata, never pod objects (keys in, keys out):

* **activeQ** pops by PrioritySort: higher ``.spec.priority`` first, then earlier queue timestamp
  (then earlier insertion, so runs are reproducible).
* **backoffQ** holds pods until their backoff expires: ``initial * 2**(n-1)`` capped at the
  maximum (1 s to 10 s by default), where n is the pod's unschedulable count, or its consecutive
  error count after an error. With ``pop_from_backoff_q`` (SchedulerPopFromBackoffQ, on by
  default) expiries are truncated to 1-second windows, a pod is released by the first flush in a
  *later* window, and ``pop`` takes the head of backoffQ when activeQ is empty.
* **unschedulablePods** holds pods that no recent cluster event could help, and gated pods
  (scheduling gates, or any PreEnqueue plugin the caller names). A pod that waited there
  ``pod_max_in_unschedulable_pods_seconds`` (5 min) is moved by
  :meth:`SchedulingQueue.flush_unschedulable_pods_left_over`.

Cluster events move unschedulable pods as kube-scheduler does with queueing hints: a pod moves
only if one of the plugins that rejected it registered the event (``EventsToRegister``) and that
plugin's queueing hint says Queue. Events arriving while pods are being scheduled (in flight)
are kept and replayed when the pod comes back through
:meth:`SchedulingQueue.add_unschedulable_if_not_present`.

Queueing hints that need object contents ("does the new node fit this pod?") come from the
caller in bulk, never from a Python call per pod: either a *hint function* registered with the
event, called once per (plugin, event) with every affected pod (their keys, uids and caller
``tag`` values as a NumPy array), or a *verdict array* passed with the event, indexed by pod
``tag``, which the native code reads without calling Python at all. See
``docs/scheduling-queue.md``.

Time is always passed in (``now``, float seconds on the caller's :class:`~kcore.util.clock.Clock`)
and never read, so the same code runs in real and virtual time.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum, IntFlag, StrEnum
from typing import TYPE_CHECKING, Any, Final, NamedTuple, cast

import numpy as np

from kcore import _native

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DEFAULT_SCHEDULER_NAME",
    "EVENT_ASSIGNED_POD_ADD",
    "EVENT_ASSIGNED_POD_DELETE",
    "EVENT_ASSIGNED_POD_UPDATE",
    "EVENT_FORCE_ACTIVATE",
    "EVENT_UNSCHEDULABLE_TIMEOUT",
    "EVENT_UNSCHEDULED_POD_ADD",
    "EVENT_UNSCHEDULED_POD_DELETE",
    "EVENT_UNSCHEDULED_POD_UPDATE",
    "SCHEDULING_GATES",
    "ActionType",
    "ClusterEvent",
    "ClusterEventWithHint",
    "EventResource",
    "PendingPods",
    "PodAlreadyQueuedError",
    "PodNotFoundError",
    "PoppedPods",
    "QueueKind",
    "QueueReentrancyError",
    "QueueStats",
    "QueuedPodInfo",
    "QueueingHint",
    "QueueingHintFn",
    "QueueingHintRequest",
    "SchedulingQueue",
    "default_events_to_register",
]

logger = logging.getLogger(__name__)

DEFAULT_SCHEDULER_NAME: Final = "default-scheduler"
#: The PreEnqueue plugin that gates pods carrying ``spec.schedulingGates``.
SCHEDULING_GATES: Final = "SchedulingGates"
_POD_TOPOLOGY_SPREAD: Final = "PodTopologySpread"
_MAX_PLUGINS: Final = 64

#: A pod key (``namespace/name``) was not found where the call needed it.
PodNotFoundError: type[KeyError] = _native.PodNotFoundError
#: The pod is already queued (or in flight) and cannot be added again.
PodAlreadyQueuedError: type[ValueError] = _native.PodAlreadyQueuedError
#: A queueing hint function called the queue it is evaluating for.
QueueReentrancyError: type[RuntimeError] = _native.QueueReentrancyError


class ActionType(IntFlag):
    """What changed about a resource (``framework.ActionType``; values equal kube-scheduler's).

    ``UPDATE`` is every update bit: an incoming event with the whole ``UPDATE`` mask is a
    generic update that only matches registrations of ``UPDATE`` or ``ALL``.
    """

    NONE = 0
    ADD = 1 << 0
    DELETE = 1 << 1
    UPDATE_NODE_ALLOCATABLE = 1 << 2
    UPDATE_NODE_LABEL = 1 << 3
    UPDATE_NODE_TAINT = 1 << 4  # also node.spec.unschedulable
    UPDATE_NODE_CONDITION = 1 << 5
    UPDATE_NODE_ANNOTATION = 1 << 6
    UPDATE_NODE_DECLARED_FEATURE = 1 << 7
    UPDATE_POD_LABEL = 1 << 8
    UPDATE_POD_SCALE_DOWN = 1 << 9
    UPDATE_POD_TOLERATION = 1 << 10
    UPDATE_POD_SCHEDULING_GATES_ELIMINATED = 1 << 11
    UPDATE_POD_GENERATED_RESOURCE_CLAIM = 1 << 12
    ALL = (1 << 13) - 1
    UPDATE = ALL & ~(ADD | DELETE)


class EventResource(StrEnum):
    """The resource an event is about (``framework.EventResource``).

    ``ASSIGNED_POD`` and ``UNSCHEDULED_POD`` are kube-scheduler's internal resources for events
    of bound and of pending pods; a registration for ``POD`` matches both. Any other string (a
    custom resource) may be used too.
    """

    POD = "Pod"
    ASSIGNED_POD = "AssignedPod"
    UNSCHEDULED_POD = "UnschedulablePod"
    NODE = "Node"
    PERSISTENT_VOLUME = "PersistentVolume"
    PERSISTENT_VOLUME_CLAIM = "PersistentVolumeClaim"
    CSI_NODE = "storage.k8s.io/CSINode"
    CSI_DRIVER = "storage.k8s.io/CSIDriver"
    VOLUME_ATTACHMENT = "storage.k8s.io/VolumeAttachment"
    CSI_STORAGE_CAPACITY = "storage.k8s.io/CSIStorageCapacity"
    STORAGE_CLASS = "storage.k8s.io/StorageClass"
    RESOURCE_CLAIM = "resource.k8s.io/ResourceClaim"
    RESOURCE_SLICE = "resource.k8s.io/ResourceSlice"
    DEVICE_CLASS = "resource.k8s.io/DeviceClass"
    WORKLOAD = "scheduling.k8s.io/Workload"
    WILDCARD = "*"


# Resource ids fixed by the native core (kcore::resource); others are interned from 5 on.
_FIXED_RESOURCES: Final[dict[str, int]] = {
    EventResource.WILDCARD: 0,
    EventResource.POD: 1,
    EventResource.ASSIGNED_POD: 2,
    EventResource.UNSCHEDULED_POD: 3,
    EventResource.NODE: 4,
}


@dataclass(frozen=True, slots=True)
class ClusterEvent:
    """A change of cluster state (``framework.ClusterEvent``).

    Parameters
    ----------
    resource
        An :class:`EventResource` or the name of another resource.
    action_type
        What happened; several bits may be combined when *registering* an event.
    custom_label
        Overrides :attr:`label` (used by ``UnschedulableTimeout`` and ``ForceActivate``).
    """

    resource: str
    action_type: ActionType
    custom_label: str = ""

    def __post_init__(self) -> None:
        if not self.resource:
            raise ValueError("a cluster event needs a resource")
        if not 0 < int(self.action_type) <= int(ActionType.ALL):
            raise ValueError(f"invalid action type {int(self.action_type)} for {self.resource}")

    @property
    def label(self) -> str:
        """The event's name in logs and metrics, e.g. ``NodeAdd``."""
        if self.custom_label:
            return self.custom_label
        return f"{self.resource}{_action_label(self.action_type)}"

    def is_wildcard(self) -> bool:
        """``framework.ClusterEventIsWildCard``: every resource, every action."""
        return self.resource == EventResource.WILDCARD and self.action_type == ActionType.ALL

    def matches(self, incoming: ClusterEvent) -> bool:
        """``framework.MatchClusterEvents``: does *incoming* match this registered event?

        An incoming event matches if it is the same as, or more specific than, this one.
        """
        if self.is_wildcard():
            return True
        resource_ok = self.resource in (EventResource.WILDCARD, incoming.resource) or (
            self.resource == EventResource.POD
            and incoming.resource in (EventResource.ASSIGNED_POD, EventResource.UNSCHEDULED_POD)
        )
        mine, theirs = int(self.action_type), int(incoming.action_type)
        return resource_ok and (mine & theirs) != 0 and theirs <= mine


def _action_label(action: ActionType) -> str:
    names = {
        ActionType.ALL: "All",
        ActionType.UPDATE: "Update",
        ActionType.ADD: "Add",
        ActionType.DELETE: "Delete",
    }
    if action in names:
        return names[action]
    if action.name is not None and "|" not in action.name:
        return "".join(part.capitalize() for part in action.name.split("_"))
    return str(int(action))


EVENT_ASSIGNED_POD_ADD: Final = ClusterEvent(EventResource.ASSIGNED_POD, ActionType.ADD)
EVENT_ASSIGNED_POD_UPDATE: Final = ClusterEvent(EventResource.ASSIGNED_POD, ActionType.UPDATE)
EVENT_ASSIGNED_POD_DELETE: Final = ClusterEvent(EventResource.ASSIGNED_POD, ActionType.DELETE)
EVENT_UNSCHEDULED_POD_ADD: Final = ClusterEvent(EventResource.UNSCHEDULED_POD, ActionType.ADD)
EVENT_UNSCHEDULED_POD_UPDATE: Final = ClusterEvent(EventResource.UNSCHEDULED_POD, ActionType.UPDATE)
EVENT_UNSCHEDULED_POD_DELETE: Final = ClusterEvent(EventResource.UNSCHEDULED_POD, ActionType.DELETE)
EVENT_UNSCHEDULABLE_TIMEOUT: Final = ClusterEvent(
    EventResource.WILDCARD, ActionType.ALL, "UnschedulableTimeout"
)
EVENT_FORCE_ACTIVATE: Final = ClusterEvent(EventResource.WILDCARD, ActionType.ALL, "ForceActivate")


class QueueingHint(IntEnum):
    """What an event means for a pod a plugin rejected (``framework.QueueingHint``)."""

    QUEUE_SKIP = 0
    QUEUE = 1


@dataclass(frozen=True, slots=True)
class QueueingHintRequest:
    """One bulk queueing-hint evaluation: *plugin*'s hint for *event*, for many pods.

    ``keys``, ``uids`` and ``tags`` are parallel: ``tags`` holds the ``tag`` the caller gave each
    pod (e.g. its row in the caller's own pod table; -1 if none), so a hint can be computed with
    NumPy over the caller's arrays. ``old_obj``/``new_obj`` are the objects passed with the event
    (``None`` for an add's old object or a delete's new one).
    """

    plugin: str
    scheduler_name: str
    event: ClusterEvent
    old_obj: object
    new_obj: object
    keys: Sequence[str]
    uids: Sequence[str]
    tags: NDArray[np.int64]


#: A bulk queueing hint: one value per pod of the request (a bool, 0/1 or a QueueingHint).
#: Exceptions and wrong-length results count as Queue for every pod of the request (and are
#: logged), as kube-scheduler treats hint errors.
QueueingHintFn = Callable[[QueueingHintRequest], "ArrayLike"]


@dataclass(frozen=True, slots=True)
class ClusterEventWithHint:
    """An ``EventsToRegister`` entry: an event a plugin cares about, and its hint function.

    Without ``queueing_hint_fn`` the event always queues the pods the plugin rejected.
    """

    event: ClusterEvent
    queueing_hint_fn: QueueingHintFn | None = None


def _events(*pairs: tuple[str, ActionType]) -> tuple[ClusterEventWithHint, ...]:
    return tuple(ClusterEventWithHint(ClusterEvent(r, a)) for r, a in pairs)


def default_events_to_register() -> dict[str, tuple[ClusterEventWithHint, ...]]:
    """``EventsToRegister`` of kube-scheduler v1.35's default plugins, queueing hints on.

    The events are upstream's; the hint functions are left empty (Queue), because upstream's
    hints read object contents. A scheduler narrows them by replacing entries with hint
    functions, or by passing verdict arrays with each event.
    """
    r, a = EventResource, ActionType
    return {
        SCHEDULING_GATES: _events((r.POD, a.UPDATE_POD_SCHEDULING_GATES_ELIMINATED)),
        "NodeUnschedulable": _events(
            (r.NODE, a.ADD | a.UPDATE_NODE_TAINT), (r.POD, a.UPDATE_POD_TOLERATION)
        ),
        "NodeName": _events((r.NODE, a.ADD)),
        "TaintToleration": _events(
            (r.NODE, a.ADD | a.UPDATE_NODE_TAINT), (r.POD, a.UPDATE_POD_TOLERATION)
        ),
        "NodeAffinity": _events((r.NODE, a.ADD | a.UPDATE_NODE_LABEL)),
        "NodePorts": _events((r.POD, a.DELETE), (r.NODE, a.ADD)),
        "NodeResourcesFit": _events(
            (r.POD, a.DELETE | a.UPDATE_POD_SCALE_DOWN),
            (r.NODE, a.ADD | a.UPDATE_NODE_ALLOCATABLE),
        ),
        "VolumeRestrictions": _events((r.POD, a.DELETE), (r.PERSISTENT_VOLUME_CLAIM, a.ADD)),
        "NodeVolumeLimits": _events(
            (r.CSI_NODE, a.ADD),
            (r.POD, a.DELETE),
            (r.PERSISTENT_VOLUME_CLAIM, a.ADD),
            (r.VOLUME_ATTACHMENT, a.DELETE),
        ),
        "VolumeBinding": _events(
            (r.STORAGE_CLASS, a.ADD | a.UPDATE),
            (r.PERSISTENT_VOLUME_CLAIM, a.ADD | a.UPDATE),
            (r.PERSISTENT_VOLUME, a.ADD | a.UPDATE),
            (r.NODE, a.ADD | a.UPDATE_NODE_LABEL),
            (r.CSI_NODE, a.ADD | a.UPDATE),
            (r.CSI_DRIVER, a.UPDATE),
            (r.CSI_STORAGE_CAPACITY, a.ADD | a.UPDATE),
        ),
        "VolumeZone": _events(
            (r.STORAGE_CLASS, a.ADD),
            (r.PERSISTENT_VOLUME_CLAIM, a.ADD | a.UPDATE),
            (r.PERSISTENT_VOLUME, a.ADD | a.UPDATE),
            (r.NODE, a.ADD | a.UPDATE_NODE_LABEL),
        ),
        _POD_TOPOLOGY_SPREAD: _events(
            (r.POD, a.ADD | a.UPDATE_POD_LABEL | a.UPDATE_POD_TOLERATION | a.DELETE),
            (r.NODE, a.ADD | a.DELETE | a.UPDATE_NODE_LABEL | a.UPDATE_NODE_TAINT),
        ),
        "InterPodAffinity": _events(
            (r.POD, a.ADD | a.UPDATE_POD_LABEL | a.DELETE),
            (r.NODE, a.ADD | a.UPDATE_NODE_LABEL),
        ),
        "DynamicResources": _events(
            (r.POD, a.UPDATE_POD_GENERATED_RESOURCE_CLAIM),
            (r.RESOURCE_CLAIM, a.ADD | a.UPDATE),
            (r.RESOURCE_SLICE, a.ADD | a.UPDATE),
            (r.DEVICE_CLASS, a.ADD | a.UPDATE),
        ),
    }


class QueueKind(StrEnum):
    """Where a pod is (the native core's QueueKind)."""

    NONE = "none"  # not queued: done and kept only for its nomination, or dropped
    ACTIVE = "active"
    BACKOFF = "backoff"
    UNSCHEDULABLE = "unschedulable"
    IN_FLIGHT = "in_flight"


_QUEUE_KINDS: Final = (
    QueueKind.NONE,
    QueueKind.ACTIVE,
    QueueKind.BACKOFF,
    QueueKind.UNSCHEDULABLE,
    QueueKind.IN_FLIGHT,
)


class PendingPods(NamedTuple):
    """Pod counts per queue, as the ``scheduler_pending_pods`` metric reports them.

    ``unschedulable`` excludes gated pods; ``in_flight`` counts pods being scheduled (not pending
    in the metric's sense, given for completeness).
    """

    active: int
    backoff: int
    unschedulable: int
    gated: int
    in_flight: int

    @property
    def total(self) -> int:
        """Every pod the queue holds, in flight included."""
        return self.active + self.backoff + self.unschedulable + self.gated + self.in_flight


class PoppedPods(NamedTuple):
    """Pods popped together, as parallel columns (see :meth:`SchedulingQueue.pop_batch_arrays`)."""

    keys: list[str]
    uids: list[str]
    tags: NDArray[np.int64]
    priorities: NDArray[np.int32]
    attempts: NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class QueueStats:
    """Counters for monitoring and tests."""

    scheduling_cycle: int  # pops so far
    hint_calls: int  # bulk hint function calls
    hint_errors: int  # hint calls that failed (their pods were queued)
    in_flight_events: int  # events retained for in-flight pods
    heap_items: int  # heap entries including stale ones


class _Names:
    """Thread-safe interning of plugin names, resource names and profiles to native ids."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.plugin_ids: dict[str, int] = {}
        self.plugin_names: list[str] = []
        self.resource_ids: dict[str, int] = dict(_FIXED_RESOURCES)
        self.resource_names: dict[int, str] = {v: k for k, v in _FIXED_RESOURCES.items()}
        self.profile_ids: dict[str, int] = {}
        self.profile_names: list[str] = []
        self._mask_cache: dict[int, frozenset[str]] = {0: frozenset()}

    def plugin(self, name: str) -> int:
        pid = self.plugin_ids.get(name)
        if pid is not None:
            return pid
        _require_name(name, "plugin names")
        with self._lock:
            pid = self.plugin_ids.get(name)
            if pid is None:
                if len(self.plugin_names) >= _MAX_PLUGINS:
                    raise ValueError(
                        f"cannot track plugin {name!r}: the queue supports at most "
                        f"{_MAX_PLUGINS} distinct plugin names"
                    )
                pid = len(self.plugin_names)
                self.plugin_names.append(name)
                self.plugin_ids[name] = pid
            return pid

    def mask(self, plugins: Iterable[str]) -> int:
        if isinstance(plugins, str):
            raise TypeError("plugin sets must be collections of names, not a single string")
        mask = 0
        for name in plugins:
            mask |= 1 << self.plugin(name)
        return mask

    def names(self, mask: int) -> frozenset[str]:
        names = self._mask_cache.get(mask)
        if names is None:
            names = frozenset(n for i, n in enumerate(self.plugin_names) if mask >> i & 1)
            self._mask_cache[mask] = names
        return names

    def resource(self, name: str) -> int:
        rid = self.resource_ids.get(name)
        if rid is not None:
            return rid
        with self._lock:
            rid = self.resource_ids.get(name)
            if rid is None:
                rid = len(self.resource_ids)
                self.resource_ids[name] = rid
                self.resource_names[rid] = name
            return rid

    def profile(self, scheduler_name: str) -> int:
        pid = self.profile_ids.get(scheduler_name)
        if pid is None:
            known = ", ".join(sorted(self.profile_ids))
            raise ValueError(f"no profile for scheduler name {scheduler_name!r} (known: {known})")
        return pid


class QueuedPodInfo:
    """A read-only snapshot of one pod's queue metadata (``framework.QueuedPodInfo``).

    It never changes after it was taken; ask the queue again for fresh values. Times are float
    seconds on the caller's clock, ``None`` when unset.
    """

    __slots__ = ("_names", "_raw")

    def __init__(self, raw: tuple[Any, ...], names: _Names) -> None:
        self._raw = raw
        self._names = names

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return cast("str", self._raw[0])

    @property
    def uid(self) -> str:
        """The pod's uid."""
        return cast("str", self._raw[1])

    @property
    def priority(self) -> int:
        """``.spec.priority`` (0 when unset)."""
        return cast("int", self._raw[2])

    @property
    def tag(self) -> int:
        """The caller's tag for this pod (-1 if none)."""
        return cast("int", self._raw[3])

    @property
    def scheduler_name(self) -> str:
        """The pod's profile (``.spec.schedulerName``)."""
        return self._names.profile_names[cast("int", self._raw[4])]

    @property
    def queue(self) -> QueueKind:
        """Where the pod was when the snapshot was taken."""
        return _QUEUE_KINDS[cast("int", self._raw[5])]

    @property
    def timestamp(self) -> float | None:
        """When the pod was added or last re-queued after a failure."""
        return cast("float | None", self._raw[6])

    @property
    def initial_attempt_timestamp(self) -> float | None:
        """When the pod first became poppable (first entered activeQ)."""
        return cast("float | None", self._raw[7])

    @property
    def backoff_expiration(self) -> float | None:
        """When its backoff ends (window-aligned with pop_from_backoff_q); None if it owes none."""
        return cast("float | None", self._raw[8])

    @property
    def attempts(self) -> int:
        """How many times the pod was popped."""
        return cast("int", self._raw[9])

    @property
    def unschedulable_count(self) -> int:
        """Failed attempts with a plugin rejection."""
        return cast("int", self._raw[10])

    @property
    def consecutive_errors_count(self) -> int:
        """Failed attempts in a row that ended in an error (no rejecting plugin)."""
        return cast("int", self._raw[11])

    @property
    def unschedulable_plugins(self) -> frozenset[str]:
        """Plugins that rejected the pod in its last attempt (and its gating plugin)."""
        return self._names.names(cast("int", self._raw[12]))

    @property
    def pending_plugins(self) -> frozenset[str]:
        """Plugins that returned Pending in its last attempt."""
        return self._names.names(cast("int", self._raw[13]))

    @property
    def gating_plugin(self) -> str | None:
        """The PreEnqueue plugin that gated the pod when the queue last checked, if any."""
        pid = cast("int", self._raw[14])
        return None if pid < 0 else self._names.plugin_names[pid]

    @property
    def gated(self) -> bool:
        """Whether the pod waits behind a PreEnqueue plugin."""
        return cast("int", self._raw[14]) >= 0

    @property
    def nominated_node_name(self) -> str | None:
        """The node the nominator holds for the pod, if any."""
        return cast("str", self._raw[16]) or None

    @property
    def deleted(self) -> bool:
        """The pod was deleted while it was being scheduled."""
        return cast("bool", self._raw[17])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QueuedPodInfo):
            return NotImplemented
        return self._raw == other._raw

    def __hash__(self) -> int:
        return hash(self._raw)

    def __repr__(self) -> str:
        return (
            f"QueuedPodInfo(key={self.key!r}, queue={self.queue.value}, priority={self.priority}, "
            f"attempts={self.attempts}, timestamp={self.timestamp})"
        )


_Registration = tuple[int, int, int, int, int]  # profile, plugin, resource, actions, hint id


class SchedulingQueue:
    """kube-scheduler's ``SchedulingQueue`` (``PriorityQueue``) over keys, on the native core.

    Contract
    --------
    * Every pod added and not deleted is in exactly one of activeQ, backoffQ, unschedulablePods
      or in flight (popped and not yet passed to :meth:`done` or
      :meth:`add_unschedulable_if_not_present`). Bad input raises (``ValueError``,
      ``TypeError``, :data:`PodNotFoundError`, :data:`PodAlreadyQueuedError`) and changes
      nothing.
    * Ordering: activeQ pops by priority (high first), then queue timestamp, then insertion.
    * Time: every method that depends on time takes ``now`` (float seconds from the caller's
      ``Clock``); the queue never reads a clock. :meth:`next_wakeup` says when a flush will next
      move something, which is what a virtual clock jumps to.
    * Concurrency: one native mutex guards the queue, and every call releases the GIL while it
      waits for it, so several threads may share a queue. Hint functions run under that mutex:
      they must not call the queue (:data:`QueueReentrancyError`).
    * Hints: a registered hint function is called once per (plugin, event) with all the pods
      that plugin rejected, never once per pod, except when an event is replayed for a single
      pod coming back from a scheduling attempt. ``verdicts`` passed with an event (plugin name
      -> array indexed by pod tag) override the registered hint for that event and need no
      Python call at all; they are also captured for pods in flight, so a replay uses them too.
    * Event objects (``old_obj``/``new_obj``) are kept only while an in-flight pod may replay
      the event, so hint functions can read them later.

    Parameters
    ----------
    pod_initial_backoff_seconds, pod_max_backoff_seconds
        Backoff of the first retry and its cap (``podInitialBackoffSeconds`` and
        ``podMaxBackoffSeconds``); a maximum of 0 disables backoff.
    pod_max_in_unschedulable_pods_seconds
        How long a pod may wait in unschedulablePods before a flush moves it anyway.
    pop_from_backoff_q
        The SchedulerPopFromBackoffQ behaviour (1-second backoff windows, pop from backoffQ
        when activeQ is empty); on by default as in v1.35.
    profiles
        ``{scheduler name: {plugin: [ClusterEventWithHint | ClusterEvent, ...]}}``. By default
        one profile, ``default-scheduler``, with :func:`default_events_to_register`.
    """

    def __init__(
        self,
        *,
        pod_initial_backoff_seconds: float = 1.0,
        pod_max_backoff_seconds: float = 10.0,
        pod_max_in_unschedulable_pods_seconds: float = 300.0,
        pop_from_backoff_q: bool = True,
        profiles: Mapping[str, Mapping[str, Iterable[ClusterEventWithHint | ClusterEvent]]]
        | None = None,
    ) -> None:
        if profiles is None:
            profiles = {DEFAULT_SCHEDULER_NAME: default_events_to_register()}
        if not profiles:
            raise ValueError("a scheduling queue needs at least one profile")
        self._names = _Names()
        self._hints: list[tuple[QueueingHintFn, str, str, ClusterEvent]] = []
        registrations: list[_Registration] = []
        pts = self._names.plugin(_POD_TOPOLOGY_SPREAD)
        for scheduler_name, plugins in profiles.items():
            _require_name(scheduler_name, "profile names")
            profile_id = len(self._names.profile_names)
            self._names.profile_ids[scheduler_name] = profile_id
            self._names.profile_names.append(scheduler_name)
            for plugin, events in plugins.items():
                plugin_id = self._names.plugin(plugin)
                for item in events:
                    entry = item if isinstance(item, ClusterEventWithHint) else None
                    if entry is None:
                        if not isinstance(item, ClusterEvent):
                            raise TypeError(
                                f"plugin {plugin!r} registers {item!r}: expected a "
                                "ClusterEvent or ClusterEventWithHint"
                            )
                        entry = ClusterEventWithHint(item)
                    hint_id = -1
                    if entry.queueing_hint_fn is not None:
                        if not callable(entry.queueing_hint_fn):
                            raise TypeError(
                                f"the queueing hint of plugin {plugin!r} is not callable"
                            )
                        hint_id = len(self._hints)
                        self._hints.append(
                            (entry.queueing_hint_fn, plugin, scheduler_name, entry.event)
                        )
                    registrations.append(
                        (
                            profile_id,
                            plugin_id,
                            self._names.resource(entry.event.resource),
                            int(entry.event.action_type),
                            hint_id,
                        )
                    )
        self._native: Any = _native.SchedulingQueue(
            float(pod_initial_backoff_seconds),
            float(pod_max_backoff_seconds),
            float(pod_max_in_unschedulable_pods_seconds),
            bool(pop_from_backoff_q),
            _MAX_PLUGINS,
            len(self._names.profile_names),
            pts,
            registrations,
        )
        self._hint_fn = self._dispatch_hint if self._hints else None
        # Event objects by sequence number, kept while an in-flight pod may replay the event.
        self._event_seq = itertools.count(1)
        self._event_objects: dict[int, tuple[object, object]] = {}
        self._prune_at = 64

    # ----------------------------------------------------------------------------------------
    # pods (the informer side)

    def add(
        self,
        key: str,
        now: float,
        *,
        uid: str | None = None,
        priority: int = 0,
        tag: int = -1,
        scheduler_name: str = DEFAULT_SCHEDULER_NAME,
        gated_by: str | None = None,
        nominated_node_name: str | None = None,
        has_required_affinity_terms: bool = False,
    ) -> QueueKind:
        """Add a new pending pod (``Add``).

        It goes to activeQ, or to unschedulablePods while ``gated_by`` names a PreEnqueue plugin
        that rejects it (``SCHEDULING_GATES`` while ``spec.schedulingGates`` is non-empty).

        Parameters
        ----------
        key
            ``namespace/name``.
        now
            The current time.
        uid
            The pod's uid; defaults to the key.
        priority
            ``.spec.priority``.
        tag
            An opaque integer handed back to hints (e.g. the pod's row in the caller's table).
        scheduler_name
            The pod's profile.
        gated_by
            The PreEnqueue plugin currently rejecting the pod, if any.
        nominated_node_name
            ``.status.nominatedNodeName``; the nominator takes it when the pod enters activeQ.
        has_required_affinity_terms
            Whether the pod has required pod (anti-)affinity terms: such pods are candidates
            when an assigned pod is added or updated.

        Returns
        -------
        QueueKind
            ``ACTIVE`` or ``UNSCHEDULABLE``.

        Raises
        ------
        PodAlreadyQueuedError
            The pod is already queued or being scheduled; use :meth:`update`.
        """
        q = self._native.add(
            key,
            key if uid is None else uid,
            _int32(priority, "priority"),
            now,
            int(tag),
            self._names.profile(scheduler_name),
            -1 if gated_by is None else self._names.plugin(gated_by),
            bool(has_required_affinity_terms),
            nominated_node_name or "",
        )
        return _QUEUE_KINDS[q]

    def add_batch(
        self,
        keys: Sequence[str],
        now: float,
        *,
        uids: Sequence[str] | None = None,
        priorities: Sequence[int] | NDArray[np.integer[Any]] | None = None,
        tags: Sequence[int] | NDArray[np.integer[Any]] | None = None,
        scheduler_name: str = DEFAULT_SCHEDULER_NAME,
    ) -> int:
        """Add many ungated pods with one native call; all of them, or none on error.

        Returns
        -------
        int
            The number of pods added.
        """
        if isinstance(keys, str):
            raise TypeError("add_batch() takes a collection of keys, not a single string")
        n = len(keys)
        prio = (
            np.zeros(n, np.int64)
            if priorities is None
            else _int_column(priorities, n, "priorities")
        )
        tag = np.full(n, -1, np.int64) if tags is None else _int_column(tags, n, "tags")
        return cast(
            "int",
            self._native.add_batch(
                list(keys),
                None if uids is None else list(uids),
                prio,
                tag,
                now,
                self._names.profile(scheduler_name),
            ),
        )

    def update(
        self,
        key: str,
        now: float,
        *,
        actions: ActionType = ActionType.UPDATE,
        uid: str | None = None,
        priority: int = 0,
        tag: int = -1,
        scheduler_name: str = DEFAULT_SCHEDULER_NAME,
        gated_by: str | None = None,
        nominated_node_name: str | None = None,
        has_required_affinity_terms: bool = False,
        old_obj: object = None,
        new_obj: object = None,
        verdicts: Mapping[str, ArrayLike] | None = None,
    ) -> QueueKind:
        """A pending pod changed (``Update``); the keyword arguments describe the new pod.

        ``actions`` are the ``UPDATE_POD_*`` changes (``PodSchedulingPropertiesChange``);
        ``UPDATE`` means a change none of them describes. A pod in activeQ or backoffQ is
        updated in place; one in unschedulablePods is asked the rejectors' hints for each change
        and moves if one says Queue; one in flight records the changes for its replay; an
        unknown pod is added. ``uid=None`` means the pod the queue knows; another uid means the
        pod was re-created under the same key, and replaces it.

        Returns
        -------
        QueueKind
            Where the pod is afterwards.
        """
        seq = self._keep_objects(old_obj, new_obj)
        q = self._native.update(
            key,
            uid or "",
            _int32(priority, "priority"),
            now,
            _pod_update_mask(actions),
            int(tag),
            self._names.profile(scheduler_name),
            -1 if gated_by is None else self._names.plugin(gated_by),
            bool(has_required_affinity_terms),
            nominated_node_name or "",
            seq,
            self._hint_fn,
            self._verdicts(verdicts),
        )
        self._maybe_prune()
        return _QUEUE_KINDS[q]

    def delete(self, key: str) -> bool:
        """Forget a pod and its nomination (``Delete``); False if the key is unknown.

        A pod deleted while being scheduled stays in flight until :meth:`done` or
        :meth:`add_unschedulable_if_not_present`, which then drops it.
        """
        return cast("bool", self._native.delete(key))

    # ----------------------------------------------------------------------------------------
    # the scheduling side

    def pop(self, now: float) -> QueuedPodInfo | None:
        """Take the head of activeQ (or of backoffQ when activeQ is empty); None if empty.

        The pod is in flight until :meth:`done` or :meth:`add_unschedulable_if_not_present`.
        It never blocks: wait with the caller's clock (see :meth:`next_wakeup`).
        """
        raw = self._native.pop(now)
        return None if raw is None else QueuedPodInfo(raw, self._names)

    def pop_batch(self, now: float, max_pods: int) -> list[QueuedPodInfo]:
        """Pop up to ``max_pods`` pods with one native call, as repeated :meth:`pop` would."""
        names = self._names
        return [QueuedPodInfo(raw, names) for raw in self._native.pop_batch(now, int(max_pods))]

    def pop_batch_arrays(self, now: float, max_pods: int) -> PoppedPods:
        """:meth:`pop_batch` as columns, without one Python object per pod.

        For batch scheduling: ``tags`` index the caller's own pod table directly.
        """
        keys, uids, tags, priorities, attempts = self._native.pop_batch_arrays(now, int(max_pods))
        return PoppedPods(keys, uids, tags, priorities, attempts)

    def done(self, key: str, uid: str | None = None) -> bool:
        """The pod's scheduling attempt ended (``Done``); False if it was not in flight."""
        return cast("bool", self._native.done(key, uid or ""))

    def add_unschedulable_if_not_present(
        self,
        key: str,
        now: float,
        unschedulable_plugins: Iterable[str] = (),
        pending_plugins: Iterable[str] = (),
        *,
        uid: str | None = None,
    ) -> QueueKind:
        """Requeue an in-flight pod after a failed attempt (``AddUnschedulableIfNotPresent``).

        With no rejecting plugin the failure counts as an error (consecutive errors count) and
        the pod backs off; otherwise the events recorded while it was in flight are replayed
        through its rejectors' hints: Queue from a pending plugin sends it to activeQ, Queue
        from an unschedulable plugin to backoffQ (or activeQ once its backoff is over), and no
        Queue at all to unschedulablePods. Includes :meth:`done`.

        Returns
        -------
        QueueKind
            Where the pod went; ``NONE`` if it had been deleted meanwhile (it is dropped).

        Raises
        ------
        PodNotFoundError
            The pod is not in flight.
        PodAlreadyQueuedError
            The pod is queued already.
        """
        q = self._native.add_unschedulable_if_not_present(
            key,
            uid or "",
            self._names.mask(unschedulable_plugins),
            self._names.mask(pending_plugins),
            now,
            self._hint_fn,
        )
        self._maybe_prune()
        return _QUEUE_KINDS[q]

    def activate(self, keys: Iterable[str], now: float) -> int:
        """Move pods from unschedulablePods or backoffQ to activeQ (``Activate``).

        An in-flight pod is activated when it comes back; unknown keys are ignored.

        Returns
        -------
        int
            How many pods moved now.
        """
        if isinstance(keys, str):
            raise TypeError("activate() takes a collection of keys, not a single string")
        return cast("int", self._native.activate(list(keys), now))

    # ----------------------------------------------------------------------------------------
    # cluster events

    def move_all_to_active_or_backoff_queue(
        self,
        event: ClusterEvent,
        now: float,
        old_obj: object = None,
        new_obj: object = None,
        *,
        verdicts: Mapping[str, ArrayLike] | None = None,
    ) -> int:
        """A cluster event happened (``MoveAllToActiveOrBackoffQueue``).

        Each unschedulable pod whose rejecting plugin registered the event is asked that
        plugin's hint; Queue moves it to activeQ or backoffQ. Wildcard events move every
        ungated pod. The event is recorded for in-flight pods.

        Parameters
        ----------
        event
            What happened.
        now
            The current time.
        old_obj, new_obj
            The objects involved, handed to hint functions.
        verdicts
            ``{plugin: array}``: that plugin's hint for this event, indexed by pod tag (truthy =
            Queue; pods whose tag is outside the array are queued).

        Returns
        -------
        int
            How many pods moved to activeQ or backoffQ.
        """
        if not isinstance(event, ClusterEvent):
            raise TypeError(f"expected a ClusterEvent, not {type(event).__name__}")
        seq = self._keep_objects(old_obj, new_obj)
        moved = self._native.move_all_to_active_or_backoff_queue(
            self._names.resource(event.resource),
            int(event.action_type),
            now,
            seq,
            self._hint_fn,
            self._verdicts(verdicts),
        )
        self._maybe_prune()
        return cast("int", moved)

    def assigned_pod_added(
        self,
        key: str,
        now: float,
        pod: object = None,
        *,
        verdicts: Mapping[str, ArrayLike] | None = None,
    ) -> int:
        """A bound pod ``key`` appeared (``AssignedPodAdded``).

        Candidates are unschedulable pods rejected by PodTopologySpread in the same namespace
        and pods with required affinity terms; their hints for ``AssignedPod/Add`` decide.
        """
        seq = self._keep_objects(None, pod)
        moved = self._native.assigned_pod_added(
            _namespace(key), now, seq, self._hint_fn, self._verdicts(verdicts)
        )
        self._maybe_prune()
        return cast("int", moved)

    def assigned_pod_updated(
        self,
        key: str,
        now: float,
        actions: ActionType = ActionType.UPDATE,
        old_obj: object = None,
        new_obj: object = None,
        *,
        verdicts: Mapping[str, ArrayLike] | None = None,
    ) -> int:
        """A bound pod ``key`` changed (``AssignedPodUpdated``), once per change in ``actions``.

        A scale-down may help any pod; other changes only pods with cross-topology terms.
        """
        seq = self._keep_objects(old_obj, new_obj)
        moved = self._native.assigned_pod_updated(
            _namespace(key),
            _pod_update_mask(actions),
            now,
            seq,
            self._hint_fn,
            self._verdicts(verdicts),
        )
        self._maybe_prune()
        return cast("int", moved)

    def flush_backoff_q_completed(self, now: float) -> int:
        """Move every pod whose backoff is over to activeQ (``flushBackoffQCompleted``).

        kube-scheduler runs this every second (on whole seconds with pop_from_backoff_q).
        """
        return cast("int", self._native.flush_backoff_q_completed(now))

    def flush_unschedulable_pods_left_over(self, now: float) -> int:
        """Move pods that waited too long in unschedulablePods (``flushUnschedulablePodsLeftover``).

        A pod moves once ``now - timestamp >= pod_max_in_unschedulable_pods_seconds``; gated
        pods stay. kube-scheduler runs this every 30 s.
        """
        return cast("int", self._native.flush_unschedulable_pods_left_over(now))

    def next_wakeup(self, now: float) -> float | None:
        """The earliest time (>= now) at which a flush would move a pod; None if none would.

        Backoff completions and unschedulable timeouts count; pods already in activeQ do not.
        """
        return cast("float | None", self._native.next_wakeup(now))

    # ----------------------------------------------------------------------------------------
    # nominator

    def add_nominated_pod(self, key: str, node_name: str) -> bool:
        """Nominate a queued or in-flight pod to a node ("" clears); False if the pod is unknown."""
        return cast("bool", self._native.add_nominated_pod(key, node_name))

    def delete_nominated_pod_if_exists(self, key: str) -> bool:
        """Drop the pod's nomination; False if it had none."""
        return cast("bool", self._native.delete_nominated_pod_if_exists(key))

    def nominated_pods_for_node(self, node_name: str) -> list[str]:
        """Keys of the pods nominated to ``node_name``, in nomination order."""
        return cast("list[str]", self._native.nominated_pods_for_node(node_name))

    # ----------------------------------------------------------------------------------------
    # introspection

    def pending_pods(self) -> PendingPods:
        """Counts per queue (the ``scheduler_pending_pods`` metric)."""
        return PendingPods(*self._native.pending_pods())

    def get(self, key: str) -> QueuedPodInfo | None:
        """A snapshot of the pod ``key``, or None if the queue does not know it."""
        raw = self._native.get(key)
        return None if raw is None else QueuedPodInfo(raw, self._names)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._native.get(key) is not None

    def pods_in_active_q(self) -> list[QueuedPodInfo]:
        """Snapshots of activeQ, in pop order."""
        return self._list(1)

    def pods_in_backoff_q(self) -> list[QueuedPodInfo]:
        """Snapshots of backoffQ: podBackoffQ in release order, then podErrorBackoffQ."""
        return self._list(2)

    def unschedulable_pods(self) -> list[QueuedPodInfo]:
        """Snapshots of unschedulablePods, gated pods included."""
        return self._list(3)

    def in_flight_pods(self) -> list[QueuedPodInfo]:
        """Snapshots of the pods being scheduled, in pop order."""
        return self._list(4)

    def stats(self) -> QueueStats:
        """Counters (scheduling cycle, hint calls and errors, retained events)."""
        return QueueStats(*self._native.stats())

    @property
    def scheduling_cycle(self) -> int:
        """How many pods were popped so far (``SchedulingCycle``)."""
        return self.stats().scheduling_cycle

    def check_consistency(self) -> None:
        """Verify the native invariants (slow; for tests and debugging).

        Raises
        ------
        AssertionError
            Describing every violated invariant.
        """
        problems = cast("str", self._native.verify())
        if problems:
            raise AssertionError(f"scheduling queue is inconsistent: {problems}")

    # ----------------------------------------------------------------------------------------
    # internals

    def _list(self, kind: int) -> list[QueuedPodInfo]:
        names = self._names
        return [QueuedPodInfo(raw, names) for raw in self._native.list(kind)]

    def _verdicts(self, verdicts: Mapping[str, ArrayLike] | None) -> dict[int, Any] | None:
        if not verdicts:
            return None
        out: dict[int, Any] = {}
        for plugin, values in verdicts.items():
            arr = np.asarray(values)
            if arr.ndim != 1:
                raise ValueError(f"verdicts for {plugin!r} must be a 1-D array indexed by tag")
            if arr.dtype != np.bool_ and not np.issubdtype(arr.dtype, np.integer):
                raise TypeError(f"verdicts for {plugin!r} must be booleans, not {arr.dtype}")
            out[self._names.plugin(plugin)] = np.ascontiguousarray(arr != 0, dtype=np.uint8)
        return out

    def _keep_objects(self, old_obj: object, new_obj: object) -> int:
        if old_obj is None and new_obj is None:
            return 0
        seq = next(self._event_seq)
        self._event_objects[seq] = (old_obj, new_obj)
        return seq

    def _maybe_prune(self) -> None:
        if len(self._event_objects) <= self._prune_at:
            return
        oldest = cast("int", self._native.oldest_retained_event_seq())
        for seq in [s for s in list(self._event_objects) if s < oldest]:
            self._event_objects.pop(seq, None)
        self._prune_at = 2 * len(self._event_objects) + 64

    def _dispatch_hint(
        self,
        call: tuple[int, int, int, int, int, int],
        keys: list[str],
        uids: list[str],
        tags: NDArray[np.int64],
    ) -> NDArray[np.uint8]:
        # call: hint id, plugin id, profile id, resource id, action mask, event sequence number
        hint_id, _, _, resource_id, actions, event_seq = call
        fn, plugin, scheduler_name, _ = self._hints[hint_id]
        old_obj, new_obj = self._event_objects.get(event_seq, (None, None))
        event = ClusterEvent(self._names.resource_names[resource_id], ActionType(actions))
        request = QueueingHintRequest(
            plugin=plugin,
            scheduler_name=scheduler_name,
            event=event,
            old_obj=old_obj,
            new_obj=new_obj,
            keys=keys,
            uids=uids,
            tags=tags,
        )
        try:
            hints = np.asarray(fn(request))
            if hints.shape != (len(keys),):
                raise ValueError(f"returned shape {hints.shape} for {len(keys)} pods")
            return np.ascontiguousarray(hints != 0, dtype=np.uint8)
        except QueueReentrancyError:
            raise
        except Exception:
            # kube-scheduler treats a failing hint as Queue so that no pod gets stuck.
            logger.exception(
                "queueing hint of plugin %s for event %s failed; queueing %d pod(s)",
                plugin,
                event.label,
                len(keys),
            )
            return np.ones(len(keys), dtype=np.uint8)


def _require_name(value: object, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be non-empty strings, not {value!r}")


def _int32(value: int, what: str) -> int:
    v = int(value)
    if not -(2**31) <= v < 2**31:
        raise ValueError(f"{what} {v} does not fit in 32 bits")
    return v


_POD_UPDATES: Final = (
    ActionType.UPDATE_POD_LABEL
    | ActionType.UPDATE_POD_SCALE_DOWN
    | ActionType.UPDATE_POD_TOLERATION
    | ActionType.UPDATE_POD_SCHEDULING_GATES_ELIMINATED
    | ActionType.UPDATE_POD_GENERATED_RESOURCE_CLAIM
)


def _int_column(values: ArrayLike, n: int, what: str) -> NDArray[np.int64]:
    arr = np.asarray(values)
    if arr.shape != (n,):
        raise ValueError(f"{what} must hold one value per key ({n}), not shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{what} must be integers, not {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _pod_update_mask(actions: ActionType) -> int:
    mask = int(actions)
    if mask != int(ActionType.UPDATE) and (mask == 0 or mask & ~int(_POD_UPDATES)):
        raise ValueError(
            f"pod updates are described by UPDATE_POD_* actions (or UPDATE), not {actions!r}"
        )
    return mask


def _namespace(key: str) -> str:
    namespace, sep, name = key.partition("/")
    if not sep or not namespace or not name or "/" in name:
        raise ValueError(f"pod key {key!r} is not of the form namespace/name")
    return namespace
