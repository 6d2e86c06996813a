"""APIRegistry semantics over the memory store: the request path below HTTP.

Covers object lifecycle (uid, timestamps, generateName, generation, status/spec separation,
preconditions, no-op updates, finalizers, graceful deletion, propagation finalizers, dry-run),
lists (selectors, chunking, resourceVersion semantics), namespaces, subresources (status, scale,
binding, eviction, log, finalize) and Event conversion. Admission plugins have their own file.
"""

from __future__ import annotations

import random

import pytest

from kcore.api.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Expired,
    Forbidden,
    Invalid,
    MethodNotAllowed,
    NotFound,
    Timeout,
    TooManyRequests,
)
from kcore.apiserver.registry import DEFAULT_NAMESPACES, APIRegistry, RequestContext
from kcore.util.clock import rfc3339


def test_bootstrap_creates_default_namespaces_and_system_priority_classes(registry):
    names = [n["metadata"]["name"] for n in registry.list("namespaces")["items"]]
    assert sorted(names) == sorted(DEFAULT_NAMESPACES)
    for ns in DEFAULT_NAMESPACES:
        assert registry.get("serviceaccounts", "default", namespace=ns)
        assert registry.get("namespaces", ns)["status"]["phase"] == "Active"
    pcs = {p["metadata"]["name"]: p["value"] for p in registry.list("priorityclasses")["items"]}
    assert pcs == {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}


def test_bootstrap_is_idempotent_on_restart(store, clock):
    APIRegistry(store, clock, rng=random.Random(1))
    rev = store.revision
    APIRegistry(store, clock, rng=random.Random(2))
    assert store.revision == rev


def test_create_sets_system_fields_and_resets_pod_status(registry, clock, make_pod):
    body = make_pod("p1")
    body["status"] = {"phase": "Running", "podIP": "1.2.3.4"}
    body["metadata"]["uid"] = "client-chosen"
    body["metadata"]["resourceVersion"] = "999"
    out = registry.create("pods", body, namespace="default")
    md = out["metadata"]
    assert md["uid"] != "client-chosen"
    assert len(md["uid"]) == 36
    assert md["creationTimestamp"] == rfc3339(clock.now())
    assert md["namespace"] == "default"
    assert int(md["resourceVersion"]) == registry.store.revision
    assert out["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert out["apiVersion"] == "v1"
    assert out["kind"] == "Pod"
    assert "generation" not in md
    # the caller's dict is untouched
    assert body["metadata"]["uid"] == "client-chosen"


def test_create_without_apiversion_and_kind_takes_them_from_the_endpoint(registry):
    out = registry.create(
        "configmaps", {"metadata": {"name": "c"}, "data": {"a": "b"}}, namespace="default"
    )
    assert (out["apiVersion"], out["kind"]) == ("v1", "ConfigMap")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            {"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
            "does not match the expected API version (v1)",
            id="wrong-version",
        ),
        pytest.param(
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}},
            "does not match the expected kind (ConfigMap)",
            id="wrong-kind",
        ),
        pytest.param(
            {"metadata": {"name": 5}},
            "cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string",
            id="name-not-string",
        ),
        pytest.param(
            {"metadata": {"name": "x", "labels": {"a": 1}}},
            "of type string",
            id="label-not-string",
        ),
        pytest.param(
            {"metadata": {"name": "x", "namespace": "other"}},
            "does not match the namespace sent on the request",
            id="namespace-mismatch",
        ),
        pytest.param([1, 2], "must be a JSON object", id="not-an-object"),
    ],
)
def test_create_rejects_malformed_bodies_with_400(registry, body, message):
    with pytest.raises(BadRequest, match=message.replace("(", r"\(").replace(")", r"\)")):
        registry.create("configmaps", body, namespace="default")


def test_create_duplicate_is_already_exists(registry):
    registry.create("configmaps", {"metadata": {"name": "c"}}, namespace="default")
    with pytest.raises(AlreadyExists, match='configmaps "c" already exists'):
        registry.create("configmaps", {"metadata": {"name": "c"}}, namespace="default")
    dep = {
        "metadata": {"name": "d"},
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "i"}]},
            },
        },
    }
    registry.create("deployments", dep, namespace="default")
    with pytest.raises(AlreadyExists, match=r'deployments\.apps "d" already exists'):
        registry.create("deployments", dep, namespace="default")


def test_create_requires_name_or_generate_name(registry):
    with pytest.raises(Invalid, match="name or generateName is required"):
        registry.create("configmaps", {"metadata": {}}, namespace="default")


def test_generate_name_appends_five_characters(registry):
    out = registry.create("configmaps", {"metadata": {"generateName": "web-"}}, namespace="default")
    name = out["metadata"]["name"]
    assert name.startswith("web-")
    assert len(name) == len("web-") + 5
    assert set(name[4:]) <= set("bcdfghjklmnpqrstvwxz2456789")


def test_generate_name_retries_on_collision(registry, monkeypatch):
    import kcore.apiserver.registry as reg_mod

    names = iter(["web-aaaaa", "web-aaaaa", "web-bbbbb"])
    monkeypatch.setattr(reg_mod, "generate_name", lambda base, rng: next(names))
    first = registry.create(
        "configmaps", {"metadata": {"generateName": "web-"}}, namespace="default"
    )
    second = registry.create(
        "configmaps", {"metadata": {"generateName": "web-"}}, namespace="default"
    )
    assert first["metadata"]["name"] == "web-aaaaa"
    assert second["metadata"]["name"] == "web-bbbbb"


def test_generate_name_gives_up_after_repeated_collisions(registry, monkeypatch):
    import kcore.apiserver.registry as reg_mod

    monkeypatch.setattr(reg_mod, "generate_name", lambda base, rng: "web-aaaaa")
    registry.create("configmaps", {"metadata": {"generateName": "web-"}}, namespace="default")
    with pytest.raises(AlreadyExists, match='configmaps "web-aaaaa" already exists'):
        registry.create("configmaps", {"metadata": {"generateName": "web-"}}, namespace="default")


def test_cluster_scoped_create_drops_namespace(registry):
    out = registry.create(
        "nodes", {"metadata": {"name": "n1", "namespace": "default"}}, namespace=None
    )
    assert "namespace" not in out["metadata"]
    assert registry.get("nodes", "n1")["metadata"]["name"] == "n1"


def test_node_keeps_status_on_create(registry):
    out = registry.create(
        "nodes",
        {
            "metadata": {"name": "n1"},
            "status": {
                "capacity": {"cpu": "4"},
                "conditions": [{"type": "Ready", "status": "True"}],
            },
        },
    )
    assert out["status"]["capacity"]["cpu"] == "4"


def test_generation_bumps_on_spec_change_only(registry, make_deployment):
    d = registry.create("deployments", make_deployment("web"), namespace="default")
    assert d["metadata"]["generation"] == 1
    d2 = {**d, "metadata": {**d["metadata"], "labels": {"x": "y"}}}
    d2 = registry.update("deployments", d2, namespace="default")
    assert d2["metadata"]["generation"] == 1
    d3 = {**d2, "spec": {**d2["spec"], "replicas": 3}}
    d3 = registry.update("deployments", d3, namespace="default")
    assert d3["metadata"]["generation"] == 2
    st = {**d3, "status": {"replicas": 3, "observedGeneration": 2}}
    d4 = registry.update("deployments", st, namespace="default", subresource="status")
    assert d4["metadata"]["generation"] == 2
    assert d4["status"]["replicas"] == 3


def test_main_resource_ignores_status_and_status_ignores_spec(registry, make_deployment):
    d = registry.create("deployments", make_deployment("web"), namespace="default")
    body = {**d, "status": {"replicas": 7}}
    out = registry.update("deployments", body, namespace="default")
    assert out.get("status") == d.get("status")
    body = {
        **out,
        "spec": {**out["spec"], "replicas": 9},
        "metadata": {**out["metadata"], "labels": {"new": "label"}},
        "status": {"replicas": 2},
    }
    out2 = registry.update("deployments", body, namespace="default", subresource="status")
    assert out2["status"] == {"replicas": 2}
    assert out2["spec"]["replicas"] == out["spec"]["replicas"]
    assert "labels" not in out2["metadata"]


def test_update_with_stale_resource_version_conflicts(registry):
    c = registry.create("configmaps", {"metadata": {"name": "c"}}, namespace="default")
    registry.update("configmaps", {**c, "data": {"a": "1"}}, namespace="default")
    with pytest.raises(Conflict) as exc:
        registry.update("configmaps", {**c, "data": {"a": "2"}}, namespace="default")
    assert exc.value.message == (
        'Operation cannot be fulfilled on configmaps "c": the object has been modified; please '
        "apply your changes to the latest version and try again"
    )
    assert exc.value.code == 409


def test_update_without_resource_version_is_unconditional(registry):
    registry.create("configmaps", {"metadata": {"name": "c"}}, namespace="default")
    out = registry.update(
        "configmaps", {"metadata": {"name": "c"}, "data": {"a": "1"}}, namespace="default"
    )
    assert out["data"] == {"a": "1"}


def test_update_keeps_immutable_system_fields(registry):
    c = registry.create("configmaps", {"metadata": {"name": "c"}}, namespace="default")
    body = {
        "metadata": {
            "name": "c",
            "uid": c["metadata"]["uid"],
            "creationTimestamp": "2000-01-01T00:00:00Z",
        },
        "data": {"k": "v"},
    }
    out = registry.update("configmaps", body, namespace="default")
    assert out["metadata"]["creationTimestamp"] == c["metadata"]["creationTimestamp"]
    assert out["metadata"]["uid"] == c["metadata"]["uid"]


def test_noop_update_does_not_write(registry):
    c = registry.create(
        "configmaps", {"metadata": {"name": "c"}, "data": {"a": "b"}}, namespace="default"
    )
    rev = registry.store.revision
    out = registry.update("configmaps", c, namespace="default")
    assert out["metadata"]["resourceVersion"] == c["metadata"]["resourceVersion"]
    assert registry.store.revision == rev


def test_update_missing_object_is_not_found_unless_create_on_update(registry):
    with pytest.raises(NotFound, match='configmaps "nope" not found'):
        registry.update("configmaps", {"metadata": {"name": "nope"}}, namespace="default")
    ctx = RequestContext()
    out = registry.update(
        "leases.coordination.k8s.io",
        {"metadata": {"name": "l"}, "spec": {"holderIdentity": "a"}},
        namespace="default",
        ctx=ctx,
    )
    assert ctx.created
    assert out["spec"]["holderIdentity"] == "a"


def test_update_name_mismatch_is_bad_request(registry):
    registry.create("configmaps", {"metadata": {"name": "c"}}, namespace="default")
    with pytest.raises(BadRequest, match=r"does not match the name on the URL \(d\)"):
        registry.update("configmaps", {"metadata": {"name": "c"}}, namespace="default", name="d")


def test_concurrent_writers_on_one_object_lose_no_update(registry):
    import threading

    registry.create("configmaps", {"metadata": {"name": "ctr"}, "data": {}}, namespace="default")
    conflicts = []

    def writer(i: int) -> None:
        done = 0
        while done < 25:
            cur = registry.get("configmaps", "ctr", namespace="default")
            data = dict(cur.get("data") or {})
            data[f"w{i}-{done}"] = "x"
            try:
                registry.update("configmaps", {**cur, "data": data}, namespace="default")
            except Conflict:
                conflicts.append(i)
                continue
            done += 1

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    data = registry.get("configmaps", "ctr", namespace="default")["data"]
    assert len(data) == 100  # every acknowledged update is there


def test_delete_unbound_pod_goes_at_once_bound_pod_is_graceful(registry, clock, make_pod):
    registry.create("pods", make_pod("a"), namespace="default")
    out = registry.delete("pods", "a", namespace="default")
    assert out["metadata"]["name"] == "a"
    with pytest.raises(NotFound):
        registry.get("pods", "a", namespace="default")
    registry.create("pods", make_pod("b", node="n1"), namespace="default")
    out = registry.delete("pods", "b", namespace="default")
    assert out["metadata"]["deletionGracePeriodSeconds"] == 30
    assert out["metadata"]["deletionTimestamp"] == rfc3339(clock.now() + 30)
    # still there until its kubelet confirms with grace period 0
    assert registry.get("pods", "b", namespace="default")["metadata"]["deletionTimestamp"]
    registry.delete("pods", "b", namespace="default", grace_period_seconds=0)
    with pytest.raises(NotFound):
        registry.get("pods", "b", namespace="default")


def test_delete_honours_termination_grace_period_and_only_shortens(registry, make_pod):
    registry.create(
        "pods", make_pod("p", node="n1", terminationGracePeriodSeconds=10), namespace="default"
    )
    out = registry.delete("pods", "p", namespace="default")
    assert out["metadata"]["deletionGracePeriodSeconds"] == 10
    out = registry.delete("pods", "p", namespace="default", grace_period_seconds=60)
    assert out["metadata"]["deletionGracePeriodSeconds"] == 10
    out = registry.delete("pods", "p", namespace="default", grace_period_seconds=2)
    assert out["metadata"]["deletionGracePeriodSeconds"] == 2


def test_finalizers_hold_deletion_until_removed(registry):
    registry.create(
        "configmaps", {"metadata": {"name": "f", "finalizers": ["x/y"]}}, namespace="default"
    )
    out = registry.delete("configmaps", "f", namespace="default")
    assert out["metadata"]["deletionTimestamp"]
    cur = registry.get("configmaps", "f", namespace="default")
    with pytest.raises(Invalid, match="no new finalizers can be added"):
        registry.update(
            "configmaps",
            {**cur, "metadata": {**cur["metadata"], "finalizers": ["x/y", "new/one"]}},
            namespace="default",
        )
    final = registry.update(
        "configmaps",
        {**cur, "metadata": {**cur["metadata"], "finalizers": []}},
        namespace="default",
    )
    assert final["metadata"]["name"] == "f"
    with pytest.raises(NotFound):
        registry.get("configmaps", "f", namespace="default")


@pytest.mark.parametrize(
    ("policy", "finalizer"),
    [("Orphan", "orphan"), ("Foreground", "foregroundDeletion")],
)
def test_propagation_policy_is_recorded_as_finalizer(registry, make_deployment, policy, finalizer):
    registry.create("deployments", make_deployment("web"), namespace="default")
    out = registry.delete("deployments", "web", namespace="default", propagation_policy=policy)
    assert finalizer in out["metadata"]["finalizers"]
    assert out["metadata"]["deletionTimestamp"]


def test_background_delete_answers_status_for_kinds_without_returned_object(registry):
    registry.create("configmaps", {"metadata": {"name": "c"}}, namespace="default")
    out = registry.delete("configmaps", "c", namespace="default", propagation_policy="Background")
    assert out["kind"] == "Status"
    assert out["status"] == "Success"
    assert out["details"]["name"] == "c"


def test_delete_preconditions(registry):
    c = registry.create("configmaps", {"metadata": {"name": "c"}}, namespace="default")
    with pytest.raises(Conflict, match="Precondition failed: UID in precondition: nope"):
        registry.delete("configmaps", "c", namespace="default", preconditions={"uid": "nope"})
    with pytest.raises(Conflict, match="ResourceVersion in precondition: 1,"):
        registry.delete(
            "configmaps", "c", namespace="default", preconditions={"resourceVersion": "1"}
        )
    registry.delete(
        "configmaps", "c", namespace="default", preconditions={"uid": c["metadata"]["uid"]}
    )


def test_invalid_propagation_policy(registry):
    registry.create("configmaps", {"metadata": {"name": "c"}}, namespace="default")
    with pytest.raises(Invalid, match="propagationPolicy: Unsupported value"):
        registry.delete("configmaps", "c", namespace="default", propagation_policy="Sometimes")


def test_dry_run_persists_nothing(registry, make_pod):
    rev = registry.store.revision
    out = registry.create("pods", make_pod("dry"), namespace="default", dry_run=True)
    assert out["metadata"]["name"] == "dry"
    assert out["metadata"]["uid"]
    assert registry.store.revision == rev
    registry.create("pods", make_pod("real"), namespace="default")
    rev = registry.store.revision
    registry.delete("pods", "real", namespace="default", dry_run=True)
    cur = registry.get("pods", "real", namespace="default")
    registry.update(
        "pods",
        {**cur, "metadata": {**cur["metadata"], "labels": {"a": "b"}}},
        namespace="default",
        dry_run=True,
    )
    assert registry.store.revision == rev
    assert "labels" not in registry.get("pods", "real", namespace="default")["metadata"]


# ----------------------------------------------------------------------------- lists


def _cms(registry, n: int, ns: str = "default", **labels: str) -> None:
    for i in range(n):
        registry.create(
            "configmaps",
            {"metadata": {"name": f"cm-{i:03d}", "labels": {"i": str(i % 3), **labels}}},
            namespace=ns,
        )


def test_list_with_label_and_field_selectors(registry):
    _cms(registry, 9)
    got = registry.list("configmaps", namespace="default", label_selector="i in (0,1),i!=1")
    assert [o["metadata"]["name"] for o in got["items"]] == ["cm-000", "cm-003", "cm-006"]
    got = registry.list("configmaps", namespace="default", field_selector="metadata.name=cm-004")
    assert [o["metadata"]["name"] for o in got["items"]] == ["cm-004"]
    got = registry.list("configmaps", field_selector="metadata.namespace=default")
    assert len(got["items"]) == 9
    with pytest.raises(BadRequest, match=r"field label not supported: spec\.foo"):
        registry.list("configmaps", field_selector="spec.foo=x")
    with pytest.raises(BadRequest):
        registry.list("configmaps", label_selector="a in (")


def test_pod_field_selectors_select_unscheduled_pods(registry, make_pod):
    registry.create("pods", make_pod("a"), namespace="default")
    registry.create("pods", make_pod("b", node="n1"), namespace="default")
    got = registry.list("pods", field_selector="spec.nodeName=")
    assert [o["metadata"]["name"] for o in got["items"]] == ["a"]
    got = registry.list("pods", field_selector="spec.nodeName=n1,status.phase!=Failed")
    assert [o["metadata"]["name"] for o in got["items"]] == ["b"]


@pytest.mark.parametrize("selector", [None, "i=1"])
def test_chunked_list_is_consistent_and_complete(registry, selector):
    _cms(registry, 20)
    first = registry.list("configmaps", namespace="default", limit=3, label_selector=selector)
    rv = first["metadata"]["resourceVersion"]
    names = [o["metadata"]["name"] for o in first["items"]]
    token = first["metadata"].get("continue")
    # a write after the first page must not show up in later pages (snapshot at rv)
    registry.create(
        "configmaps", {"metadata": {"name": "cm-zzz", "labels": {"i": "1"}}}, namespace="default"
    )
    pages = 1
    while token:
        page = registry.list(
            "configmaps", namespace="default", limit=3, continue_=token, label_selector=selector
        )
        assert page["metadata"]["resourceVersion"] == rv
        names += [o["metadata"]["name"] for o in page["items"]]
        token = page["metadata"].get("continue")
        pages += 1
    expected = [f"cm-{i:03d}" for i in range(20) if selector is None or i % 3 == 1]
    assert names == expected
    assert pages == -(-len(expected) // 3)


def test_remaining_item_count_without_selectors(registry):
    _cms(registry, 5)
    page = registry.list("configmaps", namespace="default", limit=2)
    assert page["metadata"]["remainingItemCount"] == 3


def test_bad_and_expired_continue_tokens(registry, store):
    _cms(registry, 5)
    with pytest.raises(BadRequest, match="continue key is not valid"):
        registry.list("configmaps", namespace="default", continue_="garbage!!")
    page = registry.list("configmaps", namespace="default", limit=2)
    for i in range(3):
        registry.create("configmaps", {"metadata": {"name": f"x{i}"}}, namespace="default")
    store.compact(store.revision)
    with pytest.raises(Expired):
        registry.list("configmaps", namespace="default", continue_=page["metadata"]["continue"])


def test_list_resource_version_semantics(registry, store):
    _cms(registry, 2)
    rv0 = store.revision
    registry.create("configmaps", {"metadata": {"name": "later"}}, namespace="default")
    exact = registry.list(
        "configmaps", namespace="default", resource_version=str(rv0), resource_version_match="Exact"
    )
    assert len(exact["items"]) == 2
    assert exact["metadata"]["resourceVersion"] == str(rv0)
    newest = registry.list(
        "configmaps",
        namespace="default",
        resource_version=str(rv0),
        resource_version_match="NotOlderThan",
    )
    assert len(newest["items"]) == 3
    assert len(registry.list("configmaps", namespace="default", resource_version="0")["items"]) == 3
    with pytest.raises(Timeout, match="Too large resource version"):
        registry.list("configmaps", resource_version=str(store.revision + 100))
    with pytest.raises(BadRequest, match="resourceVersionMatch: Unsupported value"):
        registry.list("configmaps", resource_version="1", resource_version_match="Bogus")
    with pytest.raises(BadRequest, match="invalid resourceVersion"):
        registry.list("configmaps", resource_version="abc")
    store.compact(store.revision)
    with pytest.raises(Expired):
        registry.list("configmaps", resource_version=str(rv0), resource_version_match="Exact")


def test_get_unknown_resource_and_missing_object(registry):
    with pytest.raises(NotFound, match='the server doesn\'t have a resource type "widgets"'):
        registry.get("widgets", "x")
    with pytest.raises(NotFound, match='pods "x" not found'):
        registry.get("pods", "x", namespace="default")


# ----------------------------------------------------------------------------- namespaces


def test_namespace_deletion_removes_contents_then_the_namespace(registry, make_pod):
    registry.create("namespaces", {"metadata": {"name": "team"}})
    registry.create("configmaps", {"metadata": {"name": "c"}}, namespace="team")
    registry.create("pods", make_pod("p"), namespace="team")
    out = registry.delete("namespaces", "team")
    assert out["metadata"]["name"] == "team"
    with pytest.raises(NotFound):
        registry.get("namespaces", "team")
    assert registry.list("configmaps", namespace="team")["items"] == []


def test_namespace_stays_terminating_while_bound_pods_drain(registry, make_pod):
    registry.create("namespaces", {"metadata": {"name": "team"}})
    registry.create("pods", make_pod("p", node="n1"), namespace="team")
    out = registry.delete("namespaces", "team")
    assert out["status"]["phase"] == "Terminating"
    assert out["spec"]["finalizers"] == ["kubernetes"]
    with pytest.raises(Forbidden, match="because it is being terminated"):
        registry.create("configmaps", {"metadata": {"name": "c"}}, namespace="team")
    # the kubelet confirms the pod's termination: the namespace is finalised and removed
    registry.delete("pods", "p", namespace="team", grace_period_seconds=0)
    with pytest.raises(NotFound):
        registry.get("namespaces", "team")


def test_terminating_namespaces_are_finished_on_restart(store, clock, make_pod):
    reg = APIRegistry(store, clock, rng=random.Random(1))
    reg.create("namespaces", {"metadata": {"name": "team"}})
    reg.create("pods", make_pod("p", node="n1"), namespace="team")
    reg.delete("namespaces", "team")
    # The pod goes through storage directly (another server, or a crash before the re-check).
    key = "/registry/pods/team/p"
    store.delete(key)
    APIRegistry(store, clock, rng=random.Random(2))
    with pytest.raises(NotFound):
        reg.get("namespaces", "team")


@pytest.mark.parametrize("ns", DEFAULT_NAMESPACES)
def test_default_namespaces_cannot_be_deleted(registry, ns):
    with pytest.raises(Forbidden, match="this namespace may not be deleted"):
        registry.delete("namespaces", ns)


def test_create_in_missing_namespace_is_not_found(registry):
    with pytest.raises(NotFound, match='namespaces "ghost" not found'):
        registry.create("configmaps", {"metadata": {"name": "c"}}, namespace="ghost")


def test_namespace_finalize_subresource_changes_only_finalizers(registry):
    ns = registry.create("namespaces", {"metadata": {"name": "n"}})
    body = {
        **ns,
        "spec": {"finalizers": ["kubernetes", "example.com/x"]},
        "metadata": {**ns["metadata"], "labels": {"a": "b"}},
    }
    out = registry.update("namespaces", body, subresource="finalize")
    assert out["spec"]["finalizers"] == ["kubernetes", "example.com/x"]
    assert "a" not in out["metadata"].get("labels", {})
    # the main resource keeps spec.finalizers
    out2 = registry.update("namespaces", {**out, "spec": {"finalizers": []}})
    assert out2["spec"]["finalizers"] == ["kubernetes", "example.com/x"]


# ----------------------------------------------------------------------------- subresources


def test_binding_sets_node_and_condition_and_conflicts_when_bound(registry, clock, make_pod):
    registry.create("pods", make_pod("p"), namespace="default")
    out = registry.create(
        "pods",
        {"metadata": {"name": "p"}, "target": {"kind": "Node", "name": "n1"}},
        namespace="default",
        name="p",
        subresource="binding",
    )
    assert out == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }
    p = registry.get("pods", "p", namespace="default")
    assert p["spec"]["nodeName"] == "n1"
    cond = [c for c in p["status"]["conditions"] if c["type"] == "PodScheduled"]
    assert cond == [
        {
            "type": "PodScheduled",
            "status": "True",
            "lastProbeTime": None,
            "lastTransitionTime": rfc3339(clock.now()),
        }
    ]
    with pytest.raises(Conflict, match='pod p is already assigned to node "n1"'):
        registry.create(
            "pods",
            {"metadata": {"name": "p"}, "target": {"name": "n2"}},
            namespace="default",
            subresource="binding",
        )


def test_binding_via_bindings_collection_and_errors(registry, make_pod):
    registry.create("pods", make_pod("p"), namespace="default")
    registry.create(
        "pods",
        {"metadata": {"name": "p"}, "target": {"name": "n1"}},
        namespace="default",
        subresource="binding",
    )
    with pytest.raises(NotFound, match='pods "ghost" not found'):
        registry.create(
            "pods",
            {"metadata": {"name": "ghost"}, "target": {"name": "n1"}},
            namespace="default",
            subresource="binding",
        )
    with pytest.raises(Invalid, match=r"target\.name: Required value"):
        registry.create(
            "pods",
            {"metadata": {"name": "p"}, "target": {}},
            namespace="default",
            subresource="binding",
        )


@pytest.mark.parametrize(
    ("subresource", "body", "message"),
    [
        ("binding", {"kind": "Eviction"}, r"expected kind \(v1/Binding\)"),
        ("binding", {"apiVersion": "policy/v1"}, r"expected kind \(v1/Binding\)"),
        ("eviction", {"kind": "Binding"}, r"expected kind \(policy/v1/Eviction\)"),
        ("eviction", {"apiVersion": "v1"}, r"expected kind \(policy/v1/Eviction\)"),
    ],
)
def test_subresource_bodies_of_the_wrong_kind_are_bad_requests(
    registry, make_pod, subresource, body, message
):
    registry.create("pods", make_pod("p"), namespace="default")
    with pytest.raises(BadRequest, match=message):
        registry.create(
            "pods",
            {**body, "metadata": {"name": "p"}, "target": {"name": "n1"}},
            namespace="default",
            name="p",
            subresource=subresource,
        )
    assert "nodeName" not in registry.get("pods", "p", namespace="default")["spec"]


def test_binding_uid_precondition_and_deleting_pod(registry, make_pod):
    registry.create("pods", make_pod("p", finalizers=None), namespace="default")
    with pytest.raises(Conflict, match="UID in precondition"):
        registry.create(
            "pods",
            {"metadata": {"name": "p", "uid": "other"}, "target": {"name": "n1"}},
            namespace="default",
            subresource="binding",
        )


def test_scale_subresource_reads_and_writes_replicas(registry, make_deployment):
    registry.create("deployments", make_deployment("web", replicas=2), namespace="default")
    scale = registry.get("deployments", "web", namespace="default", subresource="scale")
    assert scale["kind"] == "Scale"
    assert scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 2}
    assert scale["status"] == {"replicas": 0, "selector": "app=web"}
    scale["spec"]["replicas"] = 5
    out = registry.update(
        "deployments", scale, namespace="default", subresource="scale", name="web"
    )
    assert out["spec"]["replicas"] == 5
    d = registry.get("deployments", "web", namespace="default")
    assert d["spec"]["replicas"] == 5
    assert d["metadata"]["generation"] == 2
    stale = {**scale, "spec": {"replicas": 1}}
    with pytest.raises(Conflict):
        registry.update("deployments", stale, namespace="default", subresource="scale", name="web")
    with pytest.raises(Invalid, match="must be greater than or equal to 0"):
        registry.update(
            "deployments",
            {"metadata": {"name": "web"}, "spec": {"replicas": -1}},
            namespace="default",
            subresource="scale",
            name="web",
        )
    with pytest.raises(NotFound):
        registry.get("configmaps", "web", namespace="default", subresource="scale")


def test_eviction_deletes_pod_without_budget(registry, make_pod):
    registry.create("pods", make_pod("p"), namespace="default")
    out = registry.create(
        "pods",
        {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "p"}},
        namespace="default",
        name="p",
        subresource="eviction",
    )
    assert out["status"] == "Success"
    assert out["code"] == 201
    with pytest.raises(NotFound):
        registry.get("pods", "p", namespace="default")


def _ready_pod(registry, name: str, labels: dict[str, str]) -> None:
    p = registry.create(
        "pods",
        {
            "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "c", "image": "i"}]},
        },
        namespace="default",
    )
    registry.update(
        "pods",
        {**p, "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}},
        namespace="default",
        subresource="status",
    )


def test_eviction_honours_pod_disruption_budget(registry):
    for i in range(2):
        _ready_pod(registry, f"p{i}", {"app": "db"})
    registry.create(
        "poddisruptionbudgets.policy",
        {
            "metadata": {"name": "db"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "db"}}},
        },
        namespace="default",
    )
    registry.create(
        "pods", {"metadata": {"name": "p0"}}, namespace="default", subresource="eviction"
    )
    with pytest.raises(TooManyRequests) as exc:
        registry.create(
            "pods", {"metadata": {"name": "p1"}}, namespace="default", subresource="eviction"
        )
    assert exc.value.message == "Cannot evict pod as it would violate the pod's disruption budget."
    assert exc.value.details.causes[0].reason == "DisruptionBudget"
    assert "needs 1 healthy pods and has 1 currently" in exc.value.details.causes[0].message
    assert registry.get("pods", "p1", namespace="default")


def test_pod_log_reports_not_running_container(registry, make_pod):
    registry.create("pods", make_pod("p"), namespace="default")
    with pytest.raises(
        BadRequest, match='container "c" in pod "p" is waiting to start: ContainerCreating'
    ):
        registry.pod_log("p", namespace="default")
    with pytest.raises(BadRequest, match="container nope is not valid for pod p"):
        registry.pod_log("p", namespace="default", container="nope")
    two = make_pod("two", containers=[{"name": "a", "image": "i"}, {"name": "b", "image": "i"}])
    registry.create("pods", two, namespace="default")
    with pytest.raises(
        BadRequest, match=r"a container name must be specified for pod two, choose one of: \[a b\]"
    ):
        registry.pod_log("two", namespace="default")


def test_pod_log_uses_a_registered_log_source(registry, make_pod):
    registry.create("pods", make_pod("p"), namespace="default")
    registry.log_source = lambda pod, container, **kw: (
        f"{pod['metadata']['name']}/{container}\n".encode()
    )
    assert registry.pod_log("p", namespace="default") == b"p/c\n"


def test_subresource_errors(registry, make_pod):
    registry.create("pods", make_pod("p"), namespace="default")
    with pytest.raises(MethodNotAllowed):
        registry.create(
            "configmaps", {"metadata": {"name": "x"}}, namespace="default", subresource="status"
        )


# ----------------------------------------------------------------------------- events


def test_events_are_shared_between_core_and_events_k8s_io(registry):
    registry.create(
        "events.events.k8s.io",
        {
            "metadata": {"name": "e1"},
            "regarding": {"kind": "Pod", "name": "p", "namespace": "default"},
            "note": "Successfully assigned default/p to n1",
            "reason": "Scheduled",
            "type": "Normal",
            "action": "Binding",
            "reportingController": "default-scheduler",
            "reportingInstance": "s-1",
            "eventTime": "2025-01-01T00:00:00.000000Z",
        },
        namespace="default",
    )
    core = registry.get("events", "e1", namespace="default")
    assert core["apiVersion"] == "v1"
    assert core["involvedObject"]["name"] == "p"
    assert core["message"].startswith("Successfully assigned")
    assert core["reportingComponent"] == "default-scheduler"
    new = registry.list("events.events.k8s.io", namespace="default")["items"][0]
    assert new["apiVersion"] == "events.k8s.io/v1"
    assert new["note"] == core["message"]
    got = registry.list("events", field_selector="involvedObject.name=p")
    assert len(got["items"]) == 1


def test_eviction_max_unavailable_uses_the_controllers_scale(registry):
    rs = registry.create(
        "replicasets",
        {
            "metadata": {"name": "rs"},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "c", "image": "i"}]},
                },
            },
        },
        namespace="default",
    )
    ref = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": "rs",
        "uid": rs["metadata"]["uid"],
        "controller": True,
    }
    for i in range(3):
        p = registry.create(
            "pods",
            {
                "metadata": {"name": f"w{i}", "labels": {"app": "web"}, "ownerReferences": [ref]},
                "spec": {"containers": [{"name": "c", "image": "i"}]},
            },
            namespace="default",
        )
        registry.update(
            "pods",
            {
                **p,
                "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
            },
            namespace="default",
            subresource="status",
        )
    registry.create(
        "poddisruptionbudgets.policy",
        {
            "metadata": {"name": "web"},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}},
        },
        namespace="default",
    )
    registry.create(
        "pods", {"metadata": {"name": "w0"}}, namespace="default", subresource="eviction"
    )
    with pytest.raises(TooManyRequests, match="disruption budget"):
        registry.create(
            "pods", {"metadata": {"name": "w1"}}, namespace="default", subresource="eviction"
        )
