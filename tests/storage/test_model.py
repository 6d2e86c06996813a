"""Property test: random operation sequences agree between each backend and a simple model.

A Hypothesis state machine drives create/update/delete (with missing, stale and matching
expected revisions), guaranteed_update, get, paged lists at the current and at past revisions,
compaction, and watches replaying the history, against a dict-of-dicts model that keeps the
state after every write. Revisions are taken from the store (etcd bumps its counter for
``compact_rev_key`` too) and checked for strict growth, never assumed.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from kcore.api.errors import AlreadyExists, Conflict, Expired, NotFound
from kcore.storage.etcd import EtcdStore
from kcore.storage.memory import MemoryStore
from kcore.storage.sqlite import SqliteStore

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from kcore.storage.interface import Store
    from kcore.testing.etcd import EtcdServer

NAMES = [f"/registry/pods/{ns}/{n}" for ns in ("a", "b") for n in ("x", "y", "z")]
PREFIXES = ["/registry/pods/", "/registry/pods/a/", "/registry/pods/b/"]
_ids = itertools.count()

Payload = dict[str, Any]
Event = tuple[str, str, int, Payload | None]


def payload(obj: Mapping[str, Any]) -> Payload:
    out = dict(obj)
    out["metadata"] = {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}
    return out


def rv(obj: Mapping[str, Any]) -> int:
    return int(obj["metadata"]["resourceVersion"])


class StoreModel(RuleBasedStateMachine):
    """The model: ``state`` (key -> (payload, mod revision)), ``snapshots`` (write revision ->
    state after it), ``events`` (every change in order) and the compacted revision."""

    opener: Callable[[], tuple[Store, Callable[[], None]]]

    def __init__(self) -> None:
        super().__init__()
        self.store, self._cleanup = self.opener()
        self.state: dict[str, tuple[Payload, int]] = {}
        self.base = self.store.revision
        self.snapshots: dict[int, dict[str, tuple[Payload, int]]] = {self.base: {}}
        self.events: list[Event] = []
        self.last = self.base
        self.compacted = 0

    def teardown(self) -> None:
        self.store.close()
        self._cleanup()

    def _wrote(self, obj: Mapping[str, Any], kind: str, key: str) -> None:
        rev = rv(obj)
        assert rev > self.last, f"revision {rev} after {self.last}"
        self.last = rev
        if kind == "DELETED":
            del self.state[key]
        else:
            self.state[key] = (payload(obj), rev)
        self.snapshots[rev] = dict(self.state)
        self.events.append((kind, key, rev, payload(obj)))

    def _new(self, key: str, n: int) -> Payload:
        ns, name = key.split("/")[3:5]
        return {"metadata": {"name": name, "namespace": ns}, "data": {"n": n}}

    @rule(key=st.sampled_from(NAMES), n=st.integers(0, 9))
    def create(self, key: str, n: int) -> None:
        if key in self.state:
            with pytest.raises(AlreadyExists):
                self.store.create(key, self._new(key, n))
            return
        self._wrote(self.store.create(key, self._new(key, n)), "ADDED", key)

    @rule(
        key=st.sampled_from(NAMES),
        n=st.integers(0, 9),
        how=st.sampled_from(["none", "ok", "stale"]),
    )
    def update(self, key: str, n: int, how: str) -> None:
        cur = self.state.get(key)
        expected = None
        if how == "ok" and cur is not None:
            expected = cur[1]
        elif how == "stale":
            expected = max(1, (cur[1] if cur else self.last) - 1)
        if cur is None:
            with pytest.raises(NotFound):
                self.store.update(key, self._new(key, n), expected_revision=expected)
        elif expected is not None and expected != cur[1]:
            with pytest.raises(Conflict):
                self.store.update(key, self._new(key, n), expected_revision=expected)
        else:
            obj = self.store.update(key, self._new(key, n), expected_revision=expected)
            self._wrote(obj, "MODIFIED", key)

    @rule(key=st.sampled_from(NAMES), stale=st.booleans())
    def delete(self, key: str, stale: bool) -> None:
        cur = self.state.get(key)
        if cur is None:
            with pytest.raises(NotFound):
                self.store.delete(key)
        elif stale:
            with pytest.raises(Conflict):
                self.store.delete(key, expected_revision=cur[1] + 1000)
        else:
            obj = self.store.delete(key, expected_revision=cur[1])
            assert payload(obj) == cur[0]
            self._wrote(obj, "DELETED", key)

    @rule(key=st.sampled_from(NAMES), add=st.integers(1, 3))
    def bump(self, key: str, add: int) -> None:
        def fn(cur: Mapping[str, Any]) -> Mapping[str, Any]:
            base = cur or self._new(key, 0)
            return {**base, "data": {"n": base["data"]["n"] + add}}

        existed = key in self.state
        obj = self.store.guaranteed_update(key, fn, ignore_not_found=True)
        self._wrote(obj, "MODIFIED" if existed else "ADDED", key)

    @rule(key=st.sampled_from(NAMES))
    def get(self, key: str) -> None:
        cur = self.state.get(key)
        if cur is None:
            with pytest.raises(NotFound):
                self.store.get(key)
        else:
            obj = self.store.get(key)
            assert payload(obj) == cur[0]
            assert rv(obj) == cur[1]

    def _expected(
        self, prefix: str, at: dict[str, tuple[Payload, int]]
    ) -> list[tuple[Payload, int]]:
        return [at[k] for k in sorted(at) if k.startswith(prefix)]

    def _paged(self, prefix: str, limit: int, revision: int | None) -> list[tuple[Payload, int]]:
        res = self.store.list(prefix, limit=limit, revision=revision)
        out = [(payload(o), rv(o)) for o in res.items]
        while res.continue_key is not None:
            assert res.remaining > 0
            res = self.store.list(
                prefix, limit=limit, revision=res.revision, start_after=res.continue_key
            )
            out += [(payload(o), rv(o)) for o in res.items]
        assert res.remaining == 0
        return out

    @rule(prefix=st.sampled_from(PREFIXES), limit=st.integers(0, 3))
    def list_current(self, prefix: str, limit: int) -> None:
        assert self._paged(prefix, limit, None) == self._expected(prefix, self.state)

    @rule(data=st.data(), prefix=st.sampled_from(PREFIXES), limit=st.integers(0, 3))
    def list_past(self, data: st.DataObject, prefix: str, limit: int) -> None:
        retained = [r for r in self.snapshots if r >= max(self.compacted, 1)]
        if not retained:
            return
        at = data.draw(st.sampled_from(sorted(retained)))
        assert self._paged(prefix, limit, at) == self._expected(prefix, self.snapshots[at])

    @precondition(lambda self: len(self.snapshots) > 2)
    @rule(data=st.data())
    def compact(self, data: st.DataObject) -> None:
        candidates = sorted(r for r in self.snapshots if r > max(self.compacted, self.base))
        if len(candidates) < 2:
            return
        target = data.draw(st.sampled_from(candidates[:-1]))
        self.store.compact(target)
        self.compacted = max(self.compacted, target)
        older = [r for r in self.snapshots if 0 < r < self.compacted]
        if older:
            with pytest.raises(Expired):
                self.store.list(PREFIXES[0], revision=max(older))

    @rule(data=st.data(), prefix=st.sampled_from(PREFIXES))
    def watch_history(self, data: st.DataObject, prefix: str) -> None:
        retained = sorted(r for r in self.snapshots if r >= self.compacted)
        start = data.draw(st.sampled_from(retained))
        expected = [e for e in self.events if e[2] > start and e[1].startswith(prefix)]

        async def main() -> list[Event]:
            w = self.store.watch(prefix, from_revision=start)
            it = aiter(w)
            got = [await asyncio.wait_for(anext(it), 20) for _ in expected]
            w.request_progress()
            bm = await asyncio.wait_for(anext(it), 20)
            assert bm.type == "BOOKMARK", "nothing beyond the model's events"
            w.stop()
            return [(e.type, e.key, e.revision, payload(e.object)) for e in got]

        assert asyncio.run(main()) == expected

    @invariant()
    def revision_is_current(self) -> None:
        assert self.store.revision >= self.last


def _run(opener: Callable[[], tuple[Store, Callable[[], None]]], examples: int, steps: int) -> None:
    machine = type("Machine", (StoreModel,), {"opener": staticmethod(opener)})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_memory_agrees_with_the_model() -> None:
    _run(lambda: (MemoryStore(), lambda: None), examples=60, steps=40)


def test_sqlite_agrees_with_the_model() -> None:
    def opener() -> tuple[Store, Callable[[], None]]:
        d = Path(tempfile.mkdtemp(prefix="kcore-model-"))
        return SqliteStore(d / "db.sqlite", poll_interval=0), lambda: shutil.rmtree(d)

    _run(opener, examples=25, steps=30)


def test_etcd_agrees_with_the_model(etcd_server: EtcdServer) -> None:
    def opener() -> tuple[Store, Callable[[], None]]:
        prefix = f"/kcore-model-{next(_ids)}"
        store = EtcdStore([etcd_server.endpoint], prefix=prefix, compaction_interval=0)
        return store, lambda: None

    _run(opener, examples=10, steps=25)
