"""Hollow (simulated) kubelets: nodes that register, heartbeat and run pods without containers.

``kcore up --nodes N`` starts N hollow nodes; ``kcore bench`` and tests use them too. Each
node behaves towards the API as a kubelet does:

* **Registration.** A ``Node`` with ``kubernetes.io/hostname``, ``kubernetes.io/os``,
  ``kubernetes.io/arch`` (and optional topology) labels, capacity and allocatable (4 CPU,
  32Gi, 110 pods unless configured), an ``InternalIP`` and a pod CIDR in 127.0.0.0/8, and the
  ``Ready``/``MemoryPressure``/``DiskPressure``/``PIDPressure`` conditions. A node that exists
  already (a restart on the same data) is taken over and reported Ready again.
* **Heartbeats.** A ``Lease`` in ``kube-node-lease`` renewed every quarter of
  ``lease_duration_seconds`` (40 s: every 10 s, as the kubelet), and the ``Ready`` condition's
  ``lastHeartbeatTime`` refreshed every ``status_report_seconds`` (the kubelet's
  ``nodeStatusReportFrequency``, 5 min). Renewals are spread over the period (seeded jitter).
* **Pods.** A pod bound to the node is reported ``Running``: phase, the ``Initialized``,
  ``Ready``, ``ContainersReady`` and ``PodReadyToStartContainers`` conditions,
  ``containerStatuses`` (running since now), ``hostIP`` and a ``podIP`` from the node's pod
  CIDR (the node's IP for ``hostNetwork`` pods). A pod being deleted (``deletionTimestamp``)
  is removed at once (delete with grace period 0 and a uid precondition), which completes
  graceful deletion so ``kubectl delete pod`` returns.

Cost: every node is a small :class:`HollowKubelet` object; one asyncio task
(:meth:`HollowNodes.run`) serves all of them from a timer heap and a work queue, plus one
shared pod informer. API calls of one round run with bounded concurrency (``concurrency``),
which matters over HTTP and costs nothing over ``LocalClient``.

Extension: :class:`HollowKubelet` holds one node's state and builds its API objects
(:meth:`~HollowKubelet.node_object`, :meth:`~HollowKubelet.lease_spec`,
:meth:`~HollowKubelet.running_status`); a runtime that runs real processes can subclass it and
pass ``kubelet_factory`` to :class:`HollowNodes`.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import ipaddress
import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from kcore.api.errors import AlreadyExists, Conflict, NotFound, StatusError
from kcore.client.informer import ResourceEventHandler, SharedInformerFactory
from kcore.util.clock import rfc3339, rfc3339_micro

if TYPE_CHECKING:
    from collections.abc import Awaitable, Iterable

    from kcore.client.interface import Client
    from kcore.util.clock import Clock
    from kcore.util.wait import Rand

__all__ = [
    "KUBELET_VERSION",
    "NODE_LEASE_NAMESPACE",
    "HollowKubelet",
    "HollowNodeConfig",
    "HollowNodes",
]

log = logging.getLogger("kcore.kubelet.hollow")

NODE_LEASE_NAMESPACE: Final = "kube-node-lease"
KUBELET_VERSION: Final = "v1.35.0-kcore-hollow"
_TERMINAL: Final = ("Succeeded", "Failed")


@dataclass(frozen=True, slots=True)
class HollowNodeConfig:
    """What hollow nodes look like (the defaults are scheduler_perf's ``node-default``).

    ``cpu``/``memory``/``ephemeral_storage`` are quantities; ``labels`` are added to every
    node; ``zones`` (if any) label node ``i`` with ``topology.kubernetes.io/zone = zones[i %
    len(zones)]`` (and the region ``region``). Node ``i`` gets the ``InternalIP`` ``node_ip_base
    + i + 1`` and the pod CIDR block ``i`` of ``pod_network`` (blocks big enough for ``pods``
    addresses), all inside 127.0.0.0/8 by default.
    """

    name_prefix: str = "hollow-node-"
    cpu: str = "4"
    memory: str = "32Gi"
    pods: int = 110
    ephemeral_storage: str = "100Gi"
    labels: Mapping[str, str] = field(default_factory=dict)
    zones: tuple[str, ...] = ()
    region: str = "kcore"
    node_ip_base: str = "127.1.0.0"
    pod_network: str = "127.128.0.0/9"
    lease_duration_seconds: int = 40
    status_report_seconds: float = 300.0

    def __post_init__(self) -> None:
        if self.pods < 1:
            raise ValueError(f"pods per node must be >= 1, got {self.pods}")
        if self.lease_duration_seconds < 1:
            raise ValueError(
                f"lease duration must be >= 1 second, got {self.lease_duration_seconds}"
            )
        if self.status_report_seconds <= 0:
            raise ValueError(f"status report period must be > 0, got {self.status_report_seconds}")
        for what, value, parse in (
            ("node_ip_base", self.node_ip_base, ipaddress.IPv4Address),
            ("pod_network", self.pod_network, ipaddress.IPv4Network),
        ):
            try:
                parse(value)
            except ValueError as err:
                raise ValueError(f"invalid {what} {value!r}: {err}") from None


class HollowKubelet:
    """One hollow node: its identity, addresses and the pods it runs.

    Contract: ``pod_ips`` maps the keys of pods this node reported running to their IPs (an
    address is reused only after its pod left); objects returned are fresh dicts.
    """

    def __init__(
        self,
        name: str,
        index: int,
        config: HollowNodeConfig,
        node_ip: str,
        pod_cidr: ipaddress.IPv4Network,
    ) -> None:
        self.name = name
        self.index = index
        self.config = config
        self.node_ip = node_ip
        self.pod_cidr = pod_cidr
        self.pod_ips: dict[str, str] = {}
        self._free: list[int] = []
        self._next = 1
        self.lease: Mapping[str, Any] | None = None  # last Lease written (its rv)
        self.ready_since: float | None = None  # when the conditions last changed

    # ---------------------------------------------------------------------- API objects

    def labels(self) -> dict[str, str]:
        cfg = self.config
        labels = {
            "kubernetes.io/hostname": self.name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "node.kubernetes.io/instance-type": "hollow",
            **cfg.labels,
        }
        if cfg.zones:
            labels["topology.kubernetes.io/zone"] = cfg.zones[self.index % len(cfg.zones)]
            labels["topology.kubernetes.io/region"] = cfg.region
        return labels

    def conditions(self, now: float) -> list[dict[str, Any]]:
        """The node conditions, heartbeat ``now`` (transitions stay at :attr:`ready_since`)."""
        if self.ready_since is None:
            self.ready_since = now
        ts = rfc3339(now)
        since = rfc3339(self.ready_since)

        def cond(kind: str, status: str, reason: str, message: str) -> dict[str, Any]:
            return {
                "type": kind,
                "status": status,
                "lastHeartbeatTime": ts,
                "lastTransitionTime": since,
                "reason": reason,
                "message": message,
            }

        return [
            cond(
                "MemoryPressure",
                "False",
                "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available",
            ),
            cond(
                "DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"
            ),
            cond(
                "PIDPressure",
                "False",
                "KubeletHasSufficientPID",
                "kubelet has sufficient PID available",
            ),
            cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ]

    def node_status(self, now: float) -> dict[str, Any]:
        cfg = self.config
        resources = {
            "cpu": cfg.cpu,
            "memory": cfg.memory,
            "pods": str(cfg.pods),
            "ephemeral-storage": cfg.ephemeral_storage,
        }
        return {
            "capacity": dict(resources),
            "allocatable": dict(resources),
            "conditions": self.conditions(now),
            "addresses": [
                {"type": "InternalIP", "address": self.node_ip},
                {"type": "Hostname", "address": self.name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": f"hollow-{self.index}",
                "systemUUID": f"hollow-{self.index}",
                "bootID": f"hollow-{self.index}",
                "kernelVersion": "hollow",
                "osImage": "kcore hollow node",
                "containerRuntimeVersion": "hollow://1.0",
                "kubeletVersion": KUBELET_VERSION,
                "kubeProxyVersion": KUBELET_VERSION,
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
            "phase": "Running",
        }

    def node_object(self, now: float) -> dict[str, Any]:
        """The ``Node`` this kubelet registers."""
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": self.name, "labels": self.labels()},
            "spec": {"podCIDR": str(self.pod_cidr), "podCIDRs": [str(self.pod_cidr)]},
            "status": self.node_status(now),
        }

    def lease_spec(self, now: float) -> dict[str, Any]:
        return {
            "holderIdentity": self.name,
            "leaseDurationSeconds": self.config.lease_duration_seconds,
            "renewTime": rfc3339_micro(now),
        }

    # ---------------------------------------------------------------------- pods

    def allocate_ip(self, key: str) -> str:
        ip = self.pod_ips.get(key)
        if ip is not None:
            return ip
        if self._free:
            offset = heapq.heappop(self._free)
        else:
            offset = self._next
            self._next += 1
        if offset >= self.pod_cidr.num_addresses - 1:
            raise RuntimeError(f"node {self.name}: pod CIDR {self.pod_cidr} is exhausted")
        ip = str(self.pod_cidr.network_address + offset)
        self.pod_ips[key] = ip
        return ip

    def release_ip(self, key: str) -> None:
        ip = self.pod_ips.pop(key, None)
        if ip is not None:
            offset = int(ipaddress.IPv4Address(ip)) - int(self.pod_cidr.network_address)
            heapq.heappush(self._free, offset)

    def running_status(self, pod: Mapping[str, Any], now: float) -> dict[str, Any]:
        """The status a kubelet reports once every container of ``pod`` started."""
        md = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        key = f"{md.get('namespace', 'default')}/{md.get('name', '')}"
        ip = self.node_ip if spec.get("hostNetwork") else self.allocate_ip(key)
        ts = rfc3339(now)
        uid = md.get("uid", "")

        def container(c: Mapping[str, Any], *, init: bool) -> dict[str, Any]:
            out: dict[str, Any] = {
                "name": c.get("name", ""),
                "image": c.get("image", ""),
                "imageID": "",
                "containerID": f"hollow://{uid}/{c.get('name', '')}",
                "restartCount": 0,
                "lastState": {},
            }
            if init:
                out.update(
                    ready=True,
                    started=False,
                    state={
                        "terminated": {
                            "exitCode": 0,
                            "reason": "Completed",
                            "startedAt": ts,
                            "finishedAt": ts,
                        }
                    },
                )
            else:
                out.update(ready=True, started=True, state={"running": {"startedAt": ts}})
            return out

        def cond(kind: str) -> dict[str, Any]:
            return {"type": kind, "status": "True", "lastProbeTime": None, "lastTransitionTime": ts}

        conditions = [
            cond("PodReadyToStartContainers"),
            cond("Initialized"),
            cond("Ready"),
            cond("ContainersReady"),
        ]
        existing = (pod.get("status") or {}).get("conditions") or ()
        if not any(c.get("type") == "PodScheduled" for c in existing):
            conditions.append(cond("PodScheduled"))  # bound without a binding (nodeName set)
        status: dict[str, Any] = {
            "phase": "Running",
            "conditions": conditions,
            "hostIP": self.node_ip,
            "hostIPs": [{"ip": self.node_ip}],
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": ts,
            "containerStatuses": [container(c, init=False) for c in spec.get("containers") or ()],
        }
        inits = spec.get("initContainers") or ()
        if inits:
            status["initContainerStatuses"] = [container(c, init=True) for c in inits]
        return status


KubeletFactory = Callable[[str, int, HollowNodeConfig, str, ipaddress.IPv4Network], HollowKubelet]


def _pod_blocks(network: ipaddress.IPv4Network, pods: int) -> int:
    """Prefix length of a per-node pod CIDR holding ``pods`` addresses (+ network, broadcast)."""
    size = 4
    while size - 2 < pods:
        size *= 2
    prefix = 32 - (size.bit_length() - 1)
    return max(prefix, network.prefixlen)


class HollowNodes:
    """``count`` hollow kubelets served by one asyncio task (see the module docstring).

    Contract: after :meth:`register`, every node exists and is Ready with a fresh lease; while
    :meth:`run` runs, leases are renewed every ``lease_duration_seconds / 4``, node status
    every ``status_report_seconds``, pods bound to these nodes are reported Running and pods
    being deleted are removed. API errors are logged and retried at the next round; nothing
    raises out of :meth:`run` but cancellation.

    Parameters
    ----------
    client, clock
        The API and the time source.
    count
        Number of nodes; names are ``name_prefix + i``.
    config
        What the nodes look like.
    rng
        Seeded generator spreading renewals over the period (none: evenly spread).
    concurrency
        API calls in flight at once within one round.
    informer_factory
        A factory to share (default: a new one on ``client``).
    kubelet_factory
        Builds each node's :class:`HollowKubelet` (extension point).
    """

    def __init__(
        self,
        client: Client,
        clock: Clock,
        count: int,
        *,
        config: HollowNodeConfig | None = None,
        rng: Rand | None = None,
        concurrency: int = 32,
        informer_factory: SharedInformerFactory | None = None,
        kubelet_factory: KubeletFactory | None = None,
    ) -> None:
        if count < 0:
            raise ValueError(f"node count must be >= 0, got {count}")
        self.client = client
        self.clock = clock
        self.config = config or HollowNodeConfig()
        self.concurrency = max(1, concurrency)
        self._rng = rng
        cfg = self.config
        net = ipaddress.IPv4Network(cfg.pod_network)
        prefix = _pod_blocks(net, cfg.pods)
        blocks = 1 << (prefix - net.prefixlen)
        if count > blocks:
            raise ValueError(
                f"pod network {net} has room for {blocks} nodes of {cfg.pods} pods, not {count}"
            )
        base = int(ipaddress.IPv4Address(cfg.node_ip_base))
        make = kubelet_factory or HollowKubelet
        block_size = 1 << (32 - prefix)
        self.kubelets: dict[str, HollowKubelet] = {}
        for i in range(count):
            name = f"{cfg.name_prefix}{i}"
            cidr = ipaddress.IPv4Network((int(net.network_address) + i * block_size, prefix))
            node_ip = str(ipaddress.IPv4Address(base + i + 1))
            self.kubelets[name] = make(name, i, cfg, node_ip, cidr)
        self.factory = informer_factory or SharedInformerFactory(client, clock)
        self._pods = self.factory.informer_for("pods")
        self._pods.add_event_handler(
            ResourceEventHandler(
                on_add=self._on_pod, on_update=lambda _o, n: self._on_pod(n), on_delete=self._gone
            )
        )
        # Work: ("start" | "kill", key). _queued: keys with an item in _work (no duplicates).
        self._work: deque[tuple[str, str]] = deque()
        self._queued: set[tuple[str, str]] = set()
        self._wake = asyncio.Event()
        # Timers: (due, seq, kind, node name), kind "lease" or "status".
        self._timers: list[tuple[float, int, str, str]] = []
        self._seq = 0
        self.lease_renewals = 0
        self.status_reports = 0
        self.pods_started = 0
        self.pods_deleted = 0
        self.errors = 0
        self._registered = False

    @property
    def names(self) -> list[str]:
        return list(self.kubelets)

    @property
    def renew_interval(self) -> float:
        """Seconds between two renewals of a node's lease (a quarter of its duration)."""
        return self.config.lease_duration_seconds / 4.0

    # ---------------------------------------------------------------------- lifecycle

    async def register(self) -> None:
        """Create (or take over) every node and its lease; idempotent."""
        now = self.clock.now()
        await self._bounded(self._register_one(k, now) for k in self.kubelets.values())
        mono = self.clock.monotonic()
        n = max(1, len(self.kubelets))
        for i, name in enumerate(self.kubelets):
            # Spread the renewals over the period, as independent kubelets would be.
            frac = self._rng.random() if self._rng is not None else i / n
            self._push(mono + self.renew_interval * frac, "lease", name)
            self._push(mono + self.config.status_report_seconds * frac, "status", name)
        self._registered = True

    async def run(self) -> None:
        """Heartbeats and pods until cancelled (registers first if needed)."""
        if not self._registered:
            await self.register()
        self.factory.start()
        try:
            while True:
                await self._round()
                await self._sleep_until_work()
        finally:
            with contextlib.suppress(Exception):
                await self.factory.shutdown()

    async def _sleep_until_work(self) -> None:
        if self._work:
            await self.clock.sleep(0)
            return
        self._wake.clear()
        timeout = None
        if self._timers:
            timeout = max(0.0, self._timers[0][0] - self.clock.monotonic())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def _round(self) -> None:
        now = self.clock.monotonic()
        due: list[tuple[str, str]] = []
        while self._timers and self._timers[0][0] <= now:
            _, _, kind, name = heapq.heappop(self._timers)
            due.append((kind, name))
        calls: list[Awaitable[None]] = []
        wall = self.clock.now()
        for kind, name in due:
            k = self.kubelets[name]
            if kind == "lease":
                self._push(now + self.renew_interval, "lease", name)
                calls.append(self._renew_lease(k, wall))
            else:
                self._push(now + self.config.status_report_seconds, "status", name)
                calls.append(self._report_status(k, wall))
        for _ in range(min(len(self._work), 512)):
            item = self._work.popleft()
            self._queued.discard(item)
            kind, key = item
            calls.append(self._start_pod(key) if kind == "start" else self._kill_pod(key))
        if calls:
            await self._bounded(calls)

    # ---------------------------------------------------------------------- API calls

    async def _bounded(self, calls: Iterable[Awaitable[None]]) -> None:
        """Run ``calls`` with at most ``concurrency`` in flight; failures are logged."""
        pending: set[asyncio.Future[None]] = set()
        done: set[asyncio.Future[None]] = set()
        for c in calls:
            pending.add(asyncio.ensure_future(c))
            if len(pending) >= self.concurrency:
                finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                done |= finished
        if pending:
            finished, _ = await asyncio.wait(pending)
            done |= finished
        for t in done:
            if not t.cancelled() and t.exception() is not None:
                self.errors += 1
                log.error("hollow nodes: API call failed", exc_info=t.exception())

    def _push(self, due: float, kind: str, name: str) -> None:
        self._seq += 1
        heapq.heappush(self._timers, (due, self._seq, kind, name))

    async def _register_one(self, k: HollowKubelet, now: float) -> None:
        node = k.node_object(now)
        try:
            await self.client.create("nodes", node)
        except AlreadyExists:
            await self._report_status(k, now, full=True)
        except StatusError as err:
            self.errors += 1
            log.warning("hollow node %s: registration failed: %s", k.name, err)
            return
        await self._renew_lease(k, now)

    async def _renew_lease(self, k: HollowKubelet, now: float) -> None:
        spec = k.lease_spec(now)
        try:
            if k.lease is None:
                try:
                    k.lease = await self.client.create(
                        "leases",
                        {
                            "apiVersion": "coordination.k8s.io/v1",
                            "kind": "Lease",
                            "metadata": {"name": k.name, "namespace": NODE_LEASE_NAMESPACE},
                            "spec": spec,
                        },
                        namespace=NODE_LEASE_NAMESPACE,
                    )
                    self.lease_renewals += 1
                    return
                except AlreadyExists:
                    k.lease = await self.client.get(
                        "leases", k.name, namespace=NODE_LEASE_NAMESPACE
                    )
            lease = k.lease
            try:
                k.lease = await self.client.update(
                    "leases",
                    {**lease, "spec": {**(lease.get("spec") or {}), **spec}},
                    namespace=NODE_LEASE_NAMESPACE,
                )
            except (Conflict, NotFound):
                k.lease = None  # re-read (or re-create) at the next renewal
                raise
            self.lease_renewals += 1
        except StatusError as err:
            self.errors += 1
            log.info("hollow node %s: lease renewal failed: %s", k.name, err)

    async def _report_status(self, k: HollowKubelet, now: float, *, full: bool = False) -> None:
        status = k.node_status(now) if full else {"conditions": k.conditions(now)}
        try:
            await self.client.patch(
                "nodes", k.name, {"status": status}, subresource="status", patch_type="strategic"
            )
            self.status_reports += 1
        except StatusError as err:
            self.errors += 1
            log.info("hollow node %s: status update failed: %s", k.name, err)

    # ---------------------------------------------------------------------- pods

    def _enqueue(self, kind: str, key: str) -> None:
        item = (kind, key)
        if item in self._queued:
            return
        self._queued.add(item)
        self._work.append(item)
        self._wake.set()

    def _on_pod(self, pod: Mapping[str, Any]) -> None:
        node = (pod.get("spec") or {}).get("nodeName")
        if not node or node not in self.kubelets:
            return
        md = pod.get("metadata") or {}
        key = f"{md.get('namespace', 'default')}/{md.get('name', '')}"
        if md.get("deletionTimestamp"):
            self._enqueue("kill", key)
            return
        phase = (pod.get("status") or {}).get("phase")
        if phase in _TERMINAL or phase == "Running":
            return
        self._enqueue("start", key)

    def _gone(self, obj: Any) -> None:
        pod = getattr(obj, "obj", obj)
        if not isinstance(pod, Mapping):
            return
        node = (pod.get("spec") or {}).get("nodeName")
        k = self.kubelets.get(node) if node else None
        if k is not None:
            md = pod.get("metadata") or {}
            k.release_ip(f"{md.get('namespace', 'default')}/{md.get('name', '')}")

    def _current(self, key: str) -> tuple[HollowKubelet, Mapping[str, Any]] | None:
        pod = self._pods.get_indexer().get_by_key(key)
        if pod is None:
            return None
        node = (pod.get("spec") or {}).get("nodeName")
        k = self.kubelets.get(node) if node else None
        return None if k is None else (k, pod)

    async def _start_pod(self, key: str) -> None:
        cur = self._current(key)
        if cur is None:
            return
        k, pod = cur
        md = pod.get("metadata") or {}
        if md.get("deletionTimestamp") or (pod.get("status") or {}).get("phase") == "Running":
            return
        status = k.running_status(pod, self.clock.now())
        ns, _, name = key.partition("/")
        try:
            await self.client.patch(
                "pods",
                name,
                {"metadata": {"uid": md.get("uid")}, "status": status},
                namespace=ns,
                subresource="status",
                patch_type="strategic",
            )
            self.pods_started += 1
        except (NotFound, Conflict):
            k.release_ip(key)
        except StatusError as err:
            self.errors += 1
            log.info("hollow node %s: could not start pod %s: %s", k.name, key, err)

    async def _kill_pod(self, key: str) -> None:
        cur = self._current(key)
        if cur is None:
            return
        k, pod = cur
        md = pod.get("metadata") or {}
        ns, _, name = key.partition("/")
        try:
            await self.client.delete(
                "pods",
                name,
                namespace=ns,
                grace_period_seconds=0,
                preconditions={"uid": md.get("uid", "")},
            )
            self.pods_deleted += 1
        except (NotFound, Conflict):
            pass
        except StatusError as err:
            self.errors += 1
            log.info("hollow node %s: could not delete pod %s: %s", k.name, key, err)
        k.release_ip(key)


class _UpHandle:
    """What ``kcore up`` keeps for the hollow nodes: stops their task."""

    def __init__(self, nodes: HollowNodes, task: asyncio.Task[None]) -> None:
        self.nodes = nodes
        self.task = task

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task


async def start(ctx: Any) -> _UpHandle | None:
    """``kcore up --nodes N``: N hollow nodes on the in-process registry (none without
    ``--nodes``). Sizes come from ``--node-cpu``, ``--node-memory``, ``--node-pods`` and
    ``--node-zones``."""
    import numpy as np

    from kcore.client.local import LocalClient

    args = getattr(ctx, "args", None)
    count = int(getattr(args, "nodes", 0) or 0)
    if count <= 0:
        return None
    zones = tuple(z for z in str(getattr(args, "node_zones", "") or "").split(",") if z)
    config = HollowNodeConfig(
        cpu=str(getattr(args, "node_cpu", "4")),
        memory=str(getattr(args, "node_memory", "32Gi")),
        pods=int(getattr(args, "node_pods", 110)),
        zones=zones,
    )
    nodes = HollowNodes(
        LocalClient(ctx.registry), ctx.clock, count, config=config, rng=np.random.default_rng(count)
    )
    await nodes.register()
    return _UpHandle(nodes, asyncio.ensure_future(nodes.run()))
