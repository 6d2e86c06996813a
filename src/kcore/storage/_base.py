"""Pieces every backend shares: key checks, resourceVersion stamping, the Kubernetes-worded
errors, the read-modify-write loop of ``guaranteed_update`` and the automatic compaction policy.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, cast

from kcore.api.errors import (
    AlreadyExists,
    Conflict,
    Expired,
    NotFound,
    StatusCause,
    StatusDetails,
    Timeout,
)
from kcore.storage.interface import ROOT, WatchEvent, describe_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from kcore.storage.interface import Store
    from kcore.util.clock import Clock

_ROOT_SLASH: Final = ROOT + "/"

DEFAULT_WATCH_BUFFER: Final = 100_000
"""Events a watcher may have waiting before it is ended with ``Expired``."""


# -- keys -----------------------------------------------------------------------------------


def check_key(key: str) -> None:
    """Raise ``ValueError`` unless ``key`` is an object key under ``/registry/``."""
    if type(key) is not str or not key.startswith(_ROOT_SLASH) or key.endswith("/"):
        msg = f"invalid storage key {key!r}: keys look like '/registry/<resource>/[<ns>/]<name>'"
        raise ValueError(msg)


def check_prefix(prefix: str) -> None:
    """Raise ``ValueError`` unless ``prefix`` is ``/registry`` or starts with ``/registry/``."""
    if type(prefix) is not str or not (prefix == ROOT or prefix.startswith(_ROOT_SLASH)):
        msg = f"invalid storage prefix {prefix!r}: prefixes start with '/registry/'"
        raise ValueError(msg)


def check_revision(name: str, value: int | None) -> None:
    """Raise ``TypeError``/``ValueError`` unless ``value`` is ``None`` or an int >= 0."""
    if value is None:
        return
    if type(value) is not int:
        msg = f"{name} must be an int, got {type(value).__name__} {value!r}"
        raise TypeError(msg)
    if value < 0:
        msg = f"{name} must be >= 0, got {value}"
        raise ValueError(msg)


# -- objects --------------------------------------------------------------------------------


def _metadata(obj: object, key: str) -> Mapping[str, Any] | None:
    if type(obj) is not dict and not isinstance(obj, Mapping):
        msg = f"object for {key!r} must be a mapping, got {type(obj).__name__}"
        raise TypeError(msg)
    meta = cast("Mapping[str, Any]", obj).get("metadata")
    if meta is not None and type(meta) is not dict and not isinstance(meta, Mapping):
        msg = f"metadata of the object for {key!r} must be a mapping, got {type(meta).__name__}"
        raise TypeError(msg)
    return cast("Mapping[str, Any] | None", meta)


def stamp(obj: Mapping[str, Any], revision: int, key: str = "") -> dict[str, Any]:
    """A shallow copy of ``obj`` whose ``metadata.resourceVersion`` is ``str(revision)``.

    Only the top-level dict and ``metadata`` are copied: nested values are shared, which is
    safe because stored objects are immutable by contract.
    """
    meta = _metadata(obj, key)
    new_meta = {} if meta is None else dict(meta)
    new_meta["resourceVersion"] = str(revision)
    new = dict(obj)
    new["metadata"] = new_meta
    return new


def stamp_owned(obj: dict[str, Any], revision: int) -> dict[str, Any]:
    """Set ``metadata.resourceVersion`` in place on a dict the caller owns (freshly decoded)."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta["resourceVersion"] = str(revision)
    else:
        obj["metadata"] = {"resourceVersion": str(revision)}
    return obj


def unstamped(obj: Mapping[str, Any], key: str = "") -> Mapping[str, Any]:
    """``obj`` without ``metadata.resourceVersion`` (what the serialising backends store)."""
    meta = _metadata(obj, key)
    if not meta or "resourceVersion" not in meta:
        return obj
    new = dict(obj)
    new["metadata"] = {k: v for k, v in meta.items() if k != "resourceVersion"}
    return new


def revision_of(obj: Mapping[str, Any]) -> int:
    """The revision a stored object carries in ``metadata.resourceVersion``."""
    return int(obj["metadata"]["resourceVersion"])


def same_content(new: Mapping[str, Any], current: Mapping[str, Any], key: str) -> bool:
    """Whether ``new`` equals ``current`` apart from ``metadata.resourceVersion``."""
    if new is current:
        return True
    return stamp(new, revision_of(current), key) == current


def bookmark(revision: int) -> WatchEvent:
    """A ``BOOKMARK`` event at ``revision``."""
    return WatchEvent("BOOKMARK", "", {"metadata": {"resourceVersion": str(revision)}}, revision)


# -- errors ---------------------------------------------------------------------------------


def not_found(key: str) -> NotFound:
    resource, name = describe_key(key)
    return NotFound(
        f'{resource} "{name}" not found', details=StatusDetails(name=name, kind=resource)
    )


def already_exists(key: str) -> AlreadyExists:
    resource, name = describe_key(key)
    return AlreadyExists(
        f'{resource} "{name}" already exists', details=StatusDetails(name=name, kind=resource)
    )


def conflict(key: str) -> Conflict:
    resource, name = describe_key(key)
    return Conflict(
        f'Operation cannot be fulfilled on {resource} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again",
        details=StatusDetails(name=name, kind=resource),
    )


def expired(requested: int, compacted: int) -> Expired:
    """kube-apiserver's wording: ``too old resource version: 5 (10)``."""
    return Expired(f"too old resource version: {requested} ({compacted})")


def too_large(requested: int, current: int) -> Timeout:
    """kube-apiserver's wording for a revision the store has not reached (504)."""
    return Timeout(
        f"Too large resource version: {requested}, current: {current}",
        details=StatusDetails(
            causes=(
                StatusCause(
                    "ResourceVersionTooLarge",
                    f"Too large resource version: {requested}, current: {current}",
                ),
            ),
            retry_after_seconds=1,
        ),
    )


# -- guaranteed_update ----------------------------------------------------------------------


def guaranteed_update(
    store: Store,
    key: str,
    update: Callable[[Mapping[str, Any]], Mapping[str, Any] | None],
    *,
    ignore_not_found: bool,
) -> Mapping[str, Any]:
    """The optimistic read-modify-write loop over ``get``/``update``/``create`` (see
    :meth:`kcore.storage.interface.Store.guaranteed_update`). Retries until a write lands."""
    check_key(key)
    while True:
        current: Mapping[str, Any]
        try:
            current = store.get(key)
            exists = True
        except NotFound:
            if not ignore_not_found:
                raise
            current, exists = {}, False
        new = update(current)
        if new is None:
            return current
        if exists:
            if same_content(new, current, key):
                return current
            try:
                return store.update(key, new, expected_revision=revision_of(current))
            except (Conflict, NotFound):
                continue
        try:
            return store.create(key, new)
        except AlreadyExists:
            continue


# -- automatic compaction -------------------------------------------------------------------


class Retention:
    """When to compact automatically: history older than ``revisions`` revisions **or** older
    than ``seconds`` seconds (by the store's :class:`Clock`) is dropped; 0 disables a limit.

    Backends call :meth:`note_write` after each write; it returns the revision to compact to,
    or ``None`` when nothing is due. The check costs one comparison per write and one clock read
    every ``check_every`` writes.
    """

    __slots__ = ("_checkpoints", "_clock", "_counter", "check_every", "revisions", "seconds")

    def __init__(
        self,
        *,
        revisions: int,
        seconds: float,
        clock: Clock | None,
        check_every: int = 256,
    ) -> None:
        if revisions < 0 or seconds < 0:
            msg = f"history limits must be >= 0, got revisions={revisions} seconds={seconds}"
            raise ValueError(msg)
        if seconds and clock is None:
            msg = "time-based history retention needs a clock"
            raise ValueError(msg)
        self.revisions = revisions
        self.seconds = seconds
        self.check_every = max(1, check_every)
        self._clock = clock
        self._counter = 0
        # _checkpoints: (monotonic time, revision current at that time), oldest first, at most
        # one per second of clock time; used to find the newest revision older than `seconds`.
        self._checkpoints: deque[tuple[float, int]] = deque()

    @property
    def enabled(self) -> bool:
        return bool(self.revisions or self.seconds)

    def note_write(self, revision: int, compacted: int) -> int | None:
        """Record that ``revision`` was written; the revision to compact to, if any is due."""
        self._counter += 1
        if self._counter < self.check_every:
            return None
        self._counter = 0
        target = 0
        if self.revisions:
            target = revision - self.revisions
        if self.seconds and self._clock is not None:
            now = self._clock.monotonic()
            cps = self._checkpoints
            if not cps or now - cps[-1][0] >= 1.0:
                cps.append((now, revision))
            horizon = now - self.seconds
            old = 0
            while cps and cps[0][0] <= horizon:
                old = cps.popleft()[1]
            if old:
                cps.appendleft((horizon, old))  # keep the newest expired checkpoint
                target = max(target, old)
        if target > compacted:
            return target
        return None
