"""``resource.Quantity``: parsing, canonical formatting, comparison and arithmetic.

Follows ``k8s.io/apimachinery/pkg/api/resource`` exactly:

* grammar ``[+-]digits[.digits][suffix]`` where the suffix is binary SI (``Ki Mi Gi Ti Pi Ei``),
  decimal SI (``n u m "" k M G T P E``) or a decimal exponent (``e3``, ``E-2``); Kubernetes'
  quirks are kept (``"1.G"`` and a lone ``"-"`` parse, leading zeros are ignored);
* values are exact; anything finer than a nano-unit is rounded *away from zero* to the next
  nano-unit (a request for a tiny amount still gets some); binary-SI values are capped at
  2^63-1 as upstream does;
* the canonical string is what the apiserver writes back: the suffix family of the input is
  kept (binary values below 1024 or with a fraction fall back to decimal SI), the mantissa is
  an integer and the exponent the largest multiple of 3 (or of 10 bits) that keeps it one;
  ``"1.5Gi"`` -> ``"1536Mi"``, ``"0.5"`` -> ``"500m"``, ``"1000"`` -> ``"1k"``. An input that
  already is canonical is kept verbatim (including a leading ``+``, as upstream).

A :class:`Quantity` is immutable. Internally it holds the value as an integer count of
nano-units, so arithmetic and comparison are exact and cheap. :func:`parse_quantity` caches
parsed strings (the scheduler and quota code parse the same few strings over and over).
"""

from __future__ import annotations

import math
from functools import lru_cache, total_ordering
from typing import Any, Final

__all__ = [
    "BINARY_SI",
    "DECIMAL_EXPONENT",
    "DECIMAL_SI",
    "Quantity",
    "QuantityError",
    "parse_quantity",
]

DECIMAL_EXPONENT: Final = "DecimalExponent"
BINARY_SI: Final = "BinarySI"
DECIMAL_SI: Final = "DecimalSI"

_SPLIT_RE = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG: Final = f"quantities must match the regular expression '{_SPLIT_RE}'"
ERR_NUMERIC: Final = "unable to parse numeric part of quantity"
ERR_SUFFIX: Final = "unable to parse quantity's suffix"

_NANO = 10**9
_MAX_INT64 = 2**63 - 1
_MAX_EXPONENT = 4096  # decimal exponents beyond this are refused (upstream: any int32)

_DEC_SUFFIXES: dict[str, int] = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
_DEC_BY_EXP = {v: k for k, v in _DEC_SUFFIXES.items()}
_BIN_SUFFIXES: dict[str, int] = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_BIN_BY_EXP = {v: k for k, v in _BIN_SUFFIXES.items()}
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DIGITS = frozenset("0123456789")


class QuantityError(ValueError):
    """A string is not a valid quantity; the message is Kubernetes' own."""


def _interpret(suffix: str) -> tuple[int, int, str]:
    """(base, exponent, format) of a suffix, or QuantityError(ERR_SUFFIX)."""
    if suffix in _DEC_SUFFIXES:
        return 10, _DEC_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BIN_SUFFIXES:
        return 2, _BIN_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        rest = suffix[1:]
        body = rest[1:] if rest[0] in "+-" else rest
        if body and all(c in _DIGITS for c in body):
            exp = int(rest)
            if abs(exp) > _MAX_EXPONENT:
                raise QuantityError(ERR_NUMERIC)
            return 10, exp, DECIMAL_EXPONENT
    raise QuantityError(ERR_SUFFIX)


def _split(text: str) -> tuple[bool, str, str, str]:
    """Kubernetes' parseQuantityString: (positive, num, denom, suffix)."""
    positive = True
    pos = 0
    end = len(text)
    if pos < end and text[0] in "+-":
        positive = text[0] == "+"
        pos = 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    denom = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise QuantityError(ERR_FORMAT_WRONG)
    return positive, num, denom, text[suffix_start:]


def _ceil_div_away(n: int, d: int) -> int:
    """n / d rounded away from zero (d > 0)."""
    q, r = divmod(abs(n), d)
    if r:
        q += 1
    return q if n >= 0 else -q


@total_ordering
class Quantity:
    """An exact, immutable resource quantity.

    ``nanos`` is the value in units of 10^-9; ``format`` is one of ``DecimalSI``, ``BinarySI``
    and ``DecimalExponent`` and only affects :meth:`__str__`. Two quantities compare and hash
    equal when their values are equal, whatever their formats.
    """

    __slots__ = ("_s", "format", "nanos")

    nanos: int
    format: str
    _s: str | None

    def __init__(self, nanos: int = 0, format: str = DECIMAL_SI, *, _s: str | None = None) -> None:
        object.__setattr__(self, "nanos", nanos)
        object.__setattr__(self, "format", format)
        object.__setattr__(self, "_s", _s)

    def __setattr__(self, name: str, value: Any) -> None:
        msg = "Quantity is immutable"
        raise AttributeError(msg)

    # ---- constructors -----------------------------------------------------------------------

    @classmethod
    def from_int(cls, value: int, format: str = DECIMAL_SI) -> Quantity:
        """A whole number of units (``from_int(2)`` is ``2``; with BinarySI, bytes)."""
        return cls(value * _NANO, format)

    @classmethod
    def from_milli(cls, milli: int, format: str = DECIMAL_SI) -> Quantity:
        """``from_milli(250)`` is ``250m``."""
        return cls(milli * 1_000_000, format)

    @classmethod
    def parse(cls, value: Any) -> Quantity:
        """Parse a string (or a JSON number, as ``UnmarshalJSON`` accepts)."""
        return parse_quantity(value)

    # ---- values -----------------------------------------------------------------------------

    def value(self) -> int:
        """The value in whole units, rounded away from zero (``Quantity.Value``)."""
        return _ceil_div_away(self.nanos, _NANO)

    def milli_value(self) -> int:
        """The value in milli-units, rounded away from zero (``Quantity.MilliValue``)."""
        return _ceil_div_away(self.nanos, 1_000_000)

    def scaled_value(self, scale: int) -> int:
        """The value in units of 10^scale, rounded away from zero (``ScaledValue``)."""
        exp = scale + 9
        if exp >= 0:
            return _ceil_div_away(self.nanos, 10**exp)
        return self.nanos * int(10 ** (-exp))

    def as_float(self) -> float:
        """An approximate float (``AsApproximateFloat64``)."""
        return self.nanos / _NANO

    def is_zero(self) -> bool:
        return self.nanos == 0

    def sign(self) -> int:
        return (self.nanos > 0) - (self.nanos < 0)

    # ---- arithmetic (results are canonical; the left operand's format wins) -----------------

    def _fmt_with(self, other: Quantity) -> str:
        return self.format or other.format

    def __add__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        return Quantity(self.nanos + other.nanos, self._fmt_with(other))

    def __sub__(self, other: Quantity) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        return Quantity(self.nanos - other.nanos, self._fmt_with(other))

    def __neg__(self) -> Quantity:
        return Quantity(-self.nanos, self.format)

    def __abs__(self) -> Quantity:
        return Quantity(abs(self.nanos), self.format)

    def mul(self, factor: int) -> Quantity:
        """Multiply by an integer (``Quantity.Mul``)."""
        return Quantity(self.nanos * factor, self.format)

    def cmp(self, other: Quantity) -> int:
        """-1, 0 or 1 (``Quantity.Cmp``)."""
        return (self.nanos > other.nanos) - (self.nanos < other.nanos)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nanos == other.nanos

    def __lt__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nanos < other.nanos

    def __hash__(self) -> int:
        return hash(self.nanos)

    # ---- formatting -------------------------------------------------------------------------

    def __str__(self) -> str:
        if self._s is not None:
            return self._s
        return _canonical(self.nanos, self.format)

    def canonical(self) -> str:
        """The canonical string, ignoring a verbatim-kept input spelling."""
        return _canonical(self.nanos, self.format)

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r})"

    def to_json(self) -> str:
        """What the apiserver serialises (``MarshalJSON``)."""
        return str(self)


def _remove_factors(value: int, base: int) -> tuple[int, int]:
    times = 0
    while value and value % base == 0:
        value //= base
        times += 1
    return value, times


def _canonical(nanos: int, fmt: str) -> str:
    if nanos == 0:
        return "0"
    sign = "-" if nanos < 0 else ""
    mag = abs(nanos)
    if fmt == BINARY_SI:
        if mag < 1024 * _NANO or mag % _NANO:
            fmt = DECIMAL_SI
        else:
            amount, times = _remove_factors(mag // _NANO, 1024)
            while times > 6:  # beyond Ei: fold into the mantissa
                amount *= 1024
                times -= 1
            return f"{sign}{amount}{_BIN_BY_EXP.get(times * 10, '')}"
    mantissa, times = _remove_factors(mag, 10)
    exponent = times - 9
    extra = exponent % 3
    if extra:
        mantissa *= 10**extra
        exponent -= extra
    if fmt == DECIMAL_EXPONENT:
        return f"{sign}{mantissa}" + (f"e{exponent}" if exponent else "")
    if exponent > 18:
        mantissa *= 10 ** (exponent - 18)
        exponent = 18
    return f"{sign}{mantissa}{_DEC_BY_EXP[exponent]}"


def _parse(text: str) -> Quantity:
    if not text:
        raise QuantityError(ERR_FORMAT_WRONG)
    if text == "0":
        return Quantity(0, DECIMAL_SI, _s="0")
    positive, num, denom, suffix = _split(text)
    base, exponent, fmt = _interpret(suffix)
    digits = int(num + denom) if (num + denom) else 0
    if base == 10:
        scale = exponent - len(denom)  # value = digits * 10^scale
        e9 = scale + 9
        nanos = digits * 10**e9 if e9 >= 0 else _ceil_div_away(digits, 10 ** (-e9))
    else:
        # value = digits * 2^exponent / 10^len(denom)
        numer = digits << exponent
        d = 10 ** len(denom)
        nanos = _ceil_div_away(numer * _NANO, d)
        nanos = min(nanos, _MAX_INT64 * _NANO)
        if 0 < nanos < _NANO:  # |value| below one byte: shown in decimal
            fmt = DECIMAL_SI
    if not positive:
        nanos = -nanos
    # Kubernetes keeps the input spelling when it already is canonical (the fast int64 path).
    keep: str | None = None
    precision_ok = (
        (18 - len(num) - len(denom) >= 0)
        if base == 10
        else (not denom and 15 - len(num) - int(exponent * 3 / 10) - 1 >= 0)
    )
    if precision_ok and (base == 2 or exponent - len(denom) >= -9):
        shifted = num + denom
        fits = abs(digits << exponent if base == 2 else digits) <= _MAX_INT64
        if fits:
            if base == 2:
                if exponent % 10 == 0 and digits & 7:
                    keep = text
            elif (
                (exponent - len(denom)) % 3 == 0
                and not shifted.endswith("000")
                and (shifted[0] != "0")
            ):
                keep = text
    return Quantity(nanos, fmt, _s=keep)


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Quantity:
    return _parse(text)


def parse_quantity(value: Any) -> Quantity:
    """Parse a quantity string (or an int/float, as a JSON number would be read).

    Raises
    ------
    QuantityError
        With Kubernetes' message: ``quantities must match the regular expression ...``,
        ``unable to parse quantity's suffix`` or ``unable to parse numeric part of quantity``.
    """
    if isinstance(value, Quantity):
        return value
    if isinstance(value, bool):
        raise QuantityError(ERR_FORMAT_WRONG)
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise QuantityError(ERR_FORMAT_WRONG)
        value = repr(value)
    if not isinstance(value, str):
        raise QuantityError(ERR_FORMAT_WRONG)
    return _parse_cached(value)
