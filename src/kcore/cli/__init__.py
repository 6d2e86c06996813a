"""The ``kcore`` command: wiring of components, no logic of its own."""

from __future__ import annotations
