"""Tests for kcore.api.labels: grammar, messages, matching, structured selectors, fuzzing."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcore.api import labels as L


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", ""),
        ("a=b", "a=b"),
        ("a==b", "a==b"),
        ("a!=b", "a!=b"),
        ("  b = c , a  ", "a,b=c"),
        ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
        ("!k", "!k"),
        ("k>5,k<10", "k>5,k<10"),
        ("env in (in,notin)", "env in (in,notin)"),
        ("example.com/app=web", "example.com/app=web"),
        ("a=", "a="),
    ],
)
def test_parse_to_string(text: str, canonical: str) -> None:
    sel = L.parse(text)
    assert str(sel) == canonical
    assert str(L.parse(canonical)) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
        ("a=b c", "found 'c', expected: ',' or 'end of string'"),
        ("a,", "found '', expected: identifier after ','"),
        ("(", "found '(', expected: !, identifier, or 'end of string'"),
        ("a in x", "unable to parse requirement: found 'x' expected: '('"),
        ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
        (
            "k>x",
            'unable to parse requirement: values[0]: Invalid value: "x": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
        (
            "a=-x",
            'unable to parse requirement: values[0][a]: Invalid value: "-x": a valid label '
            "must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
            "'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
        (
            "/a",
            'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be '
            "non-empty",
        ),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(L.SelectorError) as exc:
        L.parse(text)
    assert exc.value.message == message
    assert exc.value.code == 400


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("a=b", {"a": "b"}, True),
        ("a=b", {}, False),
        ("a!=b", {}, True),
        ("a!=b", {"a": "b"}, False),
        ("a in (x,y)", {"a": "y"}, True),
        ("a notin (x,y)", {}, True),
        ("a notin (x,y)", {"a": "x"}, False),
        ("a", {"a": ""}, True),
        ("!a", {"a": ""}, False),
        ("k>5", {"k": "6"}, True),
        ("k>5", {"k": "five"}, False),
        ("k<5", {}, False),
        ("a=b,c=d", {"a": "b", "c": "d"}, True),
        ("a=b,c=d", {"a": "b"}, False),
        ("", {}, True),
    ],
)
def test_matches(text: str, labels: dict[str, str], expected: bool) -> None:
    sel = L.parse(text)
    assert sel.matches(labels) is expected
    assert all(r.matches(labels) for r in sel.requirements) is expected
    assert sel.matches_object({"metadata": {"labels": labels}}) is expected


def test_structured_selector() -> None:
    assert L.selector_from_label_selector(None).matches({}) is False
    assert L.selector_from_label_selector({}).matches({"x": "y"}) is True
    sel = L.selector_from_label_selector(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["fe", "be"]},
                {"key": "canary", "operator": "DoesNotExist"},
            ],
        }
    )
    assert (
        str(sel) == "app=web,!canary,tier in (be,fe)"
        or str(sel) == "app=web,!canary,tier in (be,fe)"
    )
    assert sel.matches({"app": "web", "tier": "fe"})
    assert not sel.matches({"app": "web", "tier": "fe", "canary": "1"})
    with pytest.raises(L.SelectorError, match='"Foo" is not a valid label selector operator'):
        L.selector_from_label_selector({"matchExpressions": [{"key": "a", "operator": "Foo"}]})
    with pytest.raises(L.SelectorError, match="values set can't be empty"):
        L.selector_from_label_selector({"matchExpressions": [{"key": "a", "operator": "In"}]})
    assert L.format_label_selector({"matchLabels": {"a": "b"}}) == "a=b"
    assert L.format_label_selector({}) == "<none>"
    assert L.selector_from_set({"a": "b"}).requires_exact_match("a") == "b"
    assert L.selector_from_set(None).empty()


_KEY = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True)
_VAL = st.from_regex(r"([a-z0-9]{1,4})?", fullmatch=True)


@st.composite
def _requirement(draw: st.DrawFn) -> str:
    key = draw(_KEY)
    kind = draw(st.sampled_from(["=", "==", "!=", "in", "notin", "exists", "!"]))
    if kind in ("=", "==", "!="):
        return f"{key}{kind}{draw(_VAL)}"
    if kind in ("in", "notin"):
        vals = draw(st.lists(_VAL, min_size=1, max_size=3))
        return f"{key} {kind} ({','.join(vals)})"
    return key if kind == "exists" else f"!{key}"


@given(st.lists(_requirement(), max_size=4), st.dictionaries(_KEY, _VAL, max_size=4))
def test_round_trip_and_match_consistency(reqs: list[str], labels: dict[str, str]) -> None:
    sel = L.parse(",".join(reqs))
    again = L.parse(str(sel))
    assert str(again) == str(sel)
    assert again.matches(labels) == sel.matches(labels)
    assert sel.matches(labels) == all(r.matches(labels) for r in sel.requirements)


@given(st.text(alphabet="ab=!(),<> in otx/.-_1", max_size=20))
def test_fuzz_only_selector_errors(text: str) -> None:
    with contextlib.suppress(L.SelectorError):
        L.parse(text)
