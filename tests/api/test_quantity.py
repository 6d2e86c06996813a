"""Tests for kcore.api.quantity: grammar, canonical form, rounding, arithmetic, fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcore.api.quantity import (
    ERR_FORMAT_WRONG,
    ERR_SUFFIX,
    Quantity,
    QuantityError,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("text", "out", "value", "milli"),
    [
        ("0", "0", 0, 0),
        ("1", "1", 1, 1000),
        ("1000", "1k", 1000, 1_000_000),
        ("1500m", "1500m", 2, 1500),
        ("0.5", "500m", 1, 500),
        ("100m", "100m", 1, 100),
        ("1.5Gi", "1536Mi", 1610612736, 1610612736000),
        ("1024Ki", "1Mi", 1048576, 1048576000),
        ("0.5Ki", "512", 512, 512000),
        ("0.1Ki", "102400m", 103, 102400),
        ("1e3", "1e3", 1000, 1_000_000),
        ("1000e0", "1e3", 1000, 1_000_000),
        ("12e-3", "12e-3", 1, 12),
        ("E", "0", 0, 0),
        ("1E", "1E", 10**18, 10**21),
        ("129M", "129M", 129_000_000, 129_000_000_000),
        ("3.1416", "3141600u", 4, 3142),
        ("1.000", "1", 1, 1000),
        ("0.0000000001", "1n", 1, 1),
        ("-0.0000000001", "-1n", -1, -1),
        ("-1.5", "-1500m", -2, -1500),
        ("+1", "+1", 1, 1000),
        ("-", "0", 0, 0),
        ("1.G", "1.G", 10**9, 10**12),
        ("00100", "00100", 100, 100000),  # kept verbatim, as upstream
    ],
)
def test_parse_and_format(text: str, out: str, value: int, milli: int) -> None:
    q = parse_quantity(text)
    assert str(q) == out
    assert q.value() == value
    assert q.milli_value() == milli


@pytest.mark.parametrize(
    ("text", "msg"),
    [
        ("", ERR_FORMAT_WRONG),
        ("abc", ERR_FORMAT_WRONG),
        ("1.5.5", ERR_FORMAT_WRONG),
        ("1 Ki", ERR_FORMAT_WRONG),
        ("1Ki3", ERR_SUFFIX),
        ("1e", ERR_SUFFIX),
        ("1k1", ERR_SUFFIX),
        ("1ki", ERR_SUFFIX),
    ],
)
def test_parse_errors(text: str, msg: str) -> None:
    with pytest.raises(QuantityError) as exc:
        parse_quantity(text)
    assert str(exc.value) == msg


def test_json_numbers() -> None:
    assert str(parse_quantity(2)) == "2"
    assert str(parse_quantity(1.5)) == "1500m"
    assert str(parse_quantity(1000)) == "1k"
    with pytest.raises(QuantityError):
        parse_quantity(True)
    with pytest.raises(QuantityError):
        parse_quantity(None)


def test_arithmetic_and_order() -> None:
    a, b = parse_quantity("1500m"), parse_quantity("1")
    assert str(a + b) == "2500m"
    assert str(a - b) == "500m"
    assert str(-a) == "-1500m"
    assert a > b
    assert parse_quantity("1Ki") == parse_quantity("1024")
    assert hash(parse_quantity("1Ki")) == hash(parse_quantity("1024"))
    assert str(parse_quantity("1Gi") + parse_quantity("512Mi")) == "1536Mi"
    assert Quantity.from_milli(250).milli_value() == 250
    assert str(Quantity.from_int(3)) == "3"
    assert parse_quantity("1Mi").mul(2) == parse_quantity("2Mi")
    assert parse_quantity("100m").scaled_value(-3) == 100
    with pytest.raises(AttributeError):
        a.nanos = 1  # type: ignore[misc]


_SUFFIXES = ["", "m", "k", "M", "G", "Ki", "Mi", "Gi", "n", "u", "e3", "E-2", "T", "Pi"]


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(min_value=0, max_value=999),
    st.sampled_from(_SUFFIXES),
)
def test_canonical_round_trip(whole: int, frac: int, suffix: str) -> None:
    text = f"{whole}.{frac:03d}{suffix}"
    q = parse_quantity(text)
    again = parse_quantity(str(q))
    assert again == q
    assert str(again) == str(q)
    assert parse_quantity(q.canonical()) == q


@given(st.text(alphabet="0123456789.+-eEinumkKMGTP x", max_size=12))
def test_fuzz_only_documented_errors(text: str) -> None:
    try:
        q = parse_quantity(text)
    except QuantityError:
        return
    assert parse_quantity(str(q)) == q


_Q = st.builds(
    lambda whole, frac, suffix: parse_quantity(f"{whole}.{frac:03d}{suffix}"),
    st.integers(-(10**9), 10**9),
    st.integers(0, 999),
    st.sampled_from(["", "m", "k", "Mi", "Gi", "u"]),
)


@given(_Q, _Q)
def test_arithmetic_laws(a: Quantity, b: Quantity) -> None:
    assert (a + b) - b == a
    assert a + b == b + a
    assert (a < b) == (a.nanos < b.nanos)
    assert (
        a.milli_value() * 1_000_000 >= a.nanos
        if a.nanos >= 0
        else a.milli_value() * 1_000_000 <= a.nanos
    )
    assert parse_quantity(str(a + b)) == a + b
