"""Validation of API objects on create and update, with Kubernetes' field paths and messages.

:func:`validate_create` and :func:`validate_update` dispatch on ``apiVersion``/``kind`` and raise
one :class:`~kcore.api.errors.Invalid` listing *every* offending field
(``Pod "x" is invalid: [spec.containers[0].name: Required value, ...]``, one
``details.causes`` entry per field), as ``pkg/apis/*/validation`` does. Objects are expected to
be defaulted first (:func:`kcore.api.defaults.apply_defaults`), like the apiserver does.

Unknown fields are handled by :func:`prune` (re-exported from :mod:`kcore.api.schema`): it drops
them with ``unknown field "spec.foo"`` warnings, or raises ``BadRequest`` under
``fieldValidation=Strict``. What is covered is listed in ``docs/api.md``; the rules and messages
follow Kubernetes 1.32.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

import orjson

from kcore.api import meta as m
from kcore.api.errors import FieldErrors, StatusCause
from kcore.api.labels import SelectorError, selector_from_label_selector
from kcore.api.quantity import Quantity, QuantityError, parse_quantity
from kcore.api.schema import prune

__all__ = [
    "TOTAL_ANNOTATION_SIZE_LIMIT",
    "go_value",
    "prune",
    "validate_create",
    "validate_label_selector",
    "validate_object_meta",
    "validate_pod_spec",
    "validate_update",
]

Obj = Mapping[str, Any]
NameFn = Callable[[str, bool], list[str]]

TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024
MAX_SECRET_SIZE = 1024 * 1024
_RESTART_POLICIES = ["Always", "OnFailure", "Never"]
_DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
_PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
_PROTOCOLS = ["SCTP", "TCP", "UDP"]
_TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
_MAX_INT32 = 2**31 - 1


def go_value(value: Any) -> Any:
    """Render a value the way Go's validation errors print it (maps as ``map[string]string{}``)."""
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        inner = ",".join(f'"{k}":"{v}"' for k, v in sorted(value.items()))
        return _Raw(f"map[string]string{{{inner}}}")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return _Raw("[]string{" + ", ".join(json.dumps(v) for v in value) + "}")
    if isinstance(value, (dict, list)):
        return _Raw(json.dumps(value, sort_keys=True, separators=(",", ":")))
    return value


class _Raw(str):
    """A pre-rendered value: printed without quotes."""

    __slots__ = ()


class _Errs(FieldErrors):
    """FieldErrors with the extra error kinds validation needs."""

    __slots__ = ()

    def duplicate(self, path: str, value: Any) -> None:
        if isinstance(value, _Raw):
            self.causes.append(
                StatusCause("FieldValueDuplicate", f"Duplicate value: {value!s}", path)
            )
        else:
            FieldErrors.duplicate(self, path, value)

    def invalid(self, path: str, value: Any, detail: str) -> None:
        if isinstance(value, _Raw):
            self.causes.append(
                StatusCause("FieldValueInvalid", f"Invalid value: {value!s}: {detail}", path)
            )
        else:
            FieldErrors.invalid(self, path, "null" if value is None else value, detail)

    def not_found(self, path: str, value: Any) -> None:
        shown = f'"{value}"' if isinstance(value, str) else str(value)
        self.causes.append(StatusCause("FieldValueNotFound", f"Not found: {shown}", path))

    def immutable(self, path: str, value: Any) -> None:
        self.invalid(path, go_value(value), "field is immutable")

    def nonneg(self, path: str, value: Any) -> None:
        if _is_int(value) and value < 0:
            self.invalid(path, value, "must be greater than or equal to 0")


def _is_int(v: Any) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def _name_of(o: Obj) -> str:
    md = o.get("metadata") or {}
    return str(md.get("name") or md.get("generateName") or "")


# --------------------------------------------------------------------------------------------
# metadata


def validate_labels(labels: Any, path: str, errs: FieldErrors) -> None:
    """Label keys (qualified names) and values, reported at ``path`` as Kubernetes does."""
    if not isinstance(labels, Mapping):
        return
    for k, v in labels.items():
        for msg in m.is_qualified_name(str(k)):
            errs.invalid(path, str(k), msg)
        if not isinstance(v, str):
            errs.invalid(path, str(v), "must be a string")
            continue
        for msg in m.is_valid_label_value(v):
            errs.invalid(path, v, msg)


def validate_annotations(annotations: Any, path: str, errs: FieldErrors) -> None:
    if not isinstance(annotations, Mapping):
        return
    size = 0
    for k, v in annotations.items():
        for msg in m.is_qualified_name(str(k).lower()):
            errs.invalid(path, str(k), msg)
        size += len(str(k).encode()) + len(str(v).encode())
    if size > TOTAL_ANNOTATION_SIZE_LIMIT:
        errs.too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT)


def _validate_owner_references(refs: Any, path: str, errs: _Errs) -> None:
    if not isinstance(refs, list):
        return
    controllers: list[str] = []
    for ref in refs:
        if not isinstance(ref, Mapping):
            continue
        if not ref.get("apiVersion"):
            errs.invalid(f"{path}.apiVersion", "", "version must not be empty")
        if not ref.get("kind"):
            errs.invalid(f"{path}.kind", "", "kind must not be empty")
        if not ref.get("name"):
            errs.invalid(f"{path}.name", "", "name must not be empty")
        if not ref.get("uid"):
            errs.invalid(f"{path}.uid", "", "uid must not be empty")
        if ref.get("controller") is True:
            controllers.append(f"{ref.get('kind')}/{ref.get('name')}")
    if len(controllers) > 1:
        errs.invalid(
            path,
            go_value(refs),
            'Only one reference can have Controller set to true. Found "true" in references '
            f"for {' and '.join(controllers)}",
        )


def validate_object_meta(
    md: Any, namespaced: bool, name_fn: NameFn, errs: _Errs, path: str = "metadata"
) -> None:
    """``ValidateObjectMeta``: name/generateName, namespace, labels, annotations, owners, ..."""
    if not isinstance(md, Mapping):
        errs.required(f"{path}.name", "name or generateName is required")
        return
    name = md.get("name") or ""
    gen = md.get("generateName") or ""
    if gen:
        for msg in name_fn(str(gen), True):
            errs.invalid(f"{path}.generateName", gen, msg)
    if not name:
        if not gen:
            errs.required(f"{path}.name", "name or generateName is required")
    else:
        for msg in name_fn(str(name), False):
            errs.invalid(f"{path}.name", name, msg)
    ns = md.get("namespace") or ""
    if namespaced:
        if not ns:
            errs.required(f"{path}.namespace")
        else:
            for msg in _namespace_errors(str(ns)):
                errs.invalid(f"{path}.namespace", ns, msg)
    elif ns:
        errs.forbidden(f"{path}.namespace", "not allowed on this type")
    # (Paths are built only for the fields present: most objects have few of these.)
    v = md.get("generation")
    if v is not None:
        errs.nonneg(f"{path}.generation", v)
    v = md.get("deletionGracePeriodSeconds")
    if v is not None:
        errs.nonneg(f"{path}.deletionGracePeriodSeconds", v)
    v = md.get("labels")
    if v is not None:
        validate_labels(v, f"{path}.labels", errs)
    v = md.get("annotations")
    if v is not None:
        validate_annotations(v, f"{path}.annotations", errs)
    v = md.get("ownerReferences")
    if v is not None:
        _validate_owner_references(v, f"{path}.ownerReferences", errs)
    for fin in md.get("finalizers") or ():
        for msg in m.is_qualified_name(str(fin)):
            errs.invalid(f"{path}.finalizers", fin, msg)


# Namespace names repeat on every object of a namespace: their (pure) validation is memoised.
_NAMESPACE_ERRORS: dict[str, tuple[str, ...]] = {}
_NAMESPACE_ERRORS_MAX = 4096


def _namespace_errors(ns: str) -> tuple[str, ...]:
    errs = _NAMESPACE_ERRORS.get(ns)
    if errs is None:
        errs = tuple(m.is_dns1123_label(ns))
        if len(_NAMESPACE_ERRORS) >= _NAMESPACE_ERRORS_MAX:
            _NAMESPACE_ERRORS.clear()
        _NAMESPACE_ERRORS[ns] = errs
    return errs


def _validate_object_meta_update(new: Any, old: Any, errs: _Errs) -> None:
    new = new if isinstance(new, Mapping) else {}
    old = old if isinstance(old, Mapping) else {}
    for key in ("name", "namespace", "uid", "creationTimestamp"):
        if (new.get(key) or "") != (old.get(key) or ""):
            errs.immutable(f"metadata.{key}", new.get(key) or "")
    if old.get("deletionTimestamp") and not new.get("deletionTimestamp"):
        errs.immutable("metadata.deletionTimestamp", new.get("deletionTimestamp") or "")
    if old.get("deletionGracePeriodSeconds") is not None and new.get(
        "deletionGracePeriodSeconds"
    ) != old.get("deletionGracePeriodSeconds"):
        errs.immutable("metadata.deletionGracePeriodSeconds", new.get("deletionGracePeriodSeconds"))
    if old.get("deletionTimestamp"):
        added = set(new.get("finalizers") or ()) - set(old.get("finalizers") or ())
        if added:
            errs.forbidden(
                "metadata.finalizers",
                f"no new finalizers can be added if the object is being deleted, found new "
                f"finalizers []string{{{', '.join(json.dumps(a) for a in sorted(added))}}}",
            )


# --------------------------------------------------------------------------------------------
# shared pieces


def validate_label_selector(sel: Any, path: str, errs: _Errs) -> None:
    """``ValidateLabelSelector``: operators, values per operator, keys and values."""
    if not isinstance(sel, Mapping):
        return
    for i, expr in enumerate(sel.get("matchExpressions") or ()):
        p = f"{path}.matchExpressions[{i}]"
        if not isinstance(expr, Mapping):
            continue
        op = expr.get("operator")
        values = expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                errs.required(f"{p}.values", "must be specified when `operator` is 'In' or 'NotIn'")
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.forbidden(
                    f"{p}.values",
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                )
        else:
            errs.invalid(f"{p}.operator", op or "", "not a valid selector operator")
        for msg in m.is_qualified_name(str(expr.get("key") or "")):
            errs.invalid(f"{p}.key", expr.get("key") or "", msg)
        for j, v in enumerate(values):
            for msg in m.is_valid_label_value(str(v)):
                errs.invalid(f"{p}.values[{j}]", v, msg)
    validate_labels(sel.get("matchLabels"), f"{path}.matchLabels", errs)


def _quantity(v: Any, path: str, errs: _Errs, nonneg: bool = True) -> Quantity | None:
    try:
        q = parse_quantity(v)
    except QuantityError as err:
        errs.invalid(path, str(v), str(err))
        return None
    if nonneg and q.sign() < 0:
        errs.invalid(path, str(v), "must be greater than or equal to 0")
    return q


# Resource names (pkg/apis/core/helper): the standard names, the integer-valued ones, hugepages.
_CPU_MEMORY = frozenset({"cpu", "memory"})
_STANDARD_CONTAINER_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})
_INTEGER_RESOURCES = frozenset(
    {
        "pods",
        "resourcequotas",
        "services",
        "replicationcontrollers",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "services.nodeports",
        "services.loadbalancers",
    }
)
_STANDARD_QUOTA_RESOURCES = _INTEGER_RESOURCES | {
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
}
_STANDARD_RESOURCES = _STANDARD_QUOTA_RESOURCES | {"storage"}
_HUGEPAGES = "hugepages-"


def _is_hugepages(name: str) -> bool:
    return name.startswith(_HUGEPAGES)


def _is_native_resource(name: str) -> bool:
    """Unprefixed names and ``*kubernetes.io/`` names."""
    return "/" not in name or "kubernetes.io/" in name


def _is_extended_resource(name: str) -> bool:
    """A vendor ``domain/name`` that stays a qualified name as ``requests.<name>``."""
    if _is_native_resource(name) or name.startswith("requests."):
        return False
    return not m.is_qualified_name("requests." + name)


def _overcommit_allowed(name: str) -> bool:
    return _is_native_resource(name) and not _is_hugepages(name)


def _validate_resource_name(name: str, path: str, errs: _Errs) -> bool:
    """``validateResourceName``: a qualified name, standard unless fully qualified."""
    msgs = m.is_qualified_name(name)
    for msg in msgs:
        errs.invalid(path, name, msg)
    if msgs:
        return False
    if "/" not in name and not (
        name in _STANDARD_RESOURCES or _is_hugepages(name) or name.startswith("requests.hugepages-")
    ):
        errs.invalid(path, name, "must be a standard resource type or fully qualified")
        return False
    return True


def _validate_container_resource_name(name: str, path: str, errs: _Errs) -> None:
    """``validateContainerResourceName``: cpu, memory, ephemeral-storage, hugepages-*, domain/x."""
    _validate_resource_name(name, path, errs)
    if "/" not in name:
        if not (name in _STANDARD_CONTAINER_RESOURCES or _is_hugepages(name)):
            errs.invalid(path, name, "must be a standard resource for containers")
    elif not _is_native_resource(name) and not _is_extended_resource(name):
        errs.invalid(path, name, "doesn't follow extended resource name standard")


def _validate_quota_resource_name(name: str, path: str, errs: _Errs) -> None:
    """``ValidateResourceQuotaResourceName``."""
    _validate_resource_name(name, path, errs)
    if "/" not in name and not (
        name in _STANDARD_QUOTA_RESOURCES
        or _is_hugepages(name)
        or name.startswith("requests.hugepages-")
    ):
        errs.invalid(path, name, "must be a standard resource for quota")


def _validate_quantity_value(name: str, q: Quantity, path: str, errs: _Errs) -> None:
    """``ValidateResourceQuantityValue``: non-negative; whole numbers for countable resources."""
    if q.sign() < 0:
        errs.invalid(path, str(q), "must be greater than or equal to 0")
    if (name in _INTEGER_RESOURCES or _is_extended_resource(name)) and q.milli_value() % 1000:
        errs.invalid(path, str(q), "must be an integer")


def _hugepage_size_error(name: str, q: Quantity) -> str | None:
    """``validateResourceQuantityHugePageValue`` for a create (indivisible values refused)."""
    try:
        page = parse_quantity(name[len(_HUGEPAGES) :])
    except QuantityError:
        page = None
    if (
        page is None
        or page.sign() <= 0
        or page.milli_value() % 1000
        or q.value() % page.value() != 0
    ):
        return f"{q} is not positive integer multiple of {name}"
    return None


def _resource_list(
    rl: Any,
    path: str,
    errs: _Errs,
    name_check: Callable[[str, str, _Errs], object] | None = None,
) -> dict[str, Quantity]:
    """Parse a ResourceList at ``path`` (keys as ``path[key]``); check names and values."""
    out: dict[str, Quantity] = {}
    if not isinstance(rl, Mapping):
        return out
    for k, v in rl.items():
        key = str(k)
        kp = f"{path}[{key}]"
        if name_check is None:
            for msg in m.is_qualified_name(key):
                errs.invalid(kp, key, msg)
        else:
            name_check(key, kp, errs)
        q = _quantity(v, kp, errs, nonneg=False)
        if q is not None:
            _validate_quantity_value(key, q, kp, errs)
            out[key] = q
    return out


def _validate_resources(
    res: Any, path: str, errs: _Errs, claim_names: set[str] | None = None
) -> None:
    """``ValidateContainerResourceRequirements`` (names, values, requests <= limits, hugepages)."""
    if not isinstance(res, Mapping):
        return
    lim_path, req_path = f"{path}.limits", f"{path}.requests"
    limits = _resource_list(res.get("limits"), lim_path, errs, _validate_container_resource_name)
    has_cpu_memory = has_hugepages = False
    for k, q in limits.items():
        if _is_hugepages(k):
            has_hugepages = True
            err = _hugepage_size_error(k, q)
            if err:
                errs.invalid(f"{lim_path}[{k}]", str(q), err)
        has_cpu_memory = has_cpu_memory or k in _CPU_MEMORY
    requests = _resource_list(
        res.get("requests"), req_path, errs, _validate_container_resource_name
    )
    for k, req in requests.items():
        lim = limits.get(k)
        if lim is not None:
            if req != lim and not _overcommit_allowed(k):
                errs.invalid(req_path, str(req), f"must be equal to {k} limit of {lim}")
            elif req > lim:
                errs.invalid(
                    req_path, str(req), f"must be less than or equal to {k} limit of {lim}"
                )
        elif not _overcommit_allowed(k):
            errs.required(lim_path, "Limit must be set for non overcommitable resources")
        if _is_hugepages(k):
            has_hugepages = True
            err = _hugepage_size_error(k, req)
            if err:
                errs.invalid(f"{req_path}[{k}]", str(req), err)
        has_cpu_memory = has_cpu_memory or k in _CPU_MEMORY
    if has_hugepages and not has_cpu_memory:
        errs.forbidden(path, "HugePages require cpu or memory")
    if claim_names is None:
        return
    seen: set[str] = set()
    for i, claim in enumerate(res.get("claims") or ()):
        name = str((claim or {}).get("name") or "") if isinstance(claim, Mapping) else ""
        cp = f"{path}.claims[{i}]"
        if not name:
            errs.required(cp)
            continue
        if name in seen:
            errs.duplicate(cp, name)
        seen.add(name)
        if name not in claim_names:
            errs.causes.append(
                StatusCause(
                    "FieldValueNotFound",
                    f'Not found: "{name}": must be one of the names in pod.spec.resourceClaims',
                    cp,
                )
            )


def _int_or_percent(v: Any, path: str, errs: _Errs) -> int | None:
    """Validate an IntOrString that is a non-negative int or ``N%``; return the percent or int."""
    if _is_int(v):
        if v < 0:
            errs.invalid(path, v, "must be greater than or equal to 0")
        return int(v)
    if isinstance(v, str):
        msgs = m.is_valid_percent(v)
        for msg in msgs:
            errs.invalid(path, v, msg)
        if not msgs:
            pct = int(v[:-1])
            if pct > 100:
                errs.invalid(path, v, "must not be greater than 100%")
            return pct
    return None


# --------------------------------------------------------------------------------------------
# pods


def _validate_ports(c: Mapping[str, Any], path: str, errs: _Errs, host_network: bool) -> None:
    names: set[str] = set()
    for i, port in enumerate(c.get("ports") or ()):
        p = f"{path}.ports[{i}]"
        if not isinstance(port, Mapping):
            continue
        name = port.get("name") or ""
        if name:
            for msg in m.is_valid_port_name(str(name)):
                errs.invalid(f"{p}.name", name, msg)
            if name in names:
                errs.duplicate(f"{p}.name", name)
            names.add(str(name))
        cp = port.get("containerPort") or 0
        if not cp:
            errs.required(f"{p}.containerPort")
        else:
            for msg in m.is_valid_port_num(int(cp)):
                errs.invalid(f"{p}.containerPort", cp, msg)
        hp = port.get("hostPort") or 0
        if hp:
            for msg in m.is_valid_port_num(int(hp)):
                errs.invalid(f"{p}.hostPort", hp, msg)
            if host_network and hp != cp:
                errs.invalid(
                    f"{p}.hostPort", hp, "must match `containerPort` when `hostNetwork` is true"
                )
        proto = port.get("protocol") or ""
        if not proto:
            errs.required(f"{p}.protocol")
        elif proto not in _PROTOCOLS:
            errs.not_supported(f"{p}.protocol", proto, _PROTOCOLS)


def _validate_env(c: Mapping[str, Any], path: str, errs: _Errs) -> None:
    for i, ev in enumerate(c.get("env") or ()):
        p = f"{path}.env[{i}]"
        if not isinstance(ev, Mapping):
            continue
        name = str(ev.get("name") or "")
        if not name:
            errs.required(f"{p}.name")
        elif "=" in name or not all(32 <= ord(ch) < 127 for ch in name):
            errs.invalid(
                f"{p}.name",
                name,
                "a valid environment variable name must consist only of printable ASCII "
                "characters other than '='",
            )
        vf = ev.get("valueFrom")
        if isinstance(vf, Mapping):
            sources = [
                k
                for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
                if vf.get(k)
            ]
            if ev.get("value"):
                errs.invalid(f"{p}.valueFrom", "", "may not be specified when `value` is not empty")
            if len(sources) != 1:
                errs.invalid(
                    f"{p}.valueFrom",
                    "",
                    "may not have more than one field specified at a time"
                    if sources
                    else "must specify one of: `fieldRef`, `resourceFieldRef`, "
                    "`configMapKeyRef` or `secretKeyRef`",
                )


def _validate_probe(pr: Any, path: str, errs: _Errs) -> None:
    if not isinstance(pr, Mapping):
        return
    handlers = [k for k in ("exec", "httpGet", "tcpSocket", "grpc") if pr.get(k)]
    if not handlers:
        errs.required(path, "must specify a handler type")
    elif len(handlers) > 1:
        errs.forbidden(f"{path}.{handlers[1]}", "may not specify more than 1 handler type")
    for key in (
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ):
        errs.nonneg(f"{path}.{key}", pr.get(key))


def _validate_container(  # noqa: PLR0917
    c: Any,
    path: str,
    errs: _Errs,
    volumes: set[str],
    for_pod: bool,
    host_network: bool,
    claim_names: set[str] | None = None,
) -> None:
    if not isinstance(c, Mapping):
        return
    name = c.get("name") or ""
    if not name:
        errs.required(f"{path}.name")
    else:
        for msg in m.is_dns1123_label(str(name)):
            errs.invalid(f"{path}.name", name, msg)
    if for_pod and not c.get("image"):
        errs.required(f"{path}.image")
    ipp = c.get("imagePullPolicy")
    if ipp is not None and ipp not in _PULL_POLICIES:
        errs.not_supported(f"{path}.imagePullPolicy", ipp, _PULL_POLICIES)
    tmp = c.get("terminationMessagePolicy")
    if tmp is not None and tmp not in ("File", "FallbackToLogsOnError"):
        errs.not_supported(
            f"{path}.terminationMessagePolicy", tmp, ["File", "FallbackToLogsOnError"]
        )
    _validate_ports(c, path, errs, host_network)
    _validate_env(c, path, errs)
    _validate_resources(c.get("resources"), f"{path}.resources", errs, claim_names or set())
    mounts: set[str] = set()
    for i, vm in enumerate(c.get("volumeMounts") or ()):
        p = f"{path}.volumeMounts[{i}]"
        if not isinstance(vm, Mapping):
            continue
        vname = vm.get("name") or ""
        if not vname:
            errs.required(f"{p}.name")
        elif vname not in volumes:
            errs.not_found(f"{p}.name", vname)
        mp = vm.get("mountPath") or ""
        if not mp:
            errs.required(f"{p}.mountPath")
        elif mp in mounts:
            errs.invalid(f"{p}.mountPath", mp, "must be unique")
        mounts.add(str(mp))
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        _validate_probe(c.get(probe), f"{path}.{probe}", errs)


#: Every volume source field of a Volume, in the order validation checks them.
VOLUME_SOURCES = (
    "hostPath",
    "emptyDir",
    "secret",
    "nfs",
    "persistentVolumeClaim",
    "downwardAPI",
    "configMap",
    "projected",
    "csi",
    "ephemeral",
    "image",
    # in-tree sources, deprecated upstream but still accepted
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
)


def _validate_volumes(vols: Any, path: str, errs: _Errs) -> set[str]:
    names: set[str] = set()
    for i, v in enumerate(vols or ()):
        p = f"{path}[{i}]"
        if not isinstance(v, Mapping):
            continue
        name = v.get("name") or ""
        if not name:
            errs.required(f"{p}.name")
        else:
            for msg in m.is_dns1123_label(str(name)):
                errs.invalid(f"{p}.name", name, msg)
            if name in names:
                errs.duplicate(f"{p}.name", name)
            names.add(str(name))
        sources = [s for s in VOLUME_SOURCES if v.get(s) is not None]
        if not sources:
            errs.required(p, "must specify a volume type")
        elif len(sources) > 1:
            errs.forbidden(f"{p}.{sources[1]}", "may not specify more than 1 volume type")
        pvc = v.get("persistentVolumeClaim")
        if isinstance(pvc, Mapping) and not pvc.get("claimName"):
            errs.required(f"{p}.persistentVolumeClaim.claimName")
        hp = v.get("hostPath")
        if isinstance(hp, Mapping) and not hp.get("path"):
            errs.required(f"{p}.hostPath.path")
    return names


def _validate_tolerations(tols: Any, path: str, errs: _Errs) -> None:
    for i, t in enumerate(tols or ()):
        p = f"{path}[{i}]"
        if not isinstance(t, Mapping):
            continue
        key = t.get("key") or ""
        if key:
            for msg in m.is_qualified_name(str(key)):
                errs.invalid(f"{p}.key", key, msg)
        op = t.get("operator") or "Equal"
        if op == "Exists":
            if t.get("value"):
                errs.invalid(
                    f"{p}.operator",
                    t.get("value"),
                    "value must be empty when `operator` is 'Exists'",
                )
        elif op == "Equal":
            if not key:
                errs.invalid(
                    f"{p}.operator",
                    op,
                    "operator must be Exists when `key` is empty, which means "
                    '"match all values and all keys"',
                )
            for msg in m.is_valid_label_value(str(t.get("value") or "")):
                errs.invalid(f"{p}.value", t.get("value"), msg)
        else:
            errs.not_supported(f"{p}.operator", op, ["Equal", "Exists"])
        effect = t.get("effect") or ""
        if effect and effect not in _TAINT_EFFECTS:
            errs.not_supported(f"{p}.effect", effect, _TAINT_EFFECTS)
        if t.get("tolerationSeconds") is not None and effect != "NoExecute":
            errs.invalid(
                f"{p}.effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"
            )


def _validate_node_selector_term(term: Any, path: str, errs: _Errs) -> None:
    if not isinstance(term, Mapping):
        return
    ops = ["DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"]
    for key in ("matchExpressions", "matchFields"):
        for j, req in enumerate(term.get(key) or ()):
            p = f"{path}.{key}[{j}]"
            if not isinstance(req, Mapping):
                continue
            op = req.get("operator")
            vals = req.get("values") or []
            if op in ("In", "NotIn"):
                if not vals:
                    errs.required(
                        f"{p}.values", "must be specified when `operator` is 'In' or 'NotIn'"
                    )
            elif op in ("Exists", "DoesNotExist"):
                if vals:
                    errs.forbidden(
                        f"{p}.values",
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    )
            elif op in ("Gt", "Lt"):
                if len(vals) != 1:
                    errs.required(
                        f"{p}.values",
                        "must be specified single value when `operator` is 'Lt' or 'Gt'",
                    )
            else:
                errs.not_supported(f"{p}.operator", op or "", ops)
            if key == "matchExpressions":
                for msg in m.is_qualified_name(str(req.get("key") or "")):
                    errs.invalid(f"{p}.key", req.get("key") or "", msg)


def _validate_affinity(aff: Any, path: str, errs: _Errs) -> None:
    if not isinstance(aff, Mapping):
        return
    na = aff.get("nodeAffinity")
    if isinstance(na, Mapping):
        req = na.get("requiredDuringSchedulingIgnoredDuringExecution")
        if isinstance(req, Mapping):
            rp = f"{path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
            terms = req.get("nodeSelectorTerms") or []
            if not terms:
                errs.required(
                    f"{rp}.nodeSelectorTerms", "must have at least one node selector term"
                )
            for i, term in enumerate(terms):
                _validate_node_selector_term(term, f"{rp}.nodeSelectorTerms[{i}]", errs)
        for i, pref in enumerate(na.get("preferredDuringSchedulingIgnoredDuringExecution") or ()):
            pp = f"{path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
            w = (pref or {}).get("weight")
            if not _is_int(w) or not 1 <= w <= 100:
                errs.invalid(f"{pp}.weight", w, "must be in the range 1-100")
            _validate_node_selector_term((pref or {}).get("preference"), f"{pp}.preference", errs)
    for kind in ("podAffinity", "podAntiAffinity"):
        pa = aff.get(kind)
        if not isinstance(pa, Mapping):
            continue
        for i, term in enumerate(pa.get("requiredDuringSchedulingIgnoredDuringExecution") or ()):
            tp = f"{path}.{kind}.requiredDuringSchedulingIgnoredDuringExecution[{i}]"
            _validate_pod_affinity_term(term, tp, errs)
        for i, wt in enumerate(pa.get("preferredDuringSchedulingIgnoredDuringExecution") or ()):
            wp = f"{path}.{kind}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
            w = (wt or {}).get("weight")
            if not _is_int(w) or not 1 <= w <= 100:
                errs.invalid(f"{wp}.weight", w, "must be in the range 1-100")
            _validate_pod_affinity_term(
                (wt or {}).get("podAffinityTerm"), f"{wp}.podAffinityTerm", errs
            )


def _validate_pod_affinity_term(term: Any, path: str, errs: _Errs) -> None:
    if not isinstance(term, Mapping):
        return
    if not term.get("topologyKey"):
        errs.required(f"{path}.topologyKey", "can not be empty")
    else:
        for msg in m.is_qualified_name(str(term["topologyKey"])):
            errs.invalid(f"{path}.topologyKey", term["topologyKey"], msg)
    validate_label_selector(term.get("labelSelector"), f"{path}.labelSelector", errs)
    validate_label_selector(term.get("namespaceSelector"), f"{path}.namespaceSelector", errs)


def _validate_spread(constraints: Any, path: str, errs: _Errs) -> None:
    seen: set[tuple[str, str]] = set()
    for i, c in enumerate(constraints or ()):
        p = f"{path}[{i}]"
        if not isinstance(c, Mapping):
            continue
        ms = c.get("maxSkew")
        if not _is_int(ms) or ms <= 0:
            errs.invalid(f"{p}.maxSkew", ms, "must be greater than zero")
        tk = c.get("topologyKey") or ""
        if not tk:
            errs.required(f"{p}.topologyKey", "can not be empty")
        wu = c.get("whenUnsatisfiable") or ""
        if wu not in ("DoNotSchedule", "ScheduleAnyway"):
            errs.not_supported(f"{p}.whenUnsatisfiable", wu, ["DoNotSchedule", "ScheduleAnyway"])
        key = (str(tk), str(wu))
        if key in seen:
            errs.duplicate(f"{p}.{{topologyKey, whenUnsatisfiable}}", f"{tk}, {wu}")
        seen.add(key)
        validate_label_selector(c.get("labelSelector"), f"{p}.labelSelector", errs)


# Limits from libc name resolution (ExpandedDNSConfig limits, GA since 1.28).
MAX_DNS_NAMESERVERS = 3
MAX_DNS_SEARCH_PATHS = 32
MAX_DNS_SEARCH_LIST_CHARS = 2048


def _validate_dns_config(cfg: Any, policy: Any, path: str, errs: _Errs) -> None:
    """``validatePodDNSConfig``."""
    if policy == "None":
        if not isinstance(cfg, Mapping):
            errs.required(path, "must provide `dnsConfig` when `dnsPolicy` is None")
            return
        if not cfg.get("nameservers"):
            errs.required(
                f"{path}.nameservers",
                "must provide at least one DNS nameserver when `dnsPolicy` is None",
            )
            return
    if not isinstance(cfg, Mapping):
        return
    servers = [str(x) for x in cfg.get("nameservers") or ()]
    if len(servers) > MAX_DNS_NAMESERVERS:
        errs.invalid(
            f"{path}.nameservers",
            go_value(servers),
            f"must not have more than {MAX_DNS_NAMESERVERS} nameservers",
        )
    for i, ns in enumerate(servers):
        for msg in m.is_valid_ip(ns):
            errs.invalid(f"{path}.nameservers[{i}]", ns, msg)
    searches = [str(x) for x in cfg.get("searches") or ()]
    if len(searches) > MAX_DNS_SEARCH_PATHS:
        errs.invalid(
            f"{path}.searches",
            go_value(searches),
            f"must not have more than {MAX_DNS_SEARCH_PATHS} search paths",
        )
    if len(" ".join(searches)) > MAX_DNS_SEARCH_LIST_CHARS:
        errs.invalid(
            f"{path}.searches",
            go_value(searches),
            f"must not have more than {MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) "
            "in the search list",
        )
    for i, search in enumerate(searches):
        for msg in m.is_dns1123_subdomain(search.removesuffix(".")):
            errs.invalid(f"{path}.searches[{i}]", search.removesuffix("."), msg)
    for i, opt in enumerate(cfg.get("options") or ()):
        if not isinstance(opt, Mapping) or not opt.get("name"):
            errs.required(f"{path}.options[{i}]", "must not be empty")


def validate_pod_spec(spec: Any, path: str, errs: _Errs, for_pod: bool = True) -> None:
    """``ValidatePodSpec`` (``for_pod=False`` for templates: images may be empty there).

    The errors depend only on the arguments, so they are memoised by the spec's content
    (pods created from one template share a spec): see :func:`_plain_digest`.
    """
    digest = _plain_digest(spec)
    if digest is None:
        _validate_pod_spec(spec, path, errs, for_pod)
        return
    key = (digest, path, for_pod)
    cached = _POD_SPEC_ERRORS.get(key)
    if cached is None:
        start = len(errs.causes)
        _validate_pod_spec(spec, path, errs, for_pod)
        if len(_POD_SPEC_ERRORS) >= _POD_SPEC_ERRORS_MAX:
            _POD_SPEC_ERRORS.clear()
        _POD_SPEC_ERRORS[key] = tuple(errs.causes[start:])
    elif cached:
        errs.causes.extend(cached)


# _POD_SPEC_ERRORS: (spec digest, path, for_pod) -> the causes validate_pod_spec appends
# (StatusCause is immutable). Bounded: cleared when full.
_POD_SPEC_ERRORS: dict[tuple[bytes, str, bool], tuple[StatusCause, ...]] = {}
_POD_SPEC_ERRORS_MAX = 1024
_SCALAR_TYPES = frozenset({str, int, bool, type(None)})


def _plain_digest(value: Any) -> bytes | None:
    """A key equal for two values exactly when validation cannot tell them apart: the JSON
    text of a value made only of dicts (string keys), lists, strings, ints, bools, ``None``
    and finite floats; ``None`` (no key) for anything else (tuples, subclasses, NaN, ...),
    which JSON could not tell apart from what it resembles."""
    stack = [value]
    pop, push = stack.pop, stack.append
    while stack:
        v = pop()
        t = type(v)
        if t in _SCALAR_TYPES:
            continue
        if t is dict:
            for k, x in v.items():
                if type(k) is not str:
                    return None
                push(x)
        elif t is list:
            stack.extend(v)
        elif t is float:
            if not math.isfinite(v):
                return None
        else:
            return None
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:  # e.g. an int beyond 64 bits, a lone surrogate
        return None


def _validate_pod_spec(spec: Any, path: str, errs: _Errs, for_pod: bool) -> None:
    if not isinstance(spec, Mapping):
        errs.required(path)
        return
    volumes = _validate_volumes(spec.get("volumes"), f"{path}.volumes", errs)
    host_network = spec.get("hostNetwork") is True
    containers = spec.get("containers") or []
    if not containers:
        errs.required(f"{path}.containers")
    names: set[str] = set()
    host_ports: set[str] = set()
    claim_names = {
        str(rc["name"])
        for rc in spec.get("resourceClaims") or ()
        if isinstance(rc, Mapping) and rc.get("name")
    }
    for key in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(key) or ()):
            p = f"{path}.{key}[{i}]"
            _validate_container(c, p, errs, volumes, for_pod, host_network, claim_names)
            if not isinstance(c, Mapping):
                continue
            name = c.get("name")
            if name:
                if name in names:
                    errs.duplicate(f"{p}.name", name)
                names.add(str(name))
            for j, port in enumerate(c.get("ports") or ()):
                hp = (port or {}).get("hostPort")
                if hp:
                    hk = f"{port.get('hostIP') or ''}/{hp}/{port.get('protocol') or 'TCP'}"
                    if hk in host_ports:
                        errs.duplicate(
                            f"{p}.ports[{j}].hostPort", f"{hp}/{port.get('protocol') or 'TCP'}"
                        )
                    host_ports.add(hk)
    rp = spec.get("restartPolicy")
    if rp is None or rp == "":
        errs.required(f"{path}.restartPolicy")
    elif rp not in _RESTART_POLICIES:
        errs.not_supported(f"{path}.restartPolicy", rp, _RESTART_POLICIES)
    dp = spec.get("dnsPolicy")
    if dp is not None and dp not in _DNS_POLICIES:
        errs.not_supported(f"{path}.dnsPolicy", dp, _DNS_POLICIES)
    _validate_dns_config(spec.get("dnsConfig"), dp, f"{path}.dnsConfig", errs)
    ads = spec.get("activeDeadlineSeconds")
    if ads is not None and (not _is_int(ads) or not 1 <= ads <= _MAX_INT32):
        errs.invalid(f"{path}.activeDeadlineSeconds", ads, m.inclusive_range_error(1, _MAX_INT32))
    errs.nonneg(f"{path}.terminationGracePeriodSeconds", spec.get("terminationGracePeriodSeconds"))
    validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector", errs)
    if spec.get("nodeName"):
        for msg in m.is_dns1123_subdomain(str(spec["nodeName"])):
            errs.invalid(f"{path}.nodeName", spec["nodeName"], msg)
    for key in ("serviceAccountName", "schedulerName", "priorityClassName", "runtimeClassName"):
        val = spec.get(key)
        if val:
            for msg in m.is_dns1123_subdomain(str(val)):
                errs.invalid(f"{path}.{key}", val, msg)
    if spec.get("hostname"):
        for msg in m.is_dns1123_label(str(spec["hostname"])):
            errs.invalid(f"{path}.hostname", spec["hostname"], msg)
    if spec.get("subdomain"):
        for msg in m.is_dns1123_label(str(spec["subdomain"])):
            errs.invalid(f"{path}.subdomain", spec["subdomain"], msg)
    _validate_tolerations(spec.get("tolerations"), f"{path}.tolerations", errs)
    _validate_affinity(spec.get("affinity"), f"{path}.affinity", errs)
    _validate_spread(
        spec.get("topologySpreadConstraints"), f"{path}.topologySpreadConstraints", errs
    )
    pp = spec.get("preemptionPolicy")
    if pp is not None and pp not in ("Never", "PreemptLowerPriority"):
        errs.not_supported(f"{path}.preemptionPolicy", pp, ["Never", "PreemptLowerPriority"])
    if spec.get("overhead"):  # validateOverhead: a ResourceRequirements with only limits
        _validate_resources({"limits": spec["overhead"]}, f"{path}.overhead", errs)
    gates: set[str] = set()
    for i, g in enumerate(spec.get("schedulingGates") or ()):
        gname = (g or {}).get("name") or ""
        for msg in m.is_qualified_name(str(gname)):
            errs.invalid(f"{path}.schedulingGates[{i}].name", gname, msg)
        if gname in gates:
            errs.duplicate(f"{path}.schedulingGates[{i}].name", gname)
        gates.add(str(gname))


_POD_MUTABLE_MSG = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
    "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set "
    "to 1 if it was previously negative)"
)


def _validate_pod(pod: Obj, errs: _Errs) -> None:
    validate_object_meta(pod.get("metadata"), True, m.name_is_dns_subdomain, errs)
    validate_pod_spec(pod.get("spec"), "spec", errs, for_pod=True)


def _strip_mutable_pod_spec(spec: Any, other: Any) -> Any:
    if not isinstance(spec, Mapping):
        return spec
    out = dict(spec)
    for key in ("containers", "initContainers"):
        out[key] = [
            {k: v for k, v in c.items() if k != "image"} if isinstance(c, Mapping) else c
            for c in spec.get(key) or ()
        ]
    for key in ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds"):
        out.pop(key, None)
    # scheduling gates may only be removed; nodeSelector/affinity may only be added while gated
    out.pop("schedulingGates", None)
    if isinstance(other, Mapping) and other.get("schedulingGates"):
        out.pop("nodeSelector", None)
        out.pop("affinity", None)
    return out


def _validate_pod_update(new: Obj, old: Obj, errs: _Errs) -> None:
    ns, os_ = new.get("spec") or {}, old.get("spec") or {}
    if _strip_mutable_pod_spec(ns, os_) != _strip_mutable_pod_spec(os_, os_):
        errs.forbidden("spec", _POD_MUTABLE_MSG)
    for key in ("containers", "initContainers"):
        for i, c in enumerate(ns.get(key) or ()):
            if isinstance(c, Mapping) and not c.get("image"):
                errs.required(f"spec.{key}[{i}].image")
    old_ads = os_.get("activeDeadlineSeconds")
    new_ads = ns.get("activeDeadlineSeconds")
    if old_ads is not None and (new_ads is None or (_is_int(new_ads) and new_ads > old_ads)):
        errs.invalid(
            "spec.activeDeadlineSeconds",
            new_ads if new_ads is not None else "nil",
            "must be less than or equal to previous value",
        )
    old_tols = [json.dumps(t, sort_keys=True) for t in os_.get("tolerations") or ()]
    new_tols = {json.dumps(t, sort_keys=True) for t in ns.get("tolerations") or ()}
    if not set(old_tols) <= new_tols:
        errs.forbidden(
            "spec.tolerations",
            "existing toleration can not be modified except its tolerationSeconds",
        )
    new_gates = {(g or {}).get("name") for g in ns.get("schedulingGates") or ()}
    old_gates = {(g or {}).get("name") for g in os_.get("schedulingGates") or ()}
    if not new_gates <= old_gates:
        errs.forbidden(
            "spec.schedulingGates", "only deletion is allowed, but found new scheduling gate"
        )


# --------------------------------------------------------------------------------------------
# nodes


def _validate_node(node: Obj, errs: _Errs) -> None:
    validate_object_meta(node.get("metadata"), False, m.name_is_dns_subdomain, errs)
    spec = node.get("spec") or {}
    seen: set[tuple[str, str]] = set()
    for i, t in enumerate(spec.get("taints") or ()):
        p = f"spec.taints[{i}]"
        if not isinstance(t, Mapping):
            continue
        key = str(t.get("key") or "")
        if not key:
            errs.required(f"{p}.key")
        for msg in m.is_qualified_name(key) if key else ():
            errs.invalid(f"{p}.key", key, msg)
        for msg in m.is_valid_label_value(str(t.get("value") or "")):
            errs.invalid(f"{p}.value", t.get("value"), msg)
        effect = str(t.get("effect") or "")
        if not effect:
            errs.required(f"{p}.effect")
        elif effect not in _TAINT_EFFECTS:
            errs.not_supported(f"{p}.effect", effect, _TAINT_EFFECTS)
        if (key, effect) in seen:
            errs.duplicate(p, f"{key}:{effect}")
        seen.add((key, effect))
    cidrs = spec.get("podCIDRs") or ([spec["podCIDR"]] if spec.get("podCIDR") else [])
    for i, cidr in enumerate(cidrs):
        for msg in m.is_valid_cidr(str(cidr)):
            errs.invalid(f"spec.podCIDRs[{i}]", cidr, msg)
    if spec.get("podCIDR") and spec.get("podCIDRs") and spec["podCIDRs"][0] != spec["podCIDR"]:
        errs.invalid(
            "spec.podCIDRs", go_value(spec["podCIDRs"]), "first entry must match `podCIDR`"
        )
    status = node.get("status") or {}
    for key in ("capacity", "allocatable"):  # ValidateNodeResources: values only
        rl = status.get(key)
        for k, v in rl.items() if isinstance(rl, Mapping) else ():
            q = _quantity(v, f"status.{key}.{k}", errs, nonneg=False)
            if q is not None:
                _validate_quantity_value(str(k), q, f"status.{key}.{k}", errs)


def _validate_node_update(new: Obj, old: Obj, errs: _Errs) -> None:
    ns, os_ = new.get("spec") or {}, old.get("spec") or {}
    if os_.get("podCIDRs") and ns.get("podCIDRs") != os_.get("podCIDRs"):
        errs.forbidden(
            "spec.podCIDRs", 'node updates may not change podCIDR except from "" to valid'
        )
    if os_.get("providerID") and ns.get("providerID") != os_.get("providerID"):
        errs.forbidden(
            "spec.providerID", 'node updates may not change providerID except from "" to valid'
        )


# --------------------------------------------------------------------------------------------
# services and endpoints


def _validate_service(svc: Obj, errs: _Errs) -> None:
    validate_object_meta(svc.get("metadata"), True, m.name_is_dns1035_label, errs)
    spec = svc.get("spec") or {}
    typ = spec.get("type") or "ClusterIP"
    types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
    if typ not in types:
        errs.not_supported("spec.type", typ, types)
    ports = spec.get("ports") or []
    if typ == "ExternalName":
        if not spec.get("externalName"):
            errs.required("spec.externalName")
        else:
            name = str(spec["externalName"]).rstrip(".")
            for msg in m.is_dns1123_subdomain(name):
                errs.invalid("spec.externalName", spec["externalName"], msg)
    elif not ports and spec.get("clusterIP") != "None":
        errs.required("spec.ports")
    names: set[str] = set()
    seen: set[tuple[Any, Any]] = set()
    for i, port in enumerate(ports):
        p = f"spec.ports[{i}]"
        if not isinstance(port, Mapping):
            continue
        pname = port.get("name") or ""
        if len(ports) > 1 and not pname:
            errs.required(f"{p}.name")
        if pname:
            for msg in m.is_dns1123_label(str(pname)):
                errs.invalid(f"{p}.name", pname, msg)
            if pname in names:
                errs.duplicate(f"{p}.name", pname)
            names.add(str(pname))
        num = port.get("port")
        if not _is_int(num) or m.is_valid_port_num(num):
            errs.invalid(f"{p}.port", num, m.inclusive_range_error(1, 65535))
        proto = port.get("protocol") or ""
        if not proto:
            errs.required(f"{p}.protocol")
        elif proto not in _PROTOCOLS:
            errs.not_supported(f"{p}.protocol", proto, _PROTOCOLS)
        tp = port.get("targetPort")
        if _is_int(tp):
            for msg in m.is_valid_port_num(tp):
                errs.invalid(f"{p}.targetPort", tp, msg)
        elif isinstance(tp, str):
            for msg in m.is_valid_port_name(tp):
                errs.invalid(f"{p}.targetPort", tp, msg)
        np_ = port.get("nodePort")
        if np_:
            if typ in ("ClusterIP", "ExternalName"):
                errs.forbidden(f"{p}.nodePort", f"may not be used when `type` is '{typ}'")
            elif _is_int(np_):
                for msg in m.is_valid_port_num(np_):
                    errs.invalid(f"{p}.nodePort", np_, msg)
        key = (num, proto)
        if key in seen:
            errs.duplicate(p, go_value({"port": num, "protocol": proto}))
        seen.add(key)
    sa = spec.get("sessionAffinity")
    if sa is not None and sa not in ("ClientIP", "None"):
        errs.not_supported("spec.sessionAffinity", sa, ["ClientIP", "None"])
    cip = spec.get("clusterIP") or ""
    if cip and cip != "None":
        for msg in m.is_valid_ip(str(cip)):
            errs.invalid("spec.clusterIP", cip, msg)
    if cip == "None" and typ != "ClusterIP":
        errs.invalid("spec.clusterIP", cip, "may only be 'None' when `type` is 'ClusterIP'")
    for i, ip in enumerate(spec.get("externalIPs") or ()):
        for msg in m.is_valid_ip(str(ip)):
            errs.invalid(f"spec.externalIPs[{i}]", ip, msg)
    validate_labels(spec.get("selector"), "spec.selector", errs)
    for policy in ("externalTrafficPolicy", "internalTrafficPolicy"):
        allowed = ["Cluster", "Local"]
        v = spec.get(policy)
        if v is not None and v not in allowed:
            errs.not_supported(f"spec.{policy}", v, allowed)
    if spec.get("externalTrafficPolicy") and typ not in ("NodePort", "LoadBalancer"):
        errs.invalid(
            "spec.externalTrafficPolicy",
            spec["externalTrafficPolicy"],
            "may only be set for externally-accessible services",
        )


def _validate_service_update(new: Obj, old: Obj, errs: _Errs) -> None:
    ns, os_ = new.get("spec") or {}, old.get("spec") or {}
    old_ip = os_.get("clusterIP") or ""
    external = "ExternalName" in (os_.get("type"), ns.get("type"))
    if old_ip and not external and (ns.get("clusterIP") or "") != old_ip:
        errs.immutable("spec.clusterIP", ns.get("clusterIP") or "")


def _validate_endpoints(ep: Obj, errs: _Errs) -> None:
    validate_object_meta(ep.get("metadata"), True, m.name_is_dns_subdomain, errs)
    for i, subset in enumerate(ep.get("subsets") or ()):
        p = f"subsets[{i}]"
        if not isinstance(subset, Mapping):
            continue
        for key in ("addresses", "notReadyAddresses"):
            for j, addr in enumerate(subset.get(key) or ()):
                ip = str((addr or {}).get("ip") or "")
                for msg in m.is_valid_ip(ip):
                    errs.invalid(f"{p}.{key}[{j}].ip", ip, msg)
        for j, port in enumerate(subset.get("ports") or ()):
            num = (port or {}).get("port")
            if not _is_int(num) or m.is_valid_port_num(num):
                errs.invalid(f"{p}.ports[{j}].port", num, m.inclusive_range_error(1, 65535))
            proto = (port or {}).get("protocol") or ""
            if proto not in _PROTOCOLS:
                errs.not_supported(f"{p}.ports[{j}].protocol", proto, _PROTOCOLS)


# --------------------------------------------------------------------------------------------
# workloads


def _validate_template(
    spec: Mapping[str, Any],
    errs: _Errs,
    selector: Any,
    restart_policies: list[str] | None,
    required: bool = True,
) -> None:
    tmpl = spec.get("template")
    if not isinstance(tmpl, Mapping):
        if required:
            errs.required("spec.template")
        return
    tmd = tmpl.get("metadata") or {}
    labels = tmd.get("labels") or {}
    validate_labels(labels, "spec.template.metadata.labels", errs)
    validate_annotations(tmd.get("annotations"), "spec.template.metadata.annotations", errs)
    if selector is not None and not selector.matches(labels):
        errs.invalid(
            "spec.template.metadata.labels",
            go_value(labels),
            "`selector` does not match template `labels`",
        )
    validate_pod_spec(tmpl.get("spec"), "spec.template.spec", errs, for_pod=False)
    rp = (tmpl.get("spec") or {}).get("restartPolicy")
    if restart_policies is not None and rp and rp not in restart_policies:
        errs.not_supported("spec.template.spec.restartPolicy", rp, restart_policies)
    if (tmpl.get("spec") or {}).get("activeDeadlineSeconds") is not None and restart_policies == [
        "Always"
    ]:
        errs.forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            "activeDeadlineSeconds in ReplicaSet is not Supported",
        )


def _selector(spec: Mapping[str, Any], errs: _Errs, kind: str) -> Any:
    sel = spec.get("selector")
    if sel is None:
        errs.required("spec.selector")
        return None
    if not isinstance(sel, Mapping):
        return None
    validate_label_selector(sel, "spec.selector", errs)
    if not sel.get("matchLabels") and not sel.get("matchExpressions"):
        errs.invalid("spec.selector", go_value(dict(sel)), f"empty selector is invalid for {kind}")
        return None
    try:
        return selector_from_label_selector(sel)
    except SelectorError:
        errs.invalid("spec.selector", go_value(dict(sel)), "invalid label selector")
        return None


def _nonneg_fields(spec: Mapping[str, Any], errs: _Errs, *keys: str) -> None:
    for k in keys:
        errs.nonneg(f"spec.{k}", spec.get(k))


def _validate_deployment(d: Obj, errs: _Errs) -> None:
    validate_object_meta(d.get("metadata"), True, m.name_is_dns_subdomain, errs)
    spec = d.get("spec") or {}
    _nonneg_fields(
        spec, errs, "replicas", "minReadySeconds", "revisionHistoryLimit", "progressDeadlineSeconds"
    )
    sel = _selector(spec, errs, "deployment")
    _validate_template(spec, errs, sel, ["Always"])
    strategy = spec.get("strategy") or {}
    st = strategy.get("type")
    if st is not None and st not in ("Recreate", "RollingUpdate"):
        errs.not_supported("spec.strategy.type", st, ["Recreate", "RollingUpdate"])
    ru = strategy.get("rollingUpdate")
    if st == "Recreate" and ru is not None:
        errs.forbidden(
            "spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"
        )
    if isinstance(ru, Mapping):
        _validate_rolling_update(ru, "spec.strategy.rollingUpdate", errs)
    pds = spec.get("progressDeadlineSeconds")
    mrs = spec.get("minReadySeconds") or 0
    if _is_int(pds) and pds <= mrs:
        errs.invalid("spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds")


def _validate_rolling_update(ru: Mapping[str, Any], path: str, errs: _Errs) -> None:
    """maxUnavailable / maxSurge of a Deployment's or DaemonSet's rolling update at ``path``."""
    mu = _int_or_percent(ru.get("maxUnavailable"), f"{path}.maxUnavailable", errs)
    ms = _int_or_percent(ru.get("maxSurge"), f"{path}.maxSurge", errs)
    if mu == 0 and ms == 0:
        errs.invalid(
            f"{path}.maxUnavailable", ru.get("maxUnavailable"), "may not be 0 when `maxSurge` is 0"
        )


def _validate_replicaset(rs: Obj, errs: _Errs) -> None:
    validate_object_meta(rs.get("metadata"), True, m.name_is_dns_subdomain, errs)
    spec = rs.get("spec") or {}
    _nonneg_fields(spec, errs, "replicas", "minReadySeconds")
    sel = _selector(spec, errs, "deployment")
    _validate_template(spec, errs, sel, ["Always"], required=False)


def _validate_daemonset(ds: Obj, errs: _Errs) -> None:
    validate_object_meta(ds.get("metadata"), True, m.name_is_dns_subdomain, errs)
    spec = ds.get("spec") or {}
    _nonneg_fields(spec, errs, "minReadySeconds", "revisionHistoryLimit")
    sel = _selector(spec, errs, "daemonset")
    _validate_template(spec, errs, sel, ["Always"])
    us = spec.get("updateStrategy") or {}
    t = us.get("type")
    if t is not None and t not in ("OnDelete", "RollingUpdate"):
        errs.not_supported("spec.updateStrategy.type", t, ["OnDelete", "RollingUpdate"])
    ru = us.get("rollingUpdate")
    if isinstance(ru, Mapping):
        _validate_rolling_update(ru, "spec.updateStrategy.rollingUpdate", errs)


def _validate_statefulset(ss: Obj, errs: _Errs) -> None:
    validate_object_meta(ss.get("metadata"), True, m.name_is_dns_subdomain, errs)
    spec = ss.get("spec") or {}
    _nonneg_fields(spec, errs, "replicas", "minReadySeconds", "revisionHistoryLimit")
    pmp = spec.get("podManagementPolicy")
    if pmp is not None and pmp not in ("OrderedReady", "Parallel"):
        errs.not_supported("spec.podManagementPolicy", pmp, ["OrderedReady", "Parallel"])
    us = spec.get("updateStrategy") or {}
    t = us.get("type")
    if t is not None and t not in ("OnDelete", "RollingUpdate"):
        errs.not_supported("spec.updateStrategy.type", t, ["OnDelete", "RollingUpdate"])
    ru = us.get("rollingUpdate")
    if isinstance(ru, Mapping):
        if t == "OnDelete":
            errs.invalid(
                "spec.updateStrategy.rollingUpdate",
                go_value(dict(ru)),
                "only allowed for updateStrategy 'RollingUpdate'",
            )
        errs.nonneg("spec.updateStrategy.rollingUpdate.partition", ru.get("partition"))
    sel = _selector(spec, errs, "statefulset")
    _validate_template(spec, errs, sel, ["Always"])


_STS_MUTABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)


def _validate_statefulset_update(new: Obj, old: Obj, errs: _Errs) -> None:
    ns = {k: v for k, v in (new.get("spec") or {}).items() if k not in _STS_MUTABLE}
    os_ = {k: v for k, v in (old.get("spec") or {}).items() if k not in _STS_MUTABLE}
    if ns != os_:
        errs.forbidden(
            "spec",
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
            "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
            "'minReadySeconds' are forbidden",
        )


def _validate_rc(rc: Obj, errs: _Errs) -> None:
    validate_object_meta(rc.get("metadata"), True, m.name_is_dns_subdomain, errs)
    spec = rc.get("spec") or {}
    _nonneg_fields(spec, errs, "replicas", "minReadySeconds")
    sel = spec.get("selector")
    selector = None
    if not sel:
        errs.required("spec.selector")
    else:
        validate_labels(sel, "spec.selector", errs)
        from kcore.api.labels import selector_from_set

        selector = selector_from_set(sel)
    _validate_template(spec, errs, selector, ["Always"], required=False)


def _validate_job(job: Obj, errs: _Errs) -> None:
    validate_object_meta(job.get("metadata"), True, m.name_is_dns_subdomain, errs)
    spec = job.get("spec") or {}
    _nonneg_fields(
        spec, errs, "parallelism", "completions", "backoffLimit", "ttlSecondsAfterFinished"
    )
    ads = spec.get("activeDeadlineSeconds")
    if ads is not None and (not _is_int(ads) or ads <= 0):
        errs.invalid("spec.activeDeadlineSeconds", ads, "must be greater than or equal to 1")
    cm = spec.get("completionMode")
    if cm is not None and cm not in ("NonIndexed", "Indexed"):
        errs.not_supported("spec.completionMode", cm, ["NonIndexed", "Indexed"])
    if cm == "Indexed" and spec.get("completions") is None:
        errs.required("spec.completions", "when completion mode is Indexed")
    sel = _selector(spec, errs, "job") if spec.get("selector") is not None else None
    if spec.get("selector") is None:
        errs.required("spec.selector")
    _validate_template(spec, errs, sel, ["OnFailure", "Never"])
    tmpl_spec = (spec.get("template") or {}).get("spec") or {}
    if tmpl_spec.get("restartPolicy") == "Always":
        pass  # reported above as unsupported
    elif not tmpl_spec.get("restartPolicy") and isinstance(spec.get("template"), Mapping):
        errs.not_supported("spec.template.spec.restartPolicy", "", ["OnFailure", "Never"])


def _validate_job_update(new: Obj, old: Obj, errs: _Errs) -> None:
    ns, os_ = new.get("spec") or {}, old.get("spec") or {}
    for key in ("completions", "completionMode", "podFailurePolicy"):
        if (
            key in ("completions",)
            and ns.get("completionMode") == "Indexed"
            and ns.get(key) == ns.get("parallelism")
        ):
            continue  # elastic indexed jobs may scale completions with parallelism
        if ns.get(key) != os_.get(key):
            errs.immutable(f"spec.{key}", ns.get(key))
    if ns.get("template") != os_.get("template") and not os_.get("suspend"):
        errs.immutable("spec.template", ns.get("template"))


def _selector_immutable(new: Obj, old: Obj, errs: _Errs) -> None:
    ns, os_ = new.get("spec") or {}, old.get("spec") or {}
    if ns.get("selector") != os_.get("selector"):
        errs.immutable("spec.selector", ns.get("selector"))


# --------------------------------------------------------------------------------------------
# config and policy kinds


def _validate_config_keys(o: Obj, errs: _Errs, keys: tuple[str, ...]) -> int:
    seen: set[str] = set()
    total = 0
    for field in keys:
        data = o.get(field)
        if not isinstance(data, Mapping):
            continue
        for k, v in data.items():
            for msg in m.is_config_map_key(str(k)):
                errs.invalid(f"{field}[{k}]", k, msg)
            if k in seen:
                errs.invalid(f"{field}[{k}]", k, "duplicate of key present in other field")
            seen.add(str(k))
            total += len(str(v))
    return total


def _validate_configmap(cm: Obj, errs: _Errs) -> None:
    validate_object_meta(cm.get("metadata"), True, m.name_is_dns_subdomain, errs)
    total = _validate_config_keys(cm, errs, ("data", "binaryData"))
    if total > MAX_SECRET_SIZE:
        errs.too_long("", MAX_SECRET_SIZE)


def _validate_secret(s: Obj, errs: _Errs) -> None:
    validate_object_meta(s.get("metadata"), True, m.name_is_dns_subdomain, errs)
    total = _validate_config_keys(s, errs, ("data", "stringData"))
    if total > MAX_SECRET_SIZE:
        errs.too_long("data", MAX_SECRET_SIZE)
    typ = s.get("type") or "Opaque"
    data = {**(s.get("data") or {}), **(s.get("stringData") or {})}
    required_keys = {
        "kubernetes.io/tls": ("tls.crt", "tls.key"),
        "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
        "kubernetes.io/dockercfg": (".dockercfg",),
        "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    }.get(typ, ())
    for k in required_keys:
        if k not in data:
            errs.required(f"data[{k}]")
    if typ == "kubernetes.io/service-account-token":
        ann = (s.get("metadata") or {}).get("annotations") or {}
        if not ann.get("kubernetes.io/service-account.name"):
            errs.required("metadata.annotations[kubernetes.io/service-account.name]")


def _validate_immutable_data(new: Obj, old: Obj, errs: _Errs) -> None:
    if old.get("immutable") is True:
        if new.get("immutable") is not True:
            errs.forbidden("immutable", "field is immutable when `immutable` is set")
        for key in ("data", "binaryData", "stringData"):
            if (new.get(key) or {}) != (old.get(key) or {}) and key != "stringData":
                errs.forbidden(key, "field is immutable when `immutable` is set")


def _validate_secret_update(new: Obj, old: Obj, errs: _Errs) -> None:
    if (new.get("type") or "Opaque") != (old.get("type") or "Opaque"):
        errs.immutable("type", new.get("type") or "")
    _validate_immutable_data(new, old, errs)


def _validate_namespace(ns: Obj, errs: _Errs) -> None:
    validate_object_meta(ns.get("metadata"), False, m.name_is_dns_label, errs)
    for i, raw in enumerate((ns.get("spec") or {}).get("finalizers") or ()):
        fin = str(raw)
        if "/" not in fin and fin != "kubernetes":
            errs.invalid(
                f"spec.finalizers[{i}]",
                fin,
                "name is neither a standard finalizer name nor is it fully qualified",
            )
        else:
            for msg in m.is_qualified_name(fin):
                errs.invalid(f"spec.finalizers[{i}]", fin, msg)


def _validate_event(ev: Obj, errs: _Errs) -> None:
    md = ev.get("metadata") or {}
    validate_object_meta(md, True, m.validate_path_segment_name, errs)
    io = ev.get("involvedObject") or {}
    ns = md.get("namespace") or ""
    if io.get("namespace") and io.get("namespace") != ns:
        errs.invalid(
            "involvedObject.namespace", io.get("namespace"), "does not match event.namespace"
        )
    t = ev.get("type")
    if t and t not in ("Normal", "Warning"):
        errs.not_supported("type", t, ["Normal", "Warning"])


def _validate_events_v1(ev: Obj, errs: _Errs) -> None:
    validate_object_meta(ev.get("metadata"), True, m.validate_path_segment_name, errs)
    if not ev.get("eventTime"):
        errs.required("eventTime")
    for key in ("reportingController", "reportingInstance", "action", "reason"):
        if not ev.get(key):
            errs.required(key)
    t = ev.get("type")
    if t not in ("Normal", "Warning"):
        errs.not_supported("type", t or "", ["Normal", "Warning"])
    if len(str(ev.get("note") or "")) > 1024:
        errs.too_long("note", 1024)


def _validate_lease(lease: Obj, errs: _Errs) -> None:
    validate_object_meta(lease.get("metadata"), True, m.name_is_dns_subdomain, errs)
    spec = lease.get("spec") or {}
    lds = spec.get("leaseDurationSeconds")
    if lds is not None and (not _is_int(lds) or lds <= 0):
        errs.invalid("spec.leaseDurationSeconds", lds, "must be greater than 0")
    errs.nonneg("spec.leaseTransitions", spec.get("leaseTransitions"))


_HIGHEST_USER_PRIORITY = 1_000_000_000
_SYSTEM_PRIORITY_CLASSES = {
    "system-node-critical": 2_000_001_000,
    "system-cluster-critical": 2_000_000_000,
}


def _validate_priority_class(pc: Obj, errs: _Errs) -> None:
    md = pc.get("metadata") or {}
    validate_object_meta(md, False, m.name_is_dns_subdomain, errs)
    name = str(md.get("name") or "")
    value = pc.get("value")
    if name in _SYSTEM_PRIORITY_CLASSES:
        if value != _SYSTEM_PRIORITY_CLASSES[name]:
            errs.forbidden("value", f"value of {name} must be {_SYSTEM_PRIORITY_CLASSES[name]}")
    elif name.startswith("system-"):
        errs.invalid(
            "metadata.name", name, "priority class names with 'system-' prefix are reserved"
        )
    elif _is_int(value) and value > _HIGHEST_USER_PRIORITY:
        errs.forbidden(
            "value", f"maximum allowed value of a user defined priority is {_HIGHEST_USER_PRIORITY}"
        )
    if value is None:
        errs.required("value")
    pp = pc.get("preemptionPolicy")
    if pp is not None and pp not in ("Never", "PreemptLowerPriority"):
        errs.not_supported("preemptionPolicy", pp, ["Never", "PreemptLowerPriority"])


def _validate_priority_class_update(new: Obj, old: Obj, errs: _Errs) -> None:
    if new.get("value") != old.get("value"):
        errs.forbidden("value", "may not be changed in an update.")
    if new.get("preemptionPolicy") != old.get("preemptionPolicy"):
        errs.immutable("preemptionPolicy", new.get("preemptionPolicy"))


def _validate_pdb(pdb: Obj, errs: _Errs) -> None:
    validate_object_meta(pdb.get("metadata"), True, m.name_is_dns_subdomain, errs)
    spec = pdb.get("spec") or {}
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        errs.invalid(
            "spec", go_value(dict(spec)), "minAvailable and maxUnavailable cannot be both set"
        )
    for key in ("minAvailable", "maxUnavailable"):
        if spec.get(key) is not None:
            _int_or_percent(spec[key], f"spec.{key}", errs)
    validate_label_selector(spec.get("selector"), "spec.selector", errs)
    up = spec.get("unhealthyPodEvictionPolicy")
    if up is not None and up not in ("AlwaysAllow", "IfHealthyBudget"):
        errs.not_supported(
            "spec.unhealthyPodEvictionPolicy", up, ["AlwaysAllow", "IfHealthyBudget"]
        )


def _validate_runtime_class(rc: Obj, errs: _Errs) -> None:
    validate_object_meta(rc.get("metadata"), False, m.name_is_dns_subdomain, errs)
    handler = rc.get("handler") or ""
    if not handler:
        errs.required("handler")
    for msg in m.is_dns1123_label(str(handler)) if handler else ():
        errs.invalid("handler", handler, msg)
    _resource_list((rc.get("overhead") or {}).get("podFixed"), "overhead.podFixed", errs)
    sched = rc.get("scheduling") or {}
    validate_labels(sched.get("nodeSelector"), "scheduling.nodeSelector", errs)
    _validate_tolerations(sched.get("tolerations"), "scheduling.tolerations", errs)


def _validate_runtime_class_update(new: Obj, old: Obj, errs: _Errs) -> None:
    if new.get("handler") != old.get("handler"):
        errs.immutable("handler", new.get("handler"))


_QUOTA_SCOPES = [
    "BestEffort",
    "CrossNamespacePodAffinity",
    "NotBestEffort",
    "NotTerminating",
    "PriorityClass",
    "Terminating",
    "VolumeAttributesClass",
]


def _validate_quota(rq: Obj, errs: _Errs) -> None:
    validate_object_meta(rq.get("metadata"), True, m.name_is_dns_subdomain, errs)
    spec = rq.get("spec") or {}
    _resource_list(spec.get("hard"), "spec.hard", errs, _validate_quota_resource_name)
    for i, scope in enumerate(spec.get("scopes") or ()):
        if scope not in _QUOTA_SCOPES:
            errs.not_supported(f"spec.scopes[{i}]", scope, _QUOTA_SCOPES)
    status = rq.get("status") or {}
    _resource_list(status.get("hard"), "status.hard", errs, _validate_quota_resource_name)
    _resource_list(status.get("used"), "status.used", errs, _validate_quota_resource_name)


def _validate_limit_range(lr: Obj, errs: _Errs) -> None:
    validate_object_meta(lr.get("metadata"), True, m.name_is_dns_subdomain, errs)
    types = ["Container", "Pod", "PersistentVolumeClaim"]
    for i, item in enumerate((lr.get("spec") or {}).get("limits") or ()):
        p = f"spec.limits[{i}]"
        if not isinstance(item, Mapping):
            continue
        t = item.get("type") or ""
        if t not in types:
            errs.not_supported(f"{p}.type", t, types)
        check = (
            _validate_container_resource_name
            if t in ("Container", "Pod")
            else _validate_resource_name
        )
        lists = {
            k: _resource_list(item.get(k), f"{p}.{k}", errs, check)
            for k in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")
        }
        for res, mx in lists["max"].items():
            mn = lists["min"].get(res)
            if mn is not None and mn > mx:
                errs.invalid(
                    f"{p}.min[{res}]", str(mn), f"min value {mn} is greater than max value {mx}"
                )
            d = lists["default"].get(res)
            if d is not None and d > mx:
                errs.invalid(
                    f"{p}.default[{res}]",
                    str(d),
                    f"default value {d} is greater than max value {mx}",
                )
        if t == "Pod" and (lists["default"] or lists["defaultRequest"]):
            errs.forbidden(f"{p}.default", "may not be specified when `type` is 'Pod'")


def _validate_hpa(hpa: Obj, errs: _Errs) -> None:
    validate_object_meta(hpa.get("metadata"), True, m.validate_path_segment_name, errs)
    spec = hpa.get("spec") or {}
    ref = spec.get("scaleTargetRef") or {}
    if not ref.get("kind"):
        errs.required("spec.scaleTargetRef.kind")
    if not ref.get("name"):
        errs.required("spec.scaleTargetRef.name")
    mn = spec.get("minReplicas")
    mx = spec.get("maxReplicas")
    if mn is not None and (not _is_int(mn) or mn < 1):
        errs.invalid("spec.minReplicas", mn, "must be greater than or equal to 1")
    if not _is_int(mx) or mx < 1:
        errs.invalid("spec.maxReplicas", mx, "must be greater than 0")
    elif _is_int(mn) and mx < mn:
        errs.invalid("spec.maxReplicas", mx, "must be greater than or equal to `minReplicas`")
    types = ["ContainerResource", "External", "Object", "Pods", "Resource"]
    for i, metric in enumerate(spec.get("metrics") or ()):
        p = f"spec.metrics[{i}]"
        t = (metric or {}).get("type") or ""
        if t not in types:
            errs.not_supported(f"{p}.type", t, types)
            continue
        src = {
            "ContainerResource": "containerResource",
            "External": "external",
            "Object": "object",
            "Pods": "pods",
            "Resource": "resource",
        }[t]
        if not (metric or {}).get(src):
            errs.required(
                f"{p}.{src}", f"must populate information for the given metric source (type {t})"
            )


def _validate_service_account(sa: Obj, errs: _Errs) -> None:
    validate_object_meta(sa.get("metadata"), True, m.name_is_dns_subdomain, errs)


def _validate_binding(b: Obj, errs: _Errs) -> None:
    validate_object_meta(b.get("metadata"), True, m.name_is_dns_subdomain, errs)
    target = b.get("target") or {}
    if not target.get("name"):
        errs.required("target.name")
    if target.get("kind") and target["kind"] != "Node":
        errs.not_supported("target.kind", target["kind"], ["Node", "<empty>"])


def _validate_scale(s: Obj, errs: _Errs) -> None:
    errs.nonneg("spec.replicas", (s.get("spec") or {}).get("replicas"))


def _validate_eviction(e: Obj, errs: _Errs) -> None:
    if not (e.get("metadata") or {}).get("name"):
        errs.required("metadata.name", "name or generateName is required")


# --------------------------------------------------------------------------------------------
# dispatch

_CREATE: dict[tuple[str, str], Callable[[Obj, _Errs], None]] = {
    ("v1", "Pod"): _validate_pod,
    ("v1", "Node"): _validate_node,
    ("v1", "Service"): _validate_service,
    ("v1", "Endpoints"): _validate_endpoints,
    ("v1", "ReplicationController"): _validate_rc,
    ("v1", "ConfigMap"): _validate_configmap,
    ("v1", "Secret"): _validate_secret,
    ("v1", "Namespace"): _validate_namespace,
    ("v1", "Event"): _validate_event,
    ("v1", "ResourceQuota"): _validate_quota,
    ("v1", "LimitRange"): _validate_limit_range,
    ("v1", "ServiceAccount"): _validate_service_account,
    ("v1", "Binding"): _validate_binding,
    ("apps/v1", "Deployment"): _validate_deployment,
    ("apps/v1", "ReplicaSet"): _validate_replicaset,
    ("apps/v1", "DaemonSet"): _validate_daemonset,
    ("apps/v1", "StatefulSet"): _validate_statefulset,
    ("batch/v1", "Job"): _validate_job,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): _validate_hpa,
    ("autoscaling/v1", "Scale"): _validate_scale,
    ("events.k8s.io/v1", "Event"): _validate_events_v1,
    ("coordination.k8s.io/v1", "Lease"): _validate_lease,
    ("scheduling.k8s.io/v1", "PriorityClass"): _validate_priority_class,
    ("policy/v1", "PodDisruptionBudget"): _validate_pdb,
    ("policy/v1", "Eviction"): _validate_eviction,
    ("node.k8s.io/v1", "RuntimeClass"): _validate_runtime_class,
}

_UPDATE: dict[tuple[str, str], tuple[Callable[[Obj, Obj, _Errs], None], ...]] = {
    ("v1", "Pod"): (_validate_pod_update,),
    ("v1", "Node"): (_validate_node_update,),
    ("v1", "Service"): (_validate_service_update,),
    ("v1", "ConfigMap"): (_validate_immutable_data,),
    ("v1", "Secret"): (_validate_secret_update,),
    ("apps/v1", "Deployment"): (_selector_immutable,),
    ("apps/v1", "ReplicaSet"): (_selector_immutable,),
    ("apps/v1", "DaemonSet"): (_selector_immutable,),
    ("apps/v1", "StatefulSet"): (_selector_immutable, _validate_statefulset_update),
    ("batch/v1", "Job"): (_selector_immutable, _validate_job_update),
    ("scheduling.k8s.io/v1", "PriorityClass"): (_validate_priority_class_update,),
    ("node.k8s.io/v1", "RuntimeClass"): (_validate_runtime_class_update,),
}


def _group_of(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def _errs_for(obj: Obj) -> _Errs:
    api_version = str(obj.get("apiVersion") or "")
    return _Errs(str(obj.get("kind") or ""), _name_of(obj), _group_of(api_version))


def validate_create(obj: Obj) -> None:
    """Validate a new object.

    Raises
    ------
    Invalid
        With every offending field in ``details.causes``.
    """
    errs = _errs_for(obj)
    fn = _CREATE.get((str(obj.get("apiVersion") or ""), str(obj.get("kind") or "")))
    if fn is not None:
        fn(obj, errs)
    errs.raise_if_any()


def validate_update(new: Obj, old: Obj) -> None:
    """Validate an update of ``old`` to ``new`` (the new object in full, plus transition rules).

    Raises
    ------
    Invalid
        With every offending field in ``details.causes``.
    """
    errs = _errs_for(new)
    key = (str(new.get("apiVersion") or ""), str(new.get("kind") or ""))
    fn = _CREATE.get(key)
    if fn is not None:
        fn(new, errs)
    _validate_object_meta_update(new.get("metadata"), old.get("metadata"), errs)
    for upd in _UPDATE.get(key, ()):
        upd(new, old, errs)
    errs.raise_if_any()
