"""Decoding of Kubernetes protobuf request bodies (``application/vnd.kubernetes.protobuf``).

kubectl 1.32's typed clients (``kubectl create deployment|namespace|configmap|secret|service|
job|priorityclass|quota|serviceaccount|poddisruptionbudget ...``) send objects as protobuf: the
magic ``k8s\\x00``, then a ``runtime.Unknown`` message (``typeMeta {apiVersion, kind}``, ``raw``,
``contentEncoding``, ``contentType``) whose ``raw`` bytes are the object's own message.

:func:`decode` turns such a body into the same dict the JSON form would give. It is a small
generic wire-format reader driven by the schemas (:mod:`kcore.api.schema`) and the field numbers
in :mod:`kcore.api._protonums`; well-known types are mapped to their JSON forms (``Time`` to
RFC 3339, ``Quantity`` and ``IntOrString`` to their scalar, ``RawExtension``/``FieldsV1`` and
free-form fields to their embedded JSON, or to the decoded object when a ``RawExtension`` carries
a protobuf-enveloped one, ``bytes`` to base64), Go embedded structs (a volume's source, a probe's
handler, a key selector's name) are inlined as JSON does, wrapped lists (``Verbs``) are unwrapped,
packed and unpacked repeated scalars are both read. Zero values that
gogo-protobuf writes for non-pointer fields (``""``, ``0``, ``false``, empty messages) are
dropped, except for required fields and fields that are pointers in Go (``replicas: 0``).
Unknown field numbers are skipped, as protobuf readers do.
"""

from __future__ import annotations

import base64
import json
import struct
from datetime import UTC, datetime
from functools import cache
from typing import Any

from kcore.api import schema
from kcore.api._protonums import INLINE, NUMBERS, WRAPPED
from kcore.api.errors import BadRequest

__all__ = ["MAGIC", "decode", "decode_message"]

MAGIC = b"k8s\x00"

# Fields that are pointers in Go: a zero value on the wire was set on purpose.
_POINTER_FIELDS = frozenset(
    {
        "replicas",
        "minReplicas",
        "parallelism",
        "completions",
        "backoffLimit",
        "backoffLimitPerIndex",
        "maxFailedIndexes",
        "activeDeadlineSeconds",
        "terminationGracePeriodSeconds",
        "revisionHistoryLimit",
        "progressDeadlineSeconds",
        "ttlSecondsAfterFinished",
        "automountServiceAccountToken",
        "enableServiceLinks",
        "suspend",
        "manualSelector",
        "optional",
        "immutable",
        "hostUsers",
        "setHostnameAsFQDN",
        "shareProcessNamespace",
        "privileged",
        "runAsUser",
        "runAsGroup",
        "runAsNonRoot",
        "readOnlyRootFilesystem",
        "allowPrivilegeEscalation",
        "fsGroup",
        "defaultMode",
        "mode",
        "expirationSeconds",
        "tolerationSeconds",
        "priority",
        "gracePeriodSeconds",
        "started",
        "allocateLoadBalancerNodePorts",
        "leaseDurationSeconds",
        "leaseTransitions",
        "timeoutSeconds",
        "partition",
        "minDomains",
        "deletionGracePeriodSeconds",
        "controller",
        "blockOwnerDeletion",
        "orphanDependents",
        "stabilizationWindowSeconds",
        "averageUtilization",
        "succeededCount",
        "signal",
        "start",
        "remainingItemCount",
        "deprecatedCount",
        "minAvailable",
        "maxUnavailable",
        "maxSurge",
        "hostProcess",
        "capacity",
    }
)
# Strings that are pointers in Go: an empty string on the wire was set on purpose
# (``storageClassName: ""`` turns dynamic provisioning off).
_POINTER_STRINGS = frozenset({"storageClassName", "volumeAttributesClassName"})
# Keep empty messages for these (an empty source still selects a volume type).
_KEEP_EMPTY = frozenset(
    {
        *(kv.partition("=")[0] for kv in INLINE["io.k8s.api.core.v1.Volume"][0][1].split()),
        "securityContext",
    }
)

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5


class _Field:
    """How one field number of a message decodes.

    ``inline`` is set for a Go embedded struct (its own numbers, fields of the parent);
    ``wrapped`` is the item number inside the wrapper message of a wrapped list (``Verbs``).
    """

    __slots__ = ("field", "inline", "name", "ref", "wrapped")

    def __init__(
        self,
        name: str,
        ref: str,
        field: schema.Field | None,
        inline: dict[int, _Field] | None,
        wrapped: int = 0,
    ) -> None:
        self.name = name
        self.ref = ref
        self.field = field
        self.inline = inline
        self.wrapped = wrapped


def _parse_numbers(spec: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for kv in spec.split():
        k, _, v = kv.partition("=")
        out[k] = int(v)
    return out


@cache
def _table(type_name: str) -> dict[int, _Field]:
    t = schema.lookup(type_name)
    out: dict[int, _Field] = {}
    wrapped = WRAPPED.get(t.name, {})
    for name, num in _parse_numbers(NUMBERS.get(t.name, "")).items():
        fl = t.by_name.get(name)
        if fl is not None:
            out[num] = _Field(name, fl.type, fl, None, wrapped.get(name, 0))
    for num, spec in INLINE.get(t.name, ()):
        inner: dict[int, _Field] = {}
        for name, n in _parse_numbers(spec).items():
            fl = t.by_name.get(name)
            if fl is not None:
                inner[n] = _Field(name, fl.type, fl, None)
        out[num] = _Field("", "", None, inner)
    return out


# --------------------------------------------------------------------------------------------
# wire format


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= len(data):
            msg = "protobuf: truncated varint"
            raise BadRequest(msg)
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            msg = "protobuf: varint overflow"
            raise BadRequest(msg)


def _fields(data: bytes) -> list[tuple[int, int, Any]]:
    """(number, wire type, value) for each field: ints for varints, bytes for the rest."""
    out: list[tuple[int, int, Any]] = []
    pos = 0
    n = len(data)
    while pos < n:
        key, pos = _varint(data, pos)
        num, wt = key >> 3, key & 7
        if num == 0:
            msg = "protobuf: illegal field number 0"
            raise BadRequest(msg)
        if wt == _VARINT:
            v, pos = _varint(data, pos)
            out.append((num, wt, v))
        elif wt == _LEN:
            ln, pos = _varint(data, pos)
            if pos + ln > n:
                msg = "protobuf: truncated length-delimited field"
                raise BadRequest(msg)
            out.append((num, wt, data[pos : pos + ln]))
            pos += ln
        elif wt == _I64:
            if pos + 8 > n:
                msg = "protobuf: truncated fixed64"
                raise BadRequest(msg)
            out.append((num, wt, data[pos : pos + 8]))
            pos += 8
        elif wt == _I32:
            if pos + 4 > n:
                msg = "protobuf: truncated fixed32"
                raise BadRequest(msg)
            out.append((num, wt, data[pos : pos + 4]))
            pos += 4
        else:
            msg = f"protobuf: unsupported wire type {wt}"
            raise BadRequest(msg)
    return out


def _signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _text(b: Any) -> str:
    if not isinstance(b, bytes):
        msg = "protobuf: expected a length-delimited string"
        raise BadRequest(msg)
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError as err:
        msg = "protobuf: invalid UTF-8 in a string field"
        raise BadRequest(msg) from err


# --------------------------------------------------------------------------------------------
# values

_ZERO_TIME = -62135596800  # Go's zero time.Time in Unix seconds


def _time(b: bytes, micro: bool) -> str | None:
    secs = nanos = 0
    for num, wt, v in _fields(b):
        if wt != _VARINT:
            continue
        if num == 1:
            secs = _signed(v, 64)
        elif num == 2:
            nanos = _signed(v, 32)
    if (secs == 0 and nanos == 0) or secs == _ZERO_TIME:
        return None
    dt = datetime.fromtimestamp(secs, tz=UTC)
    if micro:
        return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos // 1000:06d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(b: bytes) -> str:
    ns = 0
    for num, wt, v in _fields(b):
        if num == 1 and wt == _VARINT:
            ns = _signed(v, 64)
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    h, rem = divmod(ns, 3600 * 10**9)
    m, rem = divmod(rem, 60 * 10**9)
    s = rem / 10**9
    out = f"{h}h" if h else ""
    if h or m:
        out += f"{m}m"
    out += f"{s:g}s"
    return sign + out


def _well_known(ref: str, wt: int, v: Any) -> Any:
    if wt != _LEN:
        msg = f"protobuf: {ref} must be a message"
        raise BadRequest(msg)
    if ref == "Quantity":
        for num, fwt, fv in _fields(v):
            if num == 1 and fwt == _LEN:
                return _text(fv)
        return None
    if ref == "IntOrString":
        typ, ival, sval = 0, 0, ""
        for num, fwt, fv in _fields(v):
            if num == 1 and fwt == _VARINT:
                typ = fv
            elif num == 2 and fwt == _VARINT:
                ival = _signed(fv, 32)
            elif num == 3 and fwt == _LEN:
                sval = _text(fv)
        return sval if typ == 1 else ival
    if ref in ("Time", "MicroTime"):
        return _time(v, ref == "MicroTime")
    if ref == "Duration":
        return _duration(v)
    # RawExtension, FieldsV1 and free-form "object" fields (apiextensions JSON has the same
    # shape): a message whose field 1 holds the raw bytes: JSON, or an embedded object in the
    # k8s protobuf envelope (a RawExtension written by a protobuf client).
    for num, fwt, fv in _fields(v):
        if num == 1 and fwt == _LEN and fv:
            return _raw(ref, fv)
    return None


def _raw(ref: str, raw: bytes) -> Any:
    if raw.startswith(MAGIC) and ref != "FieldsV1":
        return decode(raw)
    try:
        return json.loads(raw)
    except ValueError as err:
        msg = f"protobuf: {ref} does not hold JSON or an embedded protobuf object"
        raise BadRequest(msg) from err


def _scalar(ref: str, wt: int, v: Any) -> Any:
    if ref == "string":
        return _text(v)
    if ref == "byte":
        if not isinstance(v, bytes):
            msg = "protobuf: expected bytes"
            raise BadRequest(msg)
        return base64.b64encode(v).decode("ascii")
    if ref == "boolean":
        return bool(v) if wt == _VARINT else None
    if ref == "int32":
        return _signed(v, 32) if wt == _VARINT else None
    if ref == "int64":
        return _signed(v, 64) if wt == _VARINT else None
    if ref == "double":
        if wt == _I64:
            return struct.unpack("<d", v)[0]
        return None
    return None


def _unpacked(ref: str, wt: int, v: Any) -> list[Any]:
    """Values of one occurrence of a repeated scalar field (packed or not)."""
    if wt == _LEN and ref in ("int32", "int64", "boolean"):
        out: list[Any] = []
        pos = 0
        while pos < len(v):
            x, pos = _varint(v, pos)
            out.append(_scalar(ref, _VARINT, x))
        return out
    if wt == _LEN and ref == "double":
        return [struct.unpack("<d", v[i : i + 8])[0] for i in range(0, len(v), 8)]
    return [_scalar(ref, wt, v)]


def _value(ref: str, wt: int, v: Any) -> Any:
    if ref in schema.SCALARS:
        return _scalar(ref, wt, v)
    if ref in schema.WELL_KNOWN:
        return _well_known(ref, wt, v)
    if wt != _LEN:
        msg = f"protobuf: field of type {ref} must be a message"
        raise BadRequest(msg)
    return decode_message(ref, v)


def _keep(name: str, fl: schema.Field | None, value: Any) -> bool:
    if value is None:
        return False
    required = fl is not None and fl.required
    if isinstance(value, bool):
        return value or required or name in _POINTER_FIELDS
    if isinstance(value, int):
        return value != 0 or required or name in _POINTER_FIELDS
    if isinstance(value, str):
        return value != "" or required or name in _POINTER_STRINGS
    if isinstance(value, (dict, list)):
        return bool(value) or name in _KEEP_EMPTY
    return True


def _decode_into(out: dict[str, Any], table: dict[int, _Field], data: bytes) -> None:
    for num, wt, v in _fields(data):
        f = table.get(num)
        if f is None:
            continue
        if f.inline is not None:
            if wt == _LEN:
                _decode_into(out, f.inline, v)
            continue
        ref = f.ref
        if f.wrapped:
            if wt != _LEN:
                continue
            lst = out.setdefault(f.name, [])
            for inum, iwt, iv in _fields(v):
                if inum == f.wrapped:
                    lst.extend(_unpacked(ref[2:], iwt, iv))
            continue
        if ref.startswith("[]"):
            elem = ref[2:]
            lst = out.setdefault(f.name, [])
            if elem in schema.SCALARS:
                lst.extend(_unpacked(elem, wt, v))
            else:
                item = _value(elem, wt, v)
                lst.append(item if item is not None else {})
        elif ref.startswith("map["):
            elem = ref[4:-1]
            if wt != _LEN:
                continue
            key = ""
            val: Any = None
            for enum_, ewt, ev in _fields(v):
                if enum_ == 1 and ewt == _LEN:
                    key = _text(ev)
                elif enum_ == 2:
                    val = _value(elem, ewt, ev)
            if val is None:
                val = "" if elem in ("string", "byte", "Quantity") else {}
            out.setdefault(f.name, {})[key] = val
        else:
            out[f.name] = _value(ref, wt, v)


def decode_message(type_name: str, data: bytes) -> dict[str, Any]:
    """Decode one message of schema type ``type_name`` into its JSON dict."""
    out: dict[str, Any] = {}
    _decode_into(out, _table(type_name), data)
    t = schema.lookup(type_name)
    return {k: v for k, v in out.items() if _keep(k, t.by_name.get(k), v)}


def decode(body: bytes) -> dict[str, Any]:
    """Decode a ``k8s\\x00``-enveloped protobuf request body into a JSON-shaped dict.

    Raises
    ------
    BadRequest
        The body lacks the magic, is malformed, names a kind kcore does not serve, or carries a
        content encoding (compression) that is not supported.
    """
    if not body.startswith(MAGIC):
        msg = "provided object is not a Kubernetes protobuf message: missing the k8s magic"
        raise BadRequest(msg)
    api_version = kind = ""
    raw = b""
    encoding = ""
    for num, wt, v in _fields(body[len(MAGIC) :]):
        if num == 1 and wt == _LEN:
            for tnum, twt, tv in _fields(v):
                if tnum == 1 and twt == _LEN:
                    api_version = _text(tv)
                elif tnum == 2 and twt == _LEN:
                    kind = _text(tv)
        elif num == 2 and wt == _LEN:
            raw = v
        elif num == 3 and wt == _LEN:
            encoding = _text(v)
    if encoding:
        msg = f"protobuf: unsupported content encoding {encoding!r}"
        raise BadRequest(msg)
    t = schema.kind_for(api_version, kind)
    if t is None:
        msg = f'no kind "{kind}" is registered for version "{api_version}"'
        raise BadRequest(msg)
    obj = decode_message(t.name, raw)
    return {"apiVersion": api_version, "kind": kind, **obj}
