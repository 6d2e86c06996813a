"""Field selectors: ``f=v``, ``f==v``, ``f!=v`` joined by commas (AND), per-resource field sets.

Mirrors ``k8s.io/apimachinery/pkg/fields`` (parsing, escaping with ``\\,`` ``\\=`` ``\\\\``) and
the field label conversions each Kubernetes registry installs: every resource supports
``metadata.name`` and ``metadata.namespace``; pods, events, nodes, namespaces, replicasets,
replicationcontrollers, secrets, jobs and services add their own (see :data:`FIELD_LABELS`).
A field missing from an object compares as ``""`` (``spec.nodeName=`` selects unscheduled pods).

:func:`compile_field_selector` checks the fields against the resource once (``field label not
supported: foo``) and returns a matcher that extracts only the fields it needs from an object
dict: this is what runs per object and per watch event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from kcore.api.errors import BadRequest

__all__ = [
    "FIELD_LABELS",
    "FieldSelector",
    "FieldSelectorError",
    "compile_field_selector",
    "escape_value",
    "field_set",
    "parse_field_selector",
    "unescape_value",
]

Extractor = Callable[[Mapping[str, Any]], str]


class FieldSelectorError(BadRequest):
    """A field selector that does not parse, or names a field the resource does not support."""


def _get(obj: Mapping[str, Any], *path: str) -> Any:
    cur: Any = obj
    for p in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(p)
    return cur


def _s(*path: str) -> Extractor:
    def get(obj: Mapping[str, Any]) -> str:
        v = _get(obj, *path)
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)

    return get


def _b(*path: str) -> Extractor:
    def get(obj: Mapping[str, Any]) -> str:
        return "true" if _get(obj, *path) is True else "false"

    return get


def _i(*path: str) -> Extractor:
    def get(obj: Mapping[str, Any]) -> str:
        v = _get(obj, *path)
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else "0"

    return get


def _pod_ip(obj: Mapping[str, Any]) -> str:
    ips = _get(obj, "status", "podIPs")
    if isinstance(ips, list) and ips and isinstance(ips[0], Mapping):
        return str(ips[0].get("ip") or "")
    return str(_get(obj, "status", "podIP") or "")


_META: dict[str, Extractor] = {
    "metadata.name": _s("metadata", "name"),
    "metadata.namespace": _s("metadata", "namespace"),
}

_INVOLVED = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")

FIELD_LABELS: Final[dict[str, dict[str, Extractor]]] = {
    "pods": {
        "spec.nodeName": _s("spec", "nodeName"),
        "spec.restartPolicy": _s("spec", "restartPolicy"),
        "spec.schedulerName": _s("spec", "schedulerName"),
        "spec.serviceAccountName": _s("spec", "serviceAccountName"),
        "spec.hostNetwork": _b("spec", "hostNetwork"),
        "status.phase": _s("status", "phase"),
        "status.podIP": _pod_ip,
        "status.nominatedNodeName": _s("status", "nominatedNodeName"),
    },
    "events": {
        **{f"involvedObject.{k}": _s("involvedObject", k) for k in _INVOLVED},
        "reason": _s("reason"),
        "reportingComponent": _s("reportingComponent"),
        "source": _s("source", "component"),
        "type": _s("type"),
    },
    "events.events.k8s.io": {
        **{f"regarding.{k}": _s("regarding", k) for k in _INVOLVED},
        "reason": _s("reason"),
        "reportingController": _s("reportingController"),
        "deprecatedSource.component": _s("deprecatedSource", "component"),
        "type": _s("type"),
    },
    "nodes": {"spec.unschedulable": _b("spec", "unschedulable")},
    "namespaces": {"status.phase": _s("status", "phase")},
    "replicasets.apps": {"status.replicas": _i("status", "replicas")},
    "replicationcontrollers": {"status.replicas": _i("status", "replicas")},
    "secrets": {"type": _s("type")},
    "jobs.batch": {"status.successful": _i("status", "successful")},
    "services": {"spec.clusterIP": _s("spec", "clusterIP"), "spec.type": _s("spec", "type")},
}


def _labels_for(resource: str) -> dict[str, Extractor]:
    extra = FIELD_LABELS.get(resource)
    if extra is None and "." not in resource:
        # allow unqualified names for named groups ("replicasets", "jobs")
        for k, v in FIELD_LABELS.items():
            if k.split(".", 1)[0] == resource and k != "events.events.k8s.io":
                extra = v
                break
    return {**_META, **(extra or {})}


def supported_fields(resource: str) -> list[str]:
    """The field labels ``resource`` supports (``pods``, ``replicasets.apps``, ...)."""
    return sorted(_labels_for(resource))


def field_set(resource: str, obj: Mapping[str, Any]) -> dict[str, str]:
    """All selectable fields of ``obj`` as strings (``ToSelectableFields``)."""
    return {k: f(obj) for k, f in _labels_for(resource).items()}


# --------------------------------------------------------------------------------------------
# parsing


def escape_value(value: str) -> str:
    """Escape ``\\``, ``,`` and ``=`` for use as a selector value."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def unescape_value(s: str) -> str:
    """Undo :func:`escape_value`; reject unknown escapes and bare ``,``/``=``."""
    if not any(c in s for c in "\\,="):
        return s
    out: list[str] = []
    in_slash = False
    for c in s:
        if in_slash:
            if c in "\\,=":
                out.append(c)
            else:
                msg = f"invalid field selector: invalid escape sequence: \\{c}"
                raise FieldSelectorError(msg)
            in_slash = False
            continue
        if c == "\\":
            in_slash = True
        elif c in ",=":
            msg = f"invalid field selector: unescaped character in value: {ord(c)}"
            raise FieldSelectorError(msg)
        else:
            out.append(c)
    if in_slash:
        msg = "invalid field selector: invalid escape sequence: \\"
        raise FieldSelectorError(msg)
    return "".join(out)


def _split_terms(s: str) -> list[str]:
    if not s:
        return []
    terms: list[str] = []
    start = 0
    escaped = False
    for i, c in enumerate(s):
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == ",":
            terms.append(s[start:i])
            start = i + 1
    terms.append(s[start:])
    return terms


_OPS = ("!=", "==", "=")


def _split_term(term: str) -> tuple[str, str, str] | None:
    for i in range(len(term)):
        for op in _OPS:
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op) :]
    return None


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """An AND of ``(field, op, value)`` terms; ``op`` is ``=`` (``==`` is folded) or ``!=``."""

    terms: tuple[tuple[str, str, str], ...] = ()

    def empty(self) -> bool:
        return not self.terms

    def matches(self, fields: Mapping[str, str]) -> bool:
        """Match a field set; a missing field is ``""``."""
        return all((fields.get(f, "") == v) == (op == "=") for f, op, v in self.terms)

    def requires_exact_match(self, field: str) -> str | None:
        for f, op, v in self.terms:
            if f == field and op == "=":
                return v
        return None

    def __str__(self) -> str:
        return ",".join(f"{f}{op}{escape_value(v)}" for f, op, v in self.terms)


def parse_field_selector(selector: str) -> FieldSelector:
    """Parse the string form (``fields.ParseSelector``); ``""`` selects everything.

    Raises
    ------
    FieldSelectorError
        ``invalid selector: '<sel>'; can't understand '<term>'`` or an escaping error.
    """
    parts = sorted(_split_terms(selector))
    terms: list[tuple[str, str, str]] = []
    for part in parts:
        if part == "":
            continue
        split = _split_term(part)
        if split is None:
            msg = f"invalid selector: '{selector}'; can't understand '{part}'"
            raise FieldSelectorError(msg)
        lhs, op, rhs = split
        terms.append((lhs, "!=" if op == "!=" else "=", unescape_value(rhs)))
    return FieldSelector(tuple(terms))


def _match_all(obj: Mapping[str, Any]) -> bool:  # noqa: ARG001
    return True


def compile_field_selector(
    resource: str, selector: str | FieldSelector
) -> Callable[[Mapping[str, Any]], bool]:
    """A fast ``obj -> bool`` matcher for ``selector`` over objects of ``resource``.

    ``resource`` is the plural, qualified by group for named groups as in
    :attr:`kcore.api.resources.ResourceInfo.qualified` (``pods``, ``replicasets.apps``).

    Raises
    ------
    FieldSelectorError
        The selector does not parse, or ``field label not supported: <field>``.
    """
    fs = parse_field_selector(selector) if isinstance(selector, str) else selector
    if not fs.terms:
        return _match_all
    labels = _labels_for(resource)
    checks: list[tuple[Extractor, bool, str]] = []
    for f, op, v in fs.terms:
        ex = labels.get(f)
        if ex is None:
            msg = f"field label not supported: {f}"
            raise FieldSelectorError(msg)
        checks.append((ex, op == "=", v))
    if len(checks) == 1:
        ex0, eq0, v0 = checks[0]
        if eq0:
            return lambda obj: ex0(obj) == v0
        return lambda obj: ex0(obj) != v0
    frozen = tuple(checks)
    return lambda obj: all((ex(obj) == v) == eq for ex, eq, v in frozen)
