"""Shared fixtures of the reference-kernel equivalence tests.

``build(scenario, profile)`` loads a :class:`~kcore.testing.clusters.Scenario` into a native
:class:`~kcore.scheduler.Scheduler` and builds the :class:`ReferenceCluster` the NumPy
references read (the snapshot's columns plus the scenario's objects). ``profiles`` holds the
profile variants the tests run: kcore's default and variants exercising every plugin argument
the native kernels read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from kcore.scheduler import Scheduler
from kcore.scheduler.apis.config import default_profile, load_config
from kcore.scheduler.reference.cluster import ReferenceCluster
from kcore.scheduler.reference.cycle import PluginArgs

if TYPE_CHECKING:
    from collections.abc import Callable

    from kcore.scheduler.apis.config.types import ResolvedProfile
    from kcore.testing.clusters import Scenario


def _profile(*plugin_config: dict[str, Any]) -> ResolvedProfile:
    return load_config({"profiles": [{"pluginConfig": list(plugin_config)}]}).profile()


def _fit(strategy: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "NodeResourcesFit", "args": {"scoringStrategy": strategy, **extra}}


def _resources(**weights: int) -> list[dict[str, Any]]:
    """Scoring resources by keyword (``gpu`` = example.com/gpu, ``eph`` = ephemeral-storage,
    ``hugepages`` = hugepages-2Mi)."""
    names = {"gpu": "example.com/gpu", "eph": "ephemeral-storage", "hugepages": "hugepages-2Mi"}
    return [{"name": names.get(k, k), "weight": w} for k, w in weights.items()]


PROFILE_VARIANTS: dict[str, Callable[[], ResolvedProfile]] = {
    "default": default_profile,
    "fit-ignored": lambda: _profile(
        _fit(
            {"type": "LeastAllocated"},
            ignoredResources=["example.com/gpu"],
            ignoredResourceGroups=["hugepages"],
        )
    ),
    "least-weighted": lambda: _profile(
        _fit(
            {
                "type": "LeastAllocated",
                "resources": _resources(cpu=3, memory=1, gpu=2, eph=1),
            }
        )
    ),
    "most": lambda: _profile(
        _fit(
            {
                "type": "MostAllocated",
                "resources": _resources(cpu=2, memory=1, gpu=3, eph=1),
            },
            ignoredResourceGroups=["example.com"],
        )
    ),
    "rtcr-falling": lambda: _profile(
        _fit(
            {
                "type": "RequestedToCapacityRatio",
                "resources": _resources(cpu=2, memory=1, gpu=3, pods=1, hugepages=1),
                "requestedToCapacityRatio": {
                    "shape": [
                        {"utilization": 0, "score": 10},
                        {"utilization": 40, "score": 3},
                        {"utilization": 100, "score": 0},
                    ]
                },
            },
            ignoredResources=["example.com/fpga"],
        )
    ),
    "rtcr-rising": lambda: _profile(
        _fit(
            {
                "type": "RequestedToCapacityRatio",
                "resources": _resources(cpu=1, memory=1),
                "requestedToCapacityRatio": {
                    "shape": [
                        {"utilization": 10, "score": 1},
                        {"utilization": 60, "score": 8},
                        {"utilization": 90, "score": 10},
                    ]
                },
            }
        )
    ),
    "balanced-many": lambda: _profile(
        {
            "name": "NodeResourcesBalancedAllocation",
            "args": {"resources": _resources(cpu=1, memory=1, gpu=1, eph=1)},
        }
    ),
    "interpod-hard": lambda: _profile(
        {"name": "InterPodAffinity", "args": {"hardPodAffinityWeight": 7}}
    ),
    "interpod-ignore-preferred": lambda: _profile(
        {
            "name": "InterPodAffinity",
            "args": {"hardPodAffinityWeight": 0, "ignorePreferredTermsOfExistingPods": True},
        }
    ),
    "spread-list": lambda: _profile(
        {
            "name": "PodTopologySpread",
            "args": {
                "defaultingType": "List",
                "defaultConstraints": [
                    {
                        "maxSkew": 1,
                        "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "DoNotSchedule",
                    },
                    {
                        "maxSkew": 2,
                        "topologyKey": "kubernetes.io/hostname",
                        "whenUnsatisfiable": "ScheduleAnyway",
                    },
                ],
            },
        }
    ),
    "added-affinity": lambda: _profile(
        {
            "name": "NodeAffinity",
            "args": {
                "addedAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {"key": "disk", "operator": "NotIn", "values": ["hdd"]}
                                ]
                            }
                        ]
                    },
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "weight": 30,
                            "preference": {
                                "matchExpressions": [{"key": "rack", "operator": "Exists"}]
                            },
                        }
                    ],
                }
            },
        }
    ),
}


@dataclass(frozen=True)
class Built:
    """A scenario loaded into the native scheduler, and its reference twin."""

    scenario: Scenario
    profile: ResolvedProfile
    scheduler: Scheduler
    cluster: ReferenceCluster
    args: PluginArgs

    def describe(self, row: int) -> str:
        return f"row {row} ({self.cluster.names[row]!r})"

    def assert_rows_equal(self, got: Any, want: Any, what: str) -> None:
        """Exact equality on the live rows, naming the first differing nodes."""
        live = self.cluster.live
        diff = np.flatnonzero(live & (np.asarray(got) != np.asarray(want)))
        assert diff.size == 0, (
            f"{what}: native and reference differ on {diff.size} node(s): "
            + "; ".join(
                f"{self.describe(int(r))} native {got[r]} reference {want[r]}" for r in diff[:5]
            )
        )


class Profiles(dict[str, "ResolvedProfile"]):
    """Profile variants by name (a short repr keeps Hypothesis' failure reports readable)."""

    def __repr__(self) -> str:
        return f"<profiles {sorted(self)}>"


@pytest.fixture(scope="session")
def profiles() -> Profiles:
    return Profiles({name: make() for name, make in PROFILE_VARIANTS.items()})


@pytest.fixture(scope="session")
def build() -> Callable[..., Built]:
    def _build(scenario: Scenario, profile: ResolvedProfile, seed: int = 0) -> Built:
        s = scenario.build(Scheduler(profile, seed=seed))
        cluster = ReferenceCluster(
            s.node_table(),
            nodes=scenario.nodes,
            pods=scenario.live_pods,
            namespaces=scenario.namespaces,
            objects=scenario.objects,
            removed_nodes=scenario.removed,
        )
        return Built(scenario, profile, s, cluster, PluginArgs.from_profile(profile))

    return _build
