"""Entry point of the ``kcore`` command.

Each subcommand lives in its own module ``kcore.cli.<module>`` exposing ``main(argv) -> int``;
the module is imported only when its subcommand runs, so ``kcore bench`` never loads the
APIServer and ``kcore up`` starts quickly.
"""

from __future__ import annotations

import importlib
import sys
from typing import NamedTuple


class Command(NamedTuple):
    name: str
    module: str
    summary: str


COMMANDS: tuple[Command, ...] = (
    Command("up", "kcore.cli.up", "start a local control plane (APIServer, scheduler, ...)"),
    Command("apiserver", "kcore.cli.apiserver", "run the APIServer alone"),
    Command("scheduler", "kcore.cli.scheduler", "run the scheduler against an APIServer"),
    Command("bench", "kcore.cli.bench", "run scheduler_perf-style scheduling benchmarks"),
    Command("fidelity", "kcore.cli.fidelity", "replay kube-scheduler fidelity cases and compare"),
)

_USAGE = "usage: kcore [-h] [--version] COMMAND [ARGS ...]"


def _help() -> str:
    width = max(len(c.name) for c in COMMANDS)
    lines = [
        _USAGE,
        "",
        "kcore: a Kubernetes-style control plane with a vectorised C++ scheduling core.",
        "",
        "commands:",
        *(f"  {c.name.ljust(width)}  {c.summary}" for c in COMMANDS),
        "",
        "Run 'kcore COMMAND --help' for the options of a command.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(_help())
        return 0 if args else 2
    if args[0] == "--version":
        from kcore import __version__

        print(f"kcore {__version__}")
        return 0
    by_name = {c.name: c for c in COMMANDS}
    cmd = by_name.get(args[0])
    if cmd is None:
        print(
            f"kcore: unknown command {args[0]!r}; run 'kcore --help' to list commands",
            file=sys.stderr,
        )
        return 2
    module = importlib.import_module(cmd.module)
    rc: int = module.main(args[1:])
    return rc


if __name__ == "__main__":
    sys.exit(main())
