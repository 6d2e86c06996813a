"""The registry's fast paths give exactly what the general path gives.

The request path skips work when it can prove the result is unchanged: no ``prune`` copy of a
clean body (:func:`kcore.api.schema.is_clean`), defaulting in place on the registry's own copy,
the memory store's identity-aware no-op check in ``guaranteed_update``, cached timestamps and
uid formatting. Each test runs one scenario of many writes twice, once as shipped and once
with every fast path replaced by the general code it stands for, and compares everything a
client can observe: every answer (or error), every warning, the stored objects and the watch
history, types included (``2`` is not ``2.0``).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kcore.api import defaults
from kcore.api.errors import StatusError
from kcore.apiserver import registry as registry_mod
from kcore.apiserver.registry import APIRegistry, RequestContext
from kcore.storage import _base
from kcore.storage.memory import MemoryStore
from kcore.testing.clusters import random_cluster, random_pods
from kcore.util.clock import VirtualClock


def _same(a: object, b: object) -> bool:
    """Equal, with the same types and key order all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        assert isinstance(b, list | tuple)
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@contextlib.contextmanager
def _general_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every fast path replaced by the general code it stands for."""
    with monkeypatch.context() as m:
        m.setattr(registry_mod, "_is_clean", lambda _obj: False)
        m.setattr(registry_mod, "_apply_defaults", defaults.apply_defaults)
        m.setattr(
            MemoryStore,
            "guaranteed_update",
            lambda self, key, update, *, ignore_not_found=False: _base.guaranteed_update(
                self, key, update, ignore_not_found=ignore_not_found
            ),
        )
        m.setattr(registry_mod, "uuid4_from_bits", lambda bits: str(_uuid(bits)))
        m.setattr(registry_mod, "SecondStamps", lambda: registry_mod.rfc3339)
        yield


def _uuid(bits: int) -> object:
    import uuid

    return uuid.UUID(int=bits, version=4)


Op = Callable[[APIRegistry, VirtualClock], Any]


def _run(ops: list[Op]) -> dict[str, Any]:
    """Run ``ops`` on a fresh registry; everything observable, in order."""
    store = MemoryStore()
    clock = VirtualClock()
    reg = APIRegistry(store, clock, rng=random.Random(7))
    answers: list[Any] = []
    for op in ops:
        try:
            answers.append(("ok", op(reg, clock)))
        except StatusError as err:
            answers.append(("error", type(err).__name__, err.message))
        clock.step(0.37)
    history = [(e.type, e.key, e.revision, e.object, e.prev_object) for e in store._log]
    return {"answers": answers, "objects": store.list("/registry").items, "history": history}


def _compare(ops: list[Op], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    fast = _run(ops)
    with _general_path(monkeypatch):
        general = _run(ops)
    for i, (a, b) in enumerate(zip(fast["answers"], general["answers"], strict=True)):
        assert _same(a, b), f"answer {i} differs:\n{a}\n{b}"
    assert _same(fast["objects"], general["objects"])
    assert _same(fast["history"], general["history"])
    return fast


def _create(resource: str, body: dict[str, Any], *, validation: str = "Warn") -> Op:
    def op(reg: APIRegistry, _clock: VirtualClock) -> Any:
        ctx = RequestContext(field_validation=validation)
        out = reg.create(resource, body, ctx=ctx)
        return out, ctx.warnings

    return op


def _bind(ns: str, name: str, node: str) -> Op:
    def op(reg: APIRegistry, _clock: VirtualClock) -> Any:
        uid = reg.get("pods", name, namespace=ns)["metadata"]["uid"]
        body = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": name, "namespace": ns, "uid": uid},
            "target": {"kind": "Node", "name": node},
        }
        return reg.create("pods", body, namespace=ns, name=name, subresource="binding")

    return op


def _event(ns: str, pod: str, i: int) -> dict[str, Any]:
    return {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": f"{pod}.{i:x}", "namespace": ns},
        "eventTime": f"2025-01-01T00:00:{i % 60:02d}.{i:06d}Z",
        "reportingController": "default-scheduler",
        "reportingInstance": "default-scheduler-x",
        "action": "Binding",
        "reason": "Scheduled",
        "regarding": {"kind": "Pod", "apiVersion": "v1", "name": pod, "namespace": ns},
        "note": f"Successfully assigned {ns}/{pod} to n{i}",
        "type": "Normal",
    }


def test_scenario_of_pods_nodes_bindings_and_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pods of many shapes (random affinities, tolerations, priorities, gpus), with a
    LimitRange and a quota in one namespace, bound and reported with events; nodes; dirty
    bodies (unknown fields, integral floats, strict validation) mixed in."""
    ops: list[Op] = [
        _create("namespaces", {"metadata": {"name": "a"}}),
        _create("namespaces", {"metadata": {"name": "b"}}),
        _create(
            "limitranges",
            {
                "metadata": {"name": "lr", "namespace": "b"},
                "spec": {
                    "limits": [
                        {
                            "type": "Container",
                            "defaultRequest": {"cpu": "50m"},
                            "default": {"cpu": "2"},
                        }
                    ]
                },
            },
        ),
        _create(
            "resourcequotas",
            {"metadata": {"name": "q", "namespace": "b"}, "spec": {"hard": {"pods": "40"}}},
        ),
        _create(
            "priorityclasses",
            {"apiVersion": "scheduling.k8s.io/v1", "metadata": {"name": "high"}, "value": 1000},
        ),
    ]
    ops += [_create("nodes", n) for n in random_cluster(3, 12)]
    pods = random_pods(5, 60)
    for i, p in enumerate(pods):
        ns = "a" if i % 2 else "b"
        body = {**p, "metadata": {**p["metadata"], "namespace": ns}}
        if i % 7 == 0:
            body["spec"] = {**body["spec"], "bogusField": 1}
        if i % 11 == 0:
            body["spec"] = {**body["spec"], "terminationGracePeriodSeconds": 30.0}
        if i % 13 == 0:
            body["spec"] = {**body["spec"], "priorityClassName": "high"}
        validation = "Strict" if i % 17 == 0 else "Warn"
        ops.append(_create("pods", body, validation=validation))
    for i, p in enumerate(pods):
        if i % 3:
            ns = "a" if i % 2 else "b"
            ops.append(_bind(ns, p["metadata"]["name"], f"n{i % 12}"))
            ops.append(_create("events.events.k8s.io", _event(ns, p["metadata"]["name"], i)))
    ops.append(_bind("a", pods[1]["metadata"]["name"], "n0"))  # already bound: Conflict
    ops.append(_create("events.events.k8s.io", {**_event("a", "x", 1), "bogus": True}))
    ops.append(_create("events", {"metadata": {"name": "e"}, "involvedObject": {"name": "p"}}))
    fast = _compare(ops, monkeypatch)
    kinds = [a[0] for a in fast["answers"]]
    assert kinds.count("ok") > 120
    assert kinds.count("error") >= 2


def test_scenario_of_updates_patches_and_deletions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read-modify-write paths: updates that change nothing (no write), label patches,
    status patches, deployments with spec changes (generation), deletions."""

    def deployment(name: str, replicas: Any) -> dict[str, Any]:
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                },
            },
        }

    def update_same(resource: str, name: str) -> Op:
        def op(reg: APIRegistry, _clock: VirtualClock) -> Any:
            cur = reg.get(resource, name, namespace="default")
            return reg.update(resource, cur, namespace="default")

        return op

    def patch(resource: str, name: str, body: Any, ptype: str, sub: str | None = None) -> Op:
        def op(reg: APIRegistry, _clock: VirtualClock) -> Any:
            return reg.patch(
                resource, name, body, namespace="default", patch_type=ptype, subresource=sub
            )

        return op

    def delete(resource: str, name: str) -> Op:
        def op(reg: APIRegistry, _clock: VirtualClock) -> Any:
            return reg.delete(resource, name, namespace="default")

        return op

    ops: list[Op] = []
    for i in range(8):
        ops.append(_create("deployments", deployment(f"d{i}", 2 if i % 2 else 3.0)))
        ops.append(update_same("deployments", f"d{i}"))
        ops.append(patch("deployments", f"d{i}", {"spec": {"replicas": i}}, "merge"))
        ops.append(patch("deployments", f"d{i}", {"metadata": {"labels": {"x": "y"}}}, "merge"))
        ops.append(
            patch(
                "deployments",
                f"d{i}",
                [{"op": "replace", "path": "/spec/replicas", "value": 4.0}],
                "json",
            )
        )
    for p in random_pods(9, 20):
        name = p["metadata"]["name"]
        ops.append(_create("pods", {**p, "metadata": {**p["metadata"], "namespace": "default"}}))
        ops.append(update_same("pods", name))
        ops.append(
            patch(
                "pods",
                name,
                {"status": {"conditions": [{"type": "PodScheduled", "status": "False"}]}},
                "strategic",
                "status",
            )
        )
        ops.append(patch("pods", name, {"metadata": {"labels": {"v": "2"}}}, "strategic"))
        ops.append(patch("pods", name, {"metadata": {"labels": {"v": "2"}}}, "strategic"))
    ops += [delete("pods", p["metadata"]["name"]) for p in random_pods(9, 20)[::3]]
    ops += [delete("deployments", f"d{i}") for i in range(0, 8, 2)]
    fast = _compare(ops, monkeypatch)
    assert sum(1 for a in fast["answers"] if a[0] == "ok") > 100


@pytest.mark.parametrize(
    "md",
    [
        pytest.param({"name": "x", "labels": "a=b"}, id="labels-string"),
        pytest.param({"name": "x", "annotations": "a"}, id="annotations-string"),
        pytest.param({"name": "x", "finalizers": "f"}, id="finalizers-string"),
        pytest.param({"name": "x", "ownerReferences": "o"}, id="owners-string"),
        pytest.param({"name": "x", "generation": "1"}, id="generation-string"),
        pytest.param({"name": "x", "deletionGracePeriodSeconds": "1"}, id="grace-string"),
        pytest.param({"name": 1}, id="name-number"),
    ],
)
def test_metadata_of_plain_strings_is_still_type_checked(md: dict[str, Any]) -> None:
    """The all-strings shortcut of check_metadata_types never skips a field that must not
    be a string (nor a string field holding something else)."""
    from kcore.api.errors import BadRequest
    from kcore.apiserver.objects import check_metadata_types

    with pytest.raises(BadRequest, match="cannot unmarshal"):
        check_metadata_types({"metadata": md}, "ConfigMap", "v1")
