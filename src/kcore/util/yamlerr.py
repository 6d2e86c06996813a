"""One-line descriptions of PyYAML errors, for messages that must fit on a line."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import yaml

__all__ = ["describe_yaml_error"]


def describe_yaml_error(err: yaml.YAMLError) -> str:
    """What went wrong (and while parsing what), then where: ``line L, column C`` (1-based).

    PyYAML's own ``str()`` spans several lines (it quotes the offending source line with a
    caret under it).
    """
    problem = getattr(err, "problem", None)
    if not problem:
        return " ".join(str(err).split())
    context = getattr(err, "context", None)
    text = f"{context}: {problem}" if context else str(problem)
    mark = getattr(err, "problem_mark", None)
    if mark is not None:
        text += f" (line {mark.line + 1}, column {mark.column + 1})"
    return text
