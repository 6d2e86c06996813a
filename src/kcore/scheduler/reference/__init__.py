"""Readable NumPy reference implementations ("twins") of every native scheduling kernel.

Each module mirrors one kube-scheduler plugin and states its formula in its docstring; the
functions evaluate one pod over **all** node rows at once with whole-column NumPy operations
(a loop over the bound pods is used where kube-scheduler itself walks pods: topology spreading
and inter-pod affinity). They read a :class:`ReferenceCluster` — the snapshot's columns plus the
Kubernetes objects the cluster was built from — and never call the native core, so that the
equivalence tests under ``tests/scheduler/reference`` compare two independent computations.

=====================  ====================================================================
module                 kernels
=====================  ====================================================================
nodeunschedulable      filter
nodename               filter
tainttoleration        filter, score (raw + reversed default normalisation)
nodeaffinity           prefilter (PreFilterResult / conflict), filter, score
nodeports              filter
noderesources          fit filter (reasons, Unresolvable), LeastAllocated / MostAllocated /
                       RequestedToCapacityRatio score, BalancedAllocation score
imagelocality          score
podtopologyspread      filter, score (raw + normalisation), default constraints
interpodaffinity       filter, score (raw + min-max normalisation)
selection              weighted totals, top set, seeded tie-break (TieBreaker)
cycle                  a whole cycle composed from the above (``run_cycle``)
=====================  ====================================================================

See ``README.md`` in this package for coverage, measured speed ratios and how to run the tests.
"""

from __future__ import annotations

from kcore.scheduler.reference.cluster import ReferenceCluster
from kcore.scheduler.reference.pod import PodRequirements, compile_pod
from kcore.scheduler.reference.results import FilterOutcome, ScoreOutcome

__all__ = ["FilterOutcome", "PodRequirements", "ReferenceCluster", "ScoreOutcome", "compile_pod"]
