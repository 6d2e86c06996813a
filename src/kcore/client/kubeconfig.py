"""Reading a kubeconfig file the way kubectl and client-go do.

Supported: ``current-context`` (or an explicit context), the context's cluster, user and
namespace; cluster ``server``, ``certificate-authority``/``-data``,
``insecure-skip-tls-verify``, ``tls-server-name``; user ``token``/``tokenFile``,
``client-certificate``/``-data``, ``client-key``/``-data``, ``username``/``password``. Relative
file paths are resolved against the kubeconfig's directory, as kubectl does. ``exec`` and
``auth-provider`` plugins are not supported (a clear error says so). Only the first file of a
``KUBECONFIG`` path list is read.
"""

from __future__ import annotations

import base64
import binascii
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kcore.util.yamlerr import describe_yaml_error


class KubeconfigError(ValueError):
    """The kubeconfig is missing, malformed or asks for something unsupported."""


@dataclass(frozen=True, slots=True)
class KubeConfig:
    """The connection settings of one context."""

    server: str
    namespace: str = "default"
    context: str = ""
    token: str | None = None
    username: str | None = None
    password: str | None = None
    ca_data: bytes | None = None
    client_cert_data: bytes | None = None
    client_key_data: bytes | None = None
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None

    @property
    def is_https(self) -> bool:
        return self.server.lower().startswith("https://")

    def ssl_context(self) -> ssl.SSLContext | bool:
        """The TLS settings for ``httpx``: an ``SSLContext`` for https, ``True`` otherwise."""
        if not self.is_https:
            return True
        cadata = self.ca_data.decode() if self.ca_data else None
        ctx = ssl.create_default_context(cadata=cadata)
        if self.insecure_skip_tls_verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if self.client_cert_data is not None:
            if self.client_key_data is None:
                msg = f"context {self.context!r}: client certificate given without a client key"
                raise KubeconfigError(msg)
            _load_cert_chain(ctx, self.client_cert_data, self.client_key_data)
        return ctx


def _load_cert_chain(ctx: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    # ssl only loads certificates from files: write them to a private directory briefly.
    with tempfile.TemporaryDirectory(prefix="kcore-kubeconfig-") as d:
        cert_path = Path(d) / "client.crt"
        key_path = Path(d) / "client.key"
        for path, data in ((cert_path, cert), (key_path, key)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        try:
            ctx.load_cert_chain(str(cert_path), str(key_path))
        except ssl.SSLError as err:
            msg = f"invalid client certificate or key: {err}"
            raise KubeconfigError(msg) from err


def default_kubeconfig_path() -> Path:
    """``$KUBECONFIG`` (first entry) or ``~/.kube/config``."""
    env = os.environ.get("KUBECONFIG", "")
    first = next((p for p in env.split(os.pathsep) if p), "")
    return Path(first) if first else Path.home() / ".kube" / "config"


def load_kubeconfig(
    path: str | os.PathLike[str] | None = None, *, context: str | None = None
) -> KubeConfig:
    """Read ``path`` (default :func:`default_kubeconfig_path`) and resolve ``context``
    (default ``current-context``)."""
    p = Path(path) if path is not None else default_kubeconfig_path()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        msg = f"cannot read kubeconfig {str(p)!r}: {err.strerror or err}"
        raise KubeconfigError(msg) from err
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as err:
        msg = f"kubeconfig {str(p)!r} is not valid YAML: {describe_yaml_error(err)}"
        raise KubeconfigError(msg) from err
    if not isinstance(doc, dict):
        msg = f"kubeconfig {str(p)!r} must be a mapping, got {type(doc).__name__}"
        raise KubeconfigError(msg)
    return parse_kubeconfig(doc, context=context, base_dir=p.parent)


def _named(doc: dict[str, Any], section: str, name: str, field: str) -> dict[str, Any]:
    entries = doc.get(section) or []
    if not isinstance(entries, list):
        msg = f"kubeconfig: {section} must be a list"
        raise KubeconfigError(msg)
    for e in entries:
        if isinstance(e, dict) and e.get("name") == name:
            body = e.get(field) or {}
            if not isinstance(body, dict):
                msg = f"kubeconfig: {section}[{name!r}].{field} must be a mapping"
                raise KubeconfigError(msg)
            return body
    msg = f"kubeconfig: no {section[:-1]} named {name!r}"
    raise KubeconfigError(msg)


def _file_or_data(
    body: dict[str, Any], file_key: str, data_key: str, base_dir: Path
) -> bytes | None:
    data = body.get(data_key)
    if data:
        try:
            return base64.b64decode(str(data), validate=True)
        except (binascii.Error, ValueError) as err:
            msg = f"kubeconfig: {data_key} is not valid base64: {err}"
            raise KubeconfigError(msg) from err
    file = body.get(file_key)
    if file:
        fp = Path(str(file))
        if not fp.is_absolute():
            fp = base_dir / fp
        try:
            return fp.read_bytes()
        except OSError as err:
            msg = f"kubeconfig: cannot read {file_key} {str(fp)!r}: {err.strerror or err}"
            raise KubeconfigError(msg) from err
    return None


def parse_kubeconfig(
    doc: dict[str, Any], *, context: str | None = None, base_dir: Path | None = None
) -> KubeConfig:
    """Resolve a parsed kubeconfig document (see :func:`load_kubeconfig`)."""
    base = base_dir or Path.cwd()
    ctx_name = context or doc.get("current-context") or ""
    if not ctx_name:
        msg = "kubeconfig: no context given and current-context is not set"
        raise KubeconfigError(msg)
    ctx = _named(doc, "contexts", str(ctx_name), "context")
    cluster_name = ctx.get("cluster")
    if not cluster_name:
        msg = f"kubeconfig: context {ctx_name!r} names no cluster"
        raise KubeconfigError(msg)
    cluster = _named(doc, "clusters", str(cluster_name), "cluster")
    user: dict[str, Any] = {}
    if ctx.get("user"):
        user = _named(doc, "users", str(ctx["user"]), "user")
    server = str(cluster.get("server") or "")
    if not server.lower().startswith(("http://", "https://")):
        msg = f"kubeconfig: cluster {cluster_name!r} has no http(s) server URL (got {server!r})"
        raise KubeconfigError(msg)
    for unsupported in ("exec", "auth-provider"):
        if user.get(unsupported):
            msg = (
                f"kubeconfig: user {ctx.get('user')!r} uses {unsupported!r}, which kcore does "
                "not support; use a token or a client certificate"
            )
            raise KubeconfigError(msg)
    token = user.get("token")
    if not token and user.get("tokenFile"):
        raw = _file_or_data({"f": user["tokenFile"]}, "f", "-", base)
        token = raw.decode().strip() if raw else None
    return KubeConfig(
        server=server.rstrip("/"),
        namespace=str(ctx.get("namespace") or "default"),
        context=str(ctx_name),
        token=str(token) if token else None,
        username=str(user["username"]) if user.get("username") else None,
        password=str(user["password"]) if user.get("password") else None,
        ca_data=_file_or_data(cluster, "certificate-authority", "certificate-authority-data", base),
        client_cert_data=_file_or_data(user, "client-certificate", "client-certificate-data", base),
        client_key_data=_file_or_data(user, "client-key", "client-key-data", base),
        insecure_skip_tls_verify=bool(cluster.get("insecure-skip-tls-verify", False)),
        tls_server_name=str(cluster["tls-server-name"]) if cluster.get("tls-server-name") else None,
    )
