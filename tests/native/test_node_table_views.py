"""NodeTable snapshot contract: zero-copy read-only views owned by an immutable snapshot.

Covers: views share memory across columns() calls of one snapshot, assignment raises, views stay
valid after the table and scheduler are gone, a snapshot ignores later changes, an incremental
snapshot reuses storage only when nobody holds it, and schedule_batch releases the GIL.
"""

from __future__ import annotations

import gc
import sys
import threading

import numpy as np
import pytest

from kcore.scheduler import PodBatch, Scheduler
from kcore.testing.clusters import basic_node, basic_pod
from kcore.testing.wrappers import make_node, make_pod


@pytest.fixture
def sched() -> Scheduler:
    s = Scheduler(seed=1)
    for i in range(4):
        s.add_node(make_node(f"n{i}").zone(f"z{i % 2}").obj())
    return s


def test_views_are_zero_copy_and_read_only(sched: Scheduler) -> None:
    handle = sched._native.snapshot()
    a = handle.columns()["pod_count"]
    b = handle.columns()["pod_count"]
    assert np.shares_memory(a, b)
    assert not a.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        a[0] = 5
    view = sched.node_table()
    with pytest.raises(ValueError, match="read-only"):
        view.allocatable["cpu"][0] = 1
    assert view.label("topology.kubernetes.io/zone").tolist() == [0, 1, 0, 1]
    assert view.label_values("topology.kubernetes.io/zone") == ["z0", "z1"]
    assert view.label("missing").tolist() == [-1, -1, -1, -1]


def test_view_outlives_scheduler(sched: Scheduler) -> None:
    view = sched.node_table()
    cpu = view.allocatable["cpu"]
    del view, sched
    gc.collect()
    assert cpu.tolist() == [4000, 4000, 4000, 4000]


def test_snapshot_ignores_later_assume(sched: Scheduler) -> None:
    view = sched.node_table()
    before = view.requested["cpu"].copy()
    r = sched.schedule(make_pod("p").req(cpu="1").obj())
    assert r.node is not None
    assert view.requested["cpu"].tolist() == before.tolist()
    after = sched.node_table()
    row = after.names.index(r.node)
    assert after.requested["cpu"][row] == 1000


def test_incremental_snapshot_reuses_storage_only_when_unshared(sched: Scheduler) -> None:
    h1 = sched._native.snapshot()
    ptr1 = h1.columns()["pod_count"].__array_interface__["data"][0]
    del h1
    gc.collect()
    sched.schedule(make_pod("p").req(cpu="1").obj())
    h2 = sched._native.snapshot()
    assert h2.columns()["pod_count"].__array_interface__["data"][0] == ptr1
    assert int(h2.columns()["pod_count"].sum()) == 1
    sched.schedule(make_pod("q").req(cpu="1").obj())
    h3 = sched._native.snapshot()  # h2 is still held: fresh storage, h2 unchanged
    assert int(h2.columns()["pod_count"].sum()) == 1
    assert int(h3.columns()["pod_count"].sum()) == 2


def test_schedule_batch_releases_gil() -> None:
    s = Scheduler(seed=0)
    # The full pass keeps the call long enough for the other thread to be scheduled; the
    # equivalence cache would decide these identical pods in microseconds each.
    s._native.set_equivalence_cache(False)
    for i in range(2000):
        s.add_node(basic_node(i))
    pod = basic_pod("spread", app="x")
    pod["spec"]["topologySpreadConstraints"] = [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "x"}},
        }
    ]
    ticks = 0
    in_call = False
    stop = threading.Event()

    def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            if in_call:
                ticks += 1

    # With a long switch interval a thread holding the GIL keeps it: ticks can only happen
    # during the call if the native loop released the GIL.
    old = sys.getswitchinterval()
    sys.setswitchinterval(0.05)
    t = threading.Thread(target=ticker)
    t.start()
    try:
        in_call = True
        result = s.schedule_batch(PodBatch.from_template(pod, 300))
        in_call = False
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(old)
    assert result.scheduled == 300
    assert ticks > 0
