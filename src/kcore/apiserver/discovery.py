"""API discovery documents, aggregated (``apidiscovery.k8s.io`` v2 / v2beta1) and legacy.

All documents derive from :data:`kcore.api.resources.RESOURCES`, so a row added there is served,
discoverable and routed without further changes. The documents never change while a server
runs, so they are built once and cached as encoded bytes by the app.
"""

from __future__ import annotations

from typing import Any

from kcore.api.resources import RESOURCES, ResourceInfo
from kcore.apiserver.routing import GROUP_VERSIONS

#: Subresources the server implements: name -> (responseKind group, version, kind or "" for the
#: parent kind, verbs).
SUBRESOURCE_DISCOVERY: dict[str, tuple[str | None, str | None, str, tuple[str, ...]]] = {
    "status": (None, None, "", ("get", "patch", "update")),
    "scale": ("autoscaling", "v1", "Scale", ("get", "patch", "update")),
    "binding": ("", "v1", "Binding", ("create",)),
    "eviction": ("policy", "v1", "Eviction", ("create",)),
    "log": ("", "v1", "Pod", ("get",)),
    "finalize": (None, None, "", ("update",)),
    "ephemeralcontainers": (None, None, "", ("get", "patch", "update")),
    "resize": (None, None, "", ("get", "patch", "update")),
}


def served_subresources(info: ResourceInfo) -> tuple[str, ...]:
    """The subresources of ``info`` this server implements, in table order."""
    return tuple(s for s in info.subresources if s in SUBRESOURCE_DISCOVERY)


def _sub_kind(info: ResourceInfo, sub: str) -> tuple[str, str, str, tuple[str, ...]]:
    g, v, kind, verbs = SUBRESOURCE_DISCOVERY[sub]
    return (
        info.group if g is None else g,
        info.version if v is None else v,
        kind or info.kind,
        verbs,
    )


def _aggregated_resource(info: ResourceInfo) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resource": info.resource,
        "responseKind": {"group": info.group, "version": info.version, "kind": info.kind},
        "scope": "Namespaced" if info.namespaced else "Cluster",
        "singularResource": info.singular,
        "verbs": sorted(info.verbs),
    }
    if info.short_names:
        res["shortNames"] = list(info.short_names)
    if info.categories:
        res["categories"] = list(info.categories)
    subs = []
    for sub in served_subresources(info):
        g, v, kind, verbs = _sub_kind(info, sub)
        subs.append(
            {
                "subresource": sub,
                "responseKind": {"group": g, "version": v, "kind": kind},
                "verbs": list(verbs),
            }
        )
    if subs:
        res["subresources"] = subs
    return res


def aggregated_discovery(*, core: bool, version: str = "v2") -> dict[str, Any]:
    """``GET /api`` (``core=True``) or ``GET /apis`` as an ``APIGroupDiscoveryList``."""
    items = []
    for group, versions in GROUP_VERSIONS.items():
        if (group == "") != core:
            continue
        vers = []
        for v in versions:
            resources = [
                _aggregated_resource(r) for r in RESOURCES if r.group == group and r.version == v
            ]
            if group == "" and v == "v1":
                resources.append(
                    {
                        "resource": "bindings",
                        "responseKind": {"group": "", "version": "v1", "kind": "Binding"},
                        "scope": "Namespaced",
                        "singularResource": "binding",
                        "verbs": ["create"],
                    }
                )
            resources.sort(key=lambda r: r["resource"])
            vers.append({"version": v, "resources": resources, "freshness": "Current"})
        items.append({"metadata": {"name": group, "creationTimestamp": None}, "versions": vers})
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"apidiscovery.k8s.io/{version}",
        "metadata": {},
        "items": items,
    }


def api_versions(server_address: str) -> dict[str, Any]:
    """Legacy ``GET /api``: ``APIVersions``."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def _group(group: str) -> dict[str, Any]:
    versions = [{"groupVersion": f"{group}/{v}", "version": v} for v in GROUP_VERSIONS[group]]
    return {"name": group, "versions": versions, "preferredVersion": versions[0]}


def api_group_list() -> dict[str, Any]:
    """Legacy ``GET /apis``: ``APIGroupList`` of every named group."""
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group(g) for g in GROUP_VERSIONS if g],
    }


def api_group(group: str) -> dict[str, Any]:
    """Legacy ``GET /apis/{group}``: ``APIGroup``."""
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(group)}


def api_resource_list(group: str, version: str) -> dict[str, Any]:
    """Legacy ``GET /api/v1`` or ``GET /apis/{group}/{version}``: ``APIResourceList``."""
    resources: list[dict[str, Any]] = []
    for r in RESOURCES:
        if r.group != group or r.version != version:
            continue
        entry: dict[str, Any] = {
            "name": r.resource,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": sorted(r.verbs),
        }
        if r.short_names:
            entry["shortNames"] = list(r.short_names)
        if r.categories:
            entry["categories"] = list(r.categories)
        resources.append(entry)
        for sub in served_subresources(r):
            g, v, kind, verbs = _sub_kind(r, sub)
            sub_entry: dict[str, Any] = {
                "name": f"{r.resource}/{sub}",
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": kind,
                "verbs": list(verbs),
            }
            if (g, v) != (r.group, r.version):
                sub_entry["group"] = g
                sub_entry["version"] = v
            resources.append(sub_entry)
    if group == "" and version == "v1":
        resources.append(
            {
                "name": "bindings",
                "singularName": "binding",
                "namespaced": True,
                "kind": "Binding",
                "verbs": ["create"],
            }
        )
    resources.sort(key=lambda e: e["name"])
    gv = f"{group}/{version}" if group else version
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": resources,
    }
