"""The APIServer's request path below HTTP: :class:`APIRegistry`.

One registry serves every resource of :data:`kcore.api.resources.RESOURCES` over one
:class:`~kcore.storage.interface.Store`. It is what kube-apiserver's generic registry
(``genericregistry.Store``) plus the per-kind REST storages do:

* **create**: decode checks, namespace from the request, defaulting (:mod:`kcore.api.defaults`),
  mutating admission, ``PrepareForCreate`` (uid, creationTimestamp, generation, status reset),
  ``generateName`` (retried on collision), validation (:mod:`kcore.api.validation`), validating
  admission (quota), Service address allocation, storage, then side effects (the default
  ServiceAccount of a new namespace).
* **update/patch**: a read-modify-write through ``Store.guaranteed_update`` (so concurrent
  writers never lose an update), the ``metadata.resourceVersion`` precondition (409 with
  Kubernetes' message), status/spec separation per kind, generation bumps on spec changes,
  finalizer rules, no-op detection (an unchanged object is not written and keeps its
  resourceVersion), and deletion once the last finalizer of a deleted object is removed.
* **delete**: preconditions, graceful deletion of pods bound to a node, finalizers (including
  the ``orphan`` / ``foregroundDeletion`` finalizers that record the propagation policy for the
  garbage collector), namespace termination (the namespace controller's work, done here).
* **subresources**: ``status``, ``scale`` (autoscaling/v1 Scale), ``binding``, ``eviction``
  (PodDisruptionBudgets honoured), ``log``, ``finalize``, ``ephemeralcontainers``, ``resize``.
* **list/watch**: label and field selectors on every resource, chunking with consistent
  continue tokens, resourceVersion semantics (unset, ``0``, ``NotOlderThan``, ``Exact``), and
  watches that turn selector transitions into ADDED/DELETED as the watch cache does.

The registry is synchronous and thread-safe: it holds no mutable state of its own beyond caches
that are safe to race, and every read-modify-write goes through the store's compare-and-swap.
``LocalClient`` calls it directly; the HTTP app is a thin layer over the same methods.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from functools import partial
from secrets import SystemRandom
from typing import TYPE_CHECKING, Any, cast

import orjson

from kcore.api import defaults as _defaults
from kcore.api import fields as fieldsel
from kcore.api import labels as labelsel
from kcore.api import schema as _schema
from kcore.api import validation as _validation
from kcore.api.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Expired,
    FieldErrors,
    Forbidden,
    Invalid,
    MethodNotAllowed,
    NotFound,
    StatusCause,
    StatusDetails,
    StatusError,
    Timeout,
    TooManyRequests,
)
from kcore.api.meta import generate_name
from kcore.api.resources import RESOURCES, ResourceInfo, resource_for
from kcore.apiserver import admission as adm
from kcore.apiserver.allocators import ServiceAllocators
from kcore.apiserver.conversion import event_from_core, event_to_core
from kcore.apiserver.lookup_cache import CACHED, InvalidatingStore, LookupCache
from kcore.apiserver.objects import (
    SecondStamps,
    check_metadata_types,
    json_copy,
    meta,
    name_of,
    resource_version_of,
    uuid4_from_bits,
)
from kcore.apiserver.strategy import Strategy, pod_qos_class, strategy_for
from kcore.apiserver.watch import RegistryWatch, error_stream
from kcore.storage.interface import collection_prefix, object_key
from kcore.util.clock import rfc3339

if TYPE_CHECKING:
    import builtins
    from collections.abc import Callable, Mapping, Sequence

    from kcore.api.meta import RandomSource
    from kcore.apiserver.auth import UserInfo
    from kcore.client.interface import PatchType, WatchStream
    from kcore.storage.interface import Store
    from kcore.util.clock import Clock

Obj = dict[str, Any]

#: The namespaces every cluster has; they cannot be deleted.
DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")

#: Longest page a list returns when the client gives no limit (no limit: everything).
_GENERATE_NAME_ATTEMPTS = 8
_DEFAULT_WATCH_TIMEOUT = 1800.0

_ORPHAN = "orphan"
_FOREGROUND = "foregroundDeletion"
_NS_FINALIZER = "kubernetes"


@dataclass(slots=True)
class RequestContext:
    """Per-request options beyond the :class:`~kcore.client.interface.Registry` signature.

    ``field_validation`` is ``Strict``, ``Warn`` (the server default) or ``Ignore``;
    ``warnings`` collects what the HTTP layer returns in ``Warning`` headers; ``created`` is set
    by update/patch when the write created the object (the HTTP answer is then 201).
    ``owned_body``: the body is the registry's to modify (freshly decoded), so it is not copied;
    ``shared_body``: such a body may still share nested values with stored objects (a patched
    object), so it is rebuilt rather than modified below its top level.
    """

    user: UserInfo | None = None
    field_validation: str = "Warn"
    warnings: list[str] = field(default_factory=list)
    created: bool = False
    owned_body: bool = False
    shared_body: bool = False


class _Res:
    """A served resource with its strategy and storage layout."""

    __slots__ = ("info", "name", "qualified", "stored_version", "strategy")

    def __init__(self, info: ResourceInfo) -> None:
        self.info = info
        self.strategy: Strategy = strategy_for(info)
        self.qualified = info.qualified
        self.name = info.resource
        # events.k8s.io Events are stored as core/v1 Events.
        self.stored_version = (
            "v1" if (info.group, info.resource) == ("events.k8s.io", "events") else ""
        )

    def key(self, namespace: str | None, name: str) -> str:
        return object_key(self.strategy.storage, namespace if self.info.namespaced else None, name)

    def prefix(self, namespace: str | None) -> str:
        return collection_prefix(self.strategy.storage, namespace if self.info.namespaced else None)


def _parse_rv(value: str, what: str = "resourceVersion") -> int:
    try:
        rv = int(value)
    except (TypeError, ValueError):
        msg = f'invalid {what}: "{value}"'
        raise BadRequest(msg) from None
    if rv < 0:
        msg = f'invalid {what}: "{value}"'
        raise BadRequest(msg)
    return rv


def _conflict(r: _Res, name: str, detail: str) -> Conflict:
    return Conflict(
        f'Operation cannot be fulfilled on {r.qualified} "{name}": {detail}',
        details=StatusDetails(name=name, group=r.info.group, kind=r.name),
    )


_MODIFIED = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


def not_found(r: _Res | ResourceInfo, name: str) -> NotFound:
    info = r.info if isinstance(r, _Res) else r
    return NotFound(
        f'{info.qualified} "{name}" not found',
        details=StatusDetails(name=name, group=info.group, kind=info.resource),
    )


def already_exists(r: _Res, name: str) -> AlreadyExists:
    return AlreadyExists(
        f'{r.qualified} "{name}" already exists',
        details=StatusDetails(name=name, group=r.info.group, kind=r.name),
    )


_NS_MISMATCH = (
    "the namespace of the provided object does not match the namespace sent on the request"
)


def _name_mismatch(body_name: Any, url_name: Any) -> BadRequest:
    return BadRequest(
        f"the name of the object ({body_name}) does not match the name on the URL ({url_name})"
    )


def _spec_view(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Everything except metadata and status: what a generation bump compares."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


def _status_success(code: int = 201, **details: Any) -> Obj:
    out: Obj = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": code,
    }
    if details:
        out["details"] = details
    return out


class APIRegistry:
    """Every served resource over one store (see the module docstring for the semantics).

    Parameters
    ----------
    store:
        The MVCC store; the registry never closes it.
    clock:
        Time for timestamps, graceful-deletion deadlines and watch timeouts.
    rng:
        Source of uids, generated names and Service addresses (``random.Random(seed)`` in
        simulation for reproducible runs; a system random source by default).
    service_cidr, node_port_range:
        The Service address range (default ``127.96.0.0/12``: loopback) and NodePort range.
    admission:
        The admission plugins (default: kube-apiserver's default set that kcore implements).
        Pass ``[]`` to disable admission entirely.
    bootstrap:
        Create the default namespaces and system PriorityClasses and repair the Service address
        allocations now (what kube-apiserver's bootstrap controllers do on start).
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        rng: RandomSource | None = None,
        service_cidr: str | None = None,
        node_port_range: tuple[int, int] | None = None,
        admission: list[adm.AdmissionPlugin] | None = None,
        disable_admission_plugins: Sequence[str] = (),
        bootstrap: bool = True,
        watch_timeout: float = _DEFAULT_WATCH_TIMEOUT,
        bookmark_interval: float = 60.0,
        lookup_ttl: float = 1.0,
    ) -> None:
        self.cache = LookupCache(clock, lookup_ttl)
        # Every write goes through the wrapper so cached admission lookups stay exact.
        self._store: Store = InvalidatingStore(store, self.cache)
        self._clock = clock
        self.rng: Any = rng if rng is not None else SystemRandom()
        self._res: dict[str, _Res] = {}
        self._by_gr: dict[tuple[str, str], _Res] = {}
        for info in RESOURCES:
            r = _Res(info)
            self._by_gr[(info.group, info.resource)] = r
        kwargs: dict[str, Any] = {}
        if service_cidr is not None:
            kwargs["service_cidr"] = service_cidr
        if node_port_range is not None:
            kwargs["node_port_range"] = node_port_range
        self.allocators = ServiceAllocators(store, self.rng, **kwargs)
        self.admission = adm.AdmissionChain(
            adm.default_plugins(self, disable_admission_plugins) if admission is None else admission
        )
        self.watch_timeout = watch_timeout
        self.bookmark_interval = bookmark_interval
        self._stamp = SecondStamps()
        # Pod log source (a kubelet): None until one is registered.
        self.log_source: Callable[..., bytes] | None = None
        if bootstrap:
            self.bootstrap()

    # ------------------------------------------------------------------ AdmissionHost

    @property
    def store(self) -> Store:
        return self._store

    @property
    def clock(self) -> Clock:
        return self._clock

    def lookup(self, resource: str, namespace: str | None, name: str) -> Mapping[str, Any] | None:
        r = self._resolve(resource)
        storage = r.strategy.storage
        if storage in CACHED:
            result: Mapping[str, Any] | None = self.cache.get(
                (storage, namespace or "", name), partial(self._load_one, r, namespace, name)
            )
            return result
        return self._load_one(r, namespace, name)

    def _load_one(self, r: _Res, namespace: str | None, name: str) -> Mapping[str, Any] | None:
        try:
            return self._store.get(r.key(namespace, name))
        except NotFound:
            return None

    def lookup_all(self, resource: str, namespace: str | None) -> list[Mapping[str, Any]]:
        r = self._resolve(resource)
        storage = r.strategy.storage
        if storage in CACHED:
            items: list[Mapping[str, Any]] = self.cache.get(
                (storage, namespace or "", "*"), partial(self._load_all, r, namespace)
            )
            return items
        return self._load_all(r, namespace)

    def _load_all(self, r: _Res, namespace: str | None) -> list[Mapping[str, Any]]:
        return list(self._store.list(r.prefix(namespace)).items)

    def ensure(self, resource: str, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        r = self._resolve(resource)
        md = meta(obj)
        try:
            return self._store.get(r.key(md.get("namespace"), md.get("name", "")))
        except NotFound:
            pass
        try:
            return self.create(resource, obj, namespace=md.get("namespace"))
        except AlreadyExists:
            return self._store.get(r.key(md.get("namespace"), md.get("name", "")))

    # ------------------------------------------------------------------ resolution

    def _resolve(self, resource: str) -> _Res:
        r = self._res.get(resource)
        if r is not None:
            return r
        try:
            info = resource_for(resource)
        except KeyError as err:
            raise NotFound(str(err.args[0]) if err.args else str(err)) from None
        r = self._by_gr[(info.group, info.resource)]
        self._res[resource] = r
        return r

    def resource_info(self, resource: str) -> ResourceInfo:
        """The served resource named ``resource`` (plural, short, kind or ``plural.group``)."""
        return self._resolve(resource).info

    # ------------------------------------------------------------------ bootstrap

    def bootstrap(self) -> None:
        """Create the default namespaces and system PriorityClasses; repair allocations."""
        self.allocators.repair(self._store.list(self._by_gr[("", "services")].prefix(None)).items)
        for ns in DEFAULT_NAMESPACES:
            self.ensure(
                "namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
            )
        for name, value, desc in (
            (
                "system-node-critical",
                2000001000,
                "Used for system critical pods that must not be moved from their current node.",
            ),
            (
                "system-cluster-critical",
                2000000000,
                "Used for system critical pods that must run in the cluster, but can be moved "
                "to another node if necessary.",
            ),
        ):
            self.ensure(
                "priorityclasses.scheduling.k8s.io",
                {
                    "apiVersion": "scheduling.k8s.io/v1",
                    "kind": "PriorityClass",
                    "metadata": {"name": name},
                    "value": value,
                    "description": desc,
                    "preemptionPolicy": "PreemptLowerPriority",
                },
            )
        self.resume_namespace_deletions()

    def ensure_kubernetes_service(self, port: int, host: str = "127.0.0.1") -> None:
        """The ``default/kubernetes`` Service and Endpoints pointing at this server."""
        svc = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": "kubernetes",
                "namespace": "default",
                "labels": {"component": "apiserver", "provider": "kubernetes"},
            },
            "spec": {
                "type": "ClusterIP",
                "clusterIP": self.allocators.kubernetes_service_ip,
                "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": port}],
                "sessionAffinity": "None",
            },
        }
        try:
            self.ensure("services", svc)
        except Invalid:
            # The address went to another Service meanwhile; serve without the VIP.
            svc["spec"].pop("clusterIP")  # type: ignore[attr-defined]
            self.ensure("services", svc)
        ep = {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {
                "name": "kubernetes",
                "namespace": "default",
                "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
            },
            "subsets": [
                {
                    "addresses": [{"ip": host}],
                    "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
                }
            ],
        }
        current = self.lookup("endpoints", "default", "kubernetes")
        if current is None:
            self.ensure("endpoints", ep)
        elif current.get("subsets") != ep["subsets"]:
            self.update("endpoints", {**current, "subsets": ep["subsets"]}, namespace="default")

    # ------------------------------------------------------------------ decoding

    def _decode(self, r: _Res, body: Any, ctx: RequestContext, *, verb: str) -> Obj:
        """A private, type-checked copy of a request body with apiVersion/kind filled in."""
        if not isinstance(body, dict):
            msg = f"the body of a {verb} request must be a JSON object describing a {r.info.kind}"
            raise BadRequest(msg)
        obj: Obj = body if ctx.owned_body else json_copy(body)
        api_version = r.info.api_version
        av = obj.get("apiVersion")
        kind = obj.get("kind")
        if av not in (None, "") and av != api_version:
            msg = (
                f"the API version in the data ({av}) does not match the expected API version "
                f"({api_version})"
            )
            raise BadRequest(msg)
        if kind not in (None, "") and kind != r.info.kind:
            msg = (
                f'{r.info.kind} in version "{r.info.version}" cannot be handled as a '
                f"{r.info.kind}: the kind in the data ({kind}) does not match the expected kind "
                f"({r.info.kind})"
            )
            raise BadRequest(msg)
        obj["apiVersion"] = api_version
        obj["kind"] = r.info.kind
        check_metadata_types(obj, r.info.kind, r.info.version)
        md = obj.get("metadata")
        if md is None:
            obj["metadata"] = {}
        obj = self._prune(obj, ctx)
        if r.stored_version:
            obj = event_to_core(obj)
        return obj

    def _prune(self, obj: Obj, ctx: RequestContext) -> Obj:
        if not ctx.shared_body and _is_clean(obj):
            # Nothing to drop or convert: the (owned) object is its own pruned copy.
            return obj
        strict = ctx.field_validation == "Strict"
        pruned, warnings = _prune(obj, strict=strict)
        if warnings and ctx.field_validation == "Warn":
            ctx.warnings.extend(warnings)
        return pruned

    def _out(self, r: _Res, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        """A stored object as served by ``r`` (only Events differ between versions)."""
        if r.stored_version:
            return event_from_core(obj)
        return obj

    def _namespace(self, r: _Res, namespace: str | None, body_meta: dict[str, Any]) -> str | None:
        body_ns = body_meta.get("namespace") or None
        if not r.info.namespaced:
            body_meta.pop("namespace", None)
            return None
        if namespace is None:
            namespace = body_ns
        if not namespace:
            msg = "an empty namespace may not be set during creation"
            raise BadRequest(msg)
        if body_ns is not None and body_ns != namespace:
            raise BadRequest(_NS_MISMATCH)
        body_meta["namespace"] = namespace
        return namespace

    # ------------------------------------------------------------------ create

    def create(
        self,
        resource: str,
        obj: Mapping[str, Any],
        *,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
        ctx: RequestContext | None = None,
    ) -> Mapping[str, Any]:
        """POST: create ``obj`` (see the module docstring), or a subresource of ``name``."""
        r = self._resolve(resource)
        if subresource == "binding" and r.name == "pods":
            return self._bind(r, namespace=namespace, name=name, body=obj, dry_run=dry_run)
        ctx = ctx or RequestContext()
        if subresource is not None:
            if r.name == "pods" and subresource == "eviction":
                return self._evict(
                    r, namespace=namespace, name=name, body=obj, dry_run=dry_run, ctx=ctx
                )
            msg = f"the server does not allow this method on the requested resource ({subresource})"
            raise MethodNotAllowed(msg)
        new = self._decode(r, obj, ctx, verb="create")
        md: dict[str, Any] = new["metadata"]
        namespace = self._namespace(r, namespace, md)
        if name is not None and md.get("name") and md["name"] != name:
            msg = (
                f"the name of the object ({md['name']}) does not match the name on the URL ({name})"
            )
            raise BadRequest(msg)
        return self._create_decoded(
            r, new, namespace=namespace, dry_run=dry_run, field_manager=field_manager, ctx=ctx
        )

    def _create_decoded(
        self,
        r: _Res,
        new: Obj,
        *,
        namespace: str | None,
        dry_run: bool,
        field_manager: str | None,
        ctx: RequestContext,
    ) -> Mapping[str, Any]:
        new = _apply_defaults(new)
        md: dict[str, Any] = new["metadata"]
        attrs = adm.Attributes(
            adm.CREATE, r.info, None, namespace, md.get("name") or "", new, None, dry_run, ctx.user
        )
        self.admission.admit(attrs)
        new = attrs.obj if attrs.obj is not None else new
        md = new["metadata"]
        self._prepare_for_create(r, new, field_manager)
        generated = not md.get("name") and bool(md.get("generateName"))
        if generated and not isinstance(md.get("generateName"), str):
            generated = False
        for attempt in range(_GENERATE_NAME_ATTEMPTS):
            if generated:
                md["name"] = generate_name(md["generateName"], self.rng)
            _validate_create(new)
            attrs.name = md.get("name", "")
            rollbacks: list[Callable[[], None]] = []
            if not dry_run and r.name == "services" and r.info.group == "":
                rollbacks = self.allocators.allocate_service(new, None)
            elif dry_run and r.name == "services" and r.info.group == "":
                new.setdefault("spec", {})
            try:
                self.admission.validate(attrs)
                if dry_run:
                    if self.lookup(r.qualified, namespace, md["name"]) is not None:
                        raise already_exists(r, md["name"])
                    return self._out(r, new)
                stored = self._store.create(r.key(namespace, md["name"]), new)
            except AlreadyExists:
                for rb in reversed(rollbacks):
                    rb()
                self._refund(r, new, dry_run)
                if generated and attempt < _GENERATE_NAME_ATTEMPTS - 1:
                    continue
                raise already_exists(r, md["name"]) from None
            except BaseException:
                for rb in reversed(rollbacks):
                    rb()
                raise
            break
        else:  # pragma: no cover - the loop always breaks or raises
            raise already_exists(r, md.get("name", ""))
        self._after_create(r, stored)
        return self._out(r, stored)

    def _prepare_for_create(
        self, r: _Res, new: Obj, field_manager: str | None, *, applied: bool = False
    ) -> None:
        md: dict[str, Any] = new["metadata"]
        for k in (
            "resourceVersion",
            "uid",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "selfLink",
        ):
            md.pop(k, None)
        md["uid"] = uuid4_from_bits(self.rng.getrandbits(128))
        md["creationTimestamp"] = self._stamp(self._clock.now())
        if r.strategy.generation:
            md["generation"] = 1
        else:
            md.pop("generation", None)
        st = r.strategy
        if st.reset_status_on_create:
            if r.name == "pods":
                new["status"] = {"phase": "Pending", "qosClass": pod_qos_class(new)}
            elif r.name == "namespaces":
                new["status"] = {"phase": "Active"}
            elif r.name == "services":
                new["status"] = {"loadBalancer": {}}
            elif r.name == "resourcequotas":
                new["status"] = self._quota_status(new, None)
            else:
                new["status"] = {}
        if r.name == "namespaces":
            spec = new.get("spec")
            if not isinstance(spec, dict):
                spec = new["spec"] = {}
            fins = spec.get("finalizers")
            if not isinstance(fins, list) or _NS_FINALIZER not in fins:
                spec["finalizers"] = [*(fins if isinstance(fins, list) else []), _NS_FINALIZER]
        if not applied and field_manager:
            _managed_fields(new, None, field_manager, operation="Update", clock=self._clock)

    def _after_create(self, r: _Res, obj: Mapping[str, Any]) -> None:
        if r.name == "namespaces" and r.info.group == "":
            ns = name_of(obj)
            self.ensure(
                "serviceaccounts",
                {
                    "apiVersion": "v1",
                    "kind": "ServiceAccount",
                    "metadata": {"name": "default", "namespace": ns},
                },
            )

    # ------------------------------------------------------------------ get / list

    def get(
        self,
        resource: str,
        name: str,
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        resource_version: str | None = None,
    ) -> Mapping[str, Any]:
        """GET one object (or its ``status``/``scale``/... view)."""
        r = self._resolve(resource)
        ns = self._read_namespace(r, namespace)
        if subresource == "log":
            msg = "the log subresource is text, not an object: read it with pod_log()"
            raise BadRequest(msg)
        obj = self._get(r, ns, name, resource_version)
        if subresource is None or subresource in (
            "status",
            "ephemeralcontainers",
            "resize",
        ):
            if subresource is not None and subresource not in r.info.subresources:
                raise NotFound(f'{r.qualified} "{name}" has no {subresource} subresource')
            return self._out(r, obj)
        if subresource == "scale" and "scale" in r.info.subresources:
            return self._scale_of(r, obj)
        msg = f"the server does not allow this method on the requested resource ({subresource})"
        raise MethodNotAllowed(msg)

    def _read_namespace(self, r: _Res, namespace: str | None) -> str | None:
        if not r.info.namespaced:
            return None
        if not namespace:
            msg = f"a namespace is required to get a {r.info.kind}"
            raise BadRequest(msg)
        return namespace

    def _get(
        self, r: _Res, namespace: str | None, name: str, resource_version: str | None = None
    ) -> Mapping[str, Any]:
        if not name:
            raise not_found(r, name)
        key = r.key(namespace, name)
        try:
            if resource_version not in (None, "", "0"):
                # GET with a resourceVersion: any state not older than it (the latest is).
                rv = _parse_rv(str(resource_version))
                current = self._store.revision
                if rv > current:
                    raise _too_large(rv, current)
            return self._store.get(key)
        except NotFound:
            raise not_found(r, name) from None

    def list(
        self,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
        resource_version_match: str | None = None,
    ) -> Mapping[str, Any]:
        """LIST: a ``<Kind>List`` with ``metadata.resourceVersion`` (and ``continue``)."""
        r = self._resolve(resource)
        ns = namespace if r.info.namespaced else None
        match = self._matcher(r, label_selector, field_selector)
        prefix = r.prefix(ns)
        if limit is not None and limit < 0:
            msg = f"limit: Invalid value: {limit}: must be greater than or equal to 0"
            raise BadRequest(msg)
        revision: int | None = None
        start_after: str | None = None
        if continue_:
            if resource_version not in (None, "", "0"):
                msg = "specifying resource version is not allowed when using continue"
                raise BadRequest(msg)
            revision, start_after = _decode_continue(continue_, prefix)
        else:
            revision = self._list_revision(resource_version, resource_version_match, limit)
        items, rev, cont, remaining = self._paged_list(
            r, prefix, match, limit=limit or 0, revision=revision, start_after=start_after
        )
        if revision is None and not continue_ and resource_version not in (None, "", "0"):
            wanted = _parse_rv(str(resource_version))
            if rev < wanted:
                raise _too_large(wanted, rev)
        list_meta: Obj = {"resourceVersion": str(rev)}
        if cont is not None:
            list_meta["continue"] = _encode_continue(rev, cont, prefix)
            if remaining >= 0 and match is None:
                list_meta["remainingItemCount"] = remaining
        out_items = [self._out(r, o) for o in items] if r.stored_version else list(items)
        return {
            "kind": r.info.list_kind,
            "apiVersion": r.info.api_version,
            "metadata": list_meta,
            "items": out_items,
        }

    def _list_revision(
        self, resource_version: str | None, match: str | None, limit: int | None
    ) -> int | None:
        if match not in (None, "", "NotOlderThan", "Exact"):
            msg = (
                f'resourceVersionMatch: Unsupported value: "{match}": supported values: '
                '"Exact", "NotOlderThan"'
            )
            raise BadRequest(msg)
        if resource_version in (None, ""):
            if match:
                msg = (
                    "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
                    "resourceVersion is provided"
                )
                raise BadRequest(msg)
            return None
        rv = _parse_rv(str(resource_version))
        if match == "Exact" or (not match and limit and rv != 0):
            if rv == 0 and match == "Exact":
                msg = (
                    'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden '
                    'for resourceVersion "0"'
                )
                raise BadRequest(msg)
            # The store answers 504 Timeout for a revision it has not reached yet.
            return rv
        # NotOlderThan (and rv=0: any): serve the latest state; list() checks it is not older.
        return None

    def _paged_list(
        self,
        r: _Res,
        prefix: str,
        match: Callable[[Mapping[str, Any]], bool] | None,
        *,
        limit: int,
        revision: int | None,
        start_after: str | None,
    ) -> tuple[builtins.list[Mapping[str, Any]], int, str | None, int]:
        """Items (filtered), the revision they are consistent at, the key to continue after
        (``None`` if complete) and the count of remaining unfiltered items (-1 unknown)."""
        store = self._store
        if match is None or limit == 0:
            res = store.list(prefix, revision=revision, limit=limit, start_after=start_after)
            items = res.items if match is None else [o for o in res.items if match(o)]
            return items, res.revision, res.continue_key, res.remaining
        out: builtins.list[Mapping[str, Any]] = []
        after = start_after
        rev = revision
        page = max(limit, 64)
        while True:
            res = store.list(prefix, revision=rev, limit=page, start_after=after)
            rev = res.revision
            n = len(res.items)
            for i, o in enumerate(res.items):
                if not match(o):
                    continue
                out.append(o)
                if len(out) == limit:
                    more = res.continue_key is not None or i < n - 1
                    md = meta(o)
                    last = r.key(md.get("namespace"), md.get("name", ""))
                    return out, rev, (last if more else None), -1
            if res.continue_key is None:
                return out, rev, None, -1
            after = res.continue_key

    def _matcher(
        self, r: _Res, label_selector: str | None, field_selector: str | None
    ) -> Callable[[Mapping[str, Any]], bool] | None:
        preds: builtins.list[Callable[[Mapping[str, Any]], bool]] = []
        if label_selector:
            sel = labelsel.parse(label_selector)
            if not sel.empty():
                preds.append(sel.matches_object)
        if field_selector:
            fmatch = fieldsel.compile_field_selector(r.qualified, field_selector)
            if fieldsel.parse_field_selector(field_selector).terms:
                if r.stored_version:
                    preds.append(lambda o: fmatch(event_from_core(o)))
                else:
                    preds.append(fmatch)
        if not preds:
            return None
        if len(preds) == 1:
            return preds[0]
        p0, p1 = preds[0], preds[1]
        return lambda o: p0(o) and p1(o)

    # ------------------------------------------------------------------ update / patch

    def update(
        self,
        resource: str,
        obj: Mapping[str, Any],
        *,
        namespace: str | None = None,
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
        name: str | None = None,
        ctx: RequestContext | None = None,
    ) -> Mapping[str, Any]:
        """PUT: replace the object (or a subresource); ``metadata.resourceVersion`` in ``obj``
        is a precondition."""
        ctx = ctx or RequestContext()
        r = self._resolve(resource)
        if subresource == "scale":
            return self._write_scale(
                r,
                namespace=namespace,
                name=name,
                body=obj,
                patch_type=None,
                dry_run=dry_run,
                field_manager=field_manager,
                ctx=ctx,
            )
        self._check_subresource(r, subresource, write=True)
        body = self._decode(r, obj, ctx, verb="update")
        md = body["metadata"]
        obj_name = md.get("name") or ""
        if name is not None and obj_name and obj_name != name:
            raise _name_mismatch(obj_name, name)
        obj_name = obj_name or (name or "")
        if not obj_name:
            raise Invalid(
                f'{r.info.kind} "" is invalid: metadata.name: Required value: name is required',
                details=StatusDetails(
                    kind=r.info.kind,
                    group=r.info.group,
                    causes=(
                        StatusCause(
                            "FieldValueRequired",
                            "Required value: name is required",
                            "metadata.name",
                        ),
                    ),
                ),
            )
        md["name"] = obj_name
        if r.info.namespaced:
            ns = self._namespace(r, namespace, md)
        else:
            md.pop("namespace", None)
            ns = None
        body = _apply_defaults(body) if subresource is None else body
        return self._write(
            r,
            ns,
            obj_name,
            build=lambda _old: body,
            subresource=subresource,
            dry_run=dry_run,
            field_manager=field_manager,
            ctx=ctx,
            allow_create=r.strategy.create_on_update and subresource is None,
        )

    def patch(
        self,
        resource: str,
        name: str,
        patch: Any,
        *,
        namespace: str | None = None,
        patch_type: PatchType = "merge",
        subresource: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
        force: bool | None = None,
        ctx: RequestContext | None = None,
    ) -> Mapping[str, Any]:
        """PATCH with a JSON, merge, strategic-merge or apply patch."""
        ctx = ctx or RequestContext()
        r = self._resolve(resource)
        if patch_type not in ("json", "merge", "strategic", "apply"):
            msg = f"unsupported patch type {patch_type!r}"
            raise BadRequest(msg)
        if patch_type == "apply":
            if not field_manager:
                msg = (
                    'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is '
                    "required for apply patch"
                )
                raise Invalid(msg)
            if not isinstance(patch, dict):
                msg = "an apply patch must be a single object"
                raise BadRequest(msg)
        elif force is not None:
            msg = "force: Forbidden: may not be specified for non-apply patch"
            raise Invalid(msg)
        if patch_type == "json":
            if not isinstance(patch, list):
                msg = "json patch must be a JSON array of operations"
                raise BadRequest(msg)
        elif not isinstance(patch, dict):
            msg = f"{patch_type} patch must be a JSON object"
            raise BadRequest(msg)
        ns = self._read_namespace(r, namespace) if r.info.namespaced else None
        if subresource == "scale":
            return self._write_scale(
                r,
                namespace=ns,
                name=name,
                body=patch,
                patch_type=patch_type,
                dry_run=dry_run,
                field_manager=field_manager,
                ctx=ctx,
            )
        self._check_subresource(r, subresource, write=True)

        def build(old: Mapping[str, Any]) -> Obj:
            current: Mapping[str, Any] = self._out(r, old) if old else {}
            if not old and patch_type == "apply":
                base: Obj = {}
            else:
                base = cast("Obj", current)
            patched = _apply_patch(
                patch_type,
                base,
                patch,
                field_manager=field_manager,
                force=force,
                clock=self._clock,
            )
            if not isinstance(patched, dict):
                msg = "the patch did not produce an object"
                raise BadRequest(msg)
            patched = self._decode(
                r,
                patched,
                RequestContext(
                    field_validation=ctx.field_validation,
                    warnings=ctx.warnings,
                    owned_body=True,
                    shared_body=True,
                ),
                verb="patch",
            )
            pmd = patched["metadata"]
            if pmd.get("name") not in (None, "", name):
                raise _name_mismatch(pmd.get("name"), name)
            pmd["name"] = name
            if r.info.namespaced:
                if pmd.get("namespace") not in (None, "", ns):
                    raise BadRequest(_NS_MISMATCH)
                pmd["namespace"] = ns
            else:
                pmd.pop("namespace", None)
            if (old and subresource is None) or not old:
                patched = _apply_defaults(patched)
            return patched

        return self._write(
            r,
            ns,
            name,
            build=build,
            subresource=subresource,
            dry_run=dry_run,
            field_manager=field_manager,
            ctx=ctx,
            allow_create=patch_type == "apply" and subresource is None,
            patch_type=patch_type,
        )

    def _check_subresource(self, r: _Res, subresource: str | None, *, write: bool) -> None:
        if subresource is None:
            return
        if subresource not in r.info.subresources or subresource in ("log", "binding", "eviction"):
            msg = f"the server does not allow this method on the requested resource ({subresource})"
            raise MethodNotAllowed(msg)
        if subresource == "finalize" and not write:
            raise MethodNotAllowed("finalize only supports update")

    def _write(
        self,
        r: _Res,
        namespace: str | None,
        name: str,
        *,
        build: Callable[[Mapping[str, Any]], Obj],
        subresource: str | None,
        dry_run: bool,
        field_manager: str | None,
        ctx: RequestContext,
        allow_create: bool,
        patch_type: str | None = None,
    ) -> Mapping[str, Any]:
        """The shared read-modify-write of update and patch."""
        key = r.key(namespace, name)
        created = False
        result_old: Mapping[str, Any] | None = None
        rollbacks: builtins.list[Callable[[], None]] = []

        def fn(old: Mapping[str, Any]) -> Mapping[str, Any] | None:
            nonlocal created, result_old, rollbacks
            for rb in reversed(rollbacks):
                rb()
            rollbacks = []
            body = build(old)
            if not old:
                if not allow_create:
                    raise not_found(r, name)
                created = True
                result_old = None
                return self._prepare_upsert_create(
                    r,
                    body,
                    namespace=namespace,
                    dry_run=dry_run,
                    field_manager=field_manager,
                    ctx=ctx,
                    applied=patch_type == "apply",
                )
            created = False
            result_old = old
            new = self._prepare_update(
                r,
                body,
                old,
                subresource=subresource,
                dry_run=dry_run,
                field_manager=field_manager,
                ctx=ctx,
                patch_type=patch_type,
            )
            if new is None:
                return None
            if not dry_run and r.name == "services" and r.info.group == "" and subresource is None:
                rollbacks = self.allocators.allocate_service(new, old)
            return new

        try:
            if dry_run:
                try:
                    current: Mapping[str, Any] = self._store.get(key)
                except NotFound:
                    current = {}
                out = fn(current)
                ctx.created = created
                return self._out(r, out if out is not None else current)
            stored = self._store.guaranteed_update(key, fn, ignore_not_found=True)
        except NotFound:
            for rb in reversed(rollbacks):
                rb()
            raise not_found(r, name) from None
        except BaseException:
            for rb in reversed(rollbacks):
                rb()
            raise
        ctx.created = created
        if created:
            self._after_create(r, stored)
            return self._out(r, stored)
        old = result_old
        if (
            old is not None
            and stored is not old
            and resource_version_of(stored) != resource_version_of(old)
        ):
            stored = self._after_update(r, stored, old)
        return self._out(r, stored)

    def _prepare_upsert_create(
        self,
        r: _Res,
        body: Obj,
        *,
        namespace: str | None,
        dry_run: bool,
        field_manager: str | None,
        ctx: RequestContext,
        applied: bool = False,
    ) -> Obj:
        md: dict[str, Any] = body["metadata"]
        if md.get("resourceVersion"):
            # A precondition on an object that does not exist can never hold.
            raise not_found(r, md.get("name", ""))
        new = body
        attrs = adm.Attributes(
            adm.CREATE, r.info, None, namespace, md.get("name", ""), new, None, dry_run, ctx.user
        )
        self.admission.admit(attrs)
        new = attrs.obj if attrs.obj is not None else new
        self._prepare_for_create(r, new, field_manager, applied=applied)
        _validate_create(new)
        if r.name == "services" and r.info.group == "" and not dry_run:
            self.allocators.allocate_service(new, None)
        self.admission.validate(attrs)
        return new

    def _prepare_update(
        self,
        r: _Res,
        body: Obj,
        old: Mapping[str, Any],
        *,
        subresource: str | None,
        dry_run: bool,
        field_manager: str | None,
        ctx: RequestContext,
        patch_type: str | None,
    ) -> Obj | None:
        old_md = meta(old)
        name = old_md.get("name", "")
        bmd: Mapping[str, Any] = body.get("metadata") or {}
        want_rv = bmd.get("resourceVersion")
        if want_rv and want_rv != old_md.get("resourceVersion"):
            _parse_rv(want_rv)
            raise _conflict(r, name, _MODIFIED)
        uid = bmd.get("uid")
        if uid and uid != old_md.get("uid") and patch_type is None:
            raise _conflict(
                r,
                name,
                f"Precondition failed: UID in precondition: {uid}, UID in object meta: "
                f"{old_md.get('uid')}",
            )
        st = r.strategy
        if subresource is None:
            new = dict(body)
            md = dict(bmd)
            # System fields the client cannot change.
            for k in (
                "uid",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "generation",
            ):
                if k in old_md:
                    md[k] = old_md[k]
                else:
                    md.pop(k, None)
            md["resourceVersion"] = old_md.get("resourceVersion", "")
            if "managedFields" not in md and "managedFields" in old_md and patch_type is None:
                md["managedFields"] = old_md["managedFields"]
            new["metadata"] = md
            if st.status:
                if "status" in old:
                    new["status"] = old["status"]
                else:
                    new.pop("status", None)
            if st.generation and _spec_view(new) != _spec_view(old):
                md["generation"] = int(old_md.get("generation") or 0) + 1
            if r.name == "namespaces":
                # spec.finalizers change only through /finalize.
                ospec = old.get("spec")
                if ospec is not None:
                    new["spec"] = ospec
                else:
                    new.pop("spec", None)
        else:
            new = dict(old)
            md = dict(old_md)
            new["metadata"] = md
            if subresource == "status":
                if "status" in body:
                    new["status"] = body["status"]
                else:
                    new.pop("status", None)
            elif subresource == "finalize":
                spec = dict(old.get("spec") or {})
                bspec = body.get("spec") or {}
                if "finalizers" in bspec:
                    spec["finalizers"] = bspec["finalizers"]
                else:
                    spec.pop("finalizers", None)
                new["spec"] = spec
            elif subresource == "ephemeralcontainers":
                spec = dict(old.get("spec") or {})
                bspec = body.get("spec") or {}
                if "ephemeralContainers" in bspec:
                    spec["ephemeralContainers"] = bspec["ephemeralContainers"]
                new["spec"] = spec
            elif subresource == "resize":
                new["spec"] = _resized_spec(old, body)
        # Finalizer rules while deleting.
        if old_md.get("deletionTimestamp"):
            old_f = set(old_md.get("finalizers") or [])
            added = [f for f in (md.get("finalizers") or []) if f not in old_f]
            if added:
                raise Invalid(
                    f'{r.info.kind} "{name}" is invalid: metadata.finalizers: Forbidden: no new '
                    "finalizers can be added if the object is being deleted, found new finalizers "
                    + "["
                    + " ".join(f'"{f}"' for f in added)
                    + "]",
                    details=StatusDetails(
                        name=name,
                        group=r.info.group,
                        kind=r.info.kind,
                        causes=(
                            StatusCause(
                                "FieldValueForbidden",
                                "Forbidden: no new finalizers can be added if the object is "
                                "being deleted",
                                "metadata.finalizers",
                            ),
                        ),
                    ),
                )
        if new == old:
            return None
        if r.name == "resourcequotas" and subresource is None:
            new["status"] = self._quota_status(new, old)
        if patch_type != "apply":
            _managed_fields(
                new,
                old,
                field_manager,
                operation="Update",
                clock=self._clock,
                subresource=subresource,
            )
        if subresource is None:
            _validate_update(new, old)
        elif subresource == "ephemeralcontainers":
            _validate_ephemeral_containers(new, old)
        attrs = adm.Attributes(
            adm.UPDATE,
            r.info,
            subresource,
            meta(old).get("namespace"),
            name,
            new,
            old,
            dry_run,
            ctx.user,
        )
        self.admission.admit(attrs)
        self.admission.validate(attrs)
        new = attrs.obj if attrs.obj is not None else new
        if new == old:
            return None
        return new

    def _after_update(
        self, r: _Res, stored: Mapping[str, Any], old: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        md = meta(stored)
        if r.name in ("pods",) and r.info.group == "":
            self._adjust_quota(r, old, stored)
        elif r.name == "services" and r.info.group == "":
            # Node ports (or an address) the new spec no longer holds go back to the range.
            self.allocators.release_service(old, keep=stored)
            self._adjust_quota(r, old, stored)
        if (
            md.get("deletionTimestamp")
            and not md.get("finalizers")
            and not (md.get("deletionGracePeriodSeconds") or 0)
        ):
            removed = self._remove(r, stored)
            return removed if removed is not None else stored
        if r.name == "namespaces" and md.get("deletionTimestamp"):
            self._finalize_namespace(name_of(stored))
            latest = self.lookup("namespaces", None, name_of(stored))
            return latest if latest is not None else stored
        return stored

    # ------------------------------------------------------------------ delete

    def delete(
        self,
        resource: str,
        name: str,
        *,
        namespace: str | None = None,
        grace_period_seconds: int | None = None,
        propagation_policy: str | None = None,
        preconditions: Mapping[str, str] | None = None,
        dry_run: bool = False,
        ctx: RequestContext | None = None,
    ) -> Mapping[str, Any]:
        """DELETE one object: returns the deleted object (or the object now pending deletion).

        Kinds whose kube-apiserver storage answers a ``Status`` (most kinds except pods,
        services and namespaces) get ``Status`` ``Success`` with the object's details when it
        is gone at once.
        """
        ctx = ctx or RequestContext()
        r = self._resolve(resource)
        ns = self._read_namespace(r, namespace) if r.info.namespaced else None
        if propagation_policy not in (None, "", "Orphan", "Background", "Foreground"):
            msg = (
                f'propagationPolicy: Unsupported value: "{propagation_policy}": supported '
                'values: "Foreground", "Background", "Orphan", "nil"'
            )
            raise Invalid(msg)
        if grace_period_seconds is not None and grace_period_seconds < 0:
            # kube-apiserver turns a negative grace period into the shortest graceful one.
            grace_period_seconds = 1
        key = r.key(ns, name)
        try:
            current = self._store.get(key)
        except NotFound:
            raise not_found(r, name) from None
        if r.name == "namespaces" and r.info.group == "":
            attrs = adm.Attributes(
                adm.DELETE, r.info, None, None, name, None, current, dry_run, ctx.user
            )
            self.admission.validate(attrs)
        else:
            attrs = adm.Attributes(
                adm.DELETE, r.info, None, ns, name, None, current, dry_run, ctx.user
            )
            self.admission.validate(attrs)
        outcome: dict[str, Any] = {}

        def fn(old: Mapping[str, Any]) -> Mapping[str, Any] | None:
            outcome.clear()
            if not old:
                raise not_found(r, name)
            omd = meta(old)
            if preconditions:
                want_uid = preconditions.get("uid")
                if want_uid and want_uid != omd.get("uid"):
                    raise _conflict(
                        r,
                        name,
                        f"Precondition failed: UID in precondition: {want_uid}, UID in object "
                        f"meta: {omd.get('uid')}",
                    )
                want_rv = preconditions.get("resourceVersion")
                if want_rv and want_rv != omd.get("resourceVersion"):
                    raise _conflict(
                        r,
                        name,
                        f"Precondition failed: ResourceVersion in precondition: {want_rv}, "
                        f"ResourceVersion in object meta: {omd.get('resourceVersion')}",
                    )
            grace = self._grace_period(r, old, grace_period_seconds)
            finalizers = list(omd.get("finalizers") or [])
            policy = propagation_policy or ""
            if policy == "Orphan" and _ORPHAN not in finalizers:
                finalizers.append(_ORPHAN)
            elif policy == "Foreground" and _FOREGROUND not in finalizers:
                finalizers.append(_FOREGROUND)
            if policy == "Foreground":
                finalizers = [f for f in finalizers if f != _ORPHAN]
            elif policy in ("Orphan",):
                finalizers = [f for f in finalizers if f != _FOREGROUND]
            if (
                r.name == "namespaces"
                and r.info.group == ""
                and (old.get("spec") or {}).get("finalizers")
            ):
                outcome["pending"] = True
            if grace == 0 and not finalizers and not outcome.get("pending"):
                outcome["remove"] = True
                return None
            new = dict(old)
            md = dict(omd)
            new["metadata"] = md
            now = self._clock.now()
            if not md.get("deletionTimestamp"):
                md["deletionTimestamp"] = rfc3339(now + grace)
                md["deletionGracePeriodSeconds"] = grace
            elif grace < int(md.get("deletionGracePeriodSeconds") or 0):
                # A shorter grace period may replace a pending one, never a longer one.
                md["deletionTimestamp"] = rfc3339(now + grace)
                md["deletionGracePeriodSeconds"] = grace
            if finalizers:
                md["finalizers"] = finalizers
            if r.name == "namespaces" and r.info.group == "":
                status = dict(new.get("status") or {})
                status["phase"] = "Terminating"
                new["status"] = status
            outcome["pending"] = True
            if new == old:
                return None
            return new

        if dry_run:
            res = fn(current)
            if outcome.get("remove"):
                return self._deleted_answer(r, current)
            return self._out(r, res if res is not None else current)
        try:
            stored = self._store.guaranteed_update(key, fn)
        except NotFound:
            raise not_found(r, name) from None
        if outcome.get("remove"):
            removed = self._remove(r, stored)
            if removed is None:
                raise not_found(r, name)
            return self._deleted_answer(r, removed)
        if r.name == "namespaces" and r.info.group == "":
            self._finalize_namespace(name)
            latest = self.lookup("namespaces", None, name)
            if latest is None:
                return stored
            return latest
        # A graceful deletion with an expired grace period, or nothing left to wait for.
        return self._out(r, stored)

    def _deleted_answer(self, r: _Res, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        if r.strategy.return_deleted:
            return self._out(r, obj)
        md = meta(obj)
        return _status_success(
            200, name=md.get("name", ""), group=r.info.group, kind=r.name, uid=md.get("uid", "")
        )

    def _grace_period(self, r: _Res, obj: Mapping[str, Any], requested: int | None) -> int:
        if not r.strategy.graceful:
            return 0
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
            # Never scheduled or already terminated: nothing runs, delete at once.
            return 0
        if requested is not None:
            return max(requested, 0)
        g = spec.get("terminationGracePeriodSeconds")
        if isinstance(g, int) and not isinstance(g, bool) and g >= 0:
            return g
        return 30

    def _remove(self, r: _Res, obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Remove ``obj`` from storage (if it is still that revision) and run side effects."""
        md = meta(obj)
        key = r.key(md.get("namespace"), md.get("name", ""))
        rv = resource_version_of(obj)
        try:
            removed = self._store.delete(key, expected_revision=int(rv) if rv else None)
        except NotFound:
            return None
        except Conflict:
            # Changed meanwhile (e.g. a finalizer was added back): re-evaluate from the latest.
            try:
                latest = self._store.get(key)
            except NotFound:
                return None
            lmd = meta(latest)
            if (
                lmd.get("deletionTimestamp")
                and not lmd.get("finalizers")
                and not (lmd.get("deletionGracePeriodSeconds") or 0)
            ):
                return self._remove(r, latest)
            return latest
        self._after_remove(r, removed)
        return removed

    def _after_remove(self, r: _Res, obj: Mapping[str, Any]) -> None:
        if r.info.group == "" and r.name == "services":
            self.allocators.release_service(obj)
        self._adjust_quota(r, obj, None)
        ns = meta(obj).get("namespace")
        if ns and r.info.namespaced:
            nsobj = self.lookup("namespaces", None, ns)
            if nsobj is not None and meta(nsobj).get("deletionTimestamp"):
                self._finalize_namespace(ns)

    def delete_collection(
        self,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        grace_period_seconds: int | None = None,
        propagation_policy: str | None = None,
        dry_run: bool = False,
        ctx: RequestContext | None = None,
    ) -> Mapping[str, Any]:
        """DELETE on a collection: delete every matching object; returns the deleted list."""
        r = self._resolve(resource)
        listed = self.list(
            r.qualified,
            namespace=namespace,
            label_selector=label_selector,
            field_selector=field_selector,
        )
        out: builtins.list[Mapping[str, Any]] = []
        for item in listed["items"]:
            md = meta(item)
            try:
                res = self.delete(
                    r.qualified,
                    md.get("name", ""),
                    namespace=md.get("namespace"),
                    grace_period_seconds=grace_period_seconds,
                    propagation_policy=propagation_policy,
                    dry_run=dry_run,
                    ctx=ctx,
                )
            except NotFound:
                continue
            out.append(item if res.get("kind") == "Status" else res)
        return {
            "kind": r.info.list_kind,
            "apiVersion": r.info.api_version,
            "metadata": {"resourceVersion": str(self._store.revision)},
            "items": out,
        }

    # ------------------------------------------------------------------ namespaces

    def resume_namespace_deletions(self) -> None:
        """Finish deleting namespaces that were Terminating when the server stopped."""
        for ns in self.lookup_all("namespaces", None):
            if meta(ns).get("deletionTimestamp"):
                self._finalize_namespace(name_of(ns))

    def _finalize_namespace(self, ns: str) -> None:
        """The namespace controller: delete everything in ``ns``, then the namespace itself.

        Objects that cannot go at once (bound pods in their grace period, objects with
        finalizers) keep the namespace Terminating; their eventual removal calls this again.
        """
        nsobj = self.lookup("namespaces", None, ns)
        if nsobj is None or not meta(nsobj).get("deletionTimestamp"):
            return
        remaining = 0
        for r in self._by_gr.values():
            if not r.info.namespaced or r.stored_version:
                continue
            for item in self._store.list(r.prefix(ns)).items:
                md = meta(item)
                remaining += 1
                if md.get("deletionTimestamp"):
                    continue
                try:
                    self.delete(r.qualified, md.get("name", ""), namespace=ns)
                except NotFound:
                    continue
        if remaining:
            for r in self._by_gr.values():
                if (
                    r.info.namespaced
                    and not r.stored_version
                    and self._store.list(r.prefix(ns), limit=1).items
                ):
                    return
        # Empty: drop the "kubernetes" finalizer, then the namespace goes.
        key = self._by_gr[("", "namespaces")].key(None, ns)

        def fin(old: Mapping[str, Any]) -> Mapping[str, Any] | None:
            if not old:
                return None
            spec = dict(old.get("spec") or {})
            fins = [f for f in spec.get("finalizers") or [] if f != _NS_FINALIZER]
            if fins == (spec.get("finalizers") or []):
                return None
            new = dict(old)
            if fins:
                spec["finalizers"] = fins
            else:
                spec.pop("finalizers", None)
            new["spec"] = spec
            return new

        try:
            latest = self._store.guaranteed_update(key, fin)
        except NotFound:
            return
        lmd = meta(latest)
        if not (latest.get("spec") or {}).get("finalizers") and not lmd.get("finalizers"):
            self._remove(self._by_gr[("", "namespaces")], latest)

    # ------------------------------------------------------------------ binding

    def _bind(
        self,
        pods: _Res,
        *,
        namespace: str | None,
        name: str | None,
        body: Mapping[str, Any],
        dry_run: bool,
    ) -> Mapping[str, Any]:
        body = _subresource_body(body, "Binding", ("v1",))
        bmd = body.get("metadata") or {}
        pod_name = name or bmd.get("name") or ""
        if name and bmd.get("name") and bmd["name"] != name:
            raise _name_mismatch(bmd["name"], name)
        ns = namespace or bmd.get("namespace")
        if not ns:
            msg = "an empty namespace may not be set during creation"
            raise BadRequest(msg)
        if bmd.get("namespace") and bmd["namespace"] != ns:
            raise BadRequest(_NS_MISMATCH)
        target = body.get("target")
        node = target.get("name") if isinstance(target, dict) else None
        if not isinstance(node, str) or not node:
            raise Invalid(
                f'Binding "{pod_name}" is invalid: target.name: Required value',
                details=StatusDetails(
                    name=pod_name,
                    kind="Binding",
                    causes=(StatusCause("FieldValueRequired", "Required value", "target.name"),),
                ),
            )
        if not pod_name:
            raise Invalid(
                'Binding "" is invalid: metadata.name: Required value: name or generateName is '
                "required",
                details=StatusDetails(
                    kind="Binding",
                    causes=(
                        StatusCause(
                            "FieldValueRequired",
                            "Required value: name or generateName is required",
                            "metadata.name",
                        ),
                    ),
                ),
            )
        kind = target.get("kind") if isinstance(target, dict) else None
        if kind not in (None, "", "Node"):
            raise Invalid(
                f'Binding "{pod_name}" is invalid: target.kind: Unsupported value: "{kind}"',
                details=StatusDetails(name=pod_name, kind="Binding"),
            )
        uid = bmd.get("uid")
        annotations = bmd.get("annotations") or {}
        now = self._stamp(self._clock.now())
        fn = partial(_bind_pod, pods, pod_name, uid, node, annotations, now)
        key = pods.key(ns, pod_name)
        if dry_run:
            try:
                fn(self._store.get(key))
            except NotFound:
                raise not_found(pods, pod_name) from None
        else:
            try:
                self._store.guaranteed_update(key, fn)
            except NotFound:
                raise not_found(pods, pod_name) from None
        return _status_success(201)

    # ------------------------------------------------------------------ eviction

    def _evict(
        self,
        pods: _Res,
        *,
        namespace: str | None,
        name: str | None,
        body: Mapping[str, Any],
        dry_run: bool,
        ctx: RequestContext,
    ) -> Mapping[str, Any]:
        body = _subresource_body(body, "Eviction", ("policy/v1", "policy/v1beta1"))
        emd = body.get("metadata") or {}
        pod_name = name or emd.get("name") or ""
        if name and emd.get("name") and emd["name"] != name:
            msg = "name in URL does not match name in Eviction object"
            raise BadRequest(msg)
        ns = self._read_namespace(pods, namespace)
        opts = body.get("deleteOptions") or {}
        if not isinstance(opts, dict):
            msg = "deleteOptions must be an object"
            raise BadRequest(msg)
        pod = self._get(pods, ns, pod_name)
        status = pod.get("status") or {}
        preconditions: dict[str, str] = {}
        pre = opts.get("preconditions")
        if isinstance(pre, dict):
            preconditions = {k: v for k, v in pre.items() if isinstance(v, str)}
        grace = opts.get("gracePeriodSeconds")
        grace = grace if isinstance(grace, int) and not isinstance(grace, bool) else None
        policy = (
            opts.get("propagationPolicy")
            if isinstance(opts.get("propagationPolicy"), str)
            else None
        )
        terminal = status.get("phase") in ("Succeeded", "Failed")
        deleting = bool(meta(pod).get("deletionTimestamp"))
        if not terminal and not deleting:
            self._check_disruption_budget(pod, ns or "", dry_run)
        self.delete(
            "pods",
            pod_name,
            namespace=ns,
            grace_period_seconds=grace,
            propagation_policy=policy,
            preconditions=preconditions or None,
            dry_run=dry_run,
            ctx=ctx,
        )
        return _status_success(201)

    def _check_disruption_budget(self, pod: Mapping[str, Any], ns: str, dry_run: bool) -> None:
        """429 if a PodDisruptionBudget covering ``pod`` allows no disruption; else charge it.

        With a disruption controller maintaining ``status`` (observedGeneration == generation)
        its ``disruptionsAllowed`` is used and decremented, as upstream. Until such a controller
        runs, the budget is computed here from the healthy (Ready) pods the PDB selects.
        """
        labels = meta(pod).get("labels") or {}
        pdbs = []
        for pdb in self.lookup_all("poddisruptionbudgets.policy", ns):
            sel_spec = (pdb.get("spec") or {}).get("selector")
            try:
                sel = labelsel.selector_from_label_selector(sel_spec)
            except StatusError:
                continue
            if sel.empty() or not sel.matches(labels):
                continue
            pdbs.append(pdb)
        if not pdbs:
            return
        if len(pdbs) > 1:
            raise Forbidden(
                "This pod has more than one PodDisruptionBudget, which the eviction subresource "
                "does not support."
            )
        pdb = pdbs[0]
        pname = name_of(pdb)
        spec = pdb.get("spec") or {}
        pstatus = pdb.get("status") or {}
        managed = pstatus.get("observedGeneration") is not None and pstatus.get(
            "observedGeneration"
        ) == meta(pdb).get("generation")
        if managed:
            allowed = int(pstatus.get("disruptionsAllowed") or 0)
            current = int(pstatus.get("currentHealthy") or 0)
            desired = int(pstatus.get("desiredHealthy") or 0)
        else:
            sel = labelsel.selector_from_label_selector(spec.get("selector"))
            matching = [
                p
                for p in self.lookup_all("pods", ns)
                if sel.matches(meta(p).get("labels") or {})
                and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            ]
            current = sum(
                1 for p in matching if _pod_ready(p) and not meta(p).get("deletionTimestamp")
            )
            min_available = spec.get("minAvailable")
            if isinstance(min_available, int) and not isinstance(min_available, bool):
                desired = min_available
            else:
                # maxUnavailable and percentages are relative to the controllers' scale.
                expected = self._expected_scale(matching, ns)
                desired = _desired_healthy(spec, expected) if expected is not None else current
            allowed = max(current - desired, 0)
        if not _pod_ready(pod):
            # Unhealthy pods may always be evicted (policy IfHealthyBudget/AlwaysAllow).
            return
        if allowed <= 0:
            raise TooManyRequests(
                "Cannot evict pod as it would violate the pod's disruption budget.",
                details=StatusDetails(
                    causes=(
                        StatusCause(
                            "DisruptionBudget",
                            f"The disruption budget {pname} needs {desired} healthy pods and "
                            f"has {current} currently",
                        ),
                    ),
                ),
            )
        if managed and not dry_run:
            pods_key = meta(pod).get("name", "")
            now = rfc3339(self._clock.now())

            def fn(old: Mapping[str, Any]) -> Mapping[str, Any] | None:
                st = dict(old.get("status") or {})
                left = int(st.get("disruptionsAllowed") or 0)
                if left <= 0:
                    raise TooManyRequests(
                        "Cannot evict pod as it would violate the pod's disruption budget."
                    )
                st["disruptionsAllowed"] = left - 1
                st["disruptedPods"] = {**(st.get("disruptedPods") or {}), pods_key: now}
                new = dict(old)
                new["status"] = st
                return new

            r = self._resolve("poddisruptionbudgets.policy")
            self._store.guaranteed_update(r.key(ns, pname), fn)

    def _expected_scale(self, pods: builtins.list[Mapping[str, Any]], ns: str) -> int | None:
        """The replicas the pods' controllers want (the disruption controller's
        ``getExpectedScale``); ``None`` if a pod has no controller whose scale is known."""
        total = 0
        seen: set[str] = set()
        for p in pods:
            ref = next(
                (
                    o
                    for o in meta(p).get("ownerReferences") or []
                    if isinstance(o, dict) and o.get("controller") is True
                ),
                None,
            )
            if ref is None:
                return None
            uid = str(ref.get("uid") or "")
            if uid in seen:
                continue
            seen.add(uid)
            kinds = {
                "ReplicaSet": "replicasets.apps",
                "StatefulSet": "statefulsets.apps",
                "ReplicationController": "replicationcontrollers",
            }
            resource = kinds.get(str(ref.get("kind")))
            owner = (
                self.lookup(resource, ns, str(ref.get("name") or ""))
                if resource is not None
                else None
            )
            if owner is None or meta(owner).get("uid") != uid:
                return None
            if resource == "replicasets.apps":
                # A Deployment's ReplicaSets share the Deployment's scale.
                dref = next(
                    (
                        o
                        for o in meta(owner).get("ownerReferences") or []
                        if isinstance(o, dict)
                        and o.get("controller") is True
                        and o.get("kind") == "Deployment"
                    ),
                    None,
                )
                if dref is not None:
                    dep = self.lookup("deployments.apps", ns, str(dref.get("name") or ""))
                    if dep is not None and str(dref.get("uid")) not in seen:
                        seen.add(str(dref.get("uid")))
                        total += int((dep.get("spec") or {}).get("replicas") or 0)
                    continue
            total += int((owner.get("spec") or {}).get("replicas") or 0)
        return total

    # ------------------------------------------------------------------ scale

    def _scale_of(self, r: _Res, obj: Mapping[str, Any]) -> Obj:
        md = meta(obj)
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        sel = spec.get("selector")
        if r.name == "replicationcontrollers":
            selector = ",".join(f"{k}={v}" for k, v in sorted((sel or {}).items()))
        else:
            try:
                selector = str(labelsel.selector_from_label_selector(sel)) if sel else ""
            except StatusError:
                selector = ""
        replicas = spec.get("replicas")
        out_md = {
            k: md[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in md
        }
        scale_status: Obj = {"replicas": int(status.get("replicas") or 0)}
        if selector:
            scale_status["selector"] = selector
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": out_md,
            "spec": {"replicas": int(replicas) if isinstance(replicas, int) else 1},
            "status": scale_status,
        }

    def _write_scale(
        self,
        r: _Res,
        *,
        namespace: str | None,
        name: str | None,
        body: Any,
        patch_type: str | None,
        dry_run: bool,
        field_manager: str | None,
        ctx: RequestContext,
    ) -> Mapping[str, Any]:
        if "scale" not in r.info.subresources:
            raise MethodNotAllowed(
                "the server does not allow this method on the requested resource (scale)"
            )
        ns = self._read_namespace(r, namespace) if r.info.namespaced else None
        if patch_type is None:
            if not isinstance(body, dict):
                msg = "the body of an update must be a Scale object"
                raise BadRequest(msg)
            check_metadata_types(body, "Scale", "v1")
            if body.get("kind") not in (None, "", "Scale"):
                msg = (
                    f"the kind in the data ({body.get('kind')}) does not match the expected "
                    "kind (Scale)"
                )
                raise BadRequest(msg)
            bname = (body.get("metadata") or {}).get("name")
            if name and bname and bname != name:
                msg = (
                    f"the name of the object ({bname}) does not match the name on the URL ({name})"
                )
                raise BadRequest(msg)
            name = name or bname or ""
        if not name:
            raise not_found(r, "")
        obj_name: str = name

        def build(old: Mapping[str, Any]) -> Obj:
            if not old:
                raise not_found(r, obj_name)
            scale = self._scale_of(r, old)
            if patch_type is None:
                new_scale = body
            else:
                new_scale = _apply_patch(
                    patch_type,
                    scale,
                    body,
                    field_manager=field_manager,
                    force=None,
                    clock=self._clock,
                )
            if not isinstance(new_scale, dict):
                msg = "the patch did not produce a Scale object"
                raise BadRequest(msg)
            smd = new_scale.get("metadata") or {}
            spec = new_scale.get("spec") or {}
            replicas = spec.get("replicas", 0) if isinstance(spec, dict) else None
            if not isinstance(replicas, int) or isinstance(replicas, bool):
                msg = (
                    f"json: cannot unmarshal {type(replicas).__name__} into Go struct field "
                    "ScaleSpec.spec.replicas of type int32"
                )
                raise BadRequest(msg)
            if replicas < 0:
                raise Invalid(
                    f'Scale.autoscaling "{obj_name}" is invalid: spec.replicas: Invalid value: '
                    f"{replicas}: must be greater than or equal to 0",
                    details=StatusDetails(
                        name=obj_name,
                        group="autoscaling",
                        kind="Scale",
                        causes=(
                            StatusCause(
                                "FieldValueInvalid",
                                f"Invalid value: {replicas}: must be greater than or equal to 0",
                                "spec.replicas",
                            ),
                        ),
                    ),
                )
            new: Obj = json_copy(old)
            new.setdefault("spec", {})["replicas"] = replicas
            rv = smd.get("resourceVersion") if isinstance(smd, dict) else None
            if (rv and patch_type is None) or (rv and rv != resource_version_of(old)):
                new["metadata"]["resourceVersion"] = rv
            return new

        stored = self._write(
            r,
            ns,
            obj_name,
            build=build,
            subresource=None,
            dry_run=dry_run,
            field_manager=field_manager,
            ctx=ctx,
            allow_create=False,
        )
        return self._scale_of(r, stored)

    # ------------------------------------------------------------------ logs

    def pod_log(
        self,
        name: str,
        *,
        namespace: str,
        container: str | None = None,
        previous: bool = False,
        tail_lines: int | None = None,
        limit_bytes: int | None = None,
        timestamps: bool = False,
        since_seconds: int | None = None,
    ) -> bytes:
        """The ``log`` subresource: a container's log, or the error a real server gives.

        Until a log source (a kubelet) is registered in :attr:`log_source`, every container is
        reported as not running, as kube-apiserver reports a container that has not started.
        """
        pods = self._by_gr[("", "pods")]
        pod = self._get(pods, namespace, name)
        spec = pod.get("spec") or {}
        containers = [c.get("name") for c in spec.get("containers") or [] if isinstance(c, dict)]
        others = [
            c.get("name")
            for key in ("initContainers", "ephemeralContainers")
            for c in spec.get(key) or []
            if isinstance(c, dict)
        ]
        if container is None:
            if len(containers) != 1:
                msg = (
                    f"a container name must be specified for pod {name}, choose one of: "
                    f"[{' '.join(str(c) for c in containers)}]"
                )
                if others:
                    msg += f" or one of the init containers: [{' '.join(str(c) for c in others)}]"
                raise BadRequest(msg)
            container = str(containers[0])
        elif container not in containers and container not in others:
            msg = f"container {container} is not valid for pod {name}"
            raise BadRequest(msg)
        if self.log_source is not None:
            return self.log_source(
                pod,
                container,
                previous=previous,
                tail_lines=tail_lines,
                limit_bytes=limit_bytes,
                timestamps=timestamps,
                since_seconds=since_seconds,
            )
        reason = "ContainerCreating"
        status = pod.get("status") or {}
        for cs in (status.get("containerStatuses") or []) + (
            status.get("initContainerStatuses") or []
        ):
            if isinstance(cs, dict) and cs.get("name") == container:
                waiting = (cs.get("state") or {}).get("waiting") or {}
                reason = waiting.get("reason") or reason
        if status.get("phase") in ("Succeeded", "Failed") or not spec.get("nodeName"):
            reason = "ContainerCreating" if not spec.get("nodeName") else reason
        msg = f'container "{container}" in pod "{name}" is waiting to start: {reason}'
        raise BadRequest(msg)

    # ------------------------------------------------------------------ watch

    def watch(
        self,
        resource: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        allow_watch_bookmarks: bool = True,
        timeout_seconds: int | None = None,
        send_initial_events: bool | None = None,
    ) -> WatchStream:
        """WATCH: a stream of ``(type, object)`` events.

        ``resource_version`` unset or ``"0"`` starts with a synthetic ``ADDED`` per current
        object; a revision starts after it (``ERROR`` 410 Expired if it was compacted).
        Selectors apply to every event, with transitions turned into ``ADDED``/``DELETED``.
        """
        r = self._resolve(resource)
        ns = namespace if r.info.namespaced else None
        match = self._matcher(r, label_selector, field_selector)
        prefix = r.prefix(ns)
        initial: builtins.list[Mapping[str, Any]] = []
        if resource_version in (None, "", "0") or send_initial_events:
            if send_initial_events and resource_version not in (None, "", "0"):
                from_rev = _parse_rv(str(resource_version))
                res = self._store.list(prefix, revision=from_rev)
            else:
                res = self._store.list(prefix)
            from_rev = res.revision
            initial = res.items if match is None else [o for o in res.items if match(o)]
        else:
            from_rev = _parse_rv(str(resource_version))
        timeout = (
            float(timeout_seconds)
            if timeout_seconds and timeout_seconds > 0
            else self.watch_timeout
        )
        try:
            watcher = self._store.watch(prefix, from_revision=from_rev)
        except Expired as err:
            return error_stream(Expired(err.message).to_status())
        transform = self._out if r.stored_version else None
        return RegistryWatch(
            watcher,
            initial=initial,
            match=match,
            transform=(lambda o: transform(r, o)) if transform else None,
            clock=self._clock,
            timeout=timeout,
            bookmarks=allow_watch_bookmarks,
            bookmark_interval=self.bookmark_interval,
            bookmark_object={"kind": r.info.kind, "apiVersion": r.info.api_version},
            initial_events_end=bool(send_initial_events),
            start_revision=from_rev,
        )

    # ------------------------------------------------------------------ quota

    def _quota_status(self, quota: Mapping[str, Any], old: Mapping[str, Any] | None) -> Obj:
        from kcore.apiserver.admission.quota import compute_quota_status

        return compute_quota_status(self, quota, old)

    def _adjust_quota(
        self, r: _Res, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
    ) -> None:
        from kcore.apiserver.admission.quota import adjust_usage

        adjust_usage(self, r.info, old, new)

    def _refund(self, r: _Res, obj: Mapping[str, Any], dry_run: bool) -> None:
        if not dry_run:
            self._adjust_quota(r, obj, None)

    def close(self) -> None:
        """Nothing to release (the store belongs to the caller); kept for symmetry."""


# ---------------------------------------------------------------------------------------------
# helpers


def _too_large(rv: int, current: int) -> StatusError:
    return Timeout(
        f"Too large resource version: {rv}, current: {current}",
        details=StatusDetails(
            causes=(
                StatusCause(
                    "ResourceVersionTooLarge",
                    "Too large resource version",
                ),
            ),
            retry_after_seconds=1,
        ),
    )


def _encode_continue(rev: int, key: str, prefix: str) -> str:
    rel = key[len(prefix) :] if key.startswith(prefix) else key
    raw = orjson.dumps({"v": "meta.k8s.io/v1", "rv": rev, "start": rel + "\x00"})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_continue(token: str, prefix: str) -> tuple[int, str]:
    bad = BadRequest(
        "continue key is not valid: the token is not a continue token from this server"
    )
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = orjson.loads(raw)
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise bad from None
    if not isinstance(data, dict) or data.get("v") != "meta.k8s.io/v1":
        raise bad
    rv = data.get("rv")
    start = data.get("start")
    if not isinstance(rv, int) or isinstance(rv, bool) or rv <= 0 or not isinstance(start, str):
        raise bad
    if not start.endswith("\x00") or ".." in start.split("/") or start.startswith("/"):
        raise bad
    return rv, prefix + start[:-1]


def _pod_ready(pod: Mapping[str, Any]) -> bool:
    for c in (pod.get("status") or {}).get("conditions") or []:
        if isinstance(c, dict) and c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def _desired_healthy(spec: Mapping[str, Any], expected: int) -> int:
    def amount(v: Any) -> int | None:
        if isinstance(v, bool):
            return None
        if isinstance(v, int):
            return v
        if isinstance(v, str) and v.endswith("%"):
            try:
                pct = int(v[:-1])
            except ValueError:
                return None
            return (pct * expected + 99) // 100
        return None

    if "minAvailable" in spec:
        v = amount(spec.get("minAvailable"))
        return v if v is not None else expected
    if "maxUnavailable" in spec:
        v = amount(spec.get("maxUnavailable"))
        return max(expected - (v or 0), 0)
    return expected


def _validate_ephemeral_containers(new: Mapping[str, Any], old: Mapping[str, Any]) -> None:
    """Ephemeral containers may only be added: named, with an image, names unique in the pod."""
    name = meta(new).get("name", "")
    errs = FieldErrors("Pod", name)
    spec = new.get("spec") or {}
    new_ec = spec.get("ephemeralContainers") or []
    old_ec = (old.get("spec") or {}).get("ephemeralContainers") or []
    if not isinstance(new_ec, list):
        errs.invalid("spec.ephemeralContainers", new_ec, "must be a list")
        errs.raise_if_any()
    by_name = {c.get("name"): c for c in new_ec if isinstance(c, dict)}
    for c in old_ec:
        if by_name.get(c.get("name")) != c:
            errs.forbidden(
                "spec.ephemeralContainers",
                "existing ephemeral containers may not be changed or removed",
            )
            break
    names = {
        c.get("name")
        for key in ("containers", "initContainers")
        for c in spec.get(key) or []
        if isinstance(c, dict)
    }
    for i, c in enumerate(new_ec):
        path = f"spec.ephemeralContainers[{i}]"
        if not isinstance(c, dict):
            errs.invalid(path, c, "must be an object")
            continue
        cname = c.get("name")
        if not isinstance(cname, str) or not cname:
            errs.required(f"{path}.name")
        elif cname in names:
            errs.duplicate(f"{path}.name", cname)
        else:
            names.add(cname)
        if not c.get("image"):
            errs.required(f"{path}.image")
    errs.raise_if_any()


def _resized_spec(old: Mapping[str, Any], body: Mapping[str, Any]) -> Obj:
    spec = dict(old.get("spec") or {})
    new_containers = {
        c.get("name"): c
        for c in (body.get("spec") or {}).get("containers") or []
        if isinstance(c, dict)
    }
    out = []
    for c in spec.get("containers") or []:
        nc = new_containers.get(c.get("name"))
        if nc is not None:
            nc2 = dict(c)
            if "resources" in nc:
                nc2["resources"] = nc["resources"]
            if "resizePolicy" in nc:
                nc2["resizePolicy"] = nc["resizePolicy"]
            out.append(nc2)
        else:
            out.append(c)
    spec["containers"] = out
    return spec


def _bind_pod(  # noqa: PLR0917 - the binding's fields, bound with functools.partial
    pods: _Res,
    pod_name: str,
    uid: Any,
    node: str,
    annotations: Mapping[str, Any],
    now: str,
    old: Mapping[str, Any],
) -> Mapping[str, Any] | None:
    """The read-modify-write of a binding (``old`` is the stored pod)."""
    if not old:
        raise not_found(pods, pod_name)
    omd = meta(old)
    if uid and uid != omd.get("uid"):
        raise _conflict(
            pods,
            pod_name,
            f"Precondition failed: UID in precondition: {uid}, UID in object meta: "
            f"{omd.get('uid')}",
        )
    if omd.get("deletionTimestamp"):
        raise _conflict(
            pods, pod_name, f"pod {pod_name} is being deleted, cannot be assigned to a host"
        )
    spec = old.get("spec") or {}
    if spec.get("nodeName"):
        raise _conflict(
            pods,
            pod_name,
            f'pod {pod_name} is already assigned to node "{spec["nodeName"]}"',
        )
    new = dict(old)
    new_spec = dict(spec)
    new_spec["nodeName"] = node
    new["spec"] = new_spec
    if annotations:
        md = dict(omd)
        md["annotations"] = {**(omd.get("annotations") or {}), **annotations}
        new["metadata"] = md
    status = dict(old.get("status") or {})
    conds = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
    conds.append(
        {
            "type": "PodScheduled",
            "status": "True",
            "lastProbeTime": None,
            "lastTransitionTime": now,
        }
    )
    status["conditions"] = conds
    new["status"] = status
    return new


# ---------------------------------------------------------------------------------------------
# kcore.api hooks (defaults, validation, pruning, patches, managed fields)


def _apply_defaults(obj: Obj) -> Obj:
    """Default ``obj`` in place (the registry's own copy of a request body) and return it."""
    _defaults.default_in_place(obj)
    return obj


def _is_clean(obj: Obj) -> bool:
    return _schema.is_clean(obj)


def _validate_create(obj: Obj) -> None:
    _validation.validate_create(obj)


def _validate_update(new: Obj, old: Mapping[str, Any]) -> None:
    _validation.validate_update(new, old)


def _prune(obj: Obj, *, strict: bool) -> tuple[Obj, list[str]]:
    return _schema.prune(obj, strict=strict)


def _apply_patch(
    patch_type: str,
    current: Mapping[str, Any],
    patch: Any,
    *,
    field_manager: str | None,
    force: bool | None,
    clock: Clock,
) -> Any:
    from kcore.api import patch as patches

    if patch_type == "json":
        return patches.apply_json_patch(current, patch)
    if patch_type == "merge":
        return patches.apply_merge_patch(current, patch)
    if patch_type == "strategic":
        return patches.apply_strategic_merge_patch(current, patch)
    return patches.server_side_apply(
        current, patch, manager=field_manager or "", force=bool(force), now=clock.now()
    )


def _managed_fields(
    new: Obj,
    old: Mapping[str, Any] | None,
    manager: str | None,
    *,
    operation: str,
    clock: Clock,
    subresource: str | None = None,
) -> None:
    if not manager:
        return
    try:
        from kcore.api import patch as patches
    except ImportError:  # kcore.api.patch not available: no field ownership tracking
        return

    update = getattr(patches, "update_managed_fields", None)
    if update is None:
        return
    update(
        new,
        old,
        manager=manager,
        operation=operation,
        now=clock.now(),
        subresource=subresource or "",
    )


def _subresource_body(body: Any, kind: str, versions: tuple[str, ...]) -> dict[str, Any]:
    """The body of a binding or eviction request, checked: an object of ``kind`` in one of
    ``versions`` (either may be left empty), with well-typed metadata."""

    def a(word: str) -> str:
        return f"an {word}" if word[0] in "AEIOUaeiou" else f"a {word}"

    if not isinstance(body, dict):
        msg = f"the body of {a(kind.lower())} request must be {a(kind)} object"
        raise BadRequest(msg)
    if body.get("kind") not in (None, "", kind) or body.get("apiVersion") not in (
        None,
        "",
        *versions,
    ):
        msg = (
            f"the kind in the data ({body.get('apiVersion')}/{body.get('kind')}) does not "
            f"match the expected kind ({versions[0]}/{kind})"
        )
        raise BadRequest(msg)
    check_metadata_types(body, kind, "v1")
    return body
