"""Selection: weighted totals, top set and the seeded tie-break equal the native scheduler's.

``TieBreaker`` replays the native xoshiro256** generator, so on clusters of identical nodes
(every node in the top set) the node picked by each successive cycle is predicted exactly.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kcore.scheduler import Scheduler
from kcore.scheduler.apis.config import default_profile
from kcore.scheduler.reference.cluster import ReferenceCluster
from kcore.scheduler.reference.cycle import run_cycle
from kcore.scheduler.reference.results import ScoreOutcome
from kcore.scheduler.reference.selection import TieBreaker, select_host, top_rows, weighted_total
from kcore.testing.wrappers import make_node, make_pod


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**64 - 1), nodes=st.integers(2, 40), cycles=st.integers(1, 12))
def test_tie_break_sequence_equals_native(seed: int, nodes: int, cycles: int) -> None:
    # Huge identical nodes: placing a few 100m/200Mi pods leaves every node at the same score.
    s = Scheduler(seed=seed)
    for i in range(nodes):
        s.add_node(make_node(f"n{i:02d}").capacity(cpu="10000", memory="100Ti", pods="1000").obj())
    rng = TieBreaker(seed)
    names = s.node_names()
    for k in range(cycles):
        got = s.schedule(make_pod(f"p{k}").obj())
        assert got.node == names[rng.below(nodes)], f"cycle {k}"


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**64 - 1), pattern=st.lists(st.booleans(), min_size=2, max_size=30))
def test_selected_row_equals_native_with_non_top_nodes_interleaved(seed, pattern) -> None:
    """Top nodes (big, empty) and worse nodes (small) interleaved in row order: the k-th *top*
    row is picked, k drawn from the seeded generator."""
    nodes = [
        make_node(f"n{i:02d}")
        .capacity(cpu="64" if top else "2", memory="256Gi" if top else "4Gi", pods="110")
        .obj()
        for i, top in enumerate(pattern)
    ]
    s = Scheduler(seed=seed)
    for n in nodes:
        s.add_node(n)
    cluster = ReferenceCluster(s.node_table(), nodes=nodes)
    pod = make_pod("p").req(cpu="1", memory="1Gi").obj()
    got = s.explain(pod)
    want = run_cycle(cluster, pod, default_profile(), seed=seed)
    assert got.top_nodes == tuple(sorted(cluster.names[want.top].tolist()))
    assert got.node == (cluster.names[want.chosen] if want.chosen is not None else None)


def test_explain_does_not_consume_the_generator() -> None:
    s = Scheduler(seed=7)
    for i in range(5):
        s.add_node(make_node(f"n{i}").obj())
    first = s.explain(make_pod("p").obj()).node
    assert s.explain(make_pod("p").obj()).node == first
    assert first == s.node_names()[TieBreaker(7).below(5)]


@pytest.mark.parametrize(
    ("bound", "draws"),
    [
        pytest.param(1, [0, 0, 0], id="one-choice"),
        pytest.param(3, None, id="three"),
        pytest.param(2**63 + 1, None, id="huge-bound-rejection"),
    ],
)
def test_below_stays_in_range_and_is_deterministic(bound: int, draws: list[int] | None) -> None:
    a, b = TieBreaker(123), TieBreaker(123)
    xs = [a.below(bound) for _ in range(200)]
    assert xs == [b.below(bound) for _ in range(200)]
    assert all(0 <= x < bound for x in xs)
    if draws is not None:
        assert xs[: len(draws)] == draws


def test_weighted_total_top_set_and_single_feasible_node() -> None:
    feasible = np.array([True, True, False, True])
    a = ScoreOutcome("A", np.zeros(4, np.int64), np.array([10, 50, 99, 50], np.int64))
    b = ScoreOutcome("B", np.zeros(4, np.int64), np.array([100, 0, 99, 0], np.int64))
    totals = weighted_total([(a, 3), (b, 1)], feasible)
    assert totals.tolist() == [130, 150, 0, 150]
    assert top_rows(totals, feasible).tolist() == [1, 3]
    assert select_host(totals, feasible, TieBreaker(0)) in (1, 3)
    only = np.array([False, False, True, False])
    rng = TieBreaker(5)
    assert select_host(totals, only, rng) == 2
    assert rng.next() == TieBreaker(5).next()  # a single feasible node takes no draw
    assert select_host(totals, np.zeros(4, bool), rng) is None
