"""Tests for kcore.api.openapi: index, per-GV documents, references and kubectl's extensions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kcore.api import openapi
from kcore.api.resources import RESOURCES


def _refs(node: Any) -> set[str]:
    out: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                out.add(v)
            else:
                out |= _refs(v)
    elif isinstance(node, list):
        for v in node:
            out |= _refs(v)
    return out


@pytest.mark.parametrize("gv", openapi.group_versions())
def test_v3_document_is_self_contained(gv: str) -> None:
    doc = openapi.openapi_v3_document(gv)
    assert doc["openapi"] == "3.0.0"
    schemas = doc["components"]["schemas"]
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/")
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    json.dumps(doc)  # JSON-serialisable


@pytest.mark.parametrize("res", RESOURCES, ids=lambda r: r.qualified)
def test_every_resource_has_patch_operation_with_gvk_and_field_validation(res) -> None:  # type: ignore[no-untyped-def]
    gv = f"api/{res.version}" if not res.group else f"apis/{res.group}/{res.version}"
    doc = openapi.openapi_v3_document(gv)
    base = (
        f"/{gv}/namespaces/{{namespace}}/{res.resource}"
        if res.namespaced
        else f"/{gv}/{res.resource}"
    )
    op = doc["paths"][base + "/{name}"]["patch"]
    assert op["x-kubernetes-group-version-kind"] == {
        "group": res.group,
        "kind": res.kind,
        "version": res.version,
    }
    assert op["x-kubernetes-action"] == "patch"
    names = {p["name"] for p in op["parameters"]}
    assert {"fieldValidation", "fieldManager", "force", "dryRun"} <= names
    content = op["requestBody"]["content"]
    assert "application/apply-patch+yaml" in content
    assert "application/strategic-merge-patch+json" not in content
    kinds = [
        s["x-kubernetes-group-version-kind"]
        for s in doc["components"]["schemas"].values()
        if "x-kubernetes-group-version-kind" in s
    ]
    assert [{"group": res.group, "kind": res.kind, "version": res.version}] in kinds


def test_index_hashes_match_documents() -> None:
    idx = openapi.openapi_v3_index()
    assert set(idx["paths"]) == set(openapi.group_versions())
    url = idx["paths"]["apis/apps/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/apis/apps/v1?hash=")
    assert len(url.split("hash=")[1]) == 128


def test_explain_paths_and_extensions() -> None:
    schemas = openapi.openapi_v3_document("api/v1")["components"]["schemas"]
    spec = schemas["io.k8s.api.core.v1.PodSpec"]
    containers = spec["properties"]["containers"]
    assert containers["description"].startswith("List of containers")
    assert containers["items"] == {"$ref": "#/components/schemas/io.k8s.api.core.v1.Container"}
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["x-kubernetes-list-type"] == "map"
    assert "containers" in spec["required"]
    ports = schemas["io.k8s.api.core.v1.Container"]["properties"]["ports"]
    assert ports["x-kubernetes-list-map-keys"] == ["containerPort", "protocol"]
    rp = spec["properties"]["restartPolicy"]
    assert rp["enum"] == ["Always", "Never", "OnFailure"]
    assert spec["properties"]["securityContext"]["allOf"][0]["$ref"].endswith("PodSecurityContext")
    ios = schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert ios["format"] == "int-or-string"
    assert ios["oneOf"] == [{"type": "integer"}, {"type": "string"}]
    assert "type" not in ios, "a typed string makes kubectl explain print <string>"
    assert schemas["io.k8s.api.core.v1.Pod"]["description"]


def test_unknown_group_version() -> None:
    with pytest.raises(KeyError):
        openapi.openapi_v3_document("apis/nope/v1")
    with pytest.raises(KeyError):
        openapi.openapi_v3_document("x")


def test_v2_document() -> None:
    doc = openapi.openapi_v2()
    assert doc["swagger"] == "2.0"
    for ref in _refs(doc):
        assert ref.removeprefix("#/definitions/") in doc["definitions"], ref
    op = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]["patch"]
    assert op["x-kubernetes-group-version-kind"]["kind"] == "Scale"


def test_well_known_scalars_as_upstream_writes_them() -> None:
    """v3 as the real server (kubectl explain shows <IntOrString>/<Quantity>), v2 as strings."""
    v3 = openapi.openapi_v3_document("apis/apps/v1")["components"]["schemas"]
    ru = v3["io.k8s.api.apps.v1.RollingUpdateDeployment"]["properties"]["maxSurge"]
    assert ru["allOf"] == [
        {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString"}
    ]
    q = v3["io.k8s.apimachinery.pkg.api.resource.Quantity"]
    assert q["oneOf"] == [{"type": "string"}, {"type": "number"}]
    assert "type" not in q
    v2 = openapi.openapi_v2()["definitions"]
    assert v2["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["type"] == "string"
    assert v2["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["format"] == "int-or-string"
    assert "oneOf" not in v2["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert v2["io.k8s.apimachinery.pkg.api.resource.Quantity"]["type"] == "string"
    # the shared tables are not mutated by building one or the other
    assert (
        "type"
        not in openapi.openapi_v3_document("api/v1")["components"]["schemas"][
            "io.k8s.apimachinery.pkg.api.resource.Quantity"
        ]
    )
