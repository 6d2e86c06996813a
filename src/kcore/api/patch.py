"""Patch engines: JSON patch, JSON merge patch, strategic merge patch and server-side apply.

* :func:`apply_json_patch` - RFC 6902 (``add``, ``remove``, ``replace``, ``move``, ``copy``,
  ``test``); a failed operation raises ``Invalid`` (422) as the apiserver does.
* :func:`apply_merge_patch` - RFC 7386: objects merge recursively, ``null`` deletes, anything
  else (lists included) replaces.
* :func:`apply_strategic_merge_patch` - Kubernetes' strategic merge patch, driven by the schemas'
  ``patch_strategy``/``patch_merge_key``: containers merge by ``name``, container ports by
  ``containerPort``, env by ``name``, ``finalizers`` as a set, and the directives
  ``$patch: replace|delete|merge``, ``$deleteFromPrimitiveList/<f>``, ``$setElementOrder/<f>``
  and ``$retainKeys``. Unknown kinds are refused with 415, as upstream does for custom types.
* :func:`server_side_apply` and :func:`update_managed_fields` - field ownership in
  ``metadata.managedFields`` (``FieldsV1`` sets per manager and operation), conflicts reported
  as ``409 Conflict`` with one cause per field (``conflict with "kubectl" using apps/v1``),
  ``force`` to take ownership, removal of fields a manager stopped applying, list merging by the
  schemas' ``list_type``/``map_keys``.

Every function returns a new object; inputs are never modified. Annotations (including
``kubectl.kubernetes.io/last-applied-configuration``) are plain map entries and round-trip
untouched.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from kcore.api import schema
from kcore.api.defaults import deep_copy
from kcore.api.errors import (
    BadRequest,
    Conflict,
    Invalid,
    StatusCause,
    StatusDetails,
    UnsupportedMediaType,
)

__all__ = [
    "FieldSet",
    "apply_json_patch",
    "apply_merge_patch",
    "apply_strategic_merge_patch",
    "create_merge_patch",
    "fields_of",
    "server_side_apply",
    "update_managed_fields",
]

Obj = dict[str, Any]

# --------------------------------------------------------------------------------------------
# JSON patch (RFC 6902)

_REJECTED = "the server rejected our request due to an error in our request"


def _patch_error(detail: str) -> Invalid:
    return Invalid(
        _REJECTED,
        details=StatusDetails(causes=(StatusCause("UnexpectedServerResponse", detail),)),
    )


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str):
        msg = f"invalid JSON pointer: {path!r}"
        raise BadRequest(msg)
    if path == "":
        return []
    if not path.startswith("/"):
        msg = f'JSON pointer must be empty or start with a "/": {path}'
        raise BadRequest(msg)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(token: str, size: int, path: str, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return size
    if not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        raise _patch_error(f"invalid array index {token!r} in path {path!r}")
    i = int(token)
    if i > size or (i == size and not allow_end):
        raise _patch_error(f"unable to access invalid index: {i} in path {path!r}")
    return i


def _parent(doc: Any, tokens: list[str], path: str) -> Any:
    cur = doc
    for t in tokens[:-1]:
        if isinstance(cur, dict):
            if t not in cur:
                raise _patch_error(f"doc is missing path: {path!r}: missing value")
            cur = cur[t]
        elif isinstance(cur, list):
            cur = cur[_index(t, len(cur), path, allow_end=False)]
        else:
            raise _patch_error(f"doc is missing path: {path!r}: missing value")
    return cur


def _get(doc: Any, path: str) -> Any:
    tokens = _pointer(path)
    if not tokens:
        return doc
    parent = _parent(doc, tokens, path)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise _patch_error(f"doc is missing path: {path!r}: missing value")
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(last, len(parent), path, allow_end=False)]
    raise _patch_error(f"doc is missing path: {path!r}: missing value")


def _add(doc: Any, path: str, value: Any) -> Any:
    tokens = _pointer(path)
    if not tokens:
        return value
    parent = _parent(doc, tokens, path)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(last, len(parent), path, allow_end=True), value)
    else:
        raise _patch_error(f"add operation does not apply: doc is missing path: {path!r}")
    return doc


def _remove(doc: Any, path: str, op: str = "remove") -> Any:
    tokens = _pointer(path)
    if not tokens:
        raise _patch_error(f"{op} operation does not apply: doc is missing path: {path!r}")
    parent = _parent(doc, tokens, path)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise _patch_error(f"Unable to remove nonexistent key: {last}: missing value")
        del parent[last]
    elif isinstance(parent, list):
        del parent[_index(last, len(parent), path, allow_end=False)]
    else:
        raise _patch_error(f"{op} operation does not apply: doc is missing path: {path!r}")
    return doc


def apply_json_patch(current: Mapping[str, Any], ops: Any) -> Any:
    """Apply an RFC 6902 JSON patch to a copy of ``current``.

    Raises
    ------
    BadRequest
        The patch is not a list of operation objects.
    Invalid
        An operation does not apply (missing path, failed ``test``), as HTTP 422.
    """
    if not isinstance(ops, list):
        msg = "json patch must be a JSON array of operations"
        raise BadRequest(msg)
    doc: Any = deep_copy(dict(current))
    for op in ops:
        if not isinstance(op, Mapping):
            msg = "json patch operations must be objects"
            raise BadRequest(msg)
        kind = op.get("op")
        path = str(op.get("path", ""))
        if kind in ("add", "replace", "test") and "value" not in op:
            raise _patch_error(f"{kind} operation missing value")
        if kind == "add":
            doc = _add(doc, path, deep_copy(op["value"]))
        elif kind == "remove":
            doc = _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)  # must exist
            tokens = _pointer(path)
            if not tokens:
                doc = deep_copy(op["value"])
            else:
                parent = _parent(doc, tokens, path)
                if isinstance(parent, list):
                    parent[_index(tokens[-1], len(parent), path, allow_end=False)] = deep_copy(
                        op["value"]
                    )
                else:
                    parent[tokens[-1]] = deep_copy(op["value"])
        elif kind in ("move", "copy"):
            src = str(op.get("from", ""))
            value = deep_copy(_get(doc, src))
            if kind == "move":
                if path.startswith(src + "/"):
                    raise _patch_error(f"move operation can not move a value into itself: {src!r}")
                doc = _remove(doc, src, "move")
            doc = _add(doc, path, value)
        elif kind == "test":
            actual = _get(doc, path)
            expected = op["value"]
            both_numbers = all(
                isinstance(x, (int, float)) and not isinstance(x, bool) for x in (actual, expected)
            )
            if actual != expected or (type(actual) is not type(expected) and not both_numbers):
                raise _patch_error(f"testing value {path} failed: test failed")
        else:
            msg = f"Unexpected kind: {kind}"
            raise BadRequest(msg)
    return doc


# --------------------------------------------------------------------------------------------
# JSON merge patch (RFC 7386)


def _merge(target: Any, patch: Any) -> Any:
    if not isinstance(patch, Mapping):
        return deep_copy(patch)
    out: dict[str, Any] = dict(target) if isinstance(target, Mapping) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = _merge(out.get(k), v)
    return out


def apply_merge_patch(current: Mapping[str, Any], patch: Any) -> Any:
    """Apply an RFC 7386 merge patch to a copy of ``current``."""
    return _merge(deep_copy(dict(current)), patch)


def create_merge_patch(original: Any, modified: Any) -> Any:
    """The RFC 7386 merge patch turning ``original`` into ``modified``."""
    if not isinstance(original, Mapping) or not isinstance(modified, Mapping):
        return deep_copy(modified)
    out: dict[str, Any] = {}
    for k in original:
        if k not in modified:
            out[k] = None
    for k, v in modified.items():
        if k not in original:
            out[k] = deep_copy(v)
        elif original[k] != v:
            out[k] = create_merge_patch(original[k], v)
    return out


# --------------------------------------------------------------------------------------------
# schema navigation shared by SMP and SSA


def _child_ref(ref: str | None, key: str) -> tuple[schema.Field | None, str | None]:
    """Field metadata and type of ``key`` under a type reference (``None``: schemaless)."""
    if ref is None:
        return None, None
    if ref.startswith("map["):
        return None, ref[4:-1]
    if not schema.is_object_ref(ref):
        return None, None
    t = schema.lookup(ref)
    fl = t.by_name.get(key)
    if fl is None:
        return None, None
    return fl, fl.type


def _root_ref(obj: Mapping[str, Any]) -> str | None:
    t = schema.kind_for(str(obj.get("apiVersion") or ""), str(obj.get("kind") or ""))
    return t.name if t is not None else None


def _is_atomic(ref: str | None, fl: schema.Field | None) -> bool:
    if fl is not None and fl.map_type == "atomic":
        return True
    if ref is not None and schema.is_object_ref(ref):
        return schema.lookup(ref).struct_type == "atomic"
    return False


# --------------------------------------------------------------------------------------------
# strategic merge patch

_UNKNOWN_FORMAT = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
)
_SEO = "$setElementOrder/"
_DFPL = "$deleteFromPrimitiveList/"


def _merge_key_value(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, Mapping) else None


def _smp_list(
    original: list[Any], patch: list[Any], fl: schema.Field | None, ref: str | None
) -> list[Any] | None:
    strategy = (fl.patch_strategy or "") if fl else ""
    if "merge" not in strategy.split(","):
        return [deep_copy(x) for x in patch if not (isinstance(x, Mapping) and "$patch" in x)]
    mkey = fl.patch_merge_key if fl else None
    elem = ref[2:] if ref and ref.startswith("[]") else None
    if any(isinstance(x, Mapping) and x.get("$patch") == "replace" for x in patch):
        return [deep_copy(x) for x in patch if not (isinstance(x, Mapping) and "$patch" in x)]
    if not mkey:
        out = [deep_copy(x) for x in original]
        for x in patch:
            if x not in out:
                out.append(deep_copy(x))
        return out
    out = [deep_copy(x) for x in original]
    for item in patch:
        if not isinstance(item, Mapping):
            msg = f"merging an object in json but data type is not map, value: {item!r}"
            raise BadRequest(msg)
        kv = item.get(mkey)
        if kv is None:
            msg = f"map: {dict(item)} does not contain declared merge key: {mkey}"
            raise BadRequest(msg)
        idx = next((i for i, x in enumerate(out) if _merge_key_value(x, mkey) == kv), None)
        directive = item.get("$patch")
        if directive == "delete":
            out = [x for x in out if _merge_key_value(x, mkey) != kv]
            continue
        body = {k: v for k, v in item.items() if k != "$patch"} if directive == "merge" else item
        if idx is None:
            merged = _smp_map({}, body, elem)
            if merged is not None:
                out.append(merged)
        elif directive == "replace":
            out[idx] = {k: deep_copy(v) for k, v in item.items() if k != "$patch"}
        else:
            merged = _smp_map(out[idx], body, elem)
            if merged is None:
                del out[idx]
            else:
                out[idx] = merged
    return out


def _order(items: list[Any], order: list[Any], mkey: str | None) -> list[Any]:
    def key_of(x: Any) -> Any:
        return json.dumps(_merge_key_value(x, mkey) if mkey else x, sort_keys=True)

    pos = {key_of(o): i for i, o in enumerate(order)}
    ranked = [x for x in items if key_of(x) in pos]
    ranked.sort(key=lambda x: pos[key_of(x)])
    rest = iter(ranked)
    # listed items take the listed order in their slots; others keep their positions
    return [next(rest) if key_of(x) in pos else x for x in items]


def _smp_map(original: Any, patch: Mapping[str, Any], ref: str | None) -> Any:
    directive = patch.get("$patch")
    if directive == "delete":
        return None
    if directive == "replace":
        return {k: deep_copy(v) for k, v in patch.items() if k != "$patch"}
    if directive not in (None, "merge"):
        msg = f"Unknown patch type: {directive}"
        raise BadRequest(msg)
    out: dict[str, Any] = dict(original) if isinstance(original, Mapping) else {}
    retain = patch.get("$retainKeys")
    if isinstance(retain, list):
        keep = set(retain)
        out = {k: v for k, v in out.items() if k in keep}
    orders: dict[str, list[Any]] = {}
    for k, v in patch.items():
        if k in ("$patch", "$retainKeys"):
            continue
        if k.startswith(_SEO):
            if isinstance(v, list):
                orders[k[len(_SEO) :]] = v
            continue
        if k.startswith(_DFPL):
            name = k[len(_DFPL) :]
            if isinstance(out.get(name), list) and isinstance(v, list):
                out[name] = [x for x in out[name] if x not in v]
            continue
        fl, cref = _child_ref(ref, k)
        if v is None:
            out.pop(k, None)
            continue
        cur = out.get(k)
        if (
            isinstance(v, Mapping)
            and not _is_atomic(cref, fl)
            and (cref is None or not (fl is not None and fl.patch_strategy == "replace"))
        ):
            merged = _smp_map(cur, v, cref)
            if merged is None:
                out.pop(k, None)
            else:
                out[k] = merged
        elif isinstance(v, list) and isinstance(cur, list):
            merged_list = _smp_list(cur, v, fl, cref)
            if merged_list is None:
                out.pop(k, None)
            else:
                out[k] = merged_list
        elif isinstance(v, list):
            out[k] = _smp_list([], v, fl, cref)
        else:
            out[k] = deep_copy(v)
    for name, order in orders.items():
        if isinstance(out.get(name), list):
            fl, _ = _child_ref(ref, name)
            out[name] = _order(out[name], order, fl.patch_merge_key if fl else None)
    return out


def apply_strategic_merge_patch(current: Mapping[str, Any], patch: Any) -> Any:
    """Apply a strategic merge patch to a copy of ``current`` (a built-in kind).

    Raises
    ------
    UnsupportedMediaType
        The object's kind has no schema (custom types do not support strategic merge).
    BadRequest
        The patch is not an object, or a list element lacks its merge key.
    """
    if not isinstance(patch, Mapping):
        msg = "strategic merge patch must be a JSON object"
        raise BadRequest(msg)
    ref = _root_ref(current) or _root_ref(patch)
    if ref is None:
        raise UnsupportedMediaType(_UNKNOWN_FORMAT)
    out = _smp_map(deep_copy(dict(current)), patch, ref)
    return out if out is not None else {}


# --------------------------------------------------------------------------------------------
# field sets (FieldsV1) and server-side apply

FieldPath = tuple[str, ...]
FieldSet = set[FieldPath]

_IGNORED_TOP = frozenset({"apiVersion", "kind"})
_IGNORED_META = frozenset(
    {
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
        "selfLink",
    }
)


def _key_token(item: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    return "k:" + json.dumps({k: item.get(k) for k in keys}, separators=(",", ":"))


def _walk(
    value: Any, ref: str | None, fl: schema.Field | None, prefix: FieldPath, out: FieldSet
) -> None:
    if isinstance(value, Mapping) and value and not _is_atomic(ref, fl):
        for k, v in value.items():
            cfl, cref = _child_ref(ref, k)
            _walk(v, cref, cfl, (*prefix, f"f:{k}"), out)
        return
    if isinstance(value, list) and fl is not None and fl.list_type in ("map", "set") and value:
        elem = ref[2:] if ref and ref.startswith("[]") else None
        if fl.list_type == "set":
            for x in value:
                out.add((*prefix, "v:" + json.dumps(x, separators=(",", ":"))))
            return
        for item in value:
            if not isinstance(item, Mapping):
                continue
            p = (*prefix, _key_token(item, fl.map_keys))
            out.add((*p, "."))
            for k, v in item.items():
                cfl, cref = _child_ref(elem, k)
                _walk(v, cref, cfl, (*p, f"f:{k}"), out)
        return
    out.add(prefix)


def fields_of(obj: Mapping[str, Any], *, subresource: str = "") -> FieldSet:
    """The leaf field paths set in ``obj`` (what a manager owns when it writes ``obj``).

    Paths use FieldsV1 tokens: ``f:<field>``, ``k:{"name":"c"}`` for keyed list elements (with a
    ``.`` leaf for the element itself) and ``v:<json>`` for set members. Identity fields
    (apiVersion, kind, metadata.name/namespace/uid/...) are left out; ``status`` is only included
    for the ``status`` subresource and only it then.
    """
    ref = _root_ref(obj)
    out: FieldSet = set()
    for k, v in obj.items():
        if k in _IGNORED_TOP:
            continue
        if (subresource == "status") != (k == "status"):
            continue
        fl, cref = _child_ref(ref, k)
        if k == "metadata" and isinstance(v, Mapping):
            for mk, mv in v.items():
                if mk in _IGNORED_META:
                    continue
                mfl, mref = _child_ref(cref, mk)
                _walk(mv, mref, mfl, ("f:metadata", f"f:{mk}"), out)
            continue
        _walk(v, cref, fl, (f"f:{k}",), out)
    return out


def _to_trie(fields: FieldSet) -> dict[str, Any]:
    trie: dict[str, Any] = {}
    for path in sorted(fields):
        node = trie
        for tok in path:
            node = node.setdefault(tok, {})
    return trie


def _from_trie(trie: Any, prefix: FieldPath = ()) -> FieldSet:
    out: FieldSet = set()
    if not isinstance(trie, Mapping):
        return out
    for k, v in trie.items():
        p = (*prefix, k)
        if k == "." or not v:
            out.add(p)
        else:
            out |= _from_trie(v, p)
    return out


def _human_path(path: FieldPath) -> str:
    out = ""
    for tok in path:
        if tok == ".":
            continue
        kind, _, body = tok.partition(":")
        if kind == "f":
            out += "." + body
        elif kind == "k":
            try:
                keys = json.loads(body)
            except ValueError:
                keys = {}
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]"
        elif kind == "v":
            out += f"[={body}]"
        else:
            out += f"[{body}]"
    return out


def _value_at(obj: Any, path: FieldPath) -> tuple[bool, Any]:
    cur = obj
    for tok in path:
        if tok == ".":
            return True, None
        kind, _, body = tok.partition(":")
        if kind == "f":
            if not isinstance(cur, Mapping) or body not in cur:
                return False, None
            cur = cur[body]
        elif kind == "k":
            if not isinstance(cur, list):
                return False, None
            keys = json.loads(body)
            cur = next(
                (
                    x
                    for x in cur
                    if isinstance(x, Mapping) and all(x.get(a) == b for a, b in keys.items())
                ),
                None,
            )
            if cur is None:
                return False, None
        elif kind == "v":
            if not isinstance(cur, list) or json.loads(body) not in cur:
                return False, None
            return True, json.loads(body)
    return True, cur


def _remove_path(obj: Any, path: FieldPath) -> None:
    """Delete the field or list element at ``path`` (no-op when absent)."""
    if not path:
        return
    if path[-1] == ".":
        path = path[:-1]
    parent_ok, parent = _value_at(obj, path[:-1])
    if not parent_ok:
        return
    kind, _, body = path[-1].partition(":")
    if kind == "f" and isinstance(parent, dict):
        parent.pop(body, None)
    elif kind == "k" and isinstance(parent, list):
        keys = json.loads(body)
        parent[:] = [
            x
            for x in parent
            if not (isinstance(x, Mapping) and all(x.get(a) == b for a, b in keys.items()))
        ]
    elif kind == "v" and isinstance(parent, list):
        val = json.loads(body)
        parent[:] = [x for x in parent if x != val]


def _merge_ordered(
    lhs: list[Any],
    rhs: list[Any],
    key: Callable[[Any], str],
    merge: Callable[[Any, Any], Any],
) -> list[Any]:
    """Merge two associative lists as structured-merge-diff does (since v4.2).

    Items of ``rhs`` (the applied configuration) come out in ``rhs`` order; items only in
    ``lhs`` (the live object) keep their place relative to the shared items around them.
    """
    lkeys = [key(x) for x in lhs]
    rkeys = [key(x) for x in rhs]
    lmap: dict[str, Any] = {}
    for k, x in zip(lkeys, lhs, strict=True):
        lmap.setdefault(k, x)
    rmap = dict(zip(rkeys, rhs, strict=True))
    shared = iter([k for k in rkeys if k in lmap])
    next_shared = next(shared, None)
    merged: set[str] = set()
    out: list[Any] = []
    li = ri = 0
    while li < len(lkeys) or ri < len(rkeys):
        if li < len(lkeys) and ri < len(rkeys):
            pe = lkeys[li]
            if pe == rkeys[ri]:
                merged.add(pe)
                out.append(merge(lmap[pe], rmap[pe]))
                li += 1
                ri += 1
                next_shared = next(shared, None)
                continue
            if pe in rmap and next_shared is not None and next_shared != pe:
                li += 1  # a shared item, but not the one due in this round
                continue
        if li < len(lkeys):
            pe = lkeys[li]
            if pe not in rmap:
                out.append(deep_copy(lhs[li]))
                li += 1
                continue
            if pe in merged:
                li += 1
                continue
        if ri < len(rkeys):
            pe = rkeys[ri]
            merged.add(pe)
            out.append(merge(lmap.get(pe), rmap[pe]))
            ri += 1
            if next_shared is not None and next_shared == pe:
                next_shared = next(shared, None)
    return out


def _ssa_merge(live: Any, config: Any, ref: str | None, fl: schema.Field | None) -> Any:
    if isinstance(config, Mapping) and isinstance(live, Mapping) and not _is_atomic(ref, fl):
        out = dict(live)
        for k, v in config.items():
            cfl, cref = _child_ref(ref, k)
            out[k] = _ssa_merge(live.get(k), v, cref, cfl) if k in live else deep_copy(v)
        return out
    if isinstance(config, list) and isinstance(live, list) and fl is not None:
        if fl.list_type == "set":
            return _merge_ordered(
                live,
                config,
                lambda x: json.dumps(x, sort_keys=True),
                lambda _lv, cv: deep_copy(cv),
            )
        if fl.list_type == "map" and fl.map_keys:
            elem = ref[2:] if ref and ref.startswith("[]") else None
            keys = fl.map_keys
            live_items = [x for x in live if isinstance(x, Mapping)]
            config_items = [x for x in config if isinstance(x, Mapping)]
            return _merge_ordered(
                live_items,
                config_items,
                lambda x: _key_token(x, keys),
                lambda lv, cv: deep_copy(cv) if lv is None else _ssa_merge(lv, cv, elem, None),
            )
    return deep_copy(config)


def _format_time(now: float) -> str:
    return datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entries(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    md = obj.get("metadata") or {}
    return [dict(e) for e in md.get("managedFields") or () if isinstance(e, Mapping)]


def _entry_key(e: Mapping[str, Any]) -> tuple[str, str, str]:
    return (
        str(e.get("manager") or ""),
        str(e.get("operation") or ""),
        str(e.get("subresource") or ""),
    )


def _print_manager(e: Mapping[str, Any]) -> str:
    out = json.dumps(str(e.get("manager") or ""))
    if e.get("subresource"):
        out += f" with subresource {json.dumps(e['subresource'])}"
    if e.get("operation") == "Update":
        if e.get("time"):
            return f"{out} using {e.get('apiVersion')} at {e['time']}"
        return f"{out} using {e.get('apiVersion')}"
    return out


def _set_entries(obj: Obj, entries: list[dict[str, Any]]) -> None:
    md = obj.setdefault("metadata", {})
    kept = [e for e in entries if e.get("fieldsV1")]
    if kept:
        md["managedFields"] = kept
    else:
        md.pop("managedFields", None)


def _entry(  # noqa: PLR0917
    manager: str, operation: str, api_version: str, now: float, fields: FieldSet, sub: str
) -> dict[str, Any]:
    e: dict[str, Any] = {
        "manager": manager,
        "operation": operation,
        "apiVersion": api_version,
        "time": _format_time(now),
        "fieldsType": "FieldsV1",
        "fieldsV1": _to_trie(fields),
    }
    if sub:
        e["subresource"] = sub
    return e


def _covers(owned: FieldSet, path: FieldPath) -> bool:
    """Whether ``owned`` has ``path`` or anything below it."""
    n = len(path)
    return any(p[:n] == path for p in owned)


def server_side_apply(
    current: Mapping[str, Any],
    config: Any,
    *,
    manager: str,
    force: bool = False,
    now: float = 0.0,
    subresource: str = "",
) -> Obj:
    """Apply ``config`` for ``manager`` to ``current`` (``{}`` when the object does not exist).

    Returns the merged object with ``metadata.managedFields`` updated: ``manager`` owns exactly
    the fields of ``config`` (operation ``Apply``); fields it applied before and dropped now are
    removed unless another manager owns them.

    Raises
    ------
    BadRequest
        ``config`` is not an object, or no ``fieldManager`` was given.
    Conflict
        Fields whose value would change are owned by other managers and ``force`` is false;
        ``details.causes`` names each field and manager.
    """
    if not manager:
        msg = "PATCH, application/apply-patch+yaml requests must have a fieldManager"
        raise BadRequest(msg)
    if not isinstance(config, Mapping):
        msg = "an apply patch must be a single object"
        raise BadRequest(msg)
    live = deep_copy(dict(current))
    api_version = str(config.get("apiVersion") or live.get("apiVersion") or "")
    ref = _root_ref(config) or _root_ref(live)
    applied = fields_of(config, subresource=subresource)
    entries = _entries(live)
    me = (manager, "Apply", subresource)
    previous: FieldSet = set()
    others: list[tuple[dict[str, Any], FieldSet]] = []
    for e in entries:
        fs = _from_trie(e.get("fieldsV1"))
        if _entry_key(e) == me:
            previous = fs
        else:
            others.append((e, fs))
    conflicts: list[tuple[dict[str, Any], FieldPath]] = []
    for e, fs in others:
        for path in sorted(applied & fs):
            if path and path[-1] == ".":
                continue
            has_live, live_v = _value_at(live, path)
            _, new_v = _value_at(config, path)
            if isinstance(new_v, Mapping) and not new_v:
                continue  # an empty map or struct only asserts presence
            if has_live and live_v != new_v:
                conflicts.append((e, path))
    if conflicts and not force:
        causes = tuple(
            StatusCause(
                "FieldManagerConflict", f"conflict with {_print_manager(e)}", _human_path(p)
            )
            for e, p in conflicts
        )
        if len(conflicts) == 1:
            e, p = conflicts[0]
            message = (
                f"Apply failed with 1 conflict: conflict with {_print_manager(e)}: {_human_path(p)}"
            )
        else:
            by_manager: dict[str, list[str]] = {}
            for e, p in conflicts:
                by_manager.setdefault(_print_manager(e), []).append(_human_path(p))
            lines: list[str] = []
            for m in sorted(by_manager):
                lines.append(f"conflicts with {m}:")
                lines.extend(f"- {p}" for p in by_manager[m])
            message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
        raise Conflict(message, details=StatusDetails(causes=causes))
    merged = _ssa_merge(live, {k: v for k, v in config.items() if k != "metadata"}, ref, None)
    if not isinstance(merged, dict):
        merged = {}
    cfg_md = config.get("metadata")
    if isinstance(cfg_md, Mapping):
        md_fl, md_ref = _child_ref(ref, "metadata")
        md = _ssa_merge(
            live.get("metadata") or {},
            {k: v for k, v in cfg_md.items() if k not in ("managedFields", "resourceVersion")},
            md_ref,
            md_fl,
        )
        merged["metadata"] = md
    owned_by_others: FieldSet = set()
    taken = {p for _, p in conflicts}
    new_entries: list[dict[str, Any]] = []
    for e, fs in others:
        remaining = fs - taken if force else fs
        owned_by_others |= remaining
        new_entries.append({**e, "fieldsV1": _to_trie(remaining)} if remaining != fs else e)
    targets = {p[:-1] if p[-1] == "." else p for p in previous - applied}
    removed: list[FieldPath] = []
    owned = owned_by_others | applied
    for target in sorted(targets, key=lambda p: (len(p), p)):  # shallowest first
        if any(target[: len(r)] == r for r in removed):
            continue
        if not _covers(owned_by_others, target) and not _covers(applied, target):
            _remove_path(merged, target)
            removed.append(target)
            # A map or list emptied by the removal becomes null (structured-merge-diff), so the
            # parent key goes too, unless someone owns it as a value of its own (``labels: {}``).
            parent = target[:-1]
            has, value = _value_at(merged, parent)
            if (
                parent
                and parent[-1].startswith("f:")
                and has
                and isinstance(value, (dict, list))
                and not value
                and parent not in owned
                and (*parent, ".") not in owned
            ):
                _remove_path(merged, parent)
                removed.append(parent)
    mine = _entry(manager, "Apply", api_version, now, applied, subresource)
    old_index = next((i for i, e in enumerate(entries) if _entry_key(e) == me), None)
    if old_index is None:
        new_entries.append(mine)
    else:
        new_entries.insert(min(old_index, len(new_entries)), mine)
    _set_entries(merged, new_entries)
    return merged


def update_managed_fields(
    new: Obj,
    old: Mapping[str, Any] | None,
    *,
    manager: str,
    operation: str = "Update",
    now: float = 0.0,
    subresource: str = "",
) -> None:
    """Record a non-apply write by ``manager`` in ``new``'s managedFields (in place).

    Fields that the write added or changed move to ``manager``'s ``Update`` entry (an update
    always wins); fields it removed leave every entry. ``new`` should carry ``old``'s
    managedFields (the registry copies them; an incoming list replaces them, as upstream).
    """
    if not manager:
        return
    before = fields_of(old, subresource=subresource) if old else set()
    after = fields_of(new, subresource=subresource)
    changed: FieldSet = set()
    for path in after:
        if path not in before:
            changed.add(path)
            continue
        if path[-1] == ".":
            continue
        _, a = _value_at(new, path)
        _, b = _value_at(old, path)
        if a != b:
            changed.add(path)
    removed = before - after
    entries = (
        _entries(new) if (new.get("metadata") or {}).get("managedFields") else _entries(old or {})
    )
    me = (manager, operation, subresource)
    out: list[dict[str, Any]] = []
    mine: FieldSet = set()
    my_index: int | None = None
    for e in entries:
        fs = _from_trie(e.get("fieldsV1"))
        if _entry_key(e) == me:
            mine = fs
            my_index = len(out)
            out.append(e)
            continue
        remaining = fs - changed - removed
        out.append({**e, "fieldsV1": _to_trie(remaining)} if remaining != fs else e)
    mine = (mine - removed) | changed
    api_version = str(new.get("apiVersion") or "")
    if not mine and my_index is None:
        _set_entries(new, out)
        return
    entry = _entry(manager, operation, api_version, now, mine, subresource)
    if my_index is None:
        out.append(entry)
    else:
        if not changed and not (removed & mine):
            entry["time"] = out[my_index].get("time", entry["time"])
        out[my_index] = entry
    _set_entries(new, out)
