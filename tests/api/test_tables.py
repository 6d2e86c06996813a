"""Tests for kcore.api.tables: golden rows per resource, pod STATUS logic, ages, includeObject."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kcore.api.tables import column_definitions, human_duration, pod_status_reason, to_table

NOW = datetime(2026, 1, 2, 12, 0, 0, tzinfo=UTC).timestamp()
T0 = "2026-01-02T11:55:00Z"  # 5m before NOW


def _pod(status: dict, spec: dict | None = None, **md: object) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-1",
            "namespace": "default",
            "creationTimestamp": T0,
            "uid": "u",
            **md,
        },
        "spec": spec or {"containers": [{"name": "c", "image": "nginx"}], "nodeName": "n1"},
        "status": status,
    }


RUNNING = {
    "phase": "Running",
    "podIPs": [{"ip": "10.0.0.5"}],
    "conditions": [{"type": "Ready", "status": "True"}],
    "containerStatuses": [
        {"name": "c", "ready": True, "restartCount": 0, "state": {"running": {"startedAt": T0}}}
    ],
}


@pytest.mark.parametrize(
    ("status", "spec", "md", "cells"),
    [
        pytest.param(
            {},
            {"containers": [{"name": "c"}]},
            {},
            ["web-1", "0/1", "", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
            id="no-status",
        ),
        pytest.param(
            {"phase": "Pending"},
            None,
            {},
            ["web-1", "0/1", "Pending", "0", "5m", "<none>", "n1", "<none>", "<none>"],
            id="pending",
        ),
        pytest.param(
            {
                "phase": "Pending",
                "containerStatuses": [
                    {
                        "name": "c",
                        "ready": False,
                        "restartCount": 0,
                        "state": {"waiting": {"reason": "ContainerCreating"}},
                    }
                ],
            },
            None,
            {},
            ["web-1", "0/1", "ContainerCreating", "0", "5m", "<none>", "n1", "<none>", "<none>"],
            id="creating",
        ),
        pytest.param(
            RUNNING,
            None,
            {},
            ["web-1", "1/1", "Running", "0", "5m", "10.0.0.5", "n1", "<none>", "<none>"],
            id="running",
        ),
        pytest.param(
            {
                "phase": "Running",
                "containerStatuses": [
                    {
                        "name": "c",
                        "ready": False,
                        "restartCount": 4,
                        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                        "lastState": {
                            "terminated": {"exitCode": 1, "finishedAt": "2026-01-02T11:58:00Z"}
                        },
                    }
                ],
            },
            None,
            {},
            [
                "web-1",
                "0/1",
                "CrashLoopBackOff",
                "4 (2m ago)",
                "5m",
                "<none>",
                "n1",
                "<none>",
                "<none>",
            ],
            id="crashloop",
        ),
        pytest.param(
            {
                "phase": "Succeeded",
                "containerStatuses": [
                    {
                        "name": "c",
                        "ready": False,
                        "restartCount": 0,
                        "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                    }
                ],
            },
            None,
            {},
            ["web-1", "0/1", "Completed", "0", "5m", "<none>", "n1", "<none>", "<none>"],
            id="completed",
        ),
        pytest.param(
            {
                "phase": "Failed",
                "containerStatuses": [
                    {
                        "name": "c",
                        "ready": False,
                        "restartCount": 0,
                        "state": {"terminated": {"exitCode": 137}},
                    }
                ],
            },
            None,
            {},
            ["web-1", "0/1", "ExitCode:137", "0", "5m", "<none>", "n1", "<none>", "<none>"],
            id="exit-code",
        ),
        pytest.param(
            RUNNING,
            None,
            {"deletionTimestamp": T0},
            ["web-1", "1/1", "Terminating", "0", "5m", "10.0.0.5", "n1", "<none>", "<none>"],
            id="terminating",
        ),
        pytest.param(
            {
                "phase": "Pending",
                "initContainerStatuses": [
                    {"name": "i", "ready": False, "restartCount": 0, "state": {"running": {}}}
                ],
            },
            {"initContainers": [{"name": "i"}], "containers": [{"name": "c"}]},
            {},
            ["web-1", "0/1", "Init:0/1", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
            id="init",
        ),
        pytest.param(
            {
                "phase": "Pending",
                "conditions": [
                    {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}
                ],
            },
            {"containers": [{"name": "c"}], "schedulingGates": [{"name": "g"}]},
            {},
            ["web-1", "0/1", "SchedulingGated", "0", "5m", "<none>", "<none>", "<none>", "<none>"],
            id="gated",
        ),
        pytest.param(
            {
                **RUNNING,
                "conditions": [
                    {"type": "Ready", "status": "True"},
                    {"type": "example.com/gate", "status": "True"},
                ],
                "nominatedNodeName": "n2",
            },
            {
                "containers": [{"name": "c"}],
                "readinessGates": [{"conditionType": "example.com/gate"}, {"conditionType": "x"}],
            },
            {},
            ["web-1", "1/1", "Running", "0", "5m", "10.0.0.5", "<none>", "n2", "1/2"],
            id="gates",
        ),
        pytest.param(
            {
                "phase": "Running",
                "initContainerStatuses": [
                    {
                        "name": "side",
                        "ready": True,
                        "started": True,
                        "restartCount": 1,
                        "state": {"running": {}},
                    }
                ],
                "containerStatuses": [
                    {"name": "c", "ready": True, "restartCount": 0, "state": {"running": {}}}
                ],
                "conditions": [{"type": "Initialized", "status": "True"}],
            },
            {
                "initContainers": [{"name": "side", "restartPolicy": "Always"}],
                "containers": [{"name": "c"}],
            },
            {},
            ["web-1", "2/2", "Running", "1", "5m", "<none>", "<none>", "<none>", "<none>"],
            id="sidecar",
        ),
    ],
)
def test_pod_rows(status: dict, spec: dict | None, md: dict, cells: list) -> None:
    table = to_table("pods", [_pod(status, spec, **md)], now=NOW)
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]] == [
        "Name",
        "Ready",
        "Status",
        "Restarts",
        "Age",
        "IP",
        "Node",
        "Nominated Node",
        "Readiness Gates",
    ]
    assert [c["priority"] for c in table["columnDefinitions"]] == [0, 0, 0, 0, 0, 1, 1, 1, 1]
    row = table["rows"][0]
    assert row["cells"] == cells
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["namespace"] == "default"


def test_pod_row_conditions_and_include_object() -> None:
    done = _pod({"phase": "Succeeded"})
    t = to_table("pods", [done], now=NOW, include_object="None")
    assert "object" not in t["rows"][0]
    assert t["rows"][0]["conditions"][0]["reason"] == "Succeeded"
    t = to_table("pods", [done], now=NOW, include_object="Object")
    assert t["rows"][0]["object"] == done
    assert pod_status_reason(done) == "Succeeded"
    with pytest.raises(ValueError, match="includeObject"):
        to_table("pods", [], now=NOW, include_object="All")
    assert to_table("pods", [], now=NOW, column_definitions=False)["columnDefinitions"] is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (200, "3m20s"),
        (600, "10m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 60, "3h1m"),
        (10 * 3600, "10h"),
        (50 * 3600, "2d2h"),
        (9 * 86400, "9d"),
        (800 * 86400, "2y70d"),
        (9 * 365 * 86400, "9y"),
    ],
)
def test_human_duration(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def test_node_rows() -> None:
    node = {
        "metadata": {
            "name": "n1",
            "creationTimestamp": T0,
            "labels": {
                "node-role.kubernetes.io/control-plane": "",
                "node-role.kubernetes.io/worker": "",
            },
        },
        "spec": {"unschedulable": True},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "addresses": [{"type": "InternalIP", "address": "10.1.0.1"}],
            "nodeInfo": {
                "kubeletVersion": "v1.32.4",
                "osImage": "Debian",
                "kernelVersion": "6.1",
                "containerRuntimeVersion": "kcore://1",
            },
        },
    }
    row = to_table("nodes", [node], now=NOW)["rows"][0]["cells"]
    assert row == [
        "n1",
        "Ready,SchedulingDisabled",
        "control-plane,worker",
        "5m",
        "v1.32.4",
        "10.1.0.1",
        "<none>",
        "Debian",
        "6.1",
        "kcore://1",
    ]
    bare = to_table("nodes", [{"metadata": {"name": "n2"}}], now=NOW)["rows"][0]["cells"]
    assert bare[:4] == ["n2", "Unknown", "<none>", "<unknown>"]


def test_workload_rows() -> None:
    tmpl = {
        "spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "busybox"}]}
    }
    d = {
        "metadata": {"name": "web", "creationTimestamp": T0},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": tmpl},
        "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
    }
    assert to_table("deployments.apps", [d], now=NOW)["rows"][0]["cells"] == [
        "web",
        "2/3",
        3,
        2,
        "5m",
        "a,b",
        "nginx,busybox",
        "app=web",
    ]
    assert [c["name"] for c in column_definitions("deployments")][:5] == [
        "Name",
        "Ready",
        "Up-to-date",
        "Available",
        "Age",
    ]
    rs = {**d, "status": {"replicas": 3, "readyReplicas": 1}}
    assert to_table("replicasets", [rs], now=NOW)["rows"][0]["cells"][:5] == ["web", 3, 3, 1, "5m"]
    job = {
        "metadata": {"name": "j", "creationTimestamp": T0},
        "spec": {"completions": 2, "template": tmpl, "selector": {"matchLabels": {"a": "b"}}},
        "status": {
            "succeeded": 2,
            "startTime": T0,
            "completionTime": "2026-01-02T11:56:40Z",
            "conditions": [{"type": "Complete", "status": "True"}],
        },
    }
    assert to_table("jobs.batch", [job], now=NOW)["rows"][0]["cells"][:5] == [
        "j",
        "Complete",
        "2/2",
        "100s",
        "5m",
    ]
    ds = {
        "metadata": {"name": "ds", "creationTimestamp": T0},
        "spec": {"template": {"spec": {"nodeSelector": {"os": "linux"}, "containers": []}}},
        "status": {"desiredNumberScheduled": 2},
    }
    assert to_table("daemonsets.apps", [ds], now=NOW)["rows"][0]["cells"][:8] == [
        "ds",
        2,
        0,
        0,
        0,
        0,
        "os=linux",
        "5m",
    ]
    sts = {
        "metadata": {"name": "s", "creationTimestamp": T0},
        "spec": {"replicas": 2},
        "status": {"readyReplicas": 1},
    }
    assert to_table("statefulsets.apps", [sts], now=NOW)["rows"][0]["cells"][:3] == [
        "s",
        "1/2",
        "5m",
    ]


def test_service_and_misc_rows() -> None:
    svc = {
        "metadata": {"name": "web", "creationTimestamp": T0},
        "spec": {
            "type": "NodePort",
            "clusterIPs": ["10.96.0.10"],
            "ports": [
                {"port": 80, "nodePort": 30080, "protocol": "TCP"},
                {"port": 53, "protocol": "UDP"},
            ],
            "selector": {"app": "web"},
        },
    }
    assert to_table("services", [svc], now=NOW)["rows"][0]["cells"] == [
        "web",
        "NodePort",
        "10.96.0.10",
        "<none>",
        "80:30080/TCP,53/UDP",
        "5m",
        "app=web",
    ]
    lb = {
        "metadata": {"name": "lb"},
        "spec": {"type": "LoadBalancer", "clusterIPs": ["10.96.0.11"], "ports": []},
    }
    assert to_table("services", [lb], now=NOW)["rows"][0]["cells"][3:5] == ["<pending>", "<none>"]
    ns = {"metadata": {"name": "default", "creationTimestamp": T0}, "status": {"phase": "Active"}}
    assert to_table("namespaces", [ns], now=NOW)["rows"][0]["cells"] == ["default", "Active", "5m"]
    ev = {
        "metadata": {"name": "web-1.abc"},
        "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{c}"},
        "reason": "Scheduled",
        "message": "Successfully assigned default/web-1 to n1 ",
        "type": "Normal",
        "source": {"component": "default-scheduler"},
        "firstTimestamp": T0,
        "lastTimestamp": "2026-01-02T11:59:00Z",
        "count": 2,
    }
    assert to_table("events", [ev], now=NOW)["rows"][0]["cells"] == [
        "60s",
        "Normal",
        "Scheduled",
        "pod/web-1",
        "spec.containers{c}",
        "default-scheduler",
        "Successfully assigned default/web-1 to n1",
        "5m",
        2,
        "web-1.abc",
    ]
    ev1 = {
        "metadata": {"name": "e"},
        "regarding": {"kind": "Node", "name": "n1"},
        "note": "x",
        "type": "Warning",
        "reason": "R",
        "eventTime": "2026-01-02T11:59:30.000000Z",
        "reportingController": "kubelet",
        "reportingInstance": "n1",
    }
    assert to_table("events.events.k8s.io", [ev1], now=NOW)["rows"][0]["cells"] == [
        "30s",
        "Warning",
        "R",
        "node/n1",
        "",
        "kubelet, n1",
        "x",
        "30s",
        1,
        "e",
    ]
    rq = {
        "metadata": {"name": "q", "creationTimestamp": T0},
        "status": {
            "hard": {"pods": "10", "limits.cpu": "2", "requests.cpu": "1"},
            "used": {"pods": "3", "requests.cpu": "500m"},
        },
    }
    assert to_table("resourcequotas", [rq], now=NOW)["rows"][0]["cells"] == [
        "q",
        "5m",
        "pods: 3/10, requests.cpu: 500m/1",
        "limits.cpu: 0/2",
    ]
    cm = {"metadata": {"name": "c", "creationTimestamp": T0}, "data": {"a": "1", "b": "2"}}
    assert to_table("configmaps", [cm], now=NOW)["rows"][0]["cells"] == ["c", 2, "5m"]
    sec = {
        "metadata": {"name": "s", "creationTimestamp": T0},
        "type": "Opaque",
        "data": {"a": "eA=="},
    }
    assert to_table("secrets", [sec], now=NOW)["rows"][0]["cells"] == ["s", "Opaque", 1, "5m"]
    lease = {"metadata": {"name": "l", "creationTimestamp": T0}, "spec": {"holderIdentity": "me"}}
    assert to_table("leases", [lease], now=NOW)["rows"][0]["cells"] == ["l", "me", "5m"]
    pc = {
        "metadata": {"name": "high", "creationTimestamp": T0},
        "value": 1000,
        "globalDefault": False,
    }
    assert to_table("priorityclasses", [pc], now=NOW)["rows"][0]["cells"] == [
        "high",
        1000,
        False,
        "5m",
        "PreemptLowerPriority",
    ]
    pdb = {
        "metadata": {"name": "p", "creationTimestamp": T0},
        "spec": {"minAvailable": "50%"},
        "status": {"disruptionsAllowed": 1},
    }
    assert to_table("poddisruptionbudgets", [pdb], now=NOW)["rows"][0]["cells"] == [
        "p",
        "50%",
        "N/A",
        1,
        "5m",
    ]
    hpa = {
        "metadata": {"name": "h", "creationTimestamp": T0},
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "web"},
            "minReplicas": 1,
            "maxReplicas": 5,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 80},
                    },
                }
            ],
        },
        "status": {
            "currentReplicas": 2,
            "currentMetrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "current": {"averageUtilization": 41}},
                }
            ],
        },
    }
    assert to_table("horizontalpodautoscalers", [hpa], now=NOW)["rows"][0]["cells"] == [
        "h",
        "Deployment/web",
        "cpu: 41%/80%",
        "1",
        5,
        2,
        "5m",
    ]
    ep = {
        "metadata": {"name": "web", "creationTimestamp": T0},
        "subsets": [
            {"addresses": [{"ip": f"10.0.0.{i}"} for i in range(5)], "ports": [{"port": 80}]}
        ],
    }
    assert (
        to_table("endpoints", [ep], now=NOW)["rows"][0]["cells"][1]
        == "10.0.0.0:80,10.0.0.1:80,10.0.0.2:80 + 2 more..."
    )


def test_default_table() -> None:
    t = to_table(
        "widgets.example.com", [{"metadata": {"name": "w", "creationTimestamp": T0}}], now=NOW
    )
    assert [c["name"] for c in t["columnDefinitions"]] == ["Name", "Created At"]
    assert t["columnDefinitions"][1]["type"] == "date"
    assert t["rows"][0]["cells"] == ["w", "2026-01-02T11:55:00Z"]
