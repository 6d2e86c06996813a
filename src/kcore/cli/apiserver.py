"""``kcore apiserver``: run the APIServer alone, with kube-apiserver-style flags."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kcore.api.errors import StatusError

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from kcore.apiserver.server import APIServer

DEFAULT_DATA_DIR = ".kcore"


def _port_range(text: str) -> tuple[int, int]:
    lo, sep, hi = text.partition("-")
    try:
        a, b = int(lo), int(hi if sep else lo)
    except ValueError:
        msg = f"invalid port range {text!r}: expected LOW-HIGH, e.g. 30000-32767"
        raise argparse.ArgumentTypeError(msg) from None
    if not (0 < a <= b <= 65535):
        msg = f"invalid port range {text!r}: need 0 < LOW <= HIGH <= 65535"
        raise argparse.ArgumentTypeError(msg)
    return a, b


def _port(text: str) -> int:
    try:
        p = int(text)
    except ValueError:
        msg = f"invalid port {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not 0 <= p <= 65535:
        msg = f"invalid port {p}: must be 0..65535 (0 picks a free port)"
        raise argparse.ArgumentTypeError(msg)
    return p


def _admission_plugins(value: str) -> tuple[str, ...]:
    from kcore.apiserver.admission import check_plugin_names

    try:
        return check_plugin_names(value.split(","))
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_server_arguments(parser: argparse.ArgumentParser, *, full: bool) -> None:
    """The APIServer flags; ``full`` adds those only ``kcore apiserver`` offers."""
    parser.add_argument(
        "--data-dir",
        default=DEFAULT_DATA_DIR,
        metavar="DIR",
        help="where the SQLite database, certificates, token file and kubeconfig live "
        f"(default: ./{DEFAULT_DATA_DIR}); objects survive restarts on the same directory",
    )
    parser.add_argument(
        "--port",
        "--secure-port",
        dest="port",
        type=_port,
        default=6443,
        metavar="N",
        help="port to serve on (default: 6443; 0 picks a free port)",
    )
    parser.add_argument(
        "--etcd-servers",
        metavar="URLS",
        help="comma-separated etcd client URLs (http://127.0.0.1:2379,...): store objects in "
        "etcd instead of SQLite; several APIServers may share one etcd",
    )
    parser.add_argument(
        "--store",
        metavar="SPEC",
        help="storage backend: 'memory' (nothing persists), 'sqlite:///path/db.sqlite' or "
        "'etcd://host:port' (default: SQLite in the data directory)",
    )
    if not full:
        return
    parser.add_argument(
        "--bind-address",
        default="127.0.0.1",
        metavar="IP",
        help="address to listen on (default: 127.0.0.1; keep it on loopback)",
    )
    parser.add_argument(
        "--etcd-prefix",
        default="/registry",
        metavar="PREFIX",
        help="key prefix in etcd (default: /registry, as kube-apiserver)",
    )
    parser.add_argument(
        "--token-auth-file",
        metavar="FILE",
        help='static bearer tokens, one "token,user,uid,\\"group1,group2\\"" per line '
        "(default: DIR/tokens.csv, created with an admin token on first start)",
    )
    parser.add_argument(
        "--anonymous-auth",
        action="store_true",
        help="let requests without a token in as system:anonymous (default: refuse with 401)",
    )
    parser.add_argument(
        "--insecure-http",
        action="store_true",
        help="serve plain HTTP instead of HTTPS (for debugging only)",
    )
    parser.add_argument(
        "--service-cluster-ip-range",
        default="127.96.0.0/12",
        metavar="CIDR",
        help="Service ClusterIP range (default: 127.96.0.0/12, inside loopback)",
    )
    parser.add_argument(
        "--service-node-port-range",
        type=_port_range,
        default=(30000, 32767),
        metavar="LOW-HIGH",
        help="NodePort range (default: 30000-32767)",
    )
    parser.add_argument(
        "--disable-admission-plugins",
        type=_admission_plugins,
        default=(),
        metavar="NAMES",
        help="comma-separated admission plugins to turn off, as kube-apiserver's flag (kcore "
        "runs NamespaceLifecycle, LimitRanger, ServiceAccount, Priority, "
        "DefaultTolerationSeconds and ResourceQuota by default)",
    )
    parser.add_argument(
        "--min-request-timeout",
        type=int,
        default=1800,
        metavar="SECONDS",
        help="how long a watch without timeoutSeconds stays open (default: 1800)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log more (-v: info, -vv: debug)",
    )


def store_spec(args: argparse.Namespace) -> str | None:
    """The store spec the flags ask for (``None``: SQLite in the data directory)."""
    if args.etcd_servers and args.store:
        msg = "--etcd-servers and --store cannot be used together"
        raise SystemExit(f"kcore: {msg}")
    if args.etcd_servers:
        hosts = []
        for url in args.etcd_servers.split(","):
            u = url.strip()
            for scheme in ("http://", "https://", "etcd://"):
                if u.startswith(scheme):
                    u = u[len(scheme) :]
            if u:
                hosts.append(u.rstrip("/"))
        if not hosts:
            raise SystemExit("kcore: --etcd-servers needs at least one URL")
        spec = "etcd://" + ",".join(hosts)
        prefix = getattr(args, "etcd_prefix", "/registry")
        if prefix and prefix != "/registry":
            spec += f"?prefix={prefix}"
        return spec
    store: str | None = args.store
    if store == "sqlite":
        return None
    return store


def build_server(args: argparse.Namespace) -> APIServer:
    from kcore.apiserver.server import APIServer

    kwargs: dict[str, Any] = {}
    if hasattr(args, "bind_address"):
        kwargs.update(
            host=args.bind_address,
            token_file=args.token_auth_file,
            anonymous_auth=args.anonymous_auth,
            tls=not args.insecure_http,
            service_cluster_ip_range=args.service_cluster_ip_range,
            service_node_port_range=args.service_node_port_range,
            watch_timeout=float(args.min_request_timeout),
            disable_admission_plugins=args.disable_admission_plugins,
        )
    return APIServer(
        data_dir=Path(args.data_dir).resolve(),
        port=args.port,
        store=store_spec(args),
        **kwargs,
    )


def run(main: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run ``main`` on uvloop when available."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        return asyncio.run(main())
    rc: int = uvloop.run(main())
    return rc


async def wait_for_signal() -> None:
    """Return on SIGINT or SIGTERM (Ctrl-C)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kcore apiserver",
        description="Run the kcore APIServer alone: the Kubernetes REST API (kubectl and the "
        "official clients work against it) over SQLite, etcd or memory, on HTTPS with a "
        "generated CA and bearer tokens. Components (scheduler, controllers) connect to it "
        "with the kubeconfig written to DIR/kubeconfig.",
        epilog="Example: kcore apiserver --data-dir /tmp/k --port 6443 && "
        "KUBECONFIG=/tmp/k/kubeconfig kubectl get ns",
    )
    add_server_arguments(p, full=True)
    return p


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = build_server(args)

    async def serve() -> int:
        try:
            await server.start()
        except (OSError, ValueError, StatusError) as err:
            # StatusError: the store cannot be reached (etcd down, a wrong --etcd-servers).
            print(f"kcore apiserver: {err}", file=sys.stderr)
            return 1
        print(
            f"kcore apiserver listening on {server.url}\n  kubeconfig: {server.kubeconfig_path}",
            flush=True,
        )
        try:
            waiter = asyncio.ensure_future(wait_for_signal())
            done = asyncio.ensure_future(server.serve_forever())
            await asyncio.wait({waiter, done}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
        finally:
            await server.stop()
        return 0

    return run(serve)
