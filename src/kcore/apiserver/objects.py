"""Small helpers for JSON object dicts on the request path: copies, metadata access, checks.

Objects handed to and by the store are immutable by contract; the registry therefore copies what
it changes. :func:`json_copy` is the deep copy used for request bodies (an ``orjson`` round trip,
several times faster than ``copy.deepcopy`` for JSON data); everything else copies shallowly
along the path it modifies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from kcore.api.errors import BadRequest
from kcore.util.clock import rfc3339

if TYPE_CHECKING:
    from collections.abc import Mapping


def json_copy(obj: Any) -> Any:
    """A deep copy of JSON-compatible data.

    Raises :class:`BadRequest` if ``obj`` holds something JSON cannot represent.
    """
    try:
        return orjson.loads(orjson.dumps(obj))
    except (TypeError, orjson.JSONEncodeError) as err:
        msg = f"the object is not valid JSON data: {err}"
        raise BadRequest(msg) from err


_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_SET = (0x8000 << 48) | (4 << 76)


def uuid4_from_bits(bits: int) -> str:
    """``str(uuid.UUID(int=bits, version=4))`` for a 128-bit ``bits``, without the object."""
    h = "%032x" % ((bits & _UUID_CLEAR) | _UUID_SET)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class SecondStamps:
    """:func:`~kcore.util.clock.rfc3339` with the formatted second cached: writes come in
    bursts within one second, and formatting a datetime costs more than the rest of stamping.

    Thread-safe (the cache is one tuple, replaced atomically). Times that could round into
    the next second, and times before the epoch, are formatted directly.
    """

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: tuple[int, str] = (-1, "")

    def __call__(self, ts: float) -> str:
        second = int(ts)
        if ts < 0 or ts - second >= 0.999999:
            return rfc3339(ts)
        cached = self._cache
        if cached[0] == second:
            return cached[1]
        text = rfc3339(float(second))
        self._cache = (second, text)
        return text


def meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """``obj.metadata`` (an empty mapping when absent or malformed)."""
    m = obj.get("metadata")
    return m if isinstance(m, dict) else {}


def name_of(obj: Mapping[str, Any]) -> str:
    n = meta(obj).get("name")
    return n if isinstance(n, str) else ""


def namespace_of(obj: Mapping[str, Any]) -> str:
    n = meta(obj).get("namespace")
    return n if isinstance(n, str) else ""


def resource_version_of(obj: Mapping[str, Any]) -> str:
    rv = meta(obj).get("resourceVersion")
    return rv if isinstance(rv, str) else ""


def with_meta(obj: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """A shallow copy of ``obj`` whose metadata has ``changes`` (``None`` deletes a key)."""
    m = dict(meta(obj))
    for k, v in changes.items():
        if v is None:
            m.pop(k, None)
        else:
            m[k] = v
    out = dict(obj)
    out["metadata"] = m
    return out


_STRING_FIELDS = (
    "name",
    "generateName",
    "namespace",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "deletionTimestamp",
    "selfLink",
)


_NOT_STRING_FIELDS = frozenset(
    {
        "labels",
        "annotations",
        "finalizers",
        "ownerReferences",
        "generation",
        "deletionGracePeriodSeconds",
    }
)


def check_metadata_types(obj: Mapping[str, Any], kind: str, version: str) -> None:
    """Reject metadata of the wrong JSON types before anything reads it (400 BadRequest).

    The messages follow the Go decoder's: ``json: cannot unmarshal number into Go struct field
    ObjectMeta.metadata.name of type string``.
    """
    md = obj.get("metadata")
    if md is None:
        return
    if type(md) is dict:
        # The common case: only plain strings, none of them in a field of another type.
        for k, v in md.items():
            if type(v) is not str or k in _NOT_STRING_FIELDS:
                break
        else:
            return
    kind = f'{kind} in version "{version}" cannot be handled as a {kind}'
    if not isinstance(md, dict):
        _type_error(kind, "metadata", md, "v1.ObjectMeta")
    for f in _STRING_FIELDS:
        v = md.get(f)
        if v is not None and not isinstance(v, str):
            _type_error(kind, f"metadata.{f}", v, "string")
    for f in ("labels", "annotations"):
        v = md.get(f)
        if v is None:
            continue
        if not isinstance(v, dict):
            _type_error(kind, f"metadata.{f}", v, "map[string]string")
        for k, val in v.items():
            if not isinstance(val, str):
                _type_error(kind, f"metadata.{f}", val, "string", key=k)
    fin = md.get("finalizers")
    if fin is not None:
        if not isinstance(fin, list):
            _type_error(kind, "metadata.finalizers", fin, "[]string")
        for v in fin:
            if not isinstance(v, str):
                _type_error(kind, "metadata.finalizers", v, "string")
    refs = md.get("ownerReferences")
    if refs is not None:
        if not isinstance(refs, list):
            _type_error(kind, "metadata.ownerReferences", refs, "[]v1.OwnerReference")
        for ref in refs:
            if not isinstance(ref, dict):
                _type_error(kind, "metadata.ownerReferences", ref, "v1.OwnerReference")
    for f in ("generation", "deletionGracePeriodSeconds"):
        v = md.get(f)
        if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
            _type_error(kind, f"metadata.{f}", v, "int64")


def _json_type(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "null" if v is None else type(v).__name__


def _type_error(kind: str, path: str, value: Any, want: str, *, key: str = "") -> None:
    where = f"{path}[{key!r}]" if key else path
    msg = (
        f"{kind}: json: cannot unmarshal {_json_type(value)} "
        f"into Go struct field ObjectMeta.{where} of type {want}"
    )
    raise BadRequest(msg)
