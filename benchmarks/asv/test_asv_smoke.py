"""Smoke run of the asv benchmarks (each benchmark once, small clusters, untimed), so that CI
notices when they break. Real measurements: ``cd benchmarks/asv && asv run``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "benchmarks"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"asv_{name}", HERE / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("module", ["bench_scheduler", "bench_config"])
def test_every_benchmark_runs_once(module: str) -> None:
    mod = load(module)
    ran = 0
    for cls in [
        v for v in vars(mod).values() if isinstance(v, type) and v.__module__ == mod.__name__
    ]:
        params = getattr(cls, "params", None)
        for p in [100] if params else [None]:  # a small cluster instead of the real sizes
            bench = cls()
            args = () if p is None else (p,)
            if hasattr(bench, "setup"):
                bench.setup(*args)
            for name in dir(bench):
                if name.startswith(("time_", "track_")):
                    out = getattr(bench, name)(*args)
                    if name.startswith("track_"):
                        assert out > 0
                    ran += 1
    assert ran >= 2
