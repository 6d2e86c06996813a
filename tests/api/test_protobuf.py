"""Tests for kcore.api.protobuf: bodies kubectl 1.32 sends, decoded to the JSON-shaped dicts.

The fixtures under ``fixtures/protobuf`` are request bodies captured from ``kubectl create ...``
(kubectl 1.32.4, its typed clients encode with gogo-protobuf) against a recording server. The
e2e test repeats the capture live when kubectl is installed. Wire-format corner cases (packed
and unpacked repeated scalars, negative varints, truncation) use bytes built here.
"""

from __future__ import annotations

import base64
import http.server
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from kcore.api import protobuf
from kcore.api.errors import BadRequest

FIXTURES = Path(__file__).parent / "fixtures" / "protobuf"

EXPECTED = {
    "namespace": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}},
    "configmap": {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg"},
        "data": {"a": "1", "b": "two"},
    },
    "secret": {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "sec"},
        "data": {"user": base64.b64encode(b"admin").decode()},
    },
    "serviceaccount": {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa1"}},
    "quota": {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "q1"},
        "spec": {"hard": {"cpu": "1", "memory": "1Gi", "pods": "10"}},
    },
    "service-clusterip": {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "svc", "labels": {"app": "svc"}},
        "spec": {
            "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
            "selector": {"app": "svc"},
            "type": "ClusterIP",
        },
    },
    "service-nodeport": {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "np", "labels": {"app": "np"}},
        "spec": {
            "ports": [
                {
                    "name": "80-8080",
                    "protocol": "TCP",
                    "port": 80,
                    "targetPort": 8080,
                    "nodePort": 30080,
                }
            ],
            "selector": {"app": "np"},
            "type": "NodePort",
        },
    },
    "priorityclass": {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": "high"},
        "value": 1000,
        "description": "high prio",
        "preemptionPolicy": "PreemptLowerPriority",
    },
    "job": {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "job1"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"name": "job1", "image": "busybox", "command": ["echo", "hi"]}],
                    "restartPolicy": "Never",
                }
            }
        },
    },
}


def _strip_status(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k != "status"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_kubectl_fixtures(name: str) -> None:
    body = (FIXTURES / f"{name}.bin").read_bytes()
    assert body.startswith(protobuf.MAGIC)
    assert _strip_status(protobuf.decode(body)) == EXPECTED[name]


def test_deployment_fixture() -> None:
    out = protobuf.decode((FIXTURES / "deployment.bin").read_bytes())
    assert out["apiVersion"] == "apps/v1"
    assert out["kind"] == "Deployment"
    assert out["metadata"] == {"name": "web", "labels": {"app": "web"}}
    spec = out["spec"]
    assert spec["replicas"] == 3
    assert spec["selector"] == {"matchLabels": {"app": "web"}}
    assert spec["template"] == {
        "metadata": {"labels": {"app": "web"}},
        "spec": {
            "containers": [
                {"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}
            ]
        },
    }
    pdb = protobuf.decode((FIXTURES / "pdb.bin").read_bytes())
    assert pdb["spec"] == {"minAvailable": "50%", "selector": {"matchLabels": {"app": "web"}}}


# ----------------------------------------------------------------------------- wire corner cases


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _f(num: int, value: bytes | int | str, *, varint: bool = False) -> bytes:
    if varint:
        assert isinstance(value, int)
        return _varint(num << 3) + _varint(value)
    data = value.encode() if isinstance(value, str) else value
    assert isinstance(data, bytes)
    return _varint(num << 3 | 2) + _varint(len(data)) + data


def _envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = _f(1, api_version) + _f(2, kind)
    return protobuf.MAGIC + _f(1, type_meta) + _f(2, raw) + _f(3, "") + _f(4, "")


def test_pod_with_inline_structs_times_and_packed_ints() -> None:
    meta = (
        _f(1, "p")
        + _f(3, "ns")
        + _f(8, _f(1, 1767355200, varint=True))
        + _f(11, _f(1, "app") + _f(2, "web"))
    )
    probe = _f(
        1, _f(2, _f(1, "/healthz") + _f(2, _f(1, 0, varint=True) + _f(2, 8080, varint=True)))
    ) + _f(2, 5, varint=True)
    resources = _f(1, _f(1, "cpu") + _f(2, _f(1, "500m")))
    container = _f(1, "c") + _f(2, "nginx") + _f(8, resources) + _f(10, probe)
    volume = _f(1, "data") + _f(2, _f(2, b""))  # inline VolumeSource with an empty emptyDir
    sec_ctx = _f(4, _varint(1000) + _varint(2000))  # packed supplementalGroups
    toleration = _f(1, "k") + _f(2, "Exists") + _f(5, (1 << 64) - 5, varint=True)  # -5
    spec = (
        _f(1, volume)
        + _f(2, container)
        + _f(14, sec_ctx)
        + _f(22, toleration)
        + _f(11, 0, varint=True)
    )
    out = protobuf.decode(_envelope("v1", "Pod", _f(1, meta) + _f(2, spec)))
    assert out["metadata"] == {
        "name": "p",
        "namespace": "ns",
        "creationTimestamp": "2026-01-02T12:00:00Z",
        "labels": {"app": "web"},
    }
    pspec = out["spec"]
    assert pspec["volumes"] == [{"name": "data", "emptyDir": {}}]
    c = pspec["containers"][0]
    assert c["resources"] == {"limits": {"cpu": "500m"}}
    assert c["livenessProbe"] == {
        "httpGet": {"path": "/healthz", "port": 8080},
        "initialDelaySeconds": 5,
    }
    assert pspec["securityContext"] == {"supplementalGroups": [1000, 2000]}
    assert pspec["tolerations"] == [{"key": "k", "operator": "Exists", "tolerationSeconds": -5}]
    assert "hostNetwork" not in pspec, "non-pointer false is dropped"


def test_unpacked_repeated_and_int_or_string_string() -> None:
    sec_ctx = _f(4, 7, varint=True) + _f(4, 8, varint=True)
    spec = _f(2, _f(1, "c")) + _f(14, sec_ctx)
    out = protobuf.decode(_envelope("v1", "Pod", _f(2, spec)))
    assert out["spec"]["securityContext"]["supplementalGroups"] == [7, 8]
    ru = _f(1, _f(1, 1, varint=True) + _f(3, "25%"))
    strategy = _f(1, "RollingUpdate") + _f(2, ru)
    dep = protobuf.decode(
        _envelope("apps/v1", "Deployment", _f(2, _f(4, strategy) + _f(1, 0, varint=True)))
    )
    assert dep["spec"] == {
        "replicas": 0,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%"}},
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{}", "missing the k8s magic"),
        (protobuf.MAGIC + b"\x0a\x05\x0a", "truncated"),
        (protobuf.MAGIC + b"\x08", "truncated varint"),
        (
            _envelope("example.com/v1", "Widget", b""),
            'no kind "Widget" is registered for version "example.com/v1"',
        ),
        (
            protobuf.MAGIC + _f(1, _f(1, "v1") + _f(2, "Namespace")) + _f(3, "gzip"),
            "unsupported content encoding",
        ),
    ],
)
def test_errors(body: bytes, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        protobuf.decode(body)


# ----------------------------------------------------------------------------- live capture (e2e)


class _Recorder(http.server.BaseHTTPRequestHandler):
    bodies: dict[str, bytes] = {}

    def do_POST(self) -> None:
        n = int(self.headers.get("Content-Length") or 0)
        _Recorder.bodies[self.path.split("?")[0]] = self.rfile.read(n)
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"}}')

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_live_kubectl_create_bodies(tmp_path: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(
            "apiVersion: v1\nkind: Config\n"
            f"clusters: [{{name: l, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n"
            "contexts: [{name: l, context: {cluster: l, user: l, namespace: default}}]\n"
            "current-context: l\nusers: [{name: l, user: {}}]\n"
        )
        env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
        base = ["kubectl", f"--cache-dir={tmp_path / 'cache'}"]
        for args in (
            ["create", "deployment", "web", "--image=nginx:1.25", "--replicas=3", "--port=80"],
            ["create", "configmap", "cfg", "--from-literal=a=1", "--from-literal=b=two"],
        ):
            subprocess.run([*base, *args], env=env, check=True, capture_output=True, timeout=60)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    dep = protobuf.decode(_Recorder.bodies["/apis/apps/v1/namespaces/default/deployments"])
    assert dep["spec"]["template"]["spec"]["containers"] == [
        {"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}
    ]
    cm = protobuf.decode(_Recorder.bodies["/api/v1/namespaces/default/configmaps"])
    assert cm == EXPECTED["configmap"]


# ----------------------------------------------------------------------------- typed nested kinds


def test_projected_sources_use_projection_messages() -> None:
    """A projected secret's name is an inline LocalObjectReference (field 1), not secretName."""
    key = _f(1, "tls.crt") + _f(2, "cert")
    secret = _f(1, _f(1, "certs")) + _f(2, key) + _f(4, 1, varint=True)
    config = _f(1, _f(1, "cfg"))
    downward = _f(1, _f(1, "labels") + _f(2, _f(2, "metadata.labels")))
    bundle = _f(2, "example.com/signer") + _f(4, "ca.pem")
    sources = (
        _f(1, _f(1, secret)) + _f(1, _f(3, config)) + _f(1, _f(2, downward)) + _f(1, _f(5, bundle))
    )
    volume = _f(1, "proj") + _f(2, _f(26, sources))
    spec = _f(1, volume) + _f(2, _f(1, "c") + _f(2, "busybox"))
    out = protobuf.decode(_envelope("v1", "Pod", _f(2, spec)))
    assert out["spec"]["volumes"] == [
        {
            "name": "proj",
            "projected": {
                "sources": [
                    {
                        "secret": {
                            "name": "certs",
                            "items": [{"key": "tls.crt", "path": "cert"}],
                            "optional": True,
                        }
                    },
                    {"configMap": {"name": "cfg"}},
                    {
                        "downwardAPI": {
                            "items": [
                                {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}
                            ]
                        }
                    },
                    {"clusterTrustBundle": {"signerName": "example.com/signer", "path": "ca.pem"}},
                ]
            },
        }
    ]


def test_legacy_and_ephemeral_volume_sources() -> None:
    gce = _f(1, "disk-1") + _f(2, "ext4") + _f(3, 2, varint=True)
    claim_spec = _f(1, "ReadWriteOnce") + _f(2, _f(2, _f(1, "storage") + _f(2, _f(1, "1Gi"))))
    ephemeral = _f(1, _f(1, _f(11, _f(1, "app") + _f(2, "db"))) + _f(2, claim_spec))
    volumes = _f(1, _f(1, "gce") + _f(2, _f(3, gce))) + _f(
        1, _f(1, "scratch") + _f(2, _f(29, ephemeral))
    )
    spec = volumes + _f(2, _f(1, "c") + _f(2, "busybox"))
    out = protobuf.decode(_envelope("v1", "Pod", _f(2, spec)))
    assert out["spec"]["volumes"] == [
        {
            "name": "gce",
            "gcePersistentDisk": {"pdName": "disk-1", "fsType": "ext4", "partition": 2},
        },
        {
            "name": "scratch",
            "ephemeral": {
                "volumeClaimTemplate": {
                    "metadata": {"labels": {"app": "db"}},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            },
        },
    ]


def test_statefulset_volume_claim_templates_are_typed_claims() -> None:
    """volumeClaimTemplates decode as PersistentVolumeClaims; ``storageClassName: ""`` is kept."""
    claim_spec = (
        _f(1, "ReadWriteOnce")
        + _f(2, _f(2, _f(1, "storage") + _f(2, _f(1, "10Gi"))))
        + _f(5, "")
        + _f(6, "Filesystem")
    )
    claim = _f(1, _f(1, "data")) + _f(2, claim_spec)
    template = _f(2, _f(2, _f(1, "db") + _f(2, "postgres:16")))
    spec = (
        _f(1, 1, varint=True)
        + _f(2, _f(1, _f(1, "app") + _f(2, "db")))
        + _f(3, template)
        + _f(4, claim)
        + _f(5, "db")
    )
    out = protobuf.decode(_envelope("apps/v1", "StatefulSet", _f(1, _f(1, "db")) + _f(2, spec)))
    assert out["spec"]["volumeClaimTemplates"] == [
        {
            "metadata": {"name": "data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "10Gi"}},
                "storageClassName": "",
                "volumeMode": "Filesystem",
            },
        }
    ]
    assert out["spec"]["serviceName"] == "db"


def test_node_and_container_status_messages() -> None:
    user = _f(1, _f(1, 0, varint=True) + _f(2, 0, varint=True) + _f(3, _varint(10) + _varint(20)))
    cstatus = (
        _f(1, "c")
        + _f(4, 1, varint=True)
        + _f(12, _f(1, "data") + _f(2, "/data") + _f(3, 1, varint=True))
        + _f(13, user)
    )
    pod = protobuf.decode(_envelope("v1", "Pod", _f(3, _f(8, cstatus))))
    assert pod["status"]["containerStatuses"] == [
        {
            "name": "c",
            "ready": True,
            "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": True}],
            "user": {"linux": {"uid": 0, "gid": 0, "supplementalGroups": [10, 20]}},
        }
    ]
    handler = _f(1, "runc") + _f(2, _f(1, 1, varint=True))
    status = _f(12, handler) + _f(13, _f(1, 1, varint=True)) + _f(7, _f(11, _f(1, 0, varint=True)))
    node = protobuf.decode(_envelope("v1", "Node", _f(1, _f(1, "n1")) + _f(3, status)))
    assert node["status"]["runtimeHandlers"] == [
        {"name": "runc", "features": {"recursiveReadOnlyMounts": True}}
    ]
    assert node["status"]["features"] == {"supplementalGroupsPolicy": True}
    assert node["status"]["nodeInfo"]["swap"] == {"capacity": 0}


def test_raw_extension_json_and_embedded_protobuf() -> None:
    """A RawExtension holds JSON or a k8s-enveloped protobuf object; anything else is refused."""
    ns = _envelope("v1", "Namespace", _f(1, _f(1, "team-b")))
    ev = protobuf.decode_message(
        "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent", _f(1, "ADDED") + _f(2, _f(1, ns))
    )
    assert ev == {
        "type": "ADDED",
        "object": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-b"}},
    }
    ev = protobuf.decode_message(
        "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent",
        _f(1, "DELETED") + _f(2, _f(1, b'{"kind":"Pod"}')),
    )
    assert ev["object"] == {"kind": "Pod"}
    with pytest.raises(BadRequest, match="does not hold JSON or an embedded protobuf object"):
        protobuf.decode_message(
            "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent", _f(2, _f(1, b"\x00\x01"))
        )


def test_wrapped_verbs() -> None:
    """APIResource.verbs is a ``Verbs`` message wrapping the repeated strings."""
    res = _f(1, "pods") + _f(2, 1, varint=True) + _f(3, "Pod") + _f(4, _f(1, "get") + _f(1, "list"))
    out = protobuf.decode_message(
        "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList", _f(1, "v1") + _f(2, res)
    )
    assert out == {
        "groupVersion": "v1",
        "resources": [
            {"name": "pods", "namespaced": True, "kind": "Pod", "verbs": ["get", "list"]}
        ],
    }
