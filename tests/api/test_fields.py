"""Tests for kcore.api.fields: parsing, escaping, per-resource field labels, compiled matchers."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcore.api import fields as F

POD = {
    "metadata": {"name": "p", "namespace": "ns"},
    "spec": {"nodeName": "n1", "restartPolicy": "Always", "hostNetwork": True},
    "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.1"}]},
}


@pytest.mark.parametrize(
    ("resource", "selector", "obj", "expected"),
    [
        ("pods", "spec.nodeName=n1", POD, True),
        ("pods", "spec.nodeName==n1", POD, True),
        ("pods", "spec.nodeName!=n1", POD, False),
        ("pods", "spec.nodeName=", {"spec": {}}, True),
        ("pods", "spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed", POD, True),
        ("pods", "spec.hostNetwork=true", POD, True),
        ("pods", "spec.hostNetwork=false", {"spec": {}}, True),
        ("pods", "status.podIP=10.0.0.1", POD, True),
        ("pods", "metadata.name=p,metadata.namespace=ns", POD, True),
        ("nodes", "spec.unschedulable=false", {"spec": {}}, True),
        ("events", "involvedObject.namespace=", {"involvedObject": {}}, True),
        ("events", "source=kubelet", {"source": {"component": "kubelet"}}, True),
        ("replicasets.apps", "status.replicas=0", {"status": {}}, True),
        ("replicasets", "status.replicas=3", {"status": {"replicas": 3}}, True),
        ("secrets", "type=Opaque", {"type": "Opaque"}, True),
        ("jobs.batch", "status.successful=1", {"status": {"successful": 1}}, True),
        ("deployments.apps", "metadata.name=a\\,b", {"metadata": {"name": "a,b"}}, True),
        ("pods", "", {}, True),
    ],
)
def test_compiled_matchers(resource: str, selector: str, obj: dict, expected: bool) -> None:
    match = F.compile_field_selector(resource, selector)
    assert match(obj) is expected
    assert F.parse_field_selector(selector).matches(F.field_set(resource, obj)) is expected


@pytest.mark.parametrize(
    ("resource", "selector", "message"),
    [
        ("pods", "foo=bar", "field label not supported: foo"),
        ("nodes", "status.phase=Running", "field label not supported: status.phase"),
        ("pods", "x", "invalid selector: 'x'; can't understand 'x'"),
        ("pods", "a=b\\x", "invalid field selector: invalid escape sequence: \\x"),
        ("pods", "a=b=c", "invalid field selector: unescaped character in value: 61"),
    ],
)
def test_errors(resource: str, selector: str, message: str) -> None:
    with pytest.raises(F.FieldSelectorError) as exc:
        F.compile_field_selector(resource, selector)
    assert exc.value.message == message
    assert exc.value.code == 400


def test_to_string_and_exact_match() -> None:
    sel = F.parse_field_selector("b=2,a==1,c!=x\\=y")
    assert str(sel) == "a=1,b=2,c!=x\\=y"
    assert sel.requires_exact_match("a") == "1"
    assert sel.requires_exact_match("c") is None
    assert "spec.nodeName" in F.supported_fields("pods")


@given(st.text(max_size=30))
def test_escape_round_trip(value: str) -> None:
    assert F.unescape_value(F.escape_value(value)) == value
    sel = F.parse_field_selector("metadata.name=" + F.escape_value(value))
    assert sel.matches({"metadata.name": value})


@given(st.text(alphabet="ab=!,\\.", max_size=16))
def test_fuzz_only_selector_errors(text: str) -> None:
    with contextlib.suppress(F.FieldSelectorError):
        F.parse_field_selector(text)
