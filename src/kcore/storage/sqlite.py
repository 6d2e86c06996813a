"""The sqlite backend: the embedded default, one database file in WAL mode.

Schema
------
``kv_log``
    The MVCC revision log, one row per write: ``revision`` (primary key), ``key``, ``value``
    (the object as compact JSON without ``metadata.resourceVersion``; NULL for a deletion),
    ``create_revision``, ``mod_revision`` (= ``revision``), ``deleted`` and ``prev_revision``
    (the row this write superseded, NULL for a creation). Indexed by ``(key, revision)``.
``kv``
    The current state: ``key`` -> ``revision`` of its live row in ``kv_log``.
``meta``
    ``compacted`` (the compacted revision) and ``schema``.

The current revision is ``max(kv_log.revision)``: compaction never removes the newest row, so
reopening a database (or a second store on it) recovers the counter without extra state.

Durability: every write is one transaction. In WAL mode with ``synchronous=NORMAL`` a commit
has been written to the WAL file (the OS page cache) before ``create``/``update``/``delete``
return, so an acknowledged write survives ``kill -9`` of the process; only an operating-system
crash or power loss may lose the last transactions (never corrupting the file).
``synchronous=full`` also fsyncs each commit, surviving power loss at a cost in write rate.

Concurrency: writes are serialised by one lock per store (and across processes by sqlite's
write lock, ``BEGIN IMMEDIATE``); reads use one connection per thread and run concurrently with
writes on their own snapshot. Watch events of this store's writes are dispatched right after the
commit, under the write lock; writes made by other stores or processes on the same file are
picked up by a poll of ``PRAGMA data_version`` every ``poll_interval`` seconds of the store's
:class:`~kcore.util.clock.Clock` while watchers exist, and are always dispatched in revision
order before this store's next write.

Decoded objects are cached by revision (they are immutable by contract), so a hot object is
parsed once however often it is read or watched.

Group commit
------------
A server answering many concurrent requests can let their writes share transactions: inside
:meth:`SqliteStore.deferred_commits` (a context the APIServer opens around each request's
registry call), a write made on a thread running an asyncio event loop joins the *open group*,
one write transaction that is committed at the next turn of that loop (or at once when it
holds :data:`MAX_GROUP_WRITES` writes). The writer must then ``await`` the future of
:meth:`SqliteStore.commit_pending` before it acknowledges anything: the future completes once
the group is committed, or fails (``ServiceUnavailable``) when the commit failed and the whole
group was rolled back. So "acknowledged" still means "in the WAL", and watchers receive a
group's events only after its commit. While a group is open, reads on its thread go through
the write connection (a request sees its own and earlier requests' writes; a read-modify-write
never loops on a stale read), other threads read the committed state. Writes outside such a
context, or on a thread without a running loop, commit before they return (joining and thereby
committing an open group first). Logical failures (``AlreadyExists``, ``Conflict``,
``NotFound``) are detected before a write modifies anything and never disturb a group.

Checkpoints (copying the WAL into the database file, with an fsync of each) run on a
background thread once the WAL holds ~4 MiB, so writers never wait for them; a writer runs one
itself only if the WAL outgrows 64 MiB (the background thread cannot keep up).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import orjson

from kcore.api.errors import ServiceUnavailable
from kcore.storage._base import (
    DEFAULT_WATCH_BUFFER,
    Retention,
    already_exists,
    bookmark,
    check_key,
    check_prefix,
    check_revision,
    conflict,
    expired,
    guaranteed_update,
    not_found,
    stamp,
    stamp_owned,
    too_large,
    unstamped,
)
from kcore.storage._watch import HistoryPage, StoreWatcher, WatchHub
from kcore.storage.interface import ListResult, WatchEvent, prefix_range_end

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from kcore.util.clock import Clock

log = logging.getLogger("kcore.storage.sqlite")

SCHEMA_VERSION: Final = 1
DEFAULT_HISTORY_REVISIONS: Final = 100_000
DEFAULT_HISTORY_SECONDS: Final = 300.0
DEFAULT_POLL_INTERVAL: Final = 0.05
DEFAULT_CACHE_SIZE: Final = 16_384
_PAGE: Final = 1_000  # history rows replayed per read
_COMPACT_CHUNK: Final = 5_000  # revisions compacted per transaction
MAX_GROUP_WRITES: Final = 512
"""Writes in one deferred group before it is committed without waiting for the loop."""
_CHECKPOINT_BYTES: Final = 4 << 20  # WAL size that triggers a background checkpoint
_CHECKPOINT_HARD_BYTES: Final = 64 << 20  # WAL size at which a writer checkpoints itself
_CHECKPOINT_CHECK_EVERY: Final = 64  # commits between WAL size checks

# Set (by deferred_commits) while writes may join the open group of their loop's thread.
_DEFER: Final[contextvars.ContextVar[bool]] = contextvars.ContextVar(
    "kcore_sqlite_defer_commits", default=False
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv_log (
    revision INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    value TEXT,
    create_revision INTEGER NOT NULL,
    mod_revision INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    prev_revision INTEGER
);
CREATE INDEX IF NOT EXISTS kv_log_key_revision ON kv_log (key, revision);
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (name, value) VALUES ('schema', 1), ('compacted', 0);
"""

_EVENT_COLUMNS = (
    "SELECT l.revision, l.key, l.value, l.deleted, p.revision, p.value "
    "FROM kv_log l LEFT JOIN kv_log p ON p.revision = l.prev_revision "
)

_Row = tuple[int, str, str | None, int, int | None, str | None]
_Events = list[WatchEvent]


def _encode(key: str, obj: Mapping[str, Any]) -> str:
    """Compact JSON text of ``obj`` without its resourceVersion. orjson does the work; the
    standard library handles what orjson writes differently or refuses (NaN/infinity, which
    orjson would write as ``null``; integers beyond 64 bits; non-string keys; tuples) and
    gives the error text."""
    value = unstamped(obj, key)
    try:
        data = orjson.dumps(value)
        # A NaN would have become null: a null that does not read back as the value's None
        # (compared in C, much cheaper than walking the object) goes to the check below.
        if b"null" not in data or orjson.loads(data) == value:
            return data.decode()
    except orjson.JSONEncodeError:
        pass
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as err:
        msg = f"object for {key!r} is not JSON-serialisable: {err}"
        raise TypeError(msg) from err


def _loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)  # written by an older version: anything json accepted


class SqliteStore:
    """An MVCC store in one sqlite file (see the module docstring and
    :class:`~kcore.storage.interface.Store` for the contract).

    Parameters
    ----------
    path
        The database file; created (with its directory's WAL and shm files) if missing.
    clock
        Drives time-based history retention and the cross-process poll (default
        ``RealClock``).
    synchronous
        ``"normal"`` (survives process crashes) or ``"full"`` (also power loss).
    history_revisions, history_seconds
        Automatic compaction: history older than this many revisions, or older than this many
        seconds, is dropped (0 disables a limit; both 0 disables automatic compaction).
    watch_buffer
        Events a watcher may have waiting before it is ended with ``Expired``.
    poll_interval
        Seconds between checks for writes by other stores on the file while watchers exist
        (0 disables them: then only this store's writes reach its watchers).
    cache_size
        Decoded objects kept (by revision) to avoid re-parsing hot objects.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Clock | None = None,
        synchronous: str = "normal",
        history_revisions: int = DEFAULT_HISTORY_REVISIONS,
        history_seconds: float = DEFAULT_HISTORY_SECONDS,
        watch_buffer: int = DEFAULT_WATCH_BUFFER,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        if synchronous not in ("normal", "full"):
            msg = f"synchronous must be 'normal' or 'full', got {synchronous!r}"
            raise ValueError(msg)
        if watch_buffer < 1:
            msg = f"watch_buffer must be >= 1, got {watch_buffer}"
            raise ValueError(msg)
        if poll_interval < 0 or cache_size < 0:
            msg = f"poll_interval and cache_size must be >= 0, got {poll_interval}, {cache_size}"
            raise ValueError(msg)
        if clock is None:
            from kcore.util.clock import RealClock

            clock = RealClock()
        self.path = Path(path)
        self._wal_path = self.path.with_name(self.path.name + "-wal")
        self._clock = clock
        self._synchronous = synchronous.upper()
        self._watch_buffer = watch_buffer
        self._poll_interval = poll_interval
        self._retention = Retention(
            revisions=history_revisions, seconds=history_seconds, clock=clock
        )
        self._closed = False
        # _wlock orders writes, dispatch, watch registration and compaction of this store.
        self._wlock = threading.Lock()
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        try:
            self._wconn = self._connect()
            self._wconn.execute("PRAGMA journal_mode=WAL").fetchone()
            self._wconn.executescript(_SCHEMA)
        except sqlite3.Error as err:
            self._close_conns()
            msg = f"cannot open sqlite store {str(self.path)!r}: {err}"
            raise ServiceUnavailable(msg) from err
        schema = self._wconn.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
        if schema[0] != SCHEMA_VERSION:
            self._close_conns()
            msg = f"{self.path}: unsupported schema version {schema[0]} (expected {SCHEMA_VERSION})"
            raise ValueError(msg)
        self._hub = WatchHub()
        # _dispatched: every write with a revision <= _dispatched has been offered to the hub
        # (meaningful while the hub is active; refreshed when the first watcher registers).
        self._dispatched = self._max_revision(self._wconn)
        # _compacted_hint: the compacted revision as this store last saw it (may lag others).
        self._compacted_hint = self._compacted(self._wconn)
        self._cache: dict[int, Mapping[str, Any]] = {}
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        self._poll_task: asyncio.Task[None] | None = None
        self._data_version = -1
        # The write transaction (all under _wlock). _txn: BEGIN IMMEDIATE is open on _wconn;
        # _txn_rev: the newest revision in the database as the transaction sees it;
        # _txn_events: events to dispatch after the commit (other stores' writes first);
        # _txn_revs: revisions written (and cached) in the transaction, forgotten on rollback.
        self._txn = False
        self._txn_rev = 0
        self._txn_events: _Events = []
        self._txn_revs: list[int] = []
        # A deferred group is an open transaction left open by deferred writes (_group_thread is
        # then its loop's thread); _group_waiter completes at its commit; _group_handle is the
        # commit scheduled on _group_loop.
        self._group_thread: int | None = None
        self._group_loop: asyncio.AbstractEventLoop | None = None
        self._group_handle: asyncio.Handle | None = None
        self._group_waiter: asyncio.Future[None] | None = None
        # Checkpoints: our connection never checkpoints on commit; _checkpointer does.
        self._wconn.execute("PRAGMA wal_autocheckpoint=0").fetchone()
        self._commits = 0
        self._ckpt_wake = threading.Event()
        self._ckpt_thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    # -- connections ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        with self._conns_lock:
            self._conns.append(conn)
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self._check_open()
            conn = self._local.conn = self._connect()
        return conn

    def _close_conns(self) -> None:
        with self._conns_lock:
            conns, self._conns = self._conns, []
        for c in conns:
            c.close()

    def _is_closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            msg = f"the sqlite store {str(self.path)!r} is closed"
            raise RuntimeError(msg)

    @staticmethod
    def _max_revision(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT max(revision) FROM kv_log").fetchone()
        return int(row[0] or 0)

    @staticmethod
    def _compacted(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT value FROM meta WHERE name = 'compacted'").fetchone()[0])

    # -- decoding ------------------------------------------------------------------------------

    def _decode(self, text: str, revision: int) -> Mapping[str, Any]:
        cache = self._cache
        obj = cache.get(revision)
        if obj is None:
            obj = stamp_owned(_loads(text), revision)
            self._remember(revision, obj)
        return obj

    def _remember(self, revision: int, obj: Mapping[str, Any]) -> None:
        cache = self._cache
        if not self._cache_size:
            return
        cache[revision] = obj
        if len(cache) > self._cache_size:
            with self._cache_lock:
                for old in list(cache)[: self._cache_size // 8 or 1]:
                    cache.pop(old, None)

    def _event(self, row: _Row) -> WatchEvent:
        rev, key, value, deleted, prev_rev, prev_value = row
        prev = (
            None if prev_value is None or prev_rev is None else self._decode(prev_value, prev_rev)
        )
        if deleted:
            last = stamp(prev if prev is not None else {}, rev, key)
            return WatchEvent("DELETED", key, last, rev, prev)
        assert value is not None
        obj = self._decode(value, rev)
        return WatchEvent("ADDED" if prev is None else "MODIFIED", key, obj, rev, prev)

    # -- reads ---------------------------------------------------------------------------------

    def _in_group(self) -> bool:
        """Whether this thread has a deferred group open (then it reads through _wconn)."""
        return self._group_thread is not None and self._group_thread == threading.get_ident()

    @property
    def revision(self) -> int:
        self._check_open()
        if self._in_group():
            with self._wlock:
                if self._in_group():
                    return self._txn_rev
        return self._max_revision(self._reader())

    @property
    def compacted_revision(self) -> int:
        self._check_open()
        return self._compacted(self._reader())

    def get(self, key: str) -> Mapping[str, Any]:
        check_key(key)
        self._check_open()
        if self._in_group():
            with self._wlock:
                row = self._get_row(self._wconn if self._in_group() else self._reader(), key)
        else:
            row = self._get_row(self._reader(), key)
        if row is None:
            raise not_found(key)
        return self._decode(row[1], row[0])

    @staticmethod
    def _get_row(conn: sqlite3.Connection, key: str) -> tuple[int, str] | None:
        row: tuple[int, str] | None = conn.execute(
            "SELECT l.revision, l.value FROM kv CROSS JOIN kv_log l "
            "ON l.revision = kv.revision WHERE kv.key = ?",
            (key,),
        ).fetchone()
        return row

    def list(
        self,
        prefix: str,
        *,
        revision: int | None = None,
        limit: int = 0,
        start_after: str | None = None,
    ) -> ListResult:
        check_prefix(prefix)
        check_revision("revision", revision)
        check_revision("limit", limit)
        self._check_open()
        if self._in_group():
            with self._wlock:
                if self._in_group():  # inside the open transaction: no BEGIN of our own
                    return self._list(self._wconn, prefix, revision, limit, start_after)
        conn = self._reader()
        conn.execute("BEGIN")
        try:
            return self._list(conn, prefix, revision, limit, start_after)
        finally:
            conn.execute("COMMIT")

    def _list(
        self,
        conn: sqlite3.Connection,
        prefix: str,
        revision: int | None,
        limit: int,
        start_after: str | None,
    ) -> ListResult:
        hi = prefix_range_end(prefix)
        assert hi is not None
        if start_after is not None and start_after >= prefix:
            lo, op = start_after, ">"
        else:
            lo, op = prefix, ">="
        cur = self._max_revision(conn)
        if not revision or revision == cur:
            at = cur
            rows = conn.execute(
                "SELECT kv.key, l.revision, l.value FROM kv CROSS JOIN kv_log l "
                f"ON l.revision = kv.revision WHERE kv.key {op} ? AND kv.key < ? "
                "ORDER BY kv.key LIMIT ?",
                (lo, hi, limit or -1),
            ).fetchall()
            remaining = 0
            if limit and len(rows) == limit:
                remaining = conn.execute(
                    "SELECT count(*) FROM kv WHERE key > ? AND key < ?", (rows[-1][0], hi)
                ).fetchone()[0]
        else:
            if revision > cur:
                raise too_large(revision, cur)
            compacted = self._compacted(conn)
            if revision < compacted:
                raise expired(revision, compacted)
            at = revision
            history = (
                "SELECT key, max(revision) AS revision, value, deleted FROM kv_log "
                "WHERE key {op} ? AND key < ? AND revision <= ? GROUP BY key"
            )
            rows = conn.execute(
                f"SELECT key, revision, value FROM ({history.format(op=op)}) "
                "WHERE deleted = 0 ORDER BY key LIMIT ?",
                (lo, hi, at, limit or -1),
            ).fetchall()
            remaining = 0
            if limit and len(rows) == limit:
                remaining = conn.execute(
                    f"SELECT count(*) FROM ({history.format(op='>')}) WHERE deleted = 0",
                    (rows[-1][0], hi, at),
                ).fetchone()[0]
        items = [self._decode(value, rev) for _, rev, value in rows]
        return ListResult(items, at, rows[-1][0] if remaining else None, int(remaining))

    # -- writes ---------------------------------------------------------------------------------

    def deferred_commits(self) -> contextvars.Token[bool]:
        """Let writes made from now on in this context join the open group of their thread's
        event loop (see "Group commit" in the module docstring); undo with
        :meth:`end_deferred_commits`. Whoever opens the context must ``await``
        :meth:`commit_pending` before acknowledging anything it read or wrote."""
        return _DEFER.set(True)

    @staticmethod
    def end_deferred_commits(token: contextvars.Token[bool]) -> None:
        """Close a context opened by :meth:`deferred_commits`."""
        _DEFER.reset(token)

    def commit_pending(self) -> asyncio.Future[None] | None:
        """``None`` when this thread has no group open (everything it wrote or read is
        committed), else a future that completes when the group is committed, or fails with
        ``ServiceUnavailable`` when its commit failed (the group was rolled back)."""
        if not self._in_group():
            return None
        with self._wlock:
            if not self._in_group():
                return None
            fut = self._group_waiter
            if fut is None:
                assert self._group_loop is not None
                fut = self._group_waiter = self._group_loop.create_future()
            return fut

    def _begin(self) -> sqlite3.Connection:
        """Open the write transaction if none is open (write lock held)."""
        conn = self._wconn
        if self._txn:
            return conn
        self._check_open()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            msg = f"sqlite store {str(self.path)!r} is busy: {err}"
            raise ServiceUnavailable(msg) from err
        self._txn = True
        try:
            rev = self._max_revision(conn)
            # Writes made by other stores since our last dispatch are dispatched first.
            if self._hub.active and self._dispatched < rev:
                self._txn_events = self._read_events(conn, self._dispatched, rev)
        except BaseException:
            self._rollback()
            raise
        self._txn_rev = rev
        return conn

    def _read_events(self, conn: sqlite3.Connection, after: int, upto: int) -> _Events:
        rows = conn.execute(
            _EVENT_COLUMNS + "WHERE l.revision > ? AND l.revision <= ? ORDER BY l.revision",
            (after, upto),
        ).fetchall()
        return [self._event(r) for r in rows]

    def _wrote(self, rev: int, event: WatchEvent | None, new: Mapping[str, Any] | None) -> None:
        """Record a write made in the transaction (write lock held)."""
        self._txn_rev = rev
        self._txn_revs.append(rev)
        if new is not None:
            self._remember(rev, new)
        if event is not None:
            self._txn_events.append(event)

    def _end_write(self) -> None:
        """After a write (or a refused one): commit now, or leave the transaction open as this
        loop's deferred group when the caller allows it (write lock held)."""
        if self._txn_revs and _DEFER.get():
            loop = asyncio._get_running_loop()
            if loop is not None:
                me = threading.get_ident()
                if self._group_thread is None:
                    self._group_thread = me
                    self._group_loop = loop
                    self._group_handle = loop.call_soon(self._commit_group)
                    return
                if self._group_thread == me and len(self._txn_revs) < MAX_GROUP_WRITES:
                    return
        self._commit()

    def _commit_group(self) -> None:
        """The scheduled commit of a deferred group (on its loop)."""
        with self._wlock:
            self._group_handle = None
            if self._group_thread is None or self._closed:
                return
            try:
                self._commit()
            except ServiceUnavailable:
                log.exception("committing a group of writes to %s failed", self.path)

    def _commit(self) -> None:
        """Commit the open transaction, dispatch its events and complete the group's waiter
        (write lock held). A failed commit rolls everything back and raises
        ``ServiceUnavailable``."""
        if not self._txn:
            return
        try:
            self._wconn.execute("COMMIT")
        except sqlite3.Error as err:
            msg = f"sqlite store {str(self.path)!r}: commit failed: {err}"
            failure = ServiceUnavailable(msg)
            self._rollback(failure)
            raise failure from err
        self._txn = False
        rev = self._txn_rev
        events, self._txn_events = self._txn_events, []
        wrote = bool(self._txn_revs)
        self._txn_revs = []
        waiter = self._end_group()
        self._finish(rev, events)
        if waiter is not None:
            _complete(waiter, None)
        if wrote:
            self._commits += 1
            if self._commits % _CHECKPOINT_CHECK_EVERY == 0:
                self._maybe_checkpoint()

    def _rollback(self, error: BaseException | None = None) -> None:
        """Roll the open transaction back: nothing of it happened (write lock held)."""
        if self._wconn.in_transaction:
            try:
                self._wconn.execute("ROLLBACK")
            except sqlite3.Error:
                log.exception("rolling back a transaction on %s failed", self.path)
        self._txn = False
        with self._cache_lock:
            for rev in self._txn_revs:
                self._cache.pop(rev, None)
        self._txn_revs = []
        self._txn_events = []
        waiter = self._end_group()
        if waiter is not None:
            _complete(
                waiter,
                error or ServiceUnavailable(f"sqlite store {str(self.path)!r}: a write failed"),
            )

    def _end_group(self) -> asyncio.Future[None] | None:
        waiter, self._group_waiter = self._group_waiter, None
        handle, self._group_handle = self._group_handle, None
        if handle is not None and self._group_thread == threading.get_ident():
            handle.cancel()  # on its own loop; from elsewhere it just finds nothing to do
        self._group_thread = None
        self._group_loop = None
        return waiter

    def _finish(self, rev: int, events: _Events) -> None:
        """After a commit (write lock held): dispatch, then compact if due."""
        if self._hub.active:
            self._hub.dispatch_many(events)
        self._dispatched = rev
        if self._retention.enabled:
            target = self._retention.note_write(rev, self._compacted_hint)
            if target is not None:
                self._compact_step(target)

    def _failed(self, err: BaseException) -> None:
        """A statement modifying the database failed: roll back the whole transaction (a
        group's earlier writes too, so the database stays consistent)."""
        self._rollback(
            ServiceUnavailable(f"sqlite store {str(self.path)!r}: a write failed: {err}")
        )

    def create(self, key: str, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        check_key(key)
        text = _encode(key, obj)
        with self._wlock:
            conn = self._begin()
            try:
                rev = self._txn_rev + 1
                try:  # the key's uniqueness is the existence check: no SELECT first
                    conn.execute("INSERT INTO kv (key, revision) VALUES (?, ?)", (key, rev))
                except sqlite3.IntegrityError:
                    raise already_exists(key) from None  # the statement alone was undone
                except BaseException as err:
                    self._failed(err)
                    raise
                try:
                    conn.execute(
                        "INSERT INTO kv_log (revision, key, value, create_revision, "
                        "mod_revision) VALUES (?, ?, ?, ?, ?)",
                        (rev, key, text, rev, rev),
                    )
                except BaseException as err:
                    self._failed(err)
                    raise
                new = stamp(obj, rev, key)
                self._wrote(rev, WatchEvent("ADDED", key, new, rev), new)
            finally:
                if self._txn:
                    self._end_write()
        return new

    def _current(
        self, conn: sqlite3.Connection, key: str, expected: int | None
    ) -> tuple[int, int, str]:
        row = conn.execute(
            "SELECT l.revision, l.create_revision, l.value FROM kv CROSS JOIN kv_log l "
            "ON l.revision = kv.revision WHERE kv.key = ?",
            (key,),
        ).fetchone()
        if row is None:
            raise not_found(key)
        if expected is not None and row[0] != expected:
            raise conflict(key)
        return row  # type: ignore[no-any-return]

    def update(
        self, key: str, obj: Mapping[str, Any], *, expected_revision: int | None = None
    ) -> Mapping[str, Any]:
        check_key(key)
        check_revision("expected_revision", expected_revision)
        text = _encode(key, obj)
        with self._wlock:
            conn = self._begin()
            try:
                prev_rev, create_rev, prev_text = self._current(conn, key, expected_revision)
                rev = self._txn_rev + 1
                try:
                    conn.execute(
                        "INSERT INTO kv_log (revision, key, value, create_revision, "
                        "mod_revision, prev_revision) VALUES (?, ?, ?, ?, ?, ?)",
                        (rev, key, text, create_rev, rev, prev_rev),
                    )
                    conn.execute("UPDATE kv SET revision = ? WHERE key = ?", (rev, key))
                except BaseException as err:
                    self._failed(err)
                    raise
                new = stamp(obj, rev, key)
                event = None
                if self._hub.active:
                    prev = self._decode(prev_text, prev_rev)
                    event = WatchEvent("MODIFIED", key, new, rev, prev)
                self._wrote(rev, event, new)
            finally:
                if self._txn:
                    self._end_write()
        return new

    def delete(self, key: str, *, expected_revision: int | None = None) -> Mapping[str, Any]:
        check_key(key)
        check_revision("expected_revision", expected_revision)
        with self._wlock:
            conn = self._begin()
            try:
                prev_rev, create_rev, prev_text = self._current(conn, key, expected_revision)
                rev = self._txn_rev + 1
                try:
                    conn.execute(
                        "INSERT INTO kv_log (revision, key, value, create_revision, "
                        "mod_revision, deleted, prev_revision) VALUES (?, ?, NULL, ?, ?, 1, ?)",
                        (rev, key, create_rev, rev, prev_rev),
                    )
                    conn.execute("DELETE FROM kv WHERE key = ?", (key,))
                except BaseException as err:
                    self._failed(err)
                    raise
                prev = self._decode(prev_text, prev_rev)
                last = stamp(prev, rev, key)
                self._wrote(rev, WatchEvent("DELETED", key, last, rev, prev), None)
            finally:
                if self._txn:
                    self._end_write()
        return last

    def guaranteed_update(
        self,
        key: str,
        update: Callable[[Mapping[str, Any]], Mapping[str, Any] | None],
        *,
        ignore_not_found: bool = False,
    ) -> Mapping[str, Any]:
        return guaranteed_update(self, key, update, ignore_not_found=ignore_not_found)

    # -- compaction ----------------------------------------------------------------------------

    def compact(self, revision: int) -> None:
        check_revision("revision", revision)
        while True:
            with self._wlock:
                self._check_open()
                self._commit()
                conn = self._wconn
                compacted = self._compacted(conn)
                if revision <= compacted:
                    return
                cur = self._max_revision(conn)
                if revision > cur:
                    msg = f"cannot compact to revision {revision}: the current revision is {cur}"
                    raise ValueError(msg)
                if self._compact_step(revision):
                    return

    def _compact_step(self, target: int) -> bool:
        """Compact up to ``_COMPACT_CHUNK`` revisions towards ``target`` in one transaction
        (write lock held, no transaction open); ``True`` once ``target`` is reached."""
        conn = self._wconn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            msg = f"sqlite store {str(self.path)!r} is busy: {err}"
            raise ServiceUnavailable(msg) from err
        try:
            old = self._compacted(conn)
            upto = min(target, old + _COMPACT_CHUNK)
            if upto > old:
                # Rows superseded by a write in (old, upto] ...
                conn.execute(
                    "DELETE FROM kv_log WHERE revision IN (SELECT prev_revision FROM kv_log "
                    "WHERE revision > ? AND revision <= ? AND prev_revision IS NOT NULL)",
                    (old, upto),
                )
                # ... and deletions in (old, upto], except the newest row (the revision counter).
                conn.execute(
                    "DELETE FROM kv_log WHERE revision > ? AND revision <= ? AND deleted = 1 "
                    "AND revision < (SELECT max(revision) FROM kv_log)",
                    (old, upto),
                )
                conn.execute("UPDATE meta SET value = ? WHERE name = 'compacted'", (upto,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._compacted_hint = max(old, upto)
        return upto >= target

    # -- watch ---------------------------------------------------------------------------------

    def watch(self, prefix: str, *, from_revision: int) -> StoreWatcher:
        check_prefix(prefix)
        check_revision("from_revision", from_revision)
        w = StoreWatcher(
            prefix,
            from_revision,
            capacity=self._watch_buffer,
            on_stop=self._hub.remove,
            on_progress=self._progress,
            on_bind=self._on_bind,
        )
        with self._wlock:
            self._check_open()
            self._commit()  # an open group first: the watch starts from committed state
            conn = self._wconn
            conn.execute("BEGIN")
            try:
                compacted = self._compacted(conn)
                cur = self._max_revision(conn)
                if from_revision < compacted:
                    raise expired(from_revision, compacted)
                pending: _Events = []
                if self._hub.active and self._dispatched < cur:
                    pending = self._read_events(conn, self._dispatched, cur)
            finally:
                conn.execute("COMMIT")
            self._hub.dispatch_many(pending)
            self._dispatched = cur
            if from_revision < cur:
                w.set_history(self._history_source(prefix, from_revision, cur))
            self._hub.add(w)
        return w

    def _history_source(self, prefix: str, after: int, upto: int) -> Callable[[], HistoryPage]:
        hi = prefix_range_end(prefix)
        cursor = [after]

        def page() -> HistoryPage:
            conn = self._reader()
            conn.execute("BEGIN")
            try:
                compacted = self._compacted(conn)
                if cursor[0] < compacted:
                    raise expired(after, compacted)
                rows = conn.execute(
                    _EVENT_COLUMNS + "WHERE l.revision > ? AND l.revision <= ? "
                    "AND l.key >= ? AND l.key < ? ORDER BY l.revision LIMIT ?",
                    (cursor[0], upto, prefix, hi, _PAGE),
                ).fetchall()
            finally:
                conn.execute("COMMIT")
            done = len(rows) < _PAGE
            cursor[0] = upto if done else rows[-1][0]
            return [self._event(r) for r in rows], done

        return page

    def _progress(self, w: StoreWatcher) -> None:
        with self._wlock:
            self._catch_up()
            self._hub.offer_one(w, bookmark(max(self._dispatched, w.after)))

    def _catch_up(self) -> None:
        """Dispatch writes made by other stores (write lock held)."""
        if self._txn:
            return  # nobody else can have written since our transaction began
        conn = self._wconn
        conn.execute("BEGIN")
        try:
            cur = self._max_revision(conn)
            pending = (
                self._read_events(conn, self._dispatched, cur) if cur > self._dispatched else []
            )
        finally:
            conn.execute("COMMIT")
        self._hub.dispatch_many(pending)
        self._dispatched = max(self._dispatched, cur)

    def _on_bind(self, _w: StoreWatcher, loop: asyncio.AbstractEventLoop) -> None:
        if not self._poll_interval:
            return
        task = self._poll_task
        if task is None or task.done():
            self._poll_task = loop.create_task(self._poll(), name=f"sqlite-poll {self.path}")

    async def _poll(self) -> None:
        """Pick up writes of other stores while this store has watchers."""
        while not self._closed and self._hub.active:
            await self._clock.sleep(self._poll_interval)
            if self._is_closed():
                return
            try:
                version = self._reader().execute("PRAGMA data_version").fetchone()[0]
                if version == self._data_version:
                    continue
                self._data_version = version
                with self._wlock:
                    if not self._closed:
                        self._catch_up()
            except sqlite3.Error:
                log.exception("polling %s for writes of other stores failed", self.path)

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        with self._wlock:
            if self._closed:
                return
            try:
                self._commit()
            except ServiceUnavailable:
                log.exception("committing the last writes to %s failed", self.path)
            self._closed = True
        thread = self._ckpt_thread
        if thread is not None:
            self._ckpt_wake.set()
            thread.join()
        self._hub.close()
        self._close_conns()
        self._cache.clear()

    # -- checkpoints ---------------------------------------------------------------------------

    def _maybe_checkpoint(self) -> None:
        """Check the WAL's size (write lock held, every few commits)."""
        try:
            size = self._wal_path.stat().st_size
        except OSError:
            return
        if size >= _CHECKPOINT_HARD_BYTES:
            # The background checkpoints fall behind: one in the writer bounds the WAL.
            try:
                self._wconn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            except sqlite3.Error:
                log.exception("checkpointing %s failed", self.path)
        elif size >= _CHECKPOINT_BYTES:
            if self._ckpt_thread is None:
                self._ckpt_thread = threading.Thread(
                    target=self._checkpointer, name=f"sqlite-checkpoint {self.path}", daemon=True
                )
                self._ckpt_thread.start()
            self._ckpt_wake.set()

    def _checkpointer(self) -> None:
        """Background thread: a passive checkpoint each time it is woken."""
        try:
            conn = self._connect()
        except sqlite3.Error:
            log.exception("cannot open a checkpoint connection to %s", self.path)
            return
        while True:
            self._ckpt_wake.wait()
            self._ckpt_wake.clear()
            if self._closed:
                return
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            except sqlite3.Error:
                if self._is_closed():
                    return
                log.exception("checkpointing %s failed", self.path)


def _complete(fut: asyncio.Future[None], error: BaseException | None) -> None:
    """Complete ``fut`` from any thread (on its own loop)."""

    def done() -> None:
        if fut.done():
            return
        if error is None:
            fut.set_result(None)
        else:
            fut.set_exception(error)

    loop = fut.get_loop()
    if asyncio._get_running_loop() is loop:
        done()
    else:
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            loop.call_soon_threadsafe(done)
