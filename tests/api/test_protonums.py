"""The protobuf field-number table (``kcore.api._protonums``) against upstream facts.

``fixtures/protobuf/upstream-fields.json`` holds, for every message of the packages kcore
serves, each field's number, protobuf type and (for messages) type name, as compiled into
kubectl 1.32 and 1.33 (the gogo-generated ``generated.pb.go`` files embed every
``generated.proto`` as a gzipped ``FileDescriptorProto``). The file is regenerated with
``python tests/api/test_protonums.py <kubectl binary>...``, and checked against the installed
kubectl binaries when they are present.

Checked here: every number in the table is upstream's for that field; every schema field that
upstream encodes has a number (nothing a client sends is silently dropped); wire types agree with
the schema types; no message in the table is unknown or has duplicate numbers; inline (Go
embedded) structs point at the right nested message.
"""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from kcore.api import schema
from kcore.api._protonums import INLINE, NUMBERS, WRAPPED
from kcore.api.protobuf import _fields

FIXTURE = Path(__file__).parent / "fixtures" / "protobuf" / "upstream-fields.json"
KUBECTLS = {
    "1.32": Path("/usr/lib/google-cloud-sdk/bin/kubectl.1.32"),
    "1.33": Path("/usr/lib/google-cloud-sdk/bin/kubectl.1.33"),
}
PACKAGES = (
    "k8s.io.api.core.v1",
    "k8s.io.api.apps.v1",
    "k8s.io.api.batch.v1",
    "k8s.io.api.autoscaling.v1",
    "k8s.io.api.autoscaling.v2",
    "k8s.io.api.coordination.v1",
    "k8s.io.api.events.v1",
    "k8s.io.api.node.v1",
    "k8s.io.api.policy.v1",
    "k8s.io.api.scheduling.v1",
    "k8s.io.apimachinery.pkg.apis.meta.v1",
    "k8s.io.apimachinery.pkg.runtime",
    "k8s.io.apimachinery.pkg.api.resource",
    "k8s.io.apimachinery.pkg.util.intstr",
)
# FieldDescriptorProto.Type values
_TYPES = {
    1: "double",
    3: "int64",
    5: "int32",
    8: "bool",
    9: "string",
    11: "message",
    12: "bytes",
}
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gogo: gzip.BestCompression


# ----------------------------------------------------------------------------- descriptors


def _text(b: Any) -> str:
    return bytes(b).decode()


def _message(data: bytes, prefix: str, out: dict[str, dict[str, list[Any]]]) -> None:
    name = ""
    fields: dict[str, list[Any]] = {}
    nested: list[bytes] = []
    map_entry = False
    for num, _, v in _fields(data):
        if num == 1:
            name = _text(v)
        elif num == 2:
            fd = {n: val for n, _, val in _fields(v)}
            type_ = _TYPES.get(fd.get(5, 0), str(fd.get(5)))
            fields[_text(fd[1])] = [
                fd[3],
                type_,
                _text(fd.get(6, b"")).lstrip("."),
                fd.get(4) == 3,
            ]
        elif num == 3:
            nested.append(v)
        elif num == 7:
            map_entry = any(n == 7 and val for n, _, val in _fields(v))
    full = f"{prefix}.{name}"
    if map_entry:
        fields["@map"] = [0, "", "", False]
    out[full] = fields
    for n in nested:
        _message(n, full, out)


def descriptors(binary: Path) -> dict[str, dict[str, list[Any]]]:
    """Every message of the ``generated.proto`` files compiled into a kubectl binary."""
    data = binary.read_bytes()
    out: dict[str, dict[str, list[Any]]] = {}
    i = 0
    while (i := data.find(_GZIP_HEADER, i)) >= 0:
        d = zlib.decompressobj(31)
        raw = b""
        pos = i
        try:
            while not d.eof and pos < len(data) and len(raw) < 4_000_000:
                raw += d.decompress(data[pos : pos + 65536])
                pos += 65536
        except zlib.error:
            raw = b""
        i += len(_GZIP_HEADER)
        if not d.eof or not raw:
            continue
        file = {n: v for n, _, v in _fields(raw) if n in (1, 2)}
        if not _text(file.get(1, b"")).endswith("generated.proto"):
            continue
        package = _text(file.get(2, b""))
        if package not in PACKAGES:
            continue
        for n, _, v in _fields(raw):
            if n == 4:
                _message(v, package, out)
    return out


def build_fixture(binaries: dict[str, Path]) -> dict[str, Any]:
    versions = sorted(binaries)
    per_version = {v: descriptors(p) for v, p in binaries.items()}
    latest = per_version[versions[-1]]
    messages: dict[str, dict[str, list[Any]]] = {}
    for mname, fields in sorted(latest.items()):
        out: dict[str, list[Any]] = {}
        for fname, info in fields.items():
            since = next(v for v in versions if fname in per_version[v].get(mname, {}))
            out[fname] = [*info, since]
        messages[mname] = out
    return {
        "source": "FileDescriptorProtos compiled into kubectl "
        + ", ".join(f"{v} ({binaries[v].name})" for v in versions),
        "versions": versions,
        "messages": messages,
    }


def dump_fixture(fx: dict[str, Any]) -> str:
    """JSON with one line per message (reviewable diffs)."""
    head = {k: v for k, v in fx.items() if k != "messages"}
    lines = [json.dumps(head)[:-1] + ', "messages": {']
    items = list(fx["messages"].items())
    for i, (name, fields) in enumerate(items):
        sep = "," if i < len(items) - 1 else ""
        lines.append(f"{json.dumps(name)}: {json.dumps(fields, separators=(',', ':'))}{sep}")
    lines.append("}}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def upstream() -> dict[str, dict[str, list[Any]]]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text())
    return data["messages"]  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- the table

_WELL_KNOWN_MESSAGES = {
    "Quantity": "k8s.io.apimachinery.pkg.api.resource.Quantity",
    "IntOrString": "k8s.io.apimachinery.pkg.util.intstr.IntOrString",
    "Time": "k8s.io.apimachinery.pkg.apis.meta.v1.Time",
    "MicroTime": "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime",
    "Duration": "k8s.io.apimachinery.pkg.apis.meta.v1.Duration",
    "RawExtension": "k8s.io.apimachinery.pkg.runtime.RawExtension",
    "FieldsV1": "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1",
}
_SCALAR_WIRE = {
    "string": "string",
    "int32": "int32",
    "int64": "int64",
    "boolean": "bool",
    "double": "double",
    "byte": "bytes",
}
# Schema types that are not protobuf messages upstream (server-side Table rendering is JSON).
_NOT_PROTO = {
    "io.k8s.apimachinery.pkg.apis.meta.v1.Table",
    "io.k8s.apimachinery.pkg.apis.meta.v1.TableRow",
    "io.k8s.apimachinery.pkg.apis.meta.v1.TableColumnDefinition",
}


def _parse(spec: str) -> list[tuple[str, int]]:
    return [(k, int(v)) for k, _, v in (kv.partition("=") for kv in spec.split())]


def _message_name(type_name: str) -> str:
    return "k8s.io." + type_name.removeprefix("io.k8s.")


def _group(type_name: str) -> str:
    parts = type_name.split(".")
    return parts[3] if type_name.startswith("io.k8s.api.") else "meta"


def _reachable() -> list[schema.ObjectType]:
    """Every schema type reachable from a served kind."""
    seen: dict[str, schema.ObjectType] = {}
    todo = [k.type for k in schema.kinds()]
    while todo:
        t = todo.pop()
        if t.name in seen:
            continue
        seen[t.name] = t
        for fl in t.fields:
            ref = fl.type
            while ref.startswith(("[]", "map[")):
                ref = schema.elem_type(ref)
            if schema.is_object_ref(ref):
                todo.append(schema.lookup(ref))
    return sorted(seen.values(), key=lambda t: t.name)


def _numbered(t: schema.ObjectType) -> dict[str, int]:
    return dict(_parse(NUMBERS.get(t.name, "")))


def _inline_names(t: schema.ObjectType) -> dict[str, tuple[int, int]]:
    return {k: (outer, n) for outer, spec in INLINE.get(t.name, ()) for k, n in _parse(spec)}


def test_table_internally_consistent() -> None:
    """Types exist, names are fields, numbers are unique, referenced messages are numbered."""
    problems: list[str] = []
    for tname, spec in NUMBERS.items():
        try:
            t = schema.lookup(tname)
        except KeyError:
            problems.append(f"{tname}: no such schema type")
            continue
        pairs = _parse(spec)
        nums = [n for _, n in pairs] + [outer for outer, _ in INLINE.get(tname, ())]
        dups = sorted({n for n in nums if nums.count(n) > 1})
        if dups:
            problems.append(f"{tname}: duplicate numbers {dups}")
        for name, _ in pairs:
            fl = t.by_name.get(name)
            if fl is None:
                problems.append(f"{tname}.{name}: not a schema field")
                continue
            ref = schema.elem_type(fl.type)
            if schema.is_object_ref(ref) and schema.lookup(ref).name not in NUMBERS:
                problems.append(f"{tname}.{name}: references {ref}, which has no numbers")
    for tname, inlines in INLINE.items():
        t = schema.lookup(tname)
        inner_nums: list[int] = []
        for _, spec in inlines:
            for name, n in _parse(spec):
                inner_nums.append(n)
                if name not in t.by_name:
                    problems.append(f"{tname} inline {name}: not a schema field")
    for tname, wrapped in WRAPPED.items():
        t = schema.lookup(tname)
        for name in wrapped:
            if name not in t.by_name or name not in _numbered(t):
                problems.append(f"{tname}.{name}: wrapped but not a numbered field")
    for t in _reachable():
        if t.name not in NUMBERS and t.name not in _NOT_PROTO:
            problems.append(f"{t.name}: reachable from a served kind but has no numbers")
    assert not problems, "\n".join(problems)


def test_numbers_are_upstreams(upstream: dict[str, dict[str, list[Any]]]) -> None:
    """Every ``name=number`` in NUMBERS, INLINE and WRAPPED is upstream's, counted per group."""
    wrong: dict[str, list[str]] = {}
    for tname, spec in NUMBERS.items():
        msg = upstream.get(_message_name(tname))
        if msg is None:
            wrong.setdefault(_group(tname), []).append(f"{tname}: no upstream message")
            continue
        for name, n in _parse(spec):
            up = msg.get(name)
            if up is None or up[0] != n:
                got = "absent" if up is None else up[0]
                wrong.setdefault(_group(tname), []).append(f"{tname}.{name}={n}: upstream {got}")
    for tname, inlines in INLINE.items():
        msg = upstream[_message_name(tname)]
        for outer, spec in inlines:
            emb = next((f for f in msg.values() if f[0] == outer), None)
            assert emb is not None, f"{tname}: no field {outer} to inline"
            inner = upstream[emb[2]]
            for name, n in _parse(spec):
                if inner.get(name, [0])[0] != n:
                    wrong.setdefault(_group(tname), []).append(f"{tname} inline {name}={n}")
    for tname, wrapped in WRAPPED.items():
        msg = upstream[_message_name(tname)]
        for name, n in wrapped.items():
            inner = upstream[msg[name][2]]
            assert [f[0] for f in inner.values() if f[3]] == [n], (tname, name)
    assert not wrong, json.dumps(wrong, indent=1)


def test_every_encoded_schema_field_has_a_number(upstream: dict[str, dict[str, list[Any]]]) -> None:
    """A schema field that upstream encodes is never silently dropped from a protobuf body."""
    missing: list[str] = []
    for t in _reachable():
        msg = upstream.get(_message_name(t.name))
        if msg is None:
            continue
        numbered = _numbered(t)
        inline = _inline_names(t)
        embedded = {  # fields of Go embedded structs (encoded as one nested message)
            inner
            for name, info in msg.items()
            if name not in t.by_name and info[1] == "message" and not info[3]
            for inner in upstream.get(info[2], {})
        }
        for fl in t.fields:
            if fl.name in ("apiVersion", "kind") or fl.name in numbered or fl.name in inline:
                continue
            if fl.name in msg or fl.name in embedded:
                missing.append(f"{t.name}.{fl.name}")
    assert not missing, "\n".join(missing)


def test_schema_covers_upstream_fields(upstream: dict[str, dict[str, list[Any]]]) -> None:
    """Every field upstream has (1.32/1.33) is in the schema, directly or through an inline."""
    absent: list[str] = []
    for t in _reachable():
        msg = upstream.get(_message_name(t.name))
        if msg is None:
            continue
        inline_outer = {outer for outer, _ in INLINE.get(t.name, ())}
        for name, info in msg.items():
            if info[0] in inline_outer:
                inner = upstream[info[2]]
                absent.extend(f"{t.name}.{k}" for k in inner if k not in t.by_name)
            elif name not in t.by_name:
                absent.append(f"{t.name}.{name}")
    assert not absent, "\n".join(absent)


def _compatible(ref: str, info: list[Any], upstream: dict[str, dict[str, list[Any]]]) -> bool:
    num, wire, type_name, repeated = info[:4]
    del num
    is_map = wire == "message" and "@map" in upstream.get(type_name, {})
    if ref.startswith("map["):
        if not is_map:
            return False
        value = upstream[type_name]["value"]
        return _compatible(ref[4:-1], [*value[:3], False], upstream)
    if ref.startswith("[]"):
        return repeated and not is_map and _compatible(ref[2:], [*info[:3], False], upstream)
    if repeated:
        return False
    if ref in _SCALAR_WIRE:
        return wire == _SCALAR_WIRE[ref]
    if ref in _WELL_KNOWN_MESSAGES:
        return bool(type_name == _WELL_KNOWN_MESSAGES[ref])
    if ref == "object":
        return False  # a free-form field where upstream has a typed message
    return bool(type_name == _message_name(schema.lookup(ref).name))


def test_wire_types_match_schema_types(upstream: dict[str, dict[str, list[Any]]]) -> None:
    bad: list[str] = []
    for tname, spec in NUMBERS.items():
        t = schema.lookup(tname)
        msg = upstream[_message_name(tname)]
        for name, _ in _parse(spec):
            ref = t.by_name[name].type
            info = msg[name]
            if name in WRAPPED.get(tname, {}):
                inner = upstream[info[2]]
                item = next(iter(inner.values()))
                ok = ref.startswith("[]") and _compatible(ref[2:], [*item[:3], False], upstream)
            else:
                ok = _compatible(ref, info, upstream)
            if not ok:
                bad.append(f"{tname}.{name}: schema {ref}, upstream {info[:4]}")
    for tname, inlines in INLINE.items():
        t = schema.lookup(tname)
        msg = upstream[_message_name(tname)]
        for outer, spec in inlines:
            emb = next(f for f in msg.values() if f[0] == outer)
            inner = upstream[emb[2]]
            for name, _ in _parse(spec):
                if not _compatible(t.by_name[name].type, inner[name], upstream):
                    bad.append(f"{tname} inline {name}: schema {t.by_name[name].type}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("version", sorted(KUBECTLS))
def test_fixture_is_what_kubectl_compiles_in(
    version: str, upstream: dict[str, dict[str, list[Any]]]
) -> None:
    """The fixture equals the descriptors in the installed kubectl (when that kubectl exists)."""
    binary = KUBECTLS[version]
    if not binary.exists():
        pytest.skip(f"{binary} is not installed")
    live = descriptors(binary)
    expected = {
        m: {k: v[:4] for k, v in fields.items() if v[4] <= version}
        for m, fields in upstream.items()
        if any(v[4] <= version for v in fields.values()) or not fields
    }
    assert {m: f for m, f in live.items() if m in expected or f} == expected


if __name__ == "__main__":
    bins = dict(zip(sorted(KUBECTLS), [Path(a) for a in sys.argv[1:]], strict=False)) or KUBECTLS
    fx = build_fixture(bins)
    FIXTURE.write_text(dump_fixture(fx))
    print(f"{FIXTURE}: {len(fx['messages'])} messages")
