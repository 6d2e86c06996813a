"""Only ``kcore.scheduler`` imports the native core (import-linter cannot see extension modules)."""

from __future__ import annotations

import ast
from pathlib import Path

import kcore

SRC = Path(kcore.__file__).parent


def _imports_native(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name.startswith("kcore._native") for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if mod.startswith("kcore._native") or (
                mod == "kcore" and any(a.name == "_native" for a in node.names)
            ):
                return True
    return False


def test_only_scheduler_imports_native() -> None:
    offenders = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if _imports_native(p) and p.relative_to(SRC).parts[0] != "scheduler"
    ]
    assert offenders == []
