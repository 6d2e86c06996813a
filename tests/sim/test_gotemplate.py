"""The Go-template subset used by scheduler_perf object templates."""

from __future__ import annotations

import pytest

from kcore.sim.gotemplate import GoTemplate, TemplateError, render


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        pytest.param("name: n-{{.Index}}", {"Index": 7}, "name: n-7", id="index"),
        pytest.param("{{ .Count }}", {"Count": 3}, "3", id="spaces"),
        pytest.param("g-{{DivideInt .Index .per}}", {"Index": 7, "per": 3.0}, "g-2", id="divide"),
        pytest.param("{{DivideInt -7 2}}", {}, "-3", id="go-truncation"),
        pytest.param("{{Mod -7 3}}", {}, "-1", id="go-mod-sign"),
        pytest.param("{{AddInt .Index 1}}", {"Index": "4"}, "5", id="numeric-string"),
        pytest.param("{{SubtractInt 10 (MultiplyInt 2 3)}}", {}, "4", id="nested"),
        pytest.param("{{MultiplyFloat 1.5 2}}", {}, "3", id="float-integral"),
        pytest.param("{{DivideFloat 1 4}}", {}, "0.25", id="float"),
        pytest.param("{{SubtractFloat 1 0.5}}", {}, "0.5", id="float-sub"),
        pytest.param("{{AddFloat .x 1}}", {"x": 1.25}, "2.25", id="float-add"),
        pytest.param("{{.Index | AddInt 10}}", {"Index": 2}, "12", id="pipe"),
        pytest.param("a {{- .x -}} b", {"x": "X"}, "aXb", id="trim"),
        pytest.param("a{{/* note */}}b", {}, "ab", id="comment"),
        pytest.param("{{.x}}", {"x": "<a&b>"}, "&lt;a&amp;b&gt;", id="html-escaped"),
        pytest.param("{{.a.b}}", {"a": {"b": 1}}, "1", id="nested-field"),
        pytest.param('{{printf "%d-%s" 3 "x"}}', {}, "3-x", id="printf"),
        pytest.param("{{true}}", {}, "true", id="bool"),
        pytest.param("no actions", {}, "no actions", id="static"),
    ],
)
def test_render(text: str, env: dict, expected: str) -> None:
    assert render(text, env) == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [
        pytest.param("{{if .x}}y{{end}}", r"\{\{if\}\} is not supported", id="control"),
        pytest.param("{{Nope 1}}", "function 'Nope' not defined", id="unknown-func"),
        pytest.param("{{.Index", "unclosed action", id="unclosed"),
        pytest.param("{{DivideInt 1 0}}", "division by zero", id="div-zero"),
        pytest.param("{{Mod 1 0}}", "division by zero", id="mod-zero"),
        pytest.param(
            "{{.Missing}}", r"no value for \.Missing \(available: Index, s\)", id="missing"
        ),
        pytest.param("{{AddInt 1}}", "expected 2 arguments", id="arity"),
        pytest.param("{{AddInt 1 .s}}", "expected an integer", id="bad-number"),
        pytest.param("{{}}", "missing value", id="empty"),
        pytest.param("{{.Index 3}}", "non-function", id="arg-to-field"),
    ],
)
def test_errors(text: str, match: str) -> None:
    with pytest.raises(TemplateError, match=match):
        render(text, {"Index": 1, "s": "abc"})


def test_compiled_template_reports_fields_and_line() -> None:
    t = GoTemplate("a: 1\nb: {{.Index}}\nc: {{AddInt .Count .extra}}\n", name="t.yaml")
    assert t.fields == {"Index", "Count", "extra"}
    assert not t.is_static
    assert GoTemplate("x: 1").is_static
    with pytest.raises(TemplateError, match=r"t.yaml:2: function 'Bad'"):
        GoTemplate("a\n{{Bad}}", name="t.yaml")
