"""kcore.apiserver."""

from __future__ import annotations
