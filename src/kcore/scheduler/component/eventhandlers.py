"""Helpers of kube-scheduler's ``eventhandlers.go``: which pods a scheduler owns, and which
changes of a pod or node are cluster events for the scheduling queue or changes for the cache.

* :func:`assigned_pod`, :func:`responsible_for_pod`: the two pod streams (bound pods feed the
  cache, pending pods of our profiles feed the queue).
* :func:`pod_scheduling_properties_change`: upstream's ``PodSchedulingPropertiesChange`` as an
  :class:`~kcore.scheduler.backend.queue.ActionType` mask (labels, scale-down, tolerations
  added, scheduling gates eliminated; ``UPDATE`` for any other spec/metadata change; ``NONE``
  when only the status or bookkeeping changed, which the queue ignores as upstream's
  ``isPodUpdated`` does).
* :func:`node_scheduling_properties_change`: upstream's ``nodeSchedulingPropertiesChange``
  (conditions compared by type and status only, so kubelet heartbeats are not events).
* :func:`pod_cache_changed`, :func:`node_cache_changed`: whether the native cache must see an
  update at all (a heartbeat or a ``Running`` status changes nothing the plugins read, and
  skipping it keeps the core's equivalence caches warm).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from kcore.api.quantity import parse_quantity
from kcore.scheduler.backend.queue import DEFAULT_SCHEDULER_NAME, ActionType

__all__ = [
    "assigned_pod",
    "has_required_affinity_terms",
    "node_cache_changed",
    "node_scheduling_properties_change",
    "pod_cache_changed",
    "pod_priority",
    "pod_scheduling_properties_change",
    "responsible_for_pod",
    "scheduler_name_of",
]

_EMPTY: Final[Mapping[str, Any]] = {}


def _md(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    md: Mapping[str, Any] = obj.get("metadata") or _EMPTY
    return md


def _spec(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    spec: Mapping[str, Any] = obj.get("spec") or _EMPTY
    return spec


def _status(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    st: Mapping[str, Any] = obj.get("status") or _EMPTY
    return st


def assigned_pod(pod: Mapping[str, Any]) -> bool:
    """``assignedPod``: the pod has ``spec.nodeName``."""
    return bool(_spec(pod).get("nodeName"))


def scheduler_name_of(pod: Mapping[str, Any]) -> str:
    """``spec.schedulerName`` (``default-scheduler`` when unset)."""
    return str(_spec(pod).get("schedulerName") or DEFAULT_SCHEDULER_NAME)


def responsible_for_pod(pod: Mapping[str, Any], profiles: Iterable[str]) -> bool:
    """``responsibleForPod``: one of our profiles serves the pod's scheduler name."""
    return scheduler_name_of(pod) in profiles


def pod_priority(pod: Mapping[str, Any]) -> int:
    """``.spec.priority`` (0 when unset), as PrioritySort reads it."""
    p = _spec(pod).get("priority")
    return int(p) if isinstance(p, int) and not isinstance(p, bool) else 0


def has_required_affinity_terms(pod: Mapping[str, Any]) -> bool:
    """Whether the pod has required pod affinity or anti-affinity terms."""
    aff = _spec(pod).get("affinity") or _EMPTY
    for kind in ("podAffinity", "podAntiAffinity"):
        terms = (aff.get(kind) or _EMPTY).get("requiredDuringSchedulingIgnoredDuringExecution")
        if terms:
            return True
    return False


def _requests(pod: Mapping[str, Any]) -> dict[str, int]:
    """Summed container requests in milli-units (enough to tell a scale-down)."""
    out: dict[str, int] = {}
    for c in _spec(pod).get("containers") or ():
        reqs = (c.get("resources") or _EMPTY).get("requests") or _EMPTY
        for name, q in reqs.items():
            try:
                v = parse_quantity(str(q)).milli_value()
            except (ValueError, AttributeError):
                continue
            out[name] = out.get(name, 0) + v
    return out


def _scaled_down(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    old_c, new_c = _spec(old).get("containers"), _spec(new).get("containers")
    if old_c is new_c or old_c == new_c:
        return False
    before, after = _requests(old), _requests(new)
    return any(after.get(name, 0) < v for name, v in before.items())


def _tolerations_added(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    o, n = _spec(old).get("tolerations") or [], _spec(new).get("tolerations") or []
    if o is n or o == n:
        return False
    return any(t not in o for t in n)


def pod_scheduling_properties_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> ActionType:
    """The ``UPDATE_POD_*`` changes from ``old`` to ``new`` (``UPDATE`` for other spec or
    metadata changes, ``NONE`` if only status or bookkeeping fields changed)."""
    actions = ActionType.NONE
    om, nm = _md(old), _md(new)
    if om.get("labels") != nm.get("labels"):
        actions |= ActionType.UPDATE_POD_LABEL
    if _scaled_down(old, new):
        actions |= ActionType.UPDATE_POD_SCALE_DOWN
    if _spec(old).get("schedulingGates") and not _spec(new).get("schedulingGates"):
        actions |= ActionType.UPDATE_POD_SCHEDULING_GATES_ELIMINATED
    if _tolerations_added(old, new):
        actions |= ActionType.UPDATE_POD_TOLERATION
    if actions:
        return actions
    if _spec(old) != _spec(new) or _without_bookkeeping(om) != _without_bookkeeping(nm):
        return ActionType.UPDATE
    return ActionType.NONE


_BOOKKEEPING: Final = frozenset({"resourceVersion", "generation", "managedFields"})


def _without_bookkeeping(md: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in md.items() if k not in _BOOKKEEPING}


def pod_cache_changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether a bound pod changed in a way the native cache reads."""
    if old.get("spec") is not new.get("spec") and _spec(old) != _spec(new):
        return True
    om, nm = _md(old), _md(new)
    if om.get("labels") != nm.get("labels") or om.get("uid") != nm.get("uid"):
        return True
    if om.get("deletionTimestamp") != nm.get("deletionTimestamp"):
        return True
    return _status(old).get("startTime") != _status(new).get("startTime")


_NODE_CACHE_STATUS: Final = ("allocatable", "images", "addresses")


def node_cache_changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether a node changed in a way the native cache reads (labels, taints, schedulability,
    allocatable, images, addresses)."""
    if _md(old).get("labels") != _md(new).get("labels"):
        return True
    os_, ns_ = _spec(old), _spec(new)
    if os_.get("taints") != ns_.get("taints") or bool(os_.get("unschedulable")) != bool(
        ns_.get("unschedulable")
    ):
        return True
    ost, nst = _status(old), _status(new)
    return any(ost.get(k) != nst.get(k) for k in _NODE_CACHE_STATUS)


def _conditions(node: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(c.get("type")): str(c.get("status"))
        for c in _status(node).get("conditions") or ()
        if isinstance(c, Mapping)
    }


def node_scheduling_properties_change(
    old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[ActionType]:
    """Upstream's ``nodeSchedulingPropertiesChange``: the Node update events, in its order."""
    events: list[ActionType] = []
    os_, ns_ = _spec(old), _spec(new)
    if bool(os_.get("unschedulable")) != bool(ns_.get("unschedulable")):
        events.append(ActionType.UPDATE_NODE_TAINT)
    if _status(old).get("allocatable") != _status(new).get("allocatable"):
        events.append(ActionType.UPDATE_NODE_ALLOCATABLE)
    if _md(old).get("labels") != _md(new).get("labels"):
        events.append(ActionType.UPDATE_NODE_LABEL)
    if (os_.get("taints") or []) != (ns_.get("taints") or []):
        events.append(ActionType.UPDATE_NODE_TAINT)
    if _conditions(old) != _conditions(new):
        events.append(ActionType.UPDATE_NODE_CONDITION)
    if _md(old).get("annotations") != _md(new).get("annotations"):
        events.append(ActionType.UPDATE_NODE_ANNOTATION)
    return events
