"""The table of API resources kcore serves: group, version, plural, kind, scope and subresources.

One row per resource, shared by the APIServer (routing, discovery, OpenAPI) and the clients
(URL building, ``LocalClient`` dispatch). Look rows up with :func:`resource_for` (plural, short
name, singular or kind, optionally qualified by group as kubectl does: ``deployments.apps``) or
:func:`resource_for_kind` (``apiVersion`` + ``kind`` of an object).
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_VERBS: tuple[str, ...] = (
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
)


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """One served resource.

    ``group`` is ``""`` for the core (legacy) group; ``api_version`` is ``v1`` or ``group/v``.
    ``subresources`` lists the names served below an object (``status``, ``binding``, ...).
    """

    group: str
    version: str
    resource: str  # plural, lower case: "pods"
    kind: str
    namespaced: bool
    singular: str
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def qualified(self) -> str:
        """``resource.group`` (``deployments.apps``) or just ``resource`` for the core group."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    def path(
        self, namespace: str | None = None, name: str | None = None, subresource: str | None = None
    ) -> str:
        """The REST path of a collection, an object or a subresource."""
        base = f"/api/{self.version}" if not self.group else f"/apis/{self.group}/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.resource}"
        if name:
            base += f"/{name}"
            if subresource:
                base += f"/{subresource}"
        return base


_ALL = ("all",)

RESOURCES: tuple[ResourceInfo, ...] = (
    ResourceInfo(
        "",
        "v1",
        "namespaces",
        "Namespace",
        False,
        "namespace",
        ("ns",),
        subresources=("status", "finalize"),
    ),
    ResourceInfo(
        "",
        "v1",
        "pods",
        "Pod",
        True,
        "pod",
        ("po",),
        _ALL,
        ("status", "binding", "eviction", "log", "ephemeralcontainers", "resize"),
    ),
    ResourceInfo("", "v1", "nodes", "Node", False, "node", ("no",), subresources=("status",)),
    ResourceInfo("", "v1", "services", "Service", True, "service", ("svc",), _ALL, ("status",)),
    ResourceInfo("", "v1", "endpoints", "Endpoints", True, "endpoints", ("ep",)),
    ResourceInfo(
        "",
        "v1",
        "replicationcontrollers",
        "ReplicationController",
        True,
        "replicationcontroller",
        ("rc",),
        _ALL,
        ("status", "scale"),
    ),
    ResourceInfo("", "v1", "configmaps", "ConfigMap", True, "configmap", ("cm",)),
    ResourceInfo("", "v1", "secrets", "Secret", True, "secret"),
    ResourceInfo("", "v1", "events", "Event", True, "event", ("ev",)),
    ResourceInfo(
        "",
        "v1",
        "resourcequotas",
        "ResourceQuota",
        True,
        "resourcequota",
        ("quota",),
        subresources=("status",),
    ),
    ResourceInfo("", "v1", "limitranges", "LimitRange", True, "limitrange", ("limits",)),
    ResourceInfo(
        "",
        "v1",
        "serviceaccounts",
        "ServiceAccount",
        True,
        "serviceaccount",
        ("sa",),
        subresources=("token",),
    ),
    ResourceInfo(
        "apps",
        "v1",
        "deployments",
        "Deployment",
        True,
        "deployment",
        ("deploy",),
        _ALL,
        ("status", "scale"),
    ),
    ResourceInfo(
        "apps",
        "v1",
        "replicasets",
        "ReplicaSet",
        True,
        "replicaset",
        ("rs",),
        _ALL,
        ("status", "scale"),
    ),
    ResourceInfo(
        "apps", "v1", "daemonsets", "DaemonSet", True, "daemonset", ("ds",), _ALL, ("status",)
    ),
    ResourceInfo(
        "apps",
        "v1",
        "statefulsets",
        "StatefulSet",
        True,
        "statefulset",
        ("sts",),
        _ALL,
        ("status", "scale"),
    ),
    ResourceInfo("batch", "v1", "jobs", "Job", True, "job", (), _ALL, ("status",)),
    ResourceInfo(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        True,
        "horizontalpodautoscaler",
        ("hpa",),
        _ALL,
        ("status",),
    ),
    ResourceInfo("events.k8s.io", "v1", "events", "Event", True, "event", ("ev",)),
    ResourceInfo("coordination.k8s.io", "v1", "leases", "Lease", True, "lease"),
    ResourceInfo(
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "PriorityClass",
        False,
        "priorityclass",
        ("pc",),
    ),
    ResourceInfo(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        True,
        "poddisruptionbudget",
        ("pdb",),
        subresources=("status",),
    ),
    ResourceInfo("node.k8s.io", "v1", "runtimeclasses", "RuntimeClass", False, "runtimeclass"),
)

# Subresource kinds (request/response bodies of subresources, not stored on their own).
SUBRESOURCE_KINDS: dict[str, tuple[str, str]] = {
    "binding": ("v1", "Binding"),
    "eviction": ("policy/v1", "Eviction"),
    "scale": ("autoscaling/v1", "Scale"),
}

_BY_NAME: dict[tuple[str, str], ResourceInfo] = {}
_BY_KIND: dict[tuple[str, str], ResourceInfo] = {}
for _r in RESOURCES:
    for _n in (_r.resource, _r.singular, _r.kind.lower(), *_r.short_names):
        _BY_NAME.setdefault((_n, _r.group), _r)
        _BY_NAME.setdefault((_n, "*"), _r)  # first registration wins for unqualified names
    _BY_KIND[(_r.api_version, _r.kind)] = _r


def resource_for(name: str) -> ResourceInfo:
    """Resolve ``pods``, ``po``, ``pod``, ``Pod``, ``deployments.apps`` or ``events.events.k8s.io``.

    Raises ``KeyError`` naming the resource when it is not served.
    """
    key = name.strip()
    low = key.lower()
    if (low, "*") in _BY_NAME:
        return _BY_NAME[(low, "*")]
    if "." in low:
        head, _, group = low.partition(".")
        if (head, group) in _BY_NAME:
            return _BY_NAME[(head, group)]
    msg = f'the server doesn\'t have a resource type "{name}"'
    raise KeyError(msg)


def resource_for_kind(api_version: str, kind: str) -> ResourceInfo:
    """The resource storing objects of ``apiVersion``/``kind``; ``KeyError`` if none."""
    try:
        return _BY_KIND[(api_version, kind)]
    except KeyError:
        msg = f'no matches for kind "{kind}" in version "{api_version}"'
        raise KeyError(msg) from None


def resource_by_group(group: str, resource: str) -> ResourceInfo | None:
    """Exact lookup by group and plural (what the REST router has)."""
    for r in RESOURCES:
        if r.group == group and r.resource == resource:
            return r
    return None
