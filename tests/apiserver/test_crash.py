"""Crash safety: ``kill -9`` of a ``kcore apiserver`` process in the middle of writes loses
nothing that was acknowledged.

A child process serves on SQLite; the test writes ConfigMaps through HTTP (several concurrent
writers), records every 201, kills the process with SIGKILL while writes are in flight, restarts
it on the same data directory and checks that every acknowledged object is there, with the same
uid, and that the store accepts new writes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import ssl
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.e2e


def _start(data: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kcore.cli.main",
            "apiserver",
            "--data-dir",
            str(data),
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "listening on" in line:
            return proc, line.split("listening on", 1)[1].strip()
    proc.wait(10)
    msg = f"kcore apiserver did not start (exit {proc.returncode})"
    raise AssertionError(msg)


def _client(url: str, data: Path) -> httpx.AsyncClient:
    token = (data / "tokens.csv").read_text().splitlines()[1].split(",")[0]
    ctx = ssl.create_default_context(cafile=str(data / "pki" / "ca.crt"))
    return httpx.AsyncClient(
        base_url=url, verify=ctx, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def test_kill_9_during_writes_loses_no_acknowledged_write(tmp_path):
    data = tmp_path / "kcore"
    proc, url = _start(data)
    acked: dict[str, str] = {}

    async def writers() -> None:
        async with _client(url, data) as c:

            async def writer(w: int) -> None:
                i = 0
                while True:
                    name = f"w{w}-{i}"
                    try:
                        r = await c.post(
                            "/api/v1/namespaces/default/configmaps",
                            json={"metadata": {"name": name}, "data": {"i": str(i)}},
                        )
                    except httpx.HTTPError:
                        return  # the server died mid-request: this write is not acknowledged
                    if r.status_code == 201:
                        acked[name] = r.json()["metadata"]["uid"]
                    i += 1
                    if len(acked) >= 150 and proc.poll() is None:
                        os.kill(proc.pid, signal.SIGKILL)

            await asyncio.wait_for(asyncio.gather(*(writer(w) for w in range(4))), 120)

    try:
        asyncio.run(writers())
        assert proc.wait(10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        assert proc.stdout is not None
        proc.stdout.close()
    assert len(acked) >= 150

    proc2, url2 = _start(data)
    try:

        async def check() -> dict[str, Any]:
            async with _client(url2, data) as c:
                items = (await c.get("/api/v1/namespaces/default/configmaps")).json()["items"]
                r = await c.post(
                    "/api/v1/namespaces/default/configmaps", json={"metadata": {"name": "after"}}
                )
                assert r.status_code == 201
                return {o["metadata"]["name"]: o["metadata"]["uid"] for o in items}

        stored = asyncio.run(check())
    finally:
        proc2.send_signal(signal.SIGTERM)
        proc2.wait(20)
        assert proc2.stdout is not None
        proc2.stdout.close()
    missing = {n for n in acked if n not in stored}
    assert not missing, f"acknowledged writes lost after kill -9: {sorted(missing)[:10]}"
    assert all(stored[n] == uid for n, uid in acked.items())
