"""Schemas of every served kind, grouped by API group (importing this package registers them)."""

from __future__ import annotations

from kcore.api.types import apps, batch, core, meta, others

__all__ = ["apps", "batch", "core", "meta", "others"]
