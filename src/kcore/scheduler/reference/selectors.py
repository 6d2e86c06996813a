"""Label selectors and node-selector requirements, as kube-scheduler evaluates them.

Two shapes of selector appear in scheduling:

* :class:`LabelSelector` is ``labels.Selector`` built from a ``metav1.LabelSelector`` (pod
  topology spread, pod (anti-)affinity terms, namespace selectors, ReplicaSet selectors). A nil
  selector matches **nothing**; ``{}`` matches **everything** and is *empty* (the one case
  PodTopologySpread treats specially: it counts no pods for an empty selector).
* :class:`NodeSelectorRequirement` / :class:`NodeSelectorTerm` are the node-affinity shapes
  (``v1.NodeSelectorRequirement``): label expressions with ``In``, ``NotIn``, ``Exists``,
  ``DoesNotExist``, ``Gt`` and ``Lt``, and field expressions (``metadata.name``; other keys read
  as ``""``). A term is parsed as ``nodeaffinity.newNodeSelectorTerm`` does: label expressions
  through ``labels.NewRequirement`` (key and values validated, ``Gt``/``Lt`` operands parsed),
  fields ``In``/``NotIn`` with one value. Node-affinity values are *not* validated by the API
  server, so a term with an invalid value (``In ["a b"]``) or a non-integer ``Lt`` operand reaches
  the scheduler: as a required term it matches no node (``LazyErrorNodeSelector``), as a
  preferred term it fails NodeAffinity's PreScore. :meth:`NodeSelectorTerm.errors` words the
  errors as upstream does (``field.Error``).

Structural errors of a ``metav1.LabelSelector`` raise :class:`ValueError` (the API server
rejects them first; the generators in :mod:`kcore.testing.clusters` never produce them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from kcore.api.meta import is_qualified_name, is_valid_label_value

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


def go_quote(text: str) -> str:
    """``strconv.Quote``: printable characters kept, quotes, backslashes and controls escaped."""
    special = {'"': '\\"', "\\": "\\\\", "\a": "\\a", "\b": "\\b", "\f": "\\f"}
    special.update({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"})
    out = []
    for ch in text:
        code = ord(ch)
        if ch in special:
            out.append(special[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif 0x80 <= code <= 0x9F or code in (0xA0, 0xAD):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def go_string_slice(values: tuple[str, ...], *, nil: bool) -> str:
    """fmt's ``%#v`` of a ``[]string``: ``[]string{"a"}``, ``[]string{}`` or ``[]string(nil)``."""
    if nil and not values:
        return "[]string(nil)"
    return "[]string{" + ", ".join(go_quote(v) for v in values) + "}"


def go_aggregate(errors: list[str]) -> str:
    """``errors.NewAggregate(errs).Error()`` of flat messages: one, or ``[a, b]`` deduplicated."""
    unique = list(dict.fromkeys(errors))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def _invalid(path: str, value: str, detail: str) -> str:
    return f"{path}: Invalid value: {go_quote(value)}: {detail}"


@dataclass(frozen=True, slots=True)
class NodeSelectorRequirement:
    """A ``v1.NodeSelectorRequirement`` (label expression or field expression).

    ``values_nil``: the ``values`` list was absent or null (a nil slice, which error messages
    print as ``[]string(nil)``).
    """

    key: str
    operator: str
    values: tuple[str, ...] = ()
    values_nil: bool = False

    @classmethod
    def from_dict(cls, expr: Mapping[str, Any]) -> NodeSelectorRequirement:
        values = expr.get("values")
        return cls(
            str(expr.get("key", "")),
            str(expr.get("operator", "")),
            tuple(str(v) for v in values or ()),
            values is None,
        )

    def _values_invalid(self, path: str, detail: str) -> str:
        return (
            f"{path}: Invalid value: {go_string_slice(self.values, nil=self.values_nil)}: {detail}"
        )

    def label_errors(self, path: str) -> list[str]:
        """``labels.NewRequirement``'s errors (key, operator and values, then each value); an
        unknown operator is the only error (``nodeSelectorRequirementsAsSelector``)."""
        if self.operator not in (IN, NOT_IN, EXISTS, DOES_NOT_EXIST, GT, LT):
            supported = '"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"'
            return [
                f"{path}.operator: Unsupported value: {go_quote(self.operator)}: "
                f"supported values: {supported}"
            ]
        errs = []
        if key_errs := is_qualified_name(self.key):
            errs.append(_invalid(f"{path}.key", self.key, "; ".join(key_errs)))
        n = len(self.values)
        if self.operator in (IN, NOT_IN) and n == 0:
            errs.append(
                self._values_invalid(
                    f"{path}.values", "for 'in', 'notin' operators, values set can't be empty"
                )
            )
        elif self.operator in (EXISTS, DOES_NOT_EXIST) and n != 0:
            errs.append(
                self._values_invalid(
                    f"{path}.values", "values set must be empty for exists and does not exist"
                )
            )
        elif self.operator in (GT, LT):
            if n != 1:
                errs.append(
                    self._values_invalid(
                        f"{path}.values", "for 'Gt', 'Lt' operators, exactly one value is required"
                    )
                )
            errs.extend(
                _invalid(
                    f"{path}.values[{i}]",
                    v,
                    "for 'Gt', 'Lt' operators, the value must be an integer",
                )
                for i, v in enumerate(self.values)
                if parse_int64(v) is None
            )
        for i, v in enumerate(self.values):
            if value_errs := is_valid_label_value(v):
                errs.append(_invalid(f"{path}.values[{i}][{self.key}]", v, "; ".join(value_errs)))
        return errs

    def field_errors(self, path: str) -> list[str]:
        """The field selector's errors: ``In``/``NotIn`` with exactly one value."""
        if self.operator not in (IN, NOT_IN):
            return [
                f"{path}.operator: Unsupported value: {go_quote(self.operator)}: "
                'supported values: "In", "NotIn"'
            ]
        if len(self.values) != 1:
            return [self._values_invalid(f"{path}.values", "must have one element")]
        return []

    def label_error(self) -> bool:
        """Whether ``labels.NewRequirement`` rejects this label expression."""
        return bool(self.label_errors(""))

    def field_error(self) -> bool:
        """Whether the field selector rejects this field expression."""
        return bool(self.field_errors(""))


@dataclass(frozen=True, slots=True)
class NodeSelectorTerm:
    """A ``v1.NodeSelectorTerm``: ANDed label expressions and field expressions."""

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

    def errors(self, path: str) -> list[str]:
        """``newNodeSelectorTerm``'s parse errors under ``path`` (e.g. ``"[0]"``), in order."""
        errs = []
        for i, e in enumerate(self.expressions):
            errs.extend(e.label_errors(f"{path}.matchExpressions[{i}]"))
        for i, f in enumerate(self.fields):
            errs.extend(f.field_errors(f"{path}.matchFields[{i}]"))
        return errs

    @property
    def parse_error(self) -> bool:
        """A term with any unusable requirement matches no node."""
        return bool(self.errors(""))


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
    "go_aggregate",
    "go_quote",
    "go_string_slice",
    "parse_int64",
]
