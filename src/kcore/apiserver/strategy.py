"""Per-resource REST strategies: what the generic registry does differently for each kind.

A :class:`Strategy` answers the questions kube-apiserver's ``RESTCreateStrategy`` /
``RESTUpdateStrategy`` / ``RESTDeleteStrategy`` answer per kind:

* ``status``: the kind has a ``/status`` subresource. Writes to the main resource keep the stored
  ``status``; writes to ``/status`` keep the stored ``spec`` and metadata (except the
  resourceVersion precondition), as ``ResetObjectMetaForStatus`` does.
* ``reset_status_on_create``: ``status`` sent on create is dropped (pods start ``Pending`` with
  their QoS class; nodes keep the status their kubelet registers).
* ``generation``: ``metadata.generation`` is 1 on create and bumped on every ``spec`` change.
* ``create_on_update``: PUT on a missing object creates it (``AllowCreateOnUpdate``).
* ``graceful``: DELETE sets ``deletionTimestamp`` + grace period instead of removing at once
  (pods bound to a node).
* ``return_deleted``: DELETE answers the deleted object rather than a ``Status``.
* ``storage``: the resource name the storage key is built from (the store maps it to
  kube-apiserver's etcd layout, e.g. ``minions`` for nodes); Events of both API groups share
  ``events``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kcore.api.quantity import QuantityError, parse_quantity

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kcore.api.resources import ResourceInfo


@dataclass(frozen=True, slots=True)
class Strategy:
    """REST behaviour of one resource (see the module docstring)."""

    status: bool = False
    reset_status_on_create: bool = False
    generation: bool = False
    create_on_update: bool = False
    graceful: bool = False
    return_deleted: bool = False
    storage: str = ""


_WORKLOAD = Strategy(status=True, reset_status_on_create=True, generation=True)

_STRATEGIES: dict[tuple[str, str], Strategy] = {
    ("", "namespaces"): Strategy(status=True, reset_status_on_create=True, return_deleted=True),
    ("", "pods"): Strategy(
        status=True, reset_status_on_create=True, graceful=True, return_deleted=True
    ),
    ("", "nodes"): Strategy(status=True),
    ("", "services"): Strategy(
        status=True,
        reset_status_on_create=True,
        create_on_update=True,
        return_deleted=True,
    ),
    ("", "endpoints"): Strategy(create_on_update=True),
    ("", "replicationcontrollers"): Strategy(
        status=True, reset_status_on_create=True, generation=True
    ),
    ("", "events"): Strategy(create_on_update=True),
    ("", "resourcequotas"): Strategy(status=True, reset_status_on_create=True),
    ("", "limitranges"): Strategy(create_on_update=True),
    ("apps", "deployments"): _WORKLOAD,
    ("apps", "replicasets"): _WORKLOAD,
    ("apps", "statefulsets"): _WORKLOAD,
    ("apps", "daemonsets"): _WORKLOAD,
    ("batch", "jobs"): _WORKLOAD,
    ("autoscaling", "horizontalpodautoscalers"): _WORKLOAD,
    ("policy", "poddisruptionbudgets"): _WORKLOAD,
    # events.k8s.io/v1 Events are stored with the core/v1 Events (kcore converts between them).
    ("events.k8s.io", "events"): Strategy(create_on_update=True, storage="events"),
    ("coordination.k8s.io", "leases"): Strategy(create_on_update=True),
}

_DEFAULT = Strategy()


def strategy_for(info: ResourceInfo) -> Strategy:
    """The strategy of ``info`` (with ``storage`` filled in)."""
    s = _STRATEGIES.get((info.group, info.resource), _DEFAULT)
    if not s.storage:
        s = Strategy(
            s.status,
            s.reset_status_on_create,
            s.generation,
            s.create_on_update,
            s.graceful,
            s.return_deleted,
            info.resource,
        )
    return s


# ---------------------------------------------------------------------------------------------
# Pod QoS class (what the pod strategy stores in status.qosClass on create)

_QOS_RESOURCES = ("cpu", "memory")


def _quantities(m: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    if not isinstance(m, dict):
        return out
    for k, v in m.items():
        if k not in _QOS_RESOURCES:
            continue
        try:
            q = parse_quantity(v)
        except (QuantityError, TypeError, ValueError):
            continue
        if q.sign() > 0:
            out[k] = q.milli_value()
    return out


def pod_qos_class(pod: Mapping[str, Any]) -> str:
    """``Guaranteed``, ``Burstable`` or ``BestEffort`` as ``qos.GetPodQOS`` computes it.

    Guaranteed: every (init) container has cpu and memory limits, and requests equal to them
    where given. BestEffort: no container requests or limits cpu or memory. Otherwise Burstable.
    """
    spec = pod.get("spec") or {}
    containers: list[Any] = []
    for field in ("initContainers", "containers"):
        v = spec.get(field)
        if isinstance(v, list):
            containers.extend(c for c in v if isinstance(c, dict))
    any_set = False
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        req = _quantities(res.get("requests"))
        lim = _quantities(res.get("limits"))
        if req or lim:
            any_set = True
        for r in _QOS_RESOURCES:
            if r not in lim or (r in req and req[r] != lim[r]):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"
