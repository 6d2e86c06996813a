"""The lean HTTP/1.1 transport under ``HTTPClient`` (and, as ``AsyncioTransport``, under
``httpx``), against a real APIServer (HTTPS + token).

Covered: CRUD, the binding subresource and patches; API errors mapped by the client as with
httpx's own transport (NotFound, Conflict); keep-alive reuse; a watch streaming events and
stopped mid-stream (its connection closed, others unaffected); the connection limit (callers
wait for a slot); a connection the server closed while idle (retried transparently); an
unreachable server and a wrong CA (``ServiceUnavailable``); ``httpx.AsyncClient`` driving
``AsyncioTransport`` (answers, streaming, errors as httpx's exceptions).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from kcore.api.errors import Conflict, NotFound, ServiceUnavailable
from kcore.client.http import HTTPClient
from kcore.scheduler.component.app import http_client
from kcore.scheduler.component.transport import AsyncioTransport
from kcore.testing.apiserver import apiserver_thread

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def srv() -> Iterator[Any]:
    with apiserver_thread(store="memory") as s:
        yield s


def _pod(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "x"}]},
    }


def test_crud_binding_and_errors(srv: Any) -> None:
    async def main() -> None:
        c = http_client(srv.kubeconfig_path, qps=None, burst=1, connections=4)
        transport = c.transport
        assert isinstance(transport, AsyncioTransport)
        node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "tn1"}}
        await c.create("nodes", node)
        created = await c.create("pods", _pod("t1"))
        assert created["metadata"]["uid"]
        await c.create(
            "pods",
            {
                "apiVersion": "v1",
                "kind": "Binding",
                "metadata": {"name": "t1"},
                "target": {"kind": "Node", "name": "tn1"},
            },
            namespace="default",
            name="t1",
            subresource="binding",
        )
        got = await c.get("pods", "t1", namespace="default")
        assert got["spec"]["nodeName"] == "tn1"
        with pytest.raises(Conflict, match="already assigned"):
            await c.create(
                "pods",
                {
                    "apiVersion": "v1",
                    "kind": "Binding",
                    "metadata": {"name": "t1"},
                    "target": {"kind": "Node", "name": "tn1"},
                },
                namespace="default",
                name="t1",
                subresource="binding",
            )
        with pytest.raises(NotFound):
            await c.get("pods", "missing", namespace="default")
        patched = await c.patch(
            "pods", "t1", {"metadata": {"labels": {"a": "b"}}}, namespace="default"
        )
        assert patched["metadata"]["labels"] == {"a": "b"}
        listed = await c.list("pods", namespace="default")
        assert "t1" in {p["metadata"]["name"] for p in listed["items"]}
        for _ in range(20):
            await c.get("pods", "t1", namespace="default")
        assert transport.connects == 1  # one keep-alive connection served everything
        await c.delete("pods", "t1", namespace="default", grace_period_seconds=0)
        await c.delete("nodes", "tn1")
        await c.close()

    asyncio.run(main())


def test_watch_streams_and_stops(srv: Any) -> None:
    async def main() -> None:
        c = http_client(srv.kubeconfig_path, qps=None, burst=1, connections=8)
        transport = c.transport
        stream = c.watch("pods", namespace="default", resource_version="0")
        seen: list[tuple[str, str]] = []

        async def consume() -> None:
            async for kind, obj in stream:
                if kind in ("ADDED", "MODIFIED", "DELETED"):
                    seen.append((kind, obj["metadata"]["name"]))

        task = asyncio.ensure_future(consume())
        for i in range(5):
            await c.create("pods", _pod(f"w{i}"))
        for _ in range(200):
            if len([s for s in seen if s[1].startswith("w")]) >= 5:
                break
            await asyncio.sleep(0.01)
        assert [n for k, n in seen if n.startswith("w")] == [f"w{i}" for i in range(5)]
        stream.stop()
        await asyncio.wait_for(task, 5)
        # The stopped watch's connection was closed; requests still work.
        for i in range(5):
            await c.delete("pods", f"w{i}", namespace="default", grace_period_seconds=0)
        assert transport._open <= 2
        await c.close()

    asyncio.run(main())


def test_connection_limit_makes_callers_wait(srv: Any) -> None:
    async def main() -> None:
        c = http_client(srv.kubeconfig_path, qps=None, burst=1, connections=2)
        transport = c.transport
        results = await asyncio.gather(*(c.get("namespaces", "default") for _ in range(30)))
        assert len(results) == 30
        assert transport.connects <= 2
        await c.close()

    asyncio.run(main())


def test_idle_connection_closed_by_the_server_is_retried(srv: Any) -> None:
    async def main() -> None:
        c = http_client(srv.kubeconfig_path, qps=None, burst=1, connections=2)
        transport = c.transport
        await c.get("namespaces", "default")
        (conn,) = [x for idle in transport._idle.values() for x in idle]
        # Simulate the server's keep-alive timeout: the socket is shut down under us.
        conn.sock.shutdown(socket.SHUT_RDWR)
        await asyncio.sleep(0.05)
        ns = await c.get("namespaces", "default")
        assert ns["metadata"]["name"] == "default"
        assert transport.connects == 2
        await c.close()

    asyncio.run(main())


def test_unreachable_server_and_bad_ca(srv: Any) -> None:
    async def main() -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        c = HTTPClient(f"http://127.0.0.1:{port}", qps=None, transport=AsyncioTransport())
        with pytest.raises(ServiceUnavailable, match="cannot reach the server"):
            await c.get("namespaces", "default")
        await c.close()
        bad = HTTPClient(
            srv.url, qps=None, transport=AsyncioTransport(verify=ssl.create_default_context())
        )
        with pytest.raises(ServiceUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
            await bad.get("namespaces", "default")
        await bad.close()

    asyncio.run(main())


def test_httpx_can_drive_the_transport(srv: Any) -> None:
    async def main() -> None:
        ctx = ssl.create_default_context(cafile=str(srv.ca_path))
        headers = {"Authorization": f"Bearer {srv.admin_token}"}
        async with httpx.AsyncClient(
            transport=AsyncioTransport(verify=ctx), base_url=srv.url, headers=headers
        ) as c:
            r = await c.get("/api/v1/namespaces/default")
            assert r.status_code == 200
            assert r.json()["metadata"]["name"] == "default"
            r = await c.get("/api/v1/namespaces/nope")
            assert r.status_code == 404
            assert r.json()["reason"] == "NotFound"
            async with c.stream("GET", "/api/v1/namespaces?watch=true&timeoutSeconds=1") as w:
                line = await w.aiter_lines().__anext__()
                assert '"ADDED"' in line
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        async with httpx.AsyncClient(transport=AsyncioTransport()) as c:
            with pytest.raises(httpx.ConnectError, match="refused"):
                await c.get(f"http://127.0.0.1:{port}/")

    asyncio.run(main())
