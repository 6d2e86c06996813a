"""kcore.kubelet."""

from __future__ import annotations
