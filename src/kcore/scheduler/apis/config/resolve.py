"""Expanding a configured profile into a :class:`ResolvedProfile`, as ``NewFramework`` does.

For every extension point kube-scheduler builds the plugin list from the point's own
``enabled`` list and the ``multiPoint`` list:

1. plugins of the point's ``enabled`` list that also appear in ``multiPoint`` (explicit
   overrides), in the point's order;
2. ``multiPoint`` plugins that implement the point and are not disabled there, in
   ``multiPoint`` order;
3. the remaining plugins of the point's ``enabled`` list.

``disabled: [{name: "*"}]`` at a point skips step 2 entirely. A plugin listed twice, a plugin
that does not exist, or a plugin enabled at a point it does not implement is an error, as is a
profile without exactly one QueueSort plugin or without a Bind plugin. Score weights come from
the ``score`` list first, then ``multiPoint``; an unset or zero weight means 1.
"""

from __future__ import annotations

from kcore.scheduler.apis.config import field as f
from kcore.scheduler.apis.config.configuration import KubeSchedulerProfile, Plugin, Plugins
from kcore.scheduler.apis.config.registry import (
    EXTENSION_POINTS,
    PluginInfo,
    PluginLookup,
    known_plugin_names,
    lookup_plugin,
)
from kcore.scheduler.apis.config.scheme import default_args
from kcore.scheduler.apis.config.types import PluginArgs, RawPluginArgs, ResolvedProfile

MAX_NODE_SCORE = 100
MAX_TOTAL_SCORE = 2**63 - 1


def _not_found(path: str, name: str) -> f.FieldError:
    known = ", ".join(known_plugin_names())
    return f.not_found(path, name, f"no such plugin; known plugins: {known}")


def _index_in(plugins: tuple[Plugin, ...], name: str) -> int:
    for i, p in enumerate(plugins):
        if p.name == name:
            return i
    return -1


def resolve_profile(
    prof: KubeSchedulerProfile,
    *,
    path: str = "profiles[0]",
    global_percentage: int | None = None,
    lookup: PluginLookup = lookup_plugin,
) -> tuple[ResolvedProfile | None, list[f.FieldError]]:
    """Expand ``prof`` (already defaulted) into a :class:`ResolvedProfile`.

    Returns the profile (``None`` if there were errors) and the errors, each naming the
    document's field path (``profiles[i].plugins.<point>.enabled[j]``).
    """
    errs: list[f.FieldError] = []
    plugins = prof.plugins
    configured = prof.configured_plugins or Plugins()
    ppath = f.child(path, "plugins")
    infos: dict[str, PluginInfo] = {}

    def info(name: str, where: str) -> PluginInfo | None:
        if name in infos:
            return infos[name]
        got = lookup(name)
        if got is None:
            errs.append(_not_found(where, name))
            return None
        infos[name] = got
        return got

    # multiPoint plugins must exist even if they implement no point that is expanded.
    mp = plugins.multi_point.enabled
    mp_configured = configured.multi_point.enabled
    for p in mp:
        i = _index_in(mp_configured, p.name)
        where = f.index(f.child(ppath, "multiPoint", "enabled"), i if i >= 0 else 0)
        info(p.name, where)

    expanded: dict[str, tuple[str, ...]] = {}
    for point in EXTENSION_POINTS:
        pset = plugins.get(point)
        where_set = f.child(ppath, point)
        enabled_names: list[str] = []
        for j, p in enumerate(pset.enabled):
            where = f.index(f.child(where_set, "enabled"), j)
            pi = info(p.name, where)
            if pi is None:
                continue
            if not pi.implements(point):
                errs.append(
                    f.invalid(where, p.name, f"plugin does not extend the {point} extension point")
                )
                continue
            if p.name in enabled_names:
                errs.append(f.duplicate(where, p.name))
                continue
            enabled_names.append(p.name)
        disabled = {p.name for p in pset.disabled}
        if "*" in disabled:
            expanded[point] = tuple(enabled_names)
            continue
        overrides: list[str] = []
        multi: list[str] = []
        for p in mp:
            pi = infos.get(p.name)
            if pi is None or not pi.implements(point) or p.name in disabled:
                continue
            if p.name in enabled_names:
                if p.name not in overrides:
                    overrides.append(p.name)
                continue
            if p.name in multi:
                i = _index_in(mp_configured, p.name)
                errs.append(
                    f.duplicate(f.index(f.child(ppath, "multiPoint", "enabled"), max(i, 0)), p.name)
                )
                continue
            multi.append(p.name)
        part1 = [n for n in enabled_names if n in overrides]
        part3 = [n for n in enabled_names if n not in overrides]
        expanded[point] = (*part1, *multi, *part3)

    name = prof.scheduler_name
    n_sort = len(expanded.get("queueSort", ()))
    if n_sort != 1:
        errs.append(
            f.invalid(
                f.child(ppath, "queueSort"),
                n_sort,
                f"only one queue sort plugin required for profile with scheduler name "
                f"{name!r}, but got {n_sort}",
            )
        )
    if not expanded.get("bind"):
        errs.append(
            f.required(
                f.child(ppath, "bind"),
                f"at least one bind plugin is needed for profile with scheduler name {name!r}",
            )
        )

    # Score weights: the score list first, then multiPoint; first occurrence wins.
    weights: dict[str, int] = {}
    total = 0
    sources = [("score", j, p) for j, p in enumerate(plugins.score.enabled)] + [
        ("multiPoint", _index_in(mp_configured, p.name), p) for p in mp
    ]
    for point, j, p in sources:
        pi = infos.get(p.name)
        if pi is None or not pi.implements("score") or p.name in weights:
            continue
        w = p.weight or 1
        if w < 0:
            errs.append(
                f.invalid(
                    f.child(f.index(f.child(ppath, point, "enabled"), max(j, 0)), "weight"),
                    w,
                    "score plugin weight must be positive (disable the plugin instead)",
                )
            )
            continue
        if w * MAX_NODE_SCORE > MAX_TOTAL_SCORE - total:
            errs.append(
                f.invalid(
                    f.child(f.index(f.child(ppath, point, "enabled"), max(j, 0)), "weight"),
                    w,
                    "total score of Score plugins could overflow",
                )
            )
            continue
        weights[p.name] = w
        total += w * MAX_NODE_SCORE

    if errs:
        return None, errs

    in_use = {n for names in expanded.values() for n in names}
    args: dict[str, PluginArgs] = {}
    for pc in prof.plugin_config:
        if pc.name in in_use and pc.name not in args:
            args[pc.name] = pc.args
    for n in sorted(in_use - set(args)):
        d = default_args(n)
        if d is not None:
            args[n] = d
        elif not infos[n].native:
            args[n] = RawPluginArgs()
    pct = prof.percentage_of_nodes_to_score
    if pct is None:
        pct = global_percentage
    resolved = ResolvedProfile(
        scheduler_name=name,
        filters=expanded["filter"],
        scores=tuple((n, weights.get(n, 1)) for n in expanded["score"]),
        post_filters=expanded["postFilter"],
        plugin_args=args,
        percentage_of_nodes_to_score=pct,
        extension_points=expanded,
    )
    return resolved, []


__all__ = ["resolve_profile"]
