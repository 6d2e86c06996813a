"""Plots of ``kcore bench`` results: throughput over time, one panel per workload.

:func:`plot_results` takes the workload entries of a ``--json`` document (or
:meth:`WorkloadResult.to_dict` values), so a figure can be drawn right after a run
(``kcore bench --plot out.png``) or later from a saved file
(``kcore bench --from-json out.json --plot out.png``).

Each panel shows one workload: its per-interval throughput samples as a step line per mode
(x: seconds since the first placement, y: pods/s), with the mean as a dashed line. Entries
that carry a ``run`` label (``kcore bench --from-json a.json b.json`` sets it to the file's
name) get a line per run and mode, so runs of different configurations or versions can be
compared panel by panel. When a
panel holds modes whose means differ by more than 10x (``core`` beside ``http``), its y
axis is logarithmic so every mode stays readable.

matplotlib is an optional dependency (``pip install 'kcore[plot]'``);
:func:`require_matplotlib` raises :class:`PlotUnavailableError` with that advice.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from matplotlib.figure import Figure

__all__ = [
    "FORMATS",
    "PlotUnavailableError",
    "check_plot_path",
    "figure",
    "plot_results",
    "require_matplotlib",
]

#: File suffixes a figure can be written as.
FORMATS = (".png", ".svg", ".pdf")

_COLUMNS = 3
_MODE_COLOURS = {"core": "tab:blue", "local": "tab:orange", "http": "tab:green"}
_CYCLE = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink")


class PlotUnavailableError(RuntimeError):
    """matplotlib is not installed."""


def require_matplotlib() -> None:
    """Raise :class:`PlotUnavailableError` unless matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as e:
        msg = "plotting needs matplotlib: pip install 'kcore[plot]'"
        raise PlotUnavailableError(msg) from e


def check_plot_path(path: Path) -> None:
    """Raise ValueError unless ``path`` ends in one of :data:`FORMATS`."""
    if path.suffix.lower() not in FORMATS:
        msg = f"cannot write a plot as {path.name!r}: use a name ending in {', '.join(FORMATS)}"
        raise ValueError(msg)


def _fmt_rate(v: float) -> str:
    if v >= 10_000:
        return f"{v / 1000:.0f}k"
    if v >= 1000:
        return f"{v / 1000:.1f}k"
    return f"{v:.0f}"


def figure(workloads: Sequence[Mapping[str, Any]], *, title: str = "kcore bench") -> Figure:
    """The figure for ``workloads`` (entries of a ``--json`` document), not yet saved.

    Raises
    ------
    ValueError
        ``workloads`` is empty, or an entry lacks ``name``, ``mode``, ``throughput_avg``,
        ``sample_interval_s`` or ``throughput_series``.
    PlotUnavailableError
        matplotlib is not installed.
    """
    require_matplotlib()
    from matplotlib.figure import Figure

    if not workloads:
        msg = "no workload results to plot"
        raise ValueError(msg)
    panels: dict[str, list[Mapping[str, Any]]] = {}
    for i, w in enumerate(workloads):
        missing = [
            k
            for k in ("name", "mode", "throughput_avg", "sample_interval_s", "throughput_series")
            if k not in w
        ]
        if missing:
            msg = f"workloads[{i}] lacks {', '.join(missing)} (a kcore bench --json entry?)"
            raise ValueError(msg)
        panels.setdefault(str(w["name"]), []).append(w)

    runs = any("run" in w for w in workloads)
    cols = min(_COLUMNS, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig = Figure(figsize=(4.6 * cols, 3.2 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, (name, entries) in zip(axes.flat, panels.items(), strict=False):
        means = [float(w["throughput_avg"]) for w in entries if w["throughput_avg"] > 0]
        for j, w in enumerate(entries):
            mode = str(w["mode"])
            series = [float(x) for x in w["throughput_series"]]
            step = float(w["sample_interval_s"])
            if runs:
                colour = _CYCLE[j % len(_CYCLE)]
                what = f"{w.get('run', '?')}, {mode}"
            else:
                colour = _MODE_COLOURS.get(mode, _CYCLE[j % len(_CYCLE)])
                what = mode
            label = f"{what}: {_fmt_rate(float(w['throughput_avg']))}/s"
            if series:
                xs = [i * step for i in range(len(series) + 1)]
                ax.stairs(series, xs, baseline=None, color=colour, label=label, linewidth=1.4)
            else:
                ax.plot([], [], color=colour, label=f"{label} (no samples)")
            if w["throughput_avg"] > 0:
                ax.axhline(float(w["throughput_avg"]), color=colour, linestyle="--", linewidth=0.8)
        if len(means) > 1 and max(means) > 10 * min(means):
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
        nodes = entries[0].get("nodes")
        ax.set_title(name if nodes is None else f"{name} ({nodes:,} nodes)", fontsize=10)
        ax.set_xlabel("seconds since the first placement", fontsize=8)
        ax.set_ylabel("pods/s", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle(title)
    return fig


def plot_results(
    workloads: Sequence[Mapping[str, Any]], path: Path, *, title: str = "kcore bench"
) -> None:
    """Write the figure of ``workloads`` to ``path`` (``.png``, ``.svg`` or ``.pdf``).

    Raises
    ------
    ValueError
        Unknown suffix, or what :func:`figure` raises.
    PlotUnavailableError
        matplotlib is not installed.
    """
    check_plot_path(path)
    fig = figure(workloads, title=title)
    fig.savefig(path, dpi=110)
