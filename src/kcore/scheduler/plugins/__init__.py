"""Python research plugins shipped with kcore (one folder per plugin)."""

from __future__ import annotations
