"""Generate ``src/kcore/_native.pyi``, the checked-in stub of the compiled ``kcore._native``.

Run after changing a binding and rebuilding the module::

    python src/native/generate_stub.py            # rewrite src/kcore/_native.pyi
    python src/native/generate_stub.py --check    # exit 1 if the checked-in stub is stale

The stub comes from pybind11-stubgen, then one fix-up: inside a class that defines a method named
like a builtin (``SchedulingQueue.list``), annotations using that builtin are qualified as
``builtins.<name>`` so that type checkers do not resolve them to the method.
``tests/native/test_stub.py`` runs ``mypy.stubtest`` against the module with the allowlist
``tests/native/stubtest_allowlist.txt`` and compares this output with the checked-in stub.
"""

from __future__ import annotations

import argparse
import builtins
import re
import sys
import tempfile
from pathlib import Path

MODULE = "kcore._native"
STUB = Path(__file__).resolve().parents[1] / "kcore" / "_native.pyi"


def _qualify_shadowed_builtins(text: str) -> str:
    """Qualify builtins shadowed by a method of the class whose body uses them."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith("class "):
            out.append(lines[i])
            i += 1
            continue
        j = i + 1
        while j < len(lines) and (lines[j].startswith((" ", "\t")) or not lines[j].strip()):
            j += 1
        body = "".join(lines[i:j])
        methods = set(re.findall(r"^\s+def (\w+)\(", body, flags=re.MULTILINE))
        shadowed = sorted(m for m in methods if isinstance(getattr(builtins, m, None), type))
        for name in shadowed:
            # Annotation uses: "name[", "-> name", ": name" (not the "def name(" itself).
            body = re.sub(rf"(?<![\w.]){name}(?=\[)", f"builtins.{name}", body)
            body = re.sub(rf"(->|:)\s*{name}\b(?!\()", rf"\1 builtins.{name}", body)
        out.append(body)
        i = j
    result = "".join(out)
    if "builtins." in result and "\nimport builtins\n" not in result:
        result = result.replace(
            "from __future__ import annotations\n",
            "from __future__ import annotations\nimport builtins\n",
            1,
        )
    return result


def generate() -> str:
    """The stub text for the installed ``kcore._native``."""
    import pybind11_stubgen

    with tempfile.TemporaryDirectory() as tmp:
        argv = sys.argv
        try:
            sys.argv = ["pybind11-stubgen", MODULE, "-o", tmp, "--exit-code"]
            pybind11_stubgen.main()
        finally:
            sys.argv = argv
        text = (Path(tmp) / "kcore" / "_native.pyi").read_text(encoding="utf-8")
    return _qualify_shadowed_builtins(text)


def main(args: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if the checked-in stub is stale")
    opts = ap.parse_args(args)
    text = generate()
    if opts.check:
        if STUB.read_text(encoding="utf-8") != text:
            sys.stderr.write(f"{STUB} is stale: run python src/native/generate_stub.py\n")
            return 1
        return 0
    STUB.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {STUB}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
