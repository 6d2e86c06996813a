"""Running one scheduler_perf workload: ops in order against a :class:`~kcore.sim.backend.Backend`.

Semantics follow upstream's executor (reference: scheduler-perf-format.md §3-§4):

* ops run strictly in sequence; ``churn`` and ``deletePods`` with ``skipWaitToCompletion``
  continue in the background until the workload ends;
* ``createPods`` waits until at least ``count`` pods of its namespace are placed (pods placed
  earlier in the namespace count too), unless ``skipWaitToCompletion``, which instead adds the
  count to the barrier bookkeeping; ``barrier`` waits for the bookkept namespaces;
* nodes get ``kubernetes.io/hostname``; capacity is copied into allocatable when absent;
  prepare strategies apply by position in the name-ordered node list;
* a namespace is created on first use; pods get ``requests`` defaulted from ``limits``.

A wait that cannot finish — the scheduler is idle and no background op is running — fails
at once with the reason one pending pod is unschedulable, instead of waiting upstream's ten
minutes. Randomness (generated names, unique labels) comes from a generator seeded per run.
"""

from __future__ import annotations

import asyncio
import contextlib
import string
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from kcore.scheduler.apis.config.strict import YAMLError, load_yaml
from kcore.sim.backend import Backend, ClusterState, ExecutionError, PodGroup
from kcore.sim.gotemplate import GoTemplate, TemplateError
from kcore.sim.metrics import (
    DEFAULT_SAMPLE_INTERVAL,
    AttemptLatencies,
    RSSSampler,
    ThroughputCollector,
    ThroughputSummary,
)
from kcore.sim.workload import Op, TestCase, Workload, WorkloadError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from kcore.util.clock import Clock

__all__ = ["DEFAULT_WAIT_TIMEOUT", "CollectedMetrics", "ExecutionError", "Executor"]

DEFAULT_WAIT_TIMEOUT = 600.0  # upstream's 10-minute barrier/createPods timeout

BUILTIN_NODE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Node",
    "metadata": {"generateName": "node-"},
    "spec": {},
    "status": {
        "capacity": {"pods": "110", "cpu": "4", "memory": "32Gi"},
        "allocatable": {"pods": "110", "cpu": "4", "memory": "32Gi"},
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True"}],
    },
}

BUILTIN_POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"generateName": "pod-"},
    "spec": {
        "containers": [
            {
                "name": "pause",
                "image": "registry.k8s.io/pause:3.10",
                "ports": [{"containerPort": 80}],
                "resources": {
                    "requests": {"cpu": "100m", "memory": "500Mi"},
                    "limits": {"cpu": "100m", "memory": "500Mi"},
                },
            }
        ]
    },
}

#: Identical pods are named and submitted in chunks of this many (one compiled batch each).
POD_CHUNK = 256

_ALPHABET = np.array(list(string.ascii_lowercase + string.digits), dtype="<U1")

CLUSTER_SCOPED = {"Node", "Namespace", "PriorityClass", "StorageClass", "PersistentVolume"}


@dataclass
class CollectedMetrics:
    """What one metrics collection measured (``createPods collectMetrics`` or a
    ``start``/``stopCollectingMetrics`` pair)."""

    name: str
    throughput: ThroughputSummary
    latencies: AttemptLatencies
    peak_rss_bytes: int
    duration_s: float


@dataclass
class _Collection:
    name: str
    collector: ThroughputCollector
    latencies: AttemptLatencies
    rss: RSSSampler
    start: float


@dataclass
class Executor:
    """Runs the resolved ops of one workload against ``backend``.

    Contract: ``run(ops)`` executes every op in order and returns the collected metrics;
    background ops are cancelled when it returns or raises. Not reusable across workloads
    (one backend, one cluster per workload, as upstream).
    """

    case: TestCase
    workload: Workload
    backend: Backend
    clock: Clock
    seed: int = 0
    sample_interval: float | None = DEFAULT_SAMPLE_INTERVAL
    wait_timeout: float = DEFAULT_WAIT_TIMEOUT
    results: list[CollectedMetrics] = field(default_factory=list)
    # Namespaces -> pods expected scheduled at the next Scheduled barrier.
    barrier_counts: dict[str, int] = field(default_factory=dict)
    _rng: np.random.Generator = field(init=False)
    _next_node_index: int = 0
    _collection: _Collection | None = None
    _background: list[asyncio.Task[None]] = field(default_factory=list)
    _templates: dict[Path, GoTemplate] = field(default_factory=dict)
    _plain: dict[Path, dict[str, Any]] = field(default_factory=dict)
    _current_index: int = 0
    # Name prefixes generated per namespace (never reused).
    _prefixes: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng(self.seed)

    @property
    def state(self) -> ClusterState:
        return self.backend.state

    # ------------------------------------------------------------------ top level

    async def run(self, ops: Sequence[Op]) -> list[CollectedMetrics]:
        try:
            for i, op in enumerate(ops):
                self._current_index = i
                handler = getattr(self, f"_op_{op.opcode}", None)
                if handler is None:
                    msg = f"{op.where}: opcode {op.opcode!r} is not supported by kcore"
                    raise ExecutionError(msg)
                await handler(op)
            return self.results
        finally:
            for t in self._background:
                t.cancel()
            for t in self._background:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t

    # ------------------------------------------------------------------ helpers

    def _gen_names(self, prefix: str, count: int, taken: Any = ()) -> list[str]:
        """``count`` distinct names ``prefix`` + 5 random characters, as the harness generates
        them; a name in ``taken`` (or repeated) is drawn again, as the apiserver would reject
        a duplicate."""
        out: list[str] = []
        seen: set[str] = set()
        while len(out) < count:
            need = count - len(out)
            idx = self._rng.integers(0, len(_ALPHABET), size=(need, 5))
            suffixes = _ALPHABET[idx].view("<U5").ravel().tolist()
            for sfx in suffixes:
                name = prefix + sfx
                if name not in seen and name not in taken:
                    seen.add(name)
                    out.append(name)
        return out

    def _gen_name(self, prefix: str, taken: Any = ()) -> str:
        return self._gen_names(prefix, 1, taken)[0]

    def _template(self, rel: str, where: str) -> GoTemplate:
        path = self.case.path(rel)
        t = self._templates.get(path)
        if t is None:
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as err:
                msg = f"{where}: cannot read template {str(path)!r}: {err.strerror}"
                raise ExecutionError(msg) from err
            try:
                t = GoTemplate(text, name=str(path))
            except TemplateError as err:
                raise ExecutionError(f"{where}: {err}") from err
            self._templates[path] = t
        return t

    def _render(self, t: GoTemplate, env: Mapping[str, Any], where: str) -> dict[str, Any]:
        try:
            text = t.render(env)
            obj = load_yaml(text, source=t.name)
        except (TemplateError, YAMLError) as err:
            raise ExecutionError(f"{where}: {err}") from err
        if not isinstance(obj, dict):
            msg = f"{where}: template {t.name} did not render an object"
            raise ExecutionError(msg)
        return obj

    def _plain_yaml(self, rel: str, where: str) -> dict[str, Any]:
        path = self.case.path(rel)
        obj = self._plain.get(path)
        if obj is None:
            try:
                loaded = load_yaml(path.read_text(encoding="utf-8"), source=str(path))
            except OSError as err:
                msg = f"{where}: cannot read {str(path)!r}: {err.strerror}"
                raise ExecutionError(msg) from err
            except YAMLError as err:
                raise ExecutionError(f"{where}: {err}") from err
            if not isinstance(loaded, dict):
                msg = f"{where}: {path} is not an object"
                raise ExecutionError(msg)
            obj = loaded
            self._plain[path] = obj
        copied: dict[str, Any] = json_copy(obj)
        return copied

    async def _ensure_namespace(self, name: str, obj: Mapping[str, Any] | None = None) -> None:
        if name in self.state.namespaces:
            return
        ns = dict(obj or {"apiVersion": "v1", "kind": "Namespace"})
        meta = dict(ns.get("metadata") or {})
        meta["name"] = name
        labels = dict(meta.get("labels") or {})
        labels["kubernetes.io/metadata.name"] = name
        meta["labels"] = labels
        ns["metadata"] = meta
        await self.backend.create_namespace(ns)
        self.state.namespaces.add(name)
        self.barrier_counts.setdefault(name, 0)

    def _background_ops_running(self) -> bool:
        return any(not t.done() for t in self._background)

    async def _wait(self, cond: Any, what: str, namespace: str | None) -> None:
        """Wait until ``cond()``; fail fast when nothing can change any more."""
        deadline = self.clock.monotonic() + self.wait_timeout
        stalled_checks = 0
        while not cond():
            self.backend.check()
            for t in self._background:
                if t.done() and not t.cancelled() and t.exception() is not None:
                    raise ExecutionError(f"background op failed: {t.exception()}")
            now = self.clock.monotonic()
            if now >= deadline:
                msg = f"timed out after {self.wait_timeout:g}s waiting for {what}"
                raise ExecutionError(self._explain(msg, namespace))
            if self.backend.idle() and not self._background_ops_running():
                stalled_checks += 1
                if stalled_checks >= 2:
                    msg = f"cannot finish waiting for {what}: the scheduler is idle"
                    raise ExecutionError(self._explain(msg, namespace))
            else:
                stalled_checks = 0
            await self.state.wait_changed(min(0.05, max(0.0, deadline - now)))

    def _explain(self, msg: str, namespace: str | None) -> str:
        pending = self.state.pending_keys(namespace)
        if not pending:
            return msg
        return (
            f"{msg}; {len(pending)} pod(s) pending, e.g. {pending[0]}: "
            f"{self.backend.describe_pending(pending[0])}"
        )

    # ------------------------------------------------------------------ nodes

    def _prepare_node(
        self, node: dict[str, Any], index: int, where: str, name: str | None = None
    ) -> dict[str, Any]:
        meta = dict(node.get("metadata") or {})
        if not meta.get("name"):
            prefix = meta.get("generateName") or f"node-{index}-"
            meta["name"] = name or self._gen_name(prefix, self.state.nodes)
        meta.pop("generateName", None)
        labels = dict(meta.get("labels") or {})
        labels.setdefault("kubernetes.io/hostname", meta["name"])
        meta["labels"] = labels
        node["metadata"] = meta
        node.setdefault("apiVersion", "v1")
        node.setdefault("kind", "Node")
        status = dict(node.get("status") or {})
        if "allocatable" not in status and "capacity" in status:
            status["allocatable"] = dict(status["capacity"])
        node["status"] = status
        if node["kind"] != "Node":
            msg = f"{where}: node template renders kind {node['kind']!r}"
            raise ExecutionError(msg)
        return node

    async def _op_createNodes(self, op: Op) -> None:
        count = int(op.get("count", 0))
        rel = op.get("nodeTemplatePath")
        tparams = dict(op.get("templateParams") or {})
        tmpl = self._template(rel, op.where) if rel else None
        op_index = self._op_index(op)
        nodes: list[dict[str, Any]] = []
        static: dict[str, Any] | None = None
        for i in range(count):
            if tmpl is None:
                base = json_copy(BUILTIN_NODE)
                base["metadata"] = {"generateName": f"node-{op_index}-"}
            elif tmpl.is_static or not (tmpl.fields & {"Index", "Count", *tparams}):
                if static is None:
                    static = self._render(tmpl, {"Index": 0, "Count": count, **tparams}, op.where)
                base = json_copy(static)
            else:
                base = self._render(tmpl, {"Index": i, "Count": count, **tparams}, op.where)
            nodes.append(base)
        # Generated names are drawn together so that they never collide (5 random
        # characters collide by the birthday bound long before 50,000 nodes).
        by_prefix: dict[str, list[int]] = {}
        for i, n in enumerate(nodes):
            meta = n.get("metadata") or {}
            if not meta.get("name"):
                by_prefix.setdefault(meta.get("generateName") or f"node-{op_index}-", []).append(i)
        fresh: dict[int, str] = {}
        taken = set(self.state.nodes)
        for prefix, idxs in by_prefix.items():
            for i, name in zip(idxs, self._gen_names(prefix, len(idxs), taken), strict=True):
                fresh[i] = name
                taken.add(name)
        nodes = [
            self._prepare_node(n, op_index, op.where, fresh.get(i)) for i, n in enumerate(nodes)
        ]
        names = {n["metadata"]["name"] for n in nodes}
        if len(names) != len(nodes) or names & set(self.state.nodes):
            dup = sorted(names & set(self.state.nodes)) or ["(within the op)"]
            msg = f"{op.where}: duplicate node name {dup[0]} (use generateName in the template)"
            raise ExecutionError(msg)
        # Prepare strategies apply by position in the name-ordered list of all nodes.
        updates = self._apply_strategy(op, nodes)
        await self.backend.create_nodes(nodes)
        for n in nodes:
            self.state.nodes[n["metadata"]["name"]] = n
        for n in updates:
            await self.backend.update_node(n)
            self.state.nodes[n["metadata"]["name"]] = n

    def _op_index(self, op: Op) -> int:
        del op
        return self._current_index

    def _apply_strategy(self, op: Op, new_nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        count = len(new_nodes)
        start = self._next_node_index
        self._next_node_index += count
        alloc = op.get("nodeAllocatableStrategy")
        label = op.get("labelNodePrepareStrategy")
        unique = op.get("uniqueNodeLabelStrategy")
        if not (alloc or label or unique):
            return []
        by_name = {n["metadata"]["name"]: n for n in new_nodes}
        all_names = sorted([*self.state.nodes, *by_name])
        updates: list[dict[str, Any]] = []
        for pos in range(start, min(start + count, len(all_names))):
            name = all_names[pos]
            node = by_name.get(name)
            if node is None:
                node = json_copy(dict(self.state.nodes[name]))
                updates.append(node)
            k = pos - start
            if alloc:
                a = alloc.get("nodeAllocatable") or {}
                status = node.setdefault("status", {})
                status["allocatable"] = {**(status.get("allocatable") or {}), **a}
            elif label:
                key, values = label.get("labelKey"), label.get("labelValues") or []
                if not key or not values:
                    msg = f"{op.where}.labelNodePrepareStrategy: labelKey and labelValues required"
                    raise ExecutionError(msg)
                node["metadata"]["labels"][key] = str(values[k % len(values)])
            elif unique:
                key = unique.get("labelKey")
                if not key:
                    msg = f"{op.where}.uniqueNodeLabelStrategy: labelKey required"
                    raise ExecutionError(msg)
                node["metadata"]["labels"][key] = str(
                    uuid.UUID(bytes=self._rng.bytes(16), version=4)
                )
        return updates

    # ------------------------------------------------------------------ namespaces

    async def _op_createNamespaces(self, op: Op) -> None:
        prefix = op.get("prefix", "")
        base = (
            self._plain_yaml(op.get("namespaceTemplatePath"), op.where)
            if op.get("namespaceTemplatePath")
            else None
        )
        for i in range(int(op.get("count", 0))):
            await self._ensure_namespace(f"{prefix}-{i}", base)

    # ------------------------------------------------------------------ pods

    def _default_pod(self, pod: dict[str, Any], namespace: str) -> dict[str, Any]:
        pod.setdefault("apiVersion", "v1")
        pod.setdefault("kind", "Pod")
        meta = dict(pod.get("metadata") or {})
        meta["namespace"] = namespace
        pod["metadata"] = meta
        spec = dict(pod.get("spec") or {})
        spec.setdefault("schedulerName", "default-scheduler")
        for key in ("containers", "initContainers"):
            cs = []
            for original in spec.get(key) or []:
                c = dict(original)
                res = dict(c.get("resources") or {})
                limits = res.get("limits") or {}
                if limits:
                    res["requests"] = {**limits, **(res.get("requests") or {})}
                    c["resources"] = res
                cs.append(c)
            if cs:
                spec[key] = cs
        pod["spec"] = spec
        return pod

    def _pod_group(self, op: Op, namespace: str, count: int) -> PodGroup:
        rel = op.get("podTemplatePath") or self.case.default_pod_template_path
        tparams = dict(op.get("templateParams") or {})
        batch = int(op.get("signatureBatchSize") or 0)
        tmpl = self._template(rel, op.where) if rel else None
        varies = (tmpl is not None and bool(tmpl.fields & {"Index", "Count"})) or batch > 0
        if tmpl is None:
            first = json_copy(BUILTIN_POD)
        else:
            first = self._render(tmpl, {"Index": 0, "Count": count, **tparams}, op.where)
        first = self._default_pod(first, namespace)
        meta = first["metadata"]
        if not varies:
            if meta.get("name") and count > 1:
                msg = f"{op.where}: the pod template sets a fixed metadata.name for {count} pods"
                raise ExecutionError(msg)
            if meta.get("name"):
                return PodGroup(namespace, first, (meta["name"],) * count)
            return self._chunked_group(namespace, first, meta.get("generateName", "pod-"), count)
        pods: list[dict[str, Any]] = []
        taken = _NamespaceNames(self.state, namespace)
        for i in range(count):
            p = (
                first
                if i == 0
                else self._default_pod(
                    self._render(tmpl, {"Index": i, "Count": count, **tparams}, op.where)
                    if tmpl is not None
                    else json_copy(BUILTIN_POD),
                    namespace,
                )
            )
            if i == 0:
                p = json_copy(p)
            m = p["metadata"]
            if not m.get("name"):
                m["name"] = self._gen_name(m.get("generateName", "pod-"), taken)
            taken.add(m["name"])
            m.pop("generateName", None)
            if batch > 0:
                m["labels"] = {
                    **(m.get("labels") or {}),
                    "signature": f"signature-label-{i // batch}",
                }
            pods.append(p)
        names = tuple(p["metadata"]["name"] for p in pods)
        return PodGroup(namespace, first, names, tuple(pods), identical=False)

    def _chunked_group(
        self, namespace: str, template: dict[str, Any], generate_name: str, count: int
    ) -> PodGroup:
        """Identical pods named ``<generateName><5 random>-<i>`` in chunks of POD_CHUNK, so
        that a backend compiles each chunk once (see :class:`PodGroup`)."""
        taken = _NamespaceNames(self.state, namespace)
        n_chunks = -(-count // POD_CHUNK)
        prefixes: list[str] = []
        used = self._prefixes.setdefault(namespace, set())
        while len(prefixes) < n_chunks:
            for cand in self._gen_names(generate_name, n_chunks - len(prefixes), used):
                prefix = cand + "-"
                size = min(POD_CHUNK, count - len(prefixes) * POD_CHUNK)
                if any(f"{prefix}{j}" in taken for j in range(size)):
                    used.add(cand)
                    continue
                used.add(cand)
                prefixes.append(prefix)
        names = tuple(f"{prefixes[i // POD_CHUNK]}{i % POD_CHUNK}" for i in range(count))
        return PodGroup(
            namespace, template, names, chunk_size=POD_CHUNK, chunk_prefixes=tuple(prefixes)
        )

    async def _create_pods(self, op: Op, namespace: str, count: int) -> PodGroup:
        await self._ensure_namespace(namespace)
        group = self._pod_group(op, namespace, count)
        existing = [n for n in group.names if f"{namespace}/{n}" in self.state.pods]
        if existing or len(set(group.names)) != len(group.names):
            dup = existing[0] if existing else group.names[0]
            msg = f"{op.where}: pod {namespace}/{dup} already exists"
            raise ExecutionError(msg)
        await self.backend.create_pods(group)
        return group

    async def _op_createPods(self, op: Op) -> None:
        namespace: str = op.get("namespace")
        count = int(op.get("count", 0))
        if op.get("collectMetrics"):
            self._start_collecting(f"{namespace}", frozenset({namespace}), {})
        if op.get("steadyState"):
            await self._steady_state(op, namespace, count, float(op.get("duration", 0.0)))
        else:
            await self._create_pods(op, namespace, count)
            if op.get("skipWaitToCompletion"):
                self.barrier_counts[namespace] = self.barrier_counts.get(namespace, 0) + count
            else:
                await self._wait(
                    lambda: self.state.count(namespace) >= count,
                    f"{count} pods in namespace {namespace!r} to be scheduled",
                    namespace,
                )
        if op.get("collectMetrics"):
            self._stop_collecting()

    async def _steady_state(self, op: Op, namespace: str, count: int, duration: float) -> None:
        end = self.clock.monotonic() + duration
        placed_total = 0
        await self._create_pods(op, namespace, count)
        while self.clock.monotonic() < end:
            if self.state.count(namespace) >= count:
                placed_total += count
                keys = self.state.pod_keys(namespace)
                await self.backend.delete_pods(keys)
                self.state.notify()
                await self._create_pods(op, namespace, count)
                continue
            self.backend.check()
            if self.backend.idle() and not self._background_ops_running():
                raise ExecutionError(self._explain(f"{op.where}: steady state stalled", namespace))
            await self.state.wait_changed(min(0.05, max(0.0, end - self.clock.monotonic())))
        if placed_total == 0 and self.state.count(namespace) == 0:
            msg = f"{op.where}: no pod was scheduled in steady state"
            raise ExecutionError(msg)

    async def _op_deletePods(self, op: Op) -> None:
        namespace = op.get("namespace") or ""
        keys = self.state.pod_keys(namespace, op.get("labelSelector"))
        rate = int(op.get("deletePodsPerSecond", 0))

        async def run() -> None:
            if rate <= 0:
                await self.backend.delete_pods(keys)
                self.state.notify()
                return
            for key in keys:
                await self.backend.delete_pods([key])
                self.state.notify()
                await self.clock.sleep(1.0 / rate)

        if op.get("skipWaitToCompletion"):
            self._background.append(asyncio.ensure_future(run()))
        else:
            await run()

    # ------------------------------------------------------------------ churn, objects

    async def _create_any_object(self, obj: dict[str, Any], namespace: str, where: str) -> str:
        kind = obj.get("kind", "")
        meta = obj.setdefault("metadata", {})
        if not meta.get("name"):
            meta["name"] = self._gen_name(meta.pop("generateName", "") or f"{kind.lower()}-")
        meta.pop("generateName", None)
        if kind == "Node":
            node = self._prepare_node(obj, 0, where)
            await self.backend.create_nodes([node])
            self.state.nodes[node["metadata"]["name"]] = node
        elif kind == "Pod":
            await self._ensure_namespace(namespace)
            pod = self._default_pod(obj, namespace)
            await self.backend.create_pods(PodGroup(namespace, pod, (meta["name"],)))
        else:
            if kind not in CLUSTER_SCOPED:
                if not namespace:
                    msg = f"{where}: namespace is required for namespaced kind {kind!r}"
                    raise ExecutionError(msg)
                await self._ensure_namespace(namespace)
                meta["namespace"] = namespace
            await self.backend.create_object(obj)
        return str(meta["name"])

    async def _delete_any_object(self, obj: Mapping[str, Any], namespace: str) -> None:
        kind = obj.get("kind", "")
        name = obj["metadata"]["name"]
        if kind == "Node":
            await self.backend.delete_node(name)
            self.state.nodes.pop(name, None)
        elif kind == "Pod":
            await self.backend.delete_pods([f"{namespace}/{name}"])
        else:
            await self.backend.delete_object(obj)
        self.state.notify()

    async def _op_createAny(self, op: Op) -> None:
        tmpl = self._template(op.get("templatePath"), op.where)
        count = int(op.get("count", 1) or 1)
        tparams = dict(op.get("templateParams") or {})
        namespace = op.get("namespace") or ""
        for i in range(count):
            obj = self._render(tmpl, {"Index": i, "Count": count, **tparams}, op.where)
            kind = obj.get("kind", "")
            if kind in CLUSTER_SCOPED and namespace:
                msg = f"{op.where}: namespace must be empty for cluster-scoped kind {kind!r}"
                raise ExecutionError(msg)
            await self._create_any_object(obj, namespace, op.where)
        self.state.notify()

    async def _op_churn(self, op: Op) -> None:
        templates = [self._plain_yaml(p, op.where) for p in op.get("templatePaths")]
        mode = op.get("mode")
        number = int(op.get("number", 0))
        interval = int(op.get("intervalMilliseconds", 500) or 500) / 1000.0
        namespace = op.get("namespace")

        async def run() -> None:
            slots: list[list[dict[str, Any] | None]] = [[None] * max(number, 1) for _ in templates]
            tick = 0
            while True:
                if mode == "create":
                    if number and tick >= number:
                        return
                    for t in templates:
                        with contextlib.suppress(ExecutionError, ValueError, KeyError):
                            await self._create_any_object(json_copy(t), namespace, op.where)
                else:
                    k = tick % number
                    for j, t in enumerate(templates):
                        cur = slots[j][k]
                        with contextlib.suppress(ExecutionError, ValueError, KeyError):
                            if cur is not None:
                                await self._delete_any_object(cur, namespace)
                                slots[j][k] = None
                            else:
                                obj = json_copy(t)
                                await self._create_any_object(obj, namespace, op.where)
                                slots[j][k] = obj
                self.state.notify()
                tick += 1
                await self.clock.sleep(interval)

        self._background.append(asyncio.ensure_future(run()))

    # ------------------------------------------------------------------ barrier, sleep

    async def _op_barrier(self, op: Op) -> None:
        names = list(op.get("namespaces") or [])
        unknown = [n for n in names if n not in self.barrier_counts]
        if unknown:
            msg = f"{op.where}: unknown namespace {unknown[0]!r} (not created by an earlier op)"
            raise ExecutionError(msg)
        targets = names or list(self.barrier_counts)
        selector = op.get("labelSelector")
        attempted = op.get("stageRequirement", "Scheduled") == "Attempted"
        for ns in targets:
            want = self.barrier_counts.get(ns, 0)
            await self._wait(
                lambda ns=ns, want=want: (
                    self.state.count(ns, label_selector=selector, attempted=attempted) >= want
                ),
                f"{want} pods in namespace {ns!r} to be "
                + ("attempted" if attempted else "scheduled"),
                ns,
            )
        if not attempted:
            for ns in targets:
                self.barrier_counts.pop(ns, None)

    async def _op_sleep(self, op: Op) -> None:
        await self.clock.sleep(float(op.get("duration", 0.0)))

    # ------------------------------------------------------------------ metrics

    def _start_collecting(
        self, name: str, namespaces: frozenset[str] | None, selector: Mapping[str, str]
    ) -> None:
        if self._collection is not None:
            msg = f"metrics collection {self._collection.name!r} is already running"
            raise ExecutionError(msg)
        start = self.clock.monotonic()
        coll = _Collection(
            name=name,
            collector=ThroughputCollector(name, namespaces, dict(selector), start),
            latencies=AttemptLatencies(),
            rss=RSSSampler(),
            start=start,
        )
        coll.rss.sample()
        self.state.collectors.append(coll.collector)
        self.state.latencies = coll.latencies
        self.state.rss = coll.rss
        self._collection = coll

    def _stop_collecting(self) -> None:
        coll = self._collection
        if coll is None:
            msg = "stopCollectingMetrics without a running collection"
            raise ExecutionError(msg)
        coll.rss.sample()
        self.state.collectors.remove(coll.collector)
        self.state.latencies = None
        self.state.rss = None
        self._collection = None
        self.results.append(
            CollectedMetrics(
                name=coll.name,
                throughput=coll.collector.summary(self.sample_interval),
                latencies=coll.latencies,
                peak_rss_bytes=coll.rss.peak,
                duration_s=self.clock.monotonic() - coll.start,
            )
        )

    async def _op_startCollectingMetrics(self, op: Op) -> None:
        self._start_collecting(
            op.get("name") or "collection",
            frozenset(op.get("namespaces") or ()),
            op.get("labelSelector") or {},
        )

    async def _op_stopCollectingMetrics(self, op: Op) -> None:
        del op
        self._stop_collecting()


def json_copy(obj: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars), several times faster than
    ``copy.deepcopy`` (which matters when creating 50,000 nodes)."""
    if isinstance(obj, dict):
        return {k: json_copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [json_copy(v) for v in obj]
    return obj


class _NamespaceNames:
    """Pod names taken in a namespace: existing pods plus the names generated so far."""

    def __init__(self, state: ClusterState, namespace: str) -> None:
        self.state = state
        self.namespace = namespace
        self.new: list[str] = []
        self._new_set: set[str] = set()

    def __contains__(self, name: object) -> bool:
        return name in self._new_set or f"{self.namespace}/{name}" in self.state.pods

    def add(self, name: str) -> None:
        if name not in self._new_set:
            self._new_set.add(name)
            self.new.append(name)


def check_workload_supported(case: TestCase, workload: Workload) -> None:
    """Raise :class:`WorkloadError` if ``case`` needs something kcore cannot run."""
    reason = case.unsupported
    if reason:
        msg = f"{case.full_name(workload)}: not supported: {reason}"
        raise WorkloadError(msg)
