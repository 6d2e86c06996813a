"""Scheduling framework vocabulary shared by native and Python plugins.

Python research plugins implement :class:`FilterPlugin` or :class:`ScorePlugin` over a
:class:`NodeTableView` (read-only, zero-copy column views of an immutable NodeTable snapshot) and
are registered by name with :func:`register_plugin`; any profile can then list them beside the
native plugins. A plugin is called once per pod (never once per node); the framework validates
what it returns (shape, dtype, score range) and raises :class:`PluginError` naming the plugin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, ClassVar, Final, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from numpy.typing import NDArray

MAX_NODE_SCORE: Final = 100
MIN_NODE_SCORE: Final = 0


class Code(IntEnum):
    """Outcome of a scheduling cycle or a filter (kube-scheduler ``framework.Code``)."""

    Success = 0
    Error = 1
    Unschedulable = 2
    UnschedulableAndUnresolvable = 3
    Wait = 4
    Skip = 5
    Pending = 6


class PluginError(RuntimeError):
    """A Python plugin returned something the framework cannot use (message names the plugin)."""


@dataclass(frozen=True, slots=True)
class Status:
    """A plugin status: ``code`` plus reasons (Go's ``*framework.Status``; ``None`` = success)."""

    code: Code
    reasons: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        return ", ".join(self.reasons)


class CycleState(dict[str, Any]):
    """Per-cycle scratch space; plugins use plugin-unique keys (their own name)."""


@dataclass(frozen=True, slots=True)
class PodInfo:
    """The pod being scheduled, as handed to Python plugins.

    ``pod`` is the Kubernetes-shaped mapping the caller passed (read it, never mutate it).
    """

    namespace: str
    name: str
    pod: Mapping[str, Any]

    @property
    def labels(self) -> Mapping[str, str]:
        meta = self.pod.get("metadata") or {}
        labels: Mapping[str, str] = meta.get("labels") or {}
        return labels


@dataclass(frozen=True, slots=True)
class NodeTableView:
    """Read-only, zero-copy views of one immutable NodeTable snapshot.

    Contract: every array is a NumPy view whose ``base`` owns the snapshot (so views never
    dangle, even after the scheduler moves on); arrays are not writeable. Rows are stable node
    slots: ``size`` counts all rows, ``live`` marks the rows holding a node and ``names[i]`` is
    ``""`` for free rows. Resource columns are int64 (cpu in milli-units, others in units).
    """

    size: int
    names: tuple[str, ...]
    live: NDArray[np.uint8]
    unschedulable: NDArray[np.uint8]
    generation: NDArray[np.uint64]
    pod_count: NDArray[np.int64]
    allocatable: Mapping[str, NDArray[np.int64]]
    requested: Mapping[str, NDArray[np.int64]]
    nonzero_requested_cpu: NDArray[np.int64]
    nonzero_requested_memory: NDArray[np.int64]
    taint_bits: NDArray[np.uint64]
    taints: tuple[str, ...]
    _labels: Mapping[str, NDArray[np.int32]] = field(repr=False)
    _label_values: Callable[[str], list[str]] = field(repr=False)

    def label(self, key: str) -> NDArray[np.int32]:
        """Dense value ids of label ``key`` per row (-1 where the node lacks the label)."""
        col = self._labels.get(key)
        if col is None:
            out = np.full(self.size, -1, dtype=np.int32)
            out.setflags(write=False)
            return out
        return col

    def label_values(self, key: str) -> list[str]:
        """The label values behind the ids of :meth:`label` (index = id)."""
        return self._label_values(key) if key in self._labels else []

    @property
    def label_keys(self) -> tuple[str, ...]:
        return tuple(self._labels)


@runtime_checkable
class FilterPlugin(Protocol):
    """A Filter plugin over all nodes at once.

    ``filter`` returns a boolean mask over the rows (True = the node fits) or a
    :class:`FilterResult`; rows already rejected by earlier plugins are ignored.
    """

    name: ClassVar[str]

    def filter(
        self, state: CycleState, pod: PodInfo, nodes: NodeTableView, candidates: NDArray[np.bool_]
    ) -> NDArray[np.bool_] | FilterResult: ...


@runtime_checkable
class ScorePlugin(Protocol):
    """A Score plugin: one int64 score per row, in 0..100 after its own normalisation."""

    name: ClassVar[str]

    def score(
        self, state: CycleState, pod: PodInfo, nodes: NodeTableView, feasible: NDArray[np.bool_]
    ) -> NDArray[np.int64]: ...


@dataclass(frozen=True, slots=True)
class FilterResult:
    """A filter mask with the code and reason reported for rejected rows."""

    mask: NDArray[np.bool_]
    code: Code = Code.Unschedulable
    reason: str = "node(s) didn't pass the filter"


PluginFactory = "Callable[[Any], FilterPlugin | ScorePlugin]"

_REGISTRY: dict[str, Callable[[Any], Any]] = {}


def register_plugin(name: str, factory: Callable[[Any], Any]) -> None:
    """Register a Python plugin ``factory(args) -> plugin`` under ``name``.

    Raises
    ------
    ValueError
        If the name is taken by a native plugin or another registered plugin.
    """
    from kcore import _native

    if name in _native.plugin_names():
        msg = f"plugin name {name!r} is a native plugin"
        raise ValueError(msg)
    if name in _REGISTRY and _REGISTRY[name] is not factory:
        msg = f"plugin {name!r} is already registered"
        raise ValueError(msg)
    _REGISTRY[name] = factory


def unregister_plugin(name: str) -> None:
    """Remove a registered Python plugin (tests)."""
    _REGISTRY.pop(name, None)


def registered_plugins() -> dict[str, Callable[[Any], Any]]:
    """Registered Python plugin factories by name."""
    return dict(_REGISTRY)


def view_from_handle(handle: Any) -> NodeTableView:
    """Build a :class:`NodeTableView` over a native snapshot handle (all views share its base)."""
    cols = handle.columns()
    keys = handle.label_keys()
    index = {k: i for i, k in enumerate(keys)}
    return NodeTableView(
        size=int(handle.size),
        names=tuple(handle.names()),
        live=cols["live"],
        unschedulable=cols["unschedulable"],
        generation=cols["generation"],
        pod_count=cols["pod_count"],
        allocatable=cols["allocatable"],
        requested=cols["requested"],
        nonzero_requested_cpu=cols["nonzero_cpu"],
        nonzero_requested_memory=cols["nonzero_memory"],
        taint_bits=cols["taint_bits"],
        taints=tuple(handle.taints()),
        _labels=cols["labels"],
        _label_values=lambda key: list(handle.label_values(index[key])),
    )


__all__ = [
    "MAX_NODE_SCORE",
    "MIN_NODE_SCORE",
    "Code",
    "CycleState",
    "FilterPlugin",
    "FilterResult",
    "NodeTableView",
    "PluginError",
    "PodInfo",
    "ScorePlugin",
    "Status",
    "register_plugin",
    "registered_plugins",
    "unregister_plugin",
]
