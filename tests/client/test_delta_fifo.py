"""DeltaFIFO: client-go's semantics (ordering, dedup of deletions, Replace tombstones, Resync,
has_synced, requeue, close) plus a Hypothesis state machine that checks the invariants and a
plain reference model after every step."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kcore.client.delta_fifo import (
    DeletedFinalStateUnknown,
    Delta,
    DeltaFIFO,
    Deltas,
    DeltaType,
    FIFOClosedError,
    Requeue,
)


def obj(name: str, rv: int = 1) -> dict:
    return {"metadata": {"namespace": "ns", "name": name, "resourceVersion": str(rv)}}


class KnownObjects:
    """The consumer's cache, as an informer keeps it."""

    def __init__(self) -> None:
        self.items: dict[str, dict] = {}

    def list_keys(self) -> list[str]:
        return list(self.items)

    def get_by_key(self, key: str) -> dict | None:
        return self.items.get(key)

    def apply(self, deltas: Deltas, _initial: bool = False) -> None:
        for d in deltas:
            o = d.object
            if d.type is DeltaType.DELETED:
                key = o.key if isinstance(o, DeletedFinalStateUnknown) else _key(o)
                self.items.pop(key, None)
            else:
                self.items[_key(o)] = o


def _key(o: dict) -> str:
    return f"{o['metadata']['namespace']}/{o['metadata']['name']}"


def types(d: Deltas | None) -> list[str]:
    return [x.type.value for x in d or ()]


def test_delta_type_is_str_enum() -> None:
    assert DeltaType.ADDED == "Added"
    assert [t.value for t in DeltaType] == ["Added", "Updated", "Deleted", "Replaced", "Sync"]


def test_pop_order_is_first_queued_and_changes_accumulate() -> None:
    f = DeltaFIFO()
    f.add(obj("a"))
    f.add(obj("b"))
    f.update(obj("a", 2))
    assert f.list_keys() == ["ns/a", "ns/b"]
    got: list[tuple[list[str], bool]] = []
    out = f.pop_nowait(lambda d, initial: got.append((types(d), initial)))
    assert out is not None
    assert out.newest() == Delta(DeltaType.UPDATED, obj("a", 2))
    assert out.oldest() == Delta(DeltaType.ADDED, obj("a"))
    assert got == [(["Added", "Updated"], False)]
    assert f.list_keys() == ["ns/b"]


def test_consecutive_deletes_collapse_keeping_the_real_object() -> None:
    f = DeltaFIFO()
    f.add(obj("a"))
    f.delete(obj("a", 2))
    f.delete(DeletedFinalStateUnknown("ns/a", obj("a")))
    assert types(f.get_by_key("ns/a")) == ["Added", "Deleted"]
    assert f.get_by_key("ns/a")[-1].object == obj("a", 2)  # type: ignore[index]
    g = DeltaFIFO()
    g.add(obj("a"))
    g.delete(DeletedFinalStateUnknown("ns/a", obj("a")))
    g.delete(obj("a", 3))
    assert g.get_by_key("ns/a")[-1].object == obj("a", 3)  # type: ignore[index]
    assert types(g.get_by_key("ns/a")) == ["Added", "Deleted"]


def test_delete_of_unknown_object_is_ignored() -> None:
    f = DeltaFIFO()
    f.delete(obj("ghost"))
    assert len(f) == 0
    known = KnownObjects()
    known.items["ns/k"] = obj("k")
    g = DeltaFIFO(known_objects=known)
    g.delete(obj("ghost"))
    g.delete(obj("k", 2))
    assert g.list_keys() == ["ns/k"]


def test_replace_queues_replaced_and_tombstones() -> None:
    known = KnownObjects()
    known.items = {"ns/a": obj("a"), "ns/gone": obj("gone")}
    f = DeltaFIFO(known_objects=known)
    f.add(obj("queued-gone"))
    f.replace([obj("a", 5), obj("b", 6)], "6")
    assert f.list_keys() == ["ns/queued-gone", "ns/a", "ns/b", "ns/gone"]
    assert types(f.get_by_key("ns/a")) == ["Replaced"]
    qg = f.get_by_key("ns/queued-gone")
    assert types(qg) == ["Added", "Deleted"]
    assert qg[-1].object == DeletedFinalStateUnknown("ns/queued-gone", obj("queued-gone"))  # type: ignore[index]
    gone = f.get_by_key("ns/gone")
    assert gone[-1].object == DeletedFinalStateUnknown("ns/gone", obj("gone"))  # type: ignore[index]


def test_replace_without_replaced_type_emits_sync() -> None:
    f = DeltaFIFO(emit_delta_type_replaced=False)
    f.replace([obj("a")], "1")
    assert types(f.get_by_key("ns/a")) == ["Sync"]


def test_has_synced_after_initial_batch_popped() -> None:
    known = KnownObjects()
    f = DeltaFIFO(known_objects=known)
    assert not f.has_synced()
    f.replace([obj("a"), obj("b")], "2")
    assert not f.has_synced()
    initial: list[bool] = []
    f.pop_nowait(lambda d, i: initial.append(i))
    assert not f.has_synced()
    f.add(obj("c"))  # later events do not extend the initial batch
    f.pop_nowait(lambda d, i: initial.append(i))
    assert f.has_synced()
    f.pop_nowait(lambda d, i: initial.append(i))
    assert initial == [True, True, False]


def test_empty_initial_replace_is_synced_at_once() -> None:
    f = DeltaFIFO()
    f.replace([], "7")
    assert f.has_synced()


def test_resync_skips_queued_keys() -> None:
    known = KnownObjects()
    known.items = {"ns/a": obj("a"), "ns/b": obj("b")}
    f = DeltaFIFO(known_objects=known)
    f.update(obj("a", 2))
    f.resync()
    assert types(f.get_by_key("ns/a")) == ["Updated"]
    assert types(f.get_by_key("ns/b")) == ["Sync"]
    DeltaFIFO().resync()  # no known objects: nothing to do


def test_requeue_puts_item_back_unless_readded() -> None:
    f = DeltaFIFO()
    f.add(obj("a"))

    def fail(d: Deltas, _i: bool) -> None:
        raise Requeue(RuntimeError("try later"))

    with pytest.raises(RuntimeError, match="try later"):
        f.pop_nowait(fail)
    assert f.list_keys() == ["ns/a"]

    def readd_then_requeue(d: Deltas, _i: bool) -> None:
        f.update(obj("a", 9))
        raise Requeue

    f.pop_nowait(readd_then_requeue)
    assert types(f.get_by_key("ns/a")) == ["Updated"]


def test_add_if_not_present_requires_deltas() -> None:
    with pytest.raises(TypeError, match="must be of type Deltas"):
        DeltaFIFO().add_if_not_present([Delta(DeltaType.ADDED, obj("a"))])


def test_transformer_applies_to_every_object() -> None:
    f = DeltaFIFO(transformer=lambda o: {**o, "transformed": True})
    f.add(obj("a"))
    assert f.get_by_key("ns/a")[0].object["transformed"] is True  # type: ignore[index]


def test_async_pop_waits_and_close_releases() -> None:
    async def main() -> list[str]:
        f = DeltaFIFO()
        seen: list[str] = []

        async def consumer() -> None:
            while True:
                try:
                    d = await f.pop(lambda d, i: None)
                except FIFOClosedError:
                    seen.append("closed")
                    return
                seen.append(d.newest().object["metadata"]["name"])  # type: ignore[union-attr]

        task = asyncio.ensure_future(consumer())
        await asyncio.sleep(0)
        f.add(obj("a"))
        f.add(obj("b"))
        await asyncio.sleep(0)
        f.close()
        await task
        with pytest.raises(FIFOClosedError):
            f.pop_nowait(lambda d, i: None)
        return seen

    assert asyncio.run(main()) == ["a", "b", "closed"]


# -- state machine ------------------------------------------------------------------------------

NAMES = st.sampled_from(["a", "b", "c", "d", "e"])


class Model:
    """client-go's DeltaFIFO spelled out naively: the reference the implementation must match."""

    def __init__(self, known: KnownObjects) -> None:
        self.known = known
        self.items: dict[str, list[Delta]] = {}
        self.queue: list[str] = []
        self.populated = False
        self.initial = 0

    def action(self, t: DeltaType, o: object, key: str) -> None:
        deltas = [*self.items.get(key, []), Delta(t, o)]
        if len(deltas) >= 2 and deltas[-1].type is deltas[-2].type is DeltaType.DELETED:
            keep = (
                deltas[-1]
                if isinstance(deltas[-2].object, DeletedFinalStateUnknown)
                else deltas[-2]
            )
            deltas = [*deltas[:-2], keep]
        if key not in self.items:
            self.queue.append(key)
        self.items[key] = deltas


class DeltaFIFOMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.known = KnownObjects()
        self.fifo = DeltaFIFO(known_objects=self.known)
        self.model = Model(self.known)
        self.rv = 0

    def _next(self, name: str) -> dict:
        self.rv += 1
        return obj(name, self.rv)

    @rule(name=NAMES)
    def add(self, name: str) -> None:
        o = self._next(name)
        self.fifo.add(o)
        self.model.populated = True
        self.model.action(DeltaType.ADDED, o, _key(o))

    @rule(name=NAMES)
    def update(self, name: str) -> None:
        o = self._next(name)
        self.fifo.update(o)
        self.model.populated = True
        self.model.action(DeltaType.UPDATED, o, _key(o))

    @rule(name=NAMES)
    def delete(self, name: str) -> None:
        o = self._next(name)
        key = _key(o)
        self.fifo.delete(o)
        self.model.populated = True
        if key in self.model.items or key in self.known.items:
            self.model.action(DeltaType.DELETED, o, key)

    @rule(names=st.sets(NAMES))
    def replace(self, names: set[str]) -> None:
        objs = [self._next(n) for n in sorted(names)]
        self.fifo.replace(objs, str(self.rv))
        keys = {_key(o) for o in objs}
        for o in objs:
            self.model.action(DeltaType.REPLACED, o, _key(o))
        deletions = 0
        for key in list(self.model.items):
            if key in keys:
                continue
            last = self.model.items[key][-1].object
            if isinstance(last, DeletedFinalStateUnknown):
                last = last.obj
            deletions += 1
            self.model.action(DeltaType.DELETED, DeletedFinalStateUnknown(key, last), key)
        for key in list(self.known.items):
            if key in keys or key in self.model.items:
                continue
            deletions += 1
            tomb = DeletedFinalStateUnknown(key, self.known.items[key])
            self.model.action(DeltaType.DELETED, tomb, key)
        if not self.model.populated:
            self.model.populated = True
            self.model.initial = len(keys) + deletions

    @rule()
    def resync(self) -> None:
        self.fifo.resync()
        for key, o in list(self.known.items.items()):
            if key not in self.model.items:
                self.model.action(DeltaType.SYNC, o, key)

    @precondition(lambda self: self.model.queue)
    @rule()
    def pop(self) -> None:
        expected_initial = not (self.model.populated and self.model.initial == 0)
        key = self.model.queue.pop(0)
        if self.model.initial > 0:
            self.model.initial -= 1
        expected = self.model.items.pop(key)
        seen: list[bool] = []

        def process(d: Deltas, initial: bool) -> None:
            seen.append(initial)
            self.known.apply(d)

        got = self.fifo.pop_nowait(process)
        assert got == expected
        assert seen == [expected_initial]

    @invariant()
    def matches_model(self) -> None:
        assert self.fifo.list_keys() == self.model.queue
        for key in self.model.queue:
            assert self.fifo.get_by_key(key) == self.model.items[key]
        assert self.fifo.has_synced() == (self.model.populated and self.model.initial == 0)

    @invariant()
    def structural_invariants(self) -> None:
        keys = self.fifo.list_keys()
        assert len(keys) == len(set(keys)), "a key is queued at most once"
        assert set(keys) == set(self.fifo._items), "queued iff it has deltas"
        for key in keys:
            d = self.fifo.get_by_key(key)
            assert d, "queued deltas are never empty"
            for a, b in itertools.pairwise(d):
                assert not (a.type is b.type is DeltaType.DELETED), "deletions are deduplicated"


DeltaFIFOMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None
)
test_delta_fifo_state_machine = DeltaFIFOMachine.TestCase
