"""``LimitRanger``: LimitRange defaults and min/max/ratio constraints for pods.

On pod creation each container without a request or limit for a resource gets the
``defaultRequest`` / ``default`` of the namespace's ``Container`` limits (noted in the
``kubernetes.io/limit-ranger`` annotation, as upstream). Then every ``Container`` and ``Pod``
limit is enforced (``min``, ``max``, ``maxLimitRequestRatio``); a violation is ``403 Forbidden``
with kube-apiserver's wording (``maximum cpu usage per Container is 1, but limit is 2``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kcore.api.errors import Forbidden, StatusDetails
from kcore.api.quantity import Quantity, QuantityError, parse_quantity
from kcore.apiserver.admission import CREATE, UPDATE, AdmissionHost, Attributes

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kcore.api.resources import ResourceInfo

ANNOTATION = "kubernetes.io/limit-ranger"


def _q(v: Any) -> Quantity | None:
    try:
        return parse_quantity(v)
    except (QuantityError, TypeError, ValueError):
        return None


def _qmap(m: Any) -> dict[str, Quantity]:
    out: dict[str, Quantity] = {}
    if isinstance(m, dict):
        for k, v in m.items():
            q = _q(v)
            if q is not None:
                out[str(k)] = q
    return out


def _containers(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for f in ("initContainers", "containers"):
        v = spec.get(f)
        if isinstance(v, list):
            out.extend(c for c in v if isinstance(c, dict))
    return out


class LimitRanger:
    """Applies and enforces LimitRanges on pods (see the module docstring)."""

    name = "LimitRanger"

    def __init__(self, host: AdmissionHost) -> None:
        self.host = host

    def _limits(self, ns: str) -> list[Mapping[str, Any]]:
        items: list[Mapping[str, Any]] = []
        for lr in self.host.lookup_all("limitranges", ns):
            for item in (lr.get("spec") or {}).get("limits") or []:
                if isinstance(item, dict):
                    items.append(item)
        return items

    def _applies(self, attrs: Attributes) -> bool:
        info = attrs.resource
        return (
            attrs.operation in (CREATE, UPDATE)
            and not attrs.subresource
            and info.group == ""
            and info.resource == "pods"
            and attrs.obj is not None
            and isinstance(attrs.obj.get("spec"), dict)
        )

    def handles(self, info: ResourceInfo) -> bool:
        """Only core pods (see :meth:`_applies`)."""
        return info.group == "" and info.resource == "pods"

    def admit(self, attrs: Attributes) -> None:
        if not self._applies(attrs) or attrs.operation != CREATE or attrs.obj is None:
            return
        limits = [i for i in self._limits(attrs.namespace or "") if i.get("type") == "Container"]
        if not limits:
            return
        default_req: dict[str, Any] = {}
        default_lim: dict[str, Any] = {}
        for item in limits:
            dl = item.get("default") or item.get("max") or {}
            dr = item.get("defaultRequest") or dl or {}
            if isinstance(dl, dict):
                default_lim.update(dl)
            if isinstance(dr, dict):
                default_req.update(dr)
        notes: list[str] = []
        for c in _containers(attrs.obj["spec"]):
            res = c.get("resources")
            if not isinstance(res, dict):
                res = c["resources"] = {}
            req = res.get("requests")
            lim = res.get("limits")
            req = dict(req) if isinstance(req, dict) else {}
            lim = dict(lim) if isinstance(lim, dict) else {}
            set_req = [k for k in default_req if k not in req]
            set_lim = [k for k in default_lim if k not in lim]
            for k in set_lim:
                lim[k] = default_lim[k]
            for k in set_req:
                # A limit given without a request makes the request equal the limit (defaults).
                req[k] = lim[k] if k in lim and k not in set_lim else default_req[k]
            if set_req:
                res["requests"] = req
                notes.append(f"{', '.join(sorted(set_req))} request for container {c.get('name')}")
            if set_lim:
                res["limits"] = lim
                notes.append(f"{', '.join(sorted(set_lim))} limit for container {c.get('name')}")
        if notes:
            md = attrs.obj.setdefault("metadata", {})
            ann = dict(md.get("annotations") or {})
            ann[ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)
            md["annotations"] = ann

    def validate(self, attrs: Attributes) -> None:
        if not self._applies(attrs) or attrs.obj is None:
            return
        if attrs.operation == UPDATE:
            return
        limits = self._limits(attrs.namespace or "")
        if not limits:
            return
        errs: list[str] = []
        containers = _containers(attrs.obj["spec"])
        for item in limits:
            kind = item.get("type")
            if kind == "Container":
                for c in containers:
                    res = c.get("resources") or {}
                    self._check(
                        item,
                        "Container",
                        _qmap(res.get("requests")),
                        _qmap(res.get("limits")),
                        errs,
                    )
            elif kind == "Pod":
                req: dict[str, Quantity] = {}
                lim: dict[str, Quantity] = {}
                for c in attrs.obj["spec"].get("containers") or []:
                    if not isinstance(c, dict):
                        continue
                    res = c.get("resources") or {}
                    for k, v in _qmap(res.get("requests")).items():
                        req[k] = req[k] + v if k in req else v
                    for k, v in _qmap(res.get("limits")).items():
                        lim[k] = lim[k] + v if k in lim else v
                self._check(item, "Pod", req, lim, errs)
        if errs:
            detail = errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]"
            raise Forbidden(
                f'pods "{attrs.name}" is forbidden: {detail}',
                details=StatusDetails(name=attrs.name, kind="pods"),
            )

    @staticmethod
    def _check(
        item: Mapping[str, Any],
        scope: str,
        req: dict[str, Quantity],
        lim: dict[str, Quantity],
        errs: list[str],
    ) -> None:
        for k, mn in _qmap(item.get("min")).items():
            r = req.get(k)
            if r is None:
                errs.append(f"minimum {k} usage per {scope} is {mn}.  No request is specified")
            elif r < mn:
                errs.append(f"minimum {k} usage per {scope} is {mn}, but request is {r}")
            lv = lim.get(k)
            if lv is not None and lv < mn:
                errs.append(f"minimum {k} usage per {scope} is {mn}, but limit is {lv}")
        for k, mx in _qmap(item.get("max")).items():
            lv = lim.get(k)
            if lv is None:
                errs.append(f"maximum {k} usage per {scope} is {mx}.  No limit is specified")
            elif mx < lv:
                errs.append(f"maximum {k} usage per {scope} is {mx}, but limit is {lv}")
            r = req.get(k)
            if r is not None and mx < r:
                errs.append(f"maximum {k} usage per {scope} is {mx}, but request is {r}")
        for k, ratio in _qmap(item.get("maxLimitRequestRatio")).items():
            lv, r = lim.get(k), req.get(k)
            if lv is None or r is None or r.is_zero():
                continue
            # limit / request > ratio  <=>  limit * 1000 > ratio_milli * request
            if lv.milli_value() * 1000 > ratio.milli_value() * r.milli_value():
                actual = lv.milli_value() / r.milli_value()
                errs.append(
                    f"{k} max limit to request ratio per {scope} is {ratio}, but provided ratio "
                    f"is {actual:f}"
                )
