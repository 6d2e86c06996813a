"""Label selectors: the string grammar, the structured ``LabelSelector`` form, and matching.

Mirrors ``k8s.io/apimachinery/pkg/labels`` (``Parse``, ``Requirement``, ``Selector``) and
``metav1.LabelSelectorAsSelector``, including their error messages:

* ``k=v``, ``k==v``, ``k!=v`` (``!=`` also matches objects without the key);
* ``k in (a,b)``, ``k notin (a,b)`` (``notin`` also matches when the key is absent; empty values
  are allowed: ``x in (foo,,baz)``, ``x in ()`` means ``x in ("")``);
* ``k`` (exists), ``!k`` (does not exist), ``k>5`` / ``k<5`` (integer comparison);
* requirements are AND-ed and kept sorted by key; ``str(selector)`` is the canonical string.

A parsed :class:`Selector` is immutable and compiled once into a flat list of predicates, so
``matches`` costs one dict lookup per requirement: selectors run once per object per watch event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from kcore.api.errors import BadRequest
from kcore.api.meta import is_qualified_name, is_valid_label_value

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "EVERYTHING",
    "NOTHING",
    "Requirement",
    "Selector",
    "SelectorError",
    "format_label_selector",
    "parse",
    "selector_from_label_selector",
    "selector_from_set",
]

IN: Final = "in"
NOT_IN: Final = "notin"
EQUALS: Final = "="
DOUBLE_EQUALS: Final = "=="
NOT_EQUALS: Final = "!="
EXISTS: Final = "exists"
DOES_NOT_EXIST: Final = "!"
GREATER_THAN: Final = "gt"
LESS_THAN: Final = "lt"

_VALID_OPERATORS = (
    IN,
    NOT_IN,
    EQUALS,
    DOUBLE_EQUALS,
    NOT_EQUALS,
    EXISTS,
    DOES_NOT_EXIST,
    GREATER_THAN,
    LESS_THAN,
)
_BINARY_OPERATORS = ("in", "notin", "=", "==", "!=", "gt", "lt")


class SelectorError(BadRequest):
    """A label selector that does not parse or validate (HTTP 400, Kubernetes' message)."""


def _go_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + " ".join(values) + "]"


def _field_invalid(path: str, value: str, detail: str) -> str:
    return f'{path or "<nil>"}: Invalid value: "{value}": {detail}'


def _field_invalid_list(path: str, values: tuple[str, ...] | list[str], detail: str) -> str:
    return f"{path or '<nil>'}: Invalid value: {_go_list(values)}: {detail}"


def _aggregate(errs: list[str]) -> str:
    return errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]"


def _as_int64(value: str) -> int | None:
    s = value[1:] if value[:1] in ("+", "-") else value
    if not s or not s.isascii() or not s.isdigit():
        return None
    n = int(value)
    return n if -(2**63) <= n < 2**63 else None


def _key_errors(key: str, path: str) -> str | None:
    errs = is_qualified_name(key)
    return _field_invalid(path, key, "; ".join(errs)) if errs else None


@dataclass(frozen=True, slots=True)
class Requirement:
    """One ``key op values`` term. Build with :meth:`new` to validate it."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    @classmethod
    def new(cls, key: str, operator: str, values: list[str] | tuple[str, ...] = ()) -> Requirement:
        """Validate and build a requirement (``labels.NewRequirement``).

        Raises
        ------
        SelectorError
            The key, operator or values are invalid; every problem is reported.
        """
        errs: list[str] = []
        if (e := _key_errors(key, "key")) is not None:
            errs.append(e)
        vals = tuple(values)
        if operator in (IN, NOT_IN):
            if not vals:
                errs.append(
                    _field_invalid_list(
                        "values", vals, "for 'in', 'notin' operators, values set can't be empty"
                    )
                )
        elif operator in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
            if len(vals) != 1:
                errs.append(
                    _field_invalid_list(
                        "values", vals, "exact-match compatibility requires one single value"
                    )
                )
        elif operator in (EXISTS, DOES_NOT_EXIST):
            if vals:
                errs.append(
                    _field_invalid_list(
                        "values", vals, "values set must be empty for exists and does not exist"
                    )
                )
        elif operator in (GREATER_THAN, LESS_THAN):
            if len(vals) != 1:
                errs.append(
                    _field_invalid_list(
                        "values", vals, "for 'Gt', 'Lt' operators, exactly one value is required"
                    )
                )
            for i, v in enumerate(vals):
                if _as_int64(v) is None:
                    errs.append(
                        _field_invalid(
                            f"values[{i}]",
                            v,
                            "for 'Gt', 'Lt' operators, the value must be an integer",
                        )
                    )
        else:
            supported = ", ".join(f'"{o}"' for o in _VALID_OPERATORS)
            errs.append(f'operator: Unsupported value: "{operator}": supported values: {supported}')
        for i, v in enumerate(vals):
            verrs = is_valid_label_value(v)
            if verrs:
                errs.append(_field_invalid(f"values[{i}][{key}]", v, "; ".join(verrs)))
        if errs:
            raise SelectorError(_aggregate(errs))
        return cls(key, operator, vals)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfy this requirement (``Requirement.Matches``)."""
        op = self.operator
        if op in (IN, EQUALS, DOUBLE_EQUALS):
            v = labels.get(self.key)
            return v is not None and v in self.values
        if op in (NOT_IN, NOT_EQUALS):
            v = labels.get(self.key)
            return v is None or v not in self.values
        if op == EXISTS:
            return self.key in labels
        if op == DOES_NOT_EXIST:
            return self.key not in labels
        if op in (GREATER_THAN, LESS_THAN):
            v = labels.get(self.key)
            if v is None or len(self.values) != 1:
                return False
            lv, rv = _as_int64(v), _as_int64(self.values[0])
            if lv is None or rv is None:
                return False
            return lv > rv if op == GREATER_THAN else lv < rv
        return False

    def _compile(self) -> Callable[[Mapping[str, str]], bool]:
        key, op = self.key, self.operator
        if op in (IN, EQUALS, DOUBLE_EQUALS):
            if len(self.values) == 1:
                want = self.values[0]
                return lambda ls: ls.get(key) == want
            vs = frozenset(self.values)
            return lambda ls: (v := ls.get(key)) is not None and v in vs
        if op in (NOT_IN, NOT_EQUALS):
            if len(self.values) == 1:
                bad = self.values[0]
                return lambda ls: ls.get(key) != bad
            nvs = frozenset(self.values)
            return lambda ls: (v := ls.get(key)) is None or v not in nvs
        if op == EXISTS:
            return lambda ls: key in ls
        if op == DOES_NOT_EXIST:
            return lambda ls: key not in ls
        return self.matches

    def __str__(self) -> str:
        op = self.operator
        out = ("!" if op == DOES_NOT_EXIST else "") + self.key
        if op in (EXISTS, DOES_NOT_EXIST):
            return out
        sym = {
            EQUALS: "=",
            DOUBLE_EQUALS: "==",
            NOT_EQUALS: "!=",
            IN: " in ",
            NOT_IN: " notin ",
            GREATER_THAN: ">",
            LESS_THAN: "<",
        }[op]
        vals = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if op in (IN, NOT_IN):
            return f"{out}{sym}({vals})"
        return f"{out}{sym}{vals}"


@dataclass(frozen=True, slots=True)
class Selector:
    """An AND of requirements, sorted by key; ``nothing`` selects no object at all.

    Immutable. ``matches`` takes a label mapping (``None`` counts as no labels);
    ``matches_object`` reads ``metadata.labels`` of an object dict.
    """

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False
    _preds: tuple[Callable[[Mapping[str, str]], bool], ...] = field(
        default=(), repr=False, compare=False
    )

    @classmethod
    def of(cls, requirements: list[Requirement] | tuple[Requirement, ...]) -> Selector:
        reqs = tuple(sorted(requirements, key=lambda r: r.key))
        return cls(reqs, False, tuple(r._compile() for r in reqs))

    def empty(self) -> bool:
        """True when the selector matches everything."""
        return not self.nothing and not self.requirements

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self.nothing:
            return False
        ls = labels if labels is not None else {}
        return all(p(ls) for p in self._preds)

    def matches_object(self, obj: Mapping[str, Any]) -> bool:
        md = obj.get("metadata")
        return self.matches(md.get("labels") if md else None)

    def add(self, *reqs: Requirement) -> Selector:
        return Selector.of((*self.requirements, *reqs))

    def requires_exact_match(self, label: str) -> str | None:
        """The single value the selector requires for ``label`` (``RequiresExactMatch``)."""
        for r in self.requirements:
            if r.key == label:
                if r.operator in (EQUALS, DOUBLE_EQUALS, IN) and len(r.values) == 1:
                    return r.values[0]
                return None
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


EVERYTHING: Final = Selector()
NOTHING: Final = Selector(nothing=True)


# --------------------------------------------------------------------------------------------
# lexer and parser (same tokens and messages as labels.Parse)

_T_ERROR, _T_EOS, _T_CPAR, _T_COMMA, _T_NOT, _T_DEQ, _T_EQ, _T_GT, _T_ID, _T_IN, _T_LT = range(11)
_T_NEQ, _T_NOTIN, _T_OPAR = 11, 12, 13
_LITERALS = {
    ")": _T_CPAR,
    ",": _T_COMMA,
    "!": _T_NOT,
    "==": _T_DEQ,
    "=": _T_EQ,
    ">": _T_GT,
    "in": _T_IN,
    "<": _T_LT,
    "!=": _T_NEQ,
    "notin": _T_NOTIN,
    "(": _T_OPAR,
}
_SPECIAL = frozenset("=!(),><")
_WS = frozenset(" \t\r\n")


def _lex(s: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    pos, n = 0, len(s)
    while True:
        while pos < n and s[pos] in _WS:
            pos += 1
        if pos >= n:
            out.append((_T_EOS, ""))
            return out
        ch = s[pos]
        if ch in _SPECIAL:
            buf = ""
            last: tuple[int, str] | None = None
            while pos < n and s[pos] in _SPECIAL:
                buf += s[pos]
                tok = _LITERALS.get(buf)
                if tok is not None:
                    last = (tok, buf)
                    pos += 1
                elif last is not None:
                    break
                else:
                    pos += 1
            if last is None:
                out.append((_T_ERROR, f"error expected: keyword found '{buf}'"))
            else:
                out.append(last)
        else:
            start = pos
            while pos < n and s[pos] not in _SPECIAL and s[pos] not in _WS:
                pos += 1
            word = s[start:pos]
            out.append((_LITERALS.get(word, _T_ID), word))
        if out[-1][0] == _T_ERROR:
            # Upstream keeps scanning; the parser stops at the error token anyway.
            out.append((_T_EOS, ""))
            return out


class _Parser:
    __slots__ = ("items", "pos")

    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.pos = 0

    def _look(self, values: bool) -> tuple[int, str]:
        tok, lit = self.items[self.pos]
        if values and tok in (_T_IN, _T_NOTIN):
            tok = _T_ID
        return tok, lit

    def _take(self, values: bool) -> tuple[int, str]:
        tok, lit = self._look(values)
        self.pos += 1
        return tok, lit

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            tok, lit = self._look(True)
            if tok in (_T_ID, _T_NOT):
                try:
                    reqs.append(self._requirement())
                except SelectorError as err:
                    msg = f"unable to parse requirement: {err.message}"
                    raise SelectorError(msg) from None
                t, lit2 = self._take(True)
                if t == _T_EOS:
                    return reqs
                if t == _T_COMMA:
                    t2, l2 = self._look(True)
                    if t2 not in (_T_ID, _T_NOT):
                        msg = f"found '{l2}', expected: identifier after ','"
                        raise SelectorError(msg)
                else:
                    msg = f"found '{lit2}', expected: ',' or 'end of string'"
                    raise SelectorError(msg)
            elif tok == _T_EOS:
                return reqs
            else:
                msg = f"found '{lit}', expected: !, identifier, or 'end of string'"
                raise SelectorError(msg)

    def _requirement(self) -> Requirement:
        op = ""
        tok, lit = self._take(True)
        if tok == _T_NOT:
            op = DOES_NOT_EXIST
            tok, lit = self._take(True)
        if tok != _T_ID:
            msg = f"found '{lit}', expected: identifier"
            raise SelectorError(msg)
        key = lit
        if (e := _key_errors(key, "")) is not None:
            raise SelectorError(e)
        t, _ = self._look(True)
        if t in (_T_EOS, _T_COMMA):
            return Requirement.new(key, op or EXISTS, [])
        if op == DOES_NOT_EXIST:
            return Requirement.new(key, op, [])
        tok, lit = self._take(False)
        ops = {
            _T_IN: IN,
            _T_EQ: EQUALS,
            _T_DEQ: DOUBLE_EQUALS,
            _T_GT: GREATER_THAN,
            _T_LT: LESS_THAN,
            _T_NOTIN: NOT_IN,
            _T_NEQ: NOT_EQUALS,
        }
        if tok not in ops:
            msg = f"found '{lit}', expected: {', '.join(_BINARY_OPERATORS)}"
            raise SelectorError(msg)
        op = ops[tok]
        values = self._values() if op in (IN, NOT_IN) else self._exact_value()
        return Requirement.new(key, op, sorted(values))

    def _values(self) -> set[str]:
        tok, lit = self._take(True)
        if tok != _T_OPAR:
            msg = f"found '{lit}' expected: '('"
            raise SelectorError(msg)
        tok, lit = self._look(True)
        if tok in (_T_ID, _T_COMMA):
            s = self._identifiers()
            if self._take(True)[0] != _T_CPAR:
                msg = f"found '{lit}', expected: ')'"
                raise SelectorError(msg)
            return s
        if tok == _T_CPAR:
            self._take(True)
            return {""}
        msg = f"found '{lit}', expected: ',', ')' or identifier"
        raise SelectorError(msg)

    def _identifiers(self) -> set[str]:
        s: set[str] = set()
        while True:
            tok, lit = self._take(True)
            if tok == _T_ID:
                s.add(lit)
                t2, l2 = self._look(True)
                if t2 == _T_COMMA:
                    continue
                if t2 == _T_CPAR:
                    return s
                msg = f"found '{l2}', expected: ',' or ')'"
                raise SelectorError(msg)
            if tok == _T_COMMA:
                if not s:
                    s.add("")
                t2, _ = self._look(True)
                if t2 == _T_CPAR:
                    s.add("")
                    return s
                if t2 == _T_COMMA:
                    s.add("")
            else:
                msg = f"found '{lit}', expected: ',', or identifier"
                raise SelectorError(msg)

    def _exact_value(self) -> set[str]:
        tok, _ = self._look(True)
        if tok in (_T_EOS, _T_COMMA):
            return {""}
        tok, lit = self._take(True)
        if tok == _T_ID:
            return {lit}
        msg = f"found '{lit}', expected: identifier"
        raise SelectorError(msg)


_PARSE_CACHE: dict[str, Selector] = {}


def parse(selector: str) -> Selector:
    """Parse the string form (``labels.Parse``); ``""`` selects everything.

    Raises
    ------
    SelectorError
        With Kubernetes' message, e.g. ``unable to parse requirement: ...`` or
        ``found ')', expected: !, identifier, or 'end of string'``.
    """
    cached = _PARSE_CACHE.get(selector)
    if cached is not None:
        return cached
    sel = Selector.of(_Parser(selector).parse())
    if len(_PARSE_CACHE) > 1024:
        _PARSE_CACHE.clear()
    _PARSE_CACHE[selector] = sel
    return sel


def selector_from_set(labels: Mapping[str, str] | None) -> Selector:
    """A selector requiring every ``key=value`` of ``labels`` (empty -> everything)."""
    if not labels:
        return EVERYTHING
    return Selector.of([Requirement(k, EQUALS, (v,)) for k, v in labels.items()])


_EXPR_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


def selector_from_label_selector(ls: Mapping[str, Any] | None) -> Selector:
    """``metav1.LabelSelectorAsSelector``: ``None`` selects nothing, ``{}`` everything.

    Raises
    ------
    SelectorError
        An invalid operator (``"Foo" is not a valid label selector operator``) or an invalid
        key or value.
    """
    if ls is None:
        return NOTHING
    match_labels = ls.get("matchLabels") or {}
    exprs = ls.get("matchExpressions") or []
    if not match_labels and not exprs:
        return EVERYTHING
    reqs: list[Requirement] = [Requirement.new(k, EQUALS, [v]) for k, v in match_labels.items()]
    for expr in exprs:
        op = _EXPR_OPERATORS.get(expr.get("operator", ""))
        if op is None:
            msg = f'"{expr.get("operator", "")}" is not a valid label selector operator'
            raise SelectorError(msg)
        values = list(expr.get("values") or []) if op in (IN, NOT_IN) else []
        reqs.append(Requirement.new(expr.get("key", ""), op, values))
    return Selector.of(reqs)


def format_label_selector(ls: Mapping[str, Any] | None) -> str:
    """The string form for display (kubectl's ``FormatLabelSelector``): ``<none>`` if empty."""
    try:
        s = str(selector_from_label_selector(ls))
    except SelectorError:
        return "<error>"
    return s or "<none>"
