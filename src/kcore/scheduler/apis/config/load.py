"""Loading a ``KubeSchedulerConfiguration``: decode, default, validate, resolve.

:func:`load_config` accepts a path, YAML/JSON text or an already-parsed mapping and returns
a :class:`~kcore.scheduler.apis.config.configuration.KubeSchedulerConfiguration` whose
profiles are resolved. Any problem raises :class:`~kcore.scheduler.apis.config.field.ConfigError`
listing every error with its field path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kcore.scheduler.apis.config.field import ConfigError
from kcore.scheduler.apis.config.registry import PluginLookup, lookup_plugin
from kcore.scheduler.apis.config.resolve import resolve_profile
from kcore.scheduler.apis.config.scheme import decode_configuration
from kcore.scheduler.apis.config.strict import YAMLError, load_yaml
from kcore.scheduler.apis.config.validation import validate_configuration

if TYPE_CHECKING:
    import os

    from kcore.scheduler.apis.config.configuration import KubeSchedulerConfiguration
    from kcore.scheduler.apis.config.types import ResolvedProfile


def _read_source(source: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[Any, str, bool]:
    """(document, name for messages, whether apiVersion/kind are required)."""
    if isinstance(source, Mapping):
        return source, "<mapping>", False
    if not isinstance(source, str) or ("\n" not in source and not source.lstrip().startswith("{")):
        path = Path(source)
        if not path.is_file():
            msg = f"scheduler configuration file {str(path)!r} not found"
            raise FileNotFoundError(msg)
        text = path.read_text(encoding="utf-8")
        name = str(path)
    else:
        text = str(source)
        name = "<string>"
    try:
        doc = load_yaml(text, source=name)
    except YAMLError as err:
        raise ConfigError([], source=str(err)) from err
    return doc, name, True


def load_config(
    source: str | os.PathLike[str] | Mapping[str, Any], *, lookup: PluginLookup = lookup_plugin
) -> KubeSchedulerConfiguration:
    """Load, default, validate and resolve a ``kubescheduler.config.k8s.io/v1`` configuration.

    Parameters
    ----------
    source
        A file path, YAML/JSON text (recognised by containing a newline or starting with
        ``{``), or a mapping. Files and text must carry ``apiVersion:
        kubescheduler.config.k8s.io/v1`` and ``kind: KubeSchedulerConfiguration``; a mapping
        may omit them.
    lookup
        Plugin lookup (defaults to the native table plus Python plugins registered with the
        framework).

    Returns
    -------
    KubeSchedulerConfiguration
        Defaulted as v1's ``defaults.go``; every profile's ``resolved`` is set.

    Raises
    ------
    ConfigError
        On strict-decoding errors (unknown or duplicate fields, wrong types) or validation
        errors; ``.errors`` lists them all with field paths.
    FileNotFoundError
        If ``source`` names a file that does not exist.
    """
    doc, name, require_meta = _read_source(source)
    cfg, decoder = decode_configuration(doc, require_type_meta=require_meta)
    if decoder.errors:
        raise ConfigError(decoder.errors, source=f"{name}: strict decoding error")
    errors = [*validate_configuration(cfg), *decoder.deferred]
    profiles = []
    for i, prof in enumerate(cfg.profiles):
        resolved, perrs = resolve_profile(
            prof,
            path=f"profiles[{i}]",
            global_percentage=cfg.percentage_of_nodes_to_score,
            lookup=lookup,
        )
        errors.extend(perrs)
        profiles.append(dataclasses.replace(prof, resolved=resolved))
    if errors:
        raise ConfigError(errors, source=name if name != "<mapping>" else "")
    return dataclasses.replace(cfg, profiles=tuple(profiles))


def default_profile() -> ResolvedProfile:
    """kube-scheduler v1.35's ``default-scheduler`` profile, scoring every node.

    Identical to what kube-scheduler builds from an empty configuration, except
    ``percentage_of_nodes_to_score`` is ``None``: kcore evaluates all nodes by default (better
    decisions than sampling, and deterministic). Use ``percentageOfNodesToScore: 0`` in a
    configuration to emulate upstream's adaptive sampling.
    """
    return load_config({}, lookup=lookup_plugin).profile()
