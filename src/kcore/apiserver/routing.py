"""Request paths to :class:`RequestInfo`: Kubernetes' REST URL grammar.

Resource URLs follow kube-apiserver's ``RequestInfoFactory``::

    /api/v1[/watch][/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
    /apis/{group}/{version}[/watch][/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]

``/api/v1/namespaces/{x}/{y}`` is resource ``y`` in namespace ``x`` unless ``y`` is one of the
namespace's own subresources (``status``, ``finalize``), in which case it is that subresource of
namespace ``x``. Everything that is not a resource URL (discovery, OpenAPI, health, metrics) is
classified by :attr:`RequestInfo.endpoint`.
"""

from __future__ import annotations

from dataclasses import dataclass

from kcore.api.errors import MethodNotAllowed, NotFound
from kcore.api.resources import RESOURCES, ResourceInfo

NOT_FOUND_MESSAGE = "the server could not find the requested resource"

_NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})

#: (group, version) -> {plural: ResourceInfo}
_BY_GV: dict[tuple[str, str], dict[str, ResourceInfo]] = {}
for _r in RESOURCES:
    _BY_GV.setdefault((_r.group, _r.version), {})[_r.resource] = _r

#: Served groups, core group first, each with its versions in preference order.
GROUP_VERSIONS: dict[str, list[str]] = {}
for _g, _v in _BY_GV:
    GROUP_VERSIONS.setdefault(_g, [])
    if _v not in GROUP_VERSIONS[_g]:
        GROUP_VERSIONS[_g].append(_v)

# The legacy core "bindings" collection: POST /api/v1/namespaces/{ns}/bindings.
BINDINGS = "bindings"


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What a request addresses (immutable: one instance serves every request to a path).

    ``endpoint`` is ``"resource"`` for REST resource URLs and otherwise one of ``version``,
    ``health``, ``metrics``, ``openapi-v2``, ``openapi-v3``, ``api``, ``apis``, ``api-group``,
    ``api-resources``. For resource URLs, ``verb`` is the Kubernetes verb (get, list, watch,
    create, update, patch, delete, deletecollection) and ``resource`` the served resource (``None``
    only for the legacy ``bindings`` collection, flagged by ``bindings``).
    """

    endpoint: str
    verb: str = ""
    group: str = ""
    version: str = ""
    resource: ResourceInfo | None = None
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    parts: tuple[str, ...] = ()
    bindings: bool = False

    @property
    def resource_name(self) -> str:
        """The plural name for metrics and messages (``pods``, ``bindings``)."""
        if self.resource is not None:
            return self.resource.resource
        return BINDINGS if self.bindings else ""


def served_resources(group: str, version: str) -> dict[str, ResourceInfo] | None:
    """The resources of one group-version, or ``None`` if it is not served."""
    return _BY_GV.get((group, version))


_HEALTH = frozenset({"healthz", "livez", "readyz"})


#: Parsed requests by (method, path, watch), for paths that come again (collections,
#: hot objects); cleared when full.
_PARSED: dict[tuple[str, str, bool], RequestInfo] = {}
_PARSED_MAX = 4096


def parse_request(method: str, path: str, *, watch: bool = False) -> RequestInfo:
    """Classify ``method path``; ``watch`` is the already-parsed ``?watch=`` parameter.

    Raises :class:`NotFound` for unknown URLs and :class:`MethodNotAllowed` for methods a URL
    does not support.
    """
    key = (method, path, watch)
    info = _PARSED.get(key)
    if info is None:
        info = _parse_request(method, path, watch)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = info
    return info


def _parse_request(method: str, path: str, watch: bool) -> RequestInfo:
    parts = [p for p in path.split("/") if p]
    n = len(parts)
    if n == 0:
        raise NotFound(NOT_FOUND_MESSAGE)
    head = parts[0]
    if head == "api":
        if n == 1:
            return _read_only(method, RequestInfo("api", verb="get"))
        if parts[1] != "v1":
            raise NotFound(NOT_FOUND_MESSAGE)
        if n == 2:
            return _read_only(method, RequestInfo("api-resources", verb="get", version="v1"))
        return _resource(method, "", "v1", parts[2:], watch)
    if head == "apis":
        if n == 1:
            return _read_only(method, RequestInfo("apis", verb="get"))
        group = parts[1]
        if group not in GROUP_VERSIONS or group == "":
            raise NotFound(NOT_FOUND_MESSAGE)
        if n == 2:
            return _read_only(method, RequestInfo("api-group", verb="get", group=group))
        version = parts[2]
        if (group, version) not in _BY_GV:
            raise NotFound(NOT_FOUND_MESSAGE)
        if n == 3:
            return _read_only(
                method, RequestInfo("api-resources", verb="get", group=group, version=version)
            )
        return _resource(method, group, version, parts[3:], watch)
    if head == "version" and n == 1:
        return _read_only(method, RequestInfo("version", verb="get"))
    if head in _HEALTH:
        return _read_only(method, RequestInfo("health", verb="get", parts=tuple(parts)))
    if head == "metrics" and n == 1:
        return _read_only(method, RequestInfo("metrics", verb="get"))
    if head == "openapi" and n >= 2:
        if parts[1] == "v2" and n == 2:
            return _read_only(method, RequestInfo("openapi-v2", verb="get"))
        if parts[1] == "v3":
            return _read_only(method, RequestInfo("openapi-v3", verb="get", parts=tuple(parts[2:])))
    raise NotFound(NOT_FOUND_MESSAGE)


def _read_only(method: str, info: RequestInfo) -> RequestInfo:
    if method in ("GET", "HEAD"):
        return info
    raise MethodNotAllowed(
        f"the server does not allow this method on the requested resource ({method})"
    )


def _resource(method: str, group: str, version: str, parts: list[str], watch: bool) -> RequestInfo:
    resources = _BY_GV[(group, version)]
    if parts and parts[0] == "watch":
        watch = True
        parts = parts[1:]
    if not parts:
        raise NotFound(NOT_FOUND_MESSAGE)
    namespace: str | None = None
    if parts[0] == "namespaces" and len(parts) > 1 and group == "":
        if len(parts) > 2 and parts[2] not in _NAMESPACE_SUBRESOURCES:
            namespace = parts[1]
            parts = parts[2:]
    elif parts[0] == "namespaces" and len(parts) > 2 and group != "":
        namespace = parts[1]
        parts = parts[2:]
    if len(parts) > 3:
        raise NotFound(NOT_FOUND_MESSAGE)
    plural = parts[0]
    name = parts[1] if len(parts) > 1 else None
    sub = parts[2] if len(parts) > 2 else None
    info = resources.get(plural)
    if info is None:
        if plural == BINDINGS and group == "" and namespace is not None and name is None:
            if method != "POST":
                raise _not_allowed(method)
            return RequestInfo(
                "resource",
                verb="create",
                group=group,
                version=version,
                namespace=namespace,
                subresource="binding",
                bindings=True,
            )
        raise NotFound(NOT_FOUND_MESSAGE)
    if info.namespaced != (namespace is not None) and not (
        info.namespaced and namespace is None and name is None
    ):
        # Cluster-scoped resources have no namespace segment; a namespaced resource addressed
        # without one is only valid as a cross-namespace collection (list/watch).
        raise NotFound(NOT_FOUND_MESSAGE)
    if sub is not None and sub not in info.subresources:
        raise NotFound(NOT_FOUND_MESSAGE)
    verb = _verb(method, name is not None, watch)
    if name is None and info.namespaced and namespace is None and verb not in ("list", "watch"):
        raise _not_allowed(method)
    if sub is not None and verb == "list":
        verb = "get"  # pragma: no cover - sub implies a name
    return RequestInfo(
        "resource",
        verb=verb,
        group=group,
        version=version,
        resource=info,
        namespace=namespace,
        name=name,
        subresource=sub,
    )


def _verb(method: str, has_name: bool, watch: bool) -> str:
    if method in ("GET", "HEAD"):
        if watch:
            return "watch"
        return "get" if has_name else "list"
    if method == "POST":
        return "create"
    if method == "PUT" and has_name:
        return "update"
    if method == "PATCH" and has_name:
        return "patch"
    if method == "DELETE":
        return "delete" if has_name else "deletecollection"
    raise _not_allowed(method)


def _not_allowed(method: str) -> MethodNotAllowed:
    return MethodNotAllowed(
        f"the server does not allow this method on the requested resource ({method})"
    )
