"""``ResourceQuota``: usage is computed, enforced on create and kept in ``status.used``.

kube-apiserver splits this between the ResourceQuota admission plugin (which checks and charges
a create against every matching quota with a compare-and-swap on the quota's status) and the
resource-quota controller (which recalculates usage). kcore does both in the server:

* a create is checked against every quota of its namespace (scopes ``Terminating``,
  ``NotTerminating``, ``BestEffort``, ``NotBestEffort``) and charged with a compare-and-swap on
  ``status.used``, so concurrent creates through several servers never overshoot ``hard``;
  an exceeded quota is ``403 Forbidden``: ``exceeded quota: q, requested: pods=1, used:
  pods=2, limited: pods=2``;
* a quota on ``requests.cpu``/``limits.memory``/... requires every container of a new pod to
  set that resource (``failed quota: q: must specify limits.cpu for: c``);
* removals, terminal pods and pod resource changes adjust ``status.used`` afterwards;
* creating a quota or changing its ``spec.hard`` recomputes its usage from the stored objects.

Tracked resources: ``pods``, ``services``, ``services.nodeports``, ``services.loadbalancers``,
``configmaps``, ``secrets``, ``replicationcontrollers``, ``resourcequotas``,
``count/<resource>[.<group>]`` for every served resource, and the compute resources
``requests.<r>``, ``limits.<r>`` and bare ``cpu``/``memory`` (= requests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kcore.api.errors import Forbidden, NotFound, StatusDetails
from kcore.api.quantity import Quantity, QuantityError, parse_quantity
from kcore.api.resources import resource_for
from kcore.apiserver.admission import CREATE, AdmissionHost, Attributes

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kcore.api.resources import ResourceInfo

_LEGACY_COUNTS = frozenset(
    {"pods", "services", "configmaps", "secrets", "replicationcontrollers", "resourcequotas"}
)
_ZERO = Quantity.from_int(0)
_ONE = Quantity.from_int(1)


def _q(v: Any) -> Quantity | None:
    try:
        return parse_quantity(v)
    except (QuantityError, TypeError, ValueError):
        return None


def _is_terminal(pod: Mapping[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _pod_compute(pod: Mapping[str, Any]) -> dict[str, Quantity]:
    """requests.*/limits.* of a pod: max(sum of containers, largest init container)."""
    spec = pod.get("spec") or {}
    out: dict[str, Quantity] = {}
    for kind in ("requests", "limits"):
        total: dict[str, Quantity] = {}
        for c in spec.get("containers") or []:
            if not isinstance(c, dict):
                continue
            for k, v in ((c.get("resources") or {}).get(kind) or {}).items():
                q = _q(v)
                if q is not None:
                    total[k] = total[k] + q if k in total else q
        for c in spec.get("initContainers") or []:
            if not isinstance(c, dict):
                continue
            for k, v in ((c.get("resources") or {}).get(kind) or {}).items():
                q = _q(v)
                if q is not None and (k not in total or total[k] < q):
                    total[k] = q
        for k, q in (spec.get("overhead") or {}).items():
            oq = _q(q)
            if oq is not None:
                total[k] = total[k] + oq if k in total else oq
        for k, q in total.items():
            out[f"{kind}.{k}"] = q
            if kind == "requests" and k in ("cpu", "memory", "ephemeral-storage"):
                out[k] = q
    return out


def usage(info: ResourceInfo, obj: Mapping[str, Any] | None) -> dict[str, Quantity]:
    """What ``obj`` (of resource ``info``) counts against quotas; empty for ``None``."""
    if obj is None:
        return {}
    if info.group == "" and info.resource == "pods" and _is_terminal(obj):
        return {}
    out: dict[str, Quantity] = {f"count/{info.qualified}": _ONE}
    if info.group == "" and info.resource in _LEGACY_COUNTS:
        out[info.resource] = _ONE
    if info.group == "" and info.resource == "pods":
        out.update(_pod_compute(obj))
    elif info.group == "" and info.resource == "services":
        spec = obj.get("spec") or {}
        t = spec.get("type") or "ClusterIP"
        if t in ("NodePort", "LoadBalancer"):
            n = sum(1 for p in spec.get("ports") or [] if isinstance(p, dict))
            out["services.nodeports"] = Quantity.from_int(n)
        if t == "LoadBalancer":
            out["services.loadbalancers"] = _ONE
    return out


def _scope_matches(quota: Mapping[str, Any], info: ResourceInfo, obj: Mapping[str, Any]) -> bool:
    scopes = (quota.get("spec") or {}).get("scopes") or []
    if not scopes:
        return True
    if not (info.group == "" and info.resource == "pods"):
        return False
    spec = obj.get("spec") or {}
    best_effort = not any(
        ((c.get("resources") or {}).get("requests") or (c.get("resources") or {}).get("limits"))
        for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])
        if isinstance(c, dict)
    )
    terminating = spec.get("activeDeadlineSeconds") is not None
    for s in scopes:
        if (
            (s == "Terminating" and not terminating)
            or (s == "NotTerminating" and terminating)
            or (s == "BestEffort" and not best_effort)
            or (s == "NotBestEffort" and best_effort)
        ):
            return False
    return True


def _fmt(values: dict[str, Quantity]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(values.items()))


def _used(quota: Mapping[str, Any]) -> dict[str, Quantity]:
    out: dict[str, Quantity] = {}
    for k, v in ((quota.get("status") or {}).get("used") or {}).items():
        q = _q(v)
        if q is not None:
            out[k] = q
    return out


def _hard(quota: Mapping[str, Any]) -> dict[str, Quantity]:
    out: dict[str, Quantity] = {}
    for k, v in ((quota.get("spec") or {}).get("hard") or {}).items():
        q = _q(v)
        if q is not None:
            out[k] = q
    return out


def _quota_key(ns: str, name: str) -> str:
    from kcore.storage.interface import object_key

    return object_key("resourcequotas", ns, name)


class ResourceQuotaAdmission:
    """Checks and charges creates against the namespace's quotas (see the module docstring)."""

    name = "ResourceQuota"

    def __init__(self, host: AdmissionHost) -> None:
        self.host = host

    def handles(self, info: ResourceInfo) -> bool:
        """Namespaced resources (quota counts objects in a namespace)."""
        return info.namespaced

    def admit(self, attrs: Attributes) -> None:  # noqa: ARG002 - validating only
        return

    def validate(self, attrs: Attributes) -> None:
        if attrs.operation != CREATE or attrs.subresource or attrs.obj is None:
            return
        info = attrs.resource
        if not info.namespaced or not attrs.namespace:
            return
        quotas = self.host.lookup_all("resourcequotas", attrs.namespace)
        if not quotas:
            return
        delta = usage(info, attrs.obj)
        for quota in quotas:
            if not _scope_matches(quota, info, attrs.obj):
                continue
            hard = _hard(quota)
            relevant = {k: v for k, v in delta.items() if k in hard}
            qname = (quota.get("metadata") or {}).get("name", "")
            self._require_compute(attrs, hard, qname)
            if not relevant:
                continue
            self._check(attrs, qname, hard, _used(quota), relevant)
            if attrs.dry_run:
                continue
            self._charge(attrs, qname, relevant)

    def _require_compute(self, attrs: Attributes, hard: dict[str, Quantity], qname: str) -> None:
        info = attrs.resource
        if not (info.group == "" and info.resource == "pods") or attrs.obj is None:
            return
        if _is_terminal(attrs.obj):
            return
        missing: list[str] = []
        spec = attrs.obj.get("spec") or {}
        containers = [
            c
            for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])
            if isinstance(c, dict)
        ]
        for res in sorted(hard):
            kind, _, rname = res.partition(".")
            if res in ("cpu", "memory"):
                kind, rname = "requests", res
            if kind not in ("requests", "limits") or not rname:
                continue
            without = [
                str(c.get("name"))
                for c in containers
                if rname not in ((c.get("resources") or {}).get(kind) or {})
            ]
            if without:
                missing.append(f"{kind}.{rname} for: {','.join(without)}")
        if missing:
            raise Forbidden(
                f'pods "{attrs.name}" is forbidden: failed quota: {qname}: must specify '
                + "; ".join(missing),
                details=StatusDetails(name=attrs.name, kind="pods"),
            )

    def _check(
        self,
        attrs: Attributes,
        qname: str,
        hard: dict[str, Quantity],
        used: dict[str, Quantity],
        relevant: dict[str, Quantity],
    ) -> None:
        over = [k for k, v in relevant.items() if hard[k] < used.get(k, _ZERO) + v]
        if not over:
            return
        req = {k: relevant[k] for k in over}
        use = {k: used.get(k, _ZERO) for k in over}
        lim = {k: hard[k] for k in over}
        info = attrs.resource
        raise Forbidden(
            f'{info.qualified} "{attrs.name}" is forbidden: exceeded quota: {qname}, requested: '
            f"{_fmt(req)}, used: {_fmt(use)}, limited: {_fmt(lim)}",
            details=StatusDetails(name=attrs.name, group=info.group, kind=info.resource),
        )

    def _charge(self, attrs: Attributes, qname: str, relevant: dict[str, Quantity]) -> None:
        ns = attrs.namespace or ""

        def fn(cur: Mapping[str, Any]) -> Mapping[str, Any] | None:
            if not cur:
                return None
            hard = _hard(cur)
            used = _used(cur)
            self._check(attrs, qname, hard, used, {k: v for k, v in relevant.items() if k in hard})
            return _with_used(cur, used, relevant, +1)

        try:
            self.host.store.guaranteed_update(_quota_key(ns, qname), fn)
        except NotFound:
            return


def _with_used(
    quota: Mapping[str, Any], used: dict[str, Quantity], delta: dict[str, Quantity], sign: int
) -> dict[str, Any]:
    hard = _hard(quota)
    new_used = dict(used)
    for k, v in delta.items():
        if k not in hard:
            continue
        cur = new_used.get(k, _ZERO)
        nv = cur + v if sign > 0 else cur - v
        if nv.sign() < 0:
            nv = _ZERO
        new_used[k] = nv
    out = dict(quota)
    status = dict(quota.get("status") or {})
    status["used"] = {k: str(new_used.get(k, _ZERO)) for k in sorted(hard)}
    status["hard"] = {k: str(v) for k, v in sorted(hard.items())}
    out["status"] = status
    return out


def adjust_usage(
    host: AdmissionHost,
    info: ResourceInfo,
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any] | None,
) -> None:
    """Apply ``usage(new) - usage(old)`` to the quotas of the object's namespace."""
    obj = new if new is not None else old
    if obj is None or not info.namespaced:
        return
    if info.group == "" and info.resource == "resourcequotas":
        return
    ns = (obj.get("metadata") or {}).get("namespace")
    if not ns:
        return
    before = usage(info, old)
    after = usage(info, new)
    if before == after:
        return
    quotas = host.lookup_all("resourcequotas", ns)
    if not quotas:
        return
    for quota in quotas:
        qname = (quota.get("metadata") or {}).get("name", "")
        old_in = old is not None and _scope_matches(quota, info, old)
        new_in = new is not None and _scope_matches(quota, info, new)
        minus = before if old_in else {}
        plus = after if new_in else {}
        hard = _hard(quota)
        keys = {k for k in (*minus, *plus) if k in hard}
        if not keys:
            continue

        def fn(
            cur: Mapping[str, Any],
            minus: dict[str, Quantity] = minus,
            plus: dict[str, Quantity] = plus,
        ) -> Mapping[str, Any] | None:
            if not cur:
                return None
            used = _used(cur)
            tmp = _with_used(cur, used, minus, -1)
            return _with_used(tmp, _used(tmp), plus, +1)

        try:
            host.store.guaranteed_update(_quota_key(ns, qname), fn)
        except NotFound:
            continue


def compute_quota_status(
    host: AdmissionHost, quota: Mapping[str, Any], old: Mapping[str, Any] | None
) -> dict[str, Any]:
    """``status`` of a created or updated quota: ``hard`` from the spec, ``used`` recomputed
    from the stored objects when ``hard`` changed (kept otherwise)."""
    hard = _hard(quota)
    if old is not None and _hard(old) == hard and (old.get("status") or {}).get("used"):
        status = dict(old.get("status") or {})
        status["hard"] = {k: str(v) for k, v in sorted(hard.items())}
        return status
    ns = (quota.get("metadata") or {}).get("namespace") or ""
    used: dict[str, Quantity] = dict.fromkeys(hard, _ZERO)
    resources: set[str] = set()
    for k in hard:
        if k.startswith("count/"):
            resources.add(k[len("count/") :])
        elif k in _LEGACY_COUNTS:
            resources.add(k)
        elif k.startswith("services."):
            resources.add("services")
        else:
            resources.add("pods")
    for rname in sorted(resources):
        try:
            info = resource_for(rname)
        except KeyError:
            continue
        if not info.namespaced:
            continue
        for obj in host.lookup_all(info.qualified, ns):
            if not _scope_matches(quota, info, obj):
                continue
            for k, v in usage(info, obj).items():
                if k in used:
                    used[k] = used[k] + v
    if ("resourcequotas" in hard or "count/resourcequotas" in hard) and old is None:
        name = (quota.get("metadata") or {}).get("name")
        if not any(
            (q.get("metadata") or {}).get("name") == name
            for q in host.lookup_all("resourcequotas", ns)
        ):
            for k in ("resourcequotas", "count/resourcequotas"):
                if k in used:
                    used[k] = used[k] + _ONE
    return {
        "hard": {k: str(v) for k, v in sorted(hard.items())},
        "used": {k: str(v) for k, v in sorted(used.items())},
    }
