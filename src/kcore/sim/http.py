"""``--mode http``: the scheduler component through a real HTTP APIServer.

For each workload an APIServer is started as a separate process (``kcore apiserver``) on a
free 127.0.0.1 port, over SQLite in a temporary directory (HTTPS with its generated CA and an
admin token, as ``kcore up`` serves). The scheduler under test talks to it with
``HTTPClient`` (scheduler_perf's client settings: QPS and burst 5000), exactly as a
``kcore scheduler`` process would; the harness uses a second client without rate limit. The
server runs on the other core, so the numbers are those of a two-process deployment.

``options``: everything :class:`~kcore.sim.component.ComponentBackend` takes, plus ``store``
(``sqlite``, the default, or ``memory``) and ``tls`` (default on).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from kcore.sim.backend import ExecutionError
from kcore.sim.component import DISABLED_ADMISSION_PLUGINS, ComponentBackend

if TYPE_CHECKING:
    from kcore.client.interface import Client

__all__ = ["HTTPBackend"]

_READY: Final = re.compile(r"listening on (\S+)")
_START_TIMEOUT: Final = 60.0


class HTTPBackend(ComponentBackend):
    """``--mode http`` (see the module docstring)."""

    mode = "http"
    #: As ``kcore scheduler`` does after start-up (the scheduler's informer caches hold the
    #: whole cluster): full collections cost a third less pause time at 5,000 nodes.
    GC_FREEZE = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        opts = dict(kwargs.get("options") or {})
        self.store = str(opts.get("store", "sqlite"))
        self.tls = bool(opts.get("tls", True))
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._clients: list[Any] = []
        self._drainer: asyncio.Task[None] | None = None
        self.url = ""
        # CPU seconds used by the APIServer process and by this one over the run.
        self.server_cpu_s: float | None = None
        self.client_cpu_s: float | None = None
        self._cpu0: tuple[float | None, float] = (None, 0.0)

    def _hold(self) -> Any:
        hold = getattr(self.clock, "hold", None)
        return hold() if callable(hold) else contextlib.nullcontext()

    async def _connect(self) -> tuple[Client, Client]:
        from kcore.scheduler.component.app import http_client

        self._dir = tempfile.TemporaryDirectory(prefix="kcore-bench-http-")
        data = Path(self._dir.name)
        cmd = [
            sys.executable,
            "-m",
            "kcore.cli.main",
            "apiserver",
            "--data-dir",
            str(data),
            "--port",
            "0",
            # As scheduler_perf's test server: priorities are taken from the templates.
            "--disable-admission-plugins",
            ",".join(sorted(DISABLED_ADMISSION_PLUGINS)),
        ]
        if self.store == "memory":
            cmd += ["--store", "memory"]
        elif self.store != "sqlite":
            raise ExecutionError(f"--mode http: unknown store {self.store!r} (sqlite or memory)")
        if not self.tls:
            cmd.append("--insecure-http")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with self._hold():
            self._proc = await asyncio.create_subprocess_exec(
                *cmd,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=env,
            )
            self.url = await self._wait_ready()
        self._cpu0 = (_process_cpu(self._proc.pid), time.process_time())
        kubeconfig = data / "kubeconfig"
        sched = http_client(kubeconfig, qps=self.qps, burst=self.burst, connections=64)
        harness = http_client(kubeconfig, qps=None, burst=1, connections=self.concurrency)
        self._clients = [sched, harness]
        return sched, harness

    async def _wait_ready(self) -> str:
        proc = self._proc
        if proc is None or proc.stdout is None:
            raise ExecutionError("--mode http: the APIServer process has no output pipe")
        seen: list[str] = []
        try:
            async with asyncio.timeout(_START_TIMEOUT):
                while True:
                    line = await proc.stdout.readline()
                    if not line:
                        break
                    text = line.decode(errors="replace").rstrip()
                    seen.append(text)
                    m = _READY.search(text)
                    if m:
                        self._drainer = asyncio.ensure_future(self._drain(proc.stdout))
                        return m.group(1)
        except TimeoutError:
            pass
        await self._stop_server()
        tail = "\n".join(seen[-10:])
        raise ExecutionError(f"--mode http: the APIServer did not start:\n{tail}")

    @staticmethod
    async def _drain(stream: asyncio.StreamReader) -> None:
        with contextlib.suppress(Exception):
            while await stream.readline():
                pass

    async def _stop_server(self) -> None:
        proc = self._proc
        self._proc = None
        if proc is None or proc.returncode is not None:
            return
        with self._hold():
            proc.send_signal(signal.SIGINT)
            try:
                async with asyncio.timeout(20):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()

    async def _disconnect(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            server = _process_cpu(self._proc.pid)
            if server is not None and self._cpu0[0] is not None:
                self.server_cpu_s = round(server - self._cpu0[0], 3)
            self.client_cpu_s = round(time.process_time() - self._cpu0[1], 3)
        for c in self._clients:
            with contextlib.suppress(Exception):
                await c.close()
        self._clients = []
        await self._stop_server()
        if self._drainer is not None:
            self._drainer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._drainer
            self._drainer = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def info(self) -> dict[str, Any]:
        out = super().info()
        out.update(
            store=self.store,
            tls=self.tls,
            server="separate process",
            server_cpu_s=self.server_cpu_s,
            client_cpu_s=self.client_cpu_s,
        )
        return out


def _process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of process ``pid`` (Linux ``/proc``; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None
