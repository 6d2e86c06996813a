"""``--mode local``: the whole scheduler component over an in-process API.

The bench executor's ops become API calls, and the scheduler under test is the real
:class:`~kcore.scheduler.component.scheduler.KubeScheduler`: informers, native cache and
queue, batched cycles, the binding pool, events and conditions. ``local`` runs it on
``LocalClient`` over an :class:`~kcore.apiserver.registry.APIRegistry` with the memory store;
``http`` (:mod:`kcore.sim.http`) runs it through an HTTP APIServer.

What the harness sees is what upstream's scheduler_perf harness sees: a pod counts as
scheduled when the API shows it bound (``spec.nodeName`` set, observed by the pod informer),
at the time it was observed, and as attempted when a scheduling attempt ended without a
placement. Pods are created through the API before the scheduler sees them (over
``LocalClient`` a creation loop does not yield, so a whole ``createPods`` op is in the store
before the first informer event). Attempt latencies are the core's cycle latencies.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from kcore.api.errors import AlreadyExists, NotFound, StatusError
from kcore.api.resources import resource_for
from kcore.client.informer import ResourceEventHandler
from kcore.sim.backend import ExecutionError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from numpy.typing import NDArray

    from kcore.client.interface import Client
    from kcore.scheduler.apis.config.types import ResolvedProfile
    from kcore.scheduler.component.scheduler import KubeScheduler
    from kcore.sim.backend import ClusterState, PodGroup
    from kcore.util.clock import Clock

__all__ = ["ComponentBackend", "LocalBackend", "SeededRandom"]

log = logging.getLogger(__name__)

#: Admission plugins the local API runs without, as upstream's integration test server that
#: scheduler_perf uses (test/integration/util: ``DisablePlugins = ["ServiceAccount",
#: "TaintNodesByCondition", "Priority", "StorageObjectInUseProtection"]``, of which kcore has
#: the first and the third). Workload templates set ``spec.priority`` directly, which the
#: Priority plugin refuses.
DISABLED_ADMISSION_PLUGINS: Final = frozenset({"ServiceAccount", "Priority"})
#: scheduler_perf's client settings (test/integration/scheduler_perf/util.go): QPS and burst.
BENCH_QPS: Final = 5000.0
BENCH_BURST: Final = 5000
_FLUSH_PERIOD: Final = 0.005


class SeededRandom:
    """``random.Random``'s ``randrange``/``getrandbits``/``random`` over a seeded NumPy
    generator (what the registry needs for uids and generated names).

    Every value is what drawing 32-bit integers one at a time (``integers(1 << 32)``) gives;
    whole 64-bit words are taken from the bit generator directly when that is provably the
    same (no half word is buffered), which makes a 128-bit uid ten times cheaper.
    """

    __slots__ = ("_gen", "_raw", "_word_aligned")

    def __init__(self, seed: int) -> None:
        self._gen = np.random.default_rng(seed)
        self._raw = self._gen.bit_generator.random_raw
        # _word_aligned: True when the bit generator buffers no half word (its next 32-bit draw
        # is the low half of a fresh 64-bit word); None when unknown (after randrange).
        self._word_aligned: bool | None = True

    def randrange(self, stop: int, /) -> int:
        self._word_aligned = None
        return int(self._gen.integers(stop))

    def getrandbits(self, k: int, /) -> int:
        aligned = self._word_aligned
        if aligned is None:
            aligned = not self._gen.bit_generator.state["has_uint32"]
        if aligned and k % 64 == 0:
            # 32-bit draws take the low, then the high half of each 64-bit word.
            out = 0
            for _ in range(k // 64):
                w = self._raw()
                out = (out << 64) | ((w & 0xFFFFFFFF) << 32) | (w >> 32)
            self._word_aligned = True
            return out
        out = 0
        n = 0
        for _ in range(0, k, 32):
            out = (out << 32) | int(self._gen.integers(1 << 32))
            n += 1
        self._word_aligned = aligned == (n % 2 == 0)
        return out & ((1 << k) - 1)

    def random(self) -> float:
        # A whole 64-bit word: the half-word buffer is untouched.
        return float(self._gen.random())


class ComponentBackend:
    """A :class:`~kcore.sim.backend.Backend` driving the scheduler component through a
    :class:`~kcore.client.interface.Client`; subclasses provide the API (:meth:`_connect`).

    ``options``: ``batch_size`` (pods per ``schedule_batch``), ``parallelism`` (concurrent
    binds), ``events`` (record Events, default on), ``qps``/``burst`` (the scheduler's
    client and event limits, default scheduler_perf's 5000/5000), ``threaded`` (cycles in a
    worker thread, default on), ``concurrency`` (the harness's requests in flight),
    ``gc_freeze`` (after each op that creates objects, move every object alive to CPython's
    permanent GC generation with ``gc.freeze()``, so that the cyclic collector's full
    collections do not rescan the cluster the harness has built; the default of the mode,
    see :attr:`GC_FREEZE`; undone by :meth:`close`).
    """

    mode = "component"
    #: The default of the ``gc_freeze`` option.
    GC_FREEZE = False

    def __init__(
        self,
        *,
        profile: ResolvedProfile | None,
        clock: Clock,
        seed: int,
        state: ClusterState,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        opts = dict(options or {})
        self.profile = profile
        self.clock = clock
        self.seed = seed
        self.state = state
        self.batch_size = int(opts.get("batch_size", 256))
        self.parallelism = opts.get("parallelism")
        self.events = bool(opts.get("events", True))
        self.qps = float(opts.get("qps", BENCH_QPS))
        self.burst = int(opts.get("burst", BENCH_BURST))
        self.threaded = bool(opts.get("threaded", True))
        self.concurrency = int(opts.get("concurrency", 16))
        self.gc_freeze = bool(opts.get("gc_freeze", self.GC_FREEZE))
        self._frozen = False
        self.client: Client | None = None  # the harness's client
        self.scheduler: KubeScheduler | None = None
        self._task: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        # Placements observed by the pod informer, not yet handed to the state.
        self._placed_keys: list[str] = []
        self._placed_nodes: list[str] = []
        self._placed_times: list[float] = []
        # Pods created whose addition the scheduler's informer has not delivered yet.
        self._unseen: set[str] = set()
        self._pending_ops = 0

    # ---------------------------------------------------------------------- lifecycle

    async def _connect(self) -> tuple[Client, Client]:
        """(the scheduler's client, the harness's client)."""
        raise NotImplementedError

    async def _disconnect(self) -> None:
        """Release what :meth:`_connect` created."""

    async def start(self) -> None:
        from kcore.scheduler.component.scheduler import KubeScheduler

        sched_client, self.client = await self._connect()
        profiles = None
        if self.profile is not None:
            profiles = {self.profile.scheduler_name: self.profile}
        s = KubeScheduler(
            sched_client,
            self.clock,
            profiles=profiles,
            seed=self.seed,
            batch_size=self.batch_size,
            parallelism=int(self.parallelism) if self.parallelism else None,
            threaded=self.threaded,
            identity=f"bench-{self.mode}",
            events=self.events,
            event_qps=self.qps,
            event_burst=self.burst,
            rng=SeededRandom(self.seed),
        )
        self.scheduler = s
        s.attempt_observer = self._attempts
        s.pod_informer.add_event_handler(
            ResourceEventHandler(on_add=self._pod_added, on_update=self._pod_updated)
        )
        await s.start_informers()
        self._task = asyncio.ensure_future(s.run_scheduling())
        self._flusher = asyncio.ensure_future(self._flush_loop())

    async def close(self) -> None:
        for t in (self._task, self._flusher):
            if t is not None:
                t.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t
        self._task = self._flusher = None
        if self.scheduler is not None:
            await self.scheduler.stop()
        await self._disconnect()
        if self._frozen:
            self._frozen = False
            gc.unfreeze()

    def _freeze(self) -> None:
        """``gc_freeze``: what exists now is long-lived; keep full collections off it."""
        if self.gc_freeze:
            gc.freeze()
            self._frozen = True

    def info(self) -> dict[str, Any]:
        s = self.scheduler
        out: dict[str, Any] = {
            "batch_size": self.batch_size,
            "events": self.events,
            "threaded": self.threaded,
            "gc_freeze": self.gc_freeze,
        }
        if s is not None:
            out.update(s.stats())
            out["parallelism"] = s.parallelism
        return out

    # ---------------------------------------------------------------------- observation

    def _pod_added(self, pod: Mapping[str, Any]) -> None:
        md = pod["metadata"]
        key = f"{md['namespace']}/{md['name']}"
        self._unseen.discard(key)
        node = pod["spec"].get("nodeName")
        if node:
            self._placed(key, node)

    def _pod_updated(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        node = new["spec"].get("nodeName")
        if node and not old["spec"].get("nodeName"):
            md = new["metadata"]
            self._placed(f"{md['namespace']}/{md['name']}", node)

    def _placed(self, key: str, node: str) -> None:
        self._placed_keys.append(key)
        self._placed_nodes.append(node)
        self._placed_times.append(self.clock.monotonic())

    def _attempts(self, failed: Sequence[str], latency: NDArray[np.int64], placed: int) -> None:
        if failed:
            self.state.attempted(failed)
        self.state.record_attempts(latency, placed)

    def _flush(self) -> None:
        if self._placed_keys:
            keys, nodes, times = self._placed_keys, self._placed_nodes, self._placed_times
            self._placed_keys, self._placed_nodes, self._placed_times = [], [], []
            self.state.scheduled(keys, nodes, np.asarray(times, dtype=np.float64))
        self.state.notify()

    async def _flush_loop(self) -> None:
        while True:
            await self.clock.sleep(_FLUSH_PERIOD)
            self._flush()

    # ---------------------------------------------------------------------- status

    def check(self) -> None:
        s = self.scheduler
        t = self._task
        if s is not None and s.failure is not None:
            msg = f"the scheduler failed: {type(s.failure).__name__}: {s.failure}"
            raise ExecutionError(msg) from s.failure
        if t is not None and t.done() and not t.cancelled() and t.exception() is not None:
            exc = t.exception()
            msg = f"the scheduler stopped: {type(exc).__name__}: {exc}"
            raise ExecutionError(msg) from exc

    def idle(self) -> bool:
        s = self.scheduler
        if s is None or self._unseen or self._pending_ops or self._placed_keys:
            return False
        return s.idle()

    def describe_pending(self, key: str) -> str:
        s = self.scheduler
        msg = s.last_message(key) if s is not None else ""
        if msg:
            return msg
        return "not attempted yet" if key in self.state.pods else "unknown pod"

    # ---------------------------------------------------------------------- API calls

    def _api(self) -> Client:
        if self.client is None:
            raise ExecutionError("the backend is not started")
        return self.client

    async def _many(self, calls: Iterable[Any]) -> None:
        """Run API calls with at most ``concurrency`` in flight (errors propagate)."""
        self._pending_ops += 1
        try:
            pending: set[asyncio.Future[Any]] = set()
            for c in calls:
                pending.add(asyncio.ensure_future(c))
                if len(pending) >= self.concurrency:
                    done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    for d in done:
                        d.result()
            if pending:
                done, _ = await asyncio.wait(pending)
                for d in done:
                    d.result()
        finally:
            self._pending_ops -= 1

    async def create_namespace(self, namespace: Mapping[str, Any]) -> None:
        with contextlib.suppress(AlreadyExists):
            await self._api().create("namespaces", namespace)

    async def create_nodes(self, nodes: Sequence[Mapping[str, Any]]) -> None:
        api = self._api()
        await self._many([api.create("nodes", n) for n in nodes])
        self._freeze()

    async def update_node(self, node: Mapping[str, Any]) -> None:
        api = self._api()
        name = node["metadata"]["name"]
        cur = await api.get("nodes", name)
        md = dict(cur["metadata"])
        md["labels"] = dict((node.get("metadata") or {}).get("labels") or {})
        updated = await api.update("nodes", {**cur, "metadata": md, "spec": node.get("spec") or {}})
        status = node.get("status") or {}
        if status and status != updated.get("status"):
            await api.update(
                "nodes",
                {**updated, "status": {**(updated.get("status") or {}), **status}},
                subresource="status",
            )

    async def delete_node(self, name: str) -> None:
        with contextlib.suppress(NotFound):
            await self._api().delete("nodes", name)

    async def create_pods(self, group: PodGroup) -> None:
        self.state.add_group(group)
        api = self._api()
        ns = group.namespace
        for name in group.names:
            self._unseen.add(f"{ns}/{name}")
        await self._many(
            api.create("pods", group.pod(i), namespace=ns) for i in range(len(group.names))
        )
        self._freeze()

    async def delete_pods(self, keys: Sequence[str]) -> None:
        api = self._api()

        async def one(key: str) -> None:
            ns, _, name = key.partition("/")
            self._unseen.discard(key)
            with contextlib.suppress(NotFound):
                await api.delete("pods", name, namespace=ns, grace_period_seconds=0)

        await self._many([one(k) for k in keys])
        self.state.deleted(keys)

    def _resource(self, obj: Mapping[str, Any]) -> str:
        kind = str(obj.get("kind") or "")
        api_version = str(obj.get("apiVersion") or "v1")
        group = api_version.split("/", 1)[0] if "/" in api_version else ""
        try:
            return resource_for(f"{kind}.{group}" if group else kind).qualified
        except KeyError as err:
            raise ExecutionError(f"kind {kind!r} ({api_version}) is not served") from err

    async def create_object(self, obj: Mapping[str, Any]) -> None:
        try:
            await self._api().create(self._resource(obj), obj)
        except StatusError as err:
            raise ExecutionError(f"creating {obj.get('kind')}: {err}") from err

    async def delete_object(self, obj: Mapping[str, Any]) -> None:
        md = obj.get("metadata") or {}
        with contextlib.suppress(NotFound):
            await self._api().delete(self._resource(obj), md["name"], namespace=md.get("namespace"))


class LocalBackend(ComponentBackend):
    """``--mode local``: ``LocalClient`` over an in-process registry with the memory store.

    ``gc_freeze`` is on by default: the API's store, the informers' caches and the native
    cache of the whole cluster live in this one process, and CPython's full collections
    over them otherwise cost about a third of the measured CPU time.
    """

    mode = "local"
    GC_FREEZE = True

    async def _connect(self) -> tuple[Client, Client]:
        from kcore.apiserver.registry import APIRegistry
        from kcore.client.local import LocalClient
        from kcore.storage.memory import MemoryStore

        self._store = MemoryStore()
        registry = APIRegistry(
            self._store,
            self.clock,
            rng=SeededRandom(self.seed),
            disable_admission_plugins=sorted(DISABLED_ADMISSION_PLUGINS),
        )
        return LocalClient(registry), LocalClient(registry)

    async def _many(self, calls: Iterable[Any]) -> None:
        """In order, one at a time: ``LocalClient`` calls never suspend, so a whole op reaches
        the store before the scheduler's informers deliver its first event (the harness's
        own cost stays out of the measured scheduling, as on upstream's separate cores)."""
        self._pending_ops += 1
        try:
            for c in calls:
                await c
        finally:
            self._pending_ops -= 1

    async def _disconnect(self) -> None:
        store = getattr(self, "_store", None)
        if store is not None:
            store.close()
