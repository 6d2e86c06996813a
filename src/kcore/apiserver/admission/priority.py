"""``Priority``: pods get ``spec.priority`` and ``spec.preemptionPolicy`` from their
PriorityClass (or the cluster's global default class); PriorityClasses keep one global default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kcore.api.errors import Forbidden, StatusDetails
from kcore.apiserver.admission import CREATE, UPDATE, AdmissionHost, Attributes

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kcore.api.resources import ResourceInfo

PRIORITY_CLASSES = "priorityclasses.scheduling.k8s.io"
DEFAULT_PREEMPTION_POLICY = "PreemptLowerPriority"
SYSTEM_CLASSES = frozenset({"system-node-critical", "system-cluster-critical"})


class PodPriority:
    """Resolves pod priority at creation and guards PriorityClass writes (see module doc)."""

    name = "Priority"

    def __init__(self, host: AdmissionHost) -> None:
        self.host = host

    def _default_class(self) -> Mapping[str, Any] | None:
        best: Mapping[str, Any] | None = None
        for pc in self.host.lookup_all(PRIORITY_CLASSES, None):
            if pc.get("globalDefault") is True and (
                best is None or int(pc.get("value") or 0) < int(best.get("value") or 0)
            ):
                best = pc
        return best

    def handles(self, info: ResourceInfo) -> bool:
        """Core pods (admit) and PriorityClasses (validate)."""
        return (info.group, info.resource) in (
            ("", "pods"),
            ("scheduling.k8s.io", "priorityclasses"),
        )

    def admit(self, attrs: Attributes) -> None:
        spec = attrs.created_pod_spec()
        if spec is None:
            return
        name = spec.get("priorityClassName") or ""
        if not isinstance(name, str):
            return
        pod = f'pods "{attrs.name}" is forbidden'
        details = StatusDetails(name=attrs.name, kind="pods")
        if name:
            pc = self.host.lookup(PRIORITY_CLASSES, None, name)
            if pc is None:
                raise Forbidden(
                    f"{pod}: no PriorityClass with name {name} was found", details=details
                )
        else:
            pc = self._default_class()
        if pc is not None:
            priority = int(pc.get("value") or 0)
            policy = pc.get("preemptionPolicy") or DEFAULT_PREEMPTION_POLICY
            class_name = (pc.get("metadata") or {}).get("name", "")
        else:
            priority, policy, class_name = 0, DEFAULT_PREEMPTION_POLICY, ""
        given = spec.get("priority")
        if given is not None and given != priority:
            raise Forbidden(
                f"{pod}: the integer value of priority ({given}) must not be provided in pod "
                f"spec; priority admission controller computed {priority} from the given "
                "PriorityClass name",
                details=details,
            )
        given_policy = spec.get("preemptionPolicy")
        if given_policy is not None and given_policy != policy:
            raise Forbidden(
                f"{pod}: the string value of PreemptionPolicy ({given_policy}) must not be "
                f"provided in pod spec; priority admission controller computed {policy} from "
                "the given PriorityClass name",
                details=details,
            )
        spec["priority"] = priority
        spec["preemptionPolicy"] = policy
        if class_name:
            spec["priorityClassName"] = class_name

    def validate(self, attrs: Attributes) -> None:
        info = attrs.resource
        if (
            info.group != "scheduling.k8s.io"
            or info.resource != "priorityclasses"
            or attrs.operation not in (CREATE, UPDATE)
            or attrs.obj is None
        ):
            return
        obj = attrs.obj
        name = (obj.get("metadata") or {}).get("name", "")
        details = StatusDetails(name=name, group="scheduling.k8s.io", kind="priorityclasses")
        if attrs.operation == CREATE and name.startswith("system-") and name not in SYSTEM_CLASSES:
            raise Forbidden(
                f'priorityclasses.scheduling.k8s.io "{name}" is forbidden: only system critical '
                "priority classes can be created with the system- prefix",
                details=details,
            )
        if obj.get("globalDefault") is True:
            for pc in self.host.lookup_all(PRIORITY_CLASSES, None):
                other = (pc.get("metadata") or {}).get("name", "")
                if other != name and pc.get("globalDefault") is True:
                    raise Forbidden(
                        f'priorityclasses.scheduling.k8s.io "{name}" is forbidden: '
                        f"PriorityClass {other} is already marked as default. Only one default "
                        "can exist",
                        details=details,
                    )
