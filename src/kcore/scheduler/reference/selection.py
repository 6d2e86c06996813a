"""Selection: weighted totals, the top set and the tie-break among it.

``total(node) = Σ_plugins weight * normalised score`` over the plugins whose PreScore did not
skip (``RunScorePlugins``). The top set is every feasible node at the maximum total. kcore picks
uniformly among it with its seeded generator: ``k = rng.below(|top|)`` and the ``k``-th top node
in row order (kube-scheduler's reservoir sampling is uniform too, from a process-global source).
A single feasible node is taken without scoring and without a draw.

:class:`TieBreaker` is the generator of ``src/native/include/kcore/rng.hpp`` written out in
Python: xoshiro256** seeded through splitmix64, with Lemire's unbiased bounded draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

    from kcore.scheduler.reference.results import ScoreOutcome

_MASK: Final = (1 << 64) - 1


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (64 - k))) & _MASK


class TieBreaker:
    """A seeded xoshiro256** generator (the scheduler's tie-breaking source).

    Contract: ``TieBreaker(seed)`` yields the same sequence as the native ``Rng(seed)``; it holds
    no global state.
    """

    def __init__(self, seed: int) -> None:
        x = seed & _MASK
        self._s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & _MASK
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
            self._s.append(z ^ (z >> 31))

    def next(self) -> int:
        """The next 64-bit output."""
        s = self._s
        result = (_rotl((s[1] * 5) & _MASK, 7) * 9) & _MASK
        t = (s[1] << 17) & _MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 45)
        return result

    def below(self, n: int) -> int:
        """Uniform in ``[0, n)`` for ``n > 0`` (Lemire's multiply-and-reject)."""
        m = self.next() * n
        low = m & _MASK
        if low < n:
            threshold = ((1 << 64) - n) % n
            while low < threshold:
                m = self.next() * n
                low = m & _MASK
        return m >> 64


def weighted_total(
    scores: Sequence[tuple[ScoreOutcome, int]], feasible: NDArray[np.bool_]
) -> NDArray[np.int64]:
    """Σ weight * normalised score per row (0 outside ``feasible``)."""
    total = np.zeros(feasible.shape, dtype=np.int64)
    for outcome, weight in scores:
        total += weight * outcome.normalized
    return np.where(feasible, total, 0).astype(np.int64)


def top_rows(totals: NDArray[np.int64], feasible: NDArray[np.bool_]) -> NDArray[np.int64]:
    """The feasible rows at the maximum total, ascending."""
    if not feasible.any():
        return np.zeros(0, dtype=np.int64)
    best = totals[feasible].max()
    return np.flatnonzero(feasible & (totals == best)).astype(np.int64)


def select_host(
    totals: NDArray[np.int64], feasible: NDArray[np.bool_], rng: TieBreaker
) -> int | None:
    """The chosen row: the only feasible one, else the ``rng.below(|top|)``-th top row."""
    rows = np.flatnonzero(feasible)
    if rows.size == 0:
        return None
    if rows.size == 1:
        return int(rows[0])
    top = top_rows(totals, feasible)
    return int(top[rng.below(int(top.size))])


__all__ = ["TieBreaker", "select_host", "top_rows", "weighted_total"]
