"""What a reference kernel returns: per-row filter verdicts and per-row scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

    from kcore.scheduler.framework import Code


@dataclass(frozen=True, slots=True)
class FilterOutcome:
    """The verdict of one filter plugin on every row.

    ``codes[i]`` is a :class:`~kcore.scheduler.framework.Code` value (0 = the node passes);
    ``reason_ids[i]`` indexes ``reasons`` (the status reasons, verbatim) where ``codes[i] != 0``
    and is -1 elsewhere. Rows that hold no node pass (code 0), as in the native debug output.
    """

    plugin: str
    codes: NDArray[np.uint8]
    reason_ids: NDArray[np.int16]
    reasons: tuple[tuple[str, ...], ...]

    @classmethod
    def passing(cls, plugin: str, size: int) -> FilterOutcome:
        """Every row passes (the plugin's PreFilter skipped or nothing can fail)."""
        return cls(plugin, np.zeros(size, np.uint8), np.full(size, -1, np.int16), ())

    @classmethod
    def from_masks(
        cls,
        plugin: str,
        size: int,
        checks: Sequence[tuple[NDArray[np.bool_], Code, tuple[str, ...]]],
    ) -> FilterOutcome:
        """Build from ``(failing rows, code, reasons)`` checks in order: the first check that
        fails a row decides its code and reasons (later checks never override it)."""
        codes = np.zeros(size, np.uint8)
        reason_ids = np.full(size, -1, np.int16)
        reasons: list[tuple[str, ...]] = []
        for failing, code, why in checks:
            new = failing & (codes == 0)
            if not new.any():
                continue
            if why not in reasons:
                reasons.append(why)
            codes[new] = int(code)
            reason_ids[new] = reasons.index(why)
        return cls(plugin, codes, reason_ids, tuple(reasons))

    @property
    def passed(self) -> NDArray[np.bool_]:
        passed: NDArray[np.bool_] = np.equal(self.codes, 0)
        return passed

    def reasons_of(self, row: int) -> tuple[str, ...]:
        """The reasons reported for ``row`` (empty when it passes)."""
        rid = int(self.reason_ids[row])
        return self.reasons[rid] if rid >= 0 else ()


@dataclass(frozen=True, slots=True)
class ScoreOutcome:
    """The scores of one score plugin over the feasible rows.

    ``raw`` is what the plugin's Score returns, ``normalized`` the value after its
    NormalizeScore (equal to ``raw`` for plugins without one), in 0..100. Rows outside the
    feasible set hold 0 in both.
    """

    plugin: str
    raw: NDArray[np.int64]
    normalized: NDArray[np.int64]


__all__ = ["FilterOutcome", "ScoreOutcome"]
