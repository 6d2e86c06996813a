"""Tests for kcore.api.defaults: per-kind defaults as a 1.32 apiserver applies them."""

from __future__ import annotations

import copy

import pytest

from kcore.api.defaults import apply_defaults, deep_copy, job_generated_selector


def _pod(**spec: object) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


def test_pod_defaults_and_input_untouched() -> None:
    pod = _pod(
        containers=[
            {
                "name": "a",
                "image": "nginx",
                "ports": [{"containerPort": 80}],
                "resources": {"limits": {"cpu": "0.5", "memory": "1Gi"}},
                "livenessProbe": {"httpGet": {"port": 80}},
            }
        ]
    )
    before = copy.deepcopy(pod)
    out = apply_defaults(pod)
    assert pod == before
    spec = out["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["securityContext"] == {}
    assert spec["enableServiceLinks"] is True
    c = spec["containers"][0]
    assert c["imagePullPolicy"] == "Always"
    assert c["terminationMessagePath"] == "/dev/termination-log"
    assert c["terminationMessagePolicy"] == "File"
    assert c["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert c["resources"] == {
        "limits": {"cpu": "500m", "memory": "1Gi"},
        "requests": {"cpu": "500m", "memory": "1Gi"},
    }
    assert c["livenessProbe"] == {
        "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.25", "IfNotPresent"),
        ("registry:5000/nginx", "Always"),
        ("registry:5000/nginx:1", "IfNotPresent"),
        ("nginx@sha256:abc", "IfNotPresent"),
    ],
)
def test_image_pull_policy(image: str, policy: str) -> None:
    out = apply_defaults(_pod(containers=[{"name": "a", "image": image}]))
    assert out["spec"]["containers"][0]["imagePullPolicy"] == policy


def test_host_network_host_ports_and_explicit_values_kept() -> None:
    out = apply_defaults(
        _pod(
            hostNetwork=True,
            restartPolicy="Never",
            containers=[{"name": "a", "image": "x:1", "ports": [{"containerPort": 8080}]}],
        )
    )
    assert out["spec"]["containers"][0]["ports"][0]["hostPort"] == 8080
    assert out["spec"]["restartPolicy"] == "Never"


def test_deployment_defaults_template_but_not_pod_only_fields() -> None:
    d = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x"}]}}},
    }
    spec = apply_defaults(d)["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    tspec = spec["template"]["spec"]
    assert tspec["restartPolicy"] == "Always"
    assert "enableServiceLinks" not in tspec


def test_recreate_strategy_has_no_rolling_update() -> None:
    d = {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"strategy": {"type": "Recreate"}}}
    assert apply_defaults(d)["spec"]["strategy"] == {"type": "Recreate"}


def test_service_defaults() -> None:
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {"ports": [{"port": 80}], "selector": {"app": "x"}},
    }
    spec = apply_defaults(svc)["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert spec["ipFamilies"] == ["IPv4"]
    assert spec["ipFamilyPolicy"] == "SingleStack"
    lb = apply_defaults({**svc, "spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP"}})
    assert lb["spec"]["externalTrafficPolicy"] == "Cluster"
    assert lb["spec"]["allocateLoadBalancerNodePorts"] is True
    assert lb["spec"]["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}


def test_job_defaults() -> None:
    spec = apply_defaults({"apiVersion": "batch/v1", "kind": "Job", "spec": {}})["spec"]
    assert spec["completions"] == 1
    assert spec["parallelism"] == 1
    assert spec["backoffLimit"] == 6
    assert spec["completionMode"] == "NonIndexed"
    assert spec["suspend"] is False
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    only_par = apply_defaults({"apiVersion": "batch/v1", "kind": "Job", "spec": {"parallelism": 3}})
    assert "completions" not in only_par["spec"]
    labels, selector = job_generated_selector({"metadata": {"name": "j"}}, "u1")
    assert labels["job-name"] == "j"
    assert selector == {"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}}


@pytest.mark.parametrize(
    ("obj", "path", "value"),
    [
        (
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}},
            ("status", "phase"),
            "Active",
        ),
        (
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}},
            ("metadata", "labels", "kubernetes.io/metadata.name"),
            "n",
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "Node",
                "status": {"capacity": {"cpu": "4", "memory": "1024Mi"}},
            },
            ("status", "allocatable"),
            {"cpu": "4", "memory": "1Gi"},
        ),
        ({"apiVersion": "v1", "kind": "Secret"}, ("type",), "Opaque"),
        ({"apiVersion": "apps/v1", "kind": "ReplicaSet"}, ("spec", "replicas"), 1),
        (
            {"apiVersion": "apps/v1", "kind": "DaemonSet"},
            ("spec", "updateStrategy"),
            {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
        ),
        (
            {"apiVersion": "apps/v1", "kind": "StatefulSet"},
            ("spec", "podManagementPolicy"),
            "OrderedReady",
        ),
        (
            {"apiVersion": "apps/v1", "kind": "StatefulSet"},
            ("spec", "updateStrategy"),
            {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        ),
        (
            {
                "apiVersion": "apps/v1",
                "kind": "DaemonSet",
                "spec": {"updateStrategy": {"type": "OnDelete"}},
            },
            ("spec", "updateStrategy"),
            {"type": "OnDelete"},
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "ReplicationController",
                "spec": {"template": {"metadata": {"labels": {"a": "b"}}}},
            },
            ("spec", "selector"),
            {"a": "b"},
        ),
        (
            {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "spec": {}},
            ("spec", "minReplicas"),
            1,
        ),
        (
            {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "value": 1},
            ("preemptionPolicy",),
            "PreemptLowerPriority",
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "LimitRange",
                "spec": {"limits": [{"type": "Container", "max": {"cpu": "2"}}]},
            },
            ("spec", "limits", 0, "defaultRequest"),
            {"cpu": "2"},
        ),
    ],
)
def test_kind_defaults(obj: dict, path: tuple, value: object) -> None:
    cur = apply_defaults(obj)
    for p in path:
        cur = cur[p]
    assert cur == value


def test_unknown_kind_is_copied() -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}}
    out = apply_defaults(obj)
    assert out == obj
    assert out is not obj
    assert out["data"] is not obj["data"]
    assert deep_copy([{"a": [1]}]) == [{"a": [1]}]
