"""The subset of Go templates that scheduler_perf object templates use.

scheduler_perf renders node, pod and ``createAny`` templates with Go's ``html/template`` once
per object, with ``Index`` (0..Count-1), ``Count`` and the op's ``templateParams`` in scope,
plus nine arithmetic helpers. This module implements that subset:

* actions ``{{ pipeline }}`` with the trim markers ``{{-`` / ``-}}`` and ``{{/* comments */}}``;
* terms: ``.Field`` (nested ``.a.b``), ``.``, numbers, ``"strings"``, raw ```strings```,
  ``true``/``false``, parenthesised pipelines; commands ``Func arg...``; pipes ``x | Func y``;
* functions ``AddInt SubtractInt MultiplyInt DivideInt Mod AddFloat SubtractFloat
  MultiplyFloat DivideFloat`` (arguments may be numbers or numeric strings; division by zero is
  an error) and ``printf`` (``%d %s %v %f``).

Control structures (``if``, ``range``, ``with``, ``define``) are rejected with a clear error;
no upstream template uses them. Interpolated strings are HTML-escaped as ``html/template``
does. A reference to a missing field is an error naming the field and what is available.
A template is compiled once (:class:`GoTemplate`) and rendered many times cheaply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["GoTemplate", "TemplateError", "render"]


class TemplateError(ValueError):
    """A template that does not parse, or that fails while rendering."""


# ----------------------------------------------------------------------------- values


def _to_int(v: Any, fn: str) -> int:
    if isinstance(v, bool):
        msg = f"{fn}: expected a number, got bool {v!r}"
        raise TemplateError(msg)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v)
    if isinstance(v, str):
        try:
            return int(v.strip())
        except ValueError:
            try:
                return int(float(v.strip()))
            except ValueError:
                pass
    msg = f"{fn}: expected an integer or numeric string, got {v!r}"
    raise TemplateError(msg)


def _to_float(v: Any, fn: str) -> float:
    if isinstance(v, bool):
        msg = f"{fn}: expected a number, got bool {v!r}"
        raise TemplateError(msg)
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            pass
    msg = f"{fn}: expected a number or numeric string, got {v!r}"
    raise TemplateError(msg)


def _go_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _int_fn(
    name: str, op: Callable[[int, int], int], *, divides: bool = False
) -> Callable[..., Any]:
    def fn(*args: Any) -> int:
        if len(args) != 2:
            msg = f"{name}: expected 2 arguments, got {len(args)}"
            raise TemplateError(msg)
        a, b = _to_int(args[0], name), _to_int(args[1], name)
        if divides and b == 0:
            msg = f"{name}: division by zero"
            raise TemplateError(msg)
        return op(a, b)

    return fn


def _float_fn(
    name: str, op: Callable[[float, float], float], *, divides: bool = False
) -> Callable[..., Any]:
    def fn(*args: Any) -> float:
        if len(args) != 2:
            msg = f"{name}: expected 2 arguments, got {len(args)}"
            raise TemplateError(msg)
        a, b = _to_float(args[0], name), _to_float(args[1], name)
        if divides and b == 0:
            msg = f"{name}: division by zero"
            raise TemplateError(msg)
        return op(a, b)

    return fn


def _go_mod(a: int, b: int) -> int:
    return a - _go_div(a, b) * b


def _printf(fmt: Any, *args: Any) -> str:
    if not isinstance(fmt, str):
        msg = f"printf: format must be a string, got {fmt!r}"
        raise TemplateError(msg)
    it = iter(args)

    def sub(m: re.Match[str]) -> str:
        verb = m.group(1)
        if verb == "%":
            return "%"
        try:
            v = next(it)
        except StopIteration:
            return f"%!{verb}(MISSING)"
        if verb == "d":
            return str(_to_int(v, "printf"))
        if verb == "f":
            return f"{_to_float(v, 'printf'):f}"
        return format_value(v)

    return re.sub(r"%([dsvf%])", sub, fmt)


FUNCS: dict[str, Callable[..., Any]] = {
    "AddInt": _int_fn("AddInt", lambda a, b: a + b),
    "SubtractInt": _int_fn("SubtractInt", lambda a, b: a - b),
    "MultiplyInt": _int_fn("MultiplyInt", lambda a, b: a * b),
    "DivideInt": _int_fn("DivideInt", _go_div, divides=True),
    "Mod": _int_fn("Mod", _go_mod, divides=True),
    "AddFloat": _float_fn("AddFloat", lambda a, b: a + b),
    "SubtractFloat": _float_fn("SubtractFloat", lambda a, b: a - b),
    "MultiplyFloat": _float_fn("MultiplyFloat", lambda a, b: a * b),
    "DivideFloat": _float_fn("DivideFloat", lambda a, b: a / b, divides=True),
    "printf": _printf,
}


def format_value(v: Any) -> str:
    """Go's ``%v`` for the values templates produce."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e21:
            return str(int(v))
        return repr(v).replace("e+", "e+").replace("inf", "+Inf")
    if v is None:
        return ""
    return str(v)


_HTML_ESCAPES = {
    "\0": "\ufffd",
    '"': "&#34;",
    "'": "&#39;",
    "&": "&amp;",
    "+": "&#43;",
    "<": "&lt;",
    ">": "&gt;",
}
_HTML_RE = re.compile("[\0\"'&+<>]")


def _html_escape(s: str) -> str:
    return _HTML_RE.sub(lambda m: _HTML_ESCAPES[m.group(0)], s)


# ----------------------------------------------------------------------------- parsing

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+)
      | (?P<dot>\.)
      | (?P<num>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)
      | (?P<str>"(?:[^"\\]|\\.)*")
      | (?P<raw>`[^`]*`)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<lp>\()
      | (?P<rp>\))
      | (?P<pipe>\|)
    )""",
    re.VERBOSE,
)

_CONTROL = {
    "if",
    "else",
    "end",
    "range",
    "with",
    "define",
    "template",
    "block",
    "break",
    "continue",
}


@dataclass(frozen=True, slots=True)
class _Const:
    value: Any


@dataclass(frozen=True, slots=True)
class _Field:
    path: tuple[str, ...]  # () = "."


@dataclass(frozen=True, slots=True)
class _Call:
    fn: str
    args: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Pipeline:
    commands: tuple[Any, ...]  # each a _Call or a term; later commands get the value appended


class _Parser:
    def __init__(self, text: str, where: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                msg = f"{where}: unexpected {text[pos:].strip()[:20]!r} in action"
                raise TemplateError(msg)
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0
        self.where = where

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            msg = f"{self.where}: unexpected end of action"
            raise TemplateError(msg)
        self.i += 1
        return tok

    def pipeline(self) -> _Pipeline:
        cmds = [self.command()]
        while (tok := self.peek()) is not None and tok[0] == "pipe":
            self.take()
            cmds.append(self.command())
        return _Pipeline(tuple(cmds))

    def command(self) -> Any:
        tok = self.peek()
        if tok is not None and tok[0] == "ident" and tok[1] not in ("true", "false", "nil"):
            name = tok[1]
            if name in _CONTROL:
                msg = f"{self.where}: {{{{{name}}}}} is not supported (only expressions)"
                raise TemplateError(msg)
            if name not in FUNCS:
                msg = f"{self.where}: function {name!r} not defined; known: {', '.join(FUNCS)}"
                raise TemplateError(msg)
            self.take()
            args = []
            while (t := self.peek()) is not None and t[0] not in ("pipe", "rp"):
                args.append(self.term())
            return _Call(name, tuple(args))
        term = self.term()
        if (t := self.peek()) is not None and t[0] not in ("pipe", "rp"):
            msg = f"{self.where}: can't give argument to non-function {t[1]!r}"
            raise TemplateError(msg)
        return term

    def term(self) -> Any:
        kind, text = self.take()
        if kind == "field":
            return _Field(tuple(text[1:].split(".")))
        if kind == "dot":
            return _Field(())
        if kind == "num":
            return _Const(float(text) if any(c in text for c in ".eE") else int(text))
        if kind == "str":
            return _Const(bytes(text[1:-1], "utf-8").decode("unicode_escape"))
        if kind == "raw":
            return _Const(text[1:-1])
        if kind == "ident":
            if text in ("true", "false"):
                return _Const(text == "true")
            if text == "nil":
                return _Const(None)
            msg = f"{self.where}: function {text!r} used as a value"
            raise TemplateError(msg)
        if kind == "lp":
            p = self.pipeline()
            if self.take()[0] != "rp":
                msg = f"{self.where}: missing ')'"
                raise TemplateError(msg)
            return p
        msg = f"{self.where}: unexpected {text!r}"
        raise TemplateError(msg)


_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.DOTALL)


class GoTemplate:
    """A compiled template: literal text and expression actions.

    ``render(env)`` substitutes every action with ``env`` as ``.``; thread-safe and reusable.
    """

    def __init__(self, text: str, *, name: str = "template") -> None:
        self.name = name
        self.parts: list[str | _Pipeline] = []
        pos = 0
        trim_next = False
        for m in _ACTION.finditer(text):
            literal = text[pos : m.start()]
            if trim_next:
                literal = literal.lstrip()
            if m.group(1):
                literal = literal.rstrip()
            if literal:
                self.parts.append(literal)
            body = m.group(2)
            line = text.count("\n", 0, m.start()) + 1
            where = f"{name}:{line}"
            stripped = body.strip()
            if not (stripped.startswith("/*") and stripped.endswith("*/")):
                parser = _Parser(body, where)
                if not parser.tokens:
                    msg = f"{where}: missing value for command"
                    raise TemplateError(msg)
                pipe = parser.pipeline()
                if parser.peek() is not None:
                    msg = f"{where}: unexpected {parser.peek()[1]!r} in action"  # type: ignore[index]
                    raise TemplateError(msg)
                self.parts.append(pipe)
            trim_next = bool(m.group(3))
            pos = m.end()
        tail = text[pos:]
        if trim_next:
            tail = tail.lstrip()
        if "{{" in tail:
            line = text.count("\n", 0, pos + tail.index("{{")) + 1
            msg = f"{name}:{line}: unclosed action"
            raise TemplateError(msg)
        if tail:
            self.parts.append(tail)
        self.is_static = all(isinstance(p, str) for p in self.parts)
        self.fields = frozenset(self._fields())

    def _fields(self) -> list[str]:
        out: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, _Field) and node.path:
                out.append(node.path[0])
            elif isinstance(node, _Call):
                for a in node.args:
                    walk(a)
            elif isinstance(node, _Pipeline):
                for c in node.commands:
                    walk(c)

        for p in self.parts:
            walk(p)
        return out

    def render(self, env: Mapping[str, Any]) -> str:
        """Render with ``env`` as the data (``Index``, ``Count``, template params...)."""
        if self.is_static:
            return "".join(self.parts)  # type: ignore[arg-type]
        out: list[str] = []
        for p in self.parts:
            if isinstance(p, str):
                out.append(p)
            else:
                value = self._eval(p, env)
                out.append(_html_escape(format_value(value)))
        return "".join(out)

    def _eval(self, node: Any, env: Mapping[str, Any]) -> Any:
        if isinstance(node, _Const):
            return node.value
        if isinstance(node, _Field):
            cur: Any = env
            for i, part in enumerate(node.path):
                if not isinstance(cur, Mapping) or part not in cur:
                    have = ", ".join(sorted(map(str, cur))) if isinstance(cur, Mapping) else ""
                    dotted = "." + ".".join(node.path[: i + 1])
                    msg = f"{self.name}: no value for {dotted} (available: {have})"
                    raise TemplateError(msg)
                cur = cur[part]
            return cur
        if isinstance(node, _Call):
            return self._call(node, env, ())
        if isinstance(node, _Pipeline):
            value: Any = None
            for k, cmd in enumerate(node.commands):
                if k == 0:
                    value = self._eval(cmd, env)
                elif isinstance(cmd, _Call):
                    value = self._call(cmd, env, (value,))
                else:
                    msg = f"{self.name}: non-function in pipeline"
                    raise TemplateError(msg)
            return value
        msg = f"{self.name}: cannot evaluate {node!r}"
        raise TemplateError(msg)

    def _call(self, call: _Call, env: Mapping[str, Any], extra: tuple[Any, ...]) -> Any:
        args = [self._eval(a, env) for a in call.args] + list(extra)
        try:
            return FUNCS[call.fn](*args)
        except TemplateError as err:
            msg = f"{self.name}: {err}"
            raise TemplateError(msg) from err


def render(text: str, env: Mapping[str, Any], *, name: str = "template") -> str:
    """Compile and render ``text`` once (prefer :class:`GoTemplate` for repeated use)."""
    return GoTemplate(text, name=name).render(env)
