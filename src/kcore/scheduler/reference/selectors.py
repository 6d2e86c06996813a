"""Label selectors and node-selector requirements, as kube-scheduler evaluates them.

Two shapes of selector appear in scheduling:

* :class:`LabelSelector` is ``labels.Selector`` built from a ``metav1.LabelSelector`` (pod
  topology spread, pod (anti-)affinity terms, namespace selectors, ReplicaSet selectors). A nil
  selector matches **nothing**; ``{}`` matches **everything** and is *empty* (the one case
  PodTopologySpread treats specially: it counts no pods for an empty selector).
* :class:`NodeSelectorRequirement` / :class:`NodeSelectorTerm` are the node-affinity shapes
  (``v1.NodeSelectorRequirement``): label expressions with ``In``, ``NotIn``, ``Exists``,
  ``DoesNotExist``, ``Gt`` and ``Lt``, and ``metadata.name`` field expressions. A term whose
  requirements do not parse (``In`` without values, ``Gt`` with a non-integer operand, ...) matches
  no node, as ``nodeaffinity.LazyErrorNodeSelector`` does.

Label keys and values are assumed to be syntactically valid (the API server validates them);
structural errors of a ``metav1.LabelSelector`` raise :class:`ValueError` (kube-scheduler turns
them into an error status, which the generators in :mod:`kcore.testing.clusters` never produce).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Mapping

IN: Final = "In"
NOT_IN: Final = "NotIn"
EXISTS: Final = "Exists"
DOES_NOT_EXIST: Final = "DoesNotExist"
GT: Final = "Gt"
LT: Final = "Lt"

_INT64_RE = re.compile(r"[+-]?[0-9]+")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def parse_int64(text: str) -> int | None:
    """``strconv.ParseInt(text, 10, 64)``: optional sign, ASCII digits, int64 range; else None."""
    if _INT64_RE.fullmatch(text) is None:
        return None
    value = int(text)
    return value if _INT64_MIN <= value <= _INT64_MAX else None


@dataclass(frozen=True, slots=True)
class Requirement:
    """One ANDed requirement of a label selector (``labels.Requirement``)."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """``Requirement.Matches``: absent keys satisfy only ``NotIn`` and ``DoesNotExist``."""
        present = self.key in labels
        if self.operator == IN:
            return present and labels[self.key] in self.values
        if self.operator == NOT_IN:
            return not present or labels[self.key] not in self.values
        if self.operator == EXISTS:
            return present
        if self.operator == DOES_NOT_EXIST:
            return not present
        # Gt / Lt: both sides must parse as int64.
        if not present or len(self.values) != 1:
            return False
        have, bound = parse_int64(labels[self.key]), parse_int64(self.values[0])
        if have is None or bound is None:
            return False
        return have > bound if self.operator == GT else have < bound


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A parsed ``metav1.LabelSelector``: ``nothing`` (nil) or the AND of ``requirements``.

    Contract: ``LabelSelector.from_dict(None)`` matches no label set and is not empty;
    ``LabelSelector.from_dict({})`` matches every label set and is empty.
    """

    nothing: bool
    requirements: tuple[Requirement, ...] = ()

    @classmethod
    def from_dict(cls, selector: Mapping[str, Any] | None) -> LabelSelector:
        """``metav1.LabelSelectorAsSelector``; raises ValueError on a malformed expression."""
        if selector is None:
            return cls(nothing=True)
        reqs = [
            Requirement(str(k), IN, (str(v),))
            for k, v in (selector.get("matchLabels") or {}).items()
        ]
        for i, expr in enumerate(selector.get("matchExpressions") or ()):
            op = expr.get("operator")
            values = tuple(str(v) for v in expr.get("values") or ())
            if op in (IN, NOT_IN) and not values:
                msg = f"matchExpressions[{i}]: values must be non-empty for operator {op}"
                raise ValueError(msg)
            if op in (EXISTS, DOES_NOT_EXIST) and values:
                msg = f"matchExpressions[{i}]: values must be empty for operator {op}"
                raise ValueError(msg)
            if op not in (IN, NOT_IN, EXISTS, DOES_NOT_EXIST):
                msg = f"matchExpressions[{i}]: {op!r} is not a valid label selector operator"
                raise ValueError(msg)
            reqs.append(Requirement(str(expr["key"]), op, values))
        return cls(nothing=False, requirements=tuple(reqs))

    @classmethod
    def from_set(cls, labels: Mapping[str, str]) -> LabelSelector:
        """``labels.SelectorFromSet``: one ``In`` requirement per entry (empty set: everything)."""
        return cls(False, tuple(Requirement(k, IN, (v,)) for k, v in sorted(labels.items())))

    @property
    def empty(self) -> bool:
        """``Selector.Empty()``: true only for a non-nil selector without requirements."""
        return not self.nothing and not self.requirements

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfies every requirement (never, for a nil selector)."""
        if self.nothing:
            return False
        return all(r.matches(labels) for r in self.requirements)

    def with_requirements(self, extra: tuple[Requirement, ...]) -> LabelSelector:
        """``Selector.Add``: a nil selector stays nil (it has no requirements to extend)."""
        if self.nothing:
            return self
        return LabelSelector(False, (*self.requirements, *extra))


@dataclass(frozen=True, slots=True)
class NodeSelectorRequirement:
    """A ``v1.NodeSelectorRequirement`` (label expression or ``metadata.name`` field)."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, expr: Mapping[str, Any]) -> NodeSelectorRequirement:
        return cls(
            str(expr.get("key", "")),
            str(expr.get("operator", "")),
            tuple(str(v) for v in expr.get("values") or ()),
        )

    def label_error(self) -> bool:
        """Whether ``labels.NewRequirement`` rejects this label expression."""
        n = len(self.values)
        if self.operator in (IN, NOT_IN):
            return n == 0
        if self.operator in (EXISTS, DOES_NOT_EXIST):
            return n != 0
        if self.operator in (GT, LT):
            return n != 1 or parse_int64(self.values[0]) is None
        return True

    def field_error(self) -> bool:
        """Whether a field expression is unusable (only ``metadata.name In|NotIn [one]`` is)."""
        return not (
            self.key == "metadata.name" and self.operator in (IN, NOT_IN) and len(self.values) == 1
        )


@dataclass(frozen=True, slots=True)
class NodeSelectorTerm:
    """A ``v1.NodeSelectorTerm``: ANDed label expressions and ``metadata.name`` fields."""

    expressions: tuple[NodeSelectorRequirement, ...] = ()
    fields: tuple[NodeSelectorRequirement, ...] = ()

    @classmethod
    def from_dict(cls, term: Mapping[str, Any] | None) -> NodeSelectorTerm:
        term = term or {}
        return cls(
            tuple(NodeSelectorRequirement.from_dict(e) for e in term.get("matchExpressions") or ()),
            tuple(NodeSelectorRequirement.from_dict(e) for e in term.get("matchFields") or ()),
        )

    @property
    def is_empty(self) -> bool:
        """Terms without expressions and fields are dropped by ``nodeaffinity``."""
        return not self.expressions and not self.fields

    @property
    def parse_error(self) -> bool:
        """A term with any unusable requirement matches no node."""
        return any(e.label_error() for e in self.expressions) or any(
            f.field_error() for f in self.fields
        )


@dataclass(frozen=True, slots=True)
class PreferredSchedulingTerm:
    """A weighted preferred node-affinity term (``v1.PreferredSchedulingTerm``)."""

    weight: int
    term: NodeSelectorTerm


__all__ = [
    "DOES_NOT_EXIST",
    "EXISTS",
    "GT",
    "IN",
    "LT",
    "NOT_IN",
    "LabelSelector",
    "NodeSelectorRequirement",
    "NodeSelectorTerm",
    "PreferredSchedulingTerm",
    "Requirement",
    "parse_int64",
]
