"""The Client contract, run against both implementations.

* ``local``: ``LocalClient`` over the real ``APIRegistry`` with the memory store, on a virtual
  clock.
* ``http``: ``HTTPClient.from_kubeconfig`` (TLS + bearer token) against a real APIServer on
  127.0.0.1 with the memory store, started once for the module in a background thread.

Each scenario works in a namespace of its own. Covered: CRUD and its errors, optimistic
concurrency, patches of every type, subresources (status, binding), dry runs, delete options,
label/field selectors, chunked lists, watches (ordering, selectors, bookmarks, 410 after
compaction, a bad start), resource name spellings, a shared informer and a lister over the
client, and leader election on real Leases. Not covered here: authentication failures and
discovery (APIServer tests).
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from kcore.api.errors import AlreadyExists, BadRequest, Conflict, Invalid, NotFound
from kcore.client.http import HTTPClient
from kcore.client.informer import ResourceEventHandler, SharedInformerFactory
from kcore.client.leader_election import (
    LeaderCallbacks,
    LeaderElectionConfig,
    LeaderElector,
    LeaseLock,
)
from kcore.client.local import LocalClient
from kcore.testing.apiserver import ThreadedAPIServer, apiserver_thread
from kcore.util.clock import Clock, RealClock, VirtualClock

if TYPE_CHECKING:
    from kcore.client.interface import Client

_ns_counter = itertools.count()


@dataclass
class Env:
    """What a scenario gets: a client, its clock, a namespace and a few helpers."""

    client: Client
    clock: Clock
    ns: str
    compact: Callable[[], None]
    virtual: bool

    async def wait_for(self, pred: Callable[[], bool], timeout: float = 10.0) -> None:
        if isinstance(self.clock, VirtualClock):
            await self.clock.run_until(pred, timeout=timeout)
            return
        deadline = self.clock.monotonic() + timeout
        while not pred():
            if self.clock.monotonic() > deadline:
                msg = f"condition not met within {timeout}s"
                raise TimeoutError(msg)
            await self.clock.sleep(0.01)


Scenario = Callable[[Env], Awaitable[None]]


@pytest.fixture(scope="module")
def http_server() -> Generator[ThreadedAPIServer, None, None]:
    """A real APIServer (memory store, TLS, token auth) on its own loop in a thread."""
    with apiserver_thread(store="memory", rng=random.Random(0)) as srv:
        yield srv


def _new_ns() -> str:
    return f"contract-{next(_ns_counter)}"


async def _make_namespace(client: Client, ns: str) -> None:
    await client.create(
        "namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
    )


@pytest.fixture(params=["local", "http"])
def run(request: pytest.FixtureRequest) -> Callable[[Scenario], None]:
    if request.param == "local":
        from kcore.apiserver.registry import APIRegistry
        from kcore.storage.memory import MemoryStore

        def run_local(scenario: Scenario) -> None:
            clock = VirtualClock()

            async def main() -> None:
                store = MemoryStore()
                registry = APIRegistry(store, clock, rng=random.Random(0))
                client = LocalClient(registry)
                ns = _new_ns()
                await _make_namespace(client, ns)

                def compact() -> None:
                    store.compact(store.revision)

                await scenario(Env(client, clock, ns, compact, virtual=True))
                await client.close()

            clock.run(main())

        return run_local

    srv: ThreadedAPIServer = request.getfixturevalue("http_server")

    def compact_http() -> None:
        store = srv.server.store
        store.compact(store.revision)

    def run_http(scenario: Scenario) -> None:
        async def main() -> None:
            client = HTTPClient.from_kubeconfig(srv.kubeconfig_path, qps=None)
            try:
                ns = _new_ns()
                await _make_namespace(client, ns)
                await scenario(Env(client, RealClock(), ns, compact_http, virtual=False))
            finally:
                await client.close()

        asyncio.run(main())

    return run_http


def pod(name: str, ns: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]},
    }


async def relabel(c: Client, ns: str, name: str, labels: dict[str, str], **annotations: str) -> Any:
    """Read-modify-write through update (copying what changes: objects are immutable)."""
    cur = await c.get("pods", name, namespace=ns)
    md = {**cur["metadata"], "labels": {**(cur["metadata"].get("labels") or {}), **labels}}
    if annotations:
        md["annotations"] = {**(cur["metadata"].get("annotations") or {}), **annotations}
    return await c.update("pods", {**cur, "metadata": md})


def node(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}


# -- scenarios ------------------------------------------------------------------------------


def test_create_get_and_server_fields(run: Callable[[Scenario], None]) -> None:
    async def scenario(env: Env) -> None:
        c = env.client
        created = await c.create("pods", pod("a", env.ns))
        md = created["metadata"]
        assert md["name"] == "a"
        assert md["namespace"] == env.ns
        assert md["uid"]
        assert md["resourceVersion"]
        assert md["creationTimestamp"].endswith("Z")
        got = await c.get("po", "a", namespace=env.ns)
        assert got["metadata"]["uid"] == md["uid"]
        assert got["metadata"]["resourceVersion"] == md["resourceVersion"]
        assert got["kind"] == "Pod"
        assert got["apiVersion"] == "v1"

    run(scenario)


def test_errors_have_kubernetes_reasons_and_messages(run: Callable[[Scenario], None]) -> None:
    async def scenario(env: Env) -> None:
        c = env.client
        await c.create("pods", pod("a", env.ns))
        with pytest.raises(AlreadyExists, match='pods "a" already exists'):
            await c.create("pods", pod("a", env.ns))
        with pytest.raises(NotFound, match='pods "zz" not found'):
            await c.get("pods", "zz", namespace=env.ns)
        with pytest.raises(NotFound, match=r'deployments\.apps "zz" not found'):
            await c.delete("deployments", "zz", namespace=env.ns)
        with pytest.raises(NotFound, match="doesn't have a resource type"):
            await c.get("widgets", "x", namespace=env.ns)
        bad = pod("Bad_Name", env.ns)
        with pytest.raises(Invalid) as info:
            await c.create("pods", bad)
        assert info.value.details.causes
        assert any(cause.field == "metadata.name" for cause in info.value.details.causes)
        with pytest.raises(BadRequest):
            await c.list("pods", namespace=env.ns, label_selector="a in (")
        # nothing was lost by the failures
        items = (await c.list("pods", namespace=env.ns))["items"]
        assert [p["metadata"]["name"] for p in items] == ["a"]

    run(scenario)


def test_update_is_conditional_on_resource_version(run: Callable[[Scenario], None]) -> None:
    async def scenario(env: Env) -> None:
        c = env.client
        v1 = await c.create("pods", pod("a", env.ns))
        changed = {**v1, "metadata": {**v1["metadata"], "labels": {"x": "1"}}}
        v2 = await c.update("pods", changed)
        assert v2["metadata"]["labels"] == {"x": "1"}
        assert int(v2["metadata"]["resourceVersion"]) > int(v1["metadata"]["resourceVersion"])
        stale = {**v1, "metadata": {**v1["metadata"], "labels": {"x": "2"}}}
        with pytest.raises(Conflict, match="the object has been modified"):
            await c.update("pods", stale)
        unconditional = {**v1, "metadata": {**v1["metadata"], "labels": {"x": "3"}}}
        del unconditional["metadata"]["resourceVersion"]
        v3 = await c.update("pods", unconditional)
        assert v3["metadata"]["labels"] == {"x": "3"}

    run(scenario)


def test_patches_of_every_type(run: Callable[[Scenario], None]) -> None:
    async def scenario(env: Env) -> None:
        c = env.client
        await c.create("pods", pod("a", env.ns, app="web"))
        m = await c.patch(
            "pods", "a", {"metadata": {"labels": {"tier": "fe", "app": None}}}, namespace=env.ns
        )
        assert m["metadata"]["labels"] == {"tier": "fe"}
        j = await c.patch(
            "pods",
            "a",
            [{"op": "add", "path": "/metadata/annotations", "value": {"k": "v"}}],
            namespace=env.ns,
            patch_type="json",
        )
        assert j["metadata"]["annotations"] == {"k": "v"}
        s = await c.patch(
            "pods",
            "a",
            {"spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.9"}]}},
            namespace=env.ns,
            patch_type="strategic",
        )
        assert [(x["name"], x["image"]) for x in s["spec"]["containers"]] == [
            ("c", "registry.k8s.io/pause:3.9")
        ]
        st = await c.patch(
            "pods", "a", {"status": {"phase": "Running"}}, namespace=env.ns, subresource="status"
        )
        assert st["status"]["phase"] == "Running"
        with pytest.raises(NotFound):
            await c.patch("pods", "nope", {"metadata": {}}, namespace=env.ns)

    run(scenario)


def test_binding_subresource_and_cluster_scoped_resources(run: Callable[[Scenario], None]) -> None:
    async def scenario(env: Env) -> None:
        c = env.client
        name = f"{env.ns}-n1"
        n = await c.create("nodes", node(name), namespace="ignored-for-cluster-scope")
        assert "namespace" not in n["metadata"] or not n["metadata"]["namespace"]
        await c.create("pods", pod("a", env.ns))
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": "a", "namespace": env.ns},
            "target": {"apiVersion": "v1", "kind": "Node", "name": name},
        }
        await c.create("pods", binding, namespace=env.ns, name="a", subresource="binding")
        bound = await c.get("pods", "a", namespace=env.ns)
        assert bound["spec"]["nodeName"] == name
        with pytest.raises(Conflict):
            await c.create("pods", binding, namespace=env.ns, name="a", subresource="binding")
        assert (await c.get("nodes", name))["metadata"]["name"] == name
        await c.delete("nodes", name)

    run(scenario)


def test_dry_run_and_delete_options(run: Callable[[Scenario], None]) -> None:
    async def scenario(env: Env) -> None:
        c = env.client
        dry = await c.create("pods", pod("ghost", env.ns), dry_run=True)
        assert dry["metadata"]["name"] == "ghost"
        with pytest.raises(NotFound):
            await c.get("pods", "ghost", namespace=env.ns)
        a = await c.create("pods", pod("a", env.ns))
        with pytest.raises(Conflict):
            await c.delete("pods", "a", namespace=env.ns, preconditions={"uid": "not-the-uid"})
        await c.delete("pods", "a", namespace=env.ns, dry_run=True)
        assert (await c.get("pods", "a", namespace=env.ns))["metadata"]["uid"] == a["metadata"][
            "uid"
        ]
        await c.delete(
            "pods",
            "a",
            namespace=env.ns,
            grace_period_seconds=0,
            preconditions={"uid": a["metadata"]["uid"]},
        )
        with pytest.raises(NotFound):
            await c.get("pods", "a", namespace=env.ns)

    run(scenario)


def test_list_selectors_and_chunking(run: Callable[[Scenario], None]) -> None:
    async def scenario(env: Env) -> None:
        c = env.client
        for i in range(7):
            await c.create("pods", pod(f"p{i}", env.ns, app="web" if i % 2 else "db"))
        full = await c.list("pods", namespace=env.ns)
        assert sorted(p["metadata"]["name"] for p in full["items"]) == [f"p{i}" for i in range(7)]
        assert full["metadata"]["resourceVersion"]
        web = await c.list("pods", namespace=env.ns, label_selector="app=web")
        assert sorted(p["metadata"]["name"] for p in web["items"]) == ["p1", "p3", "p5"]
        one = await c.list("pods", namespace=env.ns, field_selector="metadata.name=p4")
        assert [p["metadata"]["name"] for p in one["items"]] == ["p4"]
        pending = await c.list("pods", namespace=env.ns, field_selector="spec.nodeName=")
        assert len(pending["items"]) == 7
        names: list[str] = []
        token: str | None = None
        pages = 0
        while True:
            page = await c.list("pods", namespace=env.ns, limit=3, continue_=token)
            pages += 1
            names += [p["metadata"]["name"] for p in page["items"]]
            token = page["metadata"].get("continue") or None
            if not token:
                break
        assert pages == 3
        assert sorted(names) == [f"p{i}" for i in range(7)]
        everywhere = await c.list("pods")
        assert len([p for p in everywhere["items"] if p["metadata"]["namespace"] == env.ns]) == 7
        gone = await c.delete_collection("pods", namespace=env.ns, label_selector="app=db")
        assert gone is not None
        left = await c.list("pods", namespace=env.ns)
        assert sorted(p["metadata"]["name"] for p in left["items"]) == ["p1", "p3", "p5"]

    run(scenario)


def test_watch_from_list_version_in_order(run: Callable[[Scenario], None]) -> None:
    async def scenario(env: Env) -> None:
        c = env.client
        await c.create("pods", pod("before", env.ns))
        rv = (await c.list("pods", namespace=env.ns))["metadata"]["resourceVersion"]
        w = c.watch("pods", namespace=env.ns, resource_version=rv, label_selector="w=1")
        seen: list[tuple[str, str, str]] = []

        async def consume() -> None:
            async for t, o in w:
                if t == "BOOKMARK":
                    continue
                seen.append((t, o["metadata"]["name"], o["metadata"]["resourceVersion"]))
                if len(seen) == 4:
                    return

        task = asyncio.ensure_future(consume())
        await asyncio.sleep(0)
        a = await c.create("pods", pod("a", env.ns, w="1"))
        await c.create("pods", pod("other", env.ns, w="0"))
        a2 = await relabel(c, env.ns, "a", {}, x="y")
        await relabel(c, env.ns, "a", {"w": "0"})  # no longer matches: DELETED
        b = await c.create("pods", pod("b", env.ns, w="1"))
        await asyncio.wait_for(task, 10)
        w.stop()
        assert [(t, n) for t, n, _ in seen] == [
            ("ADDED", "a"),
            ("MODIFIED", "a"),
            ("DELETED", "a"),
            ("ADDED", "b"),
        ]
        assert seen[0][2] == a["metadata"]["resourceVersion"]
        assert seen[1][2] == a2["metadata"]["resourceVersion"]
        assert seen[3][2] == b["metadata"]["resourceVersion"]
        versions = [int(v) for _, _, v in seen]
        assert versions == sorted(versions)

    run(scenario)


def test_watch_from_compacted_version_reports_410(run: Callable[[Scenario], None]) -> None:
    async def scenario(env: Env) -> None:
        c = env.client
        old = (await c.create("pods", pod("a", env.ns)))["metadata"]["resourceVersion"]
        await relabel(c, env.ns, "a", {"n": "1"})
        await relabel(c, env.ns, "a", {"n": "2"})
        env.compact()
        events = []
        async for t, o in c.watch("pods", namespace=env.ns, resource_version=old):
            events.append((t, o))
        assert len(events) == 1
        t, status = events[0]
        assert t == "ERROR"
        assert status["code"] == 410
        assert status["reason"] in ("Expired", "Gone")

    run(scenario)


def test_watch_without_version_starts_with_current_objects(run: Callable[[Scenario], None]) -> None:
    async def scenario(env: Env) -> None:
        c = env.client
        await c.create("pods", pod("a", env.ns))
        await c.create("pods", pod("b", env.ns))
        w = c.watch("pods", namespace=env.ns)
        names = []
        async for t, o in w:
            if t == "ADDED":
                names.append(o["metadata"]["name"])
            if len(names) == 2:
                break
        w.stop()
        assert sorted(names) == ["a", "b"]

    run(scenario)


def test_informer_and_lister_over_the_client(run: Callable[[Scenario], None]) -> None:
    async def scenario(env: Env) -> None:
        c = env.client
        await c.create("pods", pod("a", env.ns, app="web"))
        factory = SharedInformerFactory(c, env.clock, namespace=env.ns)
        informer = factory.informer_for("pods")
        assert factory.informer_for("po") is informer
        events: list[tuple[str, str]] = []
        informer.add_event_handler(
            ResourceEventHandler(
                on_add=lambda o: events.append(("add", o["metadata"]["name"])),
                on_update=lambda a, b: events.append(("update", b["metadata"]["name"])),
                on_delete=lambda o: events.append(("delete", o["metadata"]["name"])),
            )
        )
        factory.start()
        synced = await factory.wait_for_cache_sync(timeout=10)
        assert synced == {"pods": True}
        await c.create("pods", pod("b", env.ns, app="db"))
        await relabel(c, env.ns, "a", {"v": "2"})
        await c.delete("pods", "b", namespace=env.ns, grace_period_seconds=0)
        await env.wait_for(lambda: ("delete", "b") in events)
        assert events[0] == ("add", "a")
        assert ("add", "b") in events
        assert ("update", "a") in events
        lister = factory.lister_for("pods")
        assert lister.get(env.ns, "a")["metadata"]["labels"] == {"app": "web", "v": "2"}
        assert [p["metadata"]["name"] for p in lister.namespace(env.ns).list("app=web")] == ["a"]
        with pytest.raises(NotFound):
            lister.get(env.ns, "b")
        await factory.shutdown()

    run(scenario)


def test_leader_election_on_real_leases(run: Callable[[Scenario], None]) -> None:
    async def scenario(env: Env) -> None:
        c = env.client
        led: list[str] = []
        stopped: list[str] = []

        def elector(who: str) -> LeaderElector:
            async def lead() -> None:
                led.append(who)
                await asyncio.Event().wait()

            return LeaderElector(
                LeaderElectionConfig(
                    lock=LeaseLock(c, env.ns, "contract-lock", who),
                    callbacks=LeaderCallbacks(lead, lambda: stopped.append(who)),
                    lease_duration=4 if env.virtual else 3,
                    renew_deadline=3 if env.virtual else 2,
                    retry_period=1,
                    release_on_cancel=True,
                ),
                env.clock,
            )

        a, b = elector("a"), elector("b")
        ta = asyncio.ensure_future(a.run())
        await env.wait_for(lambda: led == ["a"])
        tb = asyncio.ensure_future(b.run())
        lease = await c.get("leases", "contract-lock", namespace=env.ns)
        assert lease["spec"]["holderIdentity"] == "a"
        ta.cancel()
        await asyncio.gather(ta, return_exceptions=True)
        await env.wait_for(lambda: led == ["a", "b"], timeout=15)
        assert stopped == ["a"]
        lease = await c.get("leases", "contract-lock", namespace=env.ns)
        assert lease["spec"]["holderIdentity"] == "b"
        assert lease["spec"]["leaseTransitions"] == 1
        tb.cancel()
        await asyncio.gather(tb, return_exceptions=True)

    run(scenario)
