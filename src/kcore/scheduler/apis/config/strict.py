"""Strict YAML loading and Go duration strings, shared by the configuration and bench loaders.

Kubernetes decodes configuration strictly: a duplicate key is an error, not "last one wins"
as PyYAML would do. :func:`load_yaml` reports duplicates with their line. Go durations
(``"1m30s"``, ``"500ms"``) are parsed by :func:`parse_duration` and written back by
:func:`format_duration`.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from kcore.util.yamlerr import describe_yaml_error

__all__ = ["YAMLError", "format_duration", "load_yaml", "load_yaml_all", "parse_duration"]


class YAMLError(ValueError):
    """A document that is not valid YAML, or that repeats a key in one mapping."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys in a mapping."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        k = loader.construct_object(key_node, deep=True)
        try:
            hash(k)
        except TypeError as err:
            msg = f"line {key_node.start_mark.line + 1}: unhashable mapping key"
            raise YAMLError(msg) from err
        if k in seen:
            msg = (
                f"line {key_node.start_mark.line + 1}: duplicate key {k!r} "
                f"(first at line {seen[k]})"
            )
            raise YAMLError(msg)
        seen[k] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str, *, source: str = "<string>") -> Any:
    """Parse one YAML (or JSON) document strictly."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except YAMLError as err:
        msg = f"{source}: {err}"
        raise YAMLError(msg) from err
    except yaml.YAMLError as err:
        msg = f"{source}: invalid YAML: {describe_yaml_error(err)}"
        raise YAMLError(msg) from err


def load_yaml_all(text: str, *, source: str = "<string>") -> list[Any]:
    """Parse every document of a multi-document YAML stream strictly."""
    try:
        return [d for d in yaml.load_all(text, Loader=_StrictLoader) if d is not None]
    except YAMLError as err:
        msg = f"{source}: {err}"
        raise YAMLError(msg) from err
    except yaml.YAMLError as err:
        msg = f"{source}: invalid YAML: {describe_yaml_error(err)}"
        raise YAMLError(msg) from err


_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "\u00b5s": 1e-6,
    "\u03bcs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


def parse_duration(text: str) -> float:
    """Parse a Go duration string (``time.ParseDuration``) into seconds.

    Raises
    ------
    ValueError
        If ``text`` is not a Go duration (``"10s"``, ``"1m30s"``, ``"-1.5h"``, ``"0"``).
    """
    s = text.strip()
    if not s:
        msg = f"invalid duration {text!r}"
        raise ValueError(msg)
    sign = 1.0
    if s[0] in "+-":
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if s == "0":
        return 0.0
    pos = 0
    total = 0.0
    while pos < len(s):
        m = _PART.match(s, pos)
        if m is None:
            msg = f"invalid duration {text!r} (expected e.g. 500ms, 10s, 1m30s)"
            raise ValueError(msg)
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos == 0:
        msg = f"invalid duration {text!r}"
        raise ValueError(msg)
    return sign * total


def format_duration(seconds: float) -> str:
    """Format seconds as Go's ``Duration.String`` does for whole units (``1m30s``, ``500ms``)."""
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    ns = round(abs(seconds) * 1e9)
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("\u00b5s", 1_000), ("ns", 1)):
            if ns >= size:
                value = ns / size
                text = f"{value:.9f}".rstrip("0").rstrip(".")
                return f"{sign}{text}{unit}"
    h, rem = divmod(ns, 3_600_000_000_000)
    m, rem = divmod(rem, 60_000_000_000)
    secs = f"{rem / 1e9:.9f}".rstrip("0").rstrip(".")
    out = ""
    if h:
        out += f"{h}h"
    if h or m:
        out += f"{m}m"
    out += f"{secs}s"
    return sign + out
