"""Schemas of every served kind, grouped by API group (importing this package registers them)."""

from __future__ import annotations

import kcore.api.types.apps
import kcore.api.types.batch
import kcore.api.types.core
import kcore.api.types.meta
import kcore.api.types.others  # noqa: F401
