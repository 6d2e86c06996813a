"""Admission plugins through the registry: NamespaceLifecycle, LimitRanger, ServiceAccount,
Priority, DefaultTolerationSeconds and ResourceQuota (checks, charges, status.used upkeep)."""

from __future__ import annotations

import pytest

from kcore.api.errors import Forbidden, Invalid, NotFound
from kcore.apiserver.admission import AdmissionChain


def _pod(name, *, requests=None, limits=None, **spec):
    res = {}
    if requests:
        res["requests"] = requests
    if limits:
        res["limits"] = limits
    c = {"name": "c", "image": "nginx"}
    if res:
        c["resources"] = res
    return {"metadata": {"name": name}, "spec": {"containers": [c], **spec}}


def test_chain_order_matches_kube_apiserver(registry):
    assert registry.admission.names() == [
        "NamespaceLifecycle",
        "LimitRanger",
        "ServiceAccount",
        "Priority",
        "DefaultTolerationSeconds",
        "ResourceQuota",
    ]


def test_admission_can_be_disabled(store, clock):
    import random

    from kcore.apiserver.registry import APIRegistry

    reg = APIRegistry(store, clock, rng=random.Random(1), admission=[])
    assert isinstance(reg.admission, AdmissionChain)
    assert reg.admission.names() == []
    p = reg.create("pods", _pod("p"), namespace="ghost-namespace-is-fine")
    assert "tolerations" not in p["spec"]


def test_disable_admission_plugins_by_name(store, clock):
    import random

    from kcore.apiserver.registry import APIRegistry

    reg = APIRegistry(
        store, clock, rng=random.Random(1), disable_admission_plugins=["ServiceAccount", "Priority"]
    )
    assert reg.admission.names() == [
        "NamespaceLifecycle",
        "LimitRanger",
        "DefaultTolerationSeconds",
        "ResourceQuota",
    ]
    p = reg.create("pods", _pod("p", priorityClassName="no-such-class"), namespace="default")
    assert "serviceAccountName" not in p["spec"]  # ServiceAccount admission is off
    assert p["spec"]["priorityClassName"] == "no-such-class"  # Priority would reject it
    assert "priority" not in p["spec"]


def test_disabling_an_unknown_admission_plugin_names_the_known_ones(store, clock):
    import random

    from kcore.apiserver.registry import APIRegistry

    with pytest.raises(
        ValueError,
        match='admission plugin "Frobnicate" is unknown; known plugins: '
        "NamespaceLifecycle, LimitRanger",
    ):
        APIRegistry(store, clock, rng=random.Random(1), disable_admission_plugins=["Frobnicate"])


def test_default_tolerations_added_unless_present(registry):
    p = registry.create("pods", _pod("p"), namespace="default")
    assert {
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    } in p["spec"]["tolerations"]
    own = {
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 5,
    }
    p = registry.create("pods", _pod("q", tolerations=[own]), namespace="default")
    unreachable = [
        t for t in p["spec"]["tolerations"] if t["key"] == "node.kubernetes.io/unreachable"
    ]
    assert unreachable == [own]
    p = registry.create(
        "pods", _pod("r", tolerations=[{"operator": "Exists"}]), namespace="default"
    )
    assert p["spec"]["tolerations"] == [{"operator": "Exists"}]


def test_service_account_defaulted_and_checked(registry):
    p = registry.create("pods", _pod("p"), namespace="default")
    assert p["spec"]["serviceAccountName"] == "default"
    with pytest.raises(Forbidden, match='serviceaccount "robot" not found'):
        registry.create("pods", _pod("q", serviceAccountName="robot"), namespace="default")
    registry.create("serviceaccounts", {"metadata": {"name": "robot"}}, namespace="default")
    assert registry.create("pods", _pod("q", serviceAccountName="robot"), namespace="default")
    # a deleted default account is recreated rather than refusing pods
    registry.delete("serviceaccounts", "default", namespace="default")
    registry.create("pods", _pod("r"), namespace="default")
    assert registry.get("serviceaccounts", "default", namespace="default")


def test_priority_from_class_and_global_default(registry):
    p = registry.create("pods", _pod("a"), namespace="default")
    assert p["spec"]["priority"] == 0
    assert p["spec"]["preemptionPolicy"] == "PreemptLowerPriority"
    registry.create(
        "priorityclasses",
        {"metadata": {"name": "high"}, "value": 1000, "preemptionPolicy": "Never"},
    )
    p = registry.create("pods", _pod("b", priorityClassName="high"), namespace="default")
    assert (p["spec"]["priority"], p["spec"]["preemptionPolicy"]) == (1000, "Never")
    with pytest.raises(Forbidden, match="no PriorityClass with name nope was found"):
        registry.create("pods", _pod("c", priorityClassName="nope"), namespace="default")
    with pytest.raises(
        Forbidden, match=r"the integer value of priority \(5\) must not be provided"
    ):
        registry.create(
            "pods", _pod("d", priorityClassName="high", priority=5), namespace="default"
        )
    registry.create(
        "priorityclasses", {"metadata": {"name": "dflt"}, "value": 7, "globalDefault": True}
    )
    p = registry.create("pods", _pod("e"), namespace="default")
    assert (p["spec"]["priority"], p["spec"]["priorityClassName"]) == (7, "dflt")
    with pytest.raises(Forbidden, match="is already marked as default"):
        registry.create(
            "priorityclasses", {"metadata": {"name": "other"}, "value": 9, "globalDefault": True}
        )
    with pytest.raises(Invalid, match="'system-' prefix are reserved"):
        registry.create("priorityclasses", {"metadata": {"name": "system-mine"}, "value": 9})
    p = registry.create(
        "pods", _pod("f", priorityClassName="system-node-critical"), namespace="kube-system"
    )
    assert p["spec"]["priority"] == 2000001000


def test_limit_ranger_defaults_and_bounds(registry):
    registry.create(
        "limitranges",
        {
            "metadata": {"name": "lr"},
            "spec": {
                "limits": [
                    {
                        "type": "Container",
                        "default": {"cpu": "500m", "memory": "256Mi"},
                        "defaultRequest": {"cpu": "100m"},
                        "max": {"cpu": "1"},
                        "min": {"cpu": "50m"},
                    }
                ]
            },
        },
        namespace="default",
    )
    p = registry.create("pods", _pod("a"), namespace="default")
    res = p["spec"]["containers"][0]["resources"]
    assert res["limits"] == {"cpu": "500m", "memory": "256Mi"}
    assert res["requests"]["cpu"] == "100m"
    assert p["metadata"]["annotations"]["kubernetes.io/limit-ranger"].startswith(
        "LimitRanger plugin set: "
    )
    assert p["status"]["qosClass"] == "Burstable"
    with pytest.raises(Forbidden, match="maximum cpu usage per Container is 1, but limit is 2"):
        registry.create("pods", _pod("b", limits={"cpu": "2"}), namespace="default")
    with pytest.raises(
        Forbidden, match="minimum cpu usage per Container is 50m, but request is 10m"
    ):
        registry.create("pods", _pod("c", requests={"cpu": "10m"}), namespace="default")


def test_namespace_lifecycle(registry):
    with pytest.raises(NotFound, match='namespaces "nowhere" not found'):
        registry.create("pods", _pod("p"), namespace="nowhere")
    registry.create("namespaces", {"metadata": {"name": "dying", "finalizers": ["x/y"]}})
    registry.create(
        "configmaps", {"metadata": {"name": "c", "finalizers": ["hold/on"]}}, namespace="dying"
    )
    registry.delete("namespaces", "dying")
    with pytest.raises(
        Forbidden,
        match="unable to create new content in namespace dying because it is being terminated",
    ):
        registry.create("pods", _pod("p"), namespace="dying")


# ----------------------------------------------------------------------------- quota


def _quota(registry, hard, ns="default", name="q", **spec):
    return registry.create(
        "resourcequotas", {"metadata": {"name": name}, "spec": {"hard": hard, **spec}}, namespace=ns
    )


def test_quota_counts_existing_objects_on_creation(registry):
    registry.create("pods", _pod("a", requests={"cpu": "100m"}), namespace="default")
    registry.create("configmaps", {"metadata": {"name": "c"}}, namespace="default")
    q = _quota(
        registry, {"pods": "5", "requests.cpu": "1", "configmaps": "3", "count/configmaps": "3"}
    )
    assert q["status"]["hard"] == {
        "configmaps": "3",
        "count/configmaps": "3",
        "pods": "5",
        "requests.cpu": "1",
    }
    assert q["status"]["used"] == {
        "configmaps": "1",
        "count/configmaps": "1",
        "pods": "1",
        "requests.cpu": "100m",
    }


def test_quota_enforced_and_status_used_maintained(registry):
    _quota(registry, {"pods": "2", "requests.cpu": "300m"})
    registry.create("pods", _pod("a", requests={"cpu": "100m"}), namespace="default")
    registry.create("pods", _pod("b", requests={"cpu": "100m"}), namespace="default")
    used = registry.get("resourcequotas", "q", namespace="default")["status"]["used"]
    assert used == {"pods": "2", "requests.cpu": "200m"}
    with pytest.raises(Forbidden) as exc:
        registry.create("pods", _pod("c", requests={"cpu": "100m"}), namespace="default")
    assert exc.value.message == (
        'pods "c" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2'
    )
    registry.delete("pods", "a", namespace="default")
    used = registry.get("resourcequotas", "q", namespace="default")["status"]["used"]
    assert used == {"pods": "1", "requests.cpu": "100m"}
    registry.create("pods", _pod("c", requests={"cpu": "100m"}), namespace="default")


def test_quota_requires_compute_resources(registry):
    _quota(registry, {"limits.memory": "1Gi"})
    with pytest.raises(Forbidden, match=r"failed quota: q: must specify limits\.memory for: c"):
        registry.create("pods", _pod("p"), namespace="default")
    registry.create("pods", _pod("p", limits={"memory": "100Mi"}), namespace="default")


def test_quota_dry_run_checks_without_charging(registry):
    _quota(registry, {"configmaps": "1"})
    registry.create("configmaps", {"metadata": {"name": "a"}}, namespace="default", dry_run=True)
    used = registry.get("resourcequotas", "q", namespace="default")["status"]["used"]
    assert used == {"configmaps": "0"}


def test_quota_refunds_a_create_that_fails(registry):
    _quota(registry, {"configmaps": "5"})
    registry.create("configmaps", {"metadata": {"name": "a"}}, namespace="default")
    with pytest.raises(Exception, match="already exists"):
        registry.create("configmaps", {"metadata": {"name": "a"}}, namespace="default")
    used = registry.get("resourcequotas", "q", namespace="default")["status"]["used"]
    assert used == {"configmaps": "1"}


def test_terminal_pods_stop_counting(registry):
    _quota(registry, {"pods": "1"})
    p = registry.create("pods", _pod("a"), namespace="default")
    registry.update(
        "pods", {**p, "status": {"phase": "Succeeded"}}, namespace="default", subresource="status"
    )
    assert registry.get("resourcequotas", "q", namespace="default")["status"]["used"] == {
        "pods": "0"
    }
    registry.create("pods", _pod("b"), namespace="default")


def test_quota_scopes(registry):
    _quota(registry, {"pods": "1"}, scopes=["BestEffort"])
    registry.create("pods", _pod("a"), namespace="default")
    registry.create("pods", _pod("b", requests={"cpu": "10m"}), namespace="default")
    with pytest.raises(Forbidden, match="exceeded quota"):
        registry.create("pods", _pod("c"), namespace="default")


def test_services_node_ports_quota(registry):
    _quota(registry, {"services.nodeports": "1", "services": "3"})
    registry.create(
        "services",
        {"metadata": {"name": "a"}, "spec": {"type": "NodePort", "ports": [{"port": 80}]}},
        namespace="default",
    )
    with pytest.raises(Forbidden, match=r"services\.nodeports"):
        registry.create(
            "services",
            {"metadata": {"name": "b"}, "spec": {"type": "NodePort", "ports": [{"port": 80}]}},
            namespace="default",
        )
    registry.create(
        "services",
        {"metadata": {"name": "c"}, "spec": {"ports": [{"port": 80}]}},
        namespace="default",
    )


def test_chain_skips_plugins_only_for_resources_they_do_not_handle(registry):
    """Plugins declaring ``handles`` are skipped elsewhere; plugins without it see every
    request; a plugin added to ``plugins`` later is taken into account at once."""
    seen: list[tuple[str, str]] = []

    class Recorder:
        name = "Recorder"

        def admit(self, attrs):  # type: ignore[no-untyped-def]
            seen.append(("admit", attrs.resource.resource))

        def validate(self, attrs):  # type: ignore[no-untyped-def]
            seen.append(("validate", attrs.resource.resource))

    class PodsOnly(Recorder):
        name = "PodsOnly"

        def handles(self, info):  # type: ignore[no-untyped-def]
            return info.resource == "pods"

        def admit(self, attrs):  # type: ignore[no-untyped-def]
            seen.append(("pods-only", attrs.resource.resource))

    chain: AdmissionChain = registry.admission
    registry.create("configmaps", {"metadata": {"name": "before"}}, namespace="default")
    chain.plugins.append(Recorder())
    chain.plugins.append(PodsOnly())
    registry.create("configmaps", {"metadata": {"name": "c"}}, namespace="default")
    registry.create("pods", _pod("p"), namespace="default")
    assert seen == [
        ("admit", "configmaps"),
        ("validate", "configmaps"),
        ("admit", "pods"),
        ("pods-only", "pods"),
        ("validate", "pods"),
        ("validate", "pods"),  # PodsOnly's (inherited) validate
    ]
    by_resource = {
        res: [p.name for p in chain._for(registry.resource_info(res))]
        for res in ("pods", "events", "nodes", "priorityclasses")
    }
    assert by_resource["pods"] == [*chain.names()[:6], "Recorder", "PodsOnly"]
    assert by_resource["events"] == ["NamespaceLifecycle", "ResourceQuota", "Recorder"]
    assert by_resource["nodes"] == ["NamespaceLifecycle", "Recorder"]
    assert by_resource["priorityclasses"] == ["NamespaceLifecycle", "Priority", "Recorder"]
