"""Change detection of the component's informer handlers (upstream ``eventhandlers.go``).

Covered: which pods are ours, pod update actions (labels, scale-down, tolerations added,
gates eliminated, other spec changes, status-only changes), node update events (including
heartbeats that are not events) and which changes the native cache must see.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kcore.scheduler.backend.queue import ActionType as A
from kcore.scheduler.component.eventhandlers import (
    assigned_pod,
    has_required_affinity_terms,
    node_cache_changed,
    node_scheduling_properties_change,
    pod_cache_changed,
    pod_priority,
    pod_scheduling_properties_change,
    responsible_for_pod,
)
from kcore.testing.wrappers import make_node, make_pod


def _pod(**spec: Any) -> dict[str, Any]:
    p = make_pod("p").req(cpu="200m", memory="1Gi").obj()
    p["metadata"]["resourceVersion"] = "1"
    p["spec"].update(spec)
    return p


def test_ownership_and_priority() -> None:
    p = _pod()
    assert not assigned_pod(p)
    assert assigned_pod(_pod(nodeName="n1"))
    assert responsible_for_pod(p, {"default-scheduler"})
    assert not responsible_for_pod(_pod(schedulerName="other"), {"default-scheduler"})
    assert pod_priority(_pod(priority=7)) == 7
    assert pod_priority(p) == 0
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{}]}}
    assert has_required_affinity_terms(_pod(affinity=anti))
    assert not has_required_affinity_terms(p)


def _change(mutate: Any) -> A:
    old = _pod(tolerations=[{"key": "a", "operator": "Exists"}], schedulingGates=[{"name": "g"}])
    new = copy.deepcopy(old)
    mutate(new)
    new["metadata"]["resourceVersion"] = "2"
    return pod_scheduling_properties_change(old, new)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(
            lambda p: p["metadata"].update(labels={"a": "b"}), A.UPDATE_POD_LABEL, id="labels"
        ),
        pytest.param(
            lambda p: p["spec"]["containers"][0]["resources"]["requests"].update(cpu="100m"),
            A.UPDATE_POD_SCALE_DOWN,
            id="scale-down",
        ),
        pytest.param(
            lambda p: p["spec"]["containers"][0]["resources"]["requests"].update(cpu="300m"),
            A.UPDATE,
            id="scale-up-is-other",
        ),
        pytest.param(
            lambda p: p["spec"]["tolerations"].append({"key": "b", "operator": "Exists"}),
            A.UPDATE_POD_TOLERATION,
            id="toleration-added",
        ),
        pytest.param(lambda p: p["spec"].update(tolerations=[]), A.UPDATE, id="toleration-removed"),
        pytest.param(
            lambda p: p["spec"].update(schedulingGates=[]),
            A.UPDATE_POD_SCHEDULING_GATES_ELIMINATED,
            id="gates-eliminated",
        ),
        pytest.param(
            lambda p: p["metadata"].update(annotations={"x": "y"}), A.UPDATE, id="annotation"
        ),
        pytest.param(
            lambda p: p["status"].update(conditions=[{"type": "PodScheduled"}]),
            A.NONE,
            id="status-only",
        ),
        pytest.param(lambda p: None, A.NONE, id="resource-version-only"),
        pytest.param(
            lambda p: (
                p["metadata"].update(labels={"a": "b"}),
                p["spec"]["tolerations"].append({"key": "c", "operator": "Exists"}),
            ),
            A.UPDATE_POD_LABEL | A.UPDATE_POD_TOLERATION,
            id="two-changes",
        ),
    ],
)
def test_pod_scheduling_properties_change(mutate: Any, expected: A) -> None:
    assert _change(mutate) == expected


def _node_events(mutate: Any) -> list[A]:
    old = make_node("n").label("a", "1").taint("t", "v").obj()
    old["status"]["conditions"] = [
        {"type": "Ready", "status": "True", "lastHeartbeatTime": "2025-01-01T00:00:00Z"}
    ]
    new = copy.deepcopy(old)
    mutate(new)
    return node_scheduling_properties_change(old, new)


def test_node_scheduling_properties_change() -> None:
    assert _node_events(lambda n: n["spec"].update(unschedulable=True)) == [A.UPDATE_NODE_TAINT]
    assert _node_events(lambda n: n["status"]["allocatable"].update(cpu="8")) == [
        A.UPDATE_NODE_ALLOCATABLE
    ]
    assert _node_events(lambda n: n["metadata"]["labels"].update(b="2")) == [A.UPDATE_NODE_LABEL]
    assert _node_events(lambda n: n["spec"].update(taints=[])) == [A.UPDATE_NODE_TAINT]
    assert _node_events(lambda n: n["status"]["conditions"][0].update(status="False")) == [
        A.UPDATE_NODE_CONDITION
    ]
    heartbeat = _node_events(
        lambda n: n["status"]["conditions"][0].update(lastHeartbeatTime="2025-01-01T00:05:00Z")
    )
    assert heartbeat == []
    assert _node_events(lambda n: n["metadata"].update(annotations={"x": "y"})) == [
        A.UPDATE_NODE_ANNOTATION
    ]


def test_node_cache_changed_ignores_heartbeats_but_not_images() -> None:
    old = make_node("n").obj()
    old["status"]["conditions"] = [{"type": "Ready", "status": "True"}]
    beat = copy.deepcopy(old)
    beat["status"]["conditions"][0]["lastHeartbeatTime"] = "2025-01-01T00:00:10Z"
    assert not node_cache_changed(old, beat)
    img = make_node("n").image(["nginx:1.27"], 50_000_000).obj()
    assert node_cache_changed(old, img)
    assert node_cache_changed(old, make_node("n").unschedulable().obj())


def test_pod_cache_changed() -> None:
    bound = _pod(nodeName="n1")
    bound["status"]["conditions"] = [{"type": "PodScheduled", "status": "True"}]
    relabelled = copy.deepcopy(bound)
    relabelled["metadata"]["labels"] = {"x": "y"}
    assert pod_cache_changed(bound, relabelled)
    running = copy.deepcopy(bound)
    running["status"]["phase"] = "Running"
    assert not pod_cache_changed(bound, running)
    deleting = copy.deepcopy(bound)
    deleting["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:30Z"
    assert pod_cache_changed(bound, deleting)
