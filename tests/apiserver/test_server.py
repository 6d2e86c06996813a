"""A real APIServer (uvicorn on 127.0.0.1): TLS, tokens, kubeconfig, watch streaming,
restarts on the same data directory.

Timing: watches here use short server-side timeouts and bookmark intervals (fractions of a
second) and bounded waits; nothing sleeps for a fixed time.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import yaml

from kcore.apiserver.server import APIServer
from kcore.testing.apiserver import running_apiserver

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def _client(srv: APIServer, token: str | None = "admin") -> httpx.AsyncClient:
    headers = {}
    if token == "admin":
        token = srv.admin_token
    if token:
        headers["Authorization"] = f"Bearer {token}"
    verify: Any = ssl.create_default_context(cafile=str(srv.ca_path)) if srv.ca_path else True
    return httpx.AsyncClient(base_url=srv.url, headers=headers, verify=verify, timeout=20)


async def _events(resp: httpx.Response, n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    async for line in resp.aiter_lines():
        if line:
            out.append(orjson.loads(line))
        if len(out) == n:
            break
    return out


def test_tls_kubeconfig_and_tokens(tmp_path):
    async def main() -> None:
        async with running_apiserver(store="memory", data_dir=tmp_path) as srv:
            assert srv.url.startswith("https://127.0.0.1:")
            kc = yaml.safe_load(srv.kubeconfig_path.read_text())
            cluster = kc["clusters"][0]["cluster"]
            assert cluster["server"] == srv.url
            assert (
                base64.b64decode(cluster["certificate-authority-data"]) == srv.ca_path.read_bytes()
            )
            assert kc["users"][0]["user"]["token"] == srv.admin_token
            assert oct(srv.kubeconfig_path.stat().st_mode & 0o777) == "0o600"
            async with _client(srv) as c:
                r = await c.get("/api/v1/namespaces")
                assert r.status_code == 200
            async with _client(srv, token=None) as c:
                r = await c.get("/api/v1/namespaces")
                assert r.status_code == 401
                assert r.json()["reason"] == "Unauthorized"
                assert (await c.get("/readyz")).text == "ok"
            async with httpx.AsyncClient(verify=True) as c:
                with pytest.raises(httpx.ConnectError):
                    await c.get(f"{srv.url}/version")

    asyncio.run(main())


def test_restart_keeps_objects_certificates_and_tokens(tmp_path):
    async def main() -> None:
        async with running_apiserver(store="sqlite", data_dir=tmp_path) as srv:
            async with _client(srv) as c:
                r = await c.post(
                    "/api/v1/namespaces/default/configmaps",
                    json={"metadata": {"name": "keep"}, "data": {"a": "b"}},
                )
                assert r.status_code == 201
                svc = await c.post(
                    "/api/v1/namespaces/default/services",
                    json={"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}},
                )
                ip = svc.json()["spec"]["clusterIP"]
            token, ca = srv.admin_token, srv.ca_path.read_bytes()
        async with running_apiserver(store="sqlite", data_dir=tmp_path) as srv2:
            assert srv2.admin_token == token
            assert srv2.ca_path.read_bytes() == ca
            async with _client(srv2) as c:
                r = await c.get("/api/v1/namespaces/default/configmaps/keep")
                assert r.status_code == 200
                assert r.json()["data"] == {"a": "b"}
                # the allocation was rebuilt: the same address is not handed out again
                r = await c.post(
                    "/api/v1/namespaces/default/services",
                    json={
                        "metadata": {"name": "s2"},
                        "spec": {"clusterIP": ip, "ports": [{"port": 80}]},
                    },
                )
                assert r.status_code == 422
                assert "provided IP is already allocated" in r.json()["message"]

    asyncio.run(main())


def test_port_in_use_is_a_clear_error(tmp_path):
    async def main() -> None:
        async with running_apiserver(store="memory") as srv:
            other = APIServer(data_dir=tmp_path, port=srv.port, store="memory")
            with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{srv.port}"):
                await other.start()

    asyncio.run(main())


def test_watch_streams_changes_in_order_with_selector_transitions():
    async def main() -> None:
        async with running_apiserver(store="memory") as srv, _client(srv) as c:
            base = "/api/v1/namespaces/default/configmaps"
            await c.post(base, json={"metadata": {"name": "pre", "labels": {"w": "1"}}})
            lst = (await c.get(base)).json()
            rv = lst["metadata"]["resourceVersion"]
            async with c.stream(
                "GET", f"{base}?watch=true&resourceVersion={rv}&labelSelector=w%3D1"
            ) as resp:
                assert resp.status_code == 200
                assert resp.headers["content-type"] == "application/json"
                assert resp.headers.get("transfer-encoding") == "chunked"
                await c.post(base, json={"metadata": {"name": "a", "labels": {"w": "1"}}})
                await c.post(base, json={"metadata": {"name": "ignored"}})
                cur = (await c.get(f"{base}/a")).json()
                cur["metadata"]["labels"] = {"w": "0"}
                await c.put(f"{base}/a", json=cur)  # stops matching -> DELETED
                cur = (await c.get(f"{base}/a")).json()
                cur["metadata"]["labels"] = {"w": "1"}
                await c.put(f"{base}/a", json=cur)  # matches again -> ADDED
                await c.delete(f"{base}/pre")
                events = await asyncio.wait_for(_events(resp, 4), 10)
            got = [(e["type"], e["object"]["metadata"]["name"]) for e in events]
            assert got == [("ADDED", "a"), ("DELETED", "a"), ("ADDED", "a"), ("DELETED", "pre")]
            rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
            assert rvs == sorted(rvs)
            assert rvs[0] > int(rv)

    asyncio.run(main())


def test_watch_without_resource_version_sends_synthetic_added_then_ends_on_timeout():
    async def main() -> None:
        async with running_apiserver(store="memory") as srv, _client(srv) as c:
            base = "/api/v1/namespaces/default/configmaps"
            for n in ("x", "y"):
                await c.post(base, json={"metadata": {"name": n}})
            async with c.stream("GET", f"{base}?watch=1&timeoutSeconds=1") as resp:
                events = [orjson.loads(line) async for line in resp.aiter_lines() if line]
            assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
                ("ADDED", "x"),
                ("ADDED", "y"),
            ]

    asyncio.run(main())


def test_watch_bookmarks_and_single_object_watch():
    async def main() -> None:
        async with (
            running_apiserver(store="memory", bookmark_interval=0.2) as srv,
            _client(srv) as c,
        ):
            base = "/api/v1/namespaces/default/configmaps"
            await c.post(base, json={"metadata": {"name": "one"}})
            await c.post(base, json={"metadata": {"name": "two"}})
            url = (
                f"{base}?watch=True&allowWatchBookmarks=True"
                "&fieldSelector=metadata.name%3Done&resourceVersion=0"
            )
            async with c.stream("GET", url) as resp:
                events = await asyncio.wait_for(_events(resp, 2), 10)
            assert events[0]["type"] == "ADDED"
            assert events[0]["object"]["metadata"]["name"] == "one"
            assert events[1]["type"] == "BOOKMARK"
            bm = events[1]["object"]
            assert bm["kind"] == "ConfigMap"
            assert bm["apiVersion"] == "v1"
            assert int(bm["metadata"]["resourceVersion"]) >= int(
                events[0]["object"]["metadata"]["resourceVersion"]
            )
            async with c.stream("GET", f"{base}/two?watch=true&timeoutSeconds=1") as resp:
                events = [orjson.loads(line) async for line in resp.aiter_lines() if line]
            assert [e["object"]["metadata"]["name"] for e in events] == ["two"]

    asyncio.run(main())


def test_watch_from_compacted_revision_is_an_error_event():
    async def main() -> None:
        async with running_apiserver(store="memory") as srv, _client(srv) as c:
            base = "/api/v1/namespaces/default/configmaps"
            await c.post(base, json={"metadata": {"name": "a"}})
            srv.store.compact(srv.store.revision)
            async with c.stream("GET", f"{base}?watch=true&resourceVersion=1") as resp:
                assert resp.status_code == 200
                events = [orjson.loads(line) async for line in resp.aiter_lines() if line]
            assert len(events) == 1
            err = events[0]
            assert err["type"] == "ERROR"
            assert err["object"]["code"] == 410
            assert err["object"]["reason"] == "Expired"
            assert err["object"]["message"].startswith("too old resource version: 1 (")

    asyncio.run(main())


def test_watch_with_table_accept_sends_tables():
    async def main() -> None:
        async with running_apiserver(store="memory") as srv, _client(srv) as c:
            base = "/api/v1/namespaces/default/pods"
            pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
            await c.post(base, json=pod)
            async with c.stream(
                "GET", f"{base}?watch=true&resourceVersion=0", headers={"Accept": TABLE}
            ) as resp:
                (ev,) = await asyncio.wait_for(_events(resp, 1), 10)
            assert ev["type"] == "ADDED"
            assert ev["object"]["kind"] == "Table"
            assert ev["object"]["rows"][0]["cells"][0] == "p"
            assert ev["object"]["rows"][0]["object"]["metadata"]["name"] == "p"

    asyncio.run(main())


def test_stop_ends_open_watches_and_counts_watchers():
    async def main() -> None:
        async with running_apiserver(store="memory") as srv:
            c = _client(srv)
            lines: list[bytes] = []

            async def watch() -> None:
                async with c.stream("GET", "/api/v1/pods?watch=true&resourceVersion=0") as resp:
                    async for line in resp.aiter_lines():
                        lines.append(line.encode())

            task = asyncio.ensure_future(watch())
            for _ in range(500):
                if srv.app.open_watches:
                    break
                await asyncio.sleep(0.01)
            assert srv.app.open_watches == 1
            assert (
                'apiserver_registered_watchers{group="",version="v1",kind="Pod"} 1'
                in srv.app.metrics.render()
            )
            await srv.stop()
            await asyncio.wait_for(task, 10)
            assert srv.app.open_watches == 0
            await c.aclose()

    asyncio.run(main())


def test_plain_http_mode(tmp_path):
    async def main() -> None:
        async with running_apiserver(store="memory", tls=False, data_dir=tmp_path) as srv:
            assert srv.url.startswith("http://")
            assert srv.ca_path is None
            async with _client(srv) as c:
                assert (await c.get("/version")).status_code == 200
            kc = yaml.safe_load(Path(srv.kubeconfig_path).read_text())
            assert "certificate-authority-data" not in kc["clusters"][0]["cluster"]

    asyncio.run(main())
