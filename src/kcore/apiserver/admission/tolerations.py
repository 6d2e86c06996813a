"""``DefaultTolerationSeconds``: new pods tolerate ``not-ready`` and ``unreachable`` nodes for
300 seconds (``NoExecute``) unless they already say otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kcore.api.resources import ResourceInfo
    from kcore.apiserver.admission import Attributes

NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
DEFAULT_TOLERATION_SECONDS = 300


def _tolerates(tolerations: list[Any], key: str) -> bool:
    for t in tolerations:
        if not isinstance(t, dict):
            continue
        effect = t.get("effect") or ""
        if effect not in ("", "NoExecute"):
            continue
        op = t.get("operator") or "Equal"
        tkey = t.get("key") or ""
        if tkey == key or (tkey == "" and op == "Exists"):
            return True
    return False


class DefaultTolerationSeconds:
    """Adds the two 300 s ``NoExecute`` tolerations to pods that lack them."""

    name = "DefaultTolerationSeconds"

    def __init__(self, seconds: int = DEFAULT_TOLERATION_SECONDS) -> None:
        self.seconds = seconds

    def handles(self, info: ResourceInfo) -> bool:
        """Only core pods."""
        return info.group == "" and info.resource == "pods"

    def admit(self, attrs: Attributes) -> None:
        spec = attrs.created_pod_spec()
        if spec is None:
            return
        tolerations = spec.get("tolerations")
        if tolerations is None:
            tolerations = []
        if not isinstance(tolerations, list):
            return
        added = list(tolerations)
        for key in (NOT_READY_TAINT, UNREACHABLE_TAINT):
            if not _tolerates(tolerations, key):
                added.append(
                    {
                        "key": key,
                        "operator": "Exists",
                        "effect": "NoExecute",
                        "tolerationSeconds": self.seconds,
                    }
                )
        if len(added) != len(tolerations):
            spec["tolerations"] = added

    def validate(self, attrs: Attributes) -> None:  # noqa: ARG002 - mutating only
        return
