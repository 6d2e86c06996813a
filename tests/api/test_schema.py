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
