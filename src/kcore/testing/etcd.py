"""Start a real, throw-away etcd for tests and benchmarks.

:class:`EtcdServer` runs the ``etcd`` binary (Debian: ``apt-get install etcd-server``, etcd
3.4+) as a single-member cluster on free ``127.0.0.1`` ports with its data in a temporary
directory, waits until it serves clients, and removes everything on :meth:`EtcdServer.stop`.
A missing binary is an error (:class:`EtcdNotInstalled`), never a skip: the etcd backend's tests
must run wherever CI runs.

>>> with EtcdServer() as etcd:  # doctest: +SKIP
...     store = open_store(etcd.spec(prefix="/test-1"))
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import threading
from collections import deque
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["EtcdNotInstalled", "EtcdServer"]

_READY: Final = "ready to serve client requests"
_IN_USE: Final = "address already in use"


class EtcdNotInstalled(RuntimeError):
    """The ``etcd`` binary is not on ``PATH``."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EtcdServer:
    """One etcd process on loopback, for the duration of a test session or a ``with`` block.

    Contract: after :meth:`start` returns, ``endpoint`` (``127.0.0.1:PORT``) accepts client
    requests; :meth:`stop` ends the process (SIGTERM, then SIGKILL) and deletes its data. Only
    127.0.0.1 is listened on. ``progress_notify_interval`` (seconds) sets how often etcd sends
    watch progress notifications, which the etcd store turns into bookmark revisions.

    Parameters
    ----------
    binary
        The etcd executable (default: ``etcd`` from ``PATH``).
    progress_notify_interval
        ``--experimental-watch-progress-notify-interval`` in seconds.
    startup_timeout
        Seconds to wait for etcd to serve before giving up with its log in the error.
    """

    def __init__(
        self,
        *,
        binary: str | None = None,
        progress_notify_interval: float = 0.25,
        startup_timeout: float = 30.0,
    ) -> None:
        self.binary = binary
        self.progress_notify_interval = progress_notify_interval
        self.startup_timeout = startup_timeout
        self.client_port = 0
        self.data_dir: Path | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._log: deque[str] = deque(maxlen=200)

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:PORT`` of the client URL."""
        return f"127.0.0.1:{self.client_port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    def spec(self, prefix: str = "/registry", **options: object) -> str:
        """An ``open_store`` spec for this server: ``etcd://127.0.0.1:PORT?prefix=...``."""
        query = "&".join([f"prefix={prefix}", *(f"{k}={v}" for k, v in options.items())])
        return f"etcd://{self.endpoint}?{query}"

    def log_tail(self) -> str:
        """The last lines etcd logged (for error messages)."""
        return "\n".join(self._log)

    def __enter__(self) -> EtcdServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> EtcdServer:
        """Start etcd and wait until it serves clients (retrying if a port was taken)."""
        if self._proc is not None:
            return self
        binary = self.binary or shutil.which("etcd")
        if binary is None:
            msg = (
                "the etcd binary was not found on PATH; the etcd storage backend and its tests "
                "need etcd 3.4+: install it with `apt-get install etcd-server`"
            )
            raise EtcdNotInstalled(msg)
        last_error = ""
        for _attempt in range(3):
            outcome = self._launch(binary)
            if outcome is None:
                return self
            last_error = outcome
            self.stop()
            if _IN_USE not in outcome:
                break
        msg = f"etcd did not start: {last_error}"
        raise RuntimeError(msg)

    def _launch(self, binary: str) -> str | None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="kcore-etcd-"))
        self.client_port, peer_port = _free_port(), _free_port()
        client = f"http://127.0.0.1:{self.client_port}"
        peer = f"http://127.0.0.1:{peer_port}"
        interval = f"{max(1, round(self.progress_notify_interval * 1000))}ms"
        cmd = [
            binary,
            "--name=kcore-test",
            f"--data-dir={self.data_dir}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=kcore-test={peer}",
            "--initial-cluster-state=new",
            f"--experimental-watch-progress-notify-interval={interval}",
        ]
        self._log.clear()
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._proc = proc
        ready = threading.Event()
        assert proc.stderr is not None
        self._reader = threading.Thread(
            target=self._read_log, args=(proc.stderr, ready), name="etcd-log", daemon=True
        )
        self._reader.start()
        if not ready.wait(self.startup_timeout):
            return f"not ready after {self.startup_timeout} s; log:\n{self.log_tail()}"
        if any(_IN_USE in line for line in list(self._log)):
            return f"a port was taken ({_IN_USE}); log:\n{self.log_tail()}"
        if proc.poll() is not None:
            return f"exited with status {proc.returncode}; log:\n{self.log_tail()}"
        return None

    def _read_log(self, stream: IO[str], ready: threading.Event) -> None:
        """Drain etcd's log (so it never blocks on a full pipe); flag readiness or failure."""
        for line in stream:
            self._log.append(line.rstrip())
            if _READY in line or _IN_USE in line:
                ready.set()
        ready.set()  # the process ended

    def stop(self) -> None:
        """Stop etcd and delete its data directory (idempotent)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
            if self._reader is not None:
                self._reader.join(10)
            if proc.stderr is not None:
                proc.stderr.close()
        self._reader = None
        if self.data_dir is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.data_dir)
            self.data_dir = None
