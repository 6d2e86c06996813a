"""Tests for kcore.api.schema: every served kind has a schema; pruning and type checking."""

from __future__ import annotations

import pytest

from kcore.api import schema
from kcore.api.errors import BadRequest
from kcore.api.resources import RESOURCES, SUBRESOURCE_KINDS


@pytest.mark.parametrize("res", RESOURCES, ids=lambda r: r.qualified)
def test_every_served_kind_has_a_schema(res) -> None:  # type: ignore[no-untyped-def]
    t = schema.kind_for(res.api_version, res.kind)
    assert t is not None
    assert t.gvk == (res.group, res.version, res.kind)
    assert t.description
    assert "metadata" in t.by_name
    assert schema.kind_for(res.api_version, res.list_kind) is not None


@pytest.mark.parametrize("api_version_kind", SUBRESOURCE_KINDS.values())
def test_subresource_kinds_have_schemas(api_version_kind: tuple[str, str]) -> None:
    assert schema.kind_for(*api_version_kind) is not None


def test_all_type_references_resolve_and_fields_are_described() -> None:
    for t in schema.all_types():
        for fl in t.fields:
            ref = fl.type
            while ref.startswith(("[]", "map[")):
                ref = schema.elem_type(ref)
            if schema.is_object_ref(ref):
                schema.lookup(ref)
            assert fl.description, f"{t.name}.{fl.name} has no description"


def test_explain_paths_have_descriptions() -> None:
    pod = schema.lookup("io.k8s.api.core.v1.Pod")
    fl, ref = schema.type_at(pod, ["spec", "containers"])
    assert fl is not None
    assert ref == "[]Container"
    assert "containers" in fl.description.lower()
    assert fl.patch_merge_key == "name"
    fl, _ = schema.type_at(pod, ["spec", "containers", "ports", "containerPort"])
    assert fl is not None
    assert fl.required
    assert schema.type_at(pod, ["spec", "nope"]) == (None, None)


def test_prune_drops_unknown_fields_with_paths() -> None:
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x", "labels": {"a": "b"}},
        "spec": {
            "foo": 1,
            "replicas": 2,
            "template": {"spec": {"containers": [{"name": "a", "bogus": True}]}},
        },
    }
    pruned, warnings = schema.prune(obj)
    assert warnings == [
        'unknown field "spec.foo"',
        'unknown field "spec.template.spec.containers[0].bogus"',
    ]
    assert "foo" not in pruned["spec"]
    assert pruned["spec"]["template"]["spec"]["containers"] == [{"name": "a"}]
    assert "foo" in obj["spec"], "input must stay untouched"
    with pytest.raises(BadRequest) as exc:
        schema.prune(obj, strict=True)
    assert exc.value.message == (
        'strict decoding error: unknown field "spec.foo", '
        'unknown field "spec.template.spec.containers[0].bogus"'
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"replicas": "2"},
            "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas "
            "of type int32",
        ),
        (
            {"paused": 1},
            "json: cannot unmarshal number into Go struct field DeploymentSpec.spec.paused "
            "of type bool",
        ),
        (
            {"selector": []},
            "json: cannot unmarshal array into Go struct field DeploymentSpec.spec.selector "
            "of type LabelSelector",
        ),
    ],
)
def test_prune_type_errors(spec: dict, message: str) -> None:
    with pytest.raises(BadRequest) as exc:
        schema.prune({"apiVersion": "apps/v1", "kind": "Deployment", "spec": spec})
    assert exc.value.message == message


def test_prune_keeps_unknown_kinds_and_converts_integral_floats() -> None:
    assert schema.prune({"apiVersion": "x/v1", "kind": "Y", "z": 1}) == (
        {"apiVersion": "x/v1", "kind": "Y", "z": 1},
        [],
    )
    pruned, _ = schema.prune(
        {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 3.0}}
    )
    assert pruned["spec"]["replicas"] == 3
    assert isinstance(pruned["spec"]["replicas"], int)


# ------------------------------------------------------------------------------ is_clean
# is_clean(obj) is the registry's fast path: when it says True, the registry skips prune. So
# it must never say True where prune would change the object or warn; and it should say True
# for the ordinary (clean) objects, or the fast path is useless.

_SCALAR_VALUES = {
    "string": ["a", ""],
    "byte": ["aGk="],
    "boolean": [True, False],
    "int32": [0, 7, -3],
    "int64": [1 << 40],
    "double": [0.5, 3],
    "Quantity": ["100m", 2, 1.5],
    "IntOrString": ["http", 8080],
    "Time": ["2025-01-01T00:00:00Z"],
    "MicroTime": ["2025-01-01T00:00:00.000001Z"],
    "Duration": ["5s"],
}
# Values of the wrong JSON type (or that prune converts) for each scalar reference.
_WRONG_VALUES = {
    "string": [1, True, [], {}],
    "byte": [1],
    "boolean": ["true", 0, 1.0],
    "int32": ["1", True, 2.0, 1.5, []],
    "int64": [2.0, False],
    "double": ["0.5", True],
    "Quantity": [True, [], {}],
    "IntOrString": [False, {}],
    "Time": [0, []],
    "MicroTime": [0],
    "Duration": [5],
}


class _Str(str):
    __slots__ = ()


def _sample(draw, ref: str, depth: int, *, wrong: bool) -> object:  # type: ignore[no-untyped-def]
    """A random value of type ``ref``; with ``wrong``, sometimes broken (a value of another
    type, an unknown field, a value prune converts)."""
    from hypothesis import strategies as st

    roll = draw(st.integers(0, 99)) if wrong else 99
    if draw(st.integers(0, 99)) < 3:
        return None
    if ref in _SCALAR_VALUES:
        if roll < 3:
            return draw(st.sampled_from(_WRONG_VALUES[ref]))
        if roll < 4 and ref == "string":
            return _Str("sub")
        return draw(st.sampled_from(_SCALAR_VALUES[ref]))
    if ref in ("RawExtension", "FieldsV1", "object"):
        return draw(st.sampled_from([{"a": [1, {"b": None}]}, [], "x", 3, {"f:spec": {}}]))
    if ref.startswith(("[]", "map[")):
        if roll < 3:
            return draw(st.sampled_from(["x", (1,)] if ref.startswith("[]") else ["x", [1]]))
        n = draw(st.integers(0, 2 if depth < 4 else 0))
        if ref.startswith("[]"):
            return [_sample(draw, ref[2:], depth + 1, wrong=wrong) for _ in range(n)]
        return {f"k{i}": _sample(draw, ref[4:-1], depth + 1, wrong=wrong) for i in range(n)}
    t = schema.lookup(ref)
    if roll < 2:
        return draw(st.sampled_from(["x", [1], 3]))
    out: dict[str, object] = {}
    if depth < 5 and t.fields:
        names = [fl.name for fl in t.fields]
        for name in draw(st.lists(st.sampled_from(names), max_size=6, unique=True)):
            out[name] = _sample(draw, t.by_name[name].type, depth + 1, wrong=wrong)
    if roll < 4:
        out["unknownField"] = 1
    return out


def _same(a: object, b: object) -> bool:
    """Equal and of the same types all the way down (``2 == 2.0`` is not enough here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


_KINDS = sorted(
    (k for k in schema.kinds() if {"apiVersion", "kind"} <= set(k.type.by_name)),
    key=lambda k: (k.group, k.kind),
)


def _kind_objects(*, wrong: bool):  # type: ignore[no-untyped-def]
    from hypothesis import strategies as st

    @st.composite
    def build(draw):  # type: ignore[no-untyped-def]
        k = draw(st.sampled_from(_KINDS))
        body = _sample(draw, k.type.name, 0, wrong=wrong)
        if not isinstance(body, dict):
            body = {}
        return {**body, "apiVersion": k.api_version, "kind": k.kind}

    return build()


def _slots(value: object, ref: str, out: list) -> None:  # type: ignore[type-arg]
    """Every place of a clean value that holds a typed value: (container, key, type ref)."""
    if value is None:
        return
    if ref.startswith("[]") and isinstance(value, list):
        for i, x in enumerate(value):
            out.append((value, i, ref[2:]))
            _slots(x, ref[2:], out)
    elif ref.startswith("map[") and isinstance(value, dict):
        for k, x in value.items():
            out.append((value, k, ref[4:-1]))
            _slots(x, ref[4:-1], out)
    elif schema.is_object_ref(ref) and isinstance(value, dict):
        t = schema.lookup(ref)
        for k, x in value.items():
            out.append((value, k, t.by_name[k].type))
            _slots(x, t.by_name[k].type, out)


def test_is_clean_implies_prune_is_identity() -> None:
    """On random objects of every kind (many of them broken on purpose): whenever is_clean
    says True, prune returns the same object (types included), no warning and no error."""
    from hypothesis import given, settings

    clean = [0]

    @settings(max_examples=1000, deadline=None, derandomize=True)
    @given(_kind_objects(wrong=True))
    def check(obj):  # type: ignore[no-untyped-def]
        if schema.is_clean(obj):
            clean[0] += 1
            out, warnings = schema.prune(obj)
            assert _same(out, obj)
            assert warnings == []
            assert type(out) is dict

    check()
    assert clean[0] > 100  # the generator produces clean objects too


def test_is_clean_sees_any_single_flaw() -> None:
    """A clean random object is clean; one flaw anywhere in it (a value of the wrong type, a
    float in an integer field, an unknown field) makes it unclean, and prune then changes it
    or refuses it."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=1000, deadline=None, derandomize=True)
    @given(_kind_objects(wrong=False), st.data())
    def check(obj, data):  # type: ignore[no-untyped-def]
        assert schema.is_clean(obj)
        slots: list = []  # type: ignore[type-arg]
        t = schema.kind_for(obj["apiVersion"], obj["kind"])
        assert t is not None
        _slots(obj, t.name, slots)
        # (The top-level apiVersion/kind select the schema: changing them is another test.)
        scalar = [
            s
            for s in slots
            if s[2] in _WRONG_VALUES and not (s[0] is obj and s[1] in ("apiVersion", "kind"))
        ]
        objects = [s for s in slots if schema.is_object_ref(s[2]) and type(s[0][s[1]]) is dict]
        choices = [("value", s) for s in scalar] + [("unknown", s) for s in objects]
        if not choices:
            return
        what, (container, key, ref) = data.draw(st.sampled_from(choices))
        if what == "value":
            container[key] = data.draw(st.sampled_from(_WRONG_VALUES[ref]))
        else:
            container[key]["unknownField"] = 1
        assert not schema.is_clean(obj)
        try:
            out, warnings = schema.prune(obj)
        except BadRequest:
            return
        assert warnings or not _same(out, obj)

    check()


def _real_objects() -> list[dict]:  # type: ignore[type-arg]
    from kcore.testing.clusters import basic_node, basic_pod, random_cluster, random_pods

    pod = basic_pod("p", app="a")
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "labels": {"app": "d"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "d"}},
            "template": {"metadata": {"labels": {"app": "d"}}, "spec": pod["spec"]},
            "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
        },
    }
    event = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": "p.1", "namespace": "default"},
        "eventTime": "2025-01-01T00:00:00.000001Z",
        "reportingController": "default-scheduler",
        "reportingInstance": "default-scheduler-x",
        "action": "Binding",
        "reason": "Scheduled",
        "regarding": {"kind": "Pod", "apiVersion": "v1", "name": "p", "namespace": "default"},
        "note": "Successfully assigned default/p to n1",
        "type": "Normal",
    }
    return [
        pod,
        basic_node(3),
        deployment,
        event,
        *random_cluster(1, 30),
        *random_pods(2, 60),
    ]


@pytest.mark.parametrize("i", range(len(_real_objects())))
def test_is_clean_on_real_objects(i: int) -> None:
    """Objects as the project's own tools build them are clean, and prune keeps them."""
    obj = _real_objects()[i]
    assert schema.is_clean(obj)
    out, warnings = schema.prune(obj)
    assert _same(out, obj)
    assert warnings == []


def test_is_clean_sees_every_flaw_of_real_objects() -> None:
    """Exhaustively: every wrong value in every typed place of the real objects, and an
    unknown field in every nested object, makes them unclean (prune changes or refuses them)."""
    import copy

    checked = 0
    for original in _real_objects():
        t = schema.kind_for(original["apiVersion"], original["kind"])
        assert t is not None
        n_slots: list = []  # type: ignore[type-arg]
        _slots(original, t.name, n_slots)
        for i in range(len(n_slots)):
            ref = n_slots[i][2]
            wrongs = _WRONG_VALUES.get(ref, [])
            if n_slots[i][0] is original and n_slots[i][1] in ("apiVersion", "kind"):
                wrongs = []
            is_obj = schema.is_object_ref(ref) and type(n_slots[i][0][n_slots[i][1]]) is dict
            for flaw in [*wrongs, *(["unknown"] if is_obj else [])]:
                obj = copy.deepcopy(original)
                slots: list = []  # type: ignore[type-arg]
                _slots(obj, t.name, slots)
                container, key, _ = slots[i]
                if flaw == "unknown" and is_obj:
                    container[key]["unknownField"] = 1
                else:
                    container[key] = flaw
                assert not schema.is_clean(obj), (original["kind"], key, flaw)
                checked += 1
    assert checked > 1000


@pytest.mark.parametrize(
    ("path", "value"),
    [
        pytest.param(("spec", "bogus"), 1, id="unknown-field"),
        pytest.param(("spec", "priority"), 5.0, id="integral-float-in-int"),
        pytest.param(("spec", "priority"), True, id="bool-in-int"),
        pytest.param(("spec", "nodeName"), _Str("n"), id="str-subclass"),
        pytest.param(("spec", "containers"), ({"name": "c", "image": "i"},), id="tuple-list"),
        pytest.param(("metadata", "labels"), {"a": 1}, id="non-string-label"),
    ],
)
def test_is_clean_refuses_what_prune_changes(path: tuple[str, str], value: object) -> None:
    from kcore.testing.clusters import basic_pod

    pod = basic_pod("p")
    pod[path[0]] = {**pod.get(path[0], {}), path[1]: value}
    assert not schema.is_clean(pod)


def test_is_clean_without_schema_and_by_type_name() -> None:
    assert schema.is_clean({"apiVersion": "x/v1", "kind": "Nope", "spec": {"a": 1}})
    assert schema.is_clean({"name": "c", "image": "i"}, type_name="Container")
    assert not schema.is_clean({"name": "c", "bogus": 1}, type_name="Container")
