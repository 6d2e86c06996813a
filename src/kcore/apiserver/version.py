"""The ``/version`` document: kcore reports the Kubernetes release whose API it serves.

kubectl's gcloud dispatcher picks the kubectl binary matching the server's minor version, so the
answer must be a real v1.32 release string (kubectl-compat.md §0.1).
"""

from __future__ import annotations

from typing import Any

from kcore import __version__

KUBERNETES_MAJOR = "1"
KUBERNETES_MINOR = "32"
GIT_VERSION = "v1.32.4"


def version_info() -> dict[str, Any]:
    """The ``version.Info`` object served at ``/version``."""
    return {
        "major": KUBERNETES_MAJOR,
        "minor": KUBERNETES_MINOR,
        "gitVersion": GIT_VERSION,
        "gitCommit": f"kcore-{__version__}",
        "gitTreeState": "clean",
        "buildDate": "2025-01-01T00:00:00Z",
        "goVersion": "go1.23",
        "compiler": "gc",
        "platform": "linux/amd64",
    }
