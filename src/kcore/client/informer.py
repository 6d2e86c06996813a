"""client-go's shared informers: one list/watch per resource, a shared indexed cache, and any
number of event handlers.

Pipeline: :class:`~kcore.client.reflector.Reflector` -> :class:`~kcore.client.delta_fifo.DeltaFIFO`
-> this module's ``_handle_deltas`` -> :class:`~kcore.client.store.Indexer` (the cache) ->
handlers. Handlers are plain functions called on the event loop, inline, in registration order;
like client-go's, they must be quick (typically: enqueue a key on a workqueue).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kcore.api.resources import resource_for
from kcore.client.delta_fifo import DeltaFIFO, Deltas, DeltaType
from kcore.client.listers import Lister
from kcore.client.listwatch import ListWatch
from kcore.client.reflector import Reflector
from kcore.client.store import (
    NAMESPACE_INDEX,
    Indexer,
    Indexers,
    deletion_handling_meta_namespace_key,
    meta_namespace_index_func,
)

if TYPE_CHECKING:
    from kcore.client.interface import Client
    from kcore.client.listwatch import ListerWatcher
    from kcore.util.clock import Clock
    from kcore.util.wait import Rand

log = logging.getLogger(__name__)

MINIMUM_RESYNC_PERIOD = 1.0
"""Shortest per-handler resync period; shorter requests are raised to it (client-go)."""


class EventHandler(Protocol):
    """Anything with optional ``on_add(obj)``, ``on_update(old, new)``, ``on_delete(obj)``."""

    on_add: Callable[[Any], None] | None
    on_update: Callable[[Any, Any], None] | None
    on_delete: Callable[[Any], None] | None


@dataclass(slots=True)
class ResourceEventHandler:
    """Callbacks for one consumer of an informer (client-go ``ResourceEventHandlerFuncs``).

    ``on_add(obj)``: an object appeared (initial list, watch, or replayed to a handler added
    after start). ``on_update(old, new)``: it changed, or a resync re-delivered it (then
    ``old is new`` or both carry the same resourceVersion). ``on_delete(obj)``: it was
    deleted; ``obj`` is its last known state or a :class:`DeletedFinalStateUnknown` when the
    deletion was only noticed by a relist. Objects are shared and immutable. A callback that
    raises is logged and does not affect other handlers.
    """

    on_add: Callable[[Any], None] | None = None
    on_update: Callable[[Any, Any], None] | None = None
    on_delete: Callable[[Any], None] | None = None


class FilteringResourceEventHandler:
    """Pass to ``handler`` only objects accepted by ``filter_func`` (client-go semantics: an
    update that makes an object pass is an add, one that makes it fail is a delete)."""

    __slots__ = ("filter_func", "handler", "on_add", "on_delete", "on_update")

    def __init__(self, filter_func: Callable[[Any], bool], handler: EventHandler) -> None:
        self.filter_func = filter_func
        self.handler = handler
        self.on_add: Callable[[Any], None] | None = self._on_add
        self.on_update: Callable[[Any, Any], None] | None = self._on_update
        self.on_delete: Callable[[Any], None] | None = self._on_delete

    def _on_add(self, obj: Any) -> None:
        if self.filter_func(obj) and self.handler.on_add is not None:
            self.handler.on_add(obj)

    def _on_update(self, old: Any, new: Any) -> None:
        was, now = self.filter_func(old), self.filter_func(new)
        h = self.handler
        if was and now:
            if h.on_update is not None:
                h.on_update(old, new)
        elif now:
            if h.on_add is not None:
                h.on_add(new)
        elif was and h.on_delete is not None:
            h.on_delete(old)

    def _on_delete(self, obj: Any) -> None:
        if not self.filter_func(obj):
            return
        if self.handler.on_delete is not None:
            self.handler.on_delete(obj)


def _noop1(_obj: Any) -> None:
    return None


def _noop2(_old: Any, _new: Any) -> None:
    return None


class _Listener:
    __slots__ = ("handler", "next_resync", "on_add", "on_delete", "on_update", "resync_period")

    def __init__(self, handler: EventHandler, resync_period: float, now: float) -> None:
        self.handler = handler
        self.on_add = handler.on_add or _noop1
        self.on_update = handler.on_update or _noop2
        self.on_delete = handler.on_delete or _noop1
        self.resync_period = resync_period
        self.next_resync = now + resync_period


class ResourceEventHandlerRegistration:
    """Returned by :meth:`SharedIndexInformer.add_event_handler`: remove the handler with it,
    or ask whether this handler has been sent the informer's initial state."""

    __slots__ = ("_informer", "_listener")

    def __init__(self, informer: SharedIndexInformer, listener: _Listener) -> None:
        self._informer = informer
        self._listener = listener

    def has_synced(self) -> bool:
        """True once this handler has been called for every object of the initial list."""
        return self._informer.has_synced()

    async def _wait_synced(self) -> bool:
        return await self._informer._wait_synced()


class _SyncNotifyingFIFO:
    """The reflector's view of the DeltaFIFO: also notices an initial list that is empty
    (nothing to pop, so the pop loop would never see the queue become synced)."""

    __slots__ = ("_fifo", "_informer", "add", "delete", "resync", "update")

    def __init__(self, fifo: DeltaFIFO, informer: SharedIndexInformer) -> None:
        self._fifo = fifo
        self._informer = informer
        self.add = fifo.add
        self.update = fifo.update
        self.delete = fifo.delete
        self.resync = fifo.resync

    def replace(self, items: Any, resource_version: str) -> None:
        self._fifo.replace(items, resource_version)
        if not self._informer._synced and self._fifo.has_synced():
            self._informer._mark_synced()


def _rv(obj: Any) -> Any:
    md = obj.get("metadata") if isinstance(obj, Mapping) else None
    return md.get("resourceVersion") if md is not None else None


class SharedIndexInformer:
    """One list/watch of a resource feeding a shared indexed cache and many handlers.

    Consistency contract (client-go's SharedInformer)
    -------------------------------------------------
    * The cache converges to the server's state: after the watch catches up, it holds exactly
      the objects the server has (within the list/watch's namespace and selectors), each at
      its latest resourceVersion.
    * For each object, handlers see its changes in server order (possibly coalesced: an object
      created and deleted while the informer was disconnected may never be seen).
    * The cache is updated *before* handlers run, so a handler can read at least the state it
      is being told about (or a newer one) through :meth:`get_indexer` or a lister.
    * :meth:`has_synced` becomes true once the first list has been fully delivered to the cache
      and to every handler registered before :meth:`run`; it never becomes false again.
    * A handler added after the informer started is first called with ``on_add`` for every
      cached object (synchronously, inside :meth:`add_event_handler`), then sees later changes.
    * With a resync period, each handler whose own period elapsed gets ``on_update(obj, obj)``
      for every cached object that has no pending change.
    * Single event loop: every method must be called from the loop running :meth:`run`.
    """

    def __init__(
        self,
        lw: ListerWatcher,
        clock: Clock,
        *,
        resync_period: float = 0.0,
        indexers: Indexers | None = None,
        name: str = "",
        page_size: int | None = None,
        rng: Rand | None = None,
        transform: Callable[[Any], Any] | None = None,
    ) -> None:
        self.name = name or repr(lw)
        self._lw = lw
        self._clock = clock
        self._default_resync = max(resync_period, 0.0)
        # _resync_check_period: how often the reflector asks whether a handler is due a resync;
        # the smallest handler period (0: never).
        self._resync_check_period = self._default_resync
        self._page_size = page_size
        self._rng = rng
        self._transform = transform
        if indexers is None:
            indexers = {NAMESPACE_INDEX: meta_namespace_index_func}
        self._indexer = Indexer(deletion_handling_meta_namespace_key, indexers)
        # _listeners: in registration order; _syncing: those due a resync at the last check.
        self._listeners: list[_Listener] = []
        self._syncing: list[_Listener] = []
        self._fifo: DeltaFIFO | None = None
        self._reflector: Reflector | None = None
        self._started = False
        self._stopped = False
        # _synced_event: set once has_synced() turns true, or when stopped (to release waiters).
        self._synced_event: asyncio.Event | None = None
        self._synced = False
        # Counters for tests and metrics.
        self.deltas_processed = 0

    def __repr__(self) -> str:
        return f"SharedIndexInformer({self.name})"

    # -- handlers -----------------------------------------------------------------------------

    def add_event_handler(
        self, handler: EventHandler, resync_period: float | None = None
    ) -> ResourceEventHandlerRegistration:
        """Register ``handler`` (with its own resync period, default the informer's)."""
        if self._stopped:
            msg = (
                f"handler was not added to shared informer {self.name} "
                "because it has stopped already"
            )
            raise RuntimeError(msg)
        period = self._default_resync if resync_period is None else resync_period
        if period > 0:
            period = max(period, MINIMUM_RESYNC_PERIOD)
            if self._started:
                if period < self._resync_check_period:
                    log.warning(
                        "%s: resync period %.3fs is smaller than the informer's resync check "
                        "period %.3fs; using the latter",
                        self.name,
                        period,
                        self._resync_check_period,
                    )
                    period = self._resync_check_period
            elif self._resync_check_period <= 0 or period < self._resync_check_period:
                self._resync_check_period = period
        else:
            period = 0.0
        listener = _Listener(handler, period, self._clock.monotonic())
        if self._started:
            for obj in self._indexer.list():
                self._call(listener.on_add, obj)
        self._listeners.append(listener)
        return ResourceEventHandlerRegistration(self, listener)

    def remove_event_handler(self, registration: ResourceEventHandlerRegistration) -> None:
        """Stop calling the handler of ``registration`` (no error if already removed)."""
        listener = registration._listener
        if listener in self._listeners:
            self._listeners.remove(listener)
        if listener in self._syncing:
            self._syncing.remove(listener)

    def _call(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("%s: event handler %r failed", self.name, fn)

    # -- state --------------------------------------------------------------------------------

    def get_indexer(self) -> Indexer:
        """The shared cache (read-only for consumers)."""
        return self._indexer

    get_store = get_indexer

    def add_indexers(self, indexers: Indexers) -> None:
        """Add indices to the cache (allowed at any time; existing objects are indexed)."""
        self._indexer.add_indexers(indexers)

    def has_synced(self) -> bool:
        """Whether the initial list has been delivered to the cache and the handlers."""
        return self._synced

    def last_sync_resource_version(self) -> str:
        """The resourceVersion the cache is synced to ("" before the first list)."""
        return self._reflector.last_sync_resource_version if self._reflector else ""

    @property
    def is_stopped(self) -> bool:
        return self._stopped

    @property
    def reflector(self) -> Reflector | None:
        return self._reflector

    async def _wait_synced(self) -> bool:
        if self._synced:
            return True
        if self._stopped:
            return False
        if self._synced_event is None:
            self._synced_event = asyncio.Event()
        await self._synced_event.wait()
        return self._synced

    def _mark_synced(self) -> None:
        self._synced = True
        if self._synced_event is not None:
            self._synced_event.set()

    # -- running ------------------------------------------------------------------------------

    async def run(self) -> None:
        """List, watch and dispatch until cancelled. May be called once."""
        if self._started:
            msg = f"informer {self.name} has already been started"
            raise RuntimeError(msg)
        if self._stopped:
            msg = f"informer {self.name} has stopped and cannot be restarted"
            raise RuntimeError(msg)
        fifo = DeltaFIFO(
            key_func=deletion_handling_meta_namespace_key,
            known_objects=self._indexer,
            emit_delta_type_replaced=True,
            transformer=self._transform,
        )
        self._fifo = fifo
        self._reflector = Reflector(
            self._lw,
            _SyncNotifyingFIFO(fifo, self),
            self._clock,
            name=self.name,
            resync_period=self._resync_check_period,
            should_resync=self._should_resync,
            page_size=self._page_size,
            rng=self._rng,
        )
        self._started = True
        reflector_task = asyncio.ensure_future(self._reflector.run())
        process = self._handle_deltas
        pop_nowait = fifo.pop_nowait
        try:
            while True:
                await fifo.pop(process)
                if not self._synced and fifo.has_synced():
                    self._mark_synced()
                # Everything already queued, without a coroutine per entry (pop would not
                # suspend either while entries are ready).
                while pop_nowait(process) is not None:
                    if not self._synced and fifo.has_synced():
                        self._mark_synced()
        finally:
            reflector_task.cancel()
            self._stopped = True
            fifo.close()
            if self._synced_event is not None:
                self._synced_event.set()

    def _should_resync(self) -> bool:
        now = self._clock.monotonic()
        self._syncing = [
            lst for lst in self._listeners if lst.resync_period > 0 and now >= lst.next_resync
        ]
        for lst in self._syncing:
            lst.next_resync = now + lst.resync_period
        return bool(self._syncing)

    def _handle_deltas(self, deltas: Deltas, is_in_initial_list: bool) -> None:
        del is_in_initial_list
        store = self._indexer._store
        key_of = self._indexer.key_of
        listeners = self._listeners
        for d in deltas:
            obj = d.object
            self.deltas_processed += 1
            if d.type is DeltaType.DELETED:
                store.delete(key_of(obj))
                for lst in listeners:
                    try:
                        lst.on_delete(obj)
                    except Exception:
                        log.exception("%s: on_delete handler failed", self.name)
                continue
            key = key_of(obj)
            old = store.get(key)
            store.update(key, obj)
            if old is None:
                for lst in listeners:
                    try:
                        lst.on_add(obj)
                    except Exception:
                        log.exception("%s: on_add handler failed", self.name)
                continue
            if d.type is DeltaType.SYNC or (d.type is DeltaType.REPLACED and _rv(old) == _rv(obj)):
                targets = self._syncing
            else:
                targets = listeners
            for lst in targets:
                try:
                    lst.on_update(old, obj)
                except Exception:
                    log.exception("%s: on_update handler failed", self.name)


async def wait_for_cache_sync(*informers: Any, timeout: float | None = None) -> bool:
    """Wait until every informer (or handler registration) has synced.

    Returns ``False`` if one of them stopped before syncing, or if ``timeout`` (seconds of the
    running loop's clock: virtual on a virtual loop) expired first.
    """

    async def all_synced() -> bool:
        results = [await inf._wait_synced() for inf in informers]
        return all(results)

    if timeout is None:
        return await all_synced()
    try:
        return await asyncio.wait_for(all_synced(), timeout)
    except TimeoutError:
        return False


class SharedInformerFactory:
    """One shared informer per (resource, selectors), all on one client and clock.

    Contract: :meth:`informer_for` returns the same informer for the same resource (any of
    kubectl's spellings: ``pods``, ``po``, ``Pod``) and selectors; :meth:`start` runs every
    informer not yet running as a task on the current loop; :meth:`shutdown` cancels them and
    waits for them to finish. Informers created after :meth:`start` run at the next
    :meth:`start`.
    """

    def __init__(
        self,
        client: Client,
        clock: Clock,
        resync: float = 0.0,
        *,
        namespace: str | None = None,
        page_size: int | None = None,
        rng: Rand | None = None,
    ) -> None:
        self.client = client
        self.clock = clock
        self.resync = resync
        self.namespace = namespace
        self._page_size = page_size
        self._rng = rng
        self._informers: dict[tuple[str, str, str], SharedIndexInformer] = {}
        self._tasks: dict[tuple[str, str, str], asyncio.Task[None]] = {}
        self._shutting_down = False

    def informer_for(
        self,
        resource: str,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resync: float | None = None,
        indexers: Indexers | None = None,
    ) -> SharedIndexInformer:
        """The shared informer of ``resource`` (created on first use)."""
        info = resource_for(resource)
        key = (info.qualified, label_selector or "", field_selector or "")
        inf = self._informers.get(key)
        if inf is None:
            namespace = self.namespace if info.namespaced else None
            lw = ListWatch.from_client(
                self.client,
                info.qualified,
                namespace=namespace,
                label_selector=label_selector,
                field_selector=field_selector,
            )
            inf = SharedIndexInformer(
                lw,
                self.clock,
                resync_period=self.resync if resync is None else resync,
                indexers=indexers,
                name=lw.description,
                page_size=self._page_size,
                rng=self._rng,
            )
            self._informers[key] = inf
        elif indexers:
            missing = {
                k: v for k, v in indexers.items() if k not in inf.get_indexer().get_indexers()
            }
            if missing:
                inf.add_indexers(missing)
        return inf

    def lister_for(self, resource: str, **selectors: str | None) -> Lister[Any]:
        """A :class:`~kcore.client.listers.Lister` over the shared informer's cache."""
        info = resource_for(resource)
        inf = self.informer_for(resource, **selectors)  # type: ignore[arg-type]
        return Lister(inf.get_indexer(), info.qualified)

    @staticmethod
    def _display(key: tuple[str, str, str]) -> str:
        res, ls, fs = key
        return res + (f"?labels={ls}" if ls else "") + (f"?fields={fs}" if fs else "")

    @property
    def informers(self) -> dict[str, SharedIndexInformer]:
        """Every informer created so far, by ``resource[.group]`` (+ selectors if any)."""
        return {self._display(k): inf for k, inf in self._informers.items()}

    def start(self) -> None:
        """Run every informer that is not running yet (needs a running event loop)."""
        if self._shutting_down:
            return
        loop = asyncio.get_running_loop()
        for key, inf in self._informers.items():
            if key not in self._tasks:
                self._tasks[key] = loop.create_task(inf.run(), name=f"informer {inf.name}")

    async def wait_for_cache_sync(self, timeout: float | None = None) -> dict[str, bool]:
        """Wait for every started informer; the result says which synced."""
        keys = list(self._tasks)
        synced = await asyncio.gather(
            *(wait_for_cache_sync(self._informers[k], timeout=timeout) for k in keys)
        )
        return {self._display(k): ok for k, ok in zip(keys, synced, strict=True)}

    async def shutdown(self) -> None:
        """Cancel every informer task and wait for them to end."""
        self._shutting_down = True
        tasks = list(self._tasks.values())
        for t in tasks:
            t.cancel()
        for t in tasks:
            try:
                await t
            except asyncio.CancelledError:
                pass
            except Exception:
                log.exception("informer task failed")
