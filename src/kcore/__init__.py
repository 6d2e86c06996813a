"""kcore: a Kubernetes-style control plane with a vectorised C++ scheduling core.

The embedding API (``kcore.Scheduler``) is imported lazily so that ``import kcore.api`` never
loads the native extension (only ``kcore.scheduler`` imports ``kcore._native``).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

__all__ = ["Scheduler", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Scheduler":
        return importlib.import_module("kcore.scheduler").Scheduler
    msg = f"module 'kcore' has no attribute {name!r}"
    raise AttributeError(msg)
