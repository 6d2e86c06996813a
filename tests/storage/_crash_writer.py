"""Child process of the sqlite crash test: writes until killed, reporting each acknowledged write.

Usage: ``python _crash_writer.py DB``. Prints ``C <i> <revision>`` after ``create`` of
``/registry/pods/crash/p<i>`` returned and ``U <i> <revision>`` after an update of it returned,
flushing each line, so every printed line is a write the store acknowledged.
"""

from __future__ import annotations

import sys

from kcore.storage.sqlite import SqliteStore


def main(db: str) -> None:
    store = SqliteStore(db, history_revisions=0, history_seconds=0)
    out = sys.stdout
    i = 0
    while True:
        key = f"/registry/pods/crash/p{i}"
        obj = {
            "metadata": {"name": f"p{i}", "namespace": "crash"},
            "spec": {"n": i, "pad": "x" * 200},
        }
        created = store.create(key, obj)
        out.write(f"C {i} {created['metadata']['resourceVersion']}\n")
        out.flush()
        if i % 3 == 0:
            updated = store.update(key, {**obj, "spec": {"n": -i}})
            out.write(f"U {i} {updated['metadata']['resourceVersion']}\n")
            out.flush()
        i += 1


if __name__ == "__main__":
    main(sys.argv[1])
