"""sqlite-specific guarantees: durability across kill -9 (single and grouped commits), reopening,
WAL mode, automatic and explicit compaction of the revision log, paged history replay, writes of
other processes reaching watchers, concurrent readers during writes, clear errors for bad input,
group commit (shared transactions, read-your-writes in the group, refused writes, commits forced
by other writers, a failed commit rolling the group back, the size cap) and background
checkpoints."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from kcore.api.errors import AlreadyExists, Conflict, Expired, NotFound, ServiceUnavailable
from kcore.storage import sqlite as sqlite_module
from kcore.storage.sqlite import SqliteStore
from kcore.util.clock import VirtualClock

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

HERE = Path(__file__).parent
PODS = "/registry/pods/"


def key(i: int | str, ns: str = "default") -> str:
    return f"/registry/pods/{ns}/p{i}"


def rv(obj: Mapping[str, Any]) -> int:
    return int(obj["metadata"]["resourceVersion"])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "kcore.sqlite"


@pytest.fixture
def opened() -> Iterator[list[SqliteStore]]:
    stores: list[SqliteStore] = []
    yield stores
    for s in stores:
        s.close()


def open_store(opened: list[SqliteStore], path: Path, **options: Any) -> SqliteStore:
    s = SqliteStore(path, **options)
    opened.append(s)
    return s


@pytest.mark.parametrize("mode", ["single", "group"])
def test_acknowledged_writes_survive_kill_9(db: Path, opened: list[SqliteStore], mode: str) -> None:
    """Each write its own transaction, or eight concurrent writers sharing group commits."""
    db.parent.mkdir()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    acked: list[tuple[str, int, int]] = []
    with subprocess.Popen(
        [sys.executable, str(HERE / "_crash_writer.py"), str(db), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as child:
        assert child.stdout is not None
        assert child.stderr is not None
        try:
            while len(acked) < 400:
                line = child.stdout.readline()
                if not line:
                    break
                kind, i, rev = line.split()
                acked.append((kind, int(i), int(rev)))
            os.kill(child.pid, signal.SIGKILL)  # mid-stream: the child is still writing
            child.wait(30)
            for line in child.stdout:  # acknowledged before the kill landed
                kind, i, rev = line.split()
                acked.append((kind, int(i), int(rev)))
            errors = child.stderr.read()
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(30)
    assert child.returncode == -signal.SIGKILL
    assert len(acked) >= 400, errors

    store = open_store(opened, db)
    assert store.revision >= max(rev for _, _, rev in acked)
    final: dict[int, tuple[str, int]] = {}
    for kind, i, rev in acked:
        final[i] = (kind, rev)
    if mode == "group":  # concurrent writers: any order of i, each still durable
        acked.sort(key=lambda a: a[2])
        final = {i: (kind, rev) for kind, i, rev in acked}
    for i, (kind, rev) in final.items():
        obj = store.get(key(i, "crash"))
        assert rv(obj) >= rev
        if kind == "U":
            assert obj["spec"] == {"n": -i}
        elif i % 3:
            assert obj["spec"] == {"n": i, "pad": "x" * 200}
        else:  # its update may have committed without being reported before the kill
            assert obj["spec"]["n"] in (i, -i)
    after = store.create(key("after", "crash"), {"metadata": {"name": "after"}})
    assert rv(after) == store.revision > max(rev for _, _, rev in acked)


def test_reopen_recovers_revision_data_and_compaction(db: Path, opened: list[SqliteStore]) -> None:
    db.parent.mkdir()
    first = open_store(opened, db)
    for i in range(20):
        first.create(key(i), {"metadata": {"name": f"p{i}"}})
    first.delete(key(19))
    first.compact(first.revision - 5)
    rev, compacted = first.revision, first.compacted_revision
    first.close()
    again = open_store(opened, db)
    assert again.revision == rev
    assert again.compacted_revision == compacted
    assert len(again.list(PODS).items) == 19
    with pytest.raises(Expired):
        again.list(PODS, revision=compacted - 1)
    assert rv(again.create(key(19), {"metadata": {"name": "p19"}})) == rev + 1


def test_compaction_to_the_newest_deletion_keeps_the_revision(
    db: Path, opened: list[SqliteStore]
) -> None:
    db.parent.mkdir()
    store = open_store(opened, db)
    store.create(key(1), {"metadata": {}})
    gone = store.delete(key(1))
    store.compact(rv(gone))
    store.close()
    again = open_store(opened, db)
    assert again.revision == rv(gone)
    assert again.list(PODS).items == []


def test_database_is_in_wal_mode_with_the_requested_sync(
    db: Path, opened: list[SqliteStore]
) -> None:
    db.parent.mkdir()
    open_store(opened, db, synchronous="full").create(key(1), {"metadata": {}})
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        cols = [r[1] for r in conn.execute("PRAGMA table_info(kv_log)")]
    assert cols == [
        "revision",
        "key",
        "value",
        "create_revision",
        "mod_revision",
        "deleted",
        "prev_revision",
    ]
    with pytest.raises(ValueError, match="synchronous must be"):
        SqliteStore(db, synchronous="sometimes")


def _log_rows(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM kv_log").fetchone()[0])


def test_automatic_compaction_by_revisions_bounds_the_log(
    db: Path, opened: list[SqliteStore]
) -> None:
    db.parent.mkdir()
    store = open_store(opened, db, history_revisions=100, history_seconds=0)
    for i in range(10):
        store.create(key(i), {"metadata": {"name": f"p{i}"}, "n": 0})
    for n in range(1, 300):
        store.update(key(n % 10), {"metadata": {"name": f"p{n % 10}"}, "n": n})
    assert store.compacted_revision >= store.revision - 100 - 256
    assert store.compacted_revision > 0
    assert _log_rows(db) <= 10 + 100 + 256
    items = store.list(PODS).items
    assert sorted(o["n"] for o in items) == list(range(290, 300))
    with pytest.raises(Expired):
        store.list(PODS, revision=1)


def test_automatic_compaction_by_age_follows_the_clock(db: Path, opened: list[SqliteStore]) -> None:
    db.parent.mkdir()
    clock = VirtualClock()
    store = open_store(opened, db, clock=clock, history_revisions=0, history_seconds=60)
    for i in range(300):
        store.create(key(i), {"metadata": {}})
    assert store.compacted_revision == 0, "nothing is old yet"
    old = store.revision
    clock.step(61)
    for i in range(300, 900):
        store.create(key(i), {"metadata": {}})
    assert 0 < store.compacted_revision <= old
    assert len(store.list(PODS).items) == 900


def test_compaction_keeps_the_current_state_and_later_history(
    db: Path, opened: list[SqliteStore]
) -> None:
    db.parent.mkdir()
    store = open_store(opened, db, history_revisions=0, history_seconds=0)
    for i in range(50):
        store.create(key(i), {"metadata": {}, "v": 0})
    for i in range(0, 50, 2):
        store.update(key(i), {"metadata": {}, "v": 1})
    for i in range(0, 50, 5):
        store.delete(key(i))
    mid = store.revision
    store.update(key(1), {"metadata": {}, "v": 2})
    before = store.list(PODS, revision=mid).items
    store.compact(mid)
    assert store.list(PODS, revision=mid).items == before
    current = {o["metadata"]["resourceVersion"]: o["v"] for o in store.list(PODS).items}
    assert len(current) == 40
    assert sorted(current.values()).count(1) == 20
    assert _log_rows(db) == 40 + 1  # one live row per key, plus the update after `mid`


def test_history_replay_spans_several_pages(
    db: Path, opened: list[SqliteStore], run: Callable, collect: Callable
) -> None:
    db.parent.mkdir()
    store = open_store(opened, db)
    start = store.revision
    for i in range(2300):
        store.create(key(i, "ns" if i % 2 else "default"), {"metadata": {}})

    async def main() -> None:
        w = store.watch("/registry/pods/ns/", from_revision=start)
        events = await collect(w, 1150)
        assert [e.revision for e in events] == list(range(start + 2, start + 2301, 2))
        store.create(key("live", "ns"), {"metadata": {}})
        (ev,) = await collect(w, 1)
        assert ev.key == key("live", "ns")
        w.stop()

    run(main())


def test_history_compacted_before_replay_ends_the_watch_with_expired(
    db: Path, opened: list[SqliteStore], run: Callable, collect: Callable
) -> None:
    db.parent.mkdir()
    store = open_store(opened, db)
    start = store.revision
    for i in range(10):
        store.create(key(i), {"metadata": {}})

    async def main() -> None:
        w = store.watch(PODS, from_revision=start)
        store.compact(store.revision)
        with pytest.raises(Expired, match=f"too old resource version: {start}"):
            await collect(w, 1)

    run(main())


def test_writes_of_another_process_reach_watchers(
    db: Path, opened: list[SqliteStore], run: Callable
) -> None:
    db.parent.mkdir()
    store = open_store(opened, db, poll_interval=0.01)
    store.create(key("mine"), {"metadata": {}})

    async def main() -> None:
        w = store.watch("/registry/pods/crash/", from_revision=store.revision)
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            str(HERE / "_crash_writer.py"),
            str(db),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            it = aiter(w)
            seen = [await asyncio.wait_for(anext(it), 20) for _ in range(30)]
        finally:
            child.kill()
            await child.wait()
        assert seen[0].key == "/registry/pods/crash/p0"
        assert seen[0].type == "ADDED"
        revs = [e.revision for e in seen]
        assert revs == sorted(revs)
        assert len(set(revs)) == len(revs)
        # A write of our own after the other process's writes is delivered after them.
        w.stop()

    run(main())


def test_readers_see_consistent_snapshots_while_a_writer_runs(
    db: Path, opened: list[SqliteStore]
) -> None:
    db.parent.mkdir()
    store = open_store(opened, db)
    base = store.revision
    done = threading.Event()
    bad: list[str] = []

    def writer() -> None:
        for i in range(400):
            store.create(key(i), {"metadata": {}})
        done.set()

    def reader() -> None:
        while not done.is_set():
            res = store.list(PODS)
            if len(res.items) != res.revision - base:
                bad.append(f"{len(res.items)} items at revision {res.revision}")
            if any(rv(o) > res.revision for o in res.items):
                bad.append("an item newer than its list")

    threads = [
        threading.Thread(target=writer),
        *(threading.Thread(target=reader) for _ in range(3)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert bad == []
    assert len(store.list(PODS).items) == 400


def test_bad_input_is_rejected_without_writing(db: Path, opened: list[SqliteStore]) -> None:
    db.parent.mkdir()
    store = open_store(opened, db)
    rev = store.revision
    with pytest.raises(TypeError, match=r"object for '/registry/pods/default/p1' is not JSON"):
        store.create(key(1), {"metadata": {}, "when": object()})
    with pytest.raises(TypeError, match="not JSON-serialisable"):
        store.create(key(1), {"metadata": {}, "x": float("nan")})
    assert store.revision == rev
    store.close()
    with pytest.raises(RuntimeError, match="is closed"):
        store.get(key(1))


def test_values_are_stored_as_json_writes_them(db: Path, opened: list[SqliteStore]) -> None:
    """orjson writes, the standard library decides where they differ: nulls stay nulls,
    tuples become lists, integer keys strings; NaN and infinity are refused, as above."""
    db.parent.mkdir()
    store = open_store(opened, db)
    obj = {
        "metadata": {"name": "p1"},
        "status": {"conditions": [{"lastProbeTime": None, "ok": True}]},
        "pair": (1, "two"),
        "ints": {1: "one"},
        "big": 2**70,
        "text": "héllo \u2603 null",
    }
    store.create(key(1), obj)
    store.close()
    store = open_store(opened, db)
    got = store.get(key(1))
    assert got["status"] == {"conditions": [{"lastProbeTime": None, "ok": True}]}
    assert (got["pair"], got["ints"], got["text"]) == ([1, "two"], {"1": "one"}, obj["text"])
    assert got["big"] == 2**70  # read back as a float, as Kubernetes reads such a number
    with pytest.raises(TypeError, match="not JSON-serialisable"):
        store.create(key(2), {"metadata": {}, "a": [None, {"b": float("-inf")}]})
    assert store.revision == 1


def test_unopenable_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ServiceUnavailable, match="cannot open sqlite store"):
        SqliteStore(tmp_path / "missing-dir" / "db.sqlite")


# -- group commit -------------------------------------------------------------------------------


def deferred(store: SqliteStore, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a store method inside ``deferred_commits`` (as the APIServer does)."""
    token = store.deferred_commits()
    try:
        return fn(*args, **kwargs)
    finally:
        store.end_deferred_commits(token)


def test_group_commit_shares_one_transaction_and_completes_after_it(
    db: Path, opened: list[SqliteStore], run: Callable
) -> None:
    db.parent.mkdir()
    store = open_store(opened, db)
    other = open_store(opened, db)  # another process's view of the file
    base = store.revision

    async def main() -> None:
        w = store.watch(PODS, from_revision=base)
        created = [deferred(store, store.create, key(i), {"metadata": {}}) for i in range(5)]
        assert [rv(o) for o in created] == list(range(base + 1, base + 6))
        # This thread sees the group (reads go through the open transaction) ...
        assert store.revision == base + 5
        assert rv(store.get(key(4))) == base + 5
        assert len(store.list(PODS).items) == 5
        # ... nobody else does before the commit, not even this store on another thread.
        assert other.revision == base
        seen: list[int] = []
        reader = threading.Thread(target=lambda: seen.append(store.revision))
        reader.start()
        reader.join(10)  # without yielding to the loop, which would commit the group
        assert seen == [base]
        pending = store.commit_pending()
        assert pending is not None
        assert store.commit_pending() is pending
        await pending
        assert store.commit_pending() is None
        assert other.revision == base + 5
        assert [e.revision for e in await _events(w, 5)] == list(range(base + 1, base + 6))
        w.stop()

    run(main())


async def _events(w: Any, n: int) -> list[Any]:
    it = aiter(w)
    return [await asyncio.wait_for(anext(it), 10) for _ in range(n)]


def test_read_modify_write_in_a_group_sees_its_own_writes(
    db: Path, opened: list[SqliteStore], run: Callable
) -> None:
    db.parent.mkdir()
    store = open_store(opened, db)

    async def main() -> None:
        deferred(store, store.create, key(1), {"metadata": {}, "n": 0})
        for _ in range(3):  # would loop forever on a stale read of the committed state
            deferred(store, store.guaranteed_update, key(1), lambda cur: {**cur, "n": cur["n"] + 1})
        assert store.get(key(1))["n"] == 3
        pending = store.commit_pending()
        assert pending is not None
        await pending
        assert store.get(key(1))["n"] == 3

    run(main())


def test_refused_writes_leave_the_group_intact(
    db: Path, opened: list[SqliteStore], run: Callable
) -> None:
    db.parent.mkdir()
    store = open_store(opened, db)
    other = open_store(opened, db)
    base = store.revision

    async def main() -> None:
        first = deferred(store, store.create, key(1), {"metadata": {}})
        with pytest.raises(AlreadyExists):
            deferred(store, store.create, key(1), {"metadata": {}})
        with pytest.raises(Conflict):
            deferred(store, store.update, key(1), {"metadata": {}}, expected_revision=base)
        with pytest.raises(NotFound):
            deferred(store, store.delete, key(9))
        second = deferred(store, store.create, key(2), {"metadata": {}})
        assert (rv(first), rv(second)) == (base + 1, base + 2)
        pending = store.commit_pending()
        assert pending is not None
        await pending
        assert {o["metadata"]["resourceVersion"] for o in other.list(PODS).items} == {
            str(base + 1),
            str(base + 2),
        }

    run(main())


def test_writes_outside_the_group_commit_it_first(
    db: Path, opened: list[SqliteStore], run: Callable
) -> None:
    db.parent.mkdir()
    store = open_store(opened, db)
    other = open_store(opened, db)
    base = store.revision

    async def main() -> None:
        deferred(store, store.create, key(1), {"metadata": {}})
        pending = store.commit_pending()
        assert pending is not None
        store.create(key(2), {"metadata": {}})  # not deferred: commits before returning
        assert other.revision == base + 2
        await pending
        deferred(store, store.create, key(3), {"metadata": {}})
        pending = store.commit_pending()
        assert pending is not None
        # Another thread (no loop there) writes: it commits the group as well.
        await asyncio.to_thread(deferred, store, store.create, key(4), {"metadata": {}})
        assert other.revision == base + 4
        await asyncio.wait_for(pending, 10)
        assert store.commit_pending() is None

    run(main())


def test_deferred_writes_without_a_loop_commit_at_once(db: Path, opened: list[SqliteStore]) -> None:
    db.parent.mkdir()
    store = open_store(opened, db)
    other = open_store(opened, db)
    deferred(store, store.create, key(1), {"metadata": {}})
    assert store.commit_pending() is None
    assert other.revision == store.revision == 1


class _FailingCommit:
    """Wraps the write connection; its next COMMIT fails as a full disk would."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.fail = True

    def execute(self, sql: str, *args: Any) -> Any:
        if sql == "COMMIT" and self.fail:
            self.fail = False
            raise sqlite3.OperationalError("database or disk is full")
        return self.conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


def test_failed_commit_rolls_the_group_back_and_fails_its_waiters(
    db: Path, opened: list[SqliteStore], run: Callable
) -> None:
    db.parent.mkdir()
    store = open_store(opened, db)
    base = store.revision
    real = store._wconn

    async def main() -> None:
        w = store.watch(PODS, from_revision=base)
        store._wconn = _FailingCommit(real)  # type: ignore[assignment]
        deferred(store, store.create, key(1), {"metadata": {}, "v": "lost"})
        deferred(store, store.create, key(2), {"metadata": {}, "v": "lost"})
        pending = store.commit_pending()
        assert pending is not None
        with pytest.raises(ServiceUnavailable, match="commit failed: database or disk is full"):
            await pending
        store._wconn = real
        assert store.revision == base
        with pytest.raises(NotFound):
            store.get(key(1))
        # The revisions are used again, by different objects: nothing stale is served.
        again = store.create(key(3), {"metadata": {}, "v": "kept"})
        assert rv(again) == base + 1
        assert store.get(key(3))["v"] == "kept"
        (event,) = await _events(w, 1)
        assert (event.key, event.revision) == (key(3), base + 1)
        w.stop()

    run(main())


def test_a_full_group_is_committed_without_waiting_for_the_loop(
    db: Path, opened: list[SqliteStore], run: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_module, "MAX_GROUP_WRITES", 3)
    db.parent.mkdir()
    store = open_store(opened, db)
    other = open_store(opened, db)

    async def main() -> None:
        for i in range(3):
            deferred(store, store.create, key(i), {"metadata": {}})
        assert other.revision == 3
        assert store.commit_pending() is None
        deferred(store, store.create, key(3), {"metadata": {}})
        assert other.revision == 3
        pending = store.commit_pending()
        assert pending is not None
        await pending
        assert other.revision == 4

    run(main())


def test_checkpoints_run_in_the_background(
    db: Path, opened: list[SqliteStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_module, "_CHECKPOINT_BYTES", 1)
    monkeypatch.setattr(sqlite_module, "_CHECKPOINT_CHECK_EVERY", 1)
    db.parent.mkdir()
    store = open_store(opened, db)
    assert store._wconn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    size = db.stat().st_size
    for i in range(200):
        store.create(key(i), {"metadata": {}, "pad": "x" * 1000})
    assert store._ckpt_thread is not None
    done = threading.Event()
    for _ in range(500):  # the checkpointer copies the WAL into the database file
        if db.stat().st_size > size + 100_000:
            done.set()
            break
        store._ckpt_wake.set()
        done.wait(0.01)
    assert done.is_set()
    store.close()
    assert not store._ckpt_thread.is_alive()
