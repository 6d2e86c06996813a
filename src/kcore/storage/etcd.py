"""The etcd backend: the distributed option, etcd 3.4+ through its v3 JSON gateway.

Requests go to etcd's gRPC-gateway over HTTP with httpx (``/v3/kv/range``, ``/v3/kv/txn``,
``/v3/kv/compaction``, streaming ``/v3/watch``; keys and values base64-encoded), so there is no
gRPC dependency. Several endpoints may be given; a request that cannot connect moves on to the
next one.

Layout and semantics, as kube-apiserver's etcd3 storage:

* Keys are the store keys with ``/registry`` replaced by ``prefix`` (default ``/registry``, so
  the layout is byte-for-byte kube-apiserver's); values are the object as compact JSON without
  ``metadata.resourceVersion``, which is the etcd ``mod_revision`` on the way out.
* ``create`` is a txn on ``create_revision == 0``; ``update``/``delete`` with an expected
  revision are txns on ``mod_revision``, and without one on ``create_revision > 0``;
  ``guaranteed_update`` reads the current value from the failed txn's else-branch to retry
  without an extra round trip, and skips no-op writes.
* Compaction is etcd's (cluster-wide). Like kube-apiserver, the compacted revision is recorded in
  the key ``compact_rev_key`` (outside the prefix); the store compacts automatically every
  ``compaction_interval`` seconds (checked on writes) to the revision seen at the previous
  interval, so at least one interval of history is kept.

Watches: a store runs one etcd watch stream per resource (the first path segment under the
prefix) on a background event-loop thread, shared by all its watchers of that resource, with a
window of the last ``window`` events so new watchers from a recent revision replay from memory,
as kube-apiserver's watch cache does. A watch from a revision older than the window gets its own
etcd stream (etcd replays history; ``Expired`` if compacted). Streams request progress
notifications; a bookmark carries the newest revision the stream has been told is complete,
which advances with every event and every progress notification (etcd's
``--experimental-watch-progress-notify-interval``, 10 minutes by default). Dropped streams
reconnect from the last revision seen, with backoff.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import threading
from collections import deque
from typing import TYPE_CHECKING, Any, Final

import httpx

from kcore.api.errors import InternalError, ServiceUnavailable, StatusError, Timeout
from kcore.storage._base import (
    DEFAULT_WATCH_BUFFER,
    already_exists,
    bookmark,
    check_key,
    check_prefix,
    check_revision,
    conflict,
    expired,
    not_found,
    same_content,
    stamp,
    stamp_owned,
    too_large,
    unstamped,
)
from kcore.storage._watch import StoreWatcher, WatchHub
from kcore.storage.interface import ROOT, ListResult, WatchEvent
from kcore.util.clock import RealClock

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Mapping, Sequence

    from kcore.util.clock import Clock

log = logging.getLogger("kcore.storage.etcd")

COMPACT_REV_KEY: Final = b"compact_rev_key"
"""kube-apiserver's key recording the last compacted revision (at the etcd root)."""
DEFAULT_COMPACTION_INTERVAL: Final = 300.0
DEFAULT_WINDOW: Final = 10_000
DEFAULT_TIMEOUT: Final = 10.0

_COMPACTED: Final = "required revision has been compacted"
_FUTURE: Final = "required revision is a future revision"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


def _byte_range_end(prefix: bytes) -> bytes:
    """etcd's range end of a byte prefix (``GetPrefixRangeEnd``)."""
    end = bytearray(prefix)
    while end:
        if end[-1] < 0xFF:
            end[-1] += 1
            return bytes(end)
        end.pop()
    return b"\0"


class EtcdError(Exception):
    """An error answer of etcd (``message`` as etcd words it, ``code`` its gRPC code)."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    @property
    def compacted(self) -> bool:
        return _COMPACTED in self.message

    @property
    def future(self) -> bool:
        return _FUTURE in self.message


def feed_prefix(prefix: str) -> str:
    """The key range a shared watch stream covers for a watch of ``prefix``: its resource
    (``/registry/pods/default/`` -> ``/registry/pods/``), or ``prefix`` itself when shorter."""
    rest = prefix[len(ROOT) + 1 :] if prefix.startswith(ROOT + "/") else ""
    if "/" in rest:
        return f"{ROOT}/{rest.split('/', 1)[0]}/"
    return prefix


class _Feed:
    """One etcd watch stream over ``prefix`` from ``start``, fanned out to a :class:`WatchHub`.

    Invariants (guarded by ``lock``): every event with a revision in ``(floor, observed]`` under
    ``prefix`` is in ``window`` (oldest first); every event with a revision <= ``observed`` has
    been dispatched to the hub. A watcher may join while ``after >= floor``.
    """

    def __init__(self, prefix: str, start: int, window: int, *, dedicated: bool) -> None:
        self.prefix = prefix
        self.dedicated = dedicated
        self.lock = threading.Lock()
        self.hub = WatchHub()
        self.window: deque[WatchEvent] = deque()
        self.window_size = window
        self.floor = start
        self.observed = start
        self.dead = False
        self.task: asyncio.Task[None] | None = None

    def register(self, w: StoreWatcher) -> bool:
        with self.lock:
            if self.dead or w.after < self.floor:
                return False
            if w.after < self.observed:
                for ev in self.window:
                    if ev.revision > w.after and ev.key.startswith(w.prefix):
                        w.offer(ev)
            if w._error is None:
                self.hub.add(w)
            return True

    def deliver(self, events: list[WatchEvent]) -> None:
        with self.lock:
            window, size = self.window, self.window_size
            for ev in events:
                if ev.revision <= self.observed:
                    continue  # a replay after a reconnect
                if size:
                    if len(window) >= size:
                        self.floor = window.popleft().revision
                    window.append(ev)
                else:
                    self.floor = ev.revision
                self.observed = ev.revision
                self.hub.dispatch(ev)

    def progress_to(self, revision: int) -> None:
        with self.lock:
            if revision > self.observed:
                self.observed = revision
                if not self.window:
                    self.floor = revision

    def bookmark(self, w: StoreWatcher) -> None:
        with self.lock:
            self.hub.offer_one(w, bookmark(max(self.observed, w.after)))

    def fail(self, error: BaseException) -> None:
        with self.lock:
            self.dead = True
        self.hub.close(error)


class _LoopThread:
    """A private asyncio loop on a daemon thread, hosting the watch streams of one store."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coro`` on the loop and wait for its result (from another thread)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self.loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            self.submit(cancel_all())
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


class EtcdStore:
    """An MVCC store on etcd 3.4+ (see the module docstring and
    :class:`~kcore.storage.interface.Store` for the contract).

    Parameters
    ----------
    endpoints
        ``host:port`` of etcd members (HTTP, e.g. ``127.0.0.1:2379``).
    prefix
        The etcd key prefix replacing ``/registry`` (kube-apiserver's ``--etcd-prefix``).
    clock
        Time for the automatic compaction interval (default ``RealClock``).
    compaction_interval
        Seconds between automatic compactions (0 disables them).
    watch_buffer
        Events a watcher may have waiting before it is ended with ``Expired``.
    window
        Recent events each shared watch stream keeps for watchers joining from a recent
        revision.
    timeout
        Seconds for one etcd request (connect, read, write).
    """

    def __init__(
        self,
        endpoints: Sequence[str],
        *,
        prefix: str = ROOT,
        clock: Clock | None = None,
        compaction_interval: float = DEFAULT_COMPACTION_INTERVAL,
        watch_buffer: int = DEFAULT_WATCH_BUFFER,
        window: int = DEFAULT_WINDOW,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if not endpoints:
            msg = "the etcd store needs at least one endpoint (host:port)"
            raise ValueError(msg)
        if not prefix.startswith("/") or prefix.endswith("/"):
            msg = f"etcd prefix must look like /registry, got {prefix!r}"
            raise ValueError(msg)
        if watch_buffer < 1 or window < 0 or compaction_interval < 0 or timeout <= 0:
            msg = (
                "invalid etcd store options: watch_buffer >= 1, window >= 0, "
                "compaction_interval >= 0 and timeout > 0 are required"
            )
            raise ValueError(msg)
        self._endpoints = [f"http://{e}" for e in endpoints]
        self._current = 0
        self.prefix = prefix
        self._root = prefix.encode()
        self._clock = clock if clock is not None else RealClock()
        self._backoff_clock = RealClock()  # reconnect backoff is real network time
        self._timeout = timeout
        self._watch_buffer = watch_buffer
        self._window = window
        self._client = httpx.Client(
            timeout=timeout, limits=httpx.Limits(max_connections=64, max_keepalive_connections=16)
        )
        self._closed = False
        self._lock = threading.Lock()
        # _feeds: the shared stream per resource prefix; _dedicated: streams of single watchers.
        self._feeds: dict[str, _Feed] = {}
        self._dedicated: set[_Feed] = set()
        self._loop: _LoopThread | None = None
        self._aclient: httpx.AsyncClient | None = None
        # _compacted_known: the highest compaction this store made or was told about.
        self._compacted_known = 0
        self._interval = compaction_interval
        self._tick_time = self._clock.monotonic()
        self._tick_revision = 0

    def __repr__(self) -> str:
        return f"EtcdStore({','.join(self._endpoints)!r}, prefix={self.prefix!r})"

    # -- keys & values -------------------------------------------------------------------------

    def _ek(self, key: str) -> bytes:
        return self._root + key[len(ROOT) :].encode()

    def _sk(self, ekey: bytes) -> str:
        return ROOT + ekey[len(self._root) :].decode()

    def _decode(self, kv: Mapping[str, Any]) -> dict[str, Any]:
        raw = _unb64(kv.get("value", ""))
        try:
            obj = json.loads(raw)
        except ValueError as err:
            key = _unb64(kv.get("key", "")).decode(errors="replace")
            msg = f"etcd value at {key!r} is not JSON (written by another program?): {err}"
            raise InternalError(msg) from err
        if not isinstance(obj, dict):
            msg = f"etcd value at {kv.get('key')!r} is not a JSON object"
            raise InternalError(msg)
        return stamp_owned(obj, int(kv["mod_revision"]))

    @staticmethod
    def _encode(key: str, obj: Mapping[str, Any]) -> str:
        try:
            data = json.dumps(
                unstamped(obj, key), separators=(",", ":"), ensure_ascii=False, allow_nan=False
            )
        except (TypeError, ValueError) as err:
            msg = f"object for {key!r} is not JSON-serialisable: {err}"
            raise TypeError(msg) from err
        return _b64(data.encode())

    # -- transport -----------------------------------------------------------------------------

    def _call(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST ``body`` to the gateway; ``EtcdError`` for etcd errors."""
        self._check_open()
        data = json.dumps(body)
        last: Exception | None = None
        for _ in range(len(self._endpoints)):
            base = self._endpoints[self._current]
            try:
                resp = self._client.post(
                    base + path, content=data, headers={"content-type": "application/json"}
                )
            except httpx.ConnectError as err:
                last = err
                self._current = (self._current + 1) % len(self._endpoints)
                continue
            except httpx.TimeoutException as err:
                msg = f"etcd at {base} did not answer {path} within {self._timeout} s"
                raise Timeout(msg) from err
            except httpx.HTTPError as err:
                msg = f"etcd request {path} to {base} failed: {err}"
                raise ServiceUnavailable(msg) from err
            try:
                payload: dict[str, Any] = resp.json()
            except ValueError as err:
                msg = f"etcd at {base} answered {path} with {resp.status_code}, not JSON"
                raise InternalError(msg) from err
            if resp.status_code != 200 or "error" in payload:
                message = str(payload.get("message") or payload.get("error") or resp.text)
                raise EtcdError(message, int(payload.get("code") or 0))
            return payload
        msg = f"etcd is unreachable at {', '.join(self._endpoints)}: {last}"
        raise ServiceUnavailable(msg)

    def _txn(
        self,
        compare: list[dict[str, Any]],
        success: list[dict[str, Any]],
        failure: list[dict[str, Any]],
    ) -> dict[str, Any]:
        try:
            body = {"compare": compare, "success": success, "failure": failure}
            return self._call("/v3/kv/txn", body)
        except EtcdError as err:
            msg = f"etcd rejected a transaction: {err.message}"
            raise InternalError(msg) from err

    def _range(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("/v3/kv/range", body)

    def _check_open(self) -> None:
        if self._closed:
            msg = f"the etcd store {self!r} is closed"
            raise RuntimeError(msg)

    # -- reads ---------------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        out = self._range({"key": _b64(self._root), "count_only": True})
        return int(out["header"]["revision"])

    @property
    def compacted_revision(self) -> int:
        out = self._range({"key": _b64(COMPACT_REV_KEY)})
        recorded = 0
        for kv in out.get("kvs", ()):
            with contextlib.suppress(ValueError):
                recorded = int(_unb64(kv.get("value", "")))
        self._compacted_known = max(self._compacted_known, recorded)
        return self._compacted_known

    def _probe_compacted(self) -> int:
        """The exact compaction revision, learnt from a watch that etcd cancels as compacted
        (used only after etcd said a revision was compacted)."""
        probe = self._root + b"\0compaction-probe"
        body = {"create_request": {"key": _b64(probe), "start_revision": "1"}}
        try:
            with self._client.stream(
                "POST", self._endpoints[self._current] + "/v3/watch", content=json.dumps(body)
            ) as resp:
                for line in resp.iter_lines():
                    result = json.loads(line).get("result", {}) if line.strip() else {}
                    if "compact_revision" in result:
                        rev = int(result["compact_revision"])
                        self._compacted_known = max(self._compacted_known, rev)
                        break
                    if not result.get("created"):
                        break
        except (httpx.HTTPError, ValueError):
            log.debug("compaction probe failed", exc_info=True)
        return max(self._compacted_known, self.compacted_revision)

    def get(self, key: str) -> Mapping[str, Any]:
        check_key(key)
        out = self._range({"key": _b64(self._ek(key))})
        kvs = out.get("kvs")
        if not kvs:
            raise not_found(key)
        return self._decode(kvs[0])

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
        eprefix = self._ek(prefix)
        start = eprefix
        if start_after is not None and start_after >= prefix:
            start = self._ek(start_after) + b"\0"
        body: dict[str, Any] = {"key": _b64(start), "range_end": _b64(_byte_range_end(eprefix))}
        if limit:
            body["limit"] = str(limit)
        if revision:
            body["revision"] = str(revision)
        try:
            out = self._range(body)
        except EtcdError as err:
            if err.compacted and revision:
                raise expired(revision, self._probe_compacted()) from err
            if err.future and revision:
                raise too_large(revision, self.revision) from err
            raise InternalError(f"etcd range failed: {err.message}") from err
        kvs = out.get("kvs", [])
        items: list[Mapping[str, Any]] = [self._decode(kv) for kv in kvs]
        remaining = int(out.get("count", 0)) - len(kvs) if limit else 0
        at = revision or int(out["header"]["revision"])
        cont = self._sk(_unb64(kvs[-1]["key"])) if remaining > 0 and kvs else None
        return ListResult(items, at, cont, max(remaining, 0))

    # -- writes --------------------------------------------------------------------------------

    def _put(self, key: str, value: str) -> dict[str, Any]:
        return {"request_put": {"key": _b64(self._ek(key)), "value": value}}

    def _get_op(self, key: str) -> dict[str, Any]:
        return {"request_range": {"key": _b64(self._ek(key))}}

    def _exists(self, key: str) -> dict[str, Any]:
        return {
            "key": _b64(self._ek(key)),
            "target": "CREATE",
            "result": "GREATER",
            "create_revision": "0",
        }

    def _absent(self, key: str) -> dict[str, Any]:
        return {
            "key": _b64(self._ek(key)),
            "target": "CREATE",
            "result": "EQUAL",
            "create_revision": "0",
        }

    def _at(self, key: str, revision: int) -> dict[str, Any]:
        return {
            "key": _b64(self._ek(key)),
            "target": "MOD",
            "result": "EQUAL",
            "mod_revision": str(revision),
        }

    @staticmethod
    def _failed_kv(out: Mapping[str, Any]) -> Mapping[str, Any] | None:
        for r in out.get("responses", ()):
            kvs = r.get("response_range", {}).get("kvs")
            if kvs:
                return kvs[0]  # type: ignore[no-any-return]
        return None

    def create(self, key: str, obj: Mapping[str, Any]) -> Mapping[str, Any]:
        check_key(key)
        value = self._encode(key, obj)
        out = self._txn([self._absent(key)], [self._put(key, value)], [])
        if not out.get("succeeded"):
            raise already_exists(key)
        rev = int(out["header"]["revision"])
        self._after_write(rev)
        return stamp(obj, rev, key)

    def update(
        self, key: str, obj: Mapping[str, Any], *, expected_revision: int | None = None
    ) -> Mapping[str, Any]:
        check_key(key)
        check_revision("expected_revision", expected_revision)
        value = self._encode(key, obj)
        cond = self._exists(key) if expected_revision is None else self._at(key, expected_revision)
        out = self._txn([cond], [self._put(key, value)], [self._get_op(key)])
        if not out.get("succeeded"):
            if self._failed_kv(out) is None:
                raise not_found(key)
            raise conflict(key)
        rev = int(out["header"]["revision"])
        self._after_write(rev)
        return stamp(obj, rev, key)

    def delete(self, key: str, *, expected_revision: int | None = None) -> Mapping[str, Any]:
        check_key(key)
        check_revision("expected_revision", expected_revision)
        cond = self._exists(key) if expected_revision is None else self._at(key, expected_revision)
        op = {"request_delete_range": {"key": _b64(self._ek(key)), "prev_kv": True}}
        out = self._txn([cond], [op], [self._get_op(key)])
        if not out.get("succeeded"):
            if self._failed_kv(out) is None:
                raise not_found(key)
            raise conflict(key)
        rev = int(out["header"]["revision"])
        prev_kvs = out["responses"][0].get("response_delete_range", {}).get("prev_kvs") or []
        if not prev_kvs:  # deleted by someone else between compare and delete: impossible in a txn
            raise not_found(key)
        self._after_write(rev)
        return stamp(self._decode(prev_kvs[0]), rev, key)

    def guaranteed_update(
        self,
        key: str,
        update: Callable[[Mapping[str, Any]], Mapping[str, Any] | None],
        *,
        ignore_not_found: bool = False,
    ) -> Mapping[str, Any]:
        check_key(key)
        out = self._range({"key": _b64(self._ek(key))})
        kvs = out.get("kvs")
        kv: Mapping[str, Any] | None = kvs[0] if kvs else None
        while True:
            current: Mapping[str, Any]
            if kv is None:
                if not ignore_not_found:
                    raise not_found(key)
                current = {}
            else:
                current = self._decode(kv)
            new = update(current)
            if new is None:
                return current
            if kv is not None and same_content(new, current, key):
                return current
            value = self._encode(key, new)
            cond = self._absent(key) if kv is None else self._at(key, int(kv["mod_revision"]))
            out = self._txn([cond], [self._put(key, value)], [self._get_op(key)])
            if out.get("succeeded"):
                rev = int(out["header"]["revision"])
                self._after_write(rev)
                return stamp(new, rev, key)
            kv = self._failed_kv(out)

    # -- compaction ----------------------------------------------------------------------------

    def compact(self, revision: int) -> None:
        check_revision("revision", revision)
        cur = self.revision
        if revision > cur:
            msg = f"cannot compact to revision {revision}: the current revision is {cur}"
            raise ValueError(msg)
        if revision <= self.compacted_revision:
            return
        # Record it first, as kube-apiserver does, so every store can tell what was compacted.
        while True:
            out = self._range({"key": _b64(COMPACT_REV_KEY)})
            kvs = out.get("kvs") or [{}]
            version = str(kvs[0].get("version", "0"))
            with contextlib.suppress(ValueError):
                if int(_unb64(kvs[0].get("value", ""))) >= revision:
                    break
            cond = {
                "key": _b64(COMPACT_REV_KEY),
                "target": "VERSION",
                "result": "EQUAL",
                "version": version,
            }
            value = _b64(str(revision).encode())
            put = {"request_put": {"key": _b64(COMPACT_REV_KEY), "value": value}}
            if self._txn([cond], [put], []).get("succeeded"):
                break
        try:
            self._call("/v3/kv/compaction", {"revision": str(revision)})
        except EtcdError as err:
            if not err.compacted:
                msg = f"etcd compaction to {revision} failed: {err.message}"
                raise InternalError(msg) from err
        self._compacted_known = max(self._compacted_known, revision)

    def _after_write(self, revision: int) -> None:
        """Automatic compaction, kube-apiserver style: every interval, compact to the revision
        seen at the previous interval."""
        if not self._interval:
            return
        now = self._clock.monotonic()
        if now - self._tick_time < self._interval:
            return
        with self._lock:
            if now - self._tick_time < self._interval:
                return
            target, self._tick_revision, self._tick_time = self._tick_revision, revision, now
        if target > self._compacted_known:
            try:
                self.compact(target)
            except StatusError as err:
                log.warning("automatic etcd compaction to %d failed: %s", target, err)

    # -- watch ---------------------------------------------------------------------------------

    def watch(self, prefix: str, *, from_revision: int) -> StoreWatcher:
        check_prefix(prefix)
        check_revision("from_revision", from_revision)
        self._check_open()
        if from_revision < self._compacted_known:
            raise expired(from_revision, self._compacted_known)
        feed: _Feed | None = None

        def on_stop(w: StoreWatcher) -> None:
            if feed is not None:
                feed.hub.remove(w)
                if feed.dedicated:
                    self._stop_feed(feed)
                    with self._lock:
                        self._dedicated.discard(feed)

        def on_progress(w: StoreWatcher) -> None:
            if feed is not None:
                feed.bookmark(w)

        w = StoreWatcher(
            prefix,
            from_revision,
            capacity=self._watch_buffer,
            on_stop=on_stop,
            on_progress=on_progress,
        )
        with self._lock:
            shared = self._feeds.get(feed_prefix(prefix))
            if shared is None or shared.dead:
                shared = _Feed(feed_prefix(prefix), from_revision, self._window, dedicated=False)
                self._feeds[shared.prefix] = shared
                self._start_feed(shared)
            if shared.register(w):
                feed = shared
                return w
        # Older than the shared window: a stream of its own, after checking etcd still has it.
        try:
            self._range(
                {
                    "key": _b64(self._ek(prefix)),
                    "range_end": _b64(_byte_range_end(self._ek(prefix))),
                    "count_only": True,
                    "revision": str(max(from_revision, 1)),
                }
            )
        except EtcdError as err:
            if err.compacted:
                raise expired(from_revision, self._probe_compacted()) from err
            if not err.future:
                raise InternalError(f"etcd range failed: {err.message}") from err
        own = _Feed(prefix, from_revision, 0, dedicated=True)
        own.register(w)
        feed = own
        with self._lock:
            self._check_open()
            self._dedicated.add(own)
        self._start_feed(own)
        return w

    def _loop_thread(self) -> _LoopThread:
        if self._loop is None:
            self._loop = _LoopThread(f"etcd-watch {self.prefix}")
        return self._loop

    def _start_feed(self, feed: _Feed) -> None:
        lt = self._loop_thread()

        def start() -> None:
            feed.task = lt.loop.create_task(self._run_feed(feed))

        lt.loop.call_soon_threadsafe(start)

    def _stop_feed(self, feed: _Feed) -> None:
        feed.dead = True
        lt = self._loop
        if lt is None or lt.loop.is_closed():
            return

        def cancel() -> None:
            if feed.task is not None:
                feed.task.cancel()

        with contextlib.suppress(RuntimeError):
            lt.loop.call_soon_threadsafe(cancel)

    def _event(self, e: Mapping[str, Any]) -> WatchEvent:
        kv = e["kv"]
        key = self._sk(_unb64(kv["key"]))
        rev = int(kv["mod_revision"])
        prev = self._decode(e["prev_kv"]) if "prev_kv" in e else None
        if e.get("type") == "DELETE":
            return WatchEvent("DELETED", key, stamp(prev or {}, rev, key), rev, prev)
        obj = self._decode(kv)
        if int(kv.get("create_revision", 0)) == rev:
            return WatchEvent("ADDED", key, obj, rev)
        return WatchEvent("MODIFIED", key, obj, rev, prev)

    async def _run_feed(self, feed: _Feed) -> None:
        """Stream etcd's watch of ``feed.prefix`` into the feed, reconnecting on failures."""
        if self._aclient is None:
            self._aclient = httpx.AsyncClient(
                timeout=httpx.Timeout(self._timeout, read=None),
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
            )
        client = self._aclient
        ekey = self._ek(feed.prefix)
        backoff = 0.05
        while not self._feed_over(feed):
            body = {
                "create_request": {
                    "key": _b64(ekey),
                    "range_end": _b64(_byte_range_end(ekey)),
                    "start_revision": str(feed.observed + 1),
                    "prev_kv": True,
                    "progress_notify": True,
                }
            }
            base = self._endpoints[self._current]
            try:
                async with client.stream("POST", base + "/v3/watch", content=json.dumps(body)) as r:
                    if r.status_code != 200:
                        text = (await r.aread()).decode(errors="replace")
                        raise EtcdError(f"watch answered {r.status_code}: {text}")
                    async for line in r.aiter_lines():
                        if line.strip() and self._feed_line(feed, line):
                            return
                        backoff = 0.05
            except asyncio.CancelledError:
                raise
            except (httpx.HTTPError, EtcdError, ValueError, KeyError) as err:
                if self._feed_over(feed):
                    return
                log.warning(
                    "etcd watch of %s at %s failed (%s); reconnecting", feed.prefix, base, err
                )
                if isinstance(err, httpx.ConnectError):
                    self._current = (self._current + 1) % len(self._endpoints)
            if self._feed_over(feed):
                return
            await self._backoff_clock.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    def _feed_over(self, feed: _Feed) -> bool:
        return feed.dead or self._closed

    def _feed_line(self, feed: _Feed, line: str) -> bool:
        """Apply one streamed watch response; ``True`` when the stream is over for good."""
        msg = json.loads(line)
        if "error" in msg:
            err = msg["error"]
            raise EtcdError(str(err.get("message", err)) if isinstance(err, dict) else str(err))
        result = msg.get("result") or {}
        compact = int(result.get("compact_revision", 0) or 0)
        if compact:
            self._compacted_known = max(self._compacted_known, compact)
            feed.fail(expired(feed.observed, compact))
            with self._lock:
                if self._feeds.get(feed.prefix) is feed:
                    del self._feeds[feed.prefix]
            return True
        if result.get("canceled"):
            reason = result.get("cancel_reason") or "canceled by etcd"
            raise EtcdError(str(reason))
        if result.get("created"):
            return False
        events = result.get("events")
        if events:
            feed.deliver([self._event(e) for e in events])
        else:
            feed.progress_to(int(result.get("header", {}).get("revision", 0)))
        return False

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            feeds = [*self._feeds.values(), *self._dedicated]
            self._feeds.clear()
            self._dedicated.clear()
        for feed in feeds:
            feed.dead = True
            feed.hub.close()
        lt, self._loop = self._loop, None
        if lt is not None:
            aclient = self._aclient
            if aclient is not None:
                with contextlib.suppress(RuntimeError):
                    lt.submit(aclient.aclose())
            lt.stop()
        self._client.close()
