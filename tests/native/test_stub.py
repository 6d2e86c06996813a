"""The checked-in stub ``kcore/_native.pyi`` matches the compiled module.

``mypy.stubtest`` compares every name, signature and class of the stub with the runtime module
(allowlist: ``stubtest_allowlist.txt``), and the stub equals what ``src/native/generate_stub.py``
produces now, so a binding change without a regenerated stub fails here. Not covered: whether the
types the bindings declare are the most precise possible (``Any`` for Kubernetes-shaped dicts).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWLIST = Path(__file__).with_name("stubtest_allowlist.txt")
STUB = ROOT / "src" / "kcore" / "_native.pyi"


def test_stubtest_finds_no_drift() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "kcore._native", "--allowlist", str(ALLOWLIST)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_stub_is_regenerated() -> None:
    pytest.importorskip("pybind11_stubgen")
    sys.path.insert(0, str(ROOT / "src" / "native"))
    try:
        import generate_stub
    finally:
        sys.path.remove(str(ROOT / "src" / "native"))
    assert generate_stub.generate() == STUB.read_text(encoding="utf-8"), (
        "src/kcore/_native.pyi is stale: rebuild, then run python src/native/generate_stub.py"
    )


def test_stub_and_marker_ship_with_the_package() -> None:
    assert (ROOT / "src" / "kcore" / "py.typed").is_file()
    text = STUB.read_text(encoding="utf-8")
    for name in ("NativeScheduler", "SchedulingQueue", "UnknownSchedulerError", "RowNames"):
        assert f"class {name}" in text
