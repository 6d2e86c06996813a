"""Arithmetic shared by the references, with Go's semantics spelled out.

kube-scheduler computes in int64 with truncating division and converts floats with truncation
(``int64(x)``) or ``math.Round`` (half away from zero). NumPy's ``//`` floors and ``np.round``
rounds half to even, so the references use these helpers wherever the difference can show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

MAX_NODE_SCORE: Final = 100


def go_div(a: NDArray[np.int64], b: NDArray[np.int64] | int) -> NDArray[np.int64]:
    """Go's integer division ``a / b``: truncates toward zero (``b`` must be non-zero)."""
    q = np.abs(a) // np.abs(b)
    return np.where((a < 0) != (np.asarray(b) < 0), -q, q).astype(np.int64)


def go_round(x: NDArray[np.float64]) -> NDArray[np.int64]:
    """``int64(math.Round(x))``: nearest integer, halves away from zero.

    ``x - trunc(x)`` is exact for every double, so the comparison with 0.5 is exact too (unlike
    ``floor(x + 0.5)``, which rounds 0.49999999999999994 up).
    """
    t = np.trunc(x)
    frac = x - t
    return (t + np.where(np.abs(frac) >= 0.5, np.sign(x), 0.0)).astype(np.int64)


def default_normalize_score(
    raw: NDArray[np.int64], feasible: NDArray[np.bool_], *, reverse: bool
) -> NDArray[np.int64]:
    """``helper.DefaultNormalizeScore(MaxNodeScore, reverse, scores)`` over the feasible rows.

    With ``m`` the maximum raw score: ``100 * raw / m`` (truncating), or ``100 - 100 * raw / m``
    when ``reverse``; if ``m == 0`` every score stays 0 (``reverse``: becomes 100).
    """
    m = int(raw[feasible].max()) if feasible.any() else 0
    if m == 0:
        out = np.full(raw.shape, MAX_NODE_SCORE if reverse else 0, dtype=np.int64)
    else:
        out = go_div(MAX_NODE_SCORE * raw, m)
        if reverse:
            out = MAX_NODE_SCORE - out
    return np.where(feasible, out, 0).astype(np.int64)


__all__ = ["MAX_NODE_SCORE", "default_normalize_score", "go_div", "go_round"]
