"""Hollow nodes on LocalClient over the real registry, in virtual time.

Covered: registration (labels, capacity, addresses, pod CIDRs, Ready conditions), leases
renewed every 10 s and spread over the period, Ready heartbeats refreshed without moving
transition times, a restart taking over existing nodes and leases, pods bound to a node
reported Running (IPs from the node's CIDR in 127.0.0.0/8, hostNetwork pods on the node IP,
init containers), graceful deletion completed (and the IP reused), pods of other nodes left
alone, one task serving a thousand nodes, configuration errors. Not covered: the scheduler
(see tests/scheduler/component).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import random
from typing import TYPE_CHECKING, Any

import pytest

from kcore.apiserver.registry import APIRegistry
from kcore.client.local import LocalClient
from kcore.kubelet.hollow import NODE_LEASE_NAMESPACE, HollowNodeConfig, HollowNodes
from kcore.storage.memory import MemoryStore
from kcore.util.clock import VirtualClock, parse_rfc3339

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable


def run(scenario: Callable[[Any, APIRegistry, VirtualClock], Awaitable[None]]) -> None:
    clock = VirtualClock()

    async def main() -> None:
        registry = APIRegistry(MemoryStore(), clock, rng=random.Random(0))
        await scenario(LocalClient(registry), registry, clock)

    clock.run(main())


@contextlib.asynccontextmanager
async def serving(nodes: HollowNodes) -> Any:
    task = asyncio.ensure_future(nodes.run())
    try:
        yield nodes
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def pod(name: str, node: str | None, **spec: Any) -> dict[str, Any]:
    p: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}], **spec},
    }
    if node:
        p["spec"]["nodeName"] = node
    return p


def test_nodes_register_ready_with_leases() -> None:
    async def scenario(client: Any, reg: APIRegistry, clock: VirtualClock) -> None:
        cfg = HollowNodeConfig(cpu="8", memory="64Gi", pods=30, zones=("a", "b"))
        nodes = HollowNodes(client, clock, 3, config=cfg)
        await nodes.register()
        items = reg.list("nodes")["items"]
        assert [n["metadata"]["name"] for n in items] == [f"hollow-node-{i}" for i in range(3)]
        n1 = reg.get("nodes", "hollow-node-1")
        labels = n1["metadata"]["labels"]
        assert labels["kubernetes.io/hostname"] == "hollow-node-1"
        assert labels["kubernetes.io/os"] == "linux"
        assert labels["topology.kubernetes.io/zone"] == "b"
        st = n1["status"]
        assert st["allocatable"] == {
            "cpu": "8",
            "memory": "64Gi",
            "pods": "30",
            "ephemeral-storage": "100Gi",
        }
        ready = next(c for c in st["conditions"] if c["type"] == "Ready")
        assert (ready["status"], ready["reason"]) == ("True", "KubeletReady")
        addr = {a["type"]: a["address"] for a in st["addresses"]}
        assert ipaddress.IPv4Address(addr["InternalIP"]) in ipaddress.IPv4Network("127.0.0.0/8")
        cidrs = [ipaddress.IPv4Network(reg.get("nodes", n)["spec"]["podCIDR"]) for n in nodes.names]
        assert all(c.subnet_of(ipaddress.IPv4Network("127.0.0.0/8")) for c in cidrs)
        assert not any(a.overlaps(b) for i, a in enumerate(cidrs) for b in cidrs[i + 1 :])
        lease = reg.get("leases", "hollow-node-0", namespace=NODE_LEASE_NAMESPACE)
        assert lease["spec"]["holderIdentity"] == "hollow-node-0"
        assert lease["spec"]["leaseDurationSeconds"] == 40

    run(scenario)


def test_leases_are_renewed_every_ten_seconds_and_heartbeats_refreshed() -> None:
    async def scenario(client: Any, reg: APIRegistry, clock: VirtualClock) -> None:
        cfg = HollowNodeConfig(status_report_seconds=60)
        nodes = HollowNodes(client, clock, 4, config=cfg, rng=random.Random(3))
        await nodes.register()
        renew: dict[str, list[float]] = {n: [] for n in nodes.names}
        stream = client.watch("leases", namespace=NODE_LEASE_NAMESPACE)

        async def watch() -> None:
            async for kind, obj in stream:
                if kind in ("ADDED", "MODIFIED"):
                    renew[obj["metadata"]["name"]].append(parse_rfc3339(obj["spec"]["renewTime"]))

        w = asyncio.ensure_future(watch())
        n0 = reg.get("nodes", "hollow-node-0")
        since = next(c for c in n0["status"]["conditions"] if c["type"] == "Ready")
        async with serving(nodes):
            await clock.sleep(125)
        stream.stop()
        w.cancel()
        for name, times in renew.items():
            steady = times[-10:]  # after registration and the first (jittered) renewal
            gaps = [b - a for a, b in itertools.pairwise(steady)]
            assert len(times) >= 12, name
            assert all(abs(g - 10.0) < 1e-6 for g in gaps), (name, gaps)
        # Renewals are spread over the period, not synchronised.
        assert len({round(t[1] % 10, 3) for t in renew.values()}) > 1
        n0 = reg.get("nodes", "hollow-node-0")
        ready = next(c for c in n0["status"]["conditions"] if c["type"] == "Ready")
        assert parse_rfc3339(ready["lastHeartbeatTime"]) > parse_rfc3339(since["lastHeartbeatTime"])
        assert ready["lastTransitionTime"] == since["lastTransitionTime"]
        assert nodes.status_reports >= 8
        assert nodes.errors == 0

    run(scenario)


def test_restart_takes_over_existing_nodes_and_leases() -> None:
    async def scenario(client: Any, reg: APIRegistry, clock: VirtualClock) -> None:
        first = HollowNodes(client, clock, 2)
        await first.register()
        await client.patch(
            "nodes",
            "hollow-node-0",
            {"status": {"conditions": [{"type": "Ready", "status": "False"}]}},
            subresource="status",
            patch_type="strategic",
        )
        await clock.sleep(100)
        again = HollowNodes(client, clock, 2)
        await again.register()
        n0 = reg.get("nodes", "hollow-node-0")
        ready = next(c for c in n0["status"]["conditions"] if c["type"] == "Ready")
        assert ready["status"] == "True"
        lease = reg.get("leases", "hollow-node-0", namespace=NODE_LEASE_NAMESPACE)
        assert parse_rfc3339(lease["spec"]["renewTime"]) == pytest.approx(clock.now(), abs=1e-3)
        assert again.errors == 0

    run(scenario)


def test_bound_pods_run_and_deleted_pods_go_away() -> None:
    async def scenario(client: Any, reg: APIRegistry, clock: VirtualClock) -> None:
        nodes = HollowNodes(client, clock, 2)
        await nodes.register()
        cidr = ipaddress.IPv4Network(reg.get("nodes", "hollow-node-1")["spec"]["podCIDR"])
        node_ip = reg.get("nodes", "hollow-node-1")["status"]["addresses"][0]["address"]
        async with serving(nodes):
            await client.create("pods", pod("web", "hollow-node-1"))
            await client.create("pods", pod("host", "hollow-node-1", hostNetwork=True))
            await client.create(
                "pods",
                pod(
                    "init",
                    "hollow-node-1",
                    initContainers=[{"name": "setup", "image": "busybox"}],
                ),
            )
            await client.create("pods", pod("elsewhere", "other-node"))
            await client.create("pods", pod("pending", None))
            running = ("web", "host", "init")
            await clock.run_until(
                lambda: all(
                    reg.get("pods", n, namespace="default")["status"].get("phase") == "Running"
                    for n in running
                ),
                timeout=5,
            )
            web = reg.get("pods", "web", namespace="default")["status"]
            assert ipaddress.IPv4Address(web["podIP"]) in cidr
            assert web["hostIP"] == node_ip
            assert {c["type"]: c["status"] for c in web["conditions"]} == {
                "PodReadyToStartContainers": "True",
                "Initialized": "True",
                "Ready": "True",
                "ContainersReady": "True",
                "PodScheduled": "True",
            }
            cs = web["containerStatuses"][0]
            assert cs["ready"] is True
            assert "running" in cs["state"]
            host = reg.get("pods", "host", namespace="default")["status"]
            assert host["podIP"] == node_ip
            init = reg.get("pods", "init", namespace="default")["status"]
            assert init["initContainerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
            for name in ("elsewhere", "pending"):
                assert "phase" not in reg.get("pods", name, namespace="default")["status"] or (
                    reg.get("pods", name, namespace="default")["status"]["phase"] == "Pending"
                )
            # Graceful deletion (30 s by default) completes at once: the kubelet confirms.
            answer = await client.delete("pods", "web")
            assert answer["metadata"].get("deletionTimestamp")
            await clock.run_until(
                lambda: "web" not in {p["metadata"]["name"] for p in reg.list("pods")["items"]},
                timeout=2,
            )
            assert nodes.pods_deleted == 1
            # The address is free again.
            await client.create("pods", pod("next", "hollow-node-1"))
            await clock.run_until(
                lambda: (
                    reg.get("pods", "next", namespace="default")["status"].get("phase") == "Running"
                ),
                timeout=5,
            )
            assert reg.get("pods", "next", namespace="default")["status"]["podIP"] == web["podIP"]

    run(scenario)


def test_a_thousand_nodes_in_one_task() -> None:
    async def scenario(client: Any, reg: APIRegistry, clock: VirtualClock) -> None:
        nodes = HollowNodes(client, clock, 1000, rng=random.Random(1))
        before = len(asyncio.all_tasks())
        await nodes.register()
        async with serving(nodes):
            await clock.sleep(21)
            # The node task plus the shared informer's (reflector, dispatch): not per node.
            assert len(asyncio.all_tasks()) - before <= 6
        assert len(reg.list("nodes")["items"]) == 1000
        assert nodes.lease_renewals >= 1000 + 2 * 1000 - 10
        assert nodes.errors == 0

    run(scenario)


def test_bad_configuration_is_rejected_clearly() -> None:
    with pytest.raises(ValueError, match="pods per node must be >= 1"):
        HollowNodeConfig(pods=0)
    with pytest.raises(ValueError, match="lease duration must be >= 1 second"):
        HollowNodeConfig(lease_duration_seconds=0)
    with pytest.raises(ValueError, match="invalid pod_network 'not-a-network'"):
        HollowNodeConfig(pod_network="not-a-network")

    async def scenario(client: Any, reg: APIRegistry, clock: VirtualClock) -> None:
        cfg = HollowNodeConfig(pod_network="127.200.0.0/24", pods=110)
        with pytest.raises(ValueError, match=r"room for 2 nodes of 110 pods, not 3"):
            HollowNodes(client, clock, 3, config=cfg)
        with pytest.raises(ValueError, match="node count must be >= 0"):
            HollowNodes(client, clock, -1)

    run(scenario)
