"""The embedding API: :class:`Scheduler` over the native core.

A ``Scheduler`` owns one native scheduler cache (nodes, bound and assumed pods, namespaces and
the objects default spreading and preemption read) and one framework per profile, all over that
one cache (kube-scheduler's profile map). ``schedule`` runs one cycle and, on success, assumes the
pod on the chosen node;
``schedule_batch`` runs many cycles in one native call with the GIL released; ``dry_run`` runs
the same cycles and restores the state (and the tie-breaking generator) afterwards; ``explain``
reports every filter verdict and the full score matrix without changing anything.

Concurrency: every method is serialised by the native scheduler's lock; the GIL is released
while cycles run, so other Python threads keep running.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from kcore import _native
from kcore.scheduler._profile import default_profile, native_profile
from kcore.scheduler.framework import (
    MAX_NODE_SCORE,
    Code,
    CycleState,
    FilterResult,
    NodeTableView,
    PluginError,
    PodInfo,
    registered_plugins,
    view_from_handle,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from numpy.typing import NDArray

    from kcore.scheduler.apis.config.types import ResolvedProfile

InvalidObjectError = _native.InvalidObjectError
"""Malformed object or input (a ``ValueError``); the message names the field path."""
NotFoundError = _native.NotFoundError
"""A referenced node or pod is unknown (a ``KeyError``)."""
AlreadyExistsError = _native.AlreadyExistsError
"""A pod or node with that name already exists (a ``ValueError``)."""
UnknownSchedulerError = _native.UnknownSchedulerError
"""A pod's ``spec.schedulerName`` names no profile of the scheduler (a ``ValueError``)."""

DEFAULT_SCHEDULER_NAME = "default-scheduler"
"""The ``spec.schedulerName`` of a pod that names none (API defaulting)."""


def _pod_key(pod: object) -> tuple[str, str]:
    if not isinstance(pod, Mapping):
        msg = f"pod: expected a mapping, got {type(pod).__name__}"
        raise InvalidObjectError(msg)
    meta = pod.get("metadata") or {}
    if not isinstance(meta, Mapping):
        return "default", ""
    return str(meta.get("namespace") or "default"), str(meta.get("name") or "")


_NO_PLUGINS: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ScheduleResult:
    """The outcome of one scheduling cycle.

    ``node`` is the chosen node (the pod is assumed there unless this came from ``dry_run`` or
    ``explain``); ``message`` is kube-scheduler's FitError text when nothing fits ("" on
    success). When preemption found room, ``nominated_node`` is set and ``victims`` lists the
    pods to delete ("ns/name", most important first); the caller deletes them.
    ``latency_ns`` is the measured duration of the cycle (instrumentation only).

    When the pod did not fit (``Unschedulable`` / ``UnschedulableAndUnresolvable``),
    ``unschedulable_plugins`` and ``pending_plugins`` are kube-scheduler's Diagnosis sets, the
    ones its queue files the pod under (``QueuedPodInfo.UnschedulablePlugins`` /
    ``PendingPlugins``): every plugin that rejected at least one evaluated node (the first
    failing filter of each node, the nominated node's included), the PreFilter plugin that
    rejected the pod, and NodeAffinity when its PreFilterResult narrowed the nodes; the plugins
    among them that returned ``Pending``. Both are empty on success and on an ``Error`` (the
    queue then backs the pod off). Preemption does not change them.
    """

    pod: str
    node: str | None
    code: Code
    message: str = ""
    nominated_node: str | None = None
    victims: tuple[str, ...] = ()
    latency_ns: int = 0
    unschedulable_plugins: frozenset[str] = _NO_PLUGINS
    pending_plugins: frozenset[str] = _NO_PLUGINS

    @property
    def scheduled(self) -> bool:
        return self.code == Code.Success


class BatchResult(Sequence[ScheduleResult]):
    """Results of ``schedule_batch``/``dry_run``: a lazy sequence plus NumPy columns.

    ``node_index[i]`` is the row of the chosen node (-1 if not placed), an index into
    :meth:`node_names`; ``codes`` holds :class:`Code` values; ``latency_ns`` per cycle.
    """

    __slots__ = ("_failures", "_keys", "_node_names", "codes", "latency_ns", "node_index")

    def __init__(self, raw: Mapping[str, Any], keys: Sequence[str]) -> None:
        self.node_index: NDArray[np.int32] = raw["node_index"]
        self.codes: NDArray[np.uint8] = raw["codes"]
        self.latency_ns: NDArray[np.int64] = raw["latency_ns"]
        for arr in (self.node_index, self.codes, self.latency_ns):
            arr.setflags(write=False)
        self._node_names: Sequence[str] = raw["node_names"]
        # index -> (message, nominated node, victims, unschedulable plugins, pending plugins)
        self._failures: dict[
            int, tuple[str, str | None, list[str], frozenset[str], frozenset[str]]
        ] = raw["failures"]
        self._keys = keys

    def node_names(self) -> Sequence[str]:
        """Node names indexed by ``node_index`` (the rows at the end of the batch).

        A read-only view: a name becomes a Python string when it is looked up, so a batch over
        many nodes costs nothing per node here (``list(...)`` copies it).
        """
        return self._node_names

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, i: int) -> ScheduleResult: ...
    @overload
    def __getitem__(self, i: slice) -> list[ScheduleResult]: ...
    def __getitem__(self, i: int | slice) -> ScheduleResult | list[ScheduleResult]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        row = int(self.node_index[i])
        fail = self._failures.get(i)
        if fail is None:
            return ScheduleResult(
                pod=self._keys[i],
                node=self._node_names[row] if row >= 0 else None,
                code=Code(int(self.codes[i])),
                latency_ns=int(self.latency_ns[i]),
            )
        message, nominated, victims, unschedulable, pending = fail
        return ScheduleResult(
            pod=self._keys[i],
            node=self._node_names[row] if row >= 0 else None,
            code=Code(int(self.codes[i])),
            message=message,
            nominated_node=nominated,
            victims=tuple(victims),
            latency_ns=int(self.latency_ns[i]),
            unschedulable_plugins=unschedulable,
            pending_plugins=pending,
        )

    def __iter__(self) -> Iterator[ScheduleResult]:
        for i in range(len(self)):
            yield self[i]

    @property
    def scheduled(self) -> int:
        """Number of pods placed."""
        return int(np.count_nonzero(self.node_index >= 0))


@dataclass(frozen=True, slots=True)
class NodeVerdict:
    """Why one node was rejected: the first failing filter plugin, its code and reasons."""

    plugin: str
    code: Code
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    """Everything one cycle computed, without changing the scheduler's state.

    ``scores[i, j]`` is the normalised score (0..100) of ``score_plugins[j]`` on
    ``feasible[i]``; ``totals[i]`` the weighted sum; ``top_nodes`` the nodes with the maximum
    total; ``failures`` the verdict for every other node; ``unschedulable_plugins`` and
    ``pending_plugins`` the Diagnosis sets when the pod did not fit (see
    :class:`ScheduleResult`).
    """

    pod: str
    code: Code
    node: str | None
    message: str
    feasible: tuple[str, ...]
    failures: Mapping[str, NodeVerdict]
    score_plugins: tuple[str, ...]
    weights: tuple[int, ...]
    scores: NDArray[np.int64]
    totals: NDArray[np.int64]
    top_nodes: tuple[str, ...]
    nominated_node: str | None = None
    victims: tuple[str, ...] = ()
    post_filter_status: str = ""
    nomination_ties: tuple[str, ...] = ()
    preemption_candidates: tuple[tuple[str, tuple[str, ...], int], ...] = ()
    prefilter_result: tuple[str, ...] | None = None
    unschedulable_plugins: frozenset[str] = _NO_PLUGINS
    pending_plugins: frozenset[str] = _NO_PLUGINS
    extra: Mapping[str, Any] = field(default_factory=dict)


def _explanation(key: str, d: Mapping[str, Any]) -> Explanation:
    return Explanation(
        pod=key,
        code=Code(d["code"]),
        node=d["node"],
        message=d["message"],
        feasible=tuple(d["feasible"]),
        failures={n: NodeVerdict(p, Code(c), tuple(r)) for n, p, c, r in d["failures"]},
        score_plugins=tuple(d["score_plugins"]),
        weights=tuple(int(w) for w in d["weights"]),
        scores=d["scores"],
        totals=d["totals"],
        top_nodes=tuple(sorted(d["top_nodes"])),
        nominated_node=d["nominated_node"],
        victims=tuple(d["victims"]),
        post_filter_status=d["post_filter_status"],
        nomination_ties=tuple(d["nomination_ties"]),
        preemption_candidates=tuple((n, tuple(v), int(p)) for n, v, p in d["candidates"]),
        prefilter_result=tuple(d["prefilter_result"])
        if d["prefilter_result"] is not None
        else None,
        unschedulable_plugins=d["unschedulable_plugins"],
        pending_plugins=d["pending_plugins"],
    )


class PodBatch:
    """``count`` copies of one pod, compiled once, differing only in name (and uid).

    Names are ``name_prefix + str(i)``; the default prefix is the template's name plus ``-``.
    """

    __slots__ = ("_template", "count", "name_prefix", "namespace", "template")

    def __init__(self, template: Mapping[str, Any], count: int, name_prefix: str) -> None:
        if count < 0:
            msg = f"count must be >= 0, got {count}"
            raise ValueError(msg)
        self.template = template
        self._template = _native.PodTemplate(template)
        self.count = count
        self.name_prefix = name_prefix
        self.namespace: str = self._template.namespace

    @classmethod
    def from_template(
        cls, pod: Mapping[str, Any], count: int, *, name_prefix: str | None = None
    ) -> PodBatch:
        """Compile ``pod`` once for ``count`` copies."""
        ns, name = _pod_key(pod)
        del ns
        return cls(pod, count, name_prefix if name_prefix is not None else f"{name}-")

    def __len__(self) -> int:
        return self.count

    def keys(self) -> _BatchKeys:
        """The ``namespace/name`` of every copy (computed lazily)."""
        return _BatchKeys(self.namespace, self.name_prefix, self.count)


class _BatchKeys(Sequence[str]):
    __slots__ = ("_n", "_ns", "_prefix")

    def __init__(self, ns: str, prefix: str, n: int) -> None:
        self._ns, self._prefix, self._n = ns, prefix, n

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return f"{self._ns}/{self._prefix}{i}"


class _PythonPlugin:
    """Adapter between the native framework and one Python plugin instance."""

    def __init__(self, scheduler: Scheduler, name: str, plugin: Any) -> None:
        self.scheduler = scheduler
        self.name = name
        self.plugin = plugin

    def __call__(self, kind: str, namespace: str, name: str, rows: NDArray[np.int32]) -> Any:
        view = self.scheduler._view_locked()
        pod = PodInfo(namespace, name, self.scheduler._current_pod(namespace, name))
        mask = np.zeros(view.size, dtype=np.bool_)
        mask[rows] = True
        state = CycleState()
        if kind == "filter":
            out = self.plugin.filter(state, pod, view, mask)
            code, reason = Code.Unschedulable, f"node(s) didn't pass {self.name}"
            if isinstance(out, FilterResult):
                code, reason, out = out.code, out.reason, out.mask
            if code not in (Code.Unschedulable, Code.UnschedulableAndUnresolvable):
                msg = (
                    f"plugin {self.name!r}: filter code must be Unschedulable or "
                    f"UnschedulableAndUnresolvable, got {code!r}"
                )
                raise PluginError(msg)
            arr = self._check(out, view.size, "filter")
            if arr.dtype != np.bool_:
                msg = (
                    f"plugin {self.name!r}: filter must return a bool array, got dtype {arr.dtype}"
                )
                raise PluginError(msg)
            return (np.ascontiguousarray(arr[rows]), int(code), reason)
        out = self.plugin.score(state, pod, view, mask)
        arr = self._check(out, view.size, "score")
        if not np.issubdtype(arr.dtype, np.integer):
            msg = f"plugin {self.name!r}: score must return an integer array, got dtype {arr.dtype}"
            raise PluginError(msg)
        sel = arr[rows].astype(np.int64)
        if sel.size and (sel.min() < 0 or sel.max() > MAX_NODE_SCORE):
            msg = (
                f"plugin {self.name!r}: scores must be in 0..{MAX_NODE_SCORE} on feasible nodes, "
                f"got range {int(sel.min())}..{int(sel.max())}"
            )
            raise PluginError(msg)
        return np.ascontiguousarray(sel)

    def _check(self, out: Any, size: int, what: str) -> NDArray[Any]:
        if not isinstance(out, np.ndarray):
            msg = (
                f"plugin {self.name!r}: {what} must return a NumPy array, got {type(out).__name__}"
            )
            raise PluginError(msg)
        if out.shape != (size,):
            msg = f"plugin {self.name!r}: {what} returned shape {out.shape}, expected ({size},)"
            raise PluginError(msg)
        return out


class Scheduler:
    """An in-process kube-scheduler: cluster state plus its profiles, deterministic by seed.

    Parameters
    ----------
    profile
        One resolved profile that schedules every pod whatever its ``spec.schedulerName``;
        ``None`` (and no ``profiles``) is kcore's default profile (kube-scheduler v1.35's
        default-scheduler with every node scored).
    profiles
        Several resolved profiles over the one shared cluster state, as kube-scheduler runs the
        profiles of a ``KubeSchedulerConfiguration``: a pod is scheduled by the profile whose
        ``scheduler_name`` equals its ``spec.schedulerName`` (absent or empty means
        ``default-scheduler``); a pod naming no profile raises :class:`UnknownSchedulerError`.
        Scheduler names must be unique. Give ``profile`` or ``profiles``, not both.
    seed
        Seeds the generators that break ties among equally scored nodes (and preemption ties).
        Every profile has its own generator seeded with ``seed``, so a profile's decisions on a
        given state do not depend on how other profiles' pods were interleaved with its own.

    Contract: bad input raises :class:`InvalidObjectError` / :class:`NotFoundError` /
    :class:`AlreadyExistsError` / :class:`UnknownSchedulerError` naming the field path and
    leaves the state untouched. Every profile has its own plugins and equivalence-class cache;
    nodes, pods, nominations and namespaces are shared. A component fed by informers should, as
    kube-scheduler does, skip pods for which :meth:`responsible_for_pod` is false (they belong
    to another scheduler) rather than pass them in.
    """

    def __init__(
        self,
        profile: ResolvedProfile | None = None,
        *,
        profiles: Sequence[ResolvedProfile] | None = None,
        seed: int = 0,
    ) -> None:
        if profile is not None and profiles is not None:
            msg = "give either profile= or profiles=, not both"
            raise ValueError(msg)
        if profiles is not None:
            chosen = list(profiles)
            if not chosen:
                msg = "profiles: at least one profile is required"
                raise ValueError(msg)
        else:
            chosen = [profile if profile is not None else default_profile()]
        by_name: dict[str, ResolvedProfile] = {}
        for i, p in enumerate(chosen):
            if p.scheduler_name in by_name:
                msg = f"profiles[{i}]: duplicate schedulerName {p.scheduler_name!r}"
                raise ValueError(msg)
            by_name[p.scheduler_name] = p
        self.profile = chosen[0]
        self.profiles: Mapping[str, ResolvedProfile] = MappingProxyType(by_name)
        self._match_scheduler_name = profiles is not None
        self.seed = seed
        self._pods: dict[tuple[str, str], Mapping[str, Any]] = {}
        self._template: tuple[str, Mapping[str, Any]] | None = None
        self._in_plugin_view: NodeTableView | None = None
        # Python plugins read the pod in flight (``_current_pod``); without any, pods are not
        # indexed by key before a batch.
        self._python_plugins = False
        registry = registered_plugins()
        native_names = set(_native.plugin_names())
        native_profiles = []
        for p in chosen:
            external: dict[str, Any] = {}
            for name in [*p.filters, *(n for n, _ in p.scores)]:
                if name in native_names or name in external:
                    continue
                factory = registry.get(name)
                if factory is None:
                    msg = f"unknown plugin {name!r} in profile {p.scheduler_name!r}"
                    raise ValueError(msg)
                external[name] = _PythonPlugin(self, name, factory(p.plugin_args.get(name)))
            native_profiles.append(native_profile(p, external))
            self._python_plugins = self._python_plugins or bool(external)
        self._native = _native.NativeScheduler(native_profiles, seed, self._match_scheduler_name)

    def responsible_for_pod(self, pod: Mapping[str, Any]) -> bool:
        """Whether one of this scheduler's profiles schedules ``pod`` (kube-scheduler's
        ``responsibleForPod``): always true for a single ``profile=``, else its
        ``spec.schedulerName`` (default ``default-scheduler``) must name a profile."""
        if not self._match_scheduler_name:
            return True
        spec = pod.get("spec")
        name = spec.get("schedulerName") if isinstance(spec, Mapping) else None
        return (name or DEFAULT_SCHEDULER_NAME) in self.profiles

    # --- construction from a dump -----------------------------------------------------------
    @classmethod
    def from_dump(
        cls,
        dump: Mapping[str, Any] | str | os.PathLike[str],
        *,
        profile: ResolvedProfile | None = None,
        profiles: Sequence[ResolvedProfile] | None = None,
        seed: int = 0,
    ) -> Scheduler:
        """Build a scheduler from ``kubectl get nodes,pods -A -o json`` output (a v1 List).

        Namespaces, Services, ReplicaSets, StatefulSets, ReplicationControllers,
        PodDisruptionBudgets and PriorityClasses in the list are loaded too; pods bound to a
        node (``spec.nodeName``) are added unless terminal (Succeeded/Failed); pending pods and
        kinds the scheduler does not read are skipped.
        """
        if not isinstance(dump, Mapping):
            path = os.fspath(dump)
            with open(path, encoding="utf-8") as fh:  # noqa: PTH123
                text = fh.read()
            try:
                dump = json.loads(text)
            except json.JSONDecodeError:
                import yaml

                dump = yaml.safe_load(text)
        if not isinstance(dump, Mapping):
            msg = "dump: expected a v1 List object"
            raise InvalidObjectError(msg)
        items = dump.get("items")
        if items is None and dump.get("kind") not in (None, "List"):
            items = [dump]
        s = cls(profile, profiles=profiles, seed=seed)
        by_kind: dict[str, list[Mapping[str, Any]]] = {}
        for i, item in enumerate(items or []):
            if not isinstance(item, Mapping):
                msg = f"items[{i}]: expected an object"
                raise InvalidObjectError(msg)
            by_kind.setdefault(str(item.get("kind", "")), []).append(item)
        for ns in by_kind.get("Namespace", []):
            s.add_namespace(ns)
        for node in by_kind.get("Node", []):
            s.add_node(node)
        for kind in (
            "Service",
            "ReplicaSet",
            "StatefulSet",
            "ReplicationController",
            "PodDisruptionBudget",
            "PriorityClass",
        ):
            for obj in by_kind.get(kind, []):
                s.add_object(obj)
        for pod in by_kind.get("Pod", []):
            spec = pod.get("spec") or {}
            phase = (pod.get("status") or {}).get("phase")
            if spec.get("nodeName") and phase not in ("Succeeded", "Failed"):
                s.add_pod(pod)
        return s

    # --- cluster state ----------------------------------------------------------------------
    def add_node(self, node: Mapping[str, Any]) -> None:
        """Add a node (``v1.Node`` mapping)."""
        self._native.add_node(node)

    def update_node(self, node: Mapping[str, Any]) -> None:
        """Replace a node's labels, taints, allocatable, images and unschedulable flag."""
        self._native.update_node(node)

    def remove_node(self, name: str) -> None:
        """Remove a node (pods bound to it leave the cache with it)."""
        self._native.remove_node(name)

    def add_pod(self, pod: Mapping[str, Any]) -> None:
        """Add a pod bound to ``spec.nodeName`` (running or assumed)."""
        self._native.add_pod(pod, False)

    def update_pod(self, pod: Mapping[str, Any]) -> None:
        """Replace a known pod (same namespace/name); it stays on its node unless
        ``spec.nodeName`` names another one."""
        self._native.update_pod(pod)

    def remove_pod(self, namespace: str, name: str) -> None:
        """Remove a pod (bound or assumed)."""
        self._native.remove_pod(namespace, name)

    # --- nominated pods (kube-scheduler's PodNominator) ----------------------------------------
    def add_nominated_pod(self, pod: Mapping[str, Any], node_name: str | None = None) -> bool:
        """Nominate a pending pod to a node (kube-scheduler's ``AddNominatedPod``).

        The nominated pod reserves room: while it waits (typically for the victims of its
        preemption to leave), the filters of every pod of equal or lower priority run on that
        node twice, with the nominated pods of priority >= theirs virtually placed there and
        without them, and the node is feasible only if both pass. ``node_name`` defaults to
        the pod's ``status.nominatedNodeName``. A new nomination of the same pod replaces the
        old one. The nomination is dropped when the pod is placed (``schedule``,
        ``schedule_batch``, ``assume``, ``add_pod``) or by :meth:`delete_nominated_pod_if_exists`
        (call it when the pod is deleted or nominated elsewhere). The node need not exist yet;
        a nomination to an unknown node has no effect until it appears.

        Returns ``False`` (and records nothing) if the pod is already bound or assumed here.
        """
        return bool(self._native.add_nominated_pod(pod, node_name))

    def delete_nominated_pod_if_exists(self, namespace: str, name: str) -> bool:
        """Drop a pod's nomination (``DeleteNominatedPodIfExists``); ``False`` if it had none."""
        return bool(self._native.delete_nominated_pod_if_exists(namespace, name))

    def nominated_pods_for_node(self, node_name: str) -> list[str]:
        """``namespace/name`` of the pods nominated to ``node_name``, in nomination order."""
        return list(self._native.nominated_pods_for_node(node_name))

    def nominated_node(self, namespace: str, name: str) -> str | None:
        """The node a pod is nominated to, or ``None``."""
        node: str | None = self._native.nominated_node(namespace, name)
        return node

    def add_namespace(self, ns: Mapping[str, Any]) -> None:
        """Add or replace a namespace (its labels feed namespaceSelector terms)."""
        self._native.add_namespace(ns)

    def remove_namespace(self, name: str) -> None:
        self._native.remove_namespace(name)

    def add_object(self, obj: Mapping[str, Any]) -> None:
        """Add or replace a Service, ReplicaSet, StatefulSet, ReplicationController,
        PodDisruptionBudget or PriorityClass."""
        self._native.add_object(obj)

    def remove_object(self, obj: Mapping[str, Any]) -> None:
        self._native.remove_object(obj)

    def assume(self, pod: Mapping[str, Any], node_name: str) -> None:
        """Assume ``pod`` on ``node_name`` (as after a successful cycle, before binding)."""
        self._native.assume(pod, node_name)

    def forget(self, namespace: str, name: str) -> None:
        """Undo ``assume`` (binding failed); only assumed pods can be forgotten."""
        self._native.forget(namespace, name)

    def finish_binding(self, namespace: str, name: str) -> None:
        """Mark an assumed pod's binding as finished (it can no longer be forgotten)."""
        self._native.finish_binding(namespace, name)

    @property
    def num_nodes(self) -> int:
        return int(self._native.num_nodes())

    @property
    def num_pods(self) -> int:
        return int(self._native.num_pods())

    def node_names(self) -> list[str]:
        """Names of the nodes, in row order."""
        return list(self._native.node_names())

    def node_of(self, namespace: str, name: str) -> str | None:
        """The node a known pod is bound or assumed to, or ``None``."""
        node: str | None = self._native.pod_node(namespace, name)
        return node

    def node_table(self) -> NodeTableView:
        """Read-only zero-copy views of an immutable snapshot of the NodeTable."""
        return view_from_handle(self._native.snapshot())

    # --- scheduling --------------------------------------------------------------------------
    def schedule(self, pod: Mapping[str, Any]) -> ScheduleResult:
        """Run one scheduling cycle; on success the pod is assumed on ``result.node``.

        A pod whose ``status.nominatedNodeName`` is set tries that node first and takes it
        without scoring if it passes the filters. When preemption finds room,
        ``result.nominated_node`` and ``result.victims`` say where and whom to evict; the
        nomination is not recorded by this call: pass the pod to :meth:`add_nominated_pod`
        to reserve the room (as kube-scheduler's scheduling-failure handler does).
        """
        ns, name = _pod_key(pod)
        self._pods[(ns, name)] = pod
        try:
            code, node, message, nominated, victims, latency, unschedulable, pending = (
                self._native.schedule(pod, True)
            )
        finally:
            self._pods.pop((ns, name), None)
        return ScheduleResult(
            f"{ns}/{name}",
            node,
            Code(code),
            message,
            nominated,
            tuple(victims),
            latency,
            unschedulable,
            pending,
        )

    def schedule_batch(self, pods: Sequence[Mapping[str, Any]] | PodBatch) -> BatchResult:
        """Schedule many pods in one native call with the GIL released; placed pods are assumed."""
        return self._batch(pods, dry_run=False)

    def dry_run(self, pods: Sequence[Mapping[str, Any]] | PodBatch) -> BatchResult:
        """The decisions ``schedule_batch`` would take; the state is left untouched afterwards."""
        return self._batch(pods, dry_run=True)

    def _batch(self, pods: Sequence[Mapping[str, Any]] | PodBatch, *, dry_run: bool) -> BatchResult:
        if isinstance(pods, PodBatch):
            self._template = (pods.namespace, pods.template)
            try:
                raw = self._native.schedule_batch(
                    None, pods._template, pods.name_prefix, pods.count, True, dry_run
                )
            finally:
                self._template = None
            return BatchResult(raw, pods.keys())
        pod_list: list[Any] = list(pods)
        if self._python_plugins:
            for p in pod_list:
                if isinstance(p, Mapping):
                    self._pods[_pod_key(p)] = p
        try:
            raw = self._native.schedule_batch(pod_list, None, "", 0, True, dry_run)
        finally:
            self._pods.clear()
        return BatchResult(raw, raw["keys"])

    def explain(self, pod: Mapping[str, Any]) -> Explanation:
        """Run one cycle and report everything; the state (and generator) are unchanged."""
        ns, name = _pod_key(pod)
        self._pods[(ns, name)] = pod
        try:
            d = self._native.explain(pod)
        finally:
            self._pods.pop((ns, name), None)
        return _explanation(f"{ns}/{name}", d)

    # --- helpers for Python plugins ------------------------------------------------------------
    def _view_locked(self) -> NodeTableView:
        return view_from_handle(self._native.snapshot())

    def _current_pod(self, namespace: str, name: str) -> Mapping[str, Any]:
        pod = self._pods.get((namespace, name))
        if pod is not None:
            return pod
        if self._template is not None:
            meta = dict(self._template[1].get("metadata") or {})
            meta["name"] = name
            return {**self._template[1], "metadata": meta}
        return {"metadata": {"namespace": namespace, "name": name}}
