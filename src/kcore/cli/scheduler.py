"""``kcore scheduler``: run the scheduler against an APIServer, with kube-scheduler's flags."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kcore.scheduler.apis.config import KubeSchedulerConfiguration


def _bool(text: str) -> bool:
    v = text.strip().lower()
    if v in ("true", "t", "1", "yes"):
        return True
    if v in ("false", "f", "0", "no"):
        return False
    msg = f"invalid boolean {text!r}: use true or false"
    raise argparse.ArgumentTypeError(msg)


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        msg = f"expected an integer, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if v < 1:
        msg = f"must be >= 1, got {v}"
        raise argparse.ArgumentTypeError(msg)
    return v


def _seconds(text: str) -> float:
    from kcore.scheduler.apis.config.strict import parse_duration

    try:
        v = float(text) if text.replace(".", "", 1).isdigit() else parse_duration(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    if v <= 0:
        msg = f"must be > 0, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return v


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kcore scheduler",
        description="Run the kcore scheduler (kube-scheduler over the native core) against an "
        "APIServer: it watches pods, nodes and the objects the plugins read, schedules pending "
        "pods in batches and binds them, and serves /healthz, /readyz and Prometheus /metrics.",
        epilog="Example: kcore scheduler --kubeconfig .kcore/kubeconfig --config sched.yaml "
        "--leader-elect=true",
    )
    p.add_argument(
        "--kubeconfig",
        metavar="FILE",
        help="kubeconfig of the APIServer (default: the configuration's "
        "clientConnection.kubeconfig, else $KUBECONFIG / ~/.kube/config)",
    )
    p.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) file: profiles, "
        "leaderElection, clientConnection, percentageOfNodesToScore, backoff, parallelism",
    )
    p.add_argument(
        "--leader-elect",
        type=_bool,
        nargs="?",
        const=True,
        default=None,
        metavar="BOOL",
        help="elect a leader among replicas on a Lease before scheduling (default: the "
        "configuration's leaderElection.leaderElect, true when it is not given)",
    )
    p.add_argument(
        "--leader-elect-lease-duration",
        type=_seconds,
        metavar="DURATION",
        help="how long a lease is valid without renewal (15s; e.g. 15s, 1m)",
    )
    p.add_argument(
        "--leader-elect-renew-deadline",
        type=_seconds,
        metavar="DURATION",
        help="how long the leader keeps trying to renew before it stops (10s)",
    )
    p.add_argument(
        "--leader-elect-retry-period",
        type=_seconds,
        metavar="DURATION",
        help="time between acquisition and renewal attempts (2s)",
    )
    p.add_argument(
        "--leader-elect-resource-name", metavar="NAME", help="the Lease (kube-scheduler)"
    )
    p.add_argument(
        "--leader-elect-resource-namespace",
        metavar="NAMESPACE",
        help="the Lease's namespace (kube-system)",
    )
    p.add_argument(
        "--bind-address",
        default="127.0.0.1",
        metavar="IP",
        help="address of the health and metrics endpoint (default: 127.0.0.1)",
    )
    p.add_argument(
        "--port",
        "--secure-port",
        dest="port",
        type=int,
        default=10259,
        metavar="N",
        help="port of the health and metrics endpoint, plain HTTP (default: 10259; 0 picks a "
        "free port; a negative value serves nothing)",
    )
    p.add_argument("--kube-api-qps", type=float, metavar="QPS", help="client QPS (config: 50)")
    p.add_argument("--kube-api-burst", type=_positive, metavar="N", help="client burst (100)")
    p.add_argument(
        "--batch-size",
        type=_positive,
        default=256,
        metavar="N",
        help="pods scheduled per native batch call (default: 256)",
    )
    p.add_argument(
        "--parallelism",
        type=_positive,
        metavar="N",
        help="concurrent binding requests (default: the configuration's parallelism, 16)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the tie-breaking generator")
    p.add_argument("-v", "--verbose", action="count", default=0, help="log more (-v, -vv)")
    return p


def _config(args: argparse.Namespace) -> KubeSchedulerConfiguration:
    import dataclasses

    from kcore.scheduler.apis.config import load_config

    cfg = load_config(args.config) if args.config is not None else load_config({})
    le = cfg.leader_election
    overrides = {
        "lease_duration": args.leader_elect_lease_duration,
        "renew_deadline": args.leader_elect_renew_deadline,
        "retry_period": args.leader_elect_retry_period,
        "resource_name": args.leader_elect_resource_name,
        "resource_namespace": args.leader_elect_resource_namespace,
        "leader_elect": args.leader_elect,
    }
    le = dataclasses.replace(le, **{k: v for k, v in overrides.items() if v is not None})
    cc = cfg.client_connection
    cc_over = {
        "qps": args.kube_api_qps,
        "burst": args.kube_api_burst,
        "kubeconfig": args.kubeconfig,
    }
    cc = dataclasses.replace(cc, **{k: v for k, v in cc_over.items() if v is not None})
    return dataclasses.replace(cfg, leader_election=le, client_connection=cc)


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from kcore.scheduler.apis.config import ConfigError

    try:
        cfg = _config(args)
    except (ConfigError, FileNotFoundError) as err:
        print(f"kcore scheduler: {err}", file=sys.stderr)
        return 2
    from kcore.scheduler.component.app import http_client

    try:
        client = http_client(
            cfg.client_connection.kubeconfig or None,
            qps=cfg.client_connection.qps,
            burst=cfg.client_connection.burst,
            connections=max(64, 2 * (args.parallelism or cfg.parallelism) + 16),
        )
    except (OSError, ValueError) as err:
        print(f"kcore scheduler: cannot load the kubeconfig: {err}", file=sys.stderr)
        return 2
    from kcore.cli.apiserver import run, wait_for_signal
    from kcore.scheduler.component.app import SchedulerApp, SchedulerOptions
    from kcore.util.clock import RealClock

    options = SchedulerOptions(
        config=cfg,
        bind_address=args.bind_address,
        port=args.port if args.port >= 0 else None,
        batch_size=args.batch_size,
        parallelism=args.parallelism,
        seed=args.seed,
        gc_freeze=True,
    )

    async def serve() -> int:
        try:
            app = SchedulerApp(client, RealClock(), options)
        except ValueError as err:
            print(f"kcore scheduler: {err}", file=sys.stderr)
            await client.close()
            return 2
        try:
            await app.start()
        except (OSError, RuntimeError) as err:
            print(f"kcore scheduler: {err}", file=sys.stderr)
            await client.close()
            return 1
        profiles = ", ".join(cfg.resolved_profiles())
        print(f"kcore scheduler: profiles {profiles}", flush=True)
        if app.url:
            print(f"  health and metrics on {app.url}/healthz, {app.url}/metrics", flush=True)
        if options.elect:
            le = cfg.leader_election
            print(
                f"  leader election on lease {le.resource_namespace}/{le.resource_name} "
                f"as {options.identity}",
                flush=True,
            )
        waiter = asyncio.ensure_future(wait_for_signal())
        done = asyncio.ensure_future(app.wait())
        try:
            await asyncio.wait({waiter, done}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            await app.stop()
            await client.close()
        rc = app.exit_code if done.done() and app.exit_code else 0
        if rc:
            print("kcore scheduler: leaderelection lost or the scheduler failed", file=sys.stderr)
        return rc

    return run(serve)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
