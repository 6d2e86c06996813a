"""APIServers backed by a real etcd, including two servers sharing one etcd.

What one server writes, the other serves and streams to its watchers; optimistic concurrency
holds across servers (a stale write through either is a 409, none is lost); Service addresses
allocated through both servers never collide.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import TYPE_CHECKING, Any

import httpx
import orjson
import pytest

from kcore.testing.apiserver import running_apiserver
from kcore.testing.etcd import EtcdServer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from kcore.apiserver.server import APIServer

pytestmark = pytest.mark.etcd

_prefix = iter(range(1000))


@pytest.fixture(scope="module")
def etcd() -> Iterator[EtcdServer]:
    with EtcdServer() as server:
        yield server


def _client(srv: APIServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=srv.url,
        headers={"Authorization": f"Bearer {srv.admin_token}"},
        verify=ssl.create_default_context(cafile=str(srv.ca_path)),
        timeout=30,
    )


def test_two_servers_on_one_etcd(etcd, tmp_path):
    spec = etcd.spec(prefix=f"/kcore-{next(_prefix)}")

    async def main() -> None:
        async with (
            running_apiserver(store=spec, data_dir=tmp_path / "a") as a,
            running_apiserver(store=spec, data_dir=tmp_path / "b") as b,
            _client(a) as ca,
            _client(b) as cb,
        ):
            base = "/api/v1/namespaces/default/configmaps"
            # b watches; a writes
            rv = (await cb.get(base)).json()["metadata"]["resourceVersion"]
            async with cb.stream("GET", f"{base}?watch=true&resourceVersion={rv}") as resp:
                r = await ca.post(base, json={"metadata": {"name": "x"}, "data": {"v": "1"}})
                assert r.status_code == 201
                async for line in resp.aiter_lines():
                    if line:
                        ev = orjson.loads(line)
                        break
            assert ev["type"] == "ADDED"
            assert ev["object"]["metadata"]["name"] == "x"
            got = (await cb.get(f"{base}/x")).json()
            assert got["data"] == {"v": "1"}
            # a stale write through either server is a conflict
            stale = dict(got)
            await ca.put(f"{base}/x", json={**got, "data": {"v": "2"}})
            r = await cb.put(f"{base}/x", json={**stale, "data": {"v": "3"}})
            assert r.status_code == 409

            # concurrent read-modify-write through both servers loses nothing
            async def bump(c: httpx.AsyncClient, tag: str) -> int:
                conflicts = 0
                done = 0
                while done < 10:
                    cur = (await c.get(f"{base}/x")).json()
                    data = dict(cur.get("data") or {})
                    data[f"{tag}{done}"] = "y"
                    r = await c.put(f"{base}/x", json={**cur, "data": data})
                    if r.status_code == 409:
                        conflicts += 1
                        continue
                    assert r.status_code == 200, r.text
                    done += 1
                return conflicts

            await asyncio.gather(bump(ca, "a"), bump(cb, "b"))
            final = (await ca.get(f"{base}/x")).json()["data"]
            assert sum(1 for k in final if k[0] in "ab" and k[1:].isdigit()) == 20
            # Service addresses from both servers never collide
            ips: list[str] = []
            for i in range(6):
                c = ca if i % 2 == 0 else cb
                r = await c.post(
                    "/api/v1/namespaces/default/services",
                    json={
                        "metadata": {"name": f"s{i}"},
                        "spec": {"type": "NodePort", "ports": [{"port": 80}]},
                    },
                )
                assert r.status_code == 201, r.text
                ips.append(r.json()["spec"]["clusterIP"])
                ips.append(str(r.json()["spec"]["ports"][0]["nodePort"]))
            assert len(set(ips)) == len(ips)

    asyncio.run(main())


def test_etcd_server_lists_and_pages(etcd, tmp_path):
    spec = etcd.spec(prefix=f"/kcore-{next(_prefix)}")

    async def main() -> None:
        async with running_apiserver(store=spec, data_dir=tmp_path) as srv, _client(srv) as c:
            base = "/api/v1/namespaces/default/configmaps"
            for i in range(7):
                assert (await c.post(base, json={"metadata": {"name": f"c{i}"}})).status_code == 201
            names: list[str] = []
            url = f"{base}?limit=3"
            while True:
                page: dict[str, Any] = (await c.get(url)).json()
                names += [o["metadata"]["name"] for o in page["items"]]
                token = page["metadata"].get("continue")
                if not token:
                    break
                url = f"{base}?limit=3&continue={token}"
            assert names == [f"c{i}" for i in range(7)]

    asyncio.run(main())
