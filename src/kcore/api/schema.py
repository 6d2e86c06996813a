"""Declarative schemas of the API kinds, written in kcore's own Python types.

Every served kind (and every nested type) is an :class:`ObjectType`: a named list of
:class:`Field` entries with a type, a description (``kubectl explain`` prints it), whether it is
required, its default, enum values and, for lists, how it merges (``list_type``, ``map_keys``,
``patch_strategy``/``patch_merge_key``, as the ``+listType``/``+patchStrategy`` markers of
k8s.io/api say). Objects stay plain JSON dicts at run time; the schemas are *descriptions* from
which the rest of :mod:`kcore.api` derives OpenAPI (:mod:`kcore.api.openapi`), pruning and type
checking (:func:`prune`), strategic-merge keys (:mod:`kcore.api.patch`), field ownership for
server-side apply and protobuf decoding (``proto`` field numbers).

Type references are written as strings so that types may refer to each other in any order:

* scalars ``"string"``, ``"int32"``, ``"int64"``, ``"boolean"``, ``"double"``, ``"byte"``
  (base64 text);
* well-known types ``"Quantity"``, ``"IntOrString"``, ``"Time"``, ``"MicroTime"``,
  ``"Duration"``, ``"RawExtension"``, ``"FieldsV1"`` and ``"object"`` (free-form JSON);
* ``"[]T"`` a list, ``"map[T]"`` a string-keyed map, anything else the name of an
  :class:`ObjectType` registered with :func:`register`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from kcore.api.errors import BadRequest

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "SCALARS",
    "WELL_KNOWN",
    "Field",
    "KindInfo",
    "ObjectType",
    "f",
    "is_clean",
    "kind_for",
    "kinds",
    "lookup",
    "obj",
    "prune",
    "register",
    "type_at",
]

SCALARS: Final = frozenset({"string", "int32", "int64", "boolean", "double", "byte"})
WELL_KNOWN: Final = frozenset(
    {
        "Quantity",
        "IntOrString",
        "Time",
        "MicroTime",
        "Duration",
        "RawExtension",
        "FieldsV1",
        "object",
    }
)


@dataclass(frozen=True, slots=True)
class Field:
    """One property of an object type.

    ``type`` is a type reference (module docstring). ``list_type`` is ``atomic``, ``set`` or
    ``map`` (then ``map_keys`` names the key fields); ``patch_strategy`` is ``merge``,
    ``replace``, ``retainKeys`` or ``merge,retainKeys`` with ``patch_merge_key`` for lists of
    objects. ``proto`` is the protobuf field number in k8s.io/api's ``generated.proto`` (0: not
    encoded). ``default`` is only documentation here (defaulting lives in
    :mod:`kcore.api.defaults`).
    """

    name: str
    type: str
    description: str = ""
    required: bool = False
    default: Any = None
    enum: tuple[str, ...] = ()
    list_type: str | None = None
    map_keys: tuple[str, ...] = ()
    patch_strategy: str | None = None
    patch_merge_key: str | None = None
    map_type: str | None = None  # "atomic" for maps replaced as a whole (selectors)
    proto: int = 0


@dataclass(slots=True)
class ObjectType:
    """A named object type: ``name`` is its OpenAPI name (``io.k8s.api.core.v1.PodSpec``).

    ``gvk`` is set for top-level kinds as ``(group, version, kind)``. ``fields`` is ordered as
    the Go struct; ``by_name`` indexes it. ``struct_type`` ``atomic`` makes server-side apply
    treat the whole object as one value.
    """

    name: str
    description: str
    fields: tuple[Field, ...]
    gvk: tuple[str, str, str] | None = None
    struct_type: str | None = None
    by_name: dict[str, Field] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_name = {fl.name: fl for fl in self.fields}

    @property
    def short(self) -> str:
        """The Go type name (``PodSpec``)."""
        return self.name.rsplit(".", 1)[-1]


_REGISTRY: dict[str, ObjectType] = {}
_SHORT: dict[str, ObjectType] = {}
_BY_GVK: dict[tuple[str, str, str], ObjectType] = {}


def f(name: str, type_: str, description: str = "", **kw: Any) -> Field:
    """Shorthand for :class:`Field`."""
    return Field(name, type_, description, **kw)


def obj(
    name: str,
    description: str,
    *fields: Field,
    gvk: tuple[str, str, str] | None = None,
    struct_type: str | None = None,
) -> ObjectType:
    """Build and :func:`register` an object type."""
    t = ObjectType(name, description, tuple(fields), gvk, struct_type)
    register(t)
    return t


def register(t: ObjectType) -> None:
    """Make ``t`` resolvable by its full and short names (and by GVK for kinds)."""
    _REGISTRY[t.name] = t
    _SHORT.setdefault(t.short, t)
    if t.gvk:
        _BY_GVK[t.gvk] = t


def lookup(name: str) -> ObjectType:
    """Resolve a type reference to its :class:`ObjectType` (full or short name)."""
    _ensure_loaded()
    t = _REGISTRY.get(name) or _SHORT.get(name)
    if t is None:
        msg = f"unknown schema type {name!r}"
        raise KeyError(msg)
    return t


def all_types() -> list[ObjectType]:
    _ensure_loaded()
    return list(_REGISTRY.values())


@dataclass(frozen=True, slots=True)
class KindInfo:
    """A top-level kind: group, version, kind and its object type."""

    group: str
    version: str
    kind: str
    type: ObjectType

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


def kinds() -> list[KindInfo]:
    """Every kind with a schema."""
    _ensure_loaded()
    return [KindInfo(g, v, k, t) for (g, v, k), t in _BY_GVK.items()]


def kind_for(api_version: str, kind: str) -> ObjectType | None:
    """The schema of ``apiVersion``/``kind``, or ``None``."""
    _ensure_loaded()
    group, _, version = api_version.rpartition("/")
    return _BY_GVK.get((group, version, kind))


_LOADED = False


def _ensure_loaded() -> None:
    global _LOADED  # noqa: PLW0603
    if not _LOADED:
        _LOADED = True
        from kcore.api import types  # noqa: F401  (registers every kind)


# --------------------------------------------------------------------------------------------
# navigation


def elem_type(type_ref: str) -> str:
    """The element type of ``[]T`` or ``map[T]``."""
    if type_ref.startswith("[]"):
        return type_ref[2:]
    if type_ref.startswith("map["):
        return type_ref[4:-1]
    return type_ref


def is_object_ref(type_ref: str) -> bool:
    return (
        type_ref not in SCALARS
        and type_ref not in WELL_KNOWN
        and not type_ref.startswith(("[]", "map["))
    )


def type_at(root: ObjectType, path: list[str]) -> tuple[Field | None, str | None]:
    """The field and type reference at a dotted path of field names (list/map steps skipped).

    ``type_at(pod, ["spec", "containers", "ports"])`` gives the ``ports`` field of
    ``Container`` and ``"[]ContainerPort"``. Returns ``(None, None)`` for unknown paths.
    """
    cur: ObjectType | None = root
    fl: Field | None = None
    ref: str | None = None
    for step in path:
        if cur is None:
            return None, None
        fl = cur.by_name.get(step)
        if fl is None:
            return None, None
        ref = fl.type
        inner = ref
        while inner.startswith(("[]", "map[")):
            inner = elem_type(inner)
        cur = lookup(inner) if is_object_ref(inner) else None
    return fl, ref


# --------------------------------------------------------------------------------------------
# pruning and type checking

_GO_TYPES = {
    "string": "string",
    "int32": "int32",
    "int64": "int64",
    "boolean": "bool",
    "double": "float64",
    "byte": "[]uint8",
}


def _json_kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


@dataclass(slots=True)
class _Pruner:
    warnings: list[str]
    strict: bool
    type_errors: list[str]

    def _type_error(self, value: Any, owner: str, path: str, go_type: str) -> None:
        self.type_errors.append(
            f"json: cannot unmarshal {_json_kind(value)} into Go struct field "
            f"{owner}.{path} of type {go_type}"
        )

    def value(self, v: Any, ref: str, path: str, owner: str) -> Any:
        if v is None:
            return None
        if ref in SCALARS:
            ok = (
                (ref == "string" and isinstance(v, str))
                or (ref == "byte" and isinstance(v, str))
                or (ref == "boolean" and isinstance(v, bool))
                or (
                    ref in ("int32", "int64")
                    and (
                        (isinstance(v, int) and not isinstance(v, bool))
                        or (isinstance(v, float) and v.is_integer())
                    )
                )
                or (ref == "double" and isinstance(v, (int, float)) and not isinstance(v, bool))
            )
            if not ok:
                self._type_error(v, owner, path, _GO_TYPES[ref])
                return v
            if ref in ("int32", "int64") and isinstance(v, float):
                return int(v)
            return v
        if ref in WELL_KNOWN:
            if (
                ref in ("Quantity", "IntOrString")
                and not (isinstance(v, (str, int, float)) and not isinstance(v, bool))
            ) or (ref in ("Time", "MicroTime", "Duration") and not isinstance(v, str)):
                self._type_error(v, owner, path, ref)
            return v
        if ref.startswith("[]"):
            if not isinstance(v, list):
                self._type_error(v, owner, path, "[]" + elem_type(ref))
                return v
            et = ref[2:]
            return [self.value(x, et, f"{path}[{i}]", owner) for i, x in enumerate(v)]
        if ref.startswith("map["):
            if not isinstance(v, dict):
                self._type_error(v, owner, path, ref)
                return v
            et = ref[4:-1]
            return {
                k: self.value(x, et, f"{path}.{k}" if is_object_ref(et) else path, owner)
                for k, x in v.items()
            }
        t = lookup(ref)
        if not isinstance(v, dict):
            self._type_error(v, owner, path, t.short)
            return v
        return self.object(v, t, path)

    def object(self, v: dict[str, Any], t: ObjectType, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        by_name = t.by_name
        owner = t.short
        for k, x in v.items():
            fl = by_name.get(k)
            if fl is None:
                self.warnings.append(f'unknown field "{path + "." if path else ""}{k}"')
                continue
            out[k] = self.value(x, fl.type, f"{path}.{k}" if path else k, owner)
        return out


def prune(
    obj: Mapping[str, Any], *, strict: bool = False, type_name: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Drop fields the kind's schema does not know; return ``(pruned_copy, warnings)``.

    Warnings read ``unknown field "spec.foo"`` as the apiserver's ``Warn`` field validation
    prints them. Values of a wrong JSON type raise :class:`BadRequest` as a decoding error
    (``json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type
    int32``). Kinds without a schema are returned unchanged.

    Raises
    ------
    BadRequest
        With ``strict`` (``fieldValidation=Strict``) and unknown fields:
        ``strict decoding error: unknown field "spec.foo", unknown field "spec.bar"``; or on a
        type error.
    """
    t = (
        lookup(type_name)
        if type_name
        else kind_for(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
    )
    if t is None:
        return dict(obj), []
    p = _Pruner([], strict, [])
    out = p.object(dict(obj), t, "")
    if p.type_errors:
        raise BadRequest(p.type_errors[0])
    if strict and p.warnings:
        raise BadRequest("strict decoding error: " + ", ".join(p.warnings))
    return out, p.warnings


# --------------------------------------------------------------------------------------------
# the fast check: would prune change anything?
#
# Most objects on the request path are clean: every field is known and of its JSON type. For
# them :func:`prune` only rebuilds an equal copy. :func:`is_clean` answers "would prune return
# an equal object and no warning?" without allocating, by walking the object with checkers
# compiled once per schema type. It is conservative: anything unusual (an unknown field, a value
# of another type, a float in an integer field, a ``str`` subclass) makes it answer False, and
# the caller then runs :func:`prune`, which handles (and words) every case.

# A compiled checker: value -> bool (True = prune keeps the value as it is). Inside an object,
# a simple field is checked inline by ``type(value) in types``; others call their checker.
_SIMPLE: Final[dict[str, frozenset[type]]] = {
    "string": frozenset({str}),
    "byte": frozenset({str}),
    "boolean": frozenset({bool}),
    "int32": frozenset({int}),
    "int64": frozenset({int}),
    "double": frozenset({int, float}),
    "Quantity": frozenset({str, int, float}),
    "IntOrString": frozenset({str, int, float}),
    "Time": frozenset({str}),
    "MicroTime": frozenset({str}),
    "Duration": frozenset({str}),
}
_FREE_FORM: Final = frozenset({"RawExtension", "FieldsV1", "object"})
# _checkers: type reference -> compiled checker. A checker is registered before the checkers of
# its fields are resolved, so recursive types compile.
_checkers: dict[str, Callable[[Any], bool]] = {}


def _any(_v: Any) -> bool:
    return True


def _never(_v: Any) -> bool:
    return False


def _checker_for(ref: str) -> Callable[[Any], bool]:
    """The compiled checker of a type reference (memoised)."""
    c = _checkers.get(ref)
    if c is not None:
        return c
    if ref in _FREE_FORM:
        c = _checkers[ref] = _any
    elif ref in _SIMPLE:
        types = _SIMPLE[ref]

        def check_simple(v: Any) -> bool:
            return type(v) in types

        c = _checkers[ref] = check_simple
    elif ref.startswith(("[]", "map[")):
        c = _container_checker(ref)
    else:
        try:
            t = lookup(ref)
        except KeyError:  # a reference prune cannot resolve either: always the slow path
            c = _checkers[ref] = _never
        else:
            c = _object_checker(ref, t)
    return c


def _container_checker(ref: str) -> Callable[[Any], bool]:
    is_list = ref.startswith("[]")
    elem = ref[2:] if is_list else ref[4:-1]
    container: type = list if is_list else dict
    simple = _SIMPLE.get(elem)
    c: Callable[[Any], bool]
    if elem in _FREE_FORM:

        def check_free(v: Any) -> bool:
            return type(v) is container

        c = check_free
    elif simple is not None:
        # (Plain loops: several times faster than all() over a generator here.)
        def check_simple_list(v: Any) -> bool:
            if type(v) is not list:
                return False
            for x in v:  # noqa: SIM110
                if x is not None and type(x) not in simple:
                    return False
            return True

        def check_simple_map(v: Any) -> bool:
            if type(v) is not dict:
                return False
            for x in v.values():  # noqa: SIM110
                if x is not None and type(x) not in simple:
                    return False
            return True

        c = check_simple_list if is_list else check_simple_map
    else:
        # cell[0]: the element checker, resolved once this checker is registered.
        cell: list[Callable[[Any], bool]] = []

        def check_list(v: Any) -> bool:
            if type(v) is not list:
                return False
            check = cell[0]
            for x in v:  # noqa: SIM110
                if x is not None and not check(x):
                    return False
            return True

        def check_map(v: Any) -> bool:
            if type(v) is not dict:
                return False
            check = cell[0]
            for x in v.values():  # noqa: SIM110
                if x is not None and not check(x):
                    return False
            return True

        c = _checkers[ref] = check_list if is_list else check_map
        cell.append(_checker_for(elem))
        return c
    _checkers[ref] = c
    return c


def _object_checker(ref: str, t: ObjectType) -> Callable[[Any], bool]:
    # simple[k]: the exact types a simple field takes; complex_[k]: the checker of the others.
    simple: dict[str, frozenset[type]] = {}
    complex_: dict[str, Callable[[Any], bool]] = {}
    simple_get = simple.get
    complex_get = complex_.get

    def check_object(v: Any) -> bool:
        if type(v) is not dict:
            return False
        for k, x in v.items():
            types = simple_get(k)
            if types is not None:
                if x is None or type(x) in types:
                    continue
                return False
            c = complex_get(k)
            if c is None or (x is not None and not c(x)):
                return False
        return True

    _checkers[ref] = check_object
    for fl in t.fields:
        types = _SIMPLE.get(fl.type)
        if types is not None:
            simple[fl.name] = types
        else:
            complex_[fl.name] = _checker_for(fl.type)
    return check_object


def is_clean(obj: Mapping[str, Any], *, type_name: str | None = None) -> bool:
    """Whether :func:`prune` would return an equal copy of ``obj`` and no warning.

    A fast, allocation-free check (see the section comment above); ``False`` means "run
    :func:`prune`", not necessarily that something is wrong.
    """
    if type_name:
        ref = type_name
    else:
        t = kind_for(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
        if t is None:
            return True
        ref = t.name
    check = _checkers.get(ref)
    if check is None:
        check = _checker_for(ref)
    return check(obj)
