"""Which scheduler plugins exist and which extension points each one implements.

kube-scheduler decides this with Go interface assertions on the plugin types; kcore keeps it as
data: :data:`NATIVE_PLUGINS` lists the in-tree plugins of kube-scheduler v1.35 (the ones the
native core implements or accepts), with their extension points. Python research plugins are
registered at run time with ``kcore.scheduler.framework.register_plugin``; :func:`lookup_plugin`
consults that registry lazily, so configuration loading works whether or not the framework
module is importable.

Extension point names are the ``Plugins`` field names of ``kubescheduler.config.k8s.io/v1``
(``preEnqueue``, ``queueSort``, ``preFilter``, ``filter``, ...).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

#: Extension points in the order of the v1 ``Plugins`` struct (multiPoint excluded).
EXTENSION_POINTS: Final[tuple[str, ...]] = (
    "preEnqueue",
    "queueSort",
    "preFilter",
    "filter",
    "postFilter",
    "preScore",
    "score",
    "reserve",
    "permit",
    "preBind",
    "bind",
    "postBind",
)

SCHEDULING_GATES: Final = "SchedulingGates"
PRIORITY_SORT: Final = "PrioritySort"
NODE_UNSCHEDULABLE: Final = "NodeUnschedulable"
NODE_NAME: Final = "NodeName"
TAINT_TOLERATION: Final = "TaintToleration"
NODE_AFFINITY: Final = "NodeAffinity"
NODE_PORTS: Final = "NodePorts"
NODE_RESOURCES_FIT: Final = "NodeResourcesFit"
VOLUME_RESTRICTIONS: Final = "VolumeRestrictions"
NODE_VOLUME_LIMITS: Final = "NodeVolumeLimits"
VOLUME_BINDING: Final = "VolumeBinding"
VOLUME_ZONE: Final = "VolumeZone"
POD_TOPOLOGY_SPREAD: Final = "PodTopologySpread"
INTER_POD_AFFINITY: Final = "InterPodAffinity"
DYNAMIC_RESOURCES: Final = "DynamicResources"
DEFAULT_PREEMPTION: Final = "DefaultPreemption"
NODE_RESOURCES_BALANCED_ALLOCATION: Final = "NodeResourcesBalancedAllocation"
IMAGE_LOCALITY: Final = "ImageLocality"
DEFAULT_BINDER: Final = "DefaultBinder"


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """A plugin known to the configuration layer.

    ``extension_points`` is the set of extension points the plugin implements; ``native`` is
    False for Python plugins registered through ``kcore.scheduler.framework``.
    """

    name: str
    extension_points: frozenset[str]
    native: bool = True

    def implements(self, extension_point: str) -> bool:
        """Whether the plugin implements ``extension_point`` (a v1 ``Plugins`` field name)."""
        return extension_point in self.extension_points


def _info(name: str, *points: str) -> PluginInfo:
    return PluginInfo(name, frozenset(points))


#: kube-scheduler v1.35 in-tree plugins and their extension points (from the interface
#: assertions under pkg/scheduler/framework/plugins/). EnqueueExtensions are not an extension
#: point of the configuration API and are not listed.
NATIVE_PLUGINS: Final[Mapping[str, PluginInfo]] = {
    p.name: p
    for p in (
        _info(SCHEDULING_GATES, "preEnqueue"),
        _info(PRIORITY_SORT, "queueSort"),
        _info(NODE_UNSCHEDULABLE, "filter"),
        _info(NODE_NAME, "filter"),
        _info(TAINT_TOLERATION, "filter", "preScore", "score"),
        _info(NODE_AFFINITY, "preFilter", "filter", "preScore", "score"),
        _info(NODE_PORTS, "preFilter", "filter"),
        _info(NODE_RESOURCES_FIT, "preFilter", "filter", "preScore", "score"),
        _info(VOLUME_RESTRICTIONS, "preFilter", "filter"),
        _info(NODE_VOLUME_LIMITS, "preFilter", "filter"),
        _info(VOLUME_BINDING, "preFilter", "filter", "reserve", "preBind", "preScore", "score"),
        _info(VOLUME_ZONE, "preFilter", "filter"),
        _info(POD_TOPOLOGY_SPREAD, "preFilter", "filter", "preScore", "score"),
        _info(INTER_POD_AFFINITY, "preFilter", "filter", "preScore", "score"),
        _info(
            DYNAMIC_RESOURCES,
            "preEnqueue",
            "preFilter",
            "filter",
            "postFilter",
            "score",
            "reserve",
            "preBind",
        ),
        _info(DEFAULT_PREEMPTION, "preEnqueue", "postFilter"),
        _info(NODE_RESOURCES_BALANCED_ALLOCATION, "preScore", "score"),
        _info(IMAGE_LOCALITY, "score"),
        _info(DEFAULT_BINDER, "bind"),
    )
}

#: The v1.35 default ``multiPoint`` set, in order, with score weights (``None`` = no explicit
#: weight; a score plugin without one gets weight 1). DynamicResources is on by default since
#: DynamicResourceAllocation went GA, inserted before DefaultPreemption, and scores with
#: weight 2 in v1.35.
DEFAULT_MULTI_POINT: Final[tuple[tuple[str, int | None], ...]] = (
    (SCHEDULING_GATES, None),
    (PRIORITY_SORT, None),
    (NODE_UNSCHEDULABLE, None),
    (NODE_NAME, None),
    (TAINT_TOLERATION, 3),
    (NODE_AFFINITY, 2),
    (NODE_PORTS, None),
    (NODE_RESOURCES_FIT, 1),
    (VOLUME_RESTRICTIONS, None),
    (NODE_VOLUME_LIMITS, None),
    (VOLUME_BINDING, None),
    (VOLUME_ZONE, None),
    (POD_TOPOLOGY_SPREAD, 2),
    (INTER_POD_AFFINITY, 2),
    (DYNAMIC_RESOURCES, 2),
    (DEFAULT_PREEMPTION, None),
    (NODE_RESOURCES_BALANCED_ALLOCATION, 1),
    (IMAGE_LOCALITY, 1),
    (DEFAULT_BINDER, None),
)

#: Plugins removed from kube-scheduler whose names v1 configuration rejects
#: (``invalidPluginsByVersion`` in validation.go).
REMOVED_PLUGINS: Final[frozenset[str]] = frozenset(
    {"AzureDiskLimits", "CinderLimits", "EBSLimits", "GCEPDLimits"}
)

# Method names a Python plugin object may define, by extension point. A Python plugin can
# also declare its extension points explicitly with an ``extension_points`` attribute.
_PY_METHODS: Final[Mapping[str, tuple[str, ...]]] = {
    "preEnqueue": ("pre_enqueue",),
    "preFilter": ("pre_filter",),
    "filter": ("filter",),
    "postFilter": ("post_filter",),
    "preScore": ("pre_score",),
    "score": ("score",),
    "reserve": ("reserve",),
    "permit": ("permit",),
    "preBind": ("pre_bind",),
    "bind": ("bind",),
    "postBind": ("post_bind",),
}

_PY_POINT_ALIASES: Final[Mapping[str, str]] = {
    **{p.lower(): p for p in EXTENSION_POINTS},
    "pre_enqueue": "preEnqueue",
    "queue_sort": "queueSort",
    "pre_filter": "preFilter",
    "post_filter": "postFilter",
    "pre_score": "preScore",
    "pre_bind": "preBind",
    "post_bind": "postBind",
}


def _points_of_python_plugin(obj: object) -> frozenset[str]:
    """Extension points of a registered Python plugin (an object, a class, or a factory).

    A factory that is not a class is called with no arguments (``None``) to inspect the
    plugin it builds; if that fails, the plugin is assumed to implement Filter and Score and
    the framework checks it when the profile is built.
    """
    points = _declared_or_methods(obj)
    if points or isinstance(obj, type) or not callable(obj):
        return points
    try:
        built = obj(None)
    except Exception:
        return frozenset({"filter", "score"})
    return _declared_or_methods(built) or frozenset({"filter", "score"})


def _declared_or_methods(obj: object) -> frozenset[str]:
    declared = getattr(obj, "extension_points", None)
    if declared is not None and not callable(declared):
        points: set[str] = set()
        for p in declared if not isinstance(declared, str) else (declared,):
            name = getattr(p, "value", p)
            key = str(name)
            points.add(_PY_POINT_ALIASES.get(key.lower(), _PY_POINT_ALIASES.get(key, key)))
        return frozenset(points)
    return frozenset(
        point
        for point, methods in _PY_METHODS.items()
        if any(callable(getattr(obj, m, None)) for m in methods)
    )


def _python_registry() -> Mapping[str, object]:
    """The framework's registry of Python plugins, or an empty mapping if unavailable."""
    try:
        framework = importlib.import_module("kcore.scheduler.framework")
    except ImportError:
        return {}
    for attr in ("registered_plugins", "plugin_registry", "list_plugins"):
        fn = getattr(framework, attr, None)
        if callable(fn):
            got = fn()
            if isinstance(got, Mapping):
                return got
            if isinstance(got, Iterable):
                return {getattr(p, "name", str(p)): p for p in got}
    for attr in ("REGISTRY", "registry", "_REGISTRY", "_registry"):
        reg = getattr(framework, attr, None)
        if isinstance(reg, Mapping):
            return reg
    return {}


_extra_plugins: dict[str, PluginInfo] = {}


def register_plugin_info(name: str, extension_points: Iterable[str]) -> PluginInfo:
    """Declare a plugin to the configuration layer without the framework registry.

    Used for out-of-tree plugins known only by name (and by tests). Extension points are v1
    ``Plugins`` field names.
    """
    unknown = sorted(set(extension_points) - set(EXTENSION_POINTS))
    if unknown:
        msg = f"plugin {name!r}: unknown extension point(s) {unknown}; known: {EXTENSION_POINTS}"
        raise ValueError(msg)
    info = PluginInfo(name, frozenset(extension_points), native=False)
    _extra_plugins[name] = info
    return info


def unregister_plugin_info(name: str) -> None:
    """Remove a plugin declared with :func:`register_plugin_info` (no error if absent)."""
    _extra_plugins.pop(name, None)


def lookup_plugin(name: str) -> PluginInfo | None:
    """Return what is known about plugin ``name``, or ``None`` if no such plugin exists.

    Native plugins come first; then plugins declared with :func:`register_plugin_info`; then
    Python plugins registered with ``kcore.scheduler.framework.register_plugin``.
    """
    info = NATIVE_PLUGINS.get(name) or _extra_plugins.get(name)
    if info is not None:
        return info
    obj = _python_registry().get(name)
    if obj is None:
        return None
    return PluginInfo(name, _points_of_python_plugin(obj), native=False)


def known_plugin_names() -> list[str]:
    """All plugin names currently known (native first, then others, sorted)."""
    others = sorted((set(_extra_plugins) | set(_python_registry())) - set(NATIVE_PLUGINS))
    return [*NATIVE_PLUGINS, *others]


PluginLookup = Callable[[str], PluginInfo | None]
