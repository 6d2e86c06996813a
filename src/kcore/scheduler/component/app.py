"""Running the scheduler as a process or inside ``kcore up``: options, health and metrics
server, leader election (kube-scheduler's ``cmd/kube-scheduler/app``).

:class:`SchedulerApp` wires one :class:`~kcore.scheduler.component.scheduler.KubeScheduler`
with its :class:`~kcore.scheduler.component.healthz.HealthServer` (``/healthz``, ``/livez``,
``/readyz``, ``/metrics``) and, when ``leader_elect`` is set, a
:class:`~kcore.client.leader_election.LeaderElector` on the configured lease
(``kube-system/kube-scheduler`` by default): informers run on every replica, only the leader
schedules. As upstream, a leader that loses its lease stops (:meth:`SchedulerApp.wait` returns
1, "leaderelection lost") rather than keep running with stale state.

:func:`start` is the hook ``kcore up`` calls: the scheduler on the in-process registry
(``LocalClient``), no leader election, health and metrics on ``127.0.0.1:10259`` (a free port
if that one is taken).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from kcore.client.leader_election import (
    LeaderCallbacks,
    LeaderElectionConfig,
    LeaderElector,
    LeaseLock,
)
from kcore.scheduler.apis.config import KubeSchedulerConfiguration, load_config
from kcore.scheduler.component.healthz import HealthServer
from kcore.scheduler.component.scheduler import DEFAULT_BATCH_SIZE, KubeScheduler

if TYPE_CHECKING:
    from kcore.client.http import HTTPClient
    from kcore.client.informer import SharedInformerFactory
    from kcore.client.interface import Client
    from kcore.util.clock import Clock
    from kcore.util.wait import Rand

__all__ = ["DEFAULT_PORT", "SchedulerApp", "SchedulerOptions", "http_client", "start"]

log = logging.getLogger("kcore.scheduler")

#: kube-scheduler's secure port; kcore serves plain HTTP on it (health and metrics only).
DEFAULT_PORT: Final = 10259


def http_client(
    kubeconfig: str | os.PathLike[str] | None,
    *,
    qps: float | None,
    burst: int,
    connections: int = 64,
    context: str | None = None,
) -> HTTPClient:
    """An :class:`~kcore.client.http.HTTPClient` for ``kubeconfig`` on the lean
    :class:`~kcore.scheduler.component.transport.AsyncioTransport` (up to ``connections``
    connections; the default transport costs several times more CPU per request)."""
    from kcore.client.http import HTTPClient
    from kcore.client.kubeconfig import load_kubeconfig
    from kcore.scheduler.component.transport import AsyncioTransport

    cfg = load_kubeconfig(kubeconfig, context=context)
    transport = AsyncioTransport(verify=cfg.ssl_context(), max_connections=connections)
    return HTTPClient.from_config(cfg, qps=qps, burst=burst, transport=transport)


def default_identity() -> str:
    """``<hostname>_<uuid>``, kube-scheduler's leader-election identity."""
    return f"{socket.gethostname()}_{uuid.uuid4()}"


@dataclass
class SchedulerOptions:
    """Everything ``kcore scheduler`` (or ``kcore up``) configures.

    ``port``: the health and metrics port (0 picks a free one, ``None`` serves nothing).
    ``leader_elect``: ``None`` follows the configuration's ``leaderElection.leaderElect``.
    ``gc_freeze``: once the informers synced, collect and move every object alive to
    CPython's permanent generation (``gc.freeze()``), so that the cyclic collector's full
    collections no longer walk the cluster loaded at start-up (undone by
    :meth:`SchedulerApp.stop`). It is process-wide, so only the processes the CLI runs
    (``kcore scheduler``, ``kcore up``) set it; embedders decide for themselves.
    """

    config: KubeSchedulerConfiguration = field(default_factory=lambda: load_config({}))
    leader_elect: bool | None = None
    bind_address: str = "127.0.0.1"
    port: int | None = DEFAULT_PORT
    batch_size: int = DEFAULT_BATCH_SIZE
    parallelism: int | None = None
    identity: str = field(default_factory=default_identity)
    seed: int = 0
    threaded: bool = True
    events: bool = True
    gc_freeze: bool = False

    @property
    def elect(self) -> bool:
        if self.leader_elect is not None:
            return self.leader_elect
        return self.config.leader_election.leader_elect


class SchedulerApp:
    """A scheduler process: component, health/metrics endpoint and optional leader election.

    Contract: :meth:`start` returns once the health endpoint listens and the informers
    synced (scheduling then runs in the background, at once or when elected); :meth:`wait`
    returns the exit code when scheduling ended (0 after :meth:`stop`, 1 when leadership was
    lost or the scheduler failed); :meth:`stop` stops everything and releases the lease.
    """

    def __init__(
        self,
        client: Client,
        clock: Clock,
        options: SchedulerOptions,
        *,
        informer_factory: SharedInformerFactory | None = None,
        rng: Rand | None = None,
    ) -> None:
        self.client = client
        self.clock = clock
        self.options = options
        self.scheduler = KubeScheduler(
            client,
            clock,
            config=options.config,
            seed=options.seed,
            batch_size=options.batch_size,
            parallelism=options.parallelism,
            threaded=options.threaded,
            identity=options.identity,
            informer_factory=informer_factory,
            events=options.events,
            rng=rng,
        )
        self.server: HealthServer | None = None
        if options.port is not None:
            self.server = HealthServer(
                options.bind_address,
                options.port,
                metrics=self.scheduler.metrics.render,
                healthz={"ping": _ok, "scheduler": self._scheduler_check},
                readyz={
                    "ping": _ok,
                    "scheduler": self._scheduler_check,
                    "sched-handler-sync": self._synced_check,
                },
            )
        self.elector: LeaderElector | None = None
        if options.elect:
            le = options.config.leader_election
            self.elector = LeaderElector(
                LeaderElectionConfig(
                    lock=LeaseLock(
                        client, le.resource_namespace, le.resource_name, options.identity
                    ),
                    callbacks=LeaderCallbacks(
                        on_started_leading=self.scheduler.run_scheduling,
                        on_stopped_leading=self._stopped_leading,
                        on_new_leader=self._new_leader,
                    ),
                    lease_duration=le.lease_duration,
                    renew_deadline=le.renew_deadline,
                    retry_period=le.retry_period,
                    release_on_cancel=True,
                    name="kube-scheduler",
                ),
                clock,
                rng=rng,
            )
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._frozen = False
        self.exit_code: int | None = None

    @property
    def url(self) -> str | None:
        """Where health and metrics are served (``None`` if not served)."""
        return self.server.url if self.server is not None else None

    @property
    def leading(self) -> bool:
        """Whether this replica schedules (always, without leader election)."""
        if self.elector is None:
            return self._task is not None and not self._task.done()
        return self.elector.leading

    def _scheduler_check(self) -> str | None:
        failure = self.scheduler.failure
        return None if failure is None else f"scheduler failed: {failure}"

    def _synced_check(self) -> str | None:
        return None if self.scheduler.synced else "informers have not synced"

    def _new_leader(self, identity: str) -> None:
        if identity == self.options.identity:
            log.info("became the leader (%s)", identity)
        else:
            log.info("the leader is %s", identity)

    def _stopped_leading(self) -> None:
        if not self._stopping:
            log.error("leaderelection lost")

    async def start(self) -> None:
        """Serve health, sync informers, then schedule (now, or once elected)."""
        if self.server is not None:
            await self.server.start()
        try:
            await self.scheduler.start_informers()
        except BaseException:
            if self.server is not None:
                await self.server.stop()
            raise
        if self.options.gc_freeze and not self._frozen:
            gc.collect()
            gc.freeze()
            self._frozen = True
            log.info("moved %d objects to the permanent GC generation", gc.get_freeze_count())
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        try:
            if self.elector is not None:
                await self.elector.run()
                self.exit_code = 0 if self._stopping else 1
            else:
                await self.scheduler.run_scheduling()
                self.exit_code = 0
        except asyncio.CancelledError:
            self.exit_code = 0 if self._stopping else 1
            raise
        except Exception:
            log.exception("the scheduler stopped")
            self.exit_code = 1

    async def wait(self) -> int:
        """Wait until scheduling ends; the process exit code."""
        if self._task is None:
            raise RuntimeError("the scheduler app was not started")
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        return self.exit_code if self.exit_code is not None else 0

    async def stop(self) -> None:
        """Stop scheduling (releasing the lease), the informers and the endpoint."""
        self._stopping = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.scheduler.stop()
        if self.server is not None:
            await self.server.stop()
        if self._frozen:
            self._frozen = False
            gc.unfreeze()


def _ok() -> str | None:
    return None


async def start(ctx: Any) -> SchedulerApp:
    """``kcore up``: the scheduler on the in-process registry, health and metrics on
    ``127.0.0.1:10259`` (or a free port), no leader election."""
    from kcore.client.local import LocalClient

    options = SchedulerOptions(
        leader_elect=False, identity=f"kcore-up-{os.getpid()}", gc_freeze=True
    )
    client = LocalClient(ctx.registry)
    app = SchedulerApp(client, ctx.clock, options)
    try:
        await app.start()
    except OSError:
        options.port = 0
        app = SchedulerApp(client, ctx.clock, options)
        await app.start()
    return app
