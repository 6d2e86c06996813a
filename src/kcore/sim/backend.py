"""The interface between the bench executor and the system under test.

The executor (:mod:`kcore.sim.executor`) runs scheduler_perf ops; a :class:`Backend` turns
them into actions on the system being measured and reports back what the scheduler did by
updating a :class:`ClusterState` — the harness's view of the cluster, what upstream's harness
reads from its informers. Backends are selected by ``--mode``:

* ``core`` (:mod:`kcore.sim.core`): the native scheduling core in-process, pods through the
  scheduling queue, ``schedule_batch`` on popped batches;
* ``local`` (:mod:`kcore.sim.component`): the whole scheduler component (informers, queue,
  batched cycles, binding) on ``LocalClient`` over the memory store;
* ``http`` (:mod:`kcore.sim.http`): the same component through an HTTP APIServer process
  over SQLite;
* further modes register themselves with :func:`register_backend`.

A backend must call :meth:`ClusterState.scheduled` / :meth:`ClusterState.attempted` /
:meth:`ClusterState.deleted` as it observes placements, failed attempts and deletions, and
:meth:`ClusterState.notify` after each burst of changes so waiting ops wake up.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from numpy.typing import NDArray

    from kcore.scheduler.apis.config.types import ResolvedProfile
    from kcore.sim.metrics import AttemptLatencies, RSSSampler, ThroughputCollector
    from kcore.util.clock import Clock

__all__ = [
    "BACKENDS",
    "Backend",
    "BackendFactory",
    "ClusterState",
    "ExecutionError",
    "PodGroup",
    "PodRecord",
    "register_backend",
]


class ExecutionError(RuntimeError):
    """A workload failed while running: an op that cannot finish, a bad template, or the
    system under test failing."""


@dataclass(slots=True)
class PodRecord:
    """The harness's view of one pod.

    ``node`` is set once the pod is placed (upstream: ``spec.nodeName``); ``attempted`` once a
    scheduling attempt has finished for it (upstream: a ``PodScheduled`` condition exists).
    """

    namespace: str
    name: str
    labels: Mapping[str, str]
    group: int  # index of the PodGroup that created it (-1 for single pods)
    node: str | None = None
    attempted: bool = False


@dataclass(frozen=True, slots=True)
class PodGroup:
    """Pods created by one op from one template.

    ``template`` is the rendered pod (its ``metadata.name`` is replaced by each of ``names``).
    If the template depends on ``{{.Index}}``, ``pods`` holds every rendered pod and
    ``identical`` is False; otherwise the pods differ only in name and a backend may compile
    the template once. When ``chunk_size`` > 0 the names come in chunks:
    ``names[i] == chunk_prefixes[i // chunk_size] + str(i % chunk_size)``, so a backend can
    submit any run of pods that starts at a chunk's first pod as one compiled batch
    (``PodBatch.from_template(template, n, name_prefix=chunk_prefix)``).
    """

    namespace: str
    template: Mapping[str, Any]
    names: tuple[str, ...]
    pods: tuple[Mapping[str, Any], ...] = ()
    identical: bool = True
    chunk_size: int = 0
    chunk_prefixes: tuple[str, ...] = ()

    def pod(self, i: int) -> dict[str, Any]:
        """The full pod ``i`` of the group."""
        if self.pods:
            return dict(self.pods[i])
        meta = dict(self.template.get("metadata") or {})
        meta["name"] = self.names[i]
        meta.pop("generateName", None)
        return {**self.template, "metadata": meta}


@dataclass
class ClusterState:
    """What the harness knows about the cluster, updated by the backend.

    Invariants: a key (``namespace/name``) is in ``pods`` iff the pod exists;
    ``scheduled_by_ns[ns]`` counts pods of ``ns`` in ``pods`` whose ``node`` is set, and
    ``attempted_by_ns[ns]`` those not placed whose ``attempted`` is set. Time stamps are the
    run clock's ``monotonic()`` seconds.
    """

    pods: dict[str, PodRecord] = field(default_factory=dict)
    nodes: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    namespaces: set[str] = field(default_factory=set)
    groups: list[PodGroup] = field(default_factory=list)
    scheduled_by_ns: dict[str, int] = field(default_factory=dict)
    attempted_by_ns: dict[str, int] = field(default_factory=dict)
    collectors: list[ThroughputCollector] = field(default_factory=list)
    latencies: AttemptLatencies | None = None
    rss: RSSSampler | None = None
    _changed: asyncio.Event | None = None
    total_scheduled: int = 0
    total_attempts: int = 0

    # -- updates (backend side)

    def add_group(self, group: PodGroup) -> int:
        gid = len(self.groups)
        self.groups.append(group)
        labels = (group.template.get("metadata") or {}).get("labels") or {}
        for i, name in enumerate(group.names):
            lab = labels
            if group.pods:
                lab = (group.pods[i].get("metadata") or {}).get("labels") or {}
            key = f"{group.namespace}/{name}"
            if key in self.pods:
                msg = f"pod {key!r} already exists"
                raise ValueError(msg)
            self.pods[key] = PodRecord(group.namespace, name, lab, gid)
        self.namespaces.add(group.namespace)
        return gid

    def scheduled(
        self, keys: Sequence[str], nodes: Sequence[str], times: NDArray[np.float64]
    ) -> None:
        """Pods ``keys`` were placed on ``nodes`` at ``times`` (non-decreasing)."""
        pods = self.pods
        by_ns = self.scheduled_by_ns
        attempted = self.attempted_by_ns
        collectors = self.collectors
        selected: list[list[int]] = [[] for _ in collectors]
        placed = 0
        for i, key in enumerate(keys):
            rec = pods.get(key)
            if rec is None or rec.node is not None:
                continue
            ns = rec.namespace
            if rec.attempted:
                attempted[ns] -= 1
            rec.node = nodes[i]
            rec.attempted = True
            by_ns[ns] = by_ns.get(ns, 0) + 1
            placed += 1
            for c, sel in zip(collectors, selected, strict=True):
                if c.selects(ns, rec.labels):
                    sel.append(i)
        self.total_scheduled += placed
        for c, sel in zip(collectors, selected, strict=True):
            if sel:
                c.add(times[np.asarray(sel, dtype=np.int64)])

    def attempted(self, keys: Sequence[str]) -> None:
        """Scheduling attempts for ``keys`` ended without a placement."""
        for key in keys:
            rec = self.pods.get(key)
            if rec is not None and rec.node is None and not rec.attempted:
                rec.attempted = True
                self.attempted_by_ns[rec.namespace] = self.attempted_by_ns.get(rec.namespace, 0) + 1

    def deleted(self, keys: Sequence[str]) -> None:
        """Pods ``keys`` no longer exist."""
        for key in keys:
            rec = self.pods.pop(key, None)
            if rec is None:
                continue
            if rec.node is not None:
                self.scheduled_by_ns[rec.namespace] -= 1
            elif rec.attempted:
                self.attempted_by_ns[rec.namespace] -= 1

    def record_attempts(self, latency_ns: NDArray[np.int64], placed: int) -> None:
        self.total_attempts += len(latency_ns)
        if self.latencies is not None:
            self.latencies.add(latency_ns, placed)
        if self.rss is not None:
            self.rss.sample()

    def notify(self) -> None:
        """Wake ops waiting on the state."""
        if self._changed is not None:
            self._changed.set()

    # -- queries (executor side)

    def count(
        self,
        namespace: str,
        *,
        label_selector: Mapping[str, str] | None = None,
        attempted: bool = False,
    ) -> int:
        """Pods of ``namespace`` placed (plus attempted ones if ``attempted``)."""
        if not label_selector:
            n = self.scheduled_by_ns.get(namespace, 0)
            return n + self.attempted_by_ns.get(namespace, 0) if attempted else n
        return sum(
            1
            for r in self.pods.values()
            if r.namespace == namespace
            and (r.node is not None or (attempted and r.attempted))
            and all(r.labels.get(k) == v for k, v in label_selector.items())
        )

    def pod_keys(
        self, namespace: str, label_selector: Mapping[str, str] | None = None
    ) -> list[str]:
        sel = label_selector or {}
        return [
            k
            for k, r in self.pods.items()
            if r.namespace == namespace and all(r.labels.get(a) == b for a, b in sel.items())
        ]

    def pending_keys(self, namespace: str | None = None) -> list[str]:
        return [
            k
            for k, r in self.pods.items()
            if r.node is None and (namespace is None or r.namespace == namespace)
        ]

    async def wait_changed(self, timeout: float | None) -> None:
        """Wait until :meth:`notify` is called (or ``timeout`` seconds of loop time pass)."""
        if self._changed is None:
            self._changed = asyncio.Event()
        ev = self._changed
        ev.clear()
        try:
            await asyncio.wait_for(ev.wait(), timeout)
        except TimeoutError:
            return


class Backend(Protocol):
    """A system under test, driven by the executor. All methods run on the event loop.

    Contract: after ``start``, pods handed to ``create_pods`` get scheduled in the background
    (the backend runs its own scheduling loop as a task); every observed outcome is written
    into ``state`` and followed by ``state.notify()``. ``idle()`` is True only when no
    scheduling work is pending or due (nothing active, nothing in backoff), so waiting longer
    cannot change anything unless the executor changes the cluster.
    """

    mode: str
    state: ClusterState

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def create_namespace(self, namespace: Mapping[str, Any]) -> None: ...

    async def create_nodes(self, nodes: Sequence[Mapping[str, Any]]) -> None: ...

    async def update_node(self, node: Mapping[str, Any]) -> None: ...

    async def delete_node(self, name: str) -> None: ...

    async def create_pods(self, group: PodGroup) -> None: ...

    async def delete_pods(self, keys: Sequence[str]) -> None: ...

    async def create_object(self, obj: Mapping[str, Any]) -> None: ...

    async def delete_object(self, obj: Mapping[str, Any]) -> None: ...

    def idle(self) -> bool: ...

    def check(self) -> None:
        """Raise :class:`ExecutionError` if the backend has failed (e.g. its scheduling loop
        crashed); waiting ops call this so that a failure is reported, not waited out."""
        ...

    def describe_pending(self, key: str) -> str: ...

    def info(self) -> dict[str, Any]: ...


class BackendFactory(Protocol):
    def __call__(
        self,
        *,
        profile: ResolvedProfile | None,
        clock: Clock,
        seed: int,
        state: ClusterState,
        options: Mapping[str, Any],
    ) -> Backend: ...


def _core_factory(**kwargs: Any) -> Backend:
    from kcore.sim.core import CoreBackend

    return CoreBackend(**kwargs)


def _local_factory(**kwargs: Any) -> Backend:
    from kcore.sim.component import LocalBackend

    return LocalBackend(**kwargs)


def _http_factory(**kwargs: Any) -> Backend:
    from kcore.sim.http import HTTPBackend

    return HTTPBackend(**kwargs)


#: Modes by name. Other components register theirs with :func:`register_backend`.
BACKENDS: dict[str, Callable[..., Backend]] = {
    "core": _core_factory,
    "local": _local_factory,
    "http": _http_factory,
}


def register_backend(mode: str, factory: Callable[..., Backend]) -> None:
    """Make ``kcore bench --mode <mode>`` available; ``factory`` takes the keyword arguments
    of :class:`BackendFactory` and returns a :class:`Backend`."""
    BACKENDS[mode] = factory
