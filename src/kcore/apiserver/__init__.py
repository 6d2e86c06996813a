"""The kcore APIServer: the Kubernetes REST API over kcore's storage.

* :class:`~kcore.apiserver.registry.APIRegistry` is the request path below HTTP (admission,
  defaulting, validation, strategies, storage, watches); ``LocalClient`` calls it in-process.
* :func:`~kcore.apiserver.app.create_app` is the ASGI application over a registry.
* :class:`~kcore.apiserver.server.APIServer` runs it all on uvicorn with TLS, tokens and a
  kubeconfig (what ``kcore apiserver`` and ``kcore up`` start).

The names are imported lazily, so ``import kcore.apiserver.registry`` does not load uvicorn.
See docs/apiserver.md.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["APIRegistry", "APIServer", "RequestContext", "create_app"]

_WHERE = {
    "APIRegistry": "kcore.apiserver.registry",
    "RequestContext": "kcore.apiserver.registry",
    "create_app": "kcore.apiserver.app",
    "APIServer": "kcore.apiserver.server",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        msg = f"module 'kcore.apiserver' has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(module), name)
