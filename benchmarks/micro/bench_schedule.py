"""Throughput of ``schedule_batch`` per workload and cluster size (single thread).

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/micro/bench_schedule.py [--nodes 5000 50000]``.
Prints pods/s and µs/pod for SchedulingBasic and the required anti-affinity, pod affinity and
topology spreading workloads, best of ``--repeat``, each on a fresh scheduler (so the first
cycle, which builds the equivalence-class entry, is included). ``--full-pass`` switches the
equivalence-class cache off: every cycle evaluates every node (the path of pods that differ from
each other). Numbers are wall-clock on whatever machine runs it; compare ratios within one run.
"""

from __future__ import annotations

import argparse
import time

from kcore.scheduler import PodBatch, Scheduler
from kcore.testing.clusters import basic_node, basic_pod


def workload(kind: str) -> dict:
    pod = basic_pod(kind, app=kind)
    sel = {"labelSelector": {"matchLabels": {"app": kind}}}
    if kind == "anti-affinity":
        pod["spec"]["affinity"] = {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {**sel, "topologyKey": "kubernetes.io/hostname"}
                ]
            }
        }
    elif kind == "pod-affinity":
        pod["spec"]["affinity"] = {
            "podAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {**sel, "topologyKey": "topology.kubernetes.io/zone"}
                ]
            }
        }
    elif kind == "topology-spread":
        pod["spec"]["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "DoNotSchedule",
                **sel,
            }
        ]
    return pod


def measure(nodes: int, kind: str, pods: int, repeat: int, *, full_pass: bool = False) -> float:
    best = float("inf")
    for _ in range(repeat):
        s = Scheduler(seed=1)
        s._native.set_equivalence_cache(not full_pass)
        for i in range(nodes):
            s.add_node(basic_node(i))
        batch = PodBatch.from_template(workload(kind), pods)
        t = time.perf_counter()
        r = s.schedule_batch(batch)
        dt = time.perf_counter() - t
        assert r.scheduled == pods
        best = min(best, dt / pods)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, nargs="+", default=[5000, 50000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--full-pass", action="store_true", help="switch the equivalence cache off")
    args = ap.parse_args()
    plan = [
        ("basic", 50000),
        ("anti-affinity", 2000),
        ("pod-affinity", 2000),
        ("topology-spread", 2000),
    ]
    for nodes in args.nodes:
        for kind, pods in plan:
            n = pods if nodes <= 5000 else max(pods // 5, 200)
            if args.full_pass:
                n = min(n, 2000 if nodes <= 5000 else 200)
            per = measure(nodes, kind, n, args.repeat, full_pass=args.full_pass)
            print(
                f"nodes={nodes:>6} {kind:<16} pods={n:>6}: "
                f"{1 / per:>10,.0f} pods/s  {per * 1e6:8.1f} us/pod"
            )


if __name__ == "__main__":
    main()
