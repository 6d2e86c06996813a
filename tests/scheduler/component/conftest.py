"""A cluster for component tests: the real ``APIRegistry`` over the memory store, reached with
``LocalClient``, on a ``VirtualClock`` (so backoffs and flushes take no real time)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from kcore.api.errors import AlreadyExists
from kcore.apiserver.registry import APIRegistry
from kcore.client.local import LocalClient
from kcore.scheduler.component.scheduler import KubeScheduler
from kcore.storage.memory import MemoryStore
from kcore.testing.wrappers import make_node, make_pod
from kcore.util.clock import VirtualClock

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Mapping


@dataclass
class Cluster:
    clock: VirtualClock
    registry: APIRegistry
    client: LocalClient
    store: MemoryStore
    extra: dict[str, Any] = field(default_factory=dict)

    async def node(self, name: str, cpu: str = "4", pods: str = "110", **labels: str) -> Any:
        n = make_node(name).capacity(cpu=cpu, memory="32Gi", pods=pods)
        for k, v in labels.items():
            n.label(k.replace("_", "/"), v)
        return await self.client.create("nodes", n.obj())

    async def pod(
        self,
        name: str,
        cpu: str = "100m",
        *,
        namespace: str = "default",
        priority: int | None = None,
        scheduler_name: str | None = None,
        **extra: Any,
    ) -> Any:
        p = make_pod(name, namespace).req(cpu=cpu).obj()
        p["metadata"].pop("uid")
        if priority is not None:
            p["spec"]["priorityClassName"] = await self.priority_class(priority)
        if scheduler_name is not None:
            p["spec"]["schedulerName"] = scheduler_name
        p["spec"].update(extra)
        return await self.client.create("pods", p)

    async def priority_class(self, value: int) -> str:
        name = f"prio-{value}"
        with contextlib.suppress(AlreadyExists):
            await self.client.create(
                "priorityclasses",
                {
                    "apiVersion": "scheduling.k8s.io/v1",
                    "kind": "PriorityClass",
                    "metadata": {"name": name},
                    "value": value,
                },
            )
        return name

    def get(self, name: str, namespace: str = "default") -> Mapping[str, Any]:
        return self.registry.get("pods", name, namespace=namespace)

    def exists(self, name: str, namespace: str = "default") -> bool:
        try:
            self.get(name, namespace)
        except Exception:
            return False
        return True

    def node_of(self, name: str, namespace: str = "default") -> str | None:
        node: str | None = self.get(name, namespace)["spec"].get("nodeName")
        return node

    def events(self, name: str, namespace: str = "default") -> list[Mapping[str, Any]]:
        items = self.registry.list("events.events.k8s.io", namespace=namespace)["items"]
        return [e for e in items if (e.get("regarding") or {}).get("name") == name]

    def condition(self, name: str, kind: str = "PodScheduled") -> Mapping[str, Any] | None:
        for c in self.get(name)["status"].get("conditions") or ():
            if c["type"] == kind:
                return c
        return None

    async def until(self, pred: Callable[[], bool], timeout: float = 60.0) -> None:
        await self.clock.run_until(pred, timeout=timeout)


def run_cluster(scenario: Callable[[Cluster], Awaitable[None]]) -> None:
    clock = VirtualClock()

    async def main() -> None:
        store = MemoryStore()
        registry = APIRegistry(store, clock, rng=random.Random(0))
        cluster = Cluster(clock, registry, LocalClient(registry), store)
        await scenario(cluster)

    clock.run(main())


@pytest.fixture
def run() -> Callable[[Callable[[Cluster], Awaitable[None]]], None]:
    return run_cluster


@contextlib.asynccontextmanager
async def running(
    cluster: Cluster, client: Any = None, **kwargs: Any
) -> AsyncIterator[KubeScheduler]:
    """A started scheduler (informers synced, scheduling running) stopped on exit."""
    s = KubeScheduler(client or cluster.client, cluster.clock, **kwargs)
    await s.start_informers()
    task = asyncio.ensure_future(s.run_scheduling())
    try:
        yield s
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await s.stop()
        assert s.failure is None, s.failure


@pytest.fixture(name="running")
def running_fixture() -> Callable[..., Any]:
    """``async with running(cluster, **kwargs) as scheduler``."""
    return running


class GatedClient:
    """Wraps a client; binding requests wait until :meth:`release` (or are failed)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.gate = asyncio.Event()
        self.gate.set()
        self.bindings: list[tuple[str, str]] = []  # (key, node) of requests sent
        self.results: list[tuple[str, str]] = []  # (key, "ok" | error reason)
        self.allow: int | None = None  # requests still let through before holding

    def hold(self, after: int = 0) -> None:
        """Hold binding requests (after letting ``after`` more through)."""
        self.allow = after
        if after == 0:
            self.gate.clear()

    def release(self) -> None:
        self.allow = None
        self.gate.set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def create(self, resource: str, obj: Mapping[str, Any], **kw: Any) -> Any:
        if kw.get("subresource") != "binding":
            return await self.inner.create(resource, obj, **kw)
        if self.allow is not None:
            if self.allow > 0:
                self.allow -= 1
            else:
                self.gate.clear()
        await self.gate.wait()
        key = f"{kw.get('namespace')}/{kw.get('name')}"
        self.bindings.append((key, obj["target"]["name"]))
        try:
            out = await self.inner.create(resource, obj, **kw)
        except Exception as err:
            self.results.append((key, type(err).__name__))
            raise
        self.results.append((key, "ok"))
        return out


@pytest.fixture(name="gated")
def gated_fixture() -> type[GatedClient]:
    return GatedClient
