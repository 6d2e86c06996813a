"""
kcore native scheduling core
"""
from __future__ import annotations
import builtins
import collections.abc
import numpy
import numpy.typing
import typing
__all__: list[str] = ['AlreadyExistsError', 'InvalidInputError', 'InvalidObjectError', 'NativeScheduler', 'NodeTableHandle', 'NotFoundError', 'PodAlreadyQueuedError', 'PodKeys', 'PodNotFoundError', 'PodTemplate', 'QueueReentrancyError', 'RowNames', 'SchedulingQueue', 'UnknownSchedulerError', 'match_cluster_events', 'parse_quantity', 'plugin_names', 'version']
class InvalidObjectError(ValueError):
    pass
class InvalidInputError(InvalidObjectError):
    pass
class NotFoundError(KeyError):
    pass
class AlreadyExistsError(ValueError):
    pass
class UnknownSchedulerError(ValueError):
    pass
class PodTemplate:
    """
    A pod converted once (for batches of copies).
    """
    def __init__(self, pod: typing.Any) -> None:
        ...
    @property
    def name(self) -> str:
        """
        metadata.name.
        """
    @property
    def namespace(self) -> str:
        """
        metadata.namespace (default "default").
        """
class RowNames:
    """
    Node names by row at the end of a batch (an immutable sequence).
    """
    def __getitem__(self, row: typing.SupportsInt | typing.SupportsIndex) -> str:
        """
        Node name of a row ("" for a free row).
        """
    def __len__(self) -> int:
        """
        Number of rows.
        """
class PodKeys:
    """
    The "namespace/name" of the pods of a batch, in order.
    """
    def __getitem__(self, index: typing.SupportsInt | typing.SupportsIndex) -> str:
        """
        The key of one pod.
        """
    def __len__(self) -> int:
        """
        Number of pods.
        """
class NodeTableHandle:
    """
    Immutable NodeTable snapshot; owns the column buffers.
    """
    def columns(self) -> dict[str, typing.Any]:
        """
        Read-only zero-copy NumPy views of the snapshot's columns.
        """
    def label_keys(self) -> list[str]:
        """
        Label keys by label column.
        """
    def label_values(self, column: typing.SupportsInt | typing.SupportsIndex) -> list[str]:
        """
        Label values by domain id of one label column.
        """
    def names(self) -> list[str]:
        """
        Node name per row ("" for free rows).
        """
    def resource_names(self) -> list[str]:
        """
        Resource names by resource index.
        """
    def taints(self) -> list[str]:
        """
        The taint universe ("key=value:Effect") by bit.
        """
    @property
    def size(self) -> int:
        """
        Number of rows.
        """
class NativeScheduler:
    """
    The scheduler cache (nodes, pods, nominations, namespaces, objects) and one framework per
    profile. Use kcore.scheduler.Scheduler, which wraps this class with typed methods. Every call is
    serialised by one lock; scheduling calls release the GIL while cycles run.
    """
    def __init__(self, profiles: list[dict[str, typing.Any]], seed: typing.SupportsInt | typing.SupportsIndex = 0, match_scheduler_name: bool = True) -> None:
        """
        Profiles are dicts from kcore.scheduler._profile.native_profile.
        """
    def add_namespace(self, namespace: typing.Any) -> None:
        """
        Add or replace a v1.Namespace.
        """
    def add_node(self, node: typing.Any) -> None:
        """
        Add a v1.Node.
        """
    def add_nominated_pod(self, pod: typing.Any, node_name: str | None = None) -> bool:
        """
        Nominate a pod to a node (default: status.nominatedNodeName).
        """
    def add_object(self, obj: typing.Any) -> None:
        """
        Add or replace a Service, ReplicaSet, StatefulSet,
        ReplicationController, PodDisruptionBudget or PriorityClass.
        """
    def add_pod(self, pod: typing.Any, assumed: bool = False) -> None:
        """
        Add a pod bound to spec.nodeName.
        """
    def assume(self, pod: typing.Any, node_name: str) -> None:
        """
        Assume a pod on a node (binding not finished).
        """
    def cache_hits(self) -> int:
        """
        Cycles decided by the equivalence-class cache.
        """
    def current_name(self) -> str:
        """
        Name of the pod in flight (for Python plugins).
        """
    def debug_filter(self, pod: typing.Any, plugin: str) -> numpy.typing.NDArray[numpy.uint8]:
        """
        Per-row codes of one filter plugin for a pod.
        """
    def debug_score(self, pod: typing.Any, plugin: str, normalized: bool = True) -> numpy.typing.NDArray[numpy.int64]:
        """
        Per-row scores of one score plugin for a pod (every live row feasible): after
        NormalizeScore, or raw (what Score returns) with normalized=False. A failing PreScore raises
        ValueError with the framework's message.
        """
    def delete_nominated_pod_if_exists(self, namespace: str, name: str) -> bool:
        """
        Drop a pod's nomination; False if none.
        """
    def explain(self, pod: typing.Any) -> dict[str, typing.Any]:
        """
        One cycle with every verdict and score; the state is unchanged.
        """
    def finish_binding(self, namespace: str, name: str) -> None:
        """
        Mark an assumed pod's binding as finished.
        """
    def forget(self, namespace: str, name: str) -> None:
        """
        Undo assume.
        """
    def node_names(self) -> list[str]:
        """
        Node names in row order.
        """
    def nominated_node(self, namespace: str, name: str) -> str | None:
        """
        The node a pod is nominated to, or None.
        """
    def nominated_pods_for_node(self, node_name: str) -> list[str]:
        """
        Keys nominated to a node, in nomination order.
        """
    def num_nodes(self) -> int:
        """
        Number of nodes.
        """
    def num_pods(self) -> int:
        """
        Number of bound and assumed pods.
        """
    def pod_node(self, namespace: str, name: str) -> str | None:
        """
        The node a pod is bound or assumed to, or None.
        """
    def remove_namespace(self, name: str) -> None:
        """
        Remove a namespace.
        """
    def remove_node(self, name: str) -> None:
        """
        Remove a node and the pods bound to it.
        """
    def remove_object(self, obj: typing.Any) -> None:
        """
        Remove an object added with add_object.
        """
    def remove_pod(self, namespace: str, name: str) -> None:
        """
        Remove a bound or assumed pod.
        """
    def row_names(self) -> list[str]:
        """
        Node name per row ("" for free rows).
        """
    def schedule(self, pod: typing.Any, assume: bool = True) -> tuple[int, str | None, str, str | None, list[str], int, frozenset[str], frozenset[str]]:
        """
        One cycle: (code, node, message, nominated node, victims, latency ns).
        """
    def schedule_batch(self, pods: typing.Any, template: typing.Any, prefix: str, count: typing.SupportsInt | typing.SupportsIndex, assume: bool, dry_run: bool) -> dict[str, typing.Any]:
        """
        Many cycles in one call (a list of pods, or count copies of a template).
        """
    def schedule_detail(self, pod: typing.Any, assume: bool) -> dict[str, typing.Any]:
        """
        One cycle with detail, optionally assuming the pod.
        """
    def scheduler_names(self) -> list[str]:
        """
        Scheduler names of the profiles, in order.
        """
    def set_equivalence_cache(self, on: bool) -> None:
        """
        Switch the equivalence-class cache (decisions are identical either way).
        """
    def set_equivalence_coarse_domains(self, n: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Tuning: keys with at most n domains enter classes by domain.
        """
    def snapshot(self) -> NodeTableHandle:
        """
        Publish an immutable NodeTable snapshot.
        """
    def update_node(self, node: typing.Any) -> None:
        """
        Replace a known node.
        """
    def update_pod(self, pod: typing.Any) -> None:
        """
        Replace a known pod (same namespace/name).
        """
class PodNotFoundError(KeyError):
    pass
class PodAlreadyQueuedError(ValueError):
    pass
class QueueReentrancyError(RuntimeError):
    pass
class SchedulingQueue:
    """
    kube-scheduler's scheduling queue over pod keys (native core). Use
    kcore.scheduler.backend.queue.SchedulingQueue, which wraps this class with typed methods.
    Times are float seconds on the caller's clock; plugin sets are bit masks of plugin ids.
    """
    def __init__(self, pod_initial_backoff_seconds: typing.SupportsFloat | typing.SupportsIndex, pod_max_backoff_seconds: typing.SupportsFloat | typing.SupportsIndex, pod_max_in_unschedulable_pods_seconds: typing.SupportsFloat | typing.SupportsIndex, pop_from_backoff_q: bool, num_plugins: typing.SupportsInt | typing.SupportsIndex, num_profiles: typing.SupportsInt | typing.SupportsIndex, pod_topology_spread_plugin: typing.SupportsInt | typing.SupportsIndex, registrations: collections.abc.Sequence[tuple[typing.SupportsInt | typing.SupportsIndex, typing.SupportsInt | typing.SupportsIndex, typing.SupportsInt | typing.SupportsIndex, typing.SupportsInt | typing.SupportsIndex, typing.SupportsInt | typing.SupportsIndex]]) -> None:
        ...
    def activate(self, keys: collections.abc.Sequence[str], now: typing.SupportsFloat | typing.SupportsIndex) -> int:
        """
        Move pods to activeQ; returns how many moved.
        """
    def add(self, key: str, uid: str, priority: typing.SupportsInt | typing.SupportsIndex, now: typing.SupportsFloat | typing.SupportsIndex, tag: typing.SupportsInt | typing.SupportsIndex, profile: typing.SupportsInt | typing.SupportsIndex, gated_by: typing.SupportsInt | typing.SupportsIndex, has_required_affinity_terms: bool, nominated_node_name: str) -> int:
        """
        Add a pending pod; returns the queue it went to (QueueKind value).
        """
    def add_batch(self, keys: collections.abc.Sequence[str], uids: typing.Any, priorities: typing.Annotated[numpy.typing.ArrayLike, numpy.int64], tags: typing.Annotated[numpy.typing.ArrayLike, numpy.int64], now: typing.SupportsFloat | typing.SupportsIndex, profile: typing.SupportsInt | typing.SupportsIndex) -> int:
        """
        Add many ungated pods under one lock, all or nothing.
        """
    def add_nominated_pod(self, key: str, node_name: str) -> bool:
        ...
    def add_unschedulable_if_not_present(self, key: str, uid: str, unschedulable_plugins: typing.SupportsInt | typing.SupportsIndex, pending_plugins: typing.SupportsInt | typing.SupportsIndex, now: typing.SupportsFloat | typing.SupportsIndex, hint_fn: typing.Any) -> int:
        """
        Requeue a pod after a failed attempt; returns its queue.
        """
    def assigned_pod_added(self, namespace: str, now: typing.SupportsFloat | typing.SupportsIndex, event_seq: typing.SupportsInt | typing.SupportsIndex, hint_fn: typing.Any, verdicts: typing.Any) -> int:
        ...
    def assigned_pod_updated(self, namespace: str, actions: typing.SupportsInt | typing.SupportsIndex, now: typing.SupportsFloat | typing.SupportsIndex, event_seq: typing.SupportsInt | typing.SupportsIndex, hint_fn: typing.Any, verdicts: typing.Any) -> int:
        ...
    def delete(self, key: str) -> bool:
        """
        Delete a pod; False if the key is unknown.
        """
    def delete_nominated_pod_if_exists(self, key: str) -> bool:
        ...
    def done(self, key: str, uid: str) -> bool:
        """
        End the pod's scheduling attempt; False if not in flight.
        """
    def flush_backoff_q_completed(self, now: typing.SupportsFloat | typing.SupportsIndex) -> int:
        ...
    def flush_unschedulable_pods_left_over(self, now: typing.SupportsFloat | typing.SupportsIndex) -> int:
        ...
    def get(self, key: str) -> typing.Any:
        ...
    def list(self, queue: typing.SupportsInt | typing.SupportsIndex) -> builtins.list[typing.Any]:
        ...
    def move_all_to_active_or_backoff_queue(self, resource: typing.SupportsInt | typing.SupportsIndex, action: typing.SupportsInt | typing.SupportsIndex, now: typing.SupportsFloat | typing.SupportsIndex, event_seq: typing.SupportsInt | typing.SupportsIndex, hint_fn: typing.Any, verdicts: typing.Any) -> int:
        """
        Process a cluster event; returns how many pods moved.
        """
    def next_wakeup(self, now: typing.SupportsFloat | typing.SupportsIndex) -> typing.Any:
        ...
    def nominated_pods_for_node(self, node_name: str) -> builtins.list[str]:
        ...
    def oldest_retained_event_seq(self) -> int:
        ...
    def pending_pods(self) -> tuple[int, int, int, int, int]:
        ...
    def pop(self, now: typing.SupportsFloat | typing.SupportsIndex) -> typing.Any:
        """
        Pop the head of activeQ (or of backoffQ when activeQ is empty).
        """
    def pop_batch(self, now: typing.SupportsFloat | typing.SupportsIndex, max_pods: typing.SupportsInt | typing.SupportsIndex) -> builtins.list[typing.Any]:
        """
        Pop up to max_pods pods, as repeated pop() would.
        """
    def pop_batch_arrays(self, now: typing.SupportsFloat | typing.SupportsIndex, max_pods: typing.SupportsInt | typing.SupportsIndex) -> tuple[builtins.list[str], builtins.list[str], numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.int32], numpy.typing.NDArray[numpy.int32]]:
        """
        pop_batch as columns: (keys, uids, tags, priorities, attempts).
        """
    def stats(self) -> tuple[int, int, int, int, int]:
        ...
    def update(self, key: str, uid: str, priority: typing.SupportsInt | typing.SupportsIndex, now: typing.SupportsFloat | typing.SupportsIndex, actions: typing.SupportsInt | typing.SupportsIndex, tag: typing.SupportsInt | typing.SupportsIndex, profile: typing.SupportsInt | typing.SupportsIndex, gated_by: typing.SupportsInt | typing.SupportsIndex, has_required_affinity_terms: bool, nominated_node_name: str, event_seq: typing.SupportsInt | typing.SupportsIndex, hint_fn: typing.Any, verdicts: typing.Any) -> int:
        """
        Update a pod; returns its queue afterwards.
        """
    def verify(self) -> str:
        ...
def match_cluster_events(registered_resource: typing.SupportsInt | typing.SupportsIndex, registered_action: typing.SupportsInt | typing.SupportsIndex, resource: typing.SupportsInt | typing.SupportsIndex, action: typing.SupportsInt | typing.SupportsIndex) -> bool:
    """
    framework.MatchClusterEvents: does an incoming event match a registered one?
    """
def parse_quantity(text: str, milli: bool = False) -> int:
    """
    Parse a Kubernetes quantity; ceil(value * 1000) when milli, else ceil(value).
    """
def plugin_names() -> list[str]:
    """
    Names of the native plugins.
    """
def version() -> str:
    """
    Version string of the native core.
    """
