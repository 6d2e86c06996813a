"""Shared fixtures for the APIServer tests: a registry over the memory store on a VirtualClock."""

from __future__ import annotations

import random
from typing import Any

import pytest

from kcore.apiserver.registry import APIRegistry
from kcore.storage.memory import MemoryStore
from kcore.util.clock import VirtualClock


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def store() -> Any:
    s = MemoryStore()
    yield s
    s.close()


@pytest.fixture
def registry(store: Any, clock: VirtualClock) -> APIRegistry:
    return APIRegistry(store, clock, rng=random.Random(7))


def pod(
    name: str,
    *,
    labels: dict[str, str] | None = None,
    node: str | None = None,
    containers: list[dict[str, Any]] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    """A minimal valid Pod manifest."""
    md: dict[str, Any] = {"name": name}
    if labels:
        md["labels"] = labels
    s: dict[str, Any] = {"containers": containers or [{"name": "c", "image": "nginx"}], **spec}
    if node:
        s["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": s}


def deployment(name: str, replicas: int = 1, app: str = "web") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": app}},
            "template": {
                "metadata": {"labels": {"app": app}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }


@pytest.fixture
def make_pod() -> Any:
    return pod


@pytest.fixture
def make_deployment() -> Any:
    return deployment
