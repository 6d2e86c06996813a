"""``SchedulerApp``, the process around the component (``kcore scheduler``, ``kcore up``).

Covered: ``gc_freeze`` moves what is alive once the informers synced to CPython's permanent
generation and :meth:`~kcore.scheduler.component.app.SchedulerApp.stop` undoes it; without it
(embedders, the default) the process's collector is left alone; scheduling is unaffected.
Leader election and faults are in ``test_faults.py``.
"""

from __future__ import annotations

import gc
from typing import Any

import pytest

from kcore.scheduler.component.app import SchedulerApp, SchedulerOptions


@pytest.mark.parametrize("freeze", [pytest.param(True, id="freeze"), pytest.param(False, id="no")])
def test_gc_freeze_after_start_up_is_undone_on_stop(run: Any, freeze: bool) -> None:
    async def scenario(c: Any) -> None:
        for i in range(3):
            await c.node(f"n{i}")
        assert gc.get_freeze_count() == 0
        app = SchedulerApp(
            c.client, c.clock, SchedulerOptions(port=None, leader_elect=False, gc_freeze=freeze)
        )
        await app.start()
        try:
            frozen = gc.get_freeze_count()
            assert (frozen > 0) is freeze
            await c.pod("p")
            await c.until(lambda: c.node_of("p") is not None)
        finally:
            await app.stop()
        assert gc.get_freeze_count() == 0

    run(scenario)
