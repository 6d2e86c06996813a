"""Scheduler configuration APIs (``kubescheduler.config.k8s.io``)."""

from __future__ import annotations
