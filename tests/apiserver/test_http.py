"""The HTTP layer in-process: httpx against the ASGI app (no sockets).

Every verb and the error paths as clients see them on the wire: status codes, ``Status``
bodies, content types, discovery negotiation, authentication, warnings and metrics. Streaming
(watch) is tested against a real server in ``test_server.py``.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
import orjson
import pytest

from kcore.apiserver.app import create_app
from kcore.apiserver.auth import TokenAuthenticator, UserInfo
from kcore.apiserver.registry import APIRegistry
from kcore.storage.memory import MemoryStore
from kcore.util.clock import VirtualClock

TABLE = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)
AGG = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
)
POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p1", "labels": {"app": "web"}},
    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
}


class Harness:
    def __init__(self, authenticator: Any = None) -> None:
        self.clock = VirtualClock()
        self.store = MemoryStore()
        self.registry = APIRegistry(self.store, self.clock, rng=random.Random(1))
        self.app = create_app(self.registry, authenticator=authenticator, clock=self.clock)

    def run(self, fn: Any) -> Any:
        async def main() -> Any:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                return await fn(c)

        return asyncio.run(main())

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        return self.run(lambda c: c.request(method, url, **kw))


@pytest.fixture
def h() -> Harness:
    return Harness()


def _status(r: httpx.Response) -> dict[str, Any]:
    body = r.json()
    assert body["kind"] == "Status"
    assert body["apiVersion"] == "v1"
    assert body["code"] == r.status_code
    assert r.headers["content-type"] == "application/json"
    return body


def test_version_with_and_without_trailing_slash(h):
    for path in ("/version", "/version/"):
        r = h.request("GET", path)
        assert r.status_code == 200
        v = r.json()
        assert (v["major"], v["minor"]) == ("1", "32")
        assert v["gitVersion"].startswith("v1.32.")


@pytest.mark.parametrize("path", ["/healthz", "/livez", "/readyz", "/readyz/ping"])
def test_health_endpoints(h, path):
    r = h.request("GET", path)
    assert r.status_code == 200
    assert r.text == "ok"


def test_health_verbose_and_unknown_check(h):
    r = h.request("GET", "/readyz?verbose")
    assert r.status_code == 200
    assert "readyz check passed" in r.text
    assert h.request("GET", "/healthz/nope").status_code == 404
    h.app.shutdown()
    assert h.request("GET", "/readyz").status_code == 500
    assert h.request("GET", "/livez").status_code == 200


def test_aggregated_discovery_is_negotiated(h):
    r = h.request("GET", "/api", headers={"Accept": AGG})
    assert (
        r.headers["content-type"]
        == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    )
    doc = r.json()
    assert doc["kind"] == "APIGroupDiscoveryList"
    assert doc["apiVersion"] == "apidiscovery.k8s.io/v2"
    (core,) = doc["items"]
    res = {x["resource"]: x for x in core["versions"][0]["resources"]}
    pods = res["pods"]
    assert pods["shortNames"] == ["po"]
    assert pods["categories"] == ["all"]
    subs = {s["subresource"]: s for s in pods["subresources"]}
    assert subs["eviction"]["responseKind"] == {
        "group": "policy",
        "version": "v1",
        "kind": "Eviction",
    }
    assert set(subs) >= {"status", "binding", "eviction", "log"}
    r = h.request("GET", "/apis", headers={"Accept": AGG.replace("v=v2;", "v=v9;", 1)})
    assert "v=v2beta1" in r.headers["content-type"]
    groups = {i["metadata"]["name"]: i for i in r.json()["items"]}
    deploy = {x["resource"]: x for x in groups["apps"]["versions"][0]["resources"]}["deployments"]
    scale = {s["subresource"]: s for s in deploy["subresources"]}["scale"]
    assert scale["responseKind"] == {"group": "autoscaling", "version": "v1", "kind": "Scale"}


def test_legacy_discovery(h):
    assert h.request("GET", "/api").json()["kind"] == "APIVersions"
    apis = h.request("GET", "/apis", headers={"Accept": "application/json"}).json()
    assert apis["kind"] == "APIGroupList"
    assert {
        "name": "apps",
        "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
        "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
    } in apis["groups"]
    v1 = h.request("GET", "/api/v1").json()
    ev = [r for r in v1["resources"] if r["name"] == "pods/eviction"]
    assert ev == [
        {
            "name": "pods/eviction",
            "singularName": "",
            "namespaced": True,
            "kind": "Eviction",
            "verbs": ["create"],
            "group": "policy",
            "version": "v1",
        }
    ]
    assert h.request("GET", "/apis/apps").json()["kind"] == "APIGroup"
    assert h.request("GET", "/apis/apps/v1").json()["groupVersion"] == "apps/v1"
    assert h.request("GET", "/apis/nope").status_code == 404
    assert h.request("GET", "/apis/apps/v9").status_code == 404


def test_openapi(h):
    idx = h.request("GET", "/openapi/v3").json()
    url = idx["paths"]["apis/apps/v1"]["serverRelativeURL"]
    doc = h.request("GET", url).json()
    assert doc["openapi"].startswith("3.")
    assert h.request("GET", "/openapi/v3/apis/nope/v1").status_code == 404
    pb = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
    assert h.request("GET", "/openapi/v2", headers={"Accept": pb}).status_code == 404
    assert h.request("GET", "/openapi/v2").json()["swagger"] == "2.0"


def test_crud_round_trip(h):
    r = h.request("POST", "/api/v1/namespaces/default/pods", json=POD)
    assert r.status_code == 201
    created = r.json()
    assert created["metadata"]["uid"]
    r = h.request("GET", "/api/v1/namespaces/default/pods/p1")
    assert r.status_code == 200
    assert r.json() == created
    lst = h.request("GET", "/api/v1/pods?labelSelector=app%3Dweb&limit=500").json()
    assert lst["kind"] == "PodList"
    assert [p["metadata"]["name"] for p in lst["items"]] == ["p1"]
    assert lst["metadata"]["resourceVersion"]
    upd = {**created, "metadata": {**created["metadata"], "labels": {"app": "api"}}}
    r = h.request("PUT", "/api/v1/namespaces/default/pods/p1", json=upd)
    assert r.status_code == 200
    assert r.json()["metadata"]["labels"] == {"app": "api"}
    r = h.request("PUT", "/api/v1/namespaces/default/pods/p1", json=upd)
    assert r.status_code == 409
    assert _status(r)["reason"] == "Conflict"
    r = h.request(
        "DELETE", "/api/v1/namespaces/default/pods/p1", json={"propagationPolicy": "Background"}
    )
    assert r.status_code == 200
    assert r.json()["metadata"]["name"] == "p1"
    r = h.request("GET", "/api/v1/namespaces/default/pods/p1")
    assert r.status_code == 404
    st = _status(r)
    assert st["reason"] == "NotFound"
    assert st["message"] == 'pods "p1" not found'
    assert st["details"] == {"name": "p1", "kind": "pods"}


def test_create_without_content_type_and_with_yaml(h):
    r = h.request(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        content=orjson.dumps({"metadata": {"name": "a"}}),
    )
    assert r.status_code == 201
    r = h.request(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        content=b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  k: v\n",
        headers={"Content-Type": "application/yaml"},
    )
    assert r.status_code == 201
    assert r.json()["data"] == {"k": "v"}
    r = h.request(
        "GET", "/api/v1/namespaces/default/configmaps/b", headers={"Accept": "application/yaml"}
    )
    assert r.headers["content-type"] == "application/yaml"
    assert "name: b" in r.text


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "code", "reason"),
    [
        pytest.param("GET", "/api/v2/pods", {}, 404, "NotFound", id="unknown-version"),
        pytest.param("GET", "/api/v1/widgets", {}, 404, "NotFound", id="unknown-resource"),
        pytest.param("GET", "/nope", {}, 404, "NotFound", id="unknown-path"),
        pytest.param(
            "PUT",
            "/api/v1/namespaces/default/pods",
            {"json": {}},
            405,
            "MethodNotAllowed",
            id="put-collection",
        ),
        pytest.param(
            "POST",
            "/api/v1/namespaces/default/pods/x",
            {"json": POD},
            405,
            "MethodNotAllowed",
            id="post-object",
        ),
        pytest.param("POST", "/version", {}, 405, "MethodNotAllowed", id="post-version"),
        pytest.param(
            "POST",
            "/api/v1/namespaces/default/pods",
            {"content": b"{nope"},
            400,
            "BadRequest",
            id="bad-json",
        ),
        pytest.param(
            "POST",
            "/api/v1/namespaces/default/pods",
            {"content": b"x", "headers": {"Content-Type": "text/plain"}},
            415,
            "UnsupportedMediaType",
            id="bad-content-type",
        ),
        pytest.param(
            "PATCH",
            "/api/v1/namespaces/default/pods/x",
            {"json": {}, "headers": {"Content-Type": "application/json"}},
            415,
            "UnsupportedMediaType",
            id="patch-json-content-type",
        ),
        pytest.param(
            "GET",
            "/api/v1/pods",
            {"headers": {"Accept": "application/vnd.kubernetes.protobuf"}},
            406,
            "NotAcceptable",
            id="protobuf-only",
        ),
        pytest.param(
            "POST",
            "/api/v1/namespaces/default/pods",
            {"json": {**POD, "metadata": {"name": "Bad_Name"}}},
            422,
            "Invalid",
            id="invalid",
        ),
        pytest.param("GET", "/api/v1/pods?limit=abc", {}, 400, "BadRequest", id="bad-limit"),
        pytest.param(
            "GET", "/api/v1/pods?labelSelector=a+in+(", {}, 400, "BadRequest", id="bad-selector"
        ),
        pytest.param(
            "GET", "/api/v1/pods?fieldSelector=foo%3Dbar", {}, 400, "BadRequest", id="bad-field"
        ),
        pytest.param(
            "POST",
            "/api/v1/namespaces/default/configmaps?dryRun=Some",
            {"json": {"metadata": {"name": "x"}}},
            400,
            "BadRequest",
            id="bad-dry-run",
        ),
        pytest.param(
            "POST",
            "/api/v1/namespaces/default/configmaps?fieldValidation=Loose",
            {"json": {"metadata": {"name": "x"}}},
            400,
            "BadRequest",
            id="bad-field-validation",
        ),
        pytest.param(
            "POST",
            "/api/v1/namespaces/ghost/configmaps",
            {"json": {"metadata": {"name": "x"}}},
            404,
            "NotFound",
            id="missing-namespace",
        ),
        pytest.param(
            "GET", "/api/v1/namespaces/default/nodes", {}, 404, "NotFound", id="ns-on-cluster-scope"
        ),
        pytest.param("GET", "/api/v1/nodes/n1/status/extra", {}, 404, "NotFound", id="too-deep"),
        pytest.param(
            "DELETE", "/api/v1/namespaces/default", {}, 403, "Forbidden", id="delete-default-ns"
        ),
    ],
)
def test_error_paths_are_status_objects(h, method, path, kwargs, code, reason):
    r = h.request(method, path, **kwargs)
    assert r.status_code == code, r.text
    assert _status(r)["reason"] == reason


def test_invalid_carries_field_causes(h):
    r = h.request(
        "POST",
        "/api/v1/namespaces/default/pods",
        json={"metadata": {"name": "x"}, "spec": {"containers": []}},
    )
    st = _status(r)
    assert r.status_code == 422
    assert st["message"].startswith('Pod "x" is invalid: ')
    assert {
        "reason": "FieldValueRequired",
        "message": "Required value",
        "field": "spec.containers",
    } in st["details"]["causes"]


def test_request_body_too_large(h):
    big = {"metadata": {"name": "big"}, "data": {"k": "x" * (3 * 1024 * 1024 + 10)}}
    r = h.request("POST", "/api/v1/namespaces/default/configmaps", json=big)
    assert r.status_code == 413
    assert _status(r)["reason"] == "RequestEntityTooLarge"


def test_deeply_nested_body_is_refused(h):
    nested: Any = {}
    for _ in range(200):
        nested = {"a": nested}
    r = h.request(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        json={"metadata": {"name": "x"}, "data": nested},
    )
    assert r.status_code == 400
    assert "nested more than 100 levels deep" in _status(r)["message"]
    # Brackets inside strings are not nesting (the quick bracket count only skips the walk).
    r = h.request(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        json={"metadata": {"name": "braces"}, "data": {"k": "{[" * 300}},
    )
    assert r.status_code == 201


def test_field_validation_warn_and_strict(h):
    body = {"metadata": {"name": "w"}, "data": {"a": "b"}, "bogus": 1}
    r = h.request("POST", "/api/v1/namespaces/default/configmaps", json=body)
    assert r.status_code == 201
    assert r.headers["warning"] == '299 - "unknown field \\"bogus\\""'
    assert "bogus" not in r.json()
    body["metadata"]["name"] = "s"
    r = h.request("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", json=body)
    assert r.status_code == 400
    assert _status(r)["message"] == 'strict decoding error: unknown field "bogus"'
    r = h.request("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Ignore", json=body)
    assert r.status_code == 201
    assert "warning" not in r.headers


def test_dry_run_query_parameter(h):
    r = h.request(
        "POST", "/api/v1/namespaces/default/configmaps?dryRun=All", json={"metadata": {"name": "d"}}
    )
    assert r.status_code == 201
    assert h.request("GET", "/api/v1/namespaces/default/configmaps/d").status_code == 404


def test_delete_options_from_body_and_query(h):
    h.request(
        "POST",
        "/api/v1/namespaces/default/pods",
        json={**POD, "spec": {**POD["spec"], "nodeName": "n1"}},
    )
    r = h.request("DELETE", "/api/v1/namespaces/default/pods/p1?gracePeriodSeconds=5")
    assert r.json()["metadata"]["deletionGracePeriodSeconds"] == 5
    r = h.request(
        "DELETE",
        "/api/v1/namespaces/default/pods/p1",
        content=b'{"gracePeriodSeconds":0}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 200
    assert h.request("GET", "/api/v1/namespaces/default/pods/p1").status_code == 404
    r = h.request("DELETE", "/api/v1/namespaces/default/pods/p1", content=b"[1]")
    assert r.status_code == 400


def test_delete_collection(h):
    for n in ("a", "b"):
        h.request(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            json={"metadata": {"name": n, "labels": {"x": n}}},
        )
    r = h.request("DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=x%3Da")
    assert r.status_code == 200
    assert [i["metadata"]["name"] for i in r.json()["items"]] == ["a"]
    names = [
        i["metadata"]["name"]
        for i in h.request("GET", "/api/v1/namespaces/default/configmaps").json()["items"]
    ]
    assert names == ["b"]


def test_binding_and_bindings_collection(h):
    h.request("POST", "/api/v1/namespaces/default/pods", json=POD)
    h.request("POST", "/api/v1/namespaces/default/pods", json={**POD, "metadata": {"name": "p2"}})
    body = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "p1"},
        "target": {"apiVersion": "v1", "kind": "Node", "name": "n1"},
    }
    r = h.request("POST", "/api/v1/namespaces/default/pods/p1/binding", json=body)
    assert r.status_code == 201
    assert r.json()["status"] == "Success"
    r = h.request("POST", "/api/v1/namespaces/default/pods/p1/binding", json=body)
    assert r.status_code == 409
    body["metadata"]["name"] = "p2"
    r = h.request("POST", "/api/v1/namespaces/default/bindings", json=body)
    assert r.status_code == 201
    assert h.request("GET", "/api/v1/namespaces/default/pods/p2").json()["spec"]["nodeName"] == "n1"


def test_log_subresource(h):
    h.request("POST", "/api/v1/namespaces/default/pods", json=POD)
    r = h.request("GET", "/api/v1/namespaces/default/pods/p1/log?container=c")
    assert r.status_code == 400
    assert (
        _status(r)["message"] == 'container "c" in pod "p1" is waiting to start: ContainerCreating'
    )
    h.registry.log_source = lambda pod, c, **kw: b"hello\n"
    r = h.request("GET", "/api/v1/namespaces/default/pods/p1/log")
    assert r.status_code == 200
    assert r.text == "hello\n"
    assert r.headers["content-type"] == "text/plain"


def test_scale_over_http(h):
    dep = {
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"a": "b"}},
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "i"}]},
            },
        },
    }
    assert (
        h.request("POST", "/apis/apps/v1/namespaces/default/deployments", json=dep).status_code
        == 201
    )
    s = h.request("GET", "/apis/apps/v1/namespaces/default/deployments/web/scale").json()
    assert s["kind"] == "Scale"
    assert s["status"]["selector"] == "a=b"
    s["spec"]["replicas"] = 4
    r = h.request("PUT", "/apis/apps/v1/namespaces/default/deployments/web/scale", json=s)
    assert r.status_code == 200
    assert r.json()["spec"]["replicas"] == 4


def test_partial_object_metadata(h):
    h.request("POST", "/api/v1/namespaces/default/pods", json=POD)
    acc = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
    r = h.request("GET", "/api/v1/pods", headers={"Accept": acc}).json()
    assert r["kind"] == "PartialObjectMetadataList"
    assert r["items"][0]["kind"] == "PartialObjectMetadata"
    assert "spec" not in r["items"][0]


def test_boolean_query_parameters_are_case_insensitive(h):
    assert h.request("GET", "/api/v1/pods?pretty=True").status_code == 200
    assert h.request("GET", "/api/v1/pods?pretty=maybe").status_code == 400


def test_metrics_count_requests(h):
    h.request("GET", "/api/v1/namespaces/default/pods/nope")
    h.request("GET", "/api/v1/pods")
    text = h.request("GET", "/metrics").text
    labels = 'group="",version="v1",resource="pods",subresource=""'
    assert f'apiserver_request_total{{verb="GET",{labels},scope="namespace",code="404"}} 1' in text
    assert (
        f'apiserver_request_duration_seconds_count{{verb="LIST",{labels},scope="cluster"}} 1'
        in text
    )
    assert h.app.metrics.request_count("GET", "pods", 404) == 1


def test_server_side_table(h):
    h.request("POST", "/api/v1/namespaces/default/pods", json=POD)
    t = h.request(
        "GET", "/api/v1/namespaces/default/pods?limit=500", headers={"Accept": TABLE}
    ).json()
    assert t["kind"] == "Table"
    assert t["apiVersion"] == "meta.k8s.io/v1"
    assert [c["name"] for c in t["columnDefinitions"]][:5] == [
        "Name",
        "Ready",
        "Status",
        "Restarts",
        "Age",
    ]
    (row,) = t["rows"]
    assert row["cells"][:3] == ["p1", "0/1", "Pending"]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["namespace"] == "default"
    assert t["metadata"]["resourceVersion"]
    one = h.request(
        "GET", "/api/v1/namespaces/default/pods/p1?includeObject=None", headers={"Accept": TABLE}
    ).json()
    assert "object" not in one["rows"][0]
    bad = h.request("GET", "/api/v1/pods?includeObject=All", headers={"Accept": TABLE})
    assert bad.status_code == 400


def test_token_authentication():
    auth = TokenAuthenticator({"s3cret": UserInfo("alice", "1", ("dev",))}, anonymous=False)
    h = Harness(auth)
    r = h.request("GET", "/api/v1/pods")
    assert r.status_code == 401
    assert _status(r)["reason"] == "Unauthorized"
    r = h.request("GET", "/api/v1/pods", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    r = h.request("GET", "/api/v1/pods", headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 200
    assert h.request("GET", "/healthz").status_code == 200
    assert h.request("GET", "/version").status_code == 401


def test_anonymous_access_when_enabled():
    h = Harness(TokenAuthenticator({}, anonymous=True))
    assert h.request("GET", "/api/v1/pods").status_code == 200
    assert (
        h.request("GET", "/api/v1/pods", headers={"Authorization": "Bearer x"}).status_code == 401
    )


CM = {"metadata": {"name": "cm", "labels": {"a": "1"}}, "data": {"x": "1"}}


def test_patch_types_over_http(h):
    base = "/api/v1/namespaces/default/configmaps"
    assert h.request("POST", base, json=CM).status_code == 201
    r = h.request(
        "PATCH",
        f"{base}/cm?fieldManager=kubectl-patch",
        content=b'{"metadata":{"labels":{"a":null,"b":"2"}}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200
    assert r.json()["metadata"]["labels"] == {"b": "2"}
    r = h.request(
        "PATCH",
        f"{base}/cm",
        content=b'{"data":{"y":"2"}}',
        headers={"Content-Type": "application/strategic-merge-patch+json"},
    )
    assert r.json()["data"] == {"x": "1", "y": "2"}
    r = h.request(
        "PATCH",
        f"{base}/cm",
        content=b'[{"op":"remove","path":"/data/x"}]',
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert r.json()["data"] == {"y": "2"}
    r = h.request(
        "PATCH",
        f"{base}/cm",
        content=b'[{"op":"test","path":"/data/y","value":"nope"}]',
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert r.status_code == 422
    assert _status(r)["reason"] == "Invalid"
    r = h.request(
        "PATCH",
        f"{base}/missing",
        content=b"{}",
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 404


def test_patch_resource_version_precondition(h):
    base = "/api/v1/namespaces/default/configmaps"
    created = h.request("POST", base, json=CM).json()
    rv = created["metadata"]["resourceVersion"]
    h.request(
        "PATCH",
        f"{base}/cm",
        content=b'{"data":{"z":"1"}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    r = h.request(
        "PATCH",
        f"{base}/cm",
        content=orjson.dumps({"metadata": {"resourceVersion": rv}, "data": {"z": "2"}}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 409
    assert _status(r)["reason"] == "Conflict"


def test_server_side_apply_over_http(h):
    base = "/api/v1/namespaces/default/configmaps"
    body = orjson.dumps(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"k": "v"}}
    )
    ct = {"Content-Type": "application/apply-patch+yaml"}
    r = h.request("PATCH", f"{base}/ssa", content=body, headers=ct)
    assert r.status_code == 422  # fieldManager is required
    r = h.request("PATCH", f"{base}/ssa?fieldManager=one", content=body, headers=ct)
    assert r.status_code == 201
    assert r.json()["metadata"]["managedFields"][0]["operation"] == "Apply"
    r = h.request("PATCH", f"{base}/ssa?fieldManager=one", content=body, headers=ct)
    assert r.status_code == 200
    other = orjson.dumps(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"k": "w"}}
    )
    r = h.request("PATCH", f"{base}/ssa?fieldManager=two", content=other, headers=ct)
    assert r.status_code == 409
    st = _status(r)
    assert st["reason"] == "Conflict"
    assert st["details"]["causes"][0]["field"] == ".data.k"
    r = h.request("PATCH", f"{base}/ssa?fieldManager=two&force=true", content=other, headers=ct)
    assert r.status_code == 200
    assert r.json()["data"] == {"k": "w"}
    yaml_body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa2\ndata:\n  k: v\n"
    r = h.request("PATCH", f"{base}/ssa2?fieldManager=one", content=yaml_body, headers=ct)
    assert r.status_code == 201
    r = h.request(
        "PATCH",
        f"{base}/ssa2?force=true",
        content=b'{"data":{}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 422  # force only with apply


def test_scale_patch_and_status_patch(h):
    dep = {
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"a": "b"}},
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "i"}]},
            },
        },
    }
    h.request("POST", "/apis/apps/v1/namespaces/default/deployments", json=dep)
    r = h.request(
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/web/scale",
        content=b'{"spec":{"replicas":3}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200
    assert r.json()["kind"] == "Scale"
    assert r.json()["spec"]["replicas"] == 3
    r = h.request(
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/web/status",
        content=b'{"status":{"replicas":3},"spec":{"replicas":9}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200
    got = h.request("GET", "/apis/apps/v1/namespaces/default/deployments/web").json()
    assert got["status"]["replicas"] == 3
    assert got["spec"]["replicas"] == 3


def test_eviction_over_http(h):
    for name in ("a", "b"):
        pod = {**POD, "metadata": {"name": name, "labels": {"app": "db"}}}
        h.request("POST", "/api/v1/namespaces/default/pods", json=pod)
        h.request(
            "PATCH",
            f"/api/v1/namespaces/default/pods/{name}/status",
            content=b'{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}',
            headers={"Content-Type": "application/merge-patch+json"},
        )
    pdbs = "/apis/policy/v1/namespaces/default/poddisruptionbudgets"
    ev = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "a"}}
    # maxUnavailable needs the pods' controllers to know the expected scale: bare pods are
    # protected entirely, as with kube-controller-manager's disruption controller
    pdb = {
        "metadata": {"name": "db"},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "db"}}},
    }
    assert h.request("POST", pdbs, json=pdb).status_code == 201
    r = h.request("POST", "/api/v1/namespaces/default/pods/a/eviction", json=ev)
    assert r.status_code == 429
    h.request("DELETE", f"{pdbs}/db")
    pdb["spec"] = {"minAvailable": 1, "selector": {"matchLabels": {"app": "db"}}}
    assert h.request("POST", pdbs, json=pdb).status_code == 201
    r = h.request("POST", "/api/v1/namespaces/default/pods/a/eviction", json=ev)
    assert r.status_code == 201
    assert r.json()["status"] == "Success"
    ev["metadata"]["name"] = "b"
    r = h.request("POST", "/api/v1/namespaces/default/pods/b/eviction", json=ev)
    assert r.status_code == 429
    assert _status(r)["reason"] == "TooManyRequests"


def test_finalize_and_pod_subresources_over_http(h):
    h.request("POST", "/api/v1/namespaces", json={"metadata": {"name": "team"}})
    ns = h.request("GET", "/api/v1/namespaces/team").json()
    ns["spec"]["finalizers"] = ["kubernetes", "example.com/keep"]
    r = h.request("PUT", "/api/v1/namespaces/team/finalize", json=ns)
    assert r.status_code == 200
    assert r.json()["spec"]["finalizers"] == [
        "kubernetes",
        "example.com/keep",
    ]
    h.request("POST", "/api/v1/namespaces/default/pods", json=POD)
    pod = h.request("GET", "/api/v1/namespaces/default/pods/p1/ephemeralcontainers").json()
    pod["spec"]["ephemeralContainers"] = [
        {"name": "debug", "image": "busybox", "targetContainerName": "c"}
    ]
    r = h.request("PUT", "/api/v1/namespaces/default/pods/p1/ephemeralcontainers", json=pod)
    assert r.status_code == 200, r.text
    assert r.json()["spec"]["ephemeralContainers"][0]["name"] == "debug"
    r = h.request("GET", "/api/v1/namespaces/default/pods/p1/status")
    assert r.status_code == 200
    assert r.json()["kind"] == "Pod"
    assert h.request("DELETE", "/api/v1/namespaces/default/pods/p1/status").status_code == 405
