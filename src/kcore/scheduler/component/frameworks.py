"""The native scheduling state behind the component: the profiles' frameworks over one cache.

kube-scheduler keeps one cache and one framework per profile; a pod is scheduled by the
framework its ``spec.schedulerName`` names, and every profile sees every placement. The
embedding core offers exactly that: ``Scheduler(profiles=[...])`` holds one shared cluster
state (nodes, pods, nominations, namespaces, objects) and one framework, equivalence cache and
tie-breaking generator per profile, and dispatches each pod of a batch by its scheduler name.
:class:`Frameworks` wraps that one object with what the component needs on top:

* tolerance of what informers legitimately deliver out of order (removing a pod or a node
  that is already gone, a bound pod arriving for a pod we assumed);
* nominations (``add_nominated_pod``) used when the core offers them, so a preemptor's room is
  reserved while its victims leave; without them the nominated node is still tried first
  (``status.nominatedNodeName``), only the reservation is missing.

Not thread-safe: the component calls it from its event loop, and runs ``schedule_batch`` in a
worker thread only while no other method is being called.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from kcore.scheduler.scheduler import AlreadyExistsError, NotFoundError, Scheduler

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from kcore.scheduler.apis.config.types import ResolvedProfile
    from kcore.scheduler.scheduler import BatchResult

__all__ = ["Frameworks"]

log = logging.getLogger(__name__)


class Frameworks:
    """Every profile's framework over one shared cluster state (see the module docstring).

    Parameters
    ----------
    profiles
        Resolved profiles by scheduler name (in configuration order).
    seed
        Seeds tie-breaking (each profile has its own generator seeded with it).
    """

    def __init__(self, profiles: Mapping[str, ResolvedProfile], *, seed: int = 0) -> None:
        if not profiles:
            raise ValueError("a scheduler needs at least one profile")
        self.profiles = dict(profiles)
        self.scheduler = Scheduler(profiles=list(self.profiles.values()), seed=seed)
        # Whether the core keeps nominations (kube-scheduler's PodNominator).
        self.nominations = callable(getattr(self.scheduler, "add_nominated_pod", None))

    @property
    def names(self) -> list[str]:
        """Scheduler names of the profiles, in configuration order."""
        return list(self.profiles)

    # ------------------------------------------------------------------------------ nodes

    def add_node(self, node: Mapping[str, Any]) -> None:
        try:
            self.scheduler.add_node(node)
        except AlreadyExistsError:
            self.scheduler.update_node(node)

    def update_node(self, node: Mapping[str, Any]) -> None:
        try:
            self.scheduler.update_node(node)
        except NotFoundError:
            self.scheduler.add_node(node)

    def remove_node(self, name: str) -> None:
        try:
            self.scheduler.remove_node(name)
        except NotFoundError:
            log.debug("node %s was not in the cache", name)

    # ------------------------------------------------------------------------------ pods

    def add_pod(self, pod: Mapping[str, Any]) -> None:
        """Add a bound pod; an existing entry (e.g. one we assumed) is replaced."""
        try:
            self.scheduler.add_pod(pod)
        except AlreadyExistsError:
            self.scheduler.update_pod(pod)

    def update_pod(self, pod: Mapping[str, Any]) -> None:
        try:
            self.scheduler.update_pod(pod)
        except NotFoundError:
            self.scheduler.add_pod(pod)

    def remove_pod(self, namespace: str, name: str) -> bool:
        """Remove a pod; False if the cache did not know it."""
        try:
            self.scheduler.remove_pod(namespace, name)
        except NotFoundError:
            return False
        return True

    def node_of(self, namespace: str, name: str) -> str | None:
        return self.scheduler.node_of(namespace, name)

    def forget(self, namespace: str, name: str) -> None:
        """Undo an assumption (binding failed); tolerates pods already gone."""
        try:
            self.scheduler.forget(namespace, name)
        except NotFoundError:
            pass
        except ValueError:
            # Its binding finished meanwhile: drop it all the same.
            self.remove_pod(namespace, name)

    def finish_binding(self, namespace: str, name: str) -> None:
        # (try/except, not contextlib.suppress: once per bound pod, and 5x cheaper)
        try:  # noqa: SIM105
            self.scheduler.finish_binding(namespace, name)
        except NotFoundError:
            pass

    # ------------------------------------------------------------------------------ nominations

    def add_nominated_pod(self, pod: Mapping[str, Any], node: str) -> None:
        """Reserve room for ``pod`` on ``node`` (no-op if the core keeps no nominations)."""
        if not self.nominations:
            return
        try:
            self.scheduler.add_nominated_pod(pod, node)
        except AttributeError:  # a core built without nominations
            self.nominations = False

    def delete_nominated_pod_if_exists(self, namespace: str, name: str) -> None:
        if not self.nominations:
            return
        try:
            self.scheduler.delete_nominated_pod_if_exists(namespace, name)
        except AttributeError:
            self.nominations = False

    # ------------------------------------------------------------------------------ other kinds

    def add_namespace(self, ns: Mapping[str, Any]) -> None:
        self.scheduler.add_namespace(ns)

    def remove_namespace(self, name: str) -> None:
        with contextlib.suppress(NotFoundError):
            self.scheduler.remove_namespace(name)

    def add_object(self, obj: Mapping[str, Any]) -> None:
        self.scheduler.add_object(obj)

    def remove_object(self, obj: Mapping[str, Any]) -> None:
        with contextlib.suppress(NotFoundError):
            self.scheduler.remove_object(obj)

    # ------------------------------------------------------------------------------ scheduling

    def schedule_batch(self, pods: Sequence[Mapping[str, Any]]) -> BatchResult:
        """Schedule ``pods`` (each by its profile); placed pods are assumed."""
        return self.scheduler.schedule_batch(pods)

    # ------------------------------------------------------------------------------ sizes

    @property
    def num_nodes(self) -> int:
        return self.scheduler.num_nodes

    @property
    def num_pods(self) -> int:
        return self.scheduler.num_pods
