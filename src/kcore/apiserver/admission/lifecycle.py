"""``NamespaceLifecycle``: no new objects in missing or terminating namespaces, and the default
namespaces cannot be deleted."""

from __future__ import annotations

from kcore.api.errors import Forbidden, NotFound, StatusCause, StatusDetails
from kcore.apiserver.admission import CREATE, DELETE, AdmissionHost, Attributes

#: Namespaces that always exist (kube-apiserver's immortal namespaces plus kube-node-lease).
IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


class NamespaceLifecycle:
    """Refuses creates in a namespace that does not exist (404) or is terminating (403), and
    the deletion of the default namespaces (403), with kube-apiserver's messages."""

    name = "NamespaceLifecycle"

    def __init__(self, host: AdmissionHost) -> None:
        self.host = host

    def admit(self, attrs: Attributes) -> None:
        info = attrs.resource
        if attrs.operation == DELETE and info.group == "" and info.resource == "namespaces":
            if attrs.name in IMMORTAL_NAMESPACES:
                raise Forbidden(
                    f'namespaces "{attrs.name}" is forbidden: this namespace may not be deleted',
                    details=StatusDetails(name=attrs.name, kind="namespaces"),
                )
            return
        if attrs.operation != CREATE or not info.namespaced or attrs.subresource:
            return
        ns = attrs.namespace
        if not ns:
            return
        nsobj = self.host.lookup("namespaces", None, ns)
        if nsobj is None:
            raise NotFound(
                f'namespaces "{ns}" not found',
                details=StatusDetails(name=ns, kind="namespaces"),
            )
        md = nsobj.get("metadata") or {}
        phase = (nsobj.get("status") or {}).get("phase")
        if md.get("deletionTimestamp") or phase == "Terminating":
            resource = info.qualified
            raise Forbidden(
                f'{resource} "{attrs.name}" is forbidden: unable to create new content in '
                f"namespace {ns} because it is being terminated",
                details=StatusDetails(
                    name=attrs.name,
                    group=info.group,
                    kind=info.resource,
                    causes=(
                        StatusCause(
                            "NamespaceTerminating",
                            f"namespace {ns} is being terminated",
                            "metadata.namespace",
                        ),
                    ),
                ),
            )

    def validate(self, attrs: Attributes) -> None:
        if attrs.operation == DELETE:
            self.admit(attrs)
