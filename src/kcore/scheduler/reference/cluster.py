"""The inputs every reference kernel reads: one NodeTable snapshot plus the objects behind it.

The native kernels read the NodeTable columns and the scheduler cache's indexes (pods per node,
used host ports, image states, matchers). The references read the same columns through the
:class:`~kcore.scheduler.framework.NodeTableView` and rebuild everything else from the
Kubernetes-shaped objects the cluster was built from, so that no native aggregate is reused:

* per-node labels come from the view's label columns (dense value ids per key);
* taints from the view's taint universe and bitsets;
* resources from the view's allocatable/requested columns;
* bound pods, their host ports, labels and (anti-)affinity terms from the pod objects;
* image states from the node objects, replaying additions and removals in order (the size of an
  image is the one reported by the first node that reported the name, as in the scheduler cache);
* namespace labels, Services and controllers from their objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from kcore.scheduler.reference.pod import (
    DEFAULT_BIND_ALL_HOST_IP,
    PodRequirements,
    Taint,
    Toleration,
    compile_pod,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from numpy.typing import NDArray

    from kcore.scheduler.framework import NodeTableView

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


def _name(obj: Mapping[str, Any], what: str) -> str:
    name = (obj.get("metadata") or {}).get("name")
    if not name:
        msg = f"{what}: metadata.name is required"
        raise ValueError(msg)
    return str(name)


class ReferenceCluster:
    """A snapshot view plus the objects it was built from, aligned by row.

    Parameters
    ----------
    view
        The snapshot the native kernels read (its rows define the row order of every result).
    nodes
        Every node object in the order it was added to the scheduler, including nodes later
        removed (listed in ``removed_nodes``); the order only matters for image sizes.
    pods
        The pods bound (or assumed) to live nodes, each with ``spec.nodeName``.
    namespaces, objects
        Namespace objects, and the Services, ReplicaSets, StatefulSets and
        ReplicationControllers default topology spreading reads (other kinds are ignored).
    removed_nodes
        Names of nodes removed after being added, in order.

    Contract: the cluster is immutable after construction; every array has one entry per view
    row and rows that hold no node (``live`` False) are never reported as feasible.

    Raises
    ------
    ValueError
        If a live row has no node object, a node object names no live row, or a pod is bound
        to a node that is not live.
    """

    def __init__(
        self,
        view: NodeTableView,
        *,
        nodes: Sequence[Mapping[str, Any]],
        pods: Sequence[Mapping[str, Any]] = (),
        namespaces: Sequence[Mapping[str, Any]] = (),
        objects: Sequence[Mapping[str, Any]] = (),
        removed_nodes: Sequence[str] = (),
    ) -> None:
        self.view = view
        self.size = int(view.size)
        self.live: NDArray[np.bool_] = np.asarray(view.live) != 0
        self.names: NDArray[np.object_] = np.array(view.names, dtype=object)
        self.row_of: dict[str, int] = {n: i for i, n in enumerate(view.names) if self.live[i]}
        self.num_nodes = len(self.row_of)
        removed = set(removed_nodes)
        current: dict[str, Mapping[str, Any]] = {}
        for node in nodes:
            current[_name(node, "node")] = node
        for name in removed_nodes:
            current.pop(name, None)
        if set(current) != set(self.row_of):
            missing = sorted(set(self.row_of) - set(current))
            extra = sorted(set(current) - set(self.row_of))
            msg = (
                f"node objects do not match the snapshot: missing {missing}, "
                f"not in the snapshot {extra}"
            )
            raise ValueError(msg)
        del removed
        self.node_has_labels = np.zeros(self.size, dtype=np.bool_)
        for name, node in current.items():
            self.node_has_labels[self.row_of[name]] = bool(
                (node.get("metadata") or {}).get("labels")
            )
        # Taints: the view's universe ("key=value:Effect") and per-row bitsets.
        self.taints: tuple[Taint, ...] = tuple(Taint.from_view(t) for t in view.taints)
        self.taint_bits: NDArray[np.uint64] = np.asarray(view.taint_bits).reshape(self.size, -1)
        # Bound pods.
        self.pods: tuple[PodRequirements, ...] = tuple(compile_pod(p) for p in pods)
        rows = []
        for p in self.pods:
            if p.node_name not in self.row_of:
                msg = f"pod {p.key}: node {p.node_name!r} is not in the snapshot"
                raise ValueError(msg)
            rows.append(self.row_of[p.node_name])
        self.pod_rows: NDArray[np.int64] = np.array(rows, dtype=np.int64)
        # Used host ports, flattened: one entry per (pod, wanted port).
        port_rows, port_ip, port_proto, port_num = [], [], [], []
        for p, r in zip(self.pods, rows, strict=True):
            for hp in p.host_ports:
                port_rows.append(r)
                port_ip.append(hp.ip)
                port_proto.append(hp.protocol)
                port_num.append(hp.port)
        self.port_rows = np.array(port_rows, dtype=np.int64)
        self.port_ip = np.array(port_ip, dtype=object)
        self.port_protocol = np.array(port_proto, dtype=object)
        self.port_number = np.array(port_num, dtype=np.int64)
        # Image states, replaying node additions then removals.
        self.image_size: dict[str, int] = {}
        holders: dict[str, set[str]] = {}
        for node in nodes:
            name = _name(node, "node")
            for img in (node.get("status") or {}).get("images") or ():
                for n in img.get("names") or ():
                    if n not in holders:
                        holders[n] = set()
                        self.image_size[n] = int(img.get("sizeBytes") or 0)
                    holders[n].add(name)
        for name in removed_nodes:
            for n in [n for n, h in holders.items() if name in h]:
                holders[n].discard(name)
                if not holders[n]:
                    del holders[n]
                    del self.image_size[n]
        self.image_num_nodes = {n: len(h) for n, h in holders.items()}
        img_rows, img_names = [], []
        for name, node in current.items():
            seen: set[str] = set()
            for img in (node.get("status") or {}).get("images") or ():
                for n in img.get("names") or ():
                    if n not in seen:
                        seen.add(n)
                        img_rows.append(self.row_of[name])
                        img_names.append(n)
        self.image_rows = np.array(img_rows, dtype=np.int64)
        self.image_names = np.array(img_names, dtype=object)
        by_name: dict[str, list[int]] = {}
        for row, n in zip(img_rows, img_names, strict=True):
            by_name.setdefault(n, []).append(row)
        self.rows_with_image: dict[str, NDArray[np.int64]] = {
            n: np.array(rows, dtype=np.int64) for n, rows in by_name.items()
        }
        # Namespaces (the API server always sets kubernetes.io/metadata.name) and objects.
        self.namespace_labels: dict[str, dict[str, str]] = {}
        for ns in namespaces:
            n = _name(ns, "namespace")
            labels = {
                str(k): str(v) for k, v in ((ns.get("metadata") or {}).get("labels") or {}).items()
            }
            labels.setdefault(NAMESPACE_NAME_LABEL, n)
            self.namespace_labels[n] = labels
        self.objects: tuple[Mapping[str, Any], ...] = tuple(objects)
        self._label_values: dict[str, list[str]] = {}
        self._label_domains: dict[str, tuple[NDArray[np.int64], list[str]]] = {}

    # --- labels --------------------------------------------------------------------------
    def label_ids(self, key: str) -> NDArray[np.int32]:
        """Value id of label ``key`` per row (-1 where absent); ids index :meth:`label_values`."""
        return self.view.label(key)

    def label_values(self, key: str) -> list[str]:
        """The value strings behind the ids of :meth:`label_ids` (index = id)."""
        values = self._label_values.get(key)
        if values is None:
            values = self._label_values[key] = list(self.view.label_values(key))
        return values

    def has_label(self, key: str) -> NDArray[np.bool_]:
        return self.label_ids(key) >= 0

    def label_mask(self, key: str, predicate: Callable[[str | None], bool]) -> NDArray[np.bool_]:
        """Rows whose value of ``key`` satisfies ``predicate`` (called with ``None`` if absent).

        The predicate runs once per distinct value, never per node: the per-value verdicts
        (absent last) are gathered with the id column, so id -1 picks the absent verdict.
        """
        verdict = [predicate(v) for v in self.label_values(key)] + [predicate(None)]
        return np.array(verdict, dtype=np.bool_)[self.label_ids(key)]

    def label_domains(self, key: str) -> tuple[NDArray[np.int64], list[str]]:
        """Topology domains of ``key``: per-row index into the distinct value strings.

        Rows without the label map to the value ``""`` (a label explicitly set to ``""`` is the
        same domain, as in kube-scheduler's string-keyed maps).
        """
        cached = self._label_domains.get(key)
        if cached is None:
            values = [*self.label_values(key), ""]
            names, inverse = np.unique(np.array(values, dtype=object), return_inverse=True)
            cached = (inverse[self.label_ids(key)].astype(np.int64), [str(n) for n in names])
            self._label_domains[key] = cached
        return cached

    # --- taints --------------------------------------------------------------------------
    def taint_count(self, selected: Sequence[bool]) -> NDArray[np.int64]:
        """Per row, how many taints of the universe with ``selected[i]`` the node carries."""
        count = np.zeros(self.size, dtype=np.int64)
        for i, sel in enumerate(selected):
            if sel:
                word = self.taint_bits[:, i // 64]
                count += ((word >> np.uint64(i % 64)) & np.uint64(1)).astype(np.int64)
        return count

    def untolerated(
        self, tolerations: Sequence[Toleration], effects: tuple[str, ...]
    ) -> NDArray[np.bool_]:
        """Rows carrying a taint with one of ``effects`` that no toleration tolerates."""
        bad = [
            t.effect in effects and not any(tl.tolerates(t) for tl in tolerations)
            for t in self.taints
        ]
        return self.taint_count(bad) > 0

    # --- pods ----------------------------------------------------------------------------
    def pods_per_row(self, selected: Sequence[bool] | NDArray[np.bool_]) -> NDArray[np.int64]:
        """Per row, how many bound pods have ``selected[i]`` (i indexes :attr:`pods`)."""
        sel = np.asarray(selected, dtype=np.bool_)
        if sel.size == 0:
            return np.zeros(self.size, dtype=np.int64)
        return np.bincount(self.pod_rows[sel], minlength=self.size).astype(np.int64)

    def namespace_labels_of(self, namespace: str) -> Mapping[str, str]:
        """Labels of a namespace; an unknown namespace has none (GetNamespaceLabelsSnapshot)."""
        return self.namespace_labels.get(namespace, {})

    @property
    def any_ip(self) -> str:
        return DEFAULT_BIND_ALL_HOST_IP


__all__ = ["NAMESPACE_NAME_LABEL", "ReferenceCluster"]
