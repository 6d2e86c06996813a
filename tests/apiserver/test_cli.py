"""``kcore up`` and ``kcore apiserver`` as a user runs them: start, use with kubectl, Ctrl-C,
restart on the same directory; flags and help text."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from kcore.cli import apiserver as apiserver_cli
from kcore.cli import up as up_cli

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.e2e

KCORE = [sys.executable, "-m", "kcore.cli.main"]


def _up(data: Path) -> tuple[subprocess.Popen[str], list[str]]:
    proc = subprocess.Popen(
        [*KCORE, "up", "--data-dir", str(data), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        out.append(line)
        if "Press Ctrl-C to stop." in line:
            return proc, out
    proc.wait(10)
    msg = "kcore up did not start:\n" + "".join(out)
    raise AssertionError(msg)


def _stop(proc: subprocess.Popen[str], out: list[str]) -> str:
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=30)
    assert proc.stdout is not None
    return "".join(out) + rest


def _kubectl(data: Path, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is not installed")
    return subprocess.run(
        [kubectl, "--kubeconfig", str(data / "kubeconfig"), "--cache-dir", str(cache), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_kcore_up_serves_kubectl_stops_on_ctrl_c_and_keeps_objects(tmp_path):
    data = tmp_path / "k"
    proc, out = _up(data)
    try:
        text = "".join(out)
        assert f"export KUBECONFIG={data / 'kubeconfig'}" in text
        assert "kubectl get ns" in text
        r = _kubectl(data, tmp_path / "c1", "get", "ns")
        assert r.returncode == 0
        assert "kube-system" in r.stdout
        r = _kubectl(data, tmp_path / "c1", "create", "configmap", "keep", "--from-literal=a=b")
        assert r.returncode == 0, r.stderr
    finally:
        log = _stop(proc, out)
    assert proc.returncode == 0, log
    assert "kcore stopped." in log
    # a new server on the same directory (and a new port) has the object
    proc, out = _up(data)
    try:
        r = _kubectl(data, tmp_path / "c2", "get", "configmap", "keep", "-o", "jsonpath={.data.a}")
        assert r.stdout == "b", r.stderr
    finally:
        _stop(proc, out)


def test_help_texts(capsys):
    for main, words in ((up_cli.main, "kcore up"), (apiserver_cli.main, "kcore apiserver")):
        with pytest.raises(SystemExit) as exc:
            main(["--help"])
        assert exc.value.code == 0
        text = capsys.readouterr().out
        assert words in text
        assert "--data-dir" in text
        assert "--etcd-servers" in text
    with pytest.raises(SystemExit):
        apiserver_cli.main(["--help"])
    assert "--token-auth-file" in capsys.readouterr().out


def test_bad_flags_are_clear(capsys):
    with pytest.raises(SystemExit) as exc:
        apiserver_cli.main(["--service-node-port-range", "9-3"])
    assert exc.value.code == 2
    assert "invalid port range '9-3'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        up_cli.main(["--port", "70000"])
    assert "invalid port 70000" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        apiserver_cli.main(["--disable-admission-plugins", "Priority,Nope"])
    assert exc.value.code == 2
    assert 'admission plugin "Nope" is unknown' in capsys.readouterr().err
    with pytest.raises(SystemExit, match="cannot be used together"):
        up_cli.main(
            [
                "--store",
                "memory",
                "--etcd-servers",
                "http://127.0.0.1:2379",
                "--data-dir",
                "/nonexistent",
            ]
        )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.mark.parametrize("cli", [apiserver_cli, up_cli], ids=["apiserver", "up"])
def test_unreachable_etcd_is_a_one_line_error(cli, tmp_path, capsys):
    url = f"http://127.0.0.1:{_closed_port()}"
    rc = cli.main(["--etcd-servers", url, "--data-dir", str(tmp_path), "--port", "0"])
    err = capsys.readouterr().err.strip()
    assert rc == 1
    assert err.startswith("kcore ")
    assert f"etcd is unreachable at {url}" in err
    assert len(err.splitlines()) == 1


def test_list_components_and_registration(capsys):
    assert up_cli.main(["--list-components"]) == 0
    out = capsys.readouterr().out
    assert "scheduler:" in out
    before = list(up_cli.COMPONENTS)
    try:
        up_cli.register_component("probe", "no.such.module:start")
        assert up_cli._resolve("no.such.module:start") is None
        up_cli.register_component("probe", lambda ctx: None)
        assert [n for n, _ in up_cli.COMPONENTS].count("probe") == 1
    finally:
        up_cli.COMPONENTS[:] = before


def test_store_spec_from_flags():
    import argparse

    ns = argparse.Namespace(
        etcd_servers="http://127.0.0.1:2379,https://127.0.0.2:2379/", store=None, etcd_prefix="/x"
    )
    assert apiserver_cli.store_spec(ns) == "etcd://127.0.0.1:2379,127.0.0.2:2379?prefix=/x"
    ns = argparse.Namespace(etcd_servers=None, store="sqlite")
    assert apiserver_cli.store_spec(ns) is None
    ns = argparse.Namespace(etcd_servers=None, store="memory")
    assert apiserver_cli.store_spec(ns) == "memory"
