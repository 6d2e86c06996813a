"""Builders for test objects, mirroring kube-scheduler's ``st.MakePod()`` / ``st.MakeNode()``.

``make_pod("p").req(cpu="100m").obj()`` returns a Kubernetes-shaped dict; every method returns the
builder so calls chain. Nothing here validates: tests that want bad input build it on purpose.
"""

from __future__ import annotations

import copy
from typing import Any


class PodWrapper:
    """Chainable builder of a ``v1.Pod`` dict (namespace ``default``, one container ``c``)."""

    def __init__(self, name: str, namespace: str = "default") -> None:
        self._pod: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{namespace}-{name}"},
            "spec": {"containers": [{"name": "c", "image": "pause:3.10"}]},
            "status": {},
        }

    def obj(self) -> dict[str, Any]:
        """A deep copy of the pod built so far."""
        return copy.deepcopy(self._pod)

    @property
    def _spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = self._pod["spec"]
        return spec

    @property
    def _c0(self) -> dict[str, Any]:
        c: dict[str, Any] = self._spec["containers"][0]
        return c

    def namespace(self, ns: str) -> PodWrapper:
        self._pod["metadata"]["namespace"] = ns
        return self

    def label(self, key: str, value: str) -> PodWrapper:
        self._pod["metadata"].setdefault("labels", {})[key] = value
        return self

    def labels(self, **labels: str) -> PodWrapper:
        self._pod["metadata"].setdefault("labels", {}).update(labels)
        return self

    def req(self, **requests: str) -> PodWrapper:
        """Requests of the first container; keys use ``_`` for ``-`` and ``__`` for ``/``."""
        res = self._c0.setdefault("resources", {}).setdefault("requests", {})
        for k, v in requests.items():
            res[k.replace("__", "/").replace("_", "-")] = v
        return self

    def res(self, requests: dict[str, str]) -> PodWrapper:
        """Requests of the first container, by exact resource name."""
        self._c0.setdefault("resources", {}).setdefault("requests", {}).update(requests)
        return self

    def container(
        self, name: str, requests: dict[str, str] | None = None, image: str = "pause:3.10"
    ) -> PodWrapper:
        c: dict[str, Any] = {"name": name, "image": image}
        if requests:
            c["resources"] = {"requests": dict(requests)}
        self._spec["containers"].append(c)
        return self

    def init_container(
        self,
        name: str,
        requests: dict[str, str] | None = None,
        *,
        sidecar: bool = False,
        image: str = "busybox",
    ) -> PodWrapper:
        c: dict[str, Any] = {"name": name, "image": image}
        if requests:
            c["resources"] = {"requests": dict(requests)}
        if sidecar:
            c["restartPolicy"] = "Always"
        self._spec.setdefault("initContainers", []).append(c)
        return self

    def image(self, image: str) -> PodWrapper:
        self._c0["image"] = image
        return self

    def overhead(self, **res: str) -> PodWrapper:
        self._spec["overhead"] = dict(res)
        return self

    def pod_requests(self, **res: str) -> PodWrapper:
        self._spec["resources"] = {"requests": dict(res)}
        return self

    def host_port(self, port: int, protocol: str = "TCP", host_ip: str = "") -> PodWrapper:
        p: dict[str, Any] = {"containerPort": port, "hostPort": port, "protocol": protocol}
        if host_ip:
            p["hostIP"] = host_ip
        self._c0.setdefault("ports", []).append(p)
        return self

    def node(self, name: str) -> PodWrapper:
        self._spec["nodeName"] = name
        return self

    def node_selector(self, **labels: str) -> PodWrapper:
        self._spec["nodeSelector"] = dict(labels)
        return self

    def node_affinity_in(self, key: str, values: list[str]) -> PodWrapper:
        return self.node_affinity_required([{"key": key, "operator": "In", "values": values}])

    def node_affinity_required(
        self, exprs: list[dict[str, Any]], fields: list[dict[str, Any]] | None = None
    ) -> PodWrapper:
        term: dict[str, Any] = {"matchExpressions": exprs}
        if fields:
            term["matchFields"] = fields
        na = self._spec.setdefault("affinity", {}).setdefault("nodeAffinity", {})
        req = na.setdefault(
            "requiredDuringSchedulingIgnoredDuringExecution", {"nodeSelectorTerms": []}
        )
        req["nodeSelectorTerms"].append(term)
        return self

    def node_affinity_preferred(self, weight: int, exprs: list[dict[str, Any]]) -> PodWrapper:
        na = self._spec.setdefault("affinity", {}).setdefault("nodeAffinity", {})
        na.setdefault("preferredDuringSchedulingIgnoredDuringExecution", []).append(
            {"weight": weight, "preference": {"matchExpressions": exprs}}
        )
        return self

    def toleration(
        self, key: str = "", value: str = "", effect: str = "", operator: str = "Equal"
    ) -> PodWrapper:
        t: dict[str, Any] = {"operator": operator}
        if key:
            t["key"] = key
        if value:
            t["value"] = value
        if effect:
            t["effect"] = effect
        self._spec.setdefault("tolerations", []).append(t)
        return self

    def spread(
        self,
        max_skew: int,
        topology_key: str,
        when: str = "DoNotSchedule",
        match_labels: dict[str, str] | None = None,
        **extra: Any,
    ) -> PodWrapper:
        c: dict[str, Any] = {
            "maxSkew": max_skew,
            "topologyKey": topology_key,
            "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": dict(match_labels or {})},
        }
        c.update(extra)
        self._spec.setdefault("topologySpreadConstraints", []).append(c)
        return self

    def _pod_term(
        self,
        kind: str,
        required: bool,
        match_labels: dict[str, str],
        topology_key: str,
        weight: int,
        **extra: Any,
    ) -> PodWrapper:
        term: dict[str, Any] = {
            "labelSelector": {"matchLabels": dict(match_labels)},
            "topologyKey": topology_key,
        }
        term.update(extra)
        aff = self._spec.setdefault("affinity", {}).setdefault(kind, {})
        if required:
            aff.setdefault("requiredDuringSchedulingIgnoredDuringExecution", []).append(term)
        else:
            aff.setdefault("preferredDuringSchedulingIgnoredDuringExecution", []).append(
                {"weight": weight, "podAffinityTerm": term}
            )
        return self

    def pod_affinity(
        self, match_labels: dict[str, str], topology_key: str, **extra: Any
    ) -> PodWrapper:
        return self._pod_term("podAffinity", True, match_labels, topology_key, 0, **extra)

    def pod_anti_affinity(
        self, match_labels: dict[str, str], topology_key: str, **extra: Any
    ) -> PodWrapper:
        return self._pod_term("podAntiAffinity", True, match_labels, topology_key, 0, **extra)

    def preferred_pod_affinity(
        self, weight: int, match_labels: dict[str, str], topology_key: str
    ) -> PodWrapper:
        return self._pod_term("podAffinity", False, match_labels, topology_key, weight)

    def preferred_pod_anti_affinity(
        self, weight: int, match_labels: dict[str, str], topology_key: str
    ) -> PodWrapper:
        return self._pod_term("podAntiAffinity", False, match_labels, topology_key, weight)

    def priority(self, value: int) -> PodWrapper:
        self._spec["priority"] = value
        return self

    def preemption_policy(self, policy: str) -> PodWrapper:
        self._spec["preemptionPolicy"] = policy
        return self

    def start_time(self, rfc3339: str) -> PodWrapper:
        self._pod["status"]["startTime"] = rfc3339
        return self

    def terminating(self, at: str = "2025-11-03T09:00:00Z") -> PodWrapper:
        self._pod["metadata"]["deletionTimestamp"] = at
        return self

    def owner(self, kind: str, name: str, api_version: str = "apps/v1") -> PodWrapper:
        self._pod["metadata"]["ownerReferences"] = [
            {
                "apiVersion": api_version,
                "kind": kind,
                "name": name,
                "uid": f"uid-{name}",
                "controller": True,
            }
        ]
        return self


class NodeWrapper:
    """Chainable builder of a ``v1.Node`` dict (``kubernetes.io/hostname`` label set)."""

    def __init__(self, name: str) -> None:
        self._node: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "spec": {},
            "status": {"allocatable": {"cpu": "4", "memory": "32Gi", "pods": "110"}},
        }

    def obj(self) -> dict[str, Any]:
        return copy.deepcopy(self._node)

    def label(self, key: str, value: str) -> NodeWrapper:
        self._node["metadata"]["labels"][key] = value
        return self

    def zone(self, zone: str) -> NodeWrapper:
        return self.label("topology.kubernetes.io/zone", zone)

    def capacity(self, **res: str) -> NodeWrapper:
        """Allocatable resources (replacing the defaults); ``_`` = ``-``, ``__`` = ``/``."""
        self._node["status"]["allocatable"] = {
            k.replace("__", "/").replace("_", "-"): v for k, v in res.items()
        }
        return self

    def res(self, resources: dict[str, str]) -> NodeWrapper:
        self._node["status"]["allocatable"].update(resources)
        return self

    def taint(self, key: str, value: str = "", effect: str = "NoSchedule") -> NodeWrapper:
        t: dict[str, Any] = {"key": key, "effect": effect}
        if value:
            t["value"] = value
        self._node["spec"].setdefault("taints", []).append(t)
        return self

    def unschedulable(self, flag: bool = True) -> NodeWrapper:
        self._node["spec"]["unschedulable"] = flag
        return self

    def image(self, names: list[str], size_bytes: int) -> NodeWrapper:
        self._node["status"].setdefault("images", []).append(
            {"names": list(names), "sizeBytes": size_bytes}
        )
        return self


def make_pod(name: str, namespace: str = "default") -> PodWrapper:
    """Start building a pod (``make_pod("p").req(cpu="100m").obj()``)."""
    return PodWrapper(name, namespace)


def make_node(name: str) -> NodeWrapper:
    """Start building a node (4 CPU, 32Gi, 110 pods unless ``capacity`` says otherwise)."""
    return NodeWrapper(name)


def make_namespace(name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name, **labels}},
    }
