"""``kcore bench``: run scheduler_perf-style scheduling benchmarks.

Examples::

    kcore bench                                  # the default set, with a summary table
    kcore bench --list                           # every embedded workload and its labels
    kcore bench SchedulingBasic/5000Nodes --json out.json --seed 1
    kcore bench 'SchedulingBasic/*' --mode core,local --plot basic.png
    kcore bench --from-json out.json --plot out.png   # the table and plot of a saved run
    kcore bench --from-json before.json after.json --plot diff.png   # two runs compared
    kcore bench --config k8s/test/integration/scheduler_perf/misc/performance-config.yaml \\
        --label-filter performance,short
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from kcore.scheduler.apis.config.field import ConfigError
from kcore.scheduler.apis.config.strict import parse_duration
from kcore.sim.backend import BACKENDS
from kcore.sim.bench import (
    DEFAULT_LABEL_FILTER,
    WorkloadResult,
    embedded_test_cases,
    results_document,
    run_workload,
)
from kcore.sim.executor import ExecutionError
from kcore.sim.metrics import DEFAULT_SAMPLE_INTERVAL
from kcore.sim.plot import PlotUnavailableError, check_plot_path, plot_results, require_matplotlib
from kcore.sim.report import BenchProgress, list_table, summary_table
from kcore.sim.workload import WorkloadError, load_test_cases, select


def _duration(text: str) -> float:
    try:
        v = parse_duration(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err
    if v <= 0:
        msg = f"must be > 0, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return v


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError as err:
        msg = f"expected an integer, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from err
    if v <= 0:
        msg = f"must be > 0, got {v}"
        raise argparse.ArgumentTypeError(msg)
    return v


def _modes(text: str) -> list[str]:
    modes = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in modes if m not in BACKENDS]
    if not modes or unknown:
        msg = (
            f"unknown mode {', '.join(unknown) or text!r}; available: {', '.join(sorted(BACKENDS))}"
        )
        raise argparse.ArgumentTypeError(msg)
    return list(dict.fromkeys(modes))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kcore bench",
        description=(
            "Run scheduler_perf-style scheduling benchmarks. Without NAME, runs the embedded "
            f"workloads labelled {DEFAULT_LABEL_FILTER!r} (about 20 s on 2 cores)."
        ),
    )
    p.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="workloads to run: Case/Workload (e.g. SchedulingBasic/5000Nodes), a whole Case, "
        "or a glob such as '*/500Nodes'",
    )
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    p.add_argument(
        "--mode",
        default=["core"],
        type=_modes,
        metavar="MODE[,MODE...]",
        help="what to measure: 'core' = the native scheduling core in-process (default); "
        "'local' = the whole scheduler component (informers, queue, binding) on the "
        "in-process API; 'http' = the component through an HTTP APIServer over SQLite. "
        "Several modes (e.g. core,local) run each workload in every mode, one after the "
        "other, so that they are compared under the same conditions",
    )
    p.add_argument("--json", type=Path, metavar="PATH", help="write the results as JSON")
    p.add_argument("--seed", type=int, default=0, help="seed for names and tie-breaking (0)")
    p.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="an upstream performance-config.yaml (templates resolved relative to it) instead "
        "of the embedded workloads",
    )
    p.add_argument(
        "--label-filter",
        default=None,
        help="comma-separated labels: 'x' or '+x' required, '-x' excluded (default: "
        f"{DEFAULT_LABEL_FILTER!r} for the embedded set, 'performance' with --config)",
    )
    p.add_argument(
        "--sample-interval",
        type=_duration,
        default=DEFAULT_SAMPLE_INTERVAL,
        metavar="DURATION",
        help="throughput sample interval (default: adaptive, the largest of 1s, 500ms, ... 1ms "
        "giving >= 20 samples; upstream uses 1s)",
    )
    p.add_argument("--batch-size", type=_positive, default=256, help="pods per schedule_batch")
    p.add_argument("--topic", default="", help="topic for per-topic thresholds in --config files")
    p.add_argument("--no-progress", action="store_true", help="no live progress display")
    p.add_argument(
        "--plot",
        type=Path,
        metavar="PATH",
        help="also draw throughput over time, a panel per workload and a line per mode "
        "(.png, .svg or .pdf; needs matplotlib: pip install 'kcore[plot]')",
    )
    p.add_argument(
        "--from-json",
        type=Path,
        nargs="+",
        metavar="PATH",
        help="run nothing: show the table (and with --plot, the plot) of runs saved with --json; "
        "several files are compared, a line per file and mode",
    )
    return p


def _load_results(path: Path) -> list[WorkloadResult]:
    """The results of a ``--json`` document (unknown keys ignored)."""
    try:
        doc = json.loads(path.read_text())
    except OSError as e:
        msg = f"cannot read {path}: {e.strerror or e}"
        raise ValueError(msg) from e
    except json.JSONDecodeError as e:
        msg = f"{path} is not JSON: {e}"
        raise ValueError(msg) from e
    entries = doc.get("workloads") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        msg = f"{path} has no 'workloads' list (not a kcore bench --json file)"
        raise ValueError(msg)
    known = {f.name for f in dataclasses.fields(WorkloadResult)}
    out: list[WorkloadResult] = []
    for i, w in enumerate(entries):
        if not isinstance(w, dict):
            msg = f"{path}: workloads[{i}] is not an object"
            raise ValueError(msg)
        try:
            out.append(WorkloadResult(**{k: v for k, v in w.items() if k in known}))
        except TypeError as e:
            msg = f"{path}: workloads[{i}] lacks a field ({e})"
            raise ValueError(msg) from e
    return out


def _show(console: Console, results: list[WorkloadResult], *, title: str = "kcore bench") -> None:
    shown = results
    if len({r.mode for r in results}) > 1:
        shown = [dataclasses.replace(r, name=f"{r.name} ({r.mode})") for r in results]
    console.print(summary_table(shown, title=title))


def _plot(console: Console, workloads: list[dict[str, Any]], path: Path) -> None:
    plot_results(workloads, path)
    console.print(f"plot written to {path}")


def _run_labels(paths: list[Path]) -> list[str]:
    """A label per file: its stem, or its path where stems repeat."""
    stems = [p.stem for p in paths]
    return [s if stems.count(s) == 1 else str(p) for s, p in zip(stems, paths, strict=True)]


def _replot(args: argparse.Namespace, console: Console, err: Console) -> int:
    if args.names or args.list or args.config is not None:
        err.print("kcore bench: --from-json shows saved runs; it takes no NAME, --list or --config")
        return 2
    paths: list[Path] = args.from_json
    try:
        runs = [_load_results(p) for p in paths]
        if len(paths) == 1:
            (results,) = runs
            if results:
                _show(console, results, title=f"kcore bench ({paths[0]})")
            workloads = [r.to_dict() for r in results]
        else:
            workloads = []
            shown: list[WorkloadResult] = []
            for label, results in zip(_run_labels(paths), runs, strict=True):
                for r in results:
                    workloads.append({**r.to_dict(), "run": label})
                    shown.append(dataclasses.replace(r, name=f"{r.name} ({label}, {r.mode})"))
            shown.sort(key=lambda r: r.name)
            if shown:
                console.print(
                    summary_table(shown, title="kcore bench (" + ", ".join(map(str, paths)) + ")")
                )
        if args.plot is not None:
            _plot(console, workloads, args.plot)
    except (ValueError, OSError, PlotUnavailableError) as e:
        err.print(f"kcore bench: {e}", highlight=False, markup=False)
        return 2
    return 0


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)  # files and pipes get the full table
    err = Console(stderr=True, soft_wrap=True)  # one-line messages, however long
    if args.plot is not None:
        # Before a run of minutes, not after it.
        try:
            check_plot_path(args.plot)
            require_matplotlib()
        except (ValueError, PlotUnavailableError) as e:
            err.print(f"kcore bench: {e}", highlight=False, markup=False)
            return 2
    if args.from_json is not None:
        return _replot(args, console, err)
    try:
        if args.config is not None:
            cases = load_test_cases(args.config)
            default_filter = "performance"
            title = str(args.config)
        else:
            cases = embedded_test_cases()
            default_filter = DEFAULT_LABEL_FILTER
            title = "embedded workloads"
    except (WorkloadError, FileNotFoundError) as e:
        err.print(f"[red]kcore bench:[/] {e}", markup=True, highlight=False)
        return 2
    label_filter = args.label_filter
    if label_filter is None:
        label_filter = "" if (args.names or args.list) else default_filter
    selected = select(cases, names=args.names, label_filter=label_filter)
    if args.list:
        console.print(list_table(selected, title=title))
        return 0
    if not selected:
        what = ", ".join(args.names) or f"label filter {label_filter!r}"
        err.print(f"kcore bench: no workload matches {what}; see 'kcore bench --list'")
        return 2

    results: list[WorkloadResult] = []
    failures: list[str] = []
    options = {"batch_size": args.batch_size}
    modes: list[str] = args.mode
    runs = [(case, wl, mode) for case, wl in selected for mode in modes]
    with BenchProgress(console, len(runs)) as progress:
        if args.no_progress:
            progress.progress.stop()
        for case, wl, mode in runs:
            name = case.full_name(wl)
            if len(modes) > 1:
                name = f"{name} ({mode})"
            if case.unsupported:
                failures.append(f"{name}: skipped: {case.unsupported}")
                progress.fail(name, "unsupported")
                continue
            try:
                results.extend(
                    run_workload(
                        case,
                        wl,
                        mode=mode,
                        seed=args.seed,
                        sample_interval=args.sample_interval,
                        options=options,
                        progress=None if args.no_progress else progress.hook,
                        topic=args.topic,
                    )
                )
            except (WorkloadError, ExecutionError, ConfigError, ImportError) as e:
                failures.append(f"{name}: {e}")
                progress.fail(name, str(e))
    if results:
        _show(console, results)
    for f in failures:
        err.print(f"[yellow]{f}[/]", markup=True, highlight=False)
    if args.json is not None:
        args.json.write_text(json.dumps(results_document(results), indent=2) + "\n")
        console.print(f"results written to {args.json}")
    if args.plot is not None and results:
        try:
            _plot(console, [r.to_dict() for r in results], args.plot)
        except (ValueError, OSError) as e:
            err.print(f"kcore bench: {e}", highlight=False, markup=False)
            return 2
    failed_thresholds = [r.name for r in results if r.threshold_passed is False]
    for name in failed_thresholds:
        err.print(f"[red]{name}: throughput below its threshold[/]", markup=True)
    hard_failures = [f for f in failures if ": skipped: " not in f]
    return 1 if hard_failures or failed_thresholds else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
