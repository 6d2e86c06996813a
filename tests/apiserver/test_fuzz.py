"""Property-based fuzzing of the HTTP API: no request, however malformed, gets a 5xx.

Hypothesis draws methods, paths built from the URL grammar's own vocabulary mixed with junk,
query parameters the server reads (with junk values), content types, Accept headers and bodies
(random JSON, near-valid objects and patches, random bytes). Every answer must be below 500 and
every error a well-formed ``Status``. The one deliberate exception is kube-apiserver's answer to
a resourceVersion the store has not reached yet (``504`` reason ``Timeout`` with cause
``ResourceVersionTooLarge``), which clients such as client-go's reflector rely on.
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kcore.apiserver.app import create_app
from kcore.apiserver.registry import APIRegistry
from kcore.storage.memory import MemoryStore
from kcore.util.clock import RealClock

SEGMENTS = [
    "api",
    "apis",
    "v1",
    "v2",
    "apps",
    "batch",
    "policy",
    "namespaces",
    "default",
    "kube-system",
    "pods",
    "nodes",
    "services",
    "configmaps",
    "deployments",
    "replicasets",
    "events",
    "leases",
    "status",
    "scale",
    "binding",
    "bindings",
    "eviction",
    "log",
    "finalize",
    "watch",
    "p1",
    "web",
    "n1",
    "x",
    "..",
    "%2F",
    "é",
    "openapi",
    "v3",
    "version",
    "healthz",
    "readyz",
    "metrics",
    "coordination.k8s.io",
    "resize",
    "ephemeralcontainers",
]
PARAMS = [
    "watch",
    "labelSelector",
    "fieldSelector",
    "limit",
    "continue",
    "resourceVersion",
    "resourceVersionMatch",
    "dryRun",
    "fieldValidation",
    "fieldManager",
    "force",
    "gracePeriodSeconds",
    "propagationPolicy",
    "pretty",
    "includeObject",
    "allowWatchBookmarks",
    "sendInitialEvents",
    "container",
    "tailLines",
    "orphanDependents",
    "timeout",
]
VALUES = [
    "",
    "true",
    "True",
    "0",
    "1",
    "-1",
    "99999999999999999999",
    "All",
    "Strict",
    "Warn",
    "a=b",
    "a in (",
    "metadata.name=p1",
    "spec.nodeName=",
    "x!=y,z",
    "Exact",
    "NotOlderThan",
    "Orphan",
    "Foreground",
    "None",
    "Object",
    "Metadata",
    "%00",
    "\u00e9",
]
CONTENT_TYPES = [
    None,
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/json-patch+json",
    "application/apply-patch+yaml",
    "text/plain",
    "garbage",
]
ACCEPTS = [
    None,
    "application/json",
    "application/yaml",
    "*/*",
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    "application/json;as=Table;v=v1;g=meta.k8s.io",
    "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io",
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
    "application/vnd.kubernetes.protobuf",
    "text/html",
    ";;;,,,",
]

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
metadata = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["p1", "web", "n1", "", "Bad_Name", "x" * 300]) | json_leaf,
        "namespace": st.sampled_from(["default", "other", ""]) | json_leaf,
        "generateName": st.sampled_from(["gen-", ""]) | json_leaf,
        "labels": st.dictionaries(
            st.sampled_from(["app", "a/b", "", "x" * 70]),
            json_leaf | st.text(max_size=5),
            max_size=3,
        ),
        "finalizers": st.lists(json_leaf, max_size=2),
        "resourceVersion": st.sampled_from(["1", "abc", "999999"]) | json_leaf,
        "ownerReferences": json_value,
    },
)
obj_body = st.fixed_dictionaries(
    {"metadata": metadata},
    optional={
        "apiVersion": st.sampled_from(["v1", "apps/v1", "policy/v1", "bogus"]),
        "kind": st.sampled_from(
            ["Pod", "ConfigMap", "Deployment", "Binding", "Eviction", "Scale", "Status"]
        ),
        "spec": json_value,
        "status": json_value,
        "data": json_value,
        "target": json_value,
        "deleteOptions": json_value,
        "gracePeriodSeconds": json_value,
        "propagationPolicy": json_value,
        "preconditions": json_value,
    },
)
json_patch = st.lists(
    st.fixed_dictionaries(
        {"op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "nope"])},
        optional={
            "path": st.sampled_from(["/metadata/labels/a", "/spec", "", "/x/0", "~1"]) | json_leaf,
            "from": st.sampled_from(["/metadata", "/a"]),
            "value": json_value,
        },
    ),
    max_size=3,
)


def _dumps(v: Any) -> bytes:
    # the standard library also writes integers beyond 64 bits (which orjson refuses)
    return json.dumps(v).encode()


bodies = (
    st.none()
    | obj_body.map(_dumps)
    | json_value.map(_dumps)
    | json_patch.map(_dumps)
    | st.binary(max_size=64)
    | st.just(b"k8s\x00\n\x0c\n\x02v1\x12\x06Secret\x12\x00")
)


class _Harness:
    def __init__(self) -> None:
        self.store = MemoryStore()
        self.registry = APIRegistry(
            self.store, RealClock(), rng=random.Random(1), watch_timeout=0.01
        )
        self.app = create_app(self.registry)
        self.registry.create(
            "pods",
            {"metadata": {"name": "p1"}, "spec": {"containers": [{"name": "c", "image": "i"}]}},
            namespace="default",
        )
        self.registry.create("nodes", {"metadata": {"name": "n1"}})

    def request(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> httpx.Response:
        async def main() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://fuzz") as c:
                return await c.request(method, url, headers=headers, content=body)

        return asyncio.run(main())


HARNESS: dict[str, _Harness] = {}


def _harness() -> _Harness:
    if "h" not in HARNESS:
        HARNESS["h"] = _Harness()
    return HARNESS["h"]


def _check(resp: httpx.Response) -> None:
    if resp.request.method == "HEAD":
        assert resp.status_code < 500
        return
    if resp.status_code >= 500:
        body: dict[str, Any] = resp.json()
        causes = [c.get("reason") for c in (body.get("details") or {}).get("causes") or []]
        assert resp.status_code == 504, resp.text
        assert body.get("reason") == "Timeout", resp.text
        assert "ResourceVersionTooLarge" in causes, resp.text
    if resp.status_code >= 400 and resp.headers.get("content-type", "").startswith(
        "application/json"
    ):
        body = resp.json()
        assert body["kind"] == "Status", resp.text
        assert body["code"] == resp.status_code, resp.text
        assert body["status"] == "Failure", resp.text
        assert isinstance(body["message"], str)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
    segments=st.lists(
        st.sampled_from(SEGMENTS)
        | st.text(min_size=1, max_size=6).filter(
            lambda s: "/" not in s and "?" not in s and "#" not in s
        ),
        min_size=0,
        max_size=7,
    ),
    params=st.dictionaries(
        st.sampled_from(PARAMS), st.sampled_from(VALUES) | st.text(max_size=8), max_size=4
    ),
    content_type=st.sampled_from(CONTENT_TYPES),
    accept=st.sampled_from(ACCEPTS),
    body=bodies,
)
def test_no_request_gets_a_server_error(method, segments, params, content_type, accept, body):
    params = dict(params)
    if "watch" in params or "watch" in segments:
        params["timeoutSeconds"] = "0"
    path = "/" + "/".join(quote(seg, safe="%") for seg in segments)
    url = httpx.URL(path, params=params)
    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    if accept:
        headers["Accept"] = accept
    resp = _harness().request(method, str(url), headers, body)
    _check(resp)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    resource=st.sampled_from(
        [
            "/api/v1/namespaces/default/pods",
            "/api/v1/namespaces/default/configmaps",
            "/apis/apps/v1/namespaces/default/deployments",
            "/api/v1/nodes",
            "/api/v1/namespaces/default/services",
            "/api/v1/namespaces",
            "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
            "/apis/coordination.k8s.io/v1/namespaces/default/leases",
            "/api/v1/namespaces/default/pods/p1/binding",
            "/api/v1/namespaces/default/pods/p1/eviction",
            "/api/v1/namespaces/default/bindings",
            "/apis/apps/v1/namespaces/default/deployments/web/scale",
        ]
    ),
    method=st.sampled_from(["POST", "PUT", "PATCH"]),
    patch_type=st.sampled_from(
        [
            "application/merge-patch+json",
            "application/strategic-merge-patch+json",
            "application/json-patch+json",
            "application/apply-patch+yaml",
        ]
    ),
    body=obj_body,
    manager=st.sampled_from([None, "fuzz"]),
)
def test_near_valid_writes_never_fail_the_server(resource, method, patch_type, body, manager):
    path = resource
    if method in ("PUT", "PATCH") and not resource.endswith(
        ("binding", "eviction", "scale", "bindings")
    ):
        name = body["metadata"].get("name")
        safe = quote(name, safe="") if isinstance(name, str) and name else "p1"
        path = f"{resource}/{safe}"
    params = {"fieldManager": manager} if manager else {}
    ctype = patch_type if method == "PATCH" else "application/json"
    resp = _harness().request(
        method, str(httpx.URL(path, params=params)), {"Content-Type": ctype}, _dumps(body)
    )
    _check(resp)
