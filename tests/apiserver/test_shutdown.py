"""Stopping the APIServer while a client holds an idle TLS connection it never closes."""

from __future__ import annotations

import socket
import ssl
import threading

import pytest

from kcore.testing.apiserver import apiserver_thread

pytestmark = pytest.mark.e2e


def test_stop_drops_connections_a_client_left_open() -> None:
    with apiserver_thread() as srv:
        ctx = ssl.create_default_context(cafile=str(srv.ca_path))
        raw = socket.create_connection(("127.0.0.1", srv.port))
        conn = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        conn.sendall(
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: Bearer " + (srv.admin_token or "").encode() + b"\r\n\r\n"
        )
        assert conn.recv(4096).startswith(b"HTTP/1.1 200")
        loop = srv.loop
        # The client now sits idle: it neither closes nor reads the server's close_notify.
    try:
        # The server's thread ended and closed its loop: nothing was left half-open.
        assert not any(t.name == "kcore-apiserver" and t.is_alive() for t in threading.enumerate())
        assert loop.is_closed()
    finally:
        conn.close()
