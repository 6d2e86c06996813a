"""``kubectl explain`` (1.32) over kcore's OpenAPI v3: the type column matches a real server.

kubectl's explain template prints ``<IntOrString>``/``<Quantity>`` only when the referenced
component schema has no ``type`` (upstream writes them as ``oneOf``); a typed string prints
``<string>``. This drives the real kubectl against an in-process APIServer.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

import pytest

from kcore.testing.apiserver import apiserver_thread

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.e2e

KUBECTL = shutil.which("kubectl")


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_explain_types(tmp_path: Path) -> None:
    with apiserver_thread(store="memory") as srv:
        base = [
            KUBECTL or "kubectl",
            "--kubeconfig",
            str(srv.kubeconfig_path),
            "--cache-dir",
            str(tmp_path / "cache"),
        ]

        def explain(path: str) -> str:
            r = subprocess.run(
                [*base, "explain", path], capture_output=True, text=True, timeout=90, check=False
            )
            assert r.returncode == 0, r.stderr
            return r.stdout

        out = explain("deployment.spec.strategy.rollingUpdate")
        assert "maxSurge\t<IntOrString>" in out
        assert "maxUnavailable\t<IntOrString>" in out
        out = explain("pod.spec.containers.resources")
        assert "limits\t<map[string]Quantity>" in out
        out = explain("service.spec.ports.targetPort")
        assert "FIELD: targetPort <IntOrString>" in out
        out = explain("pod.metadata")
        assert "creationTimestamp\t<string>" in out
