"""OpenAPI v2 and v3 documents generated from the schemas in :mod:`kcore.api.schema`.

* :func:`openapi_v3_index` is ``GET /openapi/v3``: one entry per served group-version, each with
  a ``serverRelativeURL`` whose ``hash`` changes whenever the document changes (kubectl caches by
  URL);
* :func:`openapi_v3_document` is ``GET /openapi/v3/api/v1`` or ``/openapi/v3/apis/<g>/<v>``:
  the paths of that group-version (with ``x-kubernetes-group-version-kind`` and
  ``x-kubernetes-action`` on every operation, and the ``fieldValidation``/``fieldManager``/
  ``dryRun``/``force`` query parameters that make kubectl rely on server-side validation) and
  every component schema they reach;
* :func:`openapi_v2` is the same as one Swagger 2.0 document.

Schemas carry descriptions (``kubectl explain``), ``required``, ``enum``, defaults and the
Kubernetes extensions (``x-kubernetes-group-version-kind`` as a list on kinds,
``x-kubernetes-patch-merge-key``/``-patch-strategy``, ``x-kubernetes-list-type``/
``-list-map-keys``, ``x-kubernetes-map-type``). The well-known scalars are written as the real
server writes them, so ``kubectl explain`` prints the same types: in v3 ``IntOrString`` is
``oneOf`` integer/string with format ``int-or-string`` and ``Quantity`` ``oneOf`` string/number
(kubectl shows ``<IntOrString>`` and ``<Quantity>``); in v2 both are format-tagged strings.

The strategic-merge-patch content type is left out of the PATCH request bodies on purpose: when it
is absent kubectl computes client-side-apply patches from its compiled-in Go types, which are
complete for every built-in kind.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from kcore.api import schema
from kcore.api.resources import RESOURCES, SUBRESOURCE_KINDS, ResourceInfo

__all__ = [
    "component_name",
    "group_versions",
    "openapi_v2",
    "openapi_v3_document",
    "openapi_v3_index",
    "schema_for",
]

_TITLE = "Kubernetes"
_VERSION = "v1.32.4"

_WELL_KNOWN_NAMES = {
    "Quantity": "io.k8s.apimachinery.pkg.api.resource.Quantity",
    "IntOrString": "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    "Time": "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
    "MicroTime": "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
    "RawExtension": "io.k8s.apimachinery.pkg.runtime.RawExtension",
    "FieldsV1": "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1",
}

_WELL_KNOWN_SCHEMAS: dict[str, dict[str, Any]] = {
    "Quantity": {
        "description": "A fixed-point representation of a number, such as 100m (0.1), 1Gi or "
        "1.5e3, used for resource amounts.",
        "oneOf": [{"type": "string"}, {"type": "number"}],
    },
    "IntOrString": {
        "description": "A value that can be an integer or a string (e.g. a port number or "
        "name, a count or a percentage).",
        "format": "int-or-string",
        "oneOf": [{"type": "integer"}, {"type": "string"}],
    },
    "Time": {
        "description": "An RFC 3339 date and time, e.g. 2025-01-02T15:04:05Z.",
        "type": "string",
        "format": "date-time",
    },
    "MicroTime": {
        "description": "An RFC 3339 date and time with microseconds.",
        "type": "string",
        "format": "date-time",
    },
    "RawExtension": {
        "description": "An embedded object of any kind.",
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
    },
    "FieldsV1": {
        "description": "A set of fields in the FieldsV1 trie format.",
        "type": "object",
    },
}

# Swagger 2.0 has no ``oneOf``: there, as upstream's /openapi/v2, both are typed strings.
_WELL_KNOWN_SCHEMAS_V2: dict[str, dict[str, Any]] = {
    "Quantity": {"description": _WELL_KNOWN_SCHEMAS["Quantity"]["description"], "type": "string"},
    "IntOrString": {
        "description": _WELL_KNOWN_SCHEMAS["IntOrString"]["description"],
        "type": "string",
        "format": "int-or-string",
    },
}

_SCALAR_SCHEMAS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "int32": {"type": "integer", "format": "int32"},
    "int64": {"type": "integer", "format": "int64"},
    "boolean": {"type": "boolean"},
    "double": {"type": "number", "format": "double"},
    "byte": {"type": "string", "format": "byte"},
    "Duration": {"type": "string"},
    "object": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
}


def component_name(type_ref: str) -> str:
    """The OpenAPI component name of a type reference."""
    if type_ref in _WELL_KNOWN_NAMES:
        return _WELL_KNOWN_NAMES[type_ref]
    return schema.lookup(type_ref).name


def _ref(type_ref: str, v3: bool) -> str:
    prefix = "#/components/schemas/" if v3 else "#/definitions/"
    return prefix + component_name(type_ref)


def _type_schema(type_ref: str, v3: bool, refs: set[str]) -> dict[str, Any]:
    if type_ref in _SCALAR_SCHEMAS:
        return dict(_SCALAR_SCHEMAS[type_ref])
    if type_ref.startswith("[]"):
        return {"type": "array", "items": _type_schema(type_ref[2:], v3, refs)}
    if type_ref.startswith("map["):
        return {"type": "object", "additionalProperties": _type_schema(type_ref[4:-1], v3, refs)}
    refs.add(type_ref)
    return {"$ref": _ref(type_ref, v3)}


def _field_schema(fl: schema.Field, v3: bool, refs: set[str]) -> dict[str, Any]:
    out = _type_schema(fl.type, v3, refs)
    if "$ref" in out and v3:
        out = {"allOf": [out]}
        if fl.type not in _WELL_KNOWN_NAMES:
            out["default"] = {}
    if fl.description:
        out["description"] = fl.description
    if fl.default is not None and not isinstance(fl.default, dict):
        out["default"] = fl.default
    if fl.enum:
        out["enum"] = list(fl.enum)
    if fl.list_type:
        out["x-kubernetes-list-type"] = fl.list_type
    if fl.map_keys:
        out["x-kubernetes-list-map-keys"] = list(fl.map_keys)
    if fl.patch_merge_key:
        out["x-kubernetes-patch-merge-key"] = fl.patch_merge_key
    if fl.patch_strategy:
        out["x-kubernetes-patch-strategy"] = fl.patch_strategy
    if fl.map_type:
        out["x-kubernetes-map-type"] = fl.map_type
    return out


def schema_for(t: schema.ObjectType, v3: bool = True) -> tuple[dict[str, Any], set[str]]:
    """The OpenAPI schema of an object type and the type references it uses."""
    refs: set[str] = set()
    props = {fl.name: _field_schema(fl, v3, refs) for fl in t.fields}
    out: dict[str, Any] = {"description": t.description, "type": "object", "properties": props}
    required = [fl.name for fl in t.fields if fl.required]
    if required:
        out["required"] = required
    if t.gvk:
        g, v, k = t.gvk
        out["x-kubernetes-group-version-kind"] = [{"group": g, "kind": k, "version": v}]
    if t.struct_type:
        out["x-kubernetes-map-type"] = t.struct_type
    return out, refs


def _components(roots: set[str], v3: bool) -> dict[str, Any]:
    """Schemas of ``roots`` and everything they reach, keyed by component name."""
    out: dict[str, Any] = {}
    todo = list(roots)
    seen: set[str] = set()
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        if ref in _WELL_KNOWN_SCHEMAS:
            wk = _WELL_KNOWN_SCHEMAS if v3 else {**_WELL_KNOWN_SCHEMAS, **_WELL_KNOWN_SCHEMAS_V2}
            out[_WELL_KNOWN_NAMES[ref]] = json.loads(json.dumps(wk[ref]))
            continue
        t = schema.lookup(ref)
        sch, refs = schema_for(t, v3)
        out[t.name] = sch
        todo.extend(refs - seen)
    return dict(sorted(out.items()))


# --------------------------------------------------------------------------------------------
# paths


def group_versions() -> list[str]:
    """``api/v1``, ``apis/apps/v1``, ... for every served group-version."""
    gvs: list[str] = []
    for r in RESOURCES:
        gv = f"api/{r.version}" if not r.group else f"apis/{r.group}/{r.version}"
        if gv not in gvs:
            gvs.append(gv)
    return gvs


def _camel(s: str) -> str:
    parts = s.replace("-", ".").split(".")
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


def _op_group(r: ResourceInfo) -> str:
    if not r.group:
        return f"Core{_camel(r.version)}"
    g = r.group.removesuffix(".k8s.io")
    return f"{_camel(g)}{_camel(r.version)}"


_Q = {"in": "query", "schema": {"type": "string"}}


def _param(
    name: str, desc: str, v3: bool, *, type_: str = "string", loc: str = "query"
) -> dict[str, Any]:
    p: dict[str, Any] = {"name": name, "in": loc, "description": desc, "uniqueItems": True}
    if loc == "path":
        p["required"] = True
    if v3:
        p["schema"] = {"type": type_}
    else:
        p["type"] = type_
    return p


def _common_write_params(v3: bool, patch: bool = False) -> list[dict[str, Any]]:
    params = [
        _param("dryRun", "When present (All), modifications are not persisted.", v3),
        _param(
            "fieldManager",
            "A name associated with the actor or entity that is making these changes.",
            v3,
        ),
        _param(
            "fieldValidation",
            "How the server handles unknown or duplicate fields: Ignore, Warn or Strict.",
            v3,
        ),
    ]
    if patch:
        params.append(
            _param(
                "force",
                "Force apply requests: re-acquire conflicting fields owned by other managers.",
                v3,
                type_="boolean",
            )
        )
    return params


_LIST_PARAMS = (
    ("allowWatchBookmarks", "boolean", "Request watch events with type BOOKMARK."),
    ("continue", "string", "The continue token of a previous paged list."),
    ("fieldSelector", "string", "A selector to restrict the list of returned objects by fields."),
    ("labelSelector", "string", "A selector to restrict the list of returned objects by labels."),
    ("limit", "integer", "The maximum number of responses to return for a list call."),
    ("resourceVersion", "string", "Which resource versions the request may be served from."),
    ("resourceVersionMatch", "string", "How resourceVersion is applied to list calls."),
    ("sendInitialEvents", "boolean", "Start a watch with synthetic events of the current state."),
    ("timeoutSeconds", "integer", "Timeout for the list/watch call."),
    ("watch", "boolean", "Watch for changes to the described resources."),
)


def _response(type_ref: str | None, v3: bool, code: str = "200") -> dict[str, Any]:
    resp: dict[str, Any] = {"description": "OK" if code == "200" else "Created"}
    if type_ref is not None:
        ref = {"$ref": _ref(type_ref, v3)}
        if v3:
            resp["content"] = {
                ct: {"schema": ref}
                for ct in (
                    "application/json",
                    "application/yaml",
                    "application/vnd.kubernetes.protobuf",
                )
            }
        else:
            resp["schema"] = ref
    return resp


def _body(type_ref: str, v3: bool, patch: bool = False) -> Any:
    if patch:
        if v3:
            obj = {"schema": {"type": "object"}}
            return {
                "content": {
                    "application/json-patch+json": obj,
                    "application/merge-patch+json": obj,
                    "application/apply-patch+yaml": obj,
                },
                "required": True,
            }
        return {"name": "body", "in": "body", "required": True, "schema": {"type": "object"}}
    ref = {"$ref": _ref(type_ref, v3)}
    if v3:
        return {"content": {"*/*": {"schema": ref}}, "required": True}
    return {"name": "body", "in": "body", "required": True, "schema": ref}


def _operation(
    action: str,
    op_id: str,
    gvk: tuple[str, str, str],
    v3: bool,
    *,
    params: list[dict[str, Any]] | None = None,
    body: Any = None,
    response: str | None = None,
    code: str = "200",
    description: str = "",
) -> dict[str, Any]:
    op: dict[str, Any] = {"description": description, "operationId": op_id}
    all_params = list(params or [])
    if body is not None:
        if v3:
            op["requestBody"] = body
        else:
            all_params.append(body)
    if all_params:
        op["parameters"] = all_params
    resps = {code: _response(response, v3, code)}
    if code != "200":
        resps["200"] = _response(response, v3)
    resps["401"] = {"description": "Unauthorized"}
    op["responses"] = resps
    op["x-kubernetes-action"] = action
    op["x-kubernetes-group-version-kind"] = {"group": gvk[0], "kind": gvk[2], "version": gvk[1]}
    return op


def _resource_paths(r: ResourceInfo, v3: bool, refs: set[str]) -> dict[str, Any]:
    base = f"/api/{r.version}" if not r.group else f"/apis/{r.group}/{r.version}"
    gvk = (r.group, r.version, r.kind)
    og = _op_group(r)
    kind = r.kind
    ns_part = "Namespaced" if r.namespaced else ""
    coll = (
        f"{base}/namespaces/{{namespace}}/{r.resource}" if r.namespaced else f"{base}/{r.resource}"
    )
    item = f"{coll}/{{name}}"
    kt = _full(r.api_version, kind)
    lt = _full(r.api_version, r.list_kind)
    refs.update((kt, lt, "Status", "DeleteOptions"))
    common = [_param("pretty", "If 'true', the output is pretty printed.", v3)]
    path_params = [_param("name", f"name of the {kind}", v3, loc="path")]
    ns_params = (
        [
            _param(
                "namespace",
                "object name and auth scope, such as for teams and projects",
                v3,
                loc="path",
            )
        ]
        if r.namespaced
        else []
    )
    list_params = [_param(n, d, v3, type_=t) for n, t, d in _LIST_PARAMS]
    out: dict[str, Any] = {}
    coll_ops: dict[str, Any] = {"parameters": ns_params + common}
    if "list" in r.verbs:
        coll_ops["get"] = _operation(
            "list",
            f"list{og}{ns_part}{kind}",
            gvk,
            v3,
            params=list_params,
            response=lt,
            description=f"list or watch objects of kind {kind}",
        )
    if "create" in r.verbs:
        coll_ops["post"] = _operation(
            "post",
            f"create{og}{ns_part}{kind}",
            gvk,
            v3,
            params=_common_write_params(v3),
            body=_body(kt, v3),
            response=kt,
            code="201",
            description=f"create a {kind}",
        )
    if "deletecollection" in r.verbs:
        coll_ops["delete"] = _operation(
            "deletecollection",
            f"deleteCollection{og}{ns_part}{kind}",
            gvk,
            v3,
            params=list_params,
            response="Status",
            description=f"delete collection of {kind}",
        )
    out[coll] = coll_ops
    item_ops: dict[str, Any] = {"parameters": path_params + ns_params + common}
    if "get" in r.verbs:
        item_ops["get"] = _operation(
            "get",
            f"read{og}{ns_part}{kind}",
            gvk,
            v3,
            response=kt,
            description=f"read the specified {kind}",
        )
    if "update" in r.verbs:
        item_ops["put"] = _operation(
            "put",
            f"replace{og}{ns_part}{kind}",
            gvk,
            v3,
            params=_common_write_params(v3),
            body=_body(kt, v3),
            response=kt,
            description=f"replace the specified {kind}",
        )
    if "patch" in r.verbs:
        item_ops["patch"] = _operation(
            "patch",
            f"patch{og}{ns_part}{kind}",
            gvk,
            v3,
            params=_common_write_params(v3, patch=True),
            body=_body(kt, v3, patch=True),
            response=kt,
            description=f"partially update the specified {kind}",
        )
    if "delete" in r.verbs:
        item_ops["delete"] = _operation(
            "delete",
            f"delete{og}{ns_part}{kind}",
            gvk,
            v3,
            params=[
                _param("dryRun", "When present (All), modifications are not persisted.", v3),
                _param(
                    "gracePeriodSeconds",
                    "The duration in seconds before the object should be deleted.",
                    v3,
                    type_="integer",
                ),
                _param(
                    "propagationPolicy",
                    "Whether and how garbage collection will be "
                    "performed: Orphan, Background or Foreground.",
                    v3,
                ),
            ],
            response="Status",
            description=f"delete a {kind}",
        )
    out[item] = item_ops
    if r.namespaced and "list" in r.verbs:
        out[f"{base}/{r.resource}"] = {
            "parameters": common,
            "get": _operation(
                "list",
                f"list{og}{kind}ForAllNamespaces",
                gvk,
                v3,
                params=list_params,
                response=lt,
                description=f"list or watch objects of kind {kind}",
            ),
        }
    for sub in r.subresources:
        sub_path = f"{item}/{sub}"
        sub_params = {"parameters": path_params + ns_params + common}
        cap = _camel(sub)
        if sub == "status":
            out[sub_path] = {
                **sub_params,
                **_read_replace_patch(
                    f"{og}{ns_part}{kind}Status", gvk, kt, f"status of the specified {kind}", v3
                ),
            }
        elif sub in SUBRESOURCE_KINDS:
            av, skind = SUBRESOURCE_KINDS[sub]
            sg, _, sv = av.rpartition("/")
            sgvk = (sg, sv, skind)
            st = _full(av, skind)
            refs.add(st)
            if sub == "scale":
                out[sub_path] = {
                    **sub_params,
                    **_read_replace_patch(
                        f"{og}{ns_part}{kind}Scale", sgvk, st, f"scale of the specified {kind}", v3
                    ),
                }
            else:
                out[sub_path] = {
                    **sub_params,
                    "post": _operation(
                        "post",
                        f"create{og}{ns_part}{kind}{cap}",
                        sgvk,
                        v3,
                        params=_common_write_params(v3),
                        body=_body(st, v3),
                        response=st,
                        code="201",
                        description=f"create {sub} of a {kind}",
                    ),
                }
    return out


def _read_replace_patch(
    name: str, gvk: tuple[str, str, str], type_ref: str, what: str, v3: bool
) -> dict[str, Any]:
    """The get / put / patch operations of a subresource (``read<name>``, ...) on ``what``."""
    return {
        "get": _operation(
            "get", f"read{name}", gvk, v3, response=type_ref, description=f"read {what}"
        ),
        "put": _operation(
            "put",
            f"replace{name}",
            gvk,
            v3,
            params=_common_write_params(v3),
            body=_body(type_ref, v3),
            response=type_ref,
            description=f"replace {what}",
        ),
        "patch": _operation(
            "patch",
            f"patch{name}",
            gvk,
            v3,
            params=_common_write_params(v3, patch=True),
            body=_body(type_ref, v3, patch=True),
            response=type_ref,
            description=f"partially update {what}",
        ),
    }


def _full(api_version: str, kind: str) -> str:
    t = schema.kind_for(api_version, kind)
    if t is None:
        msg = f"no schema for {api_version} {kind}"
        raise KeyError(msg)
    return t.name


def _resources_of(gv: str) -> list[ResourceInfo]:
    parts = gv.strip("/").split("/")
    if parts[0] == "api" and len(parts) == 2:
        group, version = "", parts[1]
    elif parts[0] == "apis" and len(parts) == 3:
        group, version = parts[1], parts[2]
    else:
        msg = f"unknown group-version {gv!r}"
        raise KeyError(msg)
    rs = [r for r in RESOURCES if r.group == group and r.version == version]
    if not rs:
        msg = f"unknown group-version {gv!r}"
        raise KeyError(msg)
    return rs


def _normalise(refs: set[str]) -> set[str]:
    out: set[str] = set()
    for ref in refs:
        if ref in _WELL_KNOWN_SCHEMAS:
            out.add(ref)
        else:
            out.add(schema.lookup(ref).name)
    return out


@cache
def openapi_v3_document(gv: str) -> dict[str, Any]:
    """The OpenAPI 3.0 document of one group-version (``api/v1``, ``apis/apps/v1``, ...).

    Raises
    ------
    KeyError
        The group-version is not served.
    """
    refs: set[str] = set()
    paths: dict[str, Any] = {}
    for r in _resources_of(gv):
        paths.update(_resource_paths(r, True, refs))
    return {
        "openapi": "3.0.0",
        "info": {"title": _TITLE, "version": _VERSION},
        "paths": paths,
        "components": {"schemas": _components(_normalise(refs), True)},
    }


def _hash(doc: dict[str, Any]) -> str:
    data = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha512(data).hexdigest().upper()


@cache
def openapi_v3_index() -> dict[str, Any]:
    """``GET /openapi/v3``: the group-versions with hash-versioned document URLs."""
    return {
        "paths": {
            gv: {"serverRelativeURL": f"/openapi/v3/{gv}?hash={_hash(openapi_v3_document(gv))}"}
            for gv in group_versions()
        }
    }


@cache
def openapi_v2() -> dict[str, Any]:
    """The whole API as one Swagger 2.0 document (``GET /openapi/v2`` with a JSON Accept)."""
    refs: set[str] = set()
    paths: dict[str, Any] = {}
    for r in RESOURCES:
        paths.update(_resource_paths(r, False, refs))
    return {
        "swagger": "2.0",
        "info": {"title": _TITLE, "version": _VERSION},
        "paths": paths,
        "definitions": _components(_normalise(refs), False),
    }
