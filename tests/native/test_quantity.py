"""Kubernetes quantity grammar in the native core: exact values, rounding up, precise errors."""

from __future__ import annotations

import pytest

from kcore import _native
from kcore.scheduler import InvalidObjectError, Scheduler
from kcore.testing.wrappers import make_node, make_pod


@pytest.mark.parametrize(
    ("text", "milli", "want"),
    [
        pytest.param("100m", True, 100, id="milli-cpu"),
        pytest.param("1", True, 1000, id="one-cpu"),
        pytest.param("0.1", True, 100, id="decimal-cpu"),
        pytest.param("1.5", True, 1500, id="one-and-half"),
        pytest.param("1e3", False, 1000, id="exponent"),
        pytest.param("1E3", False, 1000, id="exponent-upper"),
        pytest.param("1e-3", True, 1, id="negative-exponent-milli"),
        pytest.param("129M", False, 129_000_000, id="decimal-mega"),
        pytest.param("1.5Gi", False, 1_610_612_736, id="binary-gibi"),
        pytest.param("500Mi", False, 524_288_000, id="binary-mebi"),
        pytest.param("1Ki", False, 1024, id="kibi"),
        pytest.param("1k", False, 1000, id="kilo"),
        pytest.param("1Ei", False, 1_152_921_504_606_846_976, id="exbi"),
        pytest.param("0.5", False, 1, id="round-up-units"),
        pytest.param("1n", True, 1, id="nano-rounds-up-to-one-milli"),
        pytest.param("1u", False, 1, id="micro-rounds-up"),
        pytest.param("0", False, 0, id="zero"),
        pytest.param("+2", False, 2, id="explicit-plus"),
        pytest.param(".5", True, 500, id="leading-dot"),
        pytest.param("5.", True, 5000, id="trailing-dot"),
        pytest.param("0.0001", True, 1, id="sub-milli-rounds-up"),
        pytest.param("15896532Ki", False, 15_896_532 * 1024, id="node-memory"),
        pytest.param("9223372036854775807", False, 9_223_372_036_854_775_807, id="int64-max"),
    ],
)
def test_parse_quantity(text: str, milli: bool, want: int) -> None:
    assert _native.parse_quantity(text, milli) == want


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param("", "empty", id="empty"),
        pytest.param("abc", "regular expression", id="letters"),
        pytest.param("1x", "suffix", id="bad-suffix"),
        pytest.param("1KiB", "suffix", id="bad-binary-suffix"),
        pytest.param("1e", "suffix", id="bare-exponent"),
        pytest.param("1.2.3", "suffix", id="two-dots"),
        pytest.param("-1", "greater than or equal to 0", id="negative"),
        pytest.param("9223372036854775808", "out of range", id="overflow"),
        pytest.param("10Ei", "out of range", id="overflow-binary"),
        pytest.param("1e100", "out of range", id="overflow-exponent"),
    ],
)
def test_malformed_quantity(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        _native.parse_quantity(text, False)


def test_cpu_milli_overflow_is_error() -> None:
    with pytest.raises(ValueError, match="out of range"):
        _native.parse_quantity("9223372036854775807", True)


def test_pod_error_names_field_path() -> None:
    s = Scheduler()
    s.add_node(make_node("n1").obj())
    pod = make_pod("p").req(cpu="1x").obj()
    with pytest.raises(
        InvalidObjectError, match=r"spec\.containers\[0\]\.resources\.requests\.cpu: quantity '1x'"
    ):
        s.schedule(pod)
    assert s.num_pods == 0


def test_integer_quantities_accepted() -> None:
    s = Scheduler()
    node = make_node("n1").obj()
    node["status"]["allocatable"] = {"cpu": 4, "memory": 34359738368, "pods": 110}
    s.add_node(node)
    assert s.schedule(make_pod("p").req(cpu="4").obj()).node == "n1"
