"""``kcore bench --plot`` / ``--from-json`` and :mod:`kcore.sim.plot`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kcore.cli.bench import main
from kcore.sim.metrics import ThroughputSummary, throughput_samples
from kcore.sim.plot import figure, plot_results


def entry(name: str, mode: str, series: list[float], interval: float = 0.5) -> dict[str, Any]:
    return {
        "name": name,
        "mode": mode,
        "nodes": 100,
        "throughput_avg": float(np.mean(series)) if series else 0.0,
        "sample_interval_s": interval,
        "throughput_series": series,
    }


def test_a_panel_per_workload_a_line_per_mode() -> None:
    fig = figure(
        [
            entry("A/100Nodes", "core", [100_000.0, 120_000.0, 110_000.0], 0.001),
            entry("A/100Nodes", "http", [2_000.0, 2_500.0], 0.5),
            entry("B/100Nodes", "core", [50.0, 70.0, 60.0, 40.0]),
        ]
    )
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == [
        "A/100Nodes (100 nodes)",
        "B/100Nodes (100 nodes)",
    ]
    a, b = visible
    # One step line per mode, holding that mode's samples; the means differ 50x: log scale.
    assert [list(p.get_data().values) for p in a.patches] == [
        [100_000.0, 120_000.0, 110_000.0],
        [2_000.0, 2_500.0],
    ]
    assert list(a.patches[1].get_data().edges) == [0.0, 0.5, 1.0]
    assert a.get_yscale() == "log"
    assert b.get_yscale() == "linear"
    assert [t.get_text() for t in a.get_legend().get_texts()] == ["core: 110k/s", "http: 2.2k/s"]


def test_bad_entries_are_named() -> None:
    with pytest.raises(ValueError, match="no workload results"):
        figure([])
    bad = entry("A/1", "core", [1.0])
    del bad["throughput_series"]
    with pytest.raises(ValueError, match=r"workloads\[0\] lacks throughput_series"):
        figure([bad])
    with pytest.raises(ValueError, match=r"use a name ending in \.png"):
        plot_results([entry("A/1", "core", [1.0])], Path("out.jpg"))


def test_summary_keeps_the_series_its_percentiles_come_from() -> None:
    times = np.sort(np.random.default_rng(3).uniform(0.0, 2.0, 500))
    t = ThroughputSummary.from_times(times, 0.1, float(times[0]))
    assert list(t.series) == throughput_samples(times, 0.1)
    assert t.samples == len(t.series)
    assert t.average == pytest.approx(float(np.mean(t.series)))


def test_run_plot_and_replot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, png, svg = tmp_path / "out.json", tmp_path / "run.png", tmp_path / "again.svg"
    rc = main(["SchedulingBasic/500Nodes", "--no-progress", "--json", str(out), "--plot", str(png)])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert f"plot written to {png}" in captured.out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (w,) = json.loads(out.read_text())["workloads"]
    assert len(w["throughput_series"]) == w["samples"] > 0
    assert float(np.mean(w["throughput_series"])) == pytest.approx(w["throughput_avg"], rel=1e-3)

    rc = main(["--from-json", str(out), "--plot", str(svg)])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "SchedulingBasic/500Nodes" in captured.out
    text = svg.read_text()
    assert "<svg" in text
    assert "SchedulingBasic/500Nodes" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--plot", "out.jpg", "SchedulingBasic/500Nodes"], "use a name ending in .png"),
        (["--from-json", "{tmp}/none.json"], "cannot read"),
        (["--from-json", "{tmp}/bad.json"], "has no 'workloads' list"),
        (["SchedulingBasic/500Nodes", "--from-json", "{tmp}/bad.json"], "takes no NAME"),
    ],
)
def test_usage_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "bad.json").write_text("{}")
    rc = main([a.format(tmp=tmp_path) for a in argv])
    err = capsys.readouterr().err
    assert rc == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_runs_get_a_line_per_run_and_mode() -> None:
    fig = figure(
        [
            {**entry("A/1", "core", [10.0, 12.0]), "run": "before"},
            {**entry("A/1", "core", [20.0, 22.0]), "run": "after"},
        ]
    )
    (ax,) = [ax for ax in fig.axes if ax.get_visible()]
    assert [list(p.get_data().values) for p in ax.patches] == [[10.0, 12.0], [20.0, 22.0]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "before, core: 11/s",
        "after, core: 21/s",
    ]
    assert ax.patches[0].get_edgecolor() != ax.patches[1].get_edgecolor()


def test_from_json_compares_several_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b, png = tmp_path / "before.json", tmp_path / "after.json", tmp_path / "cmp.png"
    for path, batch in ((a, "256"), (b, "16")):
        argv = ["SchedulingBasic/500Nodes", "--no-progress", "--batch-size", batch]
        assert main([*argv, "--json", str(path)]) == 0
    capsys.readouterr()
    rc = main(["--from-json", str(a), str(b), "--plot", str(png)])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "SchedulingBasic/500Nodes (after, core)" in captured.out
    assert "SchedulingBasic/500Nodes (before, core)" in captured.out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
