"""The official ``kubernetes`` Python client against a real kcore APIServer (HTTPS + token).

The same flows as the kubectl tests, through the typed client: version, namespaces, pod
create/read/list (label selector, chunking), the three patch types, replace with a stale
resourceVersion, delete, watch (bookmarks, timeout), binding, scale, status, deployments and the
dynamic client's server-side apply.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import pytest
from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException

from kcore.testing.apiserver import ThreadedAPIServer, apiserver_thread

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.e2e

_ns_counter = itertools.count()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedAPIServer]:
    with apiserver_thread(store="sqlite", data_dir=tmp_path_factory.mktemp("kcore")) as srv:
        yield srv


@pytest.fixture(scope="module")
def api(server: ThreadedAPIServer) -> Iterator[client.ApiClient]:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(server.kubeconfig_path), client_configuration=cfg)
    with client.ApiClient(cfg) as c:
        yield c


@pytest.fixture
def ns(api: client.ApiClient) -> str:
    name = f"py{next(_ns_counter)}"
    client.CoreV1Api(api).create_namespace(
        client.V1Namespace(metadata=client.V1ObjectMeta(name=name))
    )
    return name


def _pod(name: str, labels: dict[str, str] | None = None) -> client.V1Pod:
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx")]),
    )


def test_version_and_namespaces(api):
    v = client.VersionApi(api).get_code()
    assert (v.major, v.minor) == ("1", "32")
    names = {n.metadata.name for n in client.CoreV1Api(api).list_namespace().items}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= names


def test_pod_create_read_list_chunked(api, ns):
    core = client.CoreV1Api(api)
    for i in range(5):
        core.create_namespaced_pod(ns, _pod(f"p{i}", {"app": "web" if i % 2 == 0 else "db"}))
    p = core.read_namespaced_pod("p0", ns)
    assert p.status.phase == "Pending"
    assert p.metadata.uid
    assert p.spec.containers[0].image_pull_policy == "Always"
    page = core.list_namespaced_pod(ns, label_selector="app=web", limit=2)
    names = [x.metadata.name for x in page.items]
    assert len(names) == 2
    assert page.metadata._continue
    rest = core.list_namespaced_pod(
        ns, label_selector="app=web", limit=2, _continue=page.metadata._continue
    )
    names += [x.metadata.name for x in rest.items]
    assert names == ["p0", "p2", "p4"]
    assert not rest.metadata._continue
    allp = core.list_pod_for_all_namespaces(field_selector=f"metadata.namespace={ns}")
    assert len(allp.items) == 5
    with pytest.raises(ApiException) as exc:
        core.read_namespaced_pod("nope", ns)
    assert exc.value.status == 404


def test_three_patch_types_and_stale_replace(api, ns):
    core = client.CoreV1Api(api)
    core.create_namespaced_pod(ns, _pod("p", {"a": "1"}))
    core.patch_namespaced_pod("p", ns, {"metadata": {"labels": {"b": "2"}}})
    core.patch_namespaced_pod(
        "p", ns, {"metadata": {"labels": {"a": None}}}, _content_type="application/merge-patch+json"
    )
    core.patch_namespaced_pod("p", ns, [{"op": "add", "path": "/metadata/labels/c", "value": "3"}])
    p = core.read_namespaced_pod("p", ns)
    assert p.metadata.labels == {"b": "2", "c": "3"}
    stale = core.read_namespaced_pod("p", ns)
    core.patch_namespaced_pod("p", ns, {"metadata": {"annotations": {"x": "y"}}})
    stale.metadata.labels["d"] = "4"
    with pytest.raises(ApiException) as exc:
        core.replace_namespaced_pod("p", ns, stale)
    assert exc.value.status == 409
    fresh = core.read_namespaced_pod("p", ns)
    fresh.metadata.labels["d"] = "4"
    assert core.replace_namespaced_pod("p", ns, fresh).metadata.labels["d"] == "4"


def test_delete_and_watch(api, ns):
    core = client.CoreV1Api(api)
    core.create_namespaced_pod(ns, _pod("w", {"app": "w"}))
    core.delete_namespaced_pod("w", ns)
    events = [
        (e["type"], e["object"])
        for e in watch.Watch().stream(
            core.list_namespaced_pod,
            ns,
            label_selector="app=w",
            timeout_seconds=1,
            allow_watch_bookmarks=True,
        )
    ]
    # the pod is gone: nothing current to replay, the stream ends at the timeout
    assert [t for t, _ in events if t != "BOOKMARK"] == []
    core.create_namespaced_pod(ns, _pod("w2", {"app": "w"}))
    rv = core.list_namespaced_pod(ns).metadata.resource_version
    core.patch_namespaced_pod("w2", ns, {"metadata": {"labels": {"x": "1"}}})
    seen = []
    for e in watch.Watch().stream(
        core.list_namespaced_pod, ns, resource_version=rv, timeout_seconds=1
    ):
        seen.append((e["type"], e["object"].metadata.name, e["object"].metadata.labels.get("x")))
    assert seen == [("MODIFIED", "w2", "1")]


def test_binding_and_status(api, ns):
    core = client.CoreV1Api(api)
    core.create_namespaced_pod(ns, _pod("b"))
    body = client.V1Binding(
        metadata=client.V1ObjectMeta(name="b"),
        target=client.V1ObjectReference(api_version="v1", kind="Node", name="n1"),
    )
    # The real apiserver answers a Status, which the client cannot read as a V1Binding
    # (kubernetes-client/python#547): callers skip deserialisation.
    resp = core.create_namespaced_pod_binding("b", ns, body, _preload_content=False)
    assert resp.status == 201
    assert b'"status":"Success"' in resp.data
    resp.release_conn()
    p = core.read_namespaced_pod("b", ns)
    assert p.spec.node_name == "n1"
    assert any(c.type == "PodScheduled" and c.status == "True" for c in p.status.conditions)
    with pytest.raises(ApiException) as exc:
        core.create_namespaced_pod_binding("b", ns, body, _preload_content=False)
    assert exc.value.status == 409
    core.patch_namespaced_pod_status(
        "b", ns, {"status": {"phase": "Running", "podIP": "127.0.0.5"}}
    )
    p = core.read_namespaced_pod("b", ns)
    assert (p.status.phase, p.status.pod_ip) == ("Running", "127.0.0.5")


def test_deployment_scale(api, ns):
    apps = client.AppsV1Api(api)
    dep = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1DeploymentSpec(
            replicas=1,
            selector=client.V1LabelSelector(match_labels={"app": "web"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "web"}),
                spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx")]),
            ),
        ),
    )
    out = apps.create_namespaced_deployment(ns, dep)
    assert out.metadata.generation == 1
    assert out.spec.strategy.type == "RollingUpdate"
    scale = apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 3}})
    assert scale.spec.replicas == 3
    assert scale.status.selector == "app=web"
    got = apps.read_namespaced_deployment("web", ns)
    assert got.spec.replicas == 3
    assert got.metadata.generation == 2


def test_dynamic_client_server_side_apply(api, ns):
    dyn = dynamic.DynamicClient(api)
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "ssa", "namespace": ns},
        "data": {"k": "v"},
    }
    out = cms.server_side_apply(body=body, field_manager="pytest", namespace=ns)
    assert out.data.k == "v"
    managers = [m.manager for m in out.metadata.managedFields]
    assert "pytest" in managers
