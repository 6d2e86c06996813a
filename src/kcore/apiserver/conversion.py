"""Conversion between the two served Event versions, which share one storage location.

kube-apiserver stores ``events.k8s.io/v1`` Events and ``core/v1`` Events as the same objects, so
an event recorded through one API is listed by the other (the scheduler records through
``events.k8s.io``; ``kubectl get events`` reads ``core/v1``). kcore does the same: Events are
stored in the core/v1 shape under ``/registry/events`` and converted on the way in and out.

Renamed fields (core/v1 <-> events.k8s.io/v1): ``involvedObject`` <-> ``regarding``,
``message`` <-> ``note``, ``source`` <-> ``deprecatedSource``, ``firstTimestamp`` <->
``deprecatedFirstTimestamp``, ``lastTimestamp`` <-> ``deprecatedLastTimestamp``, ``count`` <->
``deprecatedCount``, ``reportingComponent`` <-> ``reportingController``. The other fields keep
their names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

_CORE_TO_NEW = {
    "involvedObject": "regarding",
    "message": "note",
    "source": "deprecatedSource",
    "firstTimestamp": "deprecatedFirstTimestamp",
    "lastTimestamp": "deprecatedLastTimestamp",
    "count": "deprecatedCount",
    "reportingComponent": "reportingController",
}
_NEW_TO_CORE = {v: k for k, v in _CORE_TO_NEW.items()}

CORE_EVENT_VERSION = "v1"
NEW_EVENT_VERSION = "events.k8s.io/v1"


def event_to_core(obj: Mapping[str, Any]) -> dict[str, Any]:
    """An ``events.k8s.io/v1`` Event in the stored core/v1 shape (a new dict)."""
    rename = _NEW_TO_CORE.get
    out: dict[str, Any] = {rename(k, k): v for k, v in obj.items()}
    out["apiVersion"] = CORE_EVENT_VERSION
    out["kind"] = "Event"
    return out


def event_from_core(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A stored core/v1 Event as ``events.k8s.io/v1`` (a new dict)."""
    rename = _CORE_TO_NEW.get
    out: dict[str, Any] = {rename(k, k): v for k, v in obj.items()}
    out["apiVersion"] = NEW_EVENT_VERSION
    out["kind"] = "Event"
    if out.get("deprecatedSource") == {}:
        del out["deprecatedSource"]
    return out
