"""Admission control: the plugins that mutate and vet every write before it is stored.

The chain runs in kube-apiserver's order (``NamespaceLifecycle, LimitRanger, ServiceAccount,
Priority, DefaultTolerationSeconds, ..., ResourceQuota``): first every plugin's :meth:`admit`
(mutating phase, on the defaulted object), then the object is prepared and validated by the
registry, then every plugin's :meth:`validate` (validating phase). A plugin refuses a request by
raising a :class:`kcore.api.errors.StatusError` (``Forbidden`` with kube-apiserver's wording,
``NotFound`` for a missing namespace).

Plugins receive :class:`Attributes`; ``attrs.obj`` is the registry's private copy of the new
object, so mutating plugins change it in place. Lookups go through the :class:`AdmissionHost`
(the registry), never through HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from kcore.api.resources import ResourceInfo
    from kcore.apiserver.auth import UserInfo
    from kcore.storage.interface import Store
    from kcore.util.clock import Clock

CREATE = "CREATE"
UPDATE = "UPDATE"
DELETE = "DELETE"
CONNECT = "CONNECT"


@dataclass(slots=True)
class Attributes:
    """One request as admission sees it.

    ``obj`` is the new object (``None`` for DELETE), owned by the registry and mutable in the
    admit phase; ``old`` the stored object for UPDATE and DELETE (immutable by contract).
    """

    operation: str
    resource: ResourceInfo
    subresource: str | None
    namespace: str | None
    name: str
    obj: dict[str, Any] | None
    old: Mapping[str, Any] | None = None
    dry_run: bool = False
    user: UserInfo | None = None

    def created_pod_spec(self) -> dict[str, Any] | None:
        """The ``spec`` of a core pod being created (not a subresource), else ``None``: what
        the pod-defaulting plugins (ServiceAccount, Priority, DefaultTolerationSeconds) act on."""
        info = self.resource
        if (
            self.operation != CREATE
            or self.subresource
            or info.group != ""
            or info.resource != "pods"
            or self.obj is None
        ):
            return None
        spec = self.obj.get("spec")
        return spec if isinstance(spec, dict) else None


class AdmissionHost(Protocol):
    """What plugins may use: the store, the clock, and typed lookups."""

    @property
    def store(self) -> Store: ...

    @property
    def clock(self) -> Clock: ...

    def lookup(self, resource: str, namespace: str | None, name: str) -> Mapping[str, Any] | None:
        """The stored object, or ``None``; ``resource`` is a plural as in the resource table."""
        ...

    def lookup_all(self, resource: str, namespace: str | None) -> list[Mapping[str, Any]]:
        """Every stored object of ``resource`` in ``namespace`` (all namespaces if ``None``)."""
        ...

    def ensure(self, resource: str, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        """Create ``obj`` unless it exists (system-created objects such as default accounts)."""
        ...


class AdmissionPlugin(Protocol):
    """One admission plugin. Either phase may be a no-op.

    A plugin may also define ``handles(resource) -> bool``: False promises that both phases
    do nothing for any request on ``resource`` (a :class:`~kcore.api.resources.ResourceInfo`),
    so the chain skips the plugin for it. Without it the plugin sees every request.
    """

    name: str

    def admit(self, attrs: Attributes) -> None: ...

    def validate(self, attrs: Attributes) -> None: ...


class AdmissionChain:
    """Runs plugins in order; see the module docstring for the phases.

    ``plugins`` may be changed at any time; the plugins that handle each resource are
    recomputed whenever it is.
    """

    def __init__(self, plugins: list[AdmissionPlugin]) -> None:
        self.plugins = list(plugins)
        # _by_resource: (group, resource) -> the plugins that handle it, for _seen (a copy
        # of plugins as they were when it was filled).
        self._by_resource: dict[tuple[str, str], tuple[AdmissionPlugin, ...]] = {}
        self._seen: list[AdmissionPlugin] = []

    def _for(self, info: ResourceInfo) -> tuple[AdmissionPlugin, ...]:
        if self.plugins != self._seen:
            self._seen = list(self.plugins)
            self._by_resource = {}
        key = (info.group, info.resource)
        ps = self._by_resource.get(key)
        if ps is None:
            ps = tuple(
                p
                for p in self._seen
                if getattr(p, "handles", None) is None or p.handles(info)  # type: ignore[attr-defined]
            )
            self._by_resource[key] = ps
        return ps

    def admit(self, attrs: Attributes) -> None:
        for p in self._for(attrs.resource):
            p.admit(attrs)

    def validate(self, attrs: Attributes) -> None:
        for p in self._for(attrs.resource):
            p.validate(attrs)

    def names(self) -> list[str]:
        return [p.name for p in self.plugins]


#: The admission plugins kcore implements, in kube-apiserver's order (its plugin names).
PLUGIN_NAMES: tuple[str, ...] = (
    "NamespaceLifecycle",
    "LimitRanger",
    "ServiceAccount",
    "Priority",
    "DefaultTolerationSeconds",
    "ResourceQuota",
)


def check_plugin_names(names: Iterable[str]) -> tuple[str, ...]:
    """``names`` as given, or ``ValueError`` naming the first unknown plugin and the known ones
    (what ``--disable-admission-plugins`` accepts)."""
    out = tuple(n.strip() for n in names if n.strip())
    for n in out:
        if n not in PLUGIN_NAMES:
            known = ", ".join(PLUGIN_NAMES)
            msg = f'admission plugin "{n}" is unknown; known plugins: {known}'
            raise ValueError(msg)
    return out


def default_plugins(host: AdmissionHost, disabled: Iterable[str] = ()) -> list[AdmissionPlugin]:
    """kube-apiserver's default-enabled plugins that kcore implements, in upstream order, minus
    ``disabled`` (plugin names; an unknown name is a ``ValueError``)."""
    from kcore.apiserver.admission.lifecycle import NamespaceLifecycle
    from kcore.apiserver.admission.limitranger import LimitRanger
    from kcore.apiserver.admission.priority import PodPriority
    from kcore.apiserver.admission.quota import ResourceQuotaAdmission
    from kcore.apiserver.admission.serviceaccount import ServiceAccountAdmission
    from kcore.apiserver.admission.tolerations import DefaultTolerationSeconds

    off = set(check_plugin_names(disabled))
    plugins: list[AdmissionPlugin] = [
        NamespaceLifecycle(host),
        LimitRanger(host),
        ServiceAccountAdmission(host),
        PodPriority(host),
        DefaultTolerationSeconds(),
        ResourceQuotaAdmission(host),
    ]
    return [p for p in plugins if p.name not in off]
