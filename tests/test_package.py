"""The package imports, reports its version, and the native module loads."""

from __future__ import annotations

import kcore
from kcore import _native
from kcore.cli.main import main


def test_native_version_matches_package() -> None:
    assert _native.version() == kcore.__version__


def test_cli_lists_commands(capsys) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "bench" in out
    assert "fidelity" in out


def test_cli_unknown_command_fails(capsys) -> None:
    assert main(["no-such-command"]) == 2
    assert "unknown command" in capsys.readouterr().err
