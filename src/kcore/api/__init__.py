"""Kubernetes object kinds, defaults, validation, selectors, quantities and metadata helpers.

The bottom layer of kcore: it imports nothing else from the package.
"""

from __future__ import annotations
