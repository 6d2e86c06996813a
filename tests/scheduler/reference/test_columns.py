"""The NodeTable columns the native kernels read equal what the objects say (Hypothesis).

The references take the snapshot's columns as inputs, so the columns themselves are checked
against an independent aggregation of the scenario's objects: allocatable (quantities parsed
in Python), requested and non-zero requested sums of the bound pods (the reference's own request
aggregation: init and sidecar containers, pod-level requests, overhead), pod counts, cordons,
label columns and taint bitsets. Removed nodes leave free rows that hold nothing.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kcore.api.quantity import parse_quantity
from kcore.scheduler.reference.pod import Taint, is_scalar_resource
from kcore.testing.clusters import random_scenario


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), nodes=st.integers(1, 40), pods=st.integers(0, 80))
def test_columns_equal_object_aggregates(build, profiles, seed, nodes, pods) -> None:
    b = build(random_scenario(seed, nodes, pods, incoming=0), profiles["default"])
    view, cluster = b.scheduler.node_table(), b.cluster
    live = cluster.live
    resources = set(view.allocatable)
    want_alloc = {r: np.zeros(view.size, np.int64) for r in resources}
    want_req = {r: np.zeros(view.size, np.int64) for r in resources}
    want_nz_cpu = np.zeros(view.size, np.int64)
    want_nz_mem = np.zeros(view.size, np.int64)
    want_count = np.zeros(view.size, np.int64)
    for node in b.scenario.nodes:
        name = node["metadata"]["name"]
        if name not in cluster.row_of:
            continue
        row = cluster.row_of[name]
        for r, q in node["status"]["allocatable"].items():
            quantity = parse_quantity(q)
            want_alloc[r][row] = quantity.milli_value() if r == "cpu" else quantity.value()
        labels = node["metadata"]["labels"]
        for key in view.label_keys:
            ids = view.label(key)
            got = view.label_values(key)[ids[row]] if ids[row] >= 0 else None
            assert got == labels.get(key), f"{name}: label {key}"
        taints = {
            Taint(t["key"], t.get("value", ""), t["effect"]) for t in node["spec"].get("taints", [])
        }
        bits = cluster.taint_bits[row]
        carried = {t for i, t in enumerate(cluster.taints) if int(bits[i // 64]) >> (i % 64) & 1}
        assert carried == taints, f"{name}: taints"
        assert bool(view.unschedulable[row]) == bool(node["spec"].get("unschedulable")), name
    for pod, row in zip(cluster.pods, cluster.pod_rows, strict=True):
        want_count[row] += 1
        for r, v in pod.requests.items():
            if r in want_req:
                want_req[r][row] += v
            else:
                assert v == 0 or not is_scalar_resource(r), f"{pod.key}: {r} has no column"
        want_nz_cpu[row] += pod.request("cpu", nonzero=True)
        want_nz_mem[row] += pod.request("memory", nonzero=True)
    for r in resources:
        b.assert_rows_equal(view.allocatable[r], want_alloc[r], f"allocatable {r}")
        if r != "pods":
            b.assert_rows_equal(view.requested[r], want_req[r], f"requested {r}")
    b.assert_rows_equal(view.nonzero_requested_cpu, want_nz_cpu, "non-zero requested cpu")
    b.assert_rows_equal(view.nonzero_requested_memory, want_nz_mem, "non-zero requested memory")
    b.assert_rows_equal(view.pod_count, want_count, "pod count")
    assert sorted(np.asarray(view.names, dtype=object)[live].tolist()) == sorted(cluster.row_of)
    assert not np.asarray(view.unschedulable)[~live].any()
