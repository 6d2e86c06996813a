"""The building blocks of the references, on values whose Go results are known."""

from __future__ import annotations

import numpy as np
import pytest

from kcore.scheduler.reference.helper import default_normalize_score, go_div, go_round
from kcore.scheduler.reference.pod import (
    AffinityTerm,
    Taint,
    Toleration,
    compile_pod,
    normalized_image_name,
    pod_requests,
)
from kcore.scheduler.reference.selectors import LabelSelector, NodeSelectorTerm, parse_int64
from kcore.testing.wrappers import make_pod


def test_go_round_rounds_halves_away_from_zero() -> None:
    x = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.49999999999999994, 2.4999, 7.0])
    assert go_round(x).tolist() == [1, 2, 3, -1, -3, 0, 2, 7]


def test_go_div_truncates_toward_zero() -> None:
    a = np.array([7, -7, 7, -7, 0], dtype=np.int64)
    assert go_div(a, np.array([2, 2, -2, -2, 3])).tolist() == [3, -3, -3, 3, 0]


@pytest.mark.parametrize(
    ("text", "value"),
    [("42", 42), ("+3", 3), ("-1", -1), ("007", 7), ("9223372036854775807", 2**63 - 1)],
)
def test_parse_int64_accepts_strconv_integers(text: str, value: int) -> None:
    assert parse_int64(text) == value


@pytest.mark.parametrize("text", ["", "x", "1.5", " 1", "1_000", "٣", "9223372036854775808", "+"])
def test_parse_int64_rejects_what_strconv_rejects(text: str) -> None:
    assert parse_int64(text) is None


def test_label_selector_nil_empty_and_requirements() -> None:
    assert not LabelSelector.from_dict(None).matches({})
    assert not LabelSelector.from_dict(None).empty
    everything = LabelSelector.from_dict({})
    assert everything.empty
    assert everything.matches({"a": "b"})
    sel = LabelSelector.from_dict(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "NotIn", "values": ["be"]},
                {"key": "v", "operator": "DoesNotExist"},
            ],
        }
    )
    assert sel.matches({"app": "web"})
    assert sel.matches({"app": "web", "tier": "fe"})
    assert not sel.matches({"app": "web", "tier": "be"})
    assert not sel.matches({"app": "web", "v": "1"})
    with pytest.raises(ValueError, match="values must be non-empty"):
        LabelSelector.from_dict({"matchExpressions": [{"key": "a", "operator": "In"}]})
    with pytest.raises(ValueError, match="not a valid label selector operator"):
        LabelSelector.from_dict(
            {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}
        )


def test_node_selector_term_parse_errors() -> None:
    def term(*exprs: dict, fields: tuple[dict, ...] = ()) -> NodeSelectorTerm:
        return NodeSelectorTerm.from_dict(
            {"matchExpressions": list(exprs), "matchFields": list(fields)}
        )

    assert term({"key": "t", "operator": "Gt", "values": ["x"]}).parse_error
    assert term({"key": "t", "operator": "Lt", "values": ["1", "2"]}).parse_error
    assert term({"key": "t", "operator": "Exists", "values": ["1"]}).parse_error
    assert term({"key": "t", "operator": "In", "values": []}).parse_error
    assert term(
        fields=({"key": "metadata.name", "operator": "In", "values": ["a", "b"]},)
    ).parse_error
    # labels.NewRequirement validates every value as a label value: "+2" parses as an integer
    # but is no label value; "a b" is no label value; keys must be qualified names.
    assert term({"key": "t", "operator": "Gt", "values": ["+2"]}).parse_error
    assert term({"key": "t", "operator": "In", "values": ["ok", "a b"]}).parse_error
    assert term({"key": "bad key", "operator": "Exists"}).parse_error
    assert term(fields=({"key": "metadata.name", "operator": "Exists"},)).parse_error
    assert not term({"key": "t", "operator": "Gt", "values": ["2"]}).parse_error
    assert not term({"key": "example.com/t", "operator": "In", "values": [""]}).parse_error
    # Field keys other than metadata.name parse (the API server rejects them; nodes read "").
    assert not term(fields=({"key": "spec.x", "operator": "In", "values": ["a"]},)).parse_error
    assert NodeSelectorTerm.from_dict({}).is_empty


@pytest.mark.parametrize(
    ("expr", "field", "want"),
    [
        pytest.param(
            {"key": "t", "operator": "Lt", "values": ["1", "x"]},
            False,
            [
                '[0].matchExpressions[0].values: Invalid value: []string{"1", "x"}: '
                "for 'Gt', 'Lt' operators, exactly one value is required",
                '[0].matchExpressions[0].values[1]: Invalid value: "x": '
                "for 'Gt', 'Lt' operators, the value must be an integer",
            ],
            id="lt-two-values",
        ),
        pytest.param(
            {"key": "t", "operator": "In", "values": []},
            False,
            [
                "[0].matchExpressions[0].values: Invalid value: []string{}: "
                "for 'in', 'notin' operators, values set can't be empty"
            ],
            id="in-empty-list",
        ),
        pytest.param(
            {"key": "a/b/c", "operator": "DoesNotExist"},
            False,
            [
                '[0].matchExpressions[0].key: Invalid value: "a/b/c": a qualified name must '
                "consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
                "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
                "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an "
                "optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ],
            id="key-two-slashes",
        ),
        pytest.param(
            {"key": "metadata.name", "operator": "In", "values": ["a", "b"]},
            True,
            ['[0].matchFields[0].values: Invalid value: []string{"a", "b"}: must have one element'],
            id="field-two-values",
        ),
        pytest.param(
            {"key": "metadata.name", "operator": "Gt", "values": ["1"]},
            True,
            [
                '[0].matchFields[0].operator: Unsupported value: "Gt": '
                'supported values: "In", "NotIn"'
            ],
            id="field-operator",
        ),
    ],
)
def test_node_selector_term_error_messages(expr: dict, field: bool, want: list[str]) -> None:
    """Messages as apimachinery's field.Error words them (the native core words them alike)."""
    key = "matchFields" if field else "matchExpressions"
    assert NodeSelectorTerm.from_dict({key: [expr]}).errors("[0]") == want


def test_tolerations_follow_tolerates_taint() -> None:
    t = Taint("dedicated", "a", "NoSchedule")
    assert Toleration("", "Exists").tolerates(t)
    assert Toleration("dedicated", "Equal", "a").tolerates(t)
    assert not Toleration("dedicated", "Equal", "b").tolerates(t)
    assert not Toleration("dedicated", "Exists", effect="NoExecute").tolerates(t)
    assert not Toleration("dedicated", "Lt", "1").tolerates(t)
    assert Taint.from_view("k=v:PreferNoSchedule") == Taint("k", "v", "PreferNoSchedule")
    assert Taint.from_view("k=:NoExecute") == Taint("k", "", "NoExecute")


def test_pod_requests_sidecars_init_overhead_and_pod_level() -> None:
    # The component-helpers example: init 2/1G and 2/3G, app 2/1G and 1/1G -> 3 CPU / 3G.
    pod = (
        make_pod("p")
        .res({"cpu": "2", "memory": "1G"})
        .container("c2", {"cpu": "1", "memory": "1G"})
        .init_container("i1", {"cpu": "2", "memory": "1G"})
        .init_container("i2", {"cpu": "2", "memory": "3G"})
        .obj()
    )
    assert pod_requests(pod) == {"cpu": 3000, "memory": 3 * 10**9}
    sidecar = (
        make_pod("s")
        .res({"cpu": "100m"})
        .init_container("side", {"cpu": "200m"}, sidecar=True)
        .init_container("init", {"cpu": "250m"})
        .overhead(cpu="10m")
        .obj()
    )
    # sidecar runs beside the app (300m) and during the later init step (200m + 250m = 450m).
    assert pod_requests(sidecar)["cpu"] == 450 + 10
    assert pod_requests(sidecar, nonzero=True)["memory"] == 200 * 1024 * 1024 * 2 + 0  # app + side
    pod_level = (
        make_pod("l").res({"cpu": "100m", "example.com/gpu": "1"}).pod_requests(cpu="2").obj()
    )
    assert pod_requests(pod_level) == {"cpu": 2000, "example.com/gpu": 1}
    assert pod_requests(make_pod("z").obj(), nonzero=True) == {
        "cpu": 100,
        "memory": 200 * 1024 * 1024,
    }


def test_images_ports_and_affinity_terms() -> None:
    assert normalized_image_name("nginx") == "nginx:latest"
    assert normalized_image_name("registry:5000/app") == "registry:5000/app:latest"
    assert normalized_image_name("app@sha256:abc") == "app@sha256:abc"
    pod = compile_pod(
        make_pod("p", "team-a")
        .host_port(80)
        .host_port(53, protocol="UDP", host_ip="127.0.0.1")
        .init_container("plain", image="busybox")
        .pod_anti_affinity({"app": "x"}, "zone")
        .obj()
    )
    assert [(h.ip, h.protocol, h.port) for h in pod.host_ports] == [
        ("0.0.0.0", "TCP", 80),
        ("127.0.0.1", "UDP", 53),
    ]
    assert pod.images == ("busybox:latest", "pause:3.10")
    assert pod.num_containers == 2
    (term,) = pod.anti_affinity_required
    assert term.namespaces == frozenset({"team-a"})
    assert term.namespace_selector.nothing
    merged = AffinityTerm(
        LabelSelector.from_dict({}),
        frozenset(),
        LabelSelector.from_dict({"matchLabels": {"t": "a"}}),
        "k",
    ).with_merged_namespaces({"x": {"t": "a"}, "y": {"t": "b"}})
    assert merged.namespaces == frozenset({"x"})
    assert merged.namespace_selector.nothing
    with pytest.raises(ValueError, match=r"metadata\.name is required"):
        compile_pod({"metadata": {}})
    with pytest.raises(TypeError, match="expected a mapping"):
        compile_pod(["not", "a", "pod"])


def test_default_normalize_score() -> None:
    raw = np.array([0, 2, 4, 9], dtype=np.int64)
    feasible = np.array([True, True, True, False])
    assert default_normalize_score(raw, feasible, reverse=False).tolist() == [0, 50, 100, 0]
    assert default_normalize_score(raw, feasible, reverse=True).tolist() == [100, 50, 0, 0]
    zero = np.zeros(4, dtype=np.int64)
    assert default_normalize_score(zero, feasible, reverse=True).tolist() == [100, 100, 100, 0]
