"""``kcore up``: a local control plane, the APIServer plus every component that exists.

Components register here with one line each::

    register_component("scheduler", "kcore.scheduler.component:start")

The target is ``"module:function"`` (imported only when ``kcore up`` runs; a module that does not
exist yet is skipped) or a callable. It is called as ``await start(ctx)`` with an
:class:`UpContext` (the running server, its kubeconfig and admin token, the in-process registry
and the clock) and returns an object with an ``async stop()`` method (or ``None``). Components
start in registration order and stop in reverse order on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kcore.api.errors import StatusError
from kcore.cli.apiserver import add_server_arguments, build_server, run, wait_for_signal

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    from kcore.apiserver.registry import APIRegistry
    from kcore.apiserver.server import APIServer
    from kcore.util.clock import Clock

log = logging.getLogger("kcore.up")


@dataclass(frozen=True, slots=True)
class UpContext:
    """What a component gets when ``kcore up`` starts it."""

    server: APIServer
    url: str
    kubeconfig_path: Path
    admin_token: str | None
    registry: APIRegistry
    clock: Clock
    data_dir: Path
    # The parsed ``kcore up`` flags (components read their own, e.g. --nodes).
    args: argparse.Namespace | None = None


class Component(Protocol):
    async def stop(self) -> None: ...


Starter = "Callable[[UpContext], Awaitable[Component | None]]"

#: (name, "module:function" or callable), in start order.
COMPONENTS: list[tuple[str, Any]] = []


def register_component(name: str, start: str | Callable[[UpContext], Awaitable[Any]]) -> None:
    """Add (or replace) the component ``name`` started by ``kcore up``."""
    for i, (n, _) in enumerate(COMPONENTS):
        if n == name:
            COMPONENTS[i] = (name, start)
            return
    COMPONENTS.append((name, start))


# Components started by `kcore up` (one line each; modules that do not exist yet are skipped).
register_component("scheduler", "kcore.scheduler.component.app:start")
register_component("controller-manager", "kcore.controllers.manager:start")
register_component("nodes", "kcore.kubelet.hollow:start")


def _resolve(target: Any) -> Callable[[UpContext], Awaitable[Any]] | None:
    if callable(target):
        return target  # type: ignore[no-any-return]
    module, _, func = str(target).partition(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name and (module == err.name or module.startswith(err.name + ".")):
            return None
        raise
    fn = getattr(mod, func, None)
    return fn if callable(fn) else None


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            msg = f"expected an integer, got {text!r}"
            raise argparse.ArgumentTypeError(msg) from None
        if v < minimum:
            msg = f"must be >= {minimum}, got {v}"
            raise argparse.ArgumentTypeError(msg)
        return v

    return parse


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kcore up",
        description="Start a local kcore control plane on 127.0.0.1: the APIServer (SQLite in "
        "DIR, HTTPS with a generated CA, an admin token) and every component kcore has "
        "(scheduler, controllers, ...). Writes DIR/kubeconfig for kubectl and clients; all "
        "objects are kept across restarts on the same DIR. Stop with Ctrl-C.",
        epilog="Example: kcore up && export KUBECONFIG=$PWD/.kcore/kubeconfig && kubectl get ns",
    )
    add_server_arguments(p, full=False)
    p.add_argument(
        "--disable",
        action="append",
        default=[],
        metavar="NAME",
        help="do not start component NAME (repeatable; see --list-components)",
    )
    nodes = p.add_argument_group("hollow nodes")
    nodes.add_argument(
        "--nodes",
        type=_count(0),
        default=0,
        metavar="N",
        help="register N hollow (simulated) nodes that heartbeat and run pods (default: 0)",
    )
    nodes.add_argument("--node-cpu", default="4", metavar="Q", help="CPU per node (4)")
    nodes.add_argument("--node-memory", default="32Gi", metavar="Q", help="memory per node (32Gi)")
    nodes.add_argument(
        "--node-pods", type=_count(1), default=110, metavar="N", help="pods per node (110)"
    )
    nodes.add_argument(
        "--node-zones",
        default="",
        metavar="Z1,Z2",
        help="spread the nodes over these topology.kubernetes.io/zone values",
    )
    p.add_argument(
        "--list-components",
        action="store_true",
        help="print the components kcore up would start, then exit",
    )
    return p


async def _start_components(ctx: UpContext, disabled: set[str]) -> list[tuple[str, Any]]:
    started: list[tuple[str, Any]] = []
    for name, target in COMPONENTS:
        if name in disabled:
            continue
        start = _resolve(target)
        if start is None:
            log.info("component %s is not available in this build; skipped", name)
            continue
        handle = await start(ctx)
        started.append((name, handle))
        url = getattr(handle, "url", None)
        print(f"  started {name}" + (f" (health and metrics: {url})" if url else ""), flush=True)
    return started


async def _stop_components(started: list[tuple[str, Any]]) -> None:
    for name, handle in reversed(started):
        stop = getattr(handle, "stop", None)
        if stop is None:
            continue
        try:
            await stop()
        except Exception:
            log.exception("component %s failed to stop cleanly", name)


def main(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.list_components:
        for name, target in COMPONENTS:
            state = "available" if _resolve(target) is not None else "not available yet"
            print(f"{name}: {state}")
        return 0
    server = build_server(args)

    async def up() -> int:
        try:
            await server.start()
        except (OSError, ValueError, StatusError) as err:
            # StatusError: the store cannot be reached (etcd down, a wrong --etcd-servers).
            print(f"kcore up: {err}", file=sys.stderr)
            return 1
        kubeconfig = server.kubeconfig_path
        print(
            f"kcore is up: APIServer at {server.url} (data in {server.data_dir})\n"
            f"\n  export KUBECONFIG={kubeconfig}\n  kubectl get ns\n",
            flush=True,
        )
        ctx = UpContext(
            server=server,
            url=server.url,
            kubeconfig_path=kubeconfig,
            admin_token=server.admin_token,
            registry=server.registry,
            clock=server.clock,
            data_dir=server.data_dir,
            args=args,
        )
        started: list[tuple[str, Any]] = []
        try:
            started = await _start_components(ctx, set(args.disable))
            print("Press Ctrl-C to stop.", flush=True)
            waiter = asyncio.ensure_future(wait_for_signal())
            done = asyncio.ensure_future(server.serve_forever())
            await asyncio.wait({waiter, done}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
        finally:
            print("\nstopping kcore ...", flush=True)
            await _stop_components(started)
            await server.stop()
        print("kcore stopped.", flush=True)
        return 0

    return run(up)
