"""Small utilities shared by every layer above ``kcore.api``: the ``Clock`` above all."""

from __future__ import annotations
