"""``--mode http``: the scheduler component through a real APIServer process (SQLite, TLS).

Covered: preemption through the API takes a bounded number of scheduling attempts. Each
preemptor of PreemptionBasic nominates a node once and binds on a later attempt; it is not
retried while its victims are being deleted (the HTTP watch delivers their deletions one by
one, and a retry in between finds the node still half full and preempts elsewhere: before
DefaultPreemption's PreEnqueue gate, 20 preemptors took hundreds of attempts). Counts, not
seconds, so a loaded machine cannot make it flaky. Not covered: speed (``kcore bench``).
"""

from __future__ import annotations

import pytest

from kcore.sim.bench import embedded_test_cases, run_workload
from kcore.sim.workload import Workload

pytestmark = pytest.mark.e2e


def test_preemption_over_http_takes_a_bounded_number_of_attempts() -> None:
    case = next(c for c in embedded_test_cases() if c.name == "PreemptionBasic")
    preemptors = 20
    small = Workload(
        name="tiny",
        params={"initNodes": 20, "initPods": 4 * preemptors, "measurePods": preemptors},
    )
    (r,) = run_workload(case, small, mode="http", seed=3)
    assert r.pods == preemptors
    backend = r.backend
    assert backend["errors"] == 0
    assert backend["bind_failures"] == 0
    # One nominating attempt per preemptor, plus a few retries: a retry racing the watch
    # (the last victim's deletion not seen yet) or a result voided by an earlier nomination
    # of the same batch.
    assert preemptors <= backend["preemptions"] <= preemptors + preemptors // 4
    assert r.unschedulable <= 2 * preemptors
    assert r.attempts == r.unschedulable + preemptors
