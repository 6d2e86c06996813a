"""The real kubectl (1.32) against a real kcore APIServer (HTTPS, token, SQLite store).

One server per module; every test works in its own namespace and kubectl gets a private
``--cache-dir`` (kubectl caches discovery and OpenAPI per host:port). The flows are the issue's
"done when" list: get ns, apply -f (Pod, ConfigMap, Service, Deployment; re-apply unchanged and
configured), get -w, label, selectors, patch (strategic, merge, json), delete, explain,
create configmap/deployment/namespace (protobuf bodies), scale, describe, apply --server-side,
and the error messages kubectl prints for AlreadyExists, NotFound and Conflict.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
import threading
from typing import TYPE_CHECKING, Any

import pytest

from kcore.testing.apiserver import ThreadedAPIServer, apiserver_thread

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.e2e

KUBECTL = shutil.which("kubectl")


class Kubectl:
    def __init__(self, srv: ThreadedAPIServer, cache: Path, workdir: Path) -> None:
        self.srv = srv
        self.cache = cache
        self.workdir = workdir
        self.base = [
            KUBECTL or "kubectl",
            "--kubeconfig",
            str(srv.kubeconfig_path),
            "--cache-dir",
            str(cache),
            "--request-timeout",
            "30s",
        ]

    def run(
        self, *args: str, ns: str | None = None, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        cmd = [*self.base, *(["-n", ns] if ns else []), *args]
        r = subprocess.run(
            cmd, capture_output=True, text=True, timeout=90, input=stdin, check=False
        )
        if check and r.returncode != 0:
            msg = f"kubectl {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
            raise AssertionError(msg)
        return r

    def json(self, *args: str, ns: str | None = None) -> Any:
        return json.loads(self.run(*args, "-o", "json", ns=ns).stdout)

    def apply_text(
        self, text: str, *extra: str, ns: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return self.run("apply", "-f", "-", *extra, ns=ns, stdin=textwrap.dedent(text))


@pytest.fixture(scope="module")
def kubectl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kubectl]:
    if KUBECTL is None:
        pytest.fail("kubectl is not installed: the e2e tests need kubectl 1.32 on PATH")
    data = tmp_path_factory.mktemp("kcore-data")
    with apiserver_thread(store="sqlite", data_dir=data) as srv:
        yield Kubectl(
            srv, tmp_path_factory.mktemp("kubectl-cache"), tmp_path_factory.mktemp("work")
        )


_counter = iter(range(10_000))


@pytest.fixture
def ns(kubectl: Kubectl) -> str:
    name = f"t{next(_counter)}"
    kubectl.run(
        "create", "-f", "-", stdin=f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}}}\n"
    )
    return name


MANIFESTS = """
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, tier: fe}
spec:
  containers:
  - name: nginx
    image: nginx:1.25
    ports: [{containerPort: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: conf}
data: {a: "1"}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx:1.25}]
"""


def test_version_reports_kubernetes_132(kubectl):
    out = kubectl.run("version").stdout
    assert "Server Version: v1.32.4" in out


def test_get_namespaces(kubectl):
    out = kubectl.run("get", "ns").stdout
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "AGE"]
    names = {line.split()[0]: line.split()[1] for line in lines[1:]}
    for n in ("default", "kube-system", "kube-public", "kube-node-lease"):
        assert names[n] == "Active"


def test_apply_create_unchanged_configured(kubectl, ns):
    out = kubectl.apply_text(MANIFESTS, ns=ns).stdout
    assert out.split("\n")[:4] == [
        "pod/web created",
        "configmap/conf created",
        "service/web created",
        "deployment.apps/web created",
    ]
    out = kubectl.apply_text(MANIFESTS, ns=ns).stdout
    assert out.count("unchanged") == 4, out
    dep = kubectl.json("get", "deployment", "web", ns=ns)
    assert "kubectl.kubernetes.io/last-applied-configuration" in dep["metadata"]["annotations"]
    assert dep["metadata"]["generation"] == 1
    changed = MANIFESTS.replace("replicas: 2", "replicas: 3").replace('a: "1"', 'a: "2"')
    out = kubectl.apply_text(changed, ns=ns).stdout
    assert "deployment.apps/web configured" in out
    assert "configmap/conf configured" in out
    dep = kubectl.json("get", "deployment", "web", ns=ns)
    assert dep["spec"]["replicas"] == 3
    assert dep["metadata"]["generation"] == 2
    # strategic merge kept the container list merged by name
    assert [c["name"] for c in dep["spec"]["template"]["spec"]["containers"]] == ["nginx"]
    svc = kubectl.json("get", "service", "web", ns=ns)
    assert svc["spec"]["clusterIP"].startswith("127.")
    assert svc["spec"]["ports"][0]["protocol"] == "TCP"


def test_get_pods_table_and_selectors(kubectl, ns):
    kubectl.apply_text(MANIFESTS, ns=ns)
    kubectl.apply_text(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: db, labels: {app: web, tier: db}}
        spec: {containers: [{name: pg, image: postgres}]}
        """,
        ns=ns,
    )
    out = kubectl.run("get", "pods", ns=ns).stdout.splitlines()
    assert out[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert {line.split()[0]: line.split()[2] for line in out[1:]} == {
        "db": "Pending",
        "web": "Pending",
    }
    out = kubectl.run("get", "pods", "-l", "app in (web),tier!=db", ns=ns).stdout
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["web"]
    out = kubectl.run("get", "pods", "-A", "--show-labels").stdout
    row = next(line for line in out.splitlines() if line.startswith(ns) and " web " in line)
    assert "app=web,tier=fe" in row
    out = kubectl.run(
        "get", "pods", "--field-selector", "metadata.name=db", "-o", "name", ns=ns
    ).stdout
    assert out.strip() == "pod/db"
    r = kubectl.run("get", "pods", "-l", "app in (", ns=ns, check=False)
    assert r.returncode != 0
    assert "unable to parse requirement" in r.stderr
    r = kubectl.run("get", "pods", "--field-selector", "foo.bar=x", ns=ns, check=False)
    assert "field label not supported: foo.bar" in r.stderr


def test_get_pods_watch_prints_events(kubectl, ns):
    # A pod that exists before the watch starts: once kubectl prints it, its list is done and
    # the watch continues from the list's resourceVersion, so no later event can be missed.
    kubectl.apply_text(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: sentinel}
        spec: {containers: [{name: c, image: busybox}]}
        """,
        ns=ns,
    )
    cmd = [*kubectl.base, "-n", ns, "get", "pods", "-w", "--output-watch-events"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    listed = threading.Event()
    seen = threading.Event()

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "sentinel" in line:
                listed.set()
            if "watched" in line and "DELETED" in line:
                seen.set()
                return

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        assert listed.wait(30), "".join(lines)
        kubectl.apply_text(
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: watched}
            spec: {containers: [{name: c, image: busybox}]}
            """,
            ns=ns,
        )
        kubectl.run("label", "pod", "watched", "x=y", ns=ns)
        kubectl.run("delete", "pod", "watched", ns=ns)
        assert seen.wait(30), "".join(lines)
    finally:
        proc.terminate()
        proc.wait(10)
        t.join(10)
        assert proc.stdout is not None
        proc.stdout.close()
    events = [line.split()[0] for line in lines if "watched" in line]
    assert events[0] == "ADDED"
    assert events[-1] == "DELETED"
    assert "MODIFIED" in events


def test_label_and_relabel(kubectl, ns):
    kubectl.apply_text(MANIFESTS, ns=ns)
    assert kubectl.run("label", "pod", "web", "team=a", ns=ns).stdout.strip() == "pod/web labeled"
    r = kubectl.run("label", "pod", "web", "team=b", ns=ns, check=False)
    assert r.returncode != 0
    assert "already has a value (a)" in r.stderr
    kubectl.run("label", "pod", "web", "team=b", "--overwrite", ns=ns)
    assert kubectl.json("get", "pod", "web", ns=ns)["metadata"]["labels"]["team"] == "b"
    kubectl.run("label", "pod", "web", "team-", ns=ns)
    assert "team" not in kubectl.json("get", "pod", "web", ns=ns)["metadata"]["labels"]


def test_patch_three_types(kubectl, ns):
    kubectl.apply_text(MANIFESTS, ns=ns)
    kubectl.run(
        "patch",
        "deployment",
        "web",
        "-p",
        '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}}}',
        ns=ns,
    )
    kubectl.run(
        "patch",
        "deployment",
        "web",
        "--type=merge",
        "-p",
        '{"metadata":{"labels":{"m":"1"}}}',
        ns=ns,
    )
    kubectl.run(
        "patch",
        "deployment",
        "web",
        "--type=json",
        "-p",
        '[{"op":"replace","path":"/spec/replicas","value":5}]',
        ns=ns,
    )
    dep = kubectl.json("get", "deployment", "web", ns=ns)
    containers = dep["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [("nginx", "nginx:1.26")]
    assert dep["metadata"]["labels"]["m"] == "1"
    assert dep["spec"]["replicas"] == 5
    r = kubectl.run(
        "patch",
        "deployment",
        "web",
        "--type=json",
        "-p",
        '[{"op":"test","path":"/spec/replicas","value":9}]',
        ns=ns,
        check=False,
    )
    assert r.returncode != 0


def test_delete(kubectl, ns):
    kubectl.apply_text(MANIFESTS, ns=ns)
    out = kubectl.run("delete", "pod/web", "configmap/conf", ns=ns).stdout
    assert 'pod "web" deleted' in out
    assert 'configmap "conf" deleted' in out
    r = kubectl.run("get", "pod", "web", ns=ns, check=False)
    assert r.returncode != 0
    assert 'Error from server (NotFound): pods "web" not found' in r.stderr


def test_explain(kubectl):
    out = kubectl.run("explain", "pod.spec").stdout
    assert "KIND:       Pod" in out
    assert "FIELD: spec <PodSpec>" in out
    assert "containers" in out
    out = kubectl.run("explain", "deployment.spec.replicas").stdout
    assert "replicas <integer>" in out


def test_create_generators_send_protobuf(kubectl, ns):
    out = kubectl.run("create", "configmap", "x", "--from-literal=a=b", ns=ns).stdout
    assert out.strip() == "configmap/x created"
    assert kubectl.json("get", "configmap", "x", ns=ns)["data"] == {"a": "b"}
    out = kubectl.run("create", "deployment", "gen", "--image=nginx", "--replicas=2", ns=ns).stdout
    assert out.strip() == "deployment.apps/gen created"
    dep = kubectl.json("get", "deployment", "gen", ns=ns)
    assert dep["spec"]["replicas"] == 2
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx"
    assert dep.get("status") in ({}, None)
    out = kubectl.run("create", "namespace", f"{ns}-extra").stdout
    assert out.strip() == f"namespace/{ns}-extra created"


def test_scale(kubectl, ns):
    kubectl.apply_text(MANIFESTS, ns=ns)
    out = kubectl.run("scale", "deployment", "web", "--replicas=4", ns=ns).stdout
    assert out.strip() == "deployment.apps/web scaled"
    assert kubectl.json("get", "deployment", "web", ns=ns)["spec"]["replicas"] == 4
    out = kubectl.run(
        "scale", "deployment", "web", "--replicas=1", "--current-replicas=4", ns=ns
    ).stdout
    assert "scaled" in out
    r = kubectl.run(
        "scale", "deployment", "web", "--replicas=3", "--current-replicas=4", ns=ns, check=False
    )
    assert r.returncode != 0


def test_describe(kubectl, ns):
    kubectl.apply_text(MANIFESTS, ns=ns)
    out = kubectl.run("describe", "pod", "web", ns=ns).stdout
    assert "Name:             web" in out
    assert f"Namespace:        {ns}" in out
    assert "Port:         80/TCP" in out
    assert "Status:           Pending" in out
    assert "Service Account:  default" in out
    out = kubectl.run("describe", "deployment", "web", ns=ns).stdout
    assert "Replicas:" in out
    assert "app=web" in out


def test_apply_server_side(kubectl, ns):
    r = kubectl.apply_text(
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: ssa}
        data: {a: "1", b: "2"}
        """,
        "--server-side",
        ns=ns,
    )
    assert r.stdout.strip() == "configmap/ssa serverside-applied"
    cm = kubectl.json("get", "configmap", "ssa", "--show-managed-fields", ns=ns)
    assert cm["data"] == {"a": "1", "b": "2"}
    assert any(
        m["manager"] == "kubectl" and m["operation"] == "Apply"
        for m in cm["metadata"]["managedFields"]
    )
    kubectl.apply_text(
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: ssa}
        data: {a: "1"}
        """,
        "--server-side",
        ns=ns,
    )
    assert kubectl.json("get", "configmap", "ssa", ns=ns)["data"] == {"a": "1"}


def test_error_messages(kubectl, ns):
    cm = """
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: dup}
    """
    kubectl.run("create", "-f", "-", ns=ns, stdin=textwrap.dedent(cm))
    r = kubectl.run("create", "-f", "-", ns=ns, stdin=textwrap.dedent(cm), check=False)
    expected = 'error when creating "STDIN": configmaps "dup" already exists'
    assert f"Error from server (AlreadyExists): {expected}" in r.stderr
    stale = kubectl.json("get", "configmap", "dup", ns=ns)
    kubectl.run("label", "configmap", "dup", "x=1", ns=ns)
    stale["data"] = {"k": "v"}
    r = kubectl.run("replace", "-f", "-", ns=ns, stdin=json.dumps(stale), check=False)
    assert r.returncode != 0
    assert (
        "the object has been modified; please apply your changes to the latest version" in r.stderr
    )
    r = kubectl.run("get", "deployment", "nope", ns=ns, check=False)
    assert 'Error from server (NotFound): deployments.apps "nope" not found' in r.stderr


def test_cordon_and_node_table(kubectl):
    kubectl.apply_text(
        """
        apiVersion: v1
        kind: Node
        metadata: {name: node-a, labels: {kubernetes.io/hostname: node-a}}
        status:
          conditions: [{type: Ready, status: "True"}]
          capacity: {cpu: "4", memory: 8Gi, pods: "110"}
        """
    )
    kubectl.run("cordon", "node-a")
    out = kubectl.run("get", "nodes").stdout
    row = next(line for line in out.splitlines() if line.startswith("node-a"))
    assert "SchedulingDisabled" in row
    kubectl.run("uncordon", "node-a")
    assert not kubectl.json("get", "node", "node-a")["spec"].get("unschedulable")


def test_delete_namespace(kubectl):
    kubectl.run(
        "create", "-f", "-", stdin="apiVersion: v1\nkind: Namespace\nmetadata: {name: gone}\n"
    )
    kubectl.apply_text(MANIFESTS, ns="gone")
    out = kubectl.run("delete", "namespace", "gone").stdout
    assert 'namespace "gone" deleted' in out
    r = kubectl.run("get", "namespace", "gone", check=False)
    assert "NotFound" in r.stderr
    r = kubectl.run("delete", "namespace", "default", check=False)
    assert "this namespace may not be deleted" in r.stderr
