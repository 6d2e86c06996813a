"""Child process of the sqlite crash tests: writes until killed, reporting each acknowledged write.

Usage: ``python _crash_writer.py DB [group]``. Prints ``C <i> <revision>`` after ``create`` of
``/registry/pods/crash/p<i>`` returned and ``U <i> <revision>`` after an update of it returned,
flushing each line, so every printed line is a write the store acknowledged.

With ``group``, eight asyncio tasks write concurrently inside ``deferred_commits`` (as the
APIServer does) and report a write only after awaiting ``commit_pending()``.
"""

from __future__ import annotations

import asyncio
import itertools
import sys

from kcore.storage.sqlite import SqliteStore


def _obj(i: int) -> dict[str, object]:
    return {"metadata": {"name": f"p{i}", "namespace": "crash"}, "spec": {"n": i, "pad": "x" * 200}}


def main(db: str) -> None:
    store = SqliteStore(db, history_revisions=0, history_seconds=0)
    out = sys.stdout
    i = 0
    while True:
        key = f"/registry/pods/crash/p{i}"
        obj = _obj(i)
        created = store.create(key, obj)
        out.write(f"C {i} {created['metadata']['resourceVersion']}\n")
        out.flush()
        if i % 3 == 0:
            updated = store.update(key, {**obj, "spec": {"n": -i}})
            out.write(f"U {i} {updated['metadata']['resourceVersion']}\n")
            out.flush()
        i += 1


async def grouped(db: str) -> None:
    store = SqliteStore(db, history_revisions=0, history_seconds=0)
    out = sys.stdout
    numbers = itertools.count()

    async def acknowledged() -> None:
        pending = store.commit_pending()
        if pending is not None:
            await pending

    async def writer() -> None:
        while True:
            i = next(numbers)
            key = f"/registry/pods/crash/p{i}"
            obj = _obj(i)
            token = store.deferred_commits()
            try:
                created = store.create(key, obj)
            finally:
                store.end_deferred_commits(token)
            await acknowledged()
            out.write(f"C {i} {created['metadata']['resourceVersion']}\n")
            out.flush()
            if i % 3 == 0:
                token = store.deferred_commits()
                try:
                    updated = store.update(key, {**obj, "spec": {"n": -i}})
                finally:
                    store.end_deferred_commits(token)
                await acknowledged()
                out.write(f"U {i} {updated['metadata']['resourceVersion']}\n")
                out.flush()

    await asyncio.gather(*(writer() for _ in range(8)))


if __name__ == "__main__":
    if sys.argv[2:] == ["group"]:
        asyncio.run(grouped(sys.argv[1]))
    else:
        main(sys.argv[1])
