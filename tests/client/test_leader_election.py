"""Leader election on a virtual clock with a fake Lease API: mutual exclusion (also under
random partitions), takeover after lease expiry, release on cancel, callbacks and config
validation."""

from __future__ import annotations

import asyncio
import copy
import random
from typing import Any

import pytest

from kcore.api.errors import AlreadyExists, Conflict, NotFound, ServiceUnavailable
from kcore.client.leader_election import (
    LeaderCallbacks,
    LeaderElectionConfig,
    LeaderElector,
    LeaseLock,
)
from kcore.util.clock import VirtualClock, parse_rfc3339


class LeaseAPI:
    """Just enough of the API for leases: optimistic concurrency and partitions."""

    def __init__(self) -> None:
        self.rv = 0
        self.leases: dict[tuple[str, str], dict[str, Any]] = {}
        self.partitioned: set[str] = set()

    def client(self, who: str) -> _Client:
        return _Client(self, who)


class _Client:
    def __init__(self, api: LeaseAPI, who: str) -> None:
        self.api = api
        self.who = who

    def _check(self) -> None:
        if self.who in self.api.partitioned:
            raise ServiceUnavailable(f"{self.who}: connection refused")

    async def get(self, resource: str, name: str, *, namespace: str | None = None) -> Any:
        self._check()
        lease = self.api.leases.get((namespace or "", name))
        if lease is None:
            raise NotFound(f'leases.coordination.k8s.io "{name}" not found')
        return copy.deepcopy(lease)

    async def create(self, resource: str, obj: Any, *, namespace: str | None = None) -> Any:
        self._check()
        key = (namespace or "", obj["metadata"]["name"])
        if key in self.api.leases:
            raise AlreadyExists("exists")
        self.api.rv += 1
        new = copy.deepcopy(obj)
        new["metadata"]["resourceVersion"] = str(self.api.rv)
        self.api.leases[key] = new
        return copy.deepcopy(new)

    async def update(self, resource: str, obj: Any, *, namespace: str | None = None) -> Any:
        self._check()
        key = (namespace or "", obj["metadata"]["name"])
        cur = self.api.leases.get(key)
        if cur is None:
            raise NotFound("gone")
        if obj["metadata"].get("resourceVersion") != cur["metadata"]["resourceVersion"]:
            raise Conflict("the object has been modified")
        self.api.rv += 1
        new = copy.deepcopy(obj)
        new["metadata"]["resourceVersion"] = str(self.api.rv)
        self.api.leases[key] = new
        return copy.deepcopy(new)


class Candidate:
    """An elector plus a record of when it led."""

    def __init__(
        self,
        api: LeaseAPI,
        clock: VirtualClock,
        who: str,
        log: list[tuple[float, str, str]],
        *,
        release_on_cancel: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        self.who = who
        self.clock = clock
        self.log = log
        self.new_leaders: list[str] = []
        self.stopped = 0
        lock = LeaseLock(api.client(who), "kube-system", "kcore-scheduler", who)  # type: ignore[arg-type]
        self.elector = LeaderElector(
            LeaderElectionConfig(
                lock=lock,
                callbacks=LeaderCallbacks(
                    on_started_leading=self._lead,
                    on_stopped_leading=self._stopped,
                    on_new_leader=self.new_leaders.append,
                ),
                release_on_cancel=release_on_cancel,
            ),
            clock,
            rng=rng,
        )

    async def _lead(self) -> None:
        self.log.append((self.clock.monotonic(), self.who, "start"))
        try:
            await asyncio.Event().wait()
        finally:
            self.log.append((self.clock.monotonic(), self.who, "stop"))

    def _stopped(self) -> None:
        self.stopped += 1

    async def campaign(self) -> None:
        """Stand for election again whenever leadership is lost."""
        while True:
            await self.elector.run()
            await self.clock.sleep(1)


def assert_never_two_leaders(log: list[tuple[float, str, str]]) -> int:
    leading: set[str] = set()
    starts = 0
    for _t, who, what in log:
        if what == "start":
            assert not leading, f"{who} started leading while {leading} led"
            leading.add(who)
            starts += 1
        else:
            leading.discard(who)
    return starts


def test_config_validation() -> None:
    lock = LeaseLock(LeaseAPI().client("a"), "ns", "l", "a")  # type: ignore[arg-type]
    cbs = LeaderCallbacks(on_started_leading=lambda: None, on_stopped_leading=lambda: None)
    with pytest.raises(ValueError, match="leaseDuration must be greater than renewDeadline"):
        LeaderElectionConfig(lock=lock, callbacks=cbs, lease_duration=10, renew_deadline=10)
    with pytest.raises(ValueError, match="renewDeadline must be greater than retryPeriod"):
        LeaderElectionConfig(lock=lock, callbacks=cbs, renew_deadline=2.3, retry_period=2)
    with pytest.raises(ValueError, match="identity must not be empty"):
        LeaseLock(LeaseAPI().client("a"), "ns", "l", "")  # type: ignore[arg-type]


def test_first_candidate_leads_and_lease_is_written() -> None:
    clock = VirtualClock()
    api = LeaseAPI()
    log: list[tuple[float, str, str]] = []

    async def main() -> None:
        a = Candidate(api, clock, "a", log)
        b = Candidate(api, clock, "b", log)
        ta = asyncio.ensure_future(a.campaign())
        await clock.sleep(0.5)
        tb = asyncio.ensure_future(b.campaign())
        await clock.sleep(120)
        assert a.elector.is_leader()
        assert not b.elector.leading
        assert b.elector.get_leader() == "a"
        assert b.new_leaders == ["a"]
        spec = api.leases[("kube-system", "kcore-scheduler")]["spec"]
        assert spec["holderIdentity"] == "a"
        assert spec["leaseDurationSeconds"] == 15
        assert spec["leaseTransitions"] == 0  # created, never changed hands
        # renewed every retry period (2 s): the last renewal is recent
        assert clock.now() - parse_rfc3339(spec["renewTime"]) <= 2.0
        ta.cancel()
        tb.cancel()

    clock.run(main())
    assert log[0] == (0.0, "a", "start")
    assert {who for _, who, _ in log} == {"a"}
    assert_never_two_leaders(log)


def test_takeover_after_expiry_when_leader_is_partitioned() -> None:
    clock = VirtualClock()
    api = LeaseAPI()
    log: list[tuple[float, str, str]] = []

    async def main() -> None:
        a = Candidate(api, clock, "a", log)
        b = Candidate(api, clock, "b", log)
        ta = asyncio.ensure_future(a.campaign())
        await clock.sleep(0.1)
        tb = asyncio.ensure_future(b.campaign())
        await clock.sleep(30)
        api.partitioned.add("a")
        await clock.sleep(60)
        assert b.elector.leading
        assert not a.elector.leading
        assert a.stopped >= 1
        assert b.new_leaders == ["a", "b"]
        ta.cancel()
        tb.cancel()

    clock.run(main())
    assert_never_two_leaders(log)
    a_stop = next(t for t, who, what in log if who == "a" and what == "stop")
    b_start = next(t for t, who, what in log if who == "b" and what == "start")
    # a's last renewal was at ~30 s; its next attempt (one retry period later) opens a
    # renew_deadline window, after which it gives up. b must see the record unchanged for a full
    # lease duration (observed on its own clock, polling every jittered retry period).
    retry = 2 * (1 + 0.5 * 1.2)
    assert 30 < a_stop <= 30 + 2 + 10
    assert a_stop < b_start <= 30 + retry + 15 + retry
    spec = api.leases[("kube-system", "kcore-scheduler")]["spec"]
    assert spec["leaseTransitions"] == 1


def test_release_on_cancel_lets_successor_in_quickly() -> None:
    clock = VirtualClock()
    api = LeaseAPI()
    log: list[tuple[float, str, str]] = []

    async def main() -> None:
        a = Candidate(api, clock, "a", log, release_on_cancel=True)
        b = Candidate(api, clock, "b", log)
        ta = asyncio.ensure_future(a.elector.run())
        await clock.sleep(0.1)
        tb = asyncio.ensure_future(b.campaign())
        await clock.sleep(20)
        ta.cancel()
        with pytest.raises(asyncio.CancelledError):
            await ta
        assert api.leases[("kube-system", "kcore-scheduler")]["spec"]["holderIdentity"] == ""
        assert a.stopped == 1
        await clock.sleep(10)
        tb.cancel()

    clock.run(main())
    assert_never_two_leaders(log)
    b_start = next(t for t, who, what in log if who == "b" and what == "start")
    assert 20.1 < b_start <= 20.1 + 2 * 1.2 * 2


@pytest.mark.parametrize("seed", range(6))
def test_never_two_leaders_under_random_partitions(seed: int) -> None:
    clock = VirtualClock()
    api = LeaseAPI()
    log: list[tuple[float, str, str]] = []
    rng = random.Random(seed)

    async def chaos() -> None:
        names = ["a", "b", "c"]
        while True:
            await clock.sleep(rng.uniform(1, 40))
            who = rng.choice(names)
            if who in api.partitioned:
                api.partitioned.discard(who)
            else:
                api.partitioned.add(who)

    async def main() -> None:
        cands = [
            Candidate(api, clock, n, log, rng=random.Random(seed * 10 + i))
            for i, n in enumerate("abc")
        ]
        tasks = [asyncio.ensure_future(c.campaign()) for c in cands]
        tasks.append(asyncio.ensure_future(chaos()))
        await clock.sleep(3600)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    clock.run(main())
    assert assert_never_two_leaders(log) >= 2  # leadership did change hands
