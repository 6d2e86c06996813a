"""The command line: ``kcore up --nodes``, ``kcore scheduler`` processes with a configuration
file and leader election, and ``kcore bench --mode local|http``.

Covered: ``kcore up --nodes 3`` serves Ready hollow nodes and runs kubectl's pods, prints where
the scheduler's metrics are, and stops on Ctrl-C; two ``kcore scheduler --leader-elect``
processes on one APIServer, one killed with SIGKILL mid-run: every pod is bound exactly once
and the survivor takes over the lease; configuration errors are reported precisely; the bench
modes run a small workload end to end and write the same JSON as ``--mode core``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import pytest

from kcore.testing.apiserver import apiserver_thread

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

pytestmark = pytest.mark.e2e

KUBECTL = shutil.which("kubectl") or "kubectl"
KCORE = [sys.executable, "-m", "kcore.cli.main"]
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def wait_until(pred: Callable[[], Any], timeout: float, what: str) -> None:
    start = time.monotonic()
    while not pred():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what}: not true after {timeout}s")
        time.sleep(0.05)


def kubectl(kubeconfig: Path, *args: str, stdin: str | None = None) -> str:
    r = subprocess.run(
        [KUBECTL, "--kubeconfig", str(kubeconfig), *args],
        capture_output=True,
        text=True,
        timeout=60,
        input=stdin,
        check=False,
    )
    assert r.returncode == 0, f"kubectl {' '.join(args)}: {r.stdout}{r.stderr}"
    return r.stdout


def read_until(proc: subprocess.Popen[str], pattern: str, seen: list[str]) -> re.Match[str]:
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line)
        m = re.search(pattern, line)
        if m:
            return m
    raise AssertionError(f"process ended before printing {pattern!r}:\n{''.join(seen)}")


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGINT) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        rc = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
    return rc


def test_kcore_up_with_hollow_nodes(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            *KCORE,
            "up",
            "--data-dir",
            str(tmp_path),
            "--port",
            "0",
            "--nodes",
            "3",
            "--node-cpu",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=ENV,
    )
    seen: list[str] = []
    try:
        m = read_until(proc, r"started scheduler \(health and metrics: (http://\S+)\)", seen)
        metrics_url = m.group(1)
        read_until(proc, r"Press Ctrl-C to stop", seen)
        kc = tmp_path / "kubeconfig"
        nodes = json.loads(kubectl(kc, "get", "nodes", "-o", "json"))["items"]
        assert sorted(n["metadata"]["name"] for n in nodes) == [
            "hollow-node-0",
            "hollow-node-1",
            "hollow-node-2",
        ]
        assert all(n["status"]["allocatable"]["cpu"] == "2" for n in nodes)
        kubectl(kc, "run", "hello", "--image=nginx", "--restart=Never")

        def phase() -> str:
            pod = json.loads(kubectl(kc, "get", "pod", "hello", "-o", "json"))
            return str(pod["status"].get("phase"))

        wait_until(lambda: phase() == "Running", 15, "hello running")
        import urllib.request

        with urllib.request.urlopen(metrics_url + "/metrics", timeout=10) as resp:
            text = resp.read().decode()
        assert 'scheduler_schedule_attempts_total{result="scheduled"' in text
    finally:
        rc = stop(proc)
    assert rc == 0, "".join(seen)


SCHEDULER_CONFIG = """\
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
leaderElection:
  leaderElect: true
  leaseDuration: 4s
  renewDeadline: 3s
  retryPeriod: 1s
clientConnection:
  qps: 500
  burst: 500
profiles:
- schedulerName: default-scheduler
- schedulerName: packer
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Any]:
    with apiserver_thread(store="sqlite", data_dir=tmp_path / "data") as srv:
        yield srv


async def _snapshot(transitions: dict[str, list[str]]) -> dict[str, list[str]]:
    """A copy of ``transitions`` taken on the loop that mutates it."""
    return {k: list(v) for k, v in transitions.items()}


def test_two_scheduler_processes_with_leader_election(server: Any, tmp_path: Path) -> None:
    cfg = tmp_path / "sched.yaml"
    cfg.write_text(SCHEDULER_CONFIG)
    for i in range(3):
        server.registry.create(
            "nodes",
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": f"n{i}", "labels": {"kubernetes.io/hostname": f"n{i}"}},
                "status": {"allocatable": {"cpu": "16", "memory": "64Gi", "pods": "110"}},
            },
        )

    def start() -> tuple[subprocess.Popen[str], list[str], str]:
        proc = subprocess.Popen(
            [
                *KCORE,
                "scheduler",
                "--kubeconfig",
                str(server.kubeconfig_path),
                "--config",
                str(cfg),
                "--port",
                "-1",
                "-v",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=ENV,
        )
        seen: list[str] = []
        m = read_until(proc, r"leader election on lease kube-system/kube-scheduler as (\S+)", seen)
        return proc, seen, m.group(1)

    transitions: dict[str, list[str]] = {}

    async def watch() -> Any:
        stream = server.registry.watch("pods", namespace="default", resource_version="0")

        async def consume() -> None:
            async for kind, obj in stream:
                if kind not in ("ADDED", "MODIFIED"):
                    continue
                node = obj["spec"].get("nodeName")
                seen = transitions.setdefault(obj["metadata"]["name"], [])
                if node and (not seen or seen[-1] != node):
                    seen.append(node)

        task = asyncio.ensure_future(consume())
        return stream, task

    stream, _task = server.run(watch())
    a, seen_a, id_a = start()
    b, seen_b, id_b = start()
    procs = {"a": a, "b": b}
    identities = {id_a: "a", id_b: "b"}

    def holder() -> str:
        try:
            lease = server.registry.get("leases", "kube-scheduler", namespace="kube-system")
        except Exception:
            return ""
        return str(lease["spec"].get("holderIdentity") or "")

    def pod(name: str, scheduler: str = "default-scheduler") -> None:
        server.registry.create(
            "pods",
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name, "namespace": "default"},
                "spec": {
                    "schedulerName": scheduler,
                    "containers": [
                        {"name": "c", "image": "x", "resources": {"requests": {"cpu": "100m"}}}
                    ],
                },
            },
        )

    def bound(names: list[str]) -> bool:
        items = server.registry.list("pods", namespace="default")["items"]
        done = {p["metadata"]["name"] for p in items if p["spec"].get("nodeName")}
        return set(names) <= done

    victim = ""
    try:
        wait_until(lambda: holder() != "", 20, "a leader")
        first = holder()
        names = [f"p{i}" for i in range(30)] + [f"pack{i}" for i in range(5)]
        for n in names[:30]:
            pod(n)
        for n in names[30:]:
            pod(n, "packer")
        wait_until(lambda: bound(names), 20, "first pods bound")

        def scheduled_events() -> list[dict[str, Any]]:
            events = server.registry.list("events.events.k8s.io", namespace="default")["items"]
            return [e for e in events if e["reason"] == "Scheduled"]

        wait_until(lambda: len(scheduled_events()) >= len(names), 20, "Scheduled events")
        by = {e["regarding"]["name"]: e["reportingController"] for e in scheduled_events()}
        assert {by[n] for n in names[30:]} == {"packer"}
        assert {by[n] for n in names[:30]} == {"default-scheduler"}
        # Kill whichever process holds the lease, without any chance to release it.
        victim = identities[first]
        procs[victim].send_signal(signal.SIGKILL)
        more = [f"q{i}" for i in range(30)]
        for n in more:
            pod(n)
        wait_until(lambda: holder() not in ("", first), 30, "the other scheduler leading")
        wait_until(lambda: bound(more), 30, "pods bound by the new leader")
        items = server.registry.list("pods", namespace="default")["items"]
        assert all(p["spec"].get("nodeName") for p in items)

        def watch_saw_every_binding() -> bool:
            # The watch runs on the server's loop thread: let it catch up with the store.
            seen = dict(server.run(_snapshot(transitions)))
            return all(seen.get(n) for n in (*names, *more))

        wait_until(watch_saw_every_binding, 20, "the watch to deliver every binding")
        # Every pod's node was set exactly once, and never changed.
        for name, nodes in transitions.items():
            assert len(nodes) == 1, (name, nodes)
        assert set(transitions) == {*names, *more}
    finally:
        rcs = {k: stop(p) for k, p in procs.items()}
        server.loop.call_soon_threadsafe(stream.stop)
    survivor = "b" if victim == "a" else "a"
    assert rcs[survivor] == 0, "".join(seen_a + seen_b)


def test_scheduler_configuration_errors_are_precise(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
        "podMaxBackoffSeconds: -3\nprofiles:\n- schedulerName: x\n  frobnicate: 1\n"
    )
    r = subprocess.run(
        [*KCORE, "scheduler", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
        check=False,
    )
    assert r.returncode == 2
    assert "frobnicate" in r.stderr
    r = subprocess.run(
        [*KCORE, "scheduler", "--config", str(tmp_path / "missing.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
        check=False,
    )
    assert r.returncode == 2
    assert "missing.yaml" in r.stderr
    r = subprocess.run(
        [*KCORE, "scheduler", "--batch-size", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=ENV,
        check=False,
    )
    assert r.returncode == 2
    assert "--batch-size: must be >= 1, got 0" in r.stderr


BENCH_CONFIG = """\
- name: Tiny
  defaultPodTemplatePath: pod.yaml
  workloadTemplate:
  - opcode: createNodes
    countParam: $nodes
    nodeTemplatePath: node.yaml
  - opcode: createPods
    countParam: $pods
    collectMetrics: true
  workloads:
  - name: 20Nodes
    labels: [performance]
    params: {nodes: 20, pods: 200}
"""
NODE = """\
apiVersion: v1
kind: Node
metadata: {generateName: node-}
status:
  capacity: {pods: "110", cpu: "4", memory: 32Gi}
"""
POD = """\
apiVersion: v1
kind: Pod
metadata: {generateName: pod-}
spec:
  containers:
  - name: pause
    image: registry.k8s.io/pause:3.10
    resources:
      requests: {cpu: 100m, memory: 500Mi}
"""


@pytest.mark.parametrize("mode", ["local", "http"])
def test_bench_modes_run_a_workload(tmp_path: Path, mode: str) -> None:
    (tmp_path / "config.yaml").write_text(BENCH_CONFIG)
    (tmp_path / "node.yaml").write_text(NODE)
    (tmp_path / "pod.yaml").write_text(POD)
    out = tmp_path / "out.json"
    r = subprocess.run(
        [
            *KCORE,
            "bench",
            "--config",
            str(tmp_path / "config.yaml"),
            "--mode",
            mode,
            "--json",
            str(out),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env=ENV,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(out.read_text())
    (w,) = doc["workloads"]
    assert (w["name"], w["mode"], w["nodes"], w["pods"]) == ("Tiny/20Nodes", mode, 20, 200)
    assert w["throughput_avg"] > 0
    assert w["attempts"] >= 200
    assert w["backend"]["scheduled"] == 200
    assert w["backend"]["bind_failures"] == 0
    if mode == "http":
        assert w["backend"]["store"] == "sqlite"
