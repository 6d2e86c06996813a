"""Defaulting: what the apiserver fills in before validation, per kind (``v1/defaults.go``).

:func:`apply_defaults` returns a defaulted *copy*; its input is never modified. The rules follow
the ``SetDefaults_*`` functions of Kubernetes 1.32 for the served kinds, e.g. for a Pod:
``restartPolicy: Always``, ``dnsPolicy: ClusterFirst``, ``schedulerName: default-scheduler``,
``terminationGracePeriodSeconds: 30``, ``securityContext: {}``, ``enableServiceLinks: true``,
per container ``imagePullPolicy`` from the image tag (``Always`` for ``:latest`` or no tag),
``terminationMessagePath``/``Policy``, port ``protocol: TCP``, probe timings, requests copied
from limits, ``hostPort`` = ``containerPort`` under ``hostNetwork``. Pod templates of workloads
get the pod-spec and container defaults. Resource quantities are rewritten in canonical form
(``0.5`` -> ``500m``), as a round trip through the apiserver does.

Things the apiserver's *registry* (not ``defaults.go``) sets - ``uid``, ``creationTimestamp``,
``generation``, a Service's ``clusterIP``, a Job's generated selector - are not done here,
except the Service ``ipFamilies``/``ipFamilyPolicy`` pair that follows from its cluster IP and
:func:`job_generated_selector` offered as a helper.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kcore.api.quantity import QuantityError, parse_quantity
from kcore.api.validation import VOLUME_SOURCES

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "apply_defaults",
    "deep_copy",
    "default_in_place",
    "default_pod_spec",
    "job_generated_selector",
]

Obj = dict[str, Any]


def deep_copy(value: Any) -> Any:
    """A fast deep copy of a JSON value (dicts, lists and scalars only)."""
    if isinstance(value, dict):
        return {k: deep_copy(v) if isinstance(v, (dict, list)) else v for k, v in value.items()}
    if isinstance(value, list):
        return [deep_copy(v) if isinstance(v, (dict, list)) else v for v in value]
    return value


def _canonical_quantities(rl: Any) -> None:
    if not isinstance(rl, dict):
        return
    for k, v in rl.items():
        try:
            rl[k] = str(parse_quantity(v))
        except QuantityError:
            continue  # validation reports it with the field path


# --------------------------------------------------------------------------------------------
# pods


def _image_pull_policy(image: str) -> str:
    # Kubernetes: Always when the tag is "latest" or absent (and no digest), else IfNotPresent.
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "Always"
    return "Always" if last.rsplit(":", 1)[1] == "latest" else "IfNotPresent"


def _default_probe(p: Any) -> None:
    if not isinstance(p, dict):
        return
    p.setdefault("timeoutSeconds", 1)
    p.setdefault("periodSeconds", 10)
    p.setdefault("successThreshold", 1)
    p.setdefault("failureThreshold", 3)
    _default_handler(p)


def _default_handler(h: Any) -> None:
    if not isinstance(h, dict):
        return
    hg = h.get("httpGet")
    if isinstance(hg, dict):
        if not hg.get("path"):
            hg["path"] = "/"
        if not hg.get("scheme"):
            hg["scheme"] = "HTTP"


def _default_container(c: Any) -> None:
    if not isinstance(c, dict):
        return
    if not c.get("imagePullPolicy") and isinstance(c.get("image"), str):
        c["imagePullPolicy"] = _image_pull_policy(c["image"])
    if not c.get("terminationMessagePath"):
        c["terminationMessagePath"] = "/dev/termination-log"
    if not c.get("terminationMessagePolicy"):
        c["terminationMessagePolicy"] = "File"
    for port in c.get("ports") or ():
        if isinstance(port, dict) and not port.get("protocol"):
            port["protocol"] = "TCP"
    for env in c.get("env") or ():
        if isinstance(env, dict):
            fr = (env.get("valueFrom") or {}).get("fieldRef")
            if isinstance(fr, dict) and not fr.get("apiVersion"):
                fr["apiVersion"] = "v1"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(c.get(probe))
    lc = c.get("lifecycle")
    if isinstance(lc, dict):
        _default_handler(lc.get("postStart"))
        _default_handler(lc.get("preStop"))
    res = c.get("resources")
    if isinstance(res, dict):
        _canonical_quantities(res.get("limits"))
        _canonical_quantities(res.get("requests"))


_MODE_SOURCES = ("secret", "configMap", "downwardAPI", "projected")


def _default_volume(v: Any) -> None:
    if not isinstance(v, dict):
        return
    if not any(k in v for k in VOLUME_SOURCES):
        v["emptyDir"] = {}
    for src in _MODE_SOURCES:
        s = v.get(src)
        if isinstance(s, dict) and s.get("defaultMode") is None:
            s["defaultMode"] = 420
    hp = v.get("hostPath")
    if isinstance(hp, dict) and "type" not in hp:
        hp["type"] = ""
    proj = v.get("projected")
    if isinstance(proj, dict):
        for src in proj.get("sources") or ():
            sat = (src or {}).get("serviceAccountToken")
            if isinstance(sat, dict) and sat.get("expirationSeconds") is None:
                sat["expirationSeconds"] = 3600


def default_pod_spec(spec: Obj) -> None:
    """Apply ``SetDefaults_PodSpec`` and the container/volume defaults in place."""
    if not spec.get("dnsPolicy"):
        spec["dnsPolicy"] = "ClusterFirst"
    if not spec.get("restartPolicy"):
        spec["restartPolicy"] = "Always"
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = 30
    if not spec.get("schedulerName"):
        spec["schedulerName"] = "default-scheduler"
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(key) or ():
            _default_container(c)
    for v in spec.get("volumes") or ():
        _default_volume(v)
    _canonical_quantities(spec.get("overhead"))
    res = spec.get("resources")
    if isinstance(res, dict):
        _canonical_quantities(res.get("limits"))
        _canonical_quantities(res.get("requests"))


def _requests_from_limits(res: Any) -> None:
    if not isinstance(res, dict):
        return
    limits = res.get("limits")
    if not isinstance(limits, dict) or not limits:
        return
    requests = res.get("requests")
    if not isinstance(requests, dict):
        requests = res["requests"] = {}
    for k, v in limits.items():
        requests.setdefault(k, v)


def _default_pod(pod: Obj) -> None:
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return
    default_pod_spec(spec)
    for key in ("initContainers", "containers"):
        for c in spec.get(key) or ():
            if isinstance(c, dict):
                _requests_from_limits(c.get("resources"))
    _requests_from_limits(spec.get("resources"))
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    if spec.get("hostNetwork") is True:
        for key in ("initContainers", "containers"):
            for c in spec.get(key) or ():
                for port in (c or {}).get("ports") or ():
                    if isinstance(port, dict) and not port.get("hostPort"):
                        port["hostPort"] = port.get("containerPort")


def _default_template(spec: Any) -> None:
    if not isinstance(spec, dict):
        return
    tmpl = spec.get("template")
    if isinstance(tmpl, dict) and isinstance(tmpl.get("spec"), dict):
        default_pod_spec(tmpl["spec"])


# --------------------------------------------------------------------------------------------
# other core kinds


def _default_node(node: Obj) -> None:
    status = node.get("status")
    if not isinstance(status, dict):
        return
    _canonical_quantities(status.get("capacity"))
    _canonical_quantities(status.get("allocatable"))
    if status.get("allocatable") is None and isinstance(status.get("capacity"), dict):
        status["allocatable"] = dict(status["capacity"])


def _default_namespace(ns: Obj) -> None:
    md = ns.setdefault("metadata", {})
    name = md.get("name")
    if name:
        labels = md.get("labels")
        if not isinstance(labels, dict):
            labels = md["labels"] = {}
        labels["kubernetes.io/metadata.name"] = name
    status = ns.get("status")
    if not isinstance(status, dict):
        status = ns["status"] = {}
    if not status.get("phase"):
        status["phase"] = "Active"


def _default_service(svc: Obj) -> None:
    spec = svc.get("spec")
    if not isinstance(spec, dict):
        spec = svc["spec"] = {}
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if spec["sessionAffinity"] == "ClientIP":
        cfg = spec.setdefault("sessionAffinityConfig", {})
        cip = cfg.setdefault("clientIP", {})
        cip.setdefault("timeoutSeconds", 10800)
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    typ = spec["type"]
    for port in spec.get("ports") or ():
        if not isinstance(port, dict):
            continue
        if not port.get("protocol"):
            port["protocol"] = "TCP"
        tp = port.get("targetPort")
        if tp in (None, 0, ""):
            port["targetPort"] = port.get("port")
    if typ in ("NodePort", "LoadBalancer") and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if typ != "ExternalName" and not spec.get("internalTrafficPolicy"):
        spec["internalTrafficPolicy"] = "Cluster"
    if typ == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True
    if typ != "ExternalName":
        if not spec.get("ipFamilyPolicy"):
            spec["ipFamilyPolicy"] = "SingleStack"
        if not spec.get("ipFamilies"):
            cip = str(spec.get("clusterIP") or "")
            spec["ipFamilies"] = ["IPv6" if ":" in cip else "IPv4"]


def _default_endpoints(ep: Obj) -> None:
    for subset in ep.get("subsets") or ():
        for port in (subset or {}).get("ports") or ():
            if isinstance(port, dict) and not port.get("protocol"):
                port["protocol"] = "TCP"


def _default_rc(rc: Obj) -> None:
    spec = rc.get("spec")
    if not isinstance(spec, dict):
        spec = rc["spec"] = {}
    tmpl_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if tmpl_labels:
        if not spec.get("selector"):
            spec["selector"] = dict(tmpl_labels)
        md = rc.setdefault("metadata", {})
        if not md.get("labels"):
            md["labels"] = dict(tmpl_labels)
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    _default_template(spec)


def _default_secret(s: Obj) -> None:
    if not s.get("type"):
        s["type"] = "Opaque"


def _default_limit_range(lr: Obj) -> None:
    for item in (lr.get("spec") or {}).get("limits") or ():
        if not isinstance(item, dict):
            continue
        for key in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            _canonical_quantities(item.get(key))
        if item.get("type") != "Container":
            continue
        default = item.setdefault("default", {})
        for k, v in (item.get("max") or {}).items():
            default.setdefault(k, v)
        default_request = item.setdefault("defaultRequest", {})
        for k, v in default.items():
            default_request.setdefault(k, v)
        for k, v in (item.get("min") or {}).items():
            default_request.setdefault(k, v)
        if not default:
            del item["default"]
        if not default_request:
            del item["defaultRequest"]


def _default_quota(rq: Obj) -> None:
    _canonical_quantities((rq.get("spec") or {}).get("hard"))
    status = rq.get("status") or {}
    _canonical_quantities(status.get("hard"))
    _canonical_quantities(status.get("used"))


# --------------------------------------------------------------------------------------------
# workloads


def _spec(o: Obj) -> Obj:
    spec = o.get("spec")
    if not isinstance(spec, dict):
        spec = o["spec"] = {}
    return spec


def _default_deployment(d: Obj) -> None:
    spec = _spec(d)
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = spec.get("strategy")
    if not isinstance(strategy, dict):
        strategy = spec["strategy"] = {}
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        if not isinstance(ru, dict):
            ru = strategy["rollingUpdate"] = {}
        if ru.get("maxUnavailable") is None:
            ru["maxUnavailable"] = "25%"
        if ru.get("maxSurge") is None:
            ru["maxSurge"] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    _default_template(spec)


def _default_replicaset(rs: Obj) -> None:
    spec = _spec(rs)
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    _default_template(spec)


def _rolling_update(spec: Obj) -> Obj | None:
    """``spec.updateStrategy`` defaulted to type RollingUpdate (DaemonSet, StatefulSet), and its
    ``rollingUpdate`` (created if absent) when that is the type; None for another type."""
    us = spec.get("updateStrategy")
    if not isinstance(us, dict):
        us = spec["updateStrategy"] = {}
    if not us.get("type"):
        us["type"] = "RollingUpdate"
    if us["type"] != "RollingUpdate":
        return None
    ru = us.get("rollingUpdate")
    if not isinstance(ru, dict):
        ru = us["rollingUpdate"] = {}
    return ru


def _default_daemonset(ds: Obj) -> None:
    spec = _spec(ds)
    ru = _rolling_update(spec)
    if ru is not None:
        if ru.get("maxUnavailable") is None:
            ru["maxUnavailable"] = 1
        if ru.get("maxSurge") is None:
            ru["maxSurge"] = 0
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    _default_template(spec)


def _default_statefulset(ss: Obj) -> None:
    spec = _spec(ss)
    if not spec.get("podManagementPolicy"):
        spec["podManagementPolicy"] = "OrderedReady"
    ru = _rolling_update(spec)
    if ru is not None and ru.get("partition") is None:
        ru["partition"] = 0
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    policy = spec.get("persistentVolumeClaimRetentionPolicy")
    if not isinstance(policy, dict):
        policy = spec["persistentVolumeClaimRetentionPolicy"] = {}
    policy.setdefault("whenDeleted", "Retain")
    policy.setdefault("whenScaled", "Retain")
    _default_template(spec)


_MAX_INT32 = 2**31 - 1


def _default_job(job: Obj) -> None:
    spec = _spec(job)
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = _MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else 6
    if not spec.get("completionMode"):
        spec["completionMode"] = "NonIndexed"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    if not spec.get("podReplacementPolicy"):
        spec["podReplacementPolicy"] = (
            "Failed" if spec.get("podFailurePolicy") else "TerminatingOrFailed"
        )
    _default_template(spec)


def job_generated_selector(job: Mapping[str, Any], uid: str) -> tuple[dict[str, str], Obj]:
    """The labels and selector the Job registry generates unless ``manualSelector`` is true.

    Returns ``(template_labels_to_add, selector)``: ``batch.kubernetes.io/controller-uid`` and
    ``batch.kubernetes.io/job-name`` plus their legacy unprefixed twins.
    """
    name = str((job.get("metadata") or {}).get("name") or "")
    labels = {
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": name,
        "controller-uid": uid,
        "job-name": name,
    }
    return labels, {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}


def _default_hpa(hpa: Obj) -> None:
    spec = _spec(hpa)
    if spec.get("minReplicas") is None:
        spec["minReplicas"] = 1
    if not spec.get("metrics"):
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 80},
                },
            }
        ]
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):
        up = behavior.get("scaleUp")
        if not isinstance(up, dict):
            up = behavior["scaleUp"] = {}
        up.setdefault("stabilizationWindowSeconds", 0)
        up.setdefault("selectPolicy", "Max")
        up.setdefault(
            "policies",
            [
                {"type": "Pods", "value": 4, "periodSeconds": 15},
                {"type": "Percent", "value": 100, "periodSeconds": 15},
            ],
        )
        down = behavior.get("scaleDown")
        if not isinstance(down, dict):
            down = behavior["scaleDown"] = {}
        down.setdefault("stabilizationWindowSeconds", 300)
        down.setdefault("selectPolicy", "Max")
        down.setdefault("policies", [{"type": "Percent", "value": 100, "periodSeconds": 15}])


def _default_priority_class(pc: Obj) -> None:
    if not pc.get("preemptionPolicy"):
        pc["preemptionPolicy"] = "PreemptLowerPriority"


def _default_runtime_class(rc: Obj) -> None:
    _canonical_quantities((rc.get("overhead") or {}).get("podFixed"))


_DEFAULTERS: dict[tuple[str, str], Callable[[Obj], None]] = {
    ("v1", "Pod"): _default_pod,
    ("v1", "Node"): _default_node,
    ("v1", "Namespace"): _default_namespace,
    ("v1", "Service"): _default_service,
    ("v1", "Endpoints"): _default_endpoints,
    ("v1", "ReplicationController"): _default_rc,
    ("v1", "Secret"): _default_secret,
    ("v1", "LimitRange"): _default_limit_range,
    ("v1", "ResourceQuota"): _default_quota,
    ("apps/v1", "Deployment"): _default_deployment,
    ("apps/v1", "ReplicaSet"): _default_replicaset,
    ("apps/v1", "DaemonSet"): _default_daemonset,
    ("apps/v1", "StatefulSet"): _default_statefulset,
    ("batch/v1", "Job"): _default_job,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): _default_hpa,
    ("scheduling.k8s.io/v1", "PriorityClass"): _default_priority_class,
    ("node.k8s.io/v1", "RuntimeClass"): _default_runtime_class,
}


def apply_defaults(obj: Mapping[str, Any]) -> Obj:
    """A defaulted deep copy of ``obj`` (selected by its ``apiVersion`` and ``kind``).

    Kinds without defaults are copied unchanged. The input is never modified.
    """
    out: Obj = deep_copy(dict(obj))
    default_in_place(out)
    return out


def default_in_place(obj: Obj) -> None:
    """:func:`apply_defaults` on an object the caller owns entirely (no copy is made).

    The result equals ``apply_defaults(obj)``; only fields the defaulters know are touched
    (never the contents of free-form values such as ``RawExtension``).
    """
    fn = _DEFAULTERS.get((str(obj.get("apiVersion", "")), str(obj.get("kind", ""))))
    if fn is not None:
        fn(obj)
