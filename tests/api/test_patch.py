"""Tests for kcore.api.patch: JSON patch, merge patch, strategic merge patch, server-side apply."""

from __future__ import annotations

import contextlib
import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcore.api import patch as P
from kcore.api.errors import BadRequest, Conflict, Invalid, UnsupportedMediaType

DOC = {"a": {"b": [1, 2, 3], "c": "x"}, "k~/": 1}


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        (
            [{"op": "add", "path": "/a/b/1", "value": 9}],
            {"a": {"b": [1, 9, 2, 3], "c": "x"}, "k~/": 1},
        ),
        (
            [{"op": "add", "path": "/a/b/-", "value": 9}],
            {"a": {"b": [1, 2, 3, 9], "c": "x"}, "k~/": 1},
        ),
        ([{"op": "remove", "path": "/a/c"}], {"a": {"b": [1, 2, 3]}, "k~/": 1}),
        (
            [{"op": "replace", "path": "/k~0~1", "value": 2}],
            {"a": {"b": [1, 2, 3], "c": "x"}, "k~/": 2},
        ),
        (
            [{"op": "move", "from": "/a/c", "path": "/d"}],
            {"a": {"b": [1, 2, 3]}, "k~/": 1, "d": "x"},
        ),
        (
            [{"op": "copy", "from": "/a/b/0", "path": "/e"}],
            {"a": {"b": [1, 2, 3], "c": "x"}, "k~/": 1, "e": 1},
        ),
        (
            [{"op": "test", "path": "/a/c", "value": "x"}, {"op": "remove", "path": "/a"}],
            {"k~/": 1},
        ),
    ],
)
def test_json_patch(ops: list, expected: dict) -> None:
    before = copy.deepcopy(DOC)
    assert P.apply_json_patch(DOC, ops) == expected
    assert before == DOC


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "test", "path": "/a/c", "value": "y"}],
        [{"op": "test", "path": "/k~0~1", "value": True}],
        [{"op": "remove", "path": "/nope"}],
        [{"op": "replace", "path": "/nope", "value": 1}],
        [{"op": "add", "path": "/a/b/7", "value": 1}],
        [{"op": "add", "path": "/x/y", "value": 1}],
    ],
)
def test_json_patch_failures_are_422(ops: list) -> None:
    with pytest.raises(Invalid) as exc:
        P.apply_json_patch(DOC, ops)
    assert exc.value.code == 422
    assert exc.value.message == "the server rejected our request due to an error in our request"
    assert exc.value.details.causes


def test_json_patch_bad_requests() -> None:
    with pytest.raises(BadRequest):
        P.apply_json_patch(DOC, {"op": "add"})
    with pytest.raises(BadRequest):
        P.apply_json_patch(DOC, [{"op": "frobnicate", "path": "/a"}])
    with pytest.raises(BadRequest):
        P.apply_json_patch(DOC, [{"op": "add", "path": "a", "value": 1}])


def test_merge_patch() -> None:
    cur = {"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"list": [1, 2]}}
    out = P.apply_merge_patch(
        cur, {"metadata": {"labels": {"a": None, "c": "3"}}, "spec": {"list": [3]}}
    )
    assert out == {"metadata": {"labels": {"b": "2", "c": "3"}}, "spec": {"list": [3]}}
    assert cur["metadata"]["labels"] == {"a": "1", "b": "2"}


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text("ab", max_size=2),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text("abc", max_size=2), children, max_size=3)
    ),
    max_leaves=12,
)


@given(
    st.dictionaries(st.text("abc", max_size=2), _JSON, max_size=4),
    st.dictionaries(st.text("abc", max_size=2), _JSON, max_size=4),
)
def test_merge_patch_round_trip(a: dict, b: dict) -> None:
    # RFC 7386 cannot express null values in the target; drop them from b
    def strip(x: object) -> object:
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if v is not None}
        return x

    b2 = strip(b)
    assert P.apply_merge_patch(a, P.create_merge_patch(a, b2)) == b2


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test"]),
                "path": st.sampled_from(["", "/a", "/a/b", "/a/b/0", "/a/b/-", "/x", "/a/c/1"]),
                "from": st.sampled_from(["/a", "/a/b/1", "/k~0~1"]),
                "value": _JSON,
            }
        ),
        max_size=4,
    )
)
def test_json_patch_fuzz_only_documented_errors(ops: list) -> None:
    with contextlib.suppress(Invalid, BadRequest):
        P.apply_json_patch(DOC, ops)


# ---------------------------------------------------------------------------- strategic merge

DEPLOY = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "web",
        "labels": {"app": "web"},
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"a":1}\n'},
        "finalizers": ["a"],
    },
    "spec": {
        "replicas": 2,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
        "template": {
            "spec": {
                "containers": [
                    {
                        "name": "nginx",
                        "image": "nginx:1",
                        "args": ["a", "b"],
                        "ports": [
                            {"containerPort": 80, "protocol": "TCP"},
                            {"containerPort": 443, "protocol": "TCP"},
                        ],
                        "env": [{"name": "A", "value": "1"}],
                    },
                    {"name": "side", "image": "busybox"},
                ],
                "volumes": [{"name": "data", "emptyDir": {}}],
                "tolerations": [{"key": "a", "operator": "Exists"}],
            }
        },
    },
}


def _containers(obj: dict) -> list:
    return obj["spec"]["template"]["spec"]["containers"]


def test_smp_merges_lists_by_key() -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "nginx",
                            "image": "nginx:2",
                            "ports": [{"containerPort": 80, "name": "http"}],
                            "env": [{"name": "B", "value": "2"}],
                            "args": ["c"],
                        }
                    ],
                    "tolerations": [{"key": "b", "operator": "Exists"}],
                }
            }
        }
    }
    out = P.apply_strategic_merge_patch(DEPLOY, patch)
    nginx, side = _containers(out)
    assert nginx["image"] == "nginx:2"
    assert nginx["ports"] == [
        {"containerPort": 80, "protocol": "TCP", "name": "http"},
        {"containerPort": 443, "protocol": "TCP"},
    ]
    assert nginx["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert nginx["args"] == ["c"], "args are atomic"
    assert side == {"name": "side", "image": "busybox"}
    assert out["spec"]["template"]["spec"]["tolerations"] == [{"key": "b", "operator": "Exists"}]
    assert out["metadata"]["annotations"] == DEPLOY["metadata"]["annotations"]
    assert _containers(DEPLOY)[0]["image"] == "nginx:1", "input untouched"


def test_smp_directives() -> None:
    out = P.apply_strategic_merge_patch(
        DEPLOY,
        {"spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}}}},
    )
    assert [c["name"] for c in _containers(out)] == ["nginx"]
    out = P.apply_strategic_merge_patch(
        DEPLOY,
        {
            "spec": {
                "template": {
                    "spec": {"containers": [{"name": "only", "image": "x"}, {"$patch": "replace"}]}
                }
            }
        },
    )
    assert _containers(out) == [{"name": "only", "image": "x"}]
    out = P.apply_strategic_merge_patch(
        DEPLOY, {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    )
    assert out["spec"]["strategy"] == {"type": "Recreate"}
    out = P.apply_strategic_merge_patch(
        DEPLOY, {"spec": {"strategy": {"$patch": "replace", "type": "Recreate"}}}
    )
    assert out["spec"]["strategy"] == {"type": "Recreate"}
    out = P.apply_strategic_merge_patch(
        DEPLOY, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"], "finalizers": ["b"]}}
    )
    assert out["metadata"]["finalizers"] == ["b"]
    out = P.apply_strategic_merge_patch(DEPLOY, {"metadata": {"finalizers": ["b", "a"]}})
    assert out["metadata"]["finalizers"] == ["a", "b"], "finalizers merge as a set"
    out = P.apply_strategic_merge_patch(
        DEPLOY,
        {
            "spec": {
                "template": {
                    "spec": {
                        "$setElementOrder/containers": [{"name": "side"}, {"name": "nginx"}],
                        "containers": [{"name": "nginx", "image": "nginx:3"}],
                    }
                }
            }
        },
    )
    assert [c["name"] for c in _containers(out)] == ["side", "nginx"]
    out = P.apply_strategic_merge_patch(
        DEPLOY, {"metadata": {"labels": {"app": None}}, "spec": {"replicas": 3}}
    )
    assert out["metadata"]["labels"] == {}
    assert out["spec"]["replicas"] == 3


def test_smp_errors() -> None:
    with pytest.raises(UnsupportedMediaType):
        P.apply_strategic_merge_patch({"apiVersion": "example.com/v1", "kind": "Widget"}, {"a": 1})
    with pytest.raises(BadRequest, match="does not contain declared merge key: name"):
        P.apply_strategic_merge_patch(
            DEPLOY, {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}
        )
    with pytest.raises(BadRequest):
        P.apply_strategic_merge_patch(DEPLOY, [1])


@given(st.dictionaries(st.sampled_from(["metadata", "spec", "status", "x"]), _JSON, max_size=3))
def test_smp_fuzz_only_documented_errors(patch: dict) -> None:
    with contextlib.suppress(BadRequest):
        P.apply_strategic_merge_patch(DEPLOY, patch)


# ---------------------------------------------------------------------------- server-side apply

CFG = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web", "tier": "fe"}},
    "spec": {
        "replicas": 3,
        "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1"}]}},
    },
}


def _fields(obj: dict, manager: str) -> dict:
    for e in obj["metadata"].get("managedFields", []):
        if e["manager"] == manager:
            return e["fieldsV1"]
    return {}


def test_ssa_create_records_fields() -> None:
    out = P.server_side_apply({}, CFG, manager="kubectl", now=0)
    (entry,) = out["metadata"]["managedFields"]
    assert entry["operation"] == "Apply"
    assert entry["apiVersion"] == "apps/v1"
    assert entry["fieldsType"] == "FieldsV1"
    assert entry["time"] == "1970-01-01T00:00:00Z"
    assert entry["fieldsV1"] == {
        "f:metadata": {"f:labels": {"f:app": {}, "f:tier": {}}},
        "f:spec": {
            "f:replicas": {},
            "f:template": {
                "f:spec": {
                    "f:containers": {'k:{"name":"nginx"}': {".": {}, "f:image": {}, "f:name": {}}}
                }
            },
        },
    }
    assert out["spec"] == CFG["spec"]


def test_ssa_conflict_force_and_shared_ownership() -> None:
    live = P.server_side_apply({}, CFG, manager="kubectl", now=0)
    scaled = copy.deepcopy(live)
    scaled["spec"]["replicas"] = 5
    P.update_managed_fields(scaled, live, manager="kube-controller", now=60)
    assert _fields(scaled, "kube-controller") == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in _fields(scaled, "kubectl")["f:spec"]
    with pytest.raises(Conflict) as exc:
        P.server_side_apply(scaled, CFG, manager="kubectl", now=120)
    assert exc.value.code == 409
    assert exc.value.message == (
        'Apply failed with 1 conflict: conflict with "kube-controller" using apps/v1 '
        "at 1970-01-01T00:01:00Z: .spec.replicas"
    )
    (cause,) = exc.value.details.causes
    assert (cause.reason, cause.field) == ("FieldManagerConflict", ".spec.replicas")
    # same value: no conflict, shared ownership
    same = copy.deepcopy(CFG)
    same["spec"]["replicas"] = 5
    shared = P.server_side_apply(scaled, same, manager="kubectl", now=130)
    assert _fields(shared, "kube-controller") == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" in _fields(shared, "kubectl")["f:spec"]
    forced = P.server_side_apply(scaled, CFG, manager="kubectl", force=True, now=140)
    assert forced["spec"]["replicas"] == 3
    assert _fields(forced, "kube-controller") == {}


def test_ssa_removes_dropped_fields_and_merges_lists() -> None:
    live = P.server_side_apply({}, CFG, manager="kubectl", now=0)
    other = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "envoy"}]}}},
    }
    both = P.server_side_apply(live, other, manager="mesh", now=1)
    assert [c["name"] for c in _containers(both)] == ["nginx", "sidecar"]
    smaller = copy.deepcopy(CFG)
    del smaller["metadata"]["labels"]["tier"]
    smaller["spec"]["template"]["spec"]["containers"] = []
    out = P.server_side_apply(both, smaller, manager="kubectl", now=2)
    assert out["metadata"]["labels"] == {"app": "web"}
    assert [c["name"] for c in _containers(out)] == ["sidecar"]


def test_ssa_requires_manager_and_object() -> None:
    with pytest.raises(BadRequest, match="fieldManager"):
        P.server_side_apply({}, CFG, manager="")
    with pytest.raises(BadRequest):
        P.server_side_apply({}, [1], manager="m")


def test_update_managed_fields_create_and_status() -> None:
    obj = json.loads(json.dumps(CFG))
    obj["status"] = {"replicas": 1}
    P.update_managed_fields(obj, None, manager="kubectl-create", now=5)
    (entry,) = obj["metadata"]["managedFields"]
    assert entry["operation"] == "Update"
    assert "f:status" not in entry["fieldsV1"]
    new = copy.deepcopy(obj)
    new["status"]["replicas"] = 2
    P.update_managed_fields(new, obj, manager="ctrl", now=6, subresource="status")
    status_entry = next(e for e in new["metadata"]["managedFields"] if e["manager"] == "ctrl")
    assert status_entry["subresource"] == "status"
    assert status_entry["fieldsV1"] == {"f:status": {"f:replicas": {}}}


def test_fields_of_paths() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "finalizers": ["x"]},
        "spec": {
            "containers": [{"name": "c", "ports": [{"containerPort": 80, "protocol": "TCP"}]}],
            "nodeSelector": {"a": "b"},
        },
    }
    fs = P.fields_of(pod)
    assert ("f:metadata", "f:finalizers", 'v:"x"') in fs
    assert (
        "f:spec",
        "f:containers",
        'k:{"name":"c"}',
        "f:ports",
        'k:{"containerPort":80,"protocol":"TCP"}',
        ".",
    ) in fs
    assert ("f:spec", "f:nodeSelector") in fs, "atomic map is one leaf"


_LABEL_KEYS = st.sampled_from(["a", "b", "c", "d", "e"])
_LABELS = st.dictionaries(_LABEL_KEYS, st.sampled_from(["1", "2"]), max_size=4)


def _cm(labels: dict[str, str], data: dict[str, str] | None = None) -> dict:
    obj: dict = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "labels": labels},
    }
    if data is not None:
        obj["data"] = data
    return obj


@given(_LABELS, _LABELS)
def test_ssa_properties(first: dict[str, str], second: dict[str, str]) -> None:
    """Re-applying is idempotent; a manager owns exactly what it applied; dropped keys go."""
    one = P.server_side_apply({}, _cm(first), manager="m1", now=1)
    again = P.server_side_apply(one, _cm(first), manager="m1", now=1)
    assert again == one
    two = P.server_side_apply(one, _cm(second), manager="m1", now=2)
    assert two["metadata"].get("labels", {}) == second
    owned = {p[-1] for p in P.fields_of(_cm(second))}
    fields = _fields(two, "m1")
    assert set(fields.get("f:metadata", {}).get("f:labels", {})) == owned - {"f:labels"}


@given(_LABELS, _LABELS)
def test_ssa_two_managers_disjoint_keys_never_conflict(
    a: dict[str, str], b: dict[str, str]
) -> None:
    a = {f"x{k}": v for k, v in a.items()}
    b = {f"y{k}": v for k, v in b.items()}
    live = P.server_side_apply({}, _cm(a), manager="m1", now=1)
    both = P.server_side_apply(live, _cm(b), manager="m2", now=2)
    assert both["metadata"].get("labels", {}) == {**a, **b}
    dropped = P.server_side_apply(both, _cm({}), manager="m1", now=3)
    assert dropped["metadata"].get("labels", {}) == b


def _dep(*names: str, env: list[str] | None = None) -> dict:
    containers: list[dict] = [{"name": n, "image": f"{n}:1"} for n in names]
    if env is not None:
        containers[0]["env"] = [{"name": e, "value": "1"} for e in env]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": containers}}},
    }


def _names(obj: dict) -> list[str]:
    return [c["name"] for c in obj["spec"]["template"]["spec"]["containers"]]


def test_ssa_list_order_follows_the_applied_configuration() -> None:
    """Applied items come out in applied order (structured-merge-diff >= 4.2); items owned by
    others keep their place relative to the shared items around them."""
    live = P.server_side_apply({}, _dep("a", "b", "c"), manager="m1", now=1)
    assert _names(live) == ["a", "b", "c"]
    reordered = P.server_side_apply(live, _dep("c", "a", "b"), manager="m1", now=2)
    assert _names(reordered) == ["c", "a", "b"]
    prepended = P.server_side_apply(live, _dep("z", "a", "b", "c"), manager="m1", now=2)
    assert _names(prepended) == ["z", "a", "b", "c"]
    # "x" belongs to another manager
    with_x = P.server_side_apply(live, _dep("a", "x"), manager="m2", now=3)
    assert _names(with_x) == ["a", "b", "c", "x"]
    # reversed: "x" follows "c", its live predecessor, which now comes first
    swapped = P.server_side_apply(with_x, _dep("c", "b", "a"), manager="m1", now=4)
    assert _names(swapped) == ["c", "x", "b", "a"]
    inserted = P.server_side_apply(with_x, _dep("a", "n", "b", "c"), manager="m1", now=4)
    assert _names(inserted) == ["a", "n", "b", "c", "x"]


def test_ssa_set_list_order_and_nested_map_list() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    one = P.server_side_apply(
        {}, {**cm, "metadata": {"name": "c", "finalizers": ["a/x", "b/y"]}}, manager="m", now=1
    )
    two = P.server_side_apply(
        one, {**cm, "metadata": {"name": "c", "finalizers": ["c/z", "b/y", "a/x"]}}, manager="m"
    )
    assert two["metadata"]["finalizers"] == ["c/z", "b/y", "a/x"]
    env = P.server_side_apply({}, _dep("a", env=["X", "Y"]), manager="m", now=1)
    env2 = P.server_side_apply(env, _dep("a", env=["Y", "Z", "X"]), manager="m", now=2)
    got = env2["spec"]["template"]["spec"]["containers"][0]["env"]
    assert [e["name"] for e in got] == ["Y", "Z", "X"]


def test_ssa_removal_drops_emptied_maps_and_lists() -> None:
    """A map or list emptied by removing dropped fields becomes null, as upstream."""
    one = P.server_side_apply({}, _cm({"a": "1"}, {"k": "v"}), manager="m1", now=1)
    gone = P.server_side_apply(one, {**_cm({}), "metadata": {"name": "c"}}, manager="m1", now=2)
    assert "labels" not in gone["metadata"]
    assert "data" not in gone
    assert set(_fields(gone, "m1")) == set(), "nothing left to own"
    # another manager's key keeps the map
    two = P.server_side_apply(one, _cm({"b": "2"}), manager="m2", now=2)
    kept = P.server_side_apply(two, {**_cm({}), "metadata": {"name": "c"}}, manager="m1", now=3)
    assert kept["metadata"]["labels"] == {"b": "2"}
    # an empty map applied as a value of its own stays
    empty_owner = P.server_side_apply(one, _cm({}), manager="m3", now=2)
    still = P.server_side_apply(
        empty_owner, {**_cm({}), "metadata": {"name": "c"}}, manager="m1", now=3
    )
    assert still["metadata"]["labels"] == {}
    # a list emptied by removing its last element goes too
    env = P.server_side_apply({}, _dep("a", env=["X"]), manager="m", now=1)
    no_env = P.server_side_apply(env, _dep("a"), manager="m", now=2)
    assert "env" not in no_env["spec"]["template"]["spec"]["containers"][0]
