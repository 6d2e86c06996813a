"""A pod's scheduling requirements, read directly from the Kubernetes-shaped ``v1.Pod`` mapping.

:func:`compile_pod` is the readable counterpart of the native ``PodInfo`` compilation; nothing
here calls the native core. Quantities are summed exactly (as ``resource.Quantity`` does) and
converted once per pod: cpu to milli-units, everything else to units, both rounded up.

Request aggregation (``k8s.io/component-helpers/resource.PodRequests``, v1.35):

1. sum the regular containers;
2. walk the init containers in order keeping ``S``, the running sum of restartable (sidecar)
   init containers: a sidecar adds to the sum of step 1 and to ``S``; a plain init container needs
   its own request plus ``S``; take the element-wise maximum over the init steps;
3. the pod request is the element-wise maximum of 1 and 2;
4. pod-level ``spec.resources.requests`` (cpu, memory, hugepages-*) replace those resources;
5. ``spec.overhead`` is added.

The *non-zero* variant used by LeastAllocated/MostAllocated first gives every container without a
cpu (memory) request 100m (200Mi); an explicit zero stays zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from kcore.api.quantity import parse_quantity
from kcore.scheduler.reference.selectors import (
    LabelSelector,
    NodeSelectorTerm,
    PreferredSchedulingTerm,
    Requirement,
)

DEFAULT_MILLI_CPU_REQUEST: Final = 100
DEFAULT_MEMORY_REQUEST: Final = 200 * 1024 * 1024
_NANO: Final = 10**9

NO_SCHEDULE: Final = "NoSchedule"
PREFER_NO_SCHEDULE: Final = "PreferNoSchedule"
NO_EXECUTE: Final = "NoExecute"
DEFAULT_BIND_ALL_HOST_IP: Final = "0.0.0.0"


def is_scalar_resource(name: str) -> bool:
    """``schedutil.IsScalarResourceName``: extended, prefixed-native, hugepages, attachable."""
    return "/" in name or name.startswith(("hugepages-", "attachable-volumes-"))


def is_extended_resource(name: str) -> bool:
    """Extended resources (``example.com/gpu``) are the only ones ``ignoredResources`` can drop."""
    return "/" in name and "kubernetes.io/" not in name and not name.startswith("requests.")


def _scheduled_resource(name: str) -> bool:
    """Resources ``framework.Resource.Add`` keeps (cpu, memory, ephemeral-storage, scalars)."""
    return name in ("cpu", "memory", "ephemeral-storage") or is_scalar_resource(name)


def _to_units(name: str, nanos: int) -> int:
    """``MilliValue`` for cpu, ``Value`` otherwise (both round away from zero)."""
    scale = 1_000_000 if name == "cpu" else _NANO
    q, r = divmod(abs(nanos), scale)
    units = q + (1 if r else 0)
    return units if nanos >= 0 else -units


@dataclass(frozen=True, slots=True)
class Taint:
    """A node taint; ``effect`` is ``NoSchedule``, ``PreferNoSchedule`` or ``NoExecute``."""

    key: str
    value: str
    effect: str

    @classmethod
    def from_view(cls, text: str) -> Taint:
        """Parse a ``NodeTableView.taints`` entry (``key=value:Effect``)."""
        key, _, rest = text.partition("=")
        value, _, effect = rest.rpartition(":")
        return cls(key, value, effect)


@dataclass(frozen=True, slots=True)
class Toleration:
    """A pod toleration (``v1.Toleration``); an empty operator means ``Equal``."""

    key: str = ""
    operator: str = "Equal"
    value: str = ""
    effect: str = ""

    def tolerates(self, taint: Taint) -> bool:
        """``Toleration.ToleratesTaint``: effect, then key, then operator/value."""
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator == "Exists":
            return True
        if self.operator == "Equal":
            return self.value == taint.value
        return False


@dataclass(frozen=True, slots=True)
class HostPort:
    """A wanted or used host port, sanitised (empty IP = ``0.0.0.0``, empty protocol = TCP)."""

    ip: str
    protocol: str
    port: int


@dataclass(frozen=True, slots=True)
class SpreadConstraint:
    """A topology spread constraint as the plugin uses it (``matchLabelKeys`` merged)."""

    max_skew: int
    topology_key: str
    do_not_schedule: bool
    selector: LabelSelector
    min_domains: int = 1
    honor_node_affinity: bool = True  # nodeAffinityPolicy (default Honor)
    honor_node_taints: bool = False  # nodeTaintsPolicy (default Ignore)


@dataclass(frozen=True, slots=True)
class AffinityTerm:
    """A pod (anti-)affinity term (``framework.AffinityTerm``); ``weight`` for preferred terms.

    ``namespaces`` is the pod's own namespace when the term names none and has no namespace
    selector; a nil namespace selector matches no namespace, ``{}`` matches all.
    """

    selector: LabelSelector
    namespaces: frozenset[str]
    namespace_selector: LabelSelector
    topology_key: str
    weight: int = 0

    def matches(
        self, namespace: str, labels: Mapping[str, str], namespace_labels: Mapping[str, str]
    ) -> bool:
        """``AffinityTerm.Matches`` for a pod in ``namespace`` carrying ``labels``."""
        ns_ok = namespace in self.namespaces or self.namespace_selector.matches(namespace_labels)
        return ns_ok and self.selector.matches(labels)

    def with_merged_namespaces(
        self, namespace_labels: Mapping[str, Mapping[str, str]]
    ) -> AffinityTerm:
        """``mergeAffinityTermNamespacesIfNotEmpty``: resolve a non-empty namespace selector.

        The namespaces whose labels it matches join ``namespaces`` and the selector becomes
        nil; an empty selector (``{}``, every namespace) is kept.
        """
        if self.namespace_selector.empty:
            return self
        extra = {n for n, lbl in namespace_labels.items() if self.namespace_selector.matches(lbl)}
        return AffinityTerm(
            self.selector,
            self.namespaces | extra,
            LabelSelector(nothing=True),
            self.topology_key,
            self.weight,
        )


@dataclass(frozen=True, slots=True)
class PodRequirements:
    """Everything the scheduling plugins read from one pod.

    ``requests`` are the effective requests (cpu in milli-units) of every resource the
    scheduler accounts (cpu, memory, ephemeral-storage, scalar resources), zeros included;
    ``nonzero_requests`` the same with the 100m/200Mi scoring defaults. ``node_selector``,
    ``required_node_affinity`` and ``preferred_node_affinity`` are ``None`` when the pod does
    not set them (kube-scheduler distinguishes absent from empty).
    """

    namespace: str
    name: str
    labels: Mapping[str, str]
    node_name: str
    terminating: bool
    controller: tuple[str, str, str] | None  # (apiVersion, kind, name) of the controller owner
    requests: Mapping[str, int]
    nonzero_requests: Mapping[str, int]
    node_selector: Mapping[str, str] | None
    required_node_affinity: tuple[NodeSelectorTerm, ...] | None
    preferred_node_affinity: tuple[PreferredSchedulingTerm, ...] | None
    tolerations: tuple[Toleration, ...]
    host_ports: tuple[HostPort, ...]
    images: tuple[str, ...]  # normalised names of init containers, then containers
    num_containers: int
    spread_constraints: tuple[Mapping[str, Any], ...]  # the raw spec entries
    affinity_required: tuple[AffinityTerm, ...]
    anti_affinity_required: tuple[AffinityTerm, ...]
    affinity_preferred: tuple[AffinityTerm, ...]
    anti_affinity_preferred: tuple[AffinityTerm, ...]

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def request(self, resource: str, *, nonzero: bool = False) -> int:
        """The pod's request of ``resource`` (0 if it requests none)."""
        return (self.nonzero_requests if nonzero else self.requests).get(resource, 0)

    def spread(self, *, do_not_schedule: bool) -> tuple[SpreadConstraint, ...]:
        """The pod's own constraints of one kind (``filterTopologySpreadConstraints``)."""
        out = []
        for c in self.spread_constraints:
            hard = c.get("whenUnsatisfiable") == "DoNotSchedule"
            if hard != do_not_schedule:
                continue
            selector = LabelSelector.from_dict(c.get("labelSelector"))
            keyed = [k for k in c.get("matchLabelKeys") or () if k in self.labels]
            if keyed:  # mergeLabelSetWithSelector
                extra = tuple(Requirement(k, "In", (self.labels[k],)) for k in keyed)
                selector = selector.with_requirements(extra)
            out.append(
                SpreadConstraint(
                    max_skew=int(c["maxSkew"]),
                    topology_key=str(c["topologyKey"]),
                    do_not_schedule=hard,
                    selector=selector,
                    min_domains=int(c.get("minDomains") or 1),
                    honor_node_affinity=c.get("nodeAffinityPolicy") != "Ignore",
                    honor_node_taints=c.get("nodeTaintsPolicy") == "Honor",
                )
            )
        return tuple(out)


def normalized_image_name(name: str) -> str:
    """ImageLocality's name normalisation: append ``:latest`` when no tag follows the last /."""
    if name.rfind(":") <= name.rfind("/"):
        return name + ":latest"
    return name


def _requests_nanos(container: Mapping[str, Any], *, nonzero: bool) -> dict[str, int]:
    reqs = {
        str(k): parse_quantity(v).nanos
        for k, v in ((container.get("resources") or {}).get("requests") or {}).items()
    }
    if nonzero:  # applyNonMissing
        reqs.setdefault("cpu", DEFAULT_MILLI_CPU_REQUEST * 1_000_000)
        reqs.setdefault("memory", DEFAULT_MEMORY_REQUEST * _NANO)
    return reqs


def _add(into: dict[str, int], other: Mapping[str, int]) -> None:
    for k, v in other.items():
        into[k] = into.get(k, 0) + v


def _max(into: dict[str, int], other: Mapping[str, int]) -> None:
    for k, v in other.items():
        if k not in into or v > into[k]:
            into[k] = v


def _is_sidecar(container: Mapping[str, Any]) -> bool:
    return container.get("restartPolicy") == "Always"


def pod_requests(pod: Mapping[str, Any], *, nonzero: bool = False) -> dict[str, int]:
    """The pod's effective requests by resource name (see the module docstring)."""
    spec = pod.get("spec") or {}
    total: dict[str, int] = {}
    for c in spec.get("containers") or ():
        _add(total, _requests_nanos(c, nonzero=nonzero))
    sidecars: dict[str, int] = {}
    init_max: dict[str, int] = {}
    for c in spec.get("initContainers") or ():
        own = _requests_nanos(c, nonzero=nonzero)
        if _is_sidecar(c):
            _add(total, own)
            _add(sidecars, own)
            _max(init_max, sidecars)
        else:
            step = dict(own)
            _add(step, sidecars)
            _max(init_max, step)
    _max(total, init_max)
    pod_level = ((spec.get("resources") or {}).get("requests")) or {}
    supported = {
        str(k): parse_quantity(v).nanos
        for k, v in pod_level.items()
        if k in ("cpu", "memory") or str(k).startswith("hugepages-")
    }
    total.update(supported)  # only when some supported pod-level request is set
    for k, v in (spec.get("overhead") or {}).items():
        total[str(k)] = total.get(str(k), 0) + parse_quantity(v).nanos
    return {k: _to_units(k, v) for k, v in total.items() if _scheduled_resource(k)}


def _affinity_terms(pod_ns: str, terms: Any, *, weighted: bool) -> tuple[AffinityTerm, ...]:
    out = []
    for entry in terms or ():
        weight = int(entry.get("weight", 0)) if weighted else 0
        t = entry["podAffinityTerm"] if weighted else entry
        names = [str(n) for n in t.get("namespaces") or ()]
        ns_sel = t.get("namespaceSelector")
        namespaces = frozenset(names) if names or ns_sel is not None else frozenset({pod_ns})
        out.append(
            AffinityTerm(
                selector=LabelSelector.from_dict(t.get("labelSelector")),
                namespaces=namespaces,
                namespace_selector=LabelSelector.from_dict(ns_sel),
                topology_key=str(t["topologyKey"]),
                weight=weight,
            )
        )
    return tuple(out)


def _host_ports(spec: Mapping[str, Any]) -> tuple[HostPort, ...]:
    """``schedutil.GetHostPorts``: sidecar init containers, then regular containers."""
    containers = [c for c in spec.get("initContainers") or () if _is_sidecar(c)]
    containers += list(spec.get("containers") or ())
    out = []
    for c in containers:
        for p in c.get("ports") or ():
            port = int(p.get("hostPort") or 0)
            if port <= 0:
                continue
            ip = str(p.get("hostIP") or DEFAULT_BIND_ALL_HOST_IP)
            out.append(HostPort(ip, str(p.get("protocol") or "TCP"), port))
    return tuple(out)


def compile_pod(pod: object) -> PodRequirements:
    """Read the scheduling requirements of a ``v1.Pod`` mapping.

    Raises
    ------
    TypeError
        If ``pod`` is not a mapping.
    ValueError
        If a label selector is malformed or a required field is missing.
    """
    if not isinstance(pod, Mapping):
        msg = f"pod: expected a mapping, got {type(pod).__name__}"
        raise TypeError(msg)
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    ns = str(meta.get("namespace") or "default")
    name = str(meta.get("name") or "")
    if not name:
        msg = "pod: metadata.name is required"
        raise ValueError(msg)
    labels = {str(k): str(v) for k, v in (meta.get("labels") or {}).items()}
    controller = None
    for ref in meta.get("ownerReferences") or ():
        if ref.get("controller"):
            controller = (
                str(ref.get("apiVersion", "")),
                str(ref.get("kind", "")),
                str(ref.get("name", "")),
            )
            break
    affinity = spec.get("affinity") or {}
    node_aff = affinity.get("nodeAffinity") or {}
    required = node_aff.get("requiredDuringSchedulingIgnoredDuringExecution")
    preferred = node_aff.get("preferredDuringSchedulingIgnoredDuringExecution")
    pod_aff = affinity.get("podAffinity") or {}
    pod_anti = affinity.get("podAntiAffinity") or {}
    init = list(spec.get("initContainers") or ())
    containers = list(spec.get("containers") or ())
    node_selector = spec.get("nodeSelector")
    try:
        return PodRequirements(
            namespace=ns,
            name=name,
            labels=labels,
            node_name=str(spec.get("nodeName") or ""),
            terminating=meta.get("deletionTimestamp") is not None,
            controller=controller,
            requests=pod_requests(pod),
            nonzero_requests=pod_requests(pod, nonzero=True),
            node_selector=None
            if node_selector is None
            else {str(k): str(v) for k, v in node_selector.items()},
            required_node_affinity=None
            if required is None
            else tuple(
                NodeSelectorTerm.from_dict(t) for t in required.get("nodeSelectorTerms") or ()
            ),
            preferred_node_affinity=None
            if preferred is None
            else tuple(
                PreferredSchedulingTerm(
                    int(p.get("weight", 0)), NodeSelectorTerm.from_dict(p.get("preference"))
                )
                for p in preferred
            ),
            tolerations=tuple(
                Toleration(
                    str(t.get("key") or ""),
                    str(t.get("operator") or "Equal"),
                    str(t.get("value") or ""),
                    str(t.get("effect") or ""),
                )
                for t in spec.get("tolerations") or ()
            ),
            host_ports=_host_ports(spec),
            images=tuple(
                normalized_image_name(str(c.get("image") or "")) for c in init + containers
            ),
            num_containers=len(init) + len(containers),
            spread_constraints=tuple(spec.get("topologySpreadConstraints") or ()),
            affinity_required=_affinity_terms(
                ns, pod_aff.get("requiredDuringSchedulingIgnoredDuringExecution"), weighted=False
            ),
            anti_affinity_required=_affinity_terms(
                ns, pod_anti.get("requiredDuringSchedulingIgnoredDuringExecution"), weighted=False
            ),
            affinity_preferred=_affinity_terms(
                ns, pod_aff.get("preferredDuringSchedulingIgnoredDuringExecution"), weighted=True
            ),
            anti_affinity_preferred=_affinity_terms(
                ns, pod_anti.get("preferredDuringSchedulingIgnoredDuringExecution"), weighted=True
            ),
        )
    except (KeyError, ValueError) as err:
        msg = f"pod {ns}/{name}: {err}"
        raise ValueError(msg) from err


__all__ = [
    "DEFAULT_BIND_ALL_HOST_IP",
    "DEFAULT_MEMORY_REQUEST",
    "DEFAULT_MILLI_CPU_REQUEST",
    "NO_EXECUTE",
    "NO_SCHEDULE",
    "PREFER_NO_SCHEDULE",
    "AffinityTerm",
    "HostPort",
    "PodRequirements",
    "SpreadConstraint",
    "Taint",
    "Toleration",
    "compile_pod",
    "is_extended_resource",
    "is_scalar_resource",
    "normalized_image_name",
    "pod_requests",
]
