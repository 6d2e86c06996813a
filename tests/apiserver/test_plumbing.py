"""Routing, content negotiation, token files, TLS material and the metrics exposition."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
from cryptography import x509

from kcore.api.errors import (
    BadRequest,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    Unauthorized,
    UnsupportedMediaType,
)
from kcore.apiserver.auth import ANONYMOUS, TokenAuthenticator, format_token_line, parse_token_file
from kcore.apiserver.certs import ensure_tls
from kcore.apiserver.metrics import Metrics
from kcore.apiserver.negotiation import Rendering, body_kind, negotiate
from kcore.apiserver.routing import parse_request


@pytest.mark.parametrize(
    ("method", "path", "expect"),
    [
        ("GET", "/api/v1/pods", ("list", "pods", None, None, None)),
        ("GET", "/api/v1/namespaces/ns/pods", ("list", "pods", "ns", None, None)),
        ("GET", "/api/v1/namespaces/ns/pods/p", ("get", "pods", "ns", "p", None)),
        ("GET", "/api/v1/namespaces/ns/pods/p/log", ("get", "pods", "ns", "p", "log")),
        ("POST", "/api/v1/namespaces/ns/pods/p/binding", ("create", "pods", "ns", "p", "binding")),
        ("GET", "/api/v1/namespaces/ns", ("get", "namespaces", None, "ns", None)),
        ("PUT", "/api/v1/namespaces/ns/finalize", ("update", "namespaces", None, "ns", "finalize")),
        ("PATCH", "/api/v1/namespaces/ns/status", ("patch", "namespaces", None, "ns", "status")),
        ("GET", "/api/v1/watch/namespaces/ns/pods", ("watch", "pods", "ns", None, None)),
        (
            "DELETE",
            "/apis/apps/v1/namespaces/ns/deployments",
            ("deletecollection", "deployments", "ns", None, None),
        ),
        (
            "PATCH",
            "/apis/apps/v1/namespaces/ns/deployments/d/scale",
            ("patch", "deployments", "ns", "d", "scale"),
        ),
        ("GET", "/api/v1/nodes/n1/", ("get", "nodes", None, "n1", None)),
    ],
)
def test_resource_routes(method, path, expect):
    info = parse_request(method, path)
    got = (
        info.verb,
        info.resource.resource if info.resource else None,
        info.namespace,
        info.name,
        info.subresource,
    )
    assert got == expect


def test_watch_param_and_bindings_route():
    assert parse_request("GET", "/api/v1/pods", watch=True).verb == "watch"
    info = parse_request("POST", "/api/v1/namespaces/ns/bindings")
    assert info.bindings
    assert info.subresource == "binding"
    with pytest.raises(MethodNotAllowed):
        parse_request("GET", "/api/v1/namespaces/ns/bindings")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/v2",
        "/apis/nope/v1/x",
        "/api/v1/pods/a/b/c/d",
        "/api/v1/namespaces/ns/pods/p/nosuchsub",
        "/api/v1/namespaces/ns/nodes",
        "/api/v1/pods/p",
        "/openapi",
        "/metrics/extra",
    ],
)
def test_unknown_routes_are_not_found(path):
    with pytest.raises(NotFound, match="the server could not find the requested resource"):
        parse_request("GET", path)


def test_negotiation():
    assert negotiate("").rendering is Rendering.JSON
    t = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    assert negotiate(t, table=True).rendering is Rendering.TABLE
    assert negotiate(t, table=False).rendering is Rendering.JSON
    assert negotiate("application/yaml").rendering is Rendering.YAML
    assert (
        negotiate("application/vnd.kubernetes.protobuf,application/json").rendering
        is Rendering.JSON
    )
    assert negotiate("text/html;q=0.9,*/*;q=0.1").rendering is Rendering.JSON
    with pytest.raises(NotAcceptable):
        negotiate("application/vnd.kubernetes.protobuf")
    assert body_kind("", patch=False) == "json"
    assert body_kind("application/json; charset=utf-8", patch=False) == "json"
    assert body_kind("application/strategic-merge-patch+json", patch=True) == "strategic"
    assert body_kind("application/apply-patch+yaml", patch=True) == "apply"
    with pytest.raises(UnsupportedMediaType):
        body_kind("text/plain", patch=False)
    with pytest.raises(UnsupportedMediaType):
        body_kind("application/json", patch=True)


def test_token_file_parsing_and_authentication():
    text = "# comment\n" + format_token_line("t1", "alice", "u1", ("dev", "ops")) + "\nt2,bob,u2\n"
    users = parse_token_file(text)
    assert users["t1"].groups == ("dev", "ops", "system:authenticated")
    assert users["t2"].name == "bob"
    auth = TokenAuthenticator(users)
    assert auth.authenticate(b"Bearer t1").name == "alice"
    with pytest.raises(Unauthorized):
        auth.authenticate(None)
    with pytest.raises(Unauthorized):
        auth.authenticate(b"Bearer nope")
    assert TokenAuthenticator(users, anonymous=True).authenticate(None) is ANONYMOUS
    for bad, msg in [
        ("t1,alice\n", "expected token,user,uid"),
        ("t1,a,1\nt1,b,2\n", "duplicate token"),
        (",a,1\n", "must not be empty"),
    ]:
        with pytest.raises(BadRequest, match=msg):
            parse_token_file(bad)


def test_tls_material_is_created_once_and_reissued_when_names_change(tmp_path):
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp()
    files = ensure_tls(tmp_path, now)
    ca = files.ca_cert.read_bytes()
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert oct(files.key.stat().st_mode & 0o777) == "0o600"
    same = ensure_tls(tmp_path, now)
    assert same.cert.read_bytes() == files.cert.read_bytes()
    more = ensure_tls(tmp_path, now, extra_ips=("127.96.0.1",))
    assert more.ca_cert.read_bytes() == ca
    san = (
        x509.load_pem_x509_certificate(more.cert.read_bytes())
        .extensions.get_extension_for_class(x509.SubjectAlternativeName)
        .value
    )
    assert ipaddress.ip_address("127.96.0.1") in san.get_values_for_type(x509.IPAddress)
    issuer = x509.load_pem_x509_certificate(ca).subject
    assert x509.load_pem_x509_certificate(more.cert.read_bytes()).issuer == issuer


def test_metrics_exposition():
    m = Metrics()
    key = ("GET", "", "v1", "pods", "", "namespace")
    m.observe(key, 200, 0.003)
    m.observe(key, 200, 0.3)
    m.observe(key, 404, 70.0)
    m.observe(("WATCH", "", "v1", "pods", "", "cluster"), 200, None)
    text = m.render()
    labels = 'verb="GET",group="",version="v1",resource="pods",subresource="",scope="namespace"'
    assert f'apiserver_request_total{{{labels},code="200"}} 2' in text
    assert f'apiserver_request_duration_seconds_bucket{{{labels},le="0.005"}} 1' in text
    assert f'apiserver_request_duration_seconds_bucket{{{labels},le="0.4"}} 2' in text
    assert f'apiserver_request_duration_seconds_bucket{{{labels},le="60"}} 2' in text
    assert f'apiserver_request_duration_seconds_bucket{{{labels},le="+Inf"}} 3' in text
    assert f"apiserver_request_duration_seconds_count{{{labels}}} 3" in text
    assert 'verb="WATCH"' in text
    assert 'apiserver_request_duration_seconds_count{verb="WATCH"' not in text
    assert m.request_count("GET", "pods") == 3
