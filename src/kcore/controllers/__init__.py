"""kcore.controllers."""

from __future__ import annotations
