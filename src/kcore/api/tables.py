"""Server-side ``meta.k8s.io/v1`` Tables for ``kubectl get`` (Accept ``as=Table``).

:func:`to_table` renders objects the way the Kubernetes 1.32 printers
(``pkg/printers/internalversion/printers.go``) do, including wide (priority 1) columns, kubectl's
pod STATUS logic (``Pending``, ``ContainerCreating``, ``Init:0/1``, ``CrashLoopBackOff``,
``Completed``, ``Terminating``, ``SchedulingGated``, ...), restarts with "(5m ago)", node
roles, service ports and external IPs, event sources and ages. Ages are computed from a ``now``
passed in (seconds since the epoch), never from the wall clock, and formatted like
``duration.HumanDuration`` (``45s``, ``3m20s``, ``5h``, ``2d3h``). Each row carries the object
as ``includeObject`` asks: ``None``, ``Metadata`` (the default, a ``PartialObjectMetadata``) or
``Object``.

Resources without a dedicated printer get the upstream default table: ``Name`` and
``Created At``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from kcore.api.labels import SelectorError, selector_from_label_selector
from kcore.api.quantity import QuantityError, parse_quantity

__all__ = ["column_definitions", "human_duration", "pod_status_reason", "to_table"]

Obj = Mapping[str, Any]
Row = list[Any]

_NAME_DESC = (
    "Name must be unique within a namespace. It is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated."
)
_AGE_DESC = (
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC."
)


def _col(
    name: str, desc: str, type_: str = "string", fmt: str = "", priority: int = 0
) -> dict[str, Any]:
    return {"name": name, "type": type_, "format": fmt, "description": desc, "priority": priority}


_NAME = _col("Name", _NAME_DESC, fmt="name")
_AGE = _col("Age", _AGE_DESC)


# --------------------------------------------------------------------------------------------
# time


def _parse_time(ts: Any) -> float | None:
    if not isinstance(ts, str) or not ts:
        return None
    try:
        dt = datetime.fromisoformat(ts.replace("z", "Z"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def human_duration(seconds: float) -> str:
    """A duration as ``duration.HumanDuration`` prints it."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        sec = s % 60
        return f"{minutes}m" if sec == 0 else f"{minutes}m{sec}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        mins = minutes % 60
        return f"{hours}h" if mins == 0 else f"{hours}h{mins}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def _since(ts: Any, now: float) -> str:
    t = _parse_time(ts)
    if t is None:
        return "<unknown>"
    return human_duration(now - t)


def _age(o: Obj, now: float) -> str:
    return _since((o.get("metadata") or {}).get("creationTimestamp"), now)


def _name(o: Obj) -> str:
    return str((o.get("metadata") or {}).get("name") or "")


def _int(v: Any) -> int:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else 0


def _format_labels(labels: Any) -> str:
    if not isinstance(labels, Mapping) or not labels:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def _selector_string(sel: Any) -> str:
    try:
        return str(selector_from_label_selector(sel))
    except SelectorError:
        return "<invalid>"


def _containers_cells(spec: Any) -> tuple[str, str]:
    containers = (spec or {}).get("containers") or []
    names = ",".join(str((c or {}).get("name") or "") for c in containers)
    images = ",".join(str((c or {}).get("image") or "") for c in containers)
    return names, images


def _template_spec(o: Obj) -> Any:
    return ((o.get("spec") or {}).get("template") or {}).get("spec") or {}


# --------------------------------------------------------------------------------------------
# pods

_POD_COLUMNS = [
    _NAME,
    _col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    _col("Status", "The aggregate status of the containers in this pod."),
    _col(
        "Restarts",
        "The number of times the containers in this pod have been restarted and when the last "
        "container in this pod has restarted.",
    ),
    _AGE,
    _col(
        "IP", "IP address allocated to the pod. Routable at least within the cluster.", priority=1
    ),
    _col("Node", "NodeName indicates in which node this pod is scheduled.", priority=1),
    _col(
        "Nominated Node",
        "nominatedNodeName is set only when this pod preempts other pods on the node.",
        priority=1,
    ),
    _col(
        "Readiness Gates",
        "If specified, all readiness gates will be evaluated for pod readiness.",
        priority=1,
    ),
]

_POD_SUCCESS = [
    {
        "type": "Completed",
        "status": "True",
        "reason": "Succeeded",
        "message": "The pod has completed successfully.",
    }
]
_POD_FAILED = [
    {"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}
]


def _restartable(c: Any) -> bool:
    return isinstance(c, Mapping) and c.get("restartPolicy") == "Always"


def _cond_true(conditions: Any, type_: str) -> bool:
    for c in conditions or ():
        if isinstance(c, Mapping) and c.get("type") == type_:
            return c.get("status") == "True"
    return False


def _pod_summary(pod: Obj, now: float) -> tuple[str, int, int, str]:
    """(reason, ready, total, restarts-string) exactly as kubectl's printPod computes them."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    md = pod.get("metadata") or {}
    containers = spec.get("containers") or []
    init_containers = spec.get("initContainers") or []
    total = len(containers)
    ready = 0
    restarts = 0
    sidecar_restarts = 0
    last_restart: float | None = None
    last_sidecar_restart: float | None = None
    phase = str(status.get("phase") or "")
    reason = str(status.get("reason") or "") or phase
    for cond in status.get("conditions") or ():
        if (cond or {}).get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    inits = {str((c or {}).get("name")): c for c in init_containers}
    total += sum(1 for c in init_containers if _restartable(c))

    def later(a: float | None, ts: Any) -> float | None:
        t = _parse_time(ts)
        if t is None:
            return a
        return t if a is None or t > a else a

    initializing = False
    for i, raw_cs in enumerate(status.get("initContainerStatuses") or ()):
        cs = raw_cs or {}
        rc = _int(cs.get("restartCount"))
        restarts += rc
        last_term = (cs.get("lastState") or {}).get("terminated")
        if isinstance(last_term, Mapping):
            last_restart = later(last_restart, last_term.get("finishedAt"))
        sidecar = _restartable(inits.get(str(cs.get("name"))))
        if sidecar:
            sidecar_restarts += rc
            if isinstance(last_term, Mapping):
                last_sidecar_restart = later(last_sidecar_restart, last_term.get("finishedAt"))
        state = cs.get("state") or {}
        term = state.get("terminated")
        waiting = state.get("waiting")
        if isinstance(term, Mapping) and _int(term.get("exitCode")) == 0:
            continue
        if sidecar and cs.get("started") is True:
            if cs.get("ready"):
                ready += 1
            continue
        if isinstance(term, Mapping):
            if not term.get("reason"):
                if _int(term.get("signal")):
                    reason = f"Init:Signal:{_int(term.get('signal'))}"
                else:
                    reason = f"Init:ExitCode:{_int(term.get('exitCode'))}"
            else:
                reason = f"Init:{term['reason']}"
        elif (
            isinstance(waiting, Mapping)
            and waiting.get("reason")
            and waiting["reason"] != "PodInitializing"
        ):
            reason = f"Init:{waiting['reason']}"
        else:
            reason = f"Init:{i}/{len(init_containers)}"
        initializing = True
        break
    if not initializing or _cond_true(status.get("conditions"), "Initialized"):
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        for raw_cs in reversed(status.get("containerStatuses") or []):
            cs = raw_cs or {}
            restarts += _int(cs.get("restartCount"))
            last_term = (cs.get("lastState") or {}).get("terminated")
            if isinstance(last_term, Mapping):
                last_restart = later(last_restart, last_term.get("finishedAt"))
            state = cs.get("state") or {}
            waiting = state.get("waiting")
            term = state.get("terminated")
            if isinstance(waiting, Mapping) and waiting.get("reason"):
                reason = str(waiting["reason"])
            elif isinstance(term, Mapping) and term.get("reason"):
                reason = str(term["reason"])
            elif isinstance(term, Mapping):
                if _int(term.get("signal")):
                    reason = f"Signal:{_int(term.get('signal'))}"
                else:
                    reason = f"ExitCode:{_int(term.get('exitCode'))}"
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _cond_true(status.get("conditions"), "Ready") else "NotReady"
    if md.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif md.get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    restarts_str = str(restarts)
    if restarts and last_restart is not None:
        restarts_str = f"{restarts} ({human_duration(now - last_restart)} ago)"
    return reason, ready, total, restarts_str


def pod_status_reason(pod: Obj, now: float = 0.0) -> str:
    """The STATUS column kubectl shows for a pod."""
    return _pod_summary(pod, now)[0]


def _pod_row(pod: Obj, now: float) -> tuple[Row, list[dict[str, Any]] | None]:
    reason, ready, total, restarts = _pod_summary(pod, now)
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    ips = status.get("podIPs") or []
    ip = str((ips[0] or {}).get("ip") or "") if ips else ""
    gates = spec.get("readinessGates") or []
    gates_str = "<none>"
    if gates:
        conds = {
            (c or {}).get("type"): (c or {}).get("status") for c in status.get("conditions") or ()
        }
        true = sum(1 for g in gates if conds.get((g or {}).get("conditionType")) == "True")
        gates_str = f"{true}/{len(gates)}"
    cells: Row = [
        _name(pod),
        f"{ready}/{total}",
        reason,
        restarts,
        _age(pod, now),
        ip or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        gates_str,
    ]
    phase = status.get("phase")
    conditions = (
        _POD_SUCCESS if phase == "Succeeded" else _POD_FAILED if phase == "Failed" else None
    )
    return cells, conditions


# --------------------------------------------------------------------------------------------
# nodes

_NODE_COLUMNS = [
    _NAME,
    _col("Status", "The status of the node"),
    _col("Roles", "The roles of the node"),
    _AGE,
    _col("Version", "Kubelet Version reported by the node."),
    _col(
        "Internal-IP",
        "List of addresses reachable to the node. Queried from cloud provider, if available.",
        priority=1,
    ),
    _col(
        "External-IP",
        "List of addresses reachable to the node. Queried from cloud provider, if available.",
        priority=1,
    ),
    _col(
        "OS-Image",
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
        priority=1,
    ),
    _col(
        "Kernel-Version",
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
        priority=1,
    ),
    _col(
        "Container-Runtime",
        "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
        "containerd://1.4.2).",
        priority=1,
    ),
]


def _node_roles(node: Obj) -> str:
    roles: set[str] = set()
    for k, v in ((node.get("metadata") or {}).get("labels") or {}).items():
        if k.startswith("node-role.kubernetes.io/"):
            role = k.removeprefix("node-role.kubernetes.io/")
            if role:
                roles.add(role)
        elif k == "kubernetes.io/role" and v:
            roles.add(str(v))
    return ",".join(sorted(roles)) or "<none>"


def _node_address(node: Obj, kind: str) -> str:
    for a in (node.get("status") or {}).get("addresses") or ():
        if (a or {}).get("type") == kind:
            return str(a.get("address") or "")
    return "<none>"


def _node_row(node: Obj, now: float) -> Row:
    status = node.get("status") or {}
    states: list[str] = []
    for c in status.get("conditions") or ():
        if (c or {}).get("type") == "Ready":
            states = ["Ready" if c.get("status") == "True" else "NotReady"]
    if not states:
        states = ["Unknown"]
    if (node.get("spec") or {}).get("unschedulable"):
        states.append("SchedulingDisabled")
    info = status.get("nodeInfo") or {}
    return [
        _name(node),
        ",".join(states),
        _node_roles(node),
        _age(node, now),
        str(info.get("kubeletVersion") or ""),
        _node_address(node, "InternalIP"),
        _node_address(node, "ExternalIP"),
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


# --------------------------------------------------------------------------------------------
# workloads

_CONTAINERS = _col("Containers", "Names of each container in the template.", priority=1)
_IMAGES = _col("Images", "Images referenced by each container in the template.", priority=1)
_SELECTOR = _col(
    "Selector", "Label selector for pods. Existing pods matching it are affected.", priority=1
)

_DEPLOYMENT_COLUMNS = [
    _NAME,
    _col("Ready", "Number of the pod with ready state"),
    _col(
        "Up-to-date",
        "Total number of non-terminated pods targeted by this deployment that have the desired "
        "template spec.",
        "integer",
    ),
    _col(
        "Available",
        "Total number of available pods (ready for at least minReadySeconds) targeted by this "
        "deployment.",
        "integer",
    ),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _SELECTOR,
]


def _deployment_row(d: Obj, now: float) -> Row:
    spec, status = d.get("spec") or {}, d.get("status") or {}
    names, images = _containers_cells(_template_spec(d))
    return [
        _name(d),
        f"{_int(status.get('readyReplicas'))}/{_int(spec.get('replicas'))}",
        _int(status.get("updatedReplicas")),
        _int(status.get("availableReplicas")),
        _age(d, now),
        names,
        images,
        _selector_string(spec.get("selector")),
    ]


_RS_COLUMNS = [
    _NAME,
    _col("Desired", "Number of desired pods.", "integer"),
    _col("Current", "Number of actual replicas.", "integer"),
    _col("Ready", "The number of ready replicas for this replica set.", "integer"),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _SELECTOR,
]


def _rs_row(rs: Obj, now: float) -> Row:
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    names, images = _containers_cells(_template_spec(rs))
    return [
        _name(rs),
        _int(spec.get("replicas")),
        _int(status.get("replicas")),
        _int(status.get("readyReplicas")),
        _age(rs, now),
        names,
        images,
        _selector_string(spec.get("selector")),
    ]


def _rc_row(rc: Obj, now: float) -> Row:
    row = _rs_row(rc, now)
    row[-1] = _format_labels((rc.get("spec") or {}).get("selector"))
    return row


_DS_COLUMNS = [
    _NAME,
    _col("Desired", "The total number of nodes that should be running the daemon pod.", "integer"),
    _col(
        "Current",
        "The number of nodes running at least one daemon pod and are supposed to.",
        "integer",
    ),
    _col(
        "Ready",
        "The number of nodes that should be running the daemon pod and have one or more of the "
        "daemon pod running and ready.",
        "integer",
    ),
    _col("Up-to-date", "The total number of nodes that are running updated daemon pod", "integer"),
    _col(
        "Available",
        "The number of nodes that should be running the daemon pod and have one or more of the "
        "daemon pod running and available.",
        "integer",
    ),
    _col(
        "Node Selector",
        "NodeSelector is a selector which must be true for the pod to fit on a node.",
    ),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _SELECTOR,
]


def _ds_row(ds: Obj, now: float) -> Row:
    status = ds.get("status") or {}
    tspec = _template_spec(ds)
    names, images = _containers_cells(tspec)
    return [
        _name(ds),
        _int(status.get("desiredNumberScheduled")),
        _int(status.get("currentNumberScheduled")),
        _int(status.get("numberReady")),
        _int(status.get("updatedNumberScheduled")),
        _int(status.get("numberAvailable")),
        _format_labels(tspec.get("nodeSelector")),
        _age(ds, now),
        names,
        images,
        _selector_string((ds.get("spec") or {}).get("selector")),
    ]


_STS_COLUMNS = [
    _NAME,
    _col("Ready", "Number of the pod with ready state"),
    _AGE,
    _CONTAINERS,
    _IMAGES,
]


def _sts_row(ss: Obj, now: float) -> Row:
    spec, status = ss.get("spec") or {}, ss.get("status") or {}
    names, images = _containers_cells(_template_spec(ss))
    return [
        _name(ss),
        f"{_int(status.get('readyReplicas'))}/{_int(spec.get('replicas'))}",
        _age(ss, now),
        names,
        images,
    ]


_JOB_COLUMNS = [
    _NAME,
    _col("Status", "Status of the job."),
    _col("Completions", "The completion status of the job."),
    _col("Duration", "Time required to complete the job."),
    _AGE,
    _CONTAINERS,
    _IMAGES,
    _SELECTOR,
]


def _job_row(job: Obj, now: float) -> Row:
    spec, status = job.get("spec") or {}, job.get("status") or {}
    succeeded = _int(status.get("succeeded"))
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{_int(spec['completions'])}"
    else:
        par = _int(spec.get("parallelism"))
        completions = f"{succeeded}/1 of {par}" if par > 1 else f"{succeeded}/1"
    start = _parse_time(status.get("startTime"))
    end = _parse_time(status.get("completionTime"))
    duration = ""
    if start is not None:
        duration = human_duration((end if end is not None else now) - start)
    conds = status.get("conditions")
    if _cond_true(conds, "Complete"):
        state = "Complete"
    elif _cond_true(conds, "Failed"):
        state = "Failed"
    elif (job.get("metadata") or {}).get("deletionTimestamp"):
        state = "Terminating"
    elif _cond_true(conds, "Suspended"):
        state = "Suspended"
    elif _cond_true(conds, "FailureTarget"):
        state = "FailureTarget"
    elif _cond_true(conds, "SuccessCriteriaMet"):
        state = "SuccessCriteriaMet"
    else:
        state = "Running"
    names, images = _containers_cells(_template_spec(job))
    return [
        _name(job),
        state,
        completions,
        duration,
        _age(job, now),
        names,
        images,
        _selector_string(spec.get("selector")),
    ]


# --------------------------------------------------------------------------------------------
# services and friends

_SERVICE_COLUMNS = [
    _NAME,
    _col("Type", "The type of the service."),
    _col("Cluster-IP", "The IP address of the service."),
    _col("External-IP", "The external IP addresses of the service."),
    _col("Port(s)", "The ports exposed by the service."),
    _AGE,
    _col(
        "Selector",
        "Route service traffic to pods with label keys and values matching this selector.",
        priority=1,
    ),
]


def _service_external_ip(svc: Obj) -> str:
    spec = svc.get("spec") or {}
    typ = spec.get("type") or "ClusterIP"
    external = [str(ip) for ip in spec.get("externalIPs") or ()]
    if typ in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if typ == "LoadBalancer":
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        lb = [str((i or {}).get("ip") or (i or {}).get("hostname") or "") for i in ingress]
        lb = [x for x in lb if x]
        if external:
            return ",".join(lb + external)
        return ",".join(lb) or "<pending>"
    if typ == "ExternalName":
        return str(spec.get("externalName") or "")
    return "<unknown>"


def _service_row(svc: Obj, now: float) -> Row:
    spec = svc.get("spec") or {}
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    ports = []
    for raw_p in spec.get("ports") or ():
        p = raw_p or {}
        proto = p.get("protocol") or "TCP"
        if p.get("nodePort"):
            ports.append(f"{p.get('port')}:{p['nodePort']}/{proto}")
        else:
            ports.append(f"{p.get('port')}/{proto}")
    return [
        _name(svc),
        str(spec.get("type") or ""),
        str(ips[0]) if ips else "<none>",
        _service_external_ip(svc),
        ",".join(ports) or "<none>",
        _age(svc, now),
        _format_labels(spec.get("selector")),
    ]


_ENDPOINTS_COLUMNS = [_NAME, _col("Endpoints", "Endpoints of the service"), _AGE]


def _endpoints_row(ep: Obj, now: float) -> Row:
    subsets = ep.get("subsets") or []
    if not subsets:
        text = "<none>"
    else:
        out: list[str] = []
        more = False
        count = 0
        for raw_ss in subsets:
            ss = raw_ss or {}
            addrs = ss.get("addresses") or []
            ports = ss.get("ports") or []
            if not ports:
                count += len(addrs)
                for a in addrs:
                    if len(out) == 3:
                        more = True
                        break
                    out.append(str((a or {}).get("ip") or ""))
            else:
                for port in ports:
                    count += len(addrs)
                    for a in addrs:
                        if len(out) == 3:
                            more = True
                            break
                        ip = str((a or {}).get("ip") or "")
                        host = f"[{ip}]" if ":" in ip else ip
                        out.append(f"{host}:{(port or {}).get('port')}")
        text = ",".join(out)
        if more:
            text = f"{text} + {count - 3} more..."
    return [_name(ep), text, _age(ep, now)]


_NAMESPACE_COLUMNS = [_NAME, _col("Status", "The status of the namespace"), _AGE]


def _namespace_row(ns: Obj, now: float) -> Row:
    return [_name(ns), str((ns.get("status") or {}).get("phase") or ""), _age(ns, now)]


_EVENT_COLUMNS = [
    _col("Last Seen", "Time when last event from the series was seen"),
    _col("Type", "Type of this event (Normal, Warning), new types could be added in the future."),
    _col("Reason", "Reason why the action was taken. It is human-readable."),
    _col("Object", "The object this Event is about."),
    _col("Subobject", "The subobject this Event is about.", priority=1),
    _col("Source", "The component reporting this event.", priority=1),
    _col("Message", "A human-readable description of the status of this operation."),
    _col("First Seen", "Time when this Event was first observed.", priority=1),
    _col("Count", "The number of times this event has occurred.", "integer", priority=1),
    _col("Name", _NAME_DESC, fmt="name", priority=1),
]


def _event_row(ev: Obj, now: float) -> Row:
    first = _since(ev.get("firstTimestamp"), now)
    if _parse_time(ev.get("firstTimestamp")) is None:
        first = _since(ev.get("eventTime"), now)
    last = _since(ev.get("lastTimestamp"), now)
    if _parse_time(ev.get("lastTimestamp")) is None:
        last = first
    count = _int(ev.get("count"))
    series = ev.get("series")
    if isinstance(series, Mapping):
        last = _since(series.get("lastObservedTime"), now)
        count = _int(series.get("count"))
    elif count == 0:
        count = 1
    io = ev.get("involvedObject") or {}
    kind = str(io.get("kind") or "").lower()
    target = f"{kind}/{io['name']}" if io.get("name") else kind
    src = ev.get("source") or {}
    component = src.get("component") or ev.get("reportingComponent") or ""
    instance = src.get("host") or ev.get("reportingInstance") or ""
    source = f"{component}, {instance}" if instance else str(component)
    return [
        last,
        str(ev.get("type") or ""),
        str(ev.get("reason") or ""),
        target,
        str(io.get("fieldPath") or ""),
        source,
        str(ev.get("message") or "").strip(),
        first,
        count,
        _name(ev),
    ]


def _events_v1_row(ev: Obj, now: float) -> Row:
    core = {
        "metadata": ev.get("metadata") or {},
        "involvedObject": ev.get("regarding") or {},
        "reason": ev.get("reason"),
        "message": ev.get("note"),
        "source": ev.get("deprecatedSource") or {},
        "firstTimestamp": ev.get("deprecatedFirstTimestamp"),
        "lastTimestamp": ev.get("deprecatedLastTimestamp"),
        "count": ev.get("deprecatedCount"),
        "type": ev.get("type"),
        "eventTime": ev.get("eventTime"),
        "series": ev.get("series"),
        "reportingComponent": ev.get("reportingController"),
        "reportingInstance": ev.get("reportingInstance"),
    }
    return _event_row(core, now)


_CONFIGMAP_COLUMNS = [
    _NAME,
    _col("Data", "The number of entries in the configmap.", "integer"),
    _AGE,
]


def _configmap_row(cm: Obj, now: float) -> Row:
    return [_name(cm), len(cm.get("data") or {}) + len(cm.get("binaryData") or {}), _age(cm, now)]


_SECRET_COLUMNS = [
    _NAME,
    _col("Type", "The type of the secret"),
    _col("Data", "The number of entries in the secret.", "integer"),
    _AGE,
]


def _secret_row(s: Obj, now: float) -> Row:
    return [_name(s), str(s.get("type") or ""), len(s.get("data") or {}), _age(s, now)]


_SA_COLUMNS = [
    _NAME,
    _col(
        "Secrets",
        "Secrets is the list of secrets allowed to be used by pods running using this "
        "ServiceAccount.",
    ),
    _AGE,
]


def _sa_row(sa: Obj, now: float) -> Row:
    return [_name(sa), len(sa.get("secrets") or []), _age(sa, now)]


_QUOTA_COLUMNS = [
    _NAME,
    _AGE,
    _col(
        "Request", "Request represents a minimum amount of cpu/memory that a container may consume."
    ),
    _col(
        "Limit",
        "Limits control the maximum amount of cpu/memory that a container may use independent of "
        "contention on the node.",
    ),
]


def _qstr(v: Any) -> str:
    if v is None:
        return "0"
    try:
        return str(parse_quantity(v))
    except QuantityError:
        return str(v)


def _quota_row(rq: Obj, now: float) -> Row:
    status = rq.get("status") or {}
    hard = status.get("hard") or {}
    used = status.get("used") or {}
    req: list[str] = []
    lim: list[str] = []
    for res in sorted(hard):
        target = lim if res.split(".")[0] == "limits" and "." in res else req
        target.append(f"{res}: {_qstr(used.get(res))}/{_qstr(hard[res])}")
    return [_name(rq), _age(rq, now), ", ".join(req), ", ".join(lim)]


_CREATED_AT = _col("Created At", _AGE_DESC, "date")


def _created_at(o: Obj) -> str:
    t = _parse_time((o.get("metadata") or {}).get("creationTimestamp"))
    if t is None:
        return ""
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_DEFAULT_COLUMNS = [_NAME, _CREATED_AT]


def _default_row(o: Obj, now: float) -> Row:  # noqa: ARG001
    return [_name(o), _created_at(o)]


_LEASE_COLUMNS = [_NAME, _col("Holder", "The holder of the lease."), _AGE]


def _lease_row(lease: Obj, now: float) -> Row:
    return [
        _name(lease),
        str((lease.get("spec") or {}).get("holderIdentity") or ""),
        _age(lease, now),
    ]


_PC_COLUMNS = [
    _NAME,
    _col("Value", "The value of this priority class.", "integer"),
    _col(
        "Global-Default",
        "Whether this PriorityClass is the default for pods without a priority class name.",
        "boolean",
    ),
    _AGE,
    _col("PreemptionPolicy", "The policy for preempting pods with lower priority."),
]


def _pc_row(pc: Obj, now: float) -> Row:
    return [
        _name(pc),
        _int(pc.get("value")),
        bool(pc.get("globalDefault")),
        _age(pc, now),
        str(pc.get("preemptionPolicy") or "PreemptLowerPriority"),
    ]


_PDB_COLUMNS = [
    _NAME,
    _col("Min Available", "The minimum number of pods that must be available."),
    _col("Max Unavailable", "The maximum number of pods that may be unavailable."),
    _col(
        "Allowed Disruptions",
        "Calculated number of pods that may be disrupted at this time.",
        "integer",
    ),
    _AGE,
]


def _pdb_row(pdb: Obj, now: float) -> Row:
    spec = pdb.get("spec") or {}
    mn = spec.get("minAvailable")
    mx = spec.get("maxUnavailable")
    return [
        _name(pdb),
        "N/A" if mn is None else str(mn),
        "N/A" if mx is None else str(mx),
        _int((pdb.get("status") or {}).get("disruptionsAllowed")),
        _age(pdb, now),
    ]


_HPA_COLUMNS = [
    _NAME,
    _col("Reference", "Reference to the scaled object."),
    _col("Targets", "Current and target values of the metrics."),
    _col(
        "MinPods",
        "Lower limit for the number of pods that can be set by the autoscaler, default 1.",
    ),
    _col(
        "MaxPods",
        "Upper limit for the number of pods that can be set by the autoscaler.",
        "integer",
    ),
    _col("Replicas", "Current number of replicas of pods managed by this autoscaler.", "integer"),
    _AGE,
]


def _target_str(target: Mapping[str, Any]) -> str:
    if target.get("type") == "Utilization" and target.get("averageUtilization") is not None:
        return f"{_int(target['averageUtilization'])}%"
    for key in ("averageValue", "value"):
        if target.get(key) is not None:
            return _qstr(target[key])
    return "<unknown>"


def _hpa_targets(hpa: Obj) -> str:
    metrics = (hpa.get("spec") or {}).get("metrics") or []
    if not metrics:
        return "<none>"
    current = (hpa.get("status") or {}).get("currentMetrics") or []
    out: list[str] = []
    for i, raw_metric in enumerate(metrics):
        metric = raw_metric or {}
        typ = metric.get("type")
        src_key = {
            "Resource": "resource",
            "ContainerResource": "containerResource",
            "Pods": "pods",
            "Object": "object",
            "External": "external",
        }.get(str(typ), "")
        src = metric.get(src_key) or {}
        target = src.get("target") or {}
        cur = "<unknown>"
        if i < len(current) and isinstance(current[i], Mapping):
            cm = (current[i].get(src_key) or {}).get("current") or {}
            if target.get("type") == "Utilization" and cm.get("averageUtilization") is not None:
                cur = f"{_int(cm['averageUtilization'])}%"
            elif cm.get("averageValue") is not None:
                cur = _qstr(cm["averageValue"])
            elif cm.get("value") is not None:
                cur = _qstr(cm["value"])
        if typ in ("Resource", "ContainerResource"):
            out.append(f"{src.get('name')}: {cur}/{_target_str(target)}")
        else:
            out.append(f"{cur}/{_target_str(target)}")
    if len(out) > 3:
        return ", ".join(out[:3]) + f" + {len(out) - 3} more..."
    return ", ".join(out)


def _hpa_row(hpa: Obj, now: float) -> Row:
    spec = hpa.get("spec") or {}
    ref = spec.get("scaleTargetRef") or {}
    mn = spec.get("minReplicas")
    return [
        _name(hpa),
        f"{ref.get('kind')}/{ref.get('name')}",
        _hpa_targets(hpa),
        "<unset>" if mn is None else str(mn),
        _int(spec.get("maxReplicas")),
        _int((hpa.get("status") or {}).get("currentReplicas")),
        _age(hpa, now),
    ]


_RUNTIMECLASS_COLUMNS = [
    _NAME,
    _col("Handler", "The name of the underlying runtime and configuration."),
    _AGE,
]


def _runtimeclass_row(rc: Obj, now: float) -> Row:
    return [_name(rc), str(rc.get("handler") or ""), _age(rc, now)]


_LIMITRANGE_COLUMNS = [_NAME, _CREATED_AT]


# --------------------------------------------------------------------------------------------
# registry

_Printer = Callable[[Obj, float], Any]
_PRINTERS: dict[str, tuple[list[dict[str, Any]], _Printer]] = {
    "pods": (_POD_COLUMNS, _pod_row),
    "nodes": (_NODE_COLUMNS, _node_row),
    "deployments.apps": (_DEPLOYMENT_COLUMNS, _deployment_row),
    "replicasets.apps": (_RS_COLUMNS, _rs_row),
    "replicationcontrollers": (_RS_COLUMNS, _rc_row),
    "daemonsets.apps": (_DS_COLUMNS, _ds_row),
    "statefulsets.apps": (_STS_COLUMNS, _sts_row),
    "jobs.batch": (_JOB_COLUMNS, _job_row),
    "services": (_SERVICE_COLUMNS, _service_row),
    "endpoints": (_ENDPOINTS_COLUMNS, _endpoints_row),
    "namespaces": (_NAMESPACE_COLUMNS, _namespace_row),
    "events": (_EVENT_COLUMNS, _event_row),
    "events.events.k8s.io": (_EVENT_COLUMNS, _events_v1_row),
    "configmaps": (_CONFIGMAP_COLUMNS, _configmap_row),
    "secrets": (_SECRET_COLUMNS, _secret_row),
    "serviceaccounts": (_SA_COLUMNS, _sa_row),
    "resourcequotas": (_QUOTA_COLUMNS, _quota_row),
    "limitranges": (_LIMITRANGE_COLUMNS, _default_row),
    "leases.coordination.k8s.io": (_LEASE_COLUMNS, _lease_row),
    "priorityclasses.scheduling.k8s.io": (_PC_COLUMNS, _pc_row),
    "poddisruptionbudgets.policy": (_PDB_COLUMNS, _pdb_row),
    "horizontalpodautoscalers.autoscaling": (_HPA_COLUMNS, _hpa_row),
    "runtimeclasses.node.k8s.io": (_RUNTIMECLASS_COLUMNS, _runtimeclass_row),
}
_UNQUALIFIED = {k.split(".", 1)[0]: k for k in _PRINTERS if k != "events.events.k8s.io"}


def _printer(resource: str) -> tuple[list[dict[str, Any]], _Printer]:
    key = resource if resource in _PRINTERS else _UNQUALIFIED.get(resource, "")
    return _PRINTERS.get(key, (_DEFAULT_COLUMNS, _default_row))


def column_definitions(resource: str) -> list[dict[str, Any]]:
    """The column definitions of ``resource`` (``pods``, ``deployments.apps``, ...)."""
    return [dict(c) for c in _printer(resource)[0]]


def _row_object(o: Obj, include_object: str) -> dict[str, Any] | None:
    if include_object == "None":
        return None
    if include_object == "Object":
        return dict(o)
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": dict(o.get("metadata") or {}),
    }


def to_table(
    resource: str,
    items: list[Mapping[str, Any]] | tuple[Mapping[str, Any], ...],
    *,
    now: float,
    include_object: str = "Metadata",
    column_definitions: bool = True,
) -> dict[str, Any]:
    """A ``meta.k8s.io/v1`` Table of ``items`` (objects of ``resource``).

    ``include_object`` is ``None``, ``Metadata`` (default) or ``Object``. With
    ``column_definitions=False`` the definitions are ``null`` (what watch events may send after
    the first). ``metadata`` is left empty for the caller to fill (``resourceVersion``,
    ``continue``).
    """
    if include_object not in ("None", "Metadata", "Object"):
        msg = f'unsupported includeObject value "{include_object}"'
        raise ValueError(msg)
    cols, printer = _printer(resource)
    rows: list[dict[str, Any]] = []
    for o in items:
        out = printer(o, now)
        cells, conditions = out if isinstance(out, tuple) else (out, None)
        row: dict[str, Any] = {"cells": cells}
        if conditions:
            row["conditions"] = [dict(c) for c in conditions]
        obj = _row_object(o, include_object)
        if obj is not None:
            row["object"] = obj
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {},
        "columnDefinitions": [dict(c) for c in cols] if column_definitions else None,
        "rows": rows,
    }
