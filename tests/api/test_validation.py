"""Tests for kcore.api.validation: field paths and messages per kind, create and update rules."""

# ruff: noqa: E501
from __future__ import annotations

import copy

import pytest

from kcore.api import schema
from kcore.api.defaults import apply_defaults
from kcore.api.errors import Invalid
from kcore.api.validation import validate_create, validate_update


def _pod(name: str = "p", **spec: object) -> dict:
    base = {"containers": [{"name": "c", "image": "nginx"}]}
    base.update(spec)
    return apply_defaults(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": base,
        }
    )


def _deploy(**spec: object) -> dict:
    base: dict = {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        },
    }
    base.update(spec)
    return apply_defaults(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "ns"},
            "spec": base,
        }
    )


def _causes(obj: dict, old: dict | None = None) -> list[tuple[str, str]]:
    def run() -> None:
        if old is None:
            validate_create(obj)
        else:
            validate_update(obj, old)

    with pytest.raises(Invalid) as exc:
        run()
    assert exc.value.code == 422
    return [(c.field, c.message) for c in exc.value.details.causes]


def test_valid_objects_pass() -> None:
    validate_create(_pod())
    validate_create(_deploy())
    validate_update(_pod(), _pod())


def test_pod_message_and_all_causes() -> None:
    pod = _pod(
        name="Bad_Name",
        containers=[{"name": "c", "image": "x"}, {"name": "c"}],
        restartPolicy="Sometimes",
    )
    with pytest.raises(Invalid) as exc:
        validate_create(pod)
    msg = exc.value.message
    assert msg.startswith(
        'Pod "Bad_Name" is invalid: [metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain'
    )
    fields = [c.field for c in exc.value.details.causes]
    assert fields == [
        "metadata.name",
        "spec.containers[1].image",
        "spec.containers[1].name",
        "spec.restartPolicy",
    ]
    causes = {c.field: c.message for c in exc.value.details.causes}
    assert causes["spec.containers[1].name"] == 'Duplicate value: "c"'
    assert causes["spec.containers[1].image"] == "Required value"
    assert (
        causes["spec.restartPolicy"]
        == 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'
    )
    assert exc.value.details.kind == "Pod"
    assert exc.value.details.name == "Bad_Name"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({"containers": []}, ("spec.containers", "Required value"), id="no-containers"),
        pytest.param(
            {"containers": [{"name": "Web", "image": "x"}]},
            (
                "spec.containers[0].name",
                "Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            ),
            id="container-name",
        ),
        pytest.param(
            {
                "containers": [
                    {
                        "name": "c",
                        "image": "x",
                        "ports": [{"containerPort": 70000, "protocol": "TCP"}],
                    }
                ]
            },
            (
                "spec.containers[0].ports[0].containerPort",
                "Invalid value: 70000: must be between 1 and 65535, inclusive",
            ),
            id="port-range",
        ),
        pytest.param(
            {
                "containers": [
                    {
                        "name": "c",
                        "image": "x",
                        "ports": [{"containerPort": 80, "protocol": "HTTP"}],
                    }
                ]
            },
            (
                "spec.containers[0].ports[0].protocol",
                'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
            ),
            id="protocol",
        ),
        pytest.param(
            {
                "containers": [
                    {
                        "name": "c",
                        "image": "x",
                        "ports": [
                            {"name": "http", "containerPort": 80, "protocol": "TCP"},
                            {"name": "http", "containerPort": 81, "protocol": "TCP"},
                        ],
                    }
                ]
            },
            ("spec.containers[0].ports[1].name", 'Duplicate value: "http"'),
            id="dup-port-name",
        ),
        pytest.param(
            {
                "containers": [
                    {
                        "name": "c",
                        "image": "x",
                        "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}},
                    }
                ]
            },
            (
                "spec.containers[0].resources.requests",
                'Invalid value: "2": must be less than or equal to cpu limit of 1',
            ),
            id="request-over-limit",
        ),
        pytest.param(
            {"containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": "x"}}}]},
            (
                "spec.containers[0].resources.requests[cpu]",
                "Invalid value: \"x\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
            ),
            id="bad-quantity",
        ),
        pytest.param(
            {
                "containers": [
                    {"name": "c", "image": "x", "volumeMounts": [{"name": "v", "mountPath": "/a"}]}
                ]
            },
            ("spec.containers[0].volumeMounts[0].name", 'Not found: "v"'),
            id="mount-no-volume",
        ),
        pytest.param(
            {"tolerations": [{"key": "k", "operator": "Exists", "value": "v"}]},
            (
                "spec.tolerations[0].operator",
                "Invalid value: \"v\": value must be empty when `operator` is 'Exists'",
            ),
            id="toleration",
        ),
        pytest.param(
            {"nodeSelector": {"a b": "c"}},
            (
                "spec.nodeSelector",
                "Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            ),
            id="node-selector",
        ),
        pytest.param(
            {
                "hostNetwork": True,
                "containers": [
                    {
                        "name": "c",
                        "image": "x",
                        "ports": [{"containerPort": 80, "hostPort": 81, "protocol": "TCP"}],
                    }
                ],
            },
            (
                "spec.containers[0].ports[0].hostPort",
                "Invalid value: 81: must match `containerPort` when `hostNetwork` is true",
            ),
            id="host-network-port",
        ),
    ],
)
def test_pod_spec_rules(spec: dict, expected: tuple[str, str]) -> None:
    assert expected in _causes(_pod(**spec))


def test_metadata_rules() -> None:
    pod = _pod()
    del pod["metadata"]["name"]
    assert ("metadata.name", "Required value: name or generateName is required") in _causes(pod)
    pod = _pod()
    pod["metadata"]["namespace"] = ""
    assert ("metadata.namespace", "Required value") in _causes(pod)
    pod = _pod()
    pod["metadata"]["annotations"] = {"a": "x" * 300_000}
    assert ("metadata.annotations", "Too long: may not be more than 262144 bytes") in _causes(pod)
    pod = _pod()
    pod["metadata"]["labels"] = {"app": "-bad"}
    assert _causes(pod)[0][0] == "metadata.labels"
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n", "namespace": "x"}}
    assert ("metadata.namespace", "Forbidden: not allowed on this type") in _causes(node)
    gen = _pod()
    del gen["metadata"]["name"]
    gen["metadata"]["generateName"] = "web-"
    validate_create(gen)


def test_pod_update_immutability() -> None:
    old = _pod()
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "nginx:2"
    new["spec"]["tolerations"] = [{"key": "k", "operator": "Exists"}]
    validate_update(new, old)
    bad = copy.deepcopy(old)
    bad["spec"]["restartPolicy"] = "Never"
    (path, msg), *_ = _causes(bad, old)
    assert path == "spec"
    assert msg.startswith(
        "Forbidden: pod updates may not change fields other than `spec.containers[*].image`"
    )
    renamed = copy.deepcopy(old)
    renamed["metadata"]["name"] = "q"
    assert ("metadata.name", 'Invalid value: "q": field is immutable') in _causes(renamed, old)


def test_deployment_rules() -> None:
    d = _deploy(selector={"matchLabels": {"app": "other"}})
    assert (
        "spec.template.metadata.labels",
        'Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ) in _causes(d)
    d = _deploy(selector={})
    assert any(
        f == "spec.selector" and m.endswith("empty selector is invalid for deployment")
        for f, m in _causes(d)
    )
    d = _deploy(replicas=-1)
    assert ("spec.replicas", "Invalid value: -1: must be greater than or equal to 0") in _causes(d)
    d = _deploy(
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}}
    )
    assert (
        "spec.strategy.rollingUpdate.maxUnavailable",
        "Invalid value: 0: may not be 0 when `maxSurge` is 0",
    ) in _causes(d)
    ds = _deploy(updateStrategy={"rollingUpdate": {"maxUnavailable": "0%", "maxSurge": 0}})
    ds["kind"] = "DaemonSet"
    del ds["spec"]["strategy"]
    assert (
        "spec.updateStrategy.rollingUpdate.maxUnavailable",
        'Invalid value: "0%": may not be 0 when `maxSurge` is 0',
    ) in _causes(ds)
    d = _deploy()
    d["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    assert (
        "spec.template.spec.restartPolicy",
        'Unsupported value: "Never": supported values: "Always"',
    ) in _causes(d)
    old = _deploy()
    new = _deploy(selector={"matchLabels": {"app": "web", "x": "y"}})
    new["spec"]["template"]["metadata"]["labels"]["x"] = "y"
    assert any(
        f == "spec.selector" and m.endswith("field is immutable") for f, m in _causes(new, old)
    )


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "s", "namespace": "d"},
                "spec": {"ports": [{"port": 0, "protocol": "TCP"}]},
            },
            ("spec.ports[0].port", "Invalid value: 0: must be between 1 and 65535, inclusive"),
            id="service-port",
        ),
        pytest.param(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "s", "namespace": "d"},
                "spec": {
                    "ports": [{"port": 80, "protocol": "TCP"}, {"port": 81, "protocol": "TCP"}]
                },
            },
            ("spec.ports[0].name", "Required value"),
            id="service-port-names",
        ),
        pytest.param(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "1s", "namespace": "d"},
                "spec": {"ports": [{"port": 80, "protocol": "TCP"}]},
            },
            (
                "metadata.name",
                "Invalid value: \"1s\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            ),
            id="service-name",
        ),
        pytest.param(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": "n"},
                "spec": {"taints": [{"key": "k", "effect": "Bad"}]},
            },
            (
                "spec.taints[0].effect",
                'Unsupported value: "Bad": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
            ),
            id="taint-effect",
        ),
        pytest.param(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a.b"}},
            (
                "metadata.name",
                "Invalid value: \"a.b\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            ),
            id="namespace-name",
        ),
        pytest.param(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "c", "namespace": "d"},
                "data": {"a b": "x"},
            },
            (
                "data[a b]",
                "Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
            ),
            id="configmap-key",
        ),
        pytest.param(
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": {"name": "j", "namespace": "d"},
                "spec": {
                    "selector": {"matchLabels": {"a": "b"}},
                    "template": {
                        "metadata": {"labels": {"a": "b"}},
                        "spec": {
                            "restartPolicy": "Always",
                            "containers": [{"name": "c", "image": "x"}],
                        },
                    },
                },
            },
            (
                "spec.template.spec.restartPolicy",
                'Unsupported value: "Always": supported values: "OnFailure", "Never"',
            ),
            id="job-restart-policy",
        ),
        pytest.param(
            {
                "apiVersion": "scheduling.k8s.io/v1",
                "kind": "PriorityClass",
                "metadata": {"name": "high"},
                "value": 2_000_000_000,
            },
            ("value", "Forbidden: maximum allowed value of a user defined priority is 1000000000"),
            id="priority-value",
        ),
        pytest.param(
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": {"name": "p", "namespace": "d"},
                "spec": {"minAvailable": "150%"},
            },
            ("spec.minAvailable", 'Invalid value: "150%": must not be greater than 100%'),
            id="pdb-percent",
        ),
        pytest.param(
            {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": "l", "namespace": "d"},
                "spec": {"leaseDurationSeconds": 0},
            },
            ("spec.leaseDurationSeconds", "Invalid value: 0: must be greater than 0"),
            id="lease-duration",
        ),
        pytest.param(
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": "h", "namespace": "d"},
                "spec": {
                    "scaleTargetRef": {"kind": "Deployment", "name": "d"},
                    "minReplicas": 3,
                    "maxReplicas": 2,
                },
            },
            (
                "spec.maxReplicas",
                "Invalid value: 2: must be greater than or equal to `minReplicas`",
            ),
            id="hpa-max",
        ),
        pytest.param(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "s", "namespace": "d"},
                "type": "kubernetes.io/tls",
                "data": {},
            },
            ("data[tls.crt]", "Required value"),
            id="tls-secret",
        ),
        pytest.param(
            {
                "apiVersion": "v1",
                "kind": "Binding",
                "metadata": {"name": "p", "namespace": "d"},
                "target": {},
            },
            ("target.name", "Required value"),
            id="binding",
        ),
    ],
)
def test_kind_rules(obj: dict, expected: tuple[str, str]) -> None:
    assert expected in _causes(apply_defaults(obj))


def test_update_rules_for_other_kinds() -> None:
    pc = {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": "h"},
        "value": 10,
    }
    pc2 = {**pc, "value": 11}
    assert ("value", "Forbidden: may not be changed in an update.") in _causes(pc2, pc)
    svc = apply_defaults(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "s", "namespace": "d"},
            "spec": {"clusterIP": "10.0.0.1", "ports": [{"port": 80}]},
        }
    )
    svc2 = copy.deepcopy(svc)
    svc2["spec"]["clusterIP"] = "10.0.0.2"
    assert ("spec.clusterIP", 'Invalid value: "10.0.0.2": field is immutable') in _causes(svc2, svc)
    sec = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "d"},
        "type": "Opaque",
        "immutable": True,
        "data": {"a": "eA=="},
    }
    sec2 = {**sec, "data": {"a": "eQ=="}}
    assert ("data", "Forbidden: field is immutable when `immutable` is set") in _causes(sec2, sec)
    deleting = _pod()
    deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    more = copy.deepcopy(deleting)
    more["metadata"]["finalizers"] = ["example.com/x"]
    assert _causes(more, deleting)[0][0] == "metadata.finalizers"


def test_unknown_kinds_validate_metadata_free() -> None:
    validate_create(
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "Any Name"}}
    )


def test_named_group_kinds_are_qualified_in_messages() -> None:
    d = _deploy(replicas=-1)
    with pytest.raises(Invalid) as exc:
        validate_create(d)
    assert exc.value.message.startswith(
        'Deployment.apps "d" is invalid: spec.replicas: Invalid value: -1'
    )
    assert exc.value.details.group == "apps"
    assert exc.value.details.kind == "Deployment"


def _res(resources: dict, **spec: object) -> list[tuple[str, str]]:
    pod = _pod(**spec)
    pod["spec"]["containers"][0]["resources"] = resources
    try:
        validate_create(pod)
    except Invalid as err:
        return [(c.field, c.message) for c in err.details.causes]
    return []


R = "spec.containers[0].resources"


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        pytest.param(
            {"limits": {"cpu": "1", "memory": "1Gi", "ephemeral-storage": "1Gi"}}, [], id="standard"
        ),
        pytest.param(
            {"limits": {"example.com/gpu": "2"}, "requests": {"example.com/gpu": "2"}},
            [],
            id="extended-equal",
        ),
        pytest.param(
            {
                "limits": {"memory": "1Gi", "hugepages-2Mi": "4Mi"},
                "requests": {"memory": "1Gi", "hugepages-2Mi": "4Mi"},
            },
            [],
            id="hugepages-ok",
        ),
        pytest.param(
            {"limits": {"kubernetes.io/foo": "1"}, "requests": {"kubernetes.io/foo": "500m"}},
            [],
            id="native-prefixed-overcommit",
        ),
        pytest.param(
            {"limits": {"gpu": "1"}},
            [
                (
                    f"{R}.limits[gpu]",
                    'Invalid value: "gpu": must be a standard resource type or fully qualified',
                ),
                (
                    f"{R}.limits[gpu]",
                    'Invalid value: "gpu": must be a standard resource for containers',
                ),
            ],
            id="unqualified",
        ),
        pytest.param(
            {"requests": {"pods": "1"}},
            [
                (
                    f"{R}.requests[pods]",
                    'Invalid value: "pods": must be a standard resource for containers',
                )
            ],
            id="quota-only-name",
        ),
        pytest.param(
            {
                "limits": {"requests.example.com/gpu": "1"},
                "requests": {"requests.example.com/gpu": "1"},
            },
            [
                (
                    f"{R}.limits[requests.example.com/gpu]",
                    'Invalid value: "requests.example.com/gpu": doesn\'t follow extended resource name standard',
                ),
                (
                    f"{R}.requests[requests.example.com/gpu]",
                    'Invalid value: "requests.example.com/gpu": doesn\'t follow extended resource name standard',
                ),
            ],
            id="requests-prefixed-extended",
        ),
        pytest.param(
            {"limits": {"example.com/gpu": "2"}, "requests": {"example.com/gpu": "1"}},
            [(f"{R}.requests", 'Invalid value: "1": must be equal to example.com/gpu limit of 2')],
            id="extended-not-equal",
        ),
        pytest.param(
            {"requests": {"example.com/gpu": "1"}},
            [(f"{R}.limits", "Required value: Limit must be set for non overcommitable resources")],
            id="extended-without-limit",
        ),
        pytest.param(
            {"limits": {"example.com/gpu": "500m"}, "requests": {"example.com/gpu": "500m"}},
            [
                (f"{R}.limits[example.com/gpu]", 'Invalid value: "500m": must be an integer'),
                (f"{R}.requests[example.com/gpu]", 'Invalid value: "500m": must be an integer'),
            ],
            id="extended-fraction",
        ),
        pytest.param(
            {"limits": {"cpu": "1"}, "requests": {"cpu": "2"}},
            [(f"{R}.requests", 'Invalid value: "2": must be less than or equal to cpu limit of 1')],
            id="request-over-limit",
        ),
        pytest.param(
            {"limits": {"memory": "-1Gi"}},
            [(f"{R}.limits[memory]", 'Invalid value: "-1Gi": must be greater than or equal to 0')],
            id="negative",
        ),
        pytest.param(
            {"limits": {"hugepages-2Mi": "4Mi"}, "requests": {"hugepages-2Mi": "4Mi"}},
            [(R, "Forbidden: HugePages require cpu or memory")],
            id="hugepages-alone",
        ),
        pytest.param(
            {
                "limits": {"memory": "1Gi", "hugepages-2Mi": "4Mi"},
                "requests": {"hugepages-2Mi": "2Mi"},
            },
            [
                (
                    f"{R}.requests",
                    'Invalid value: "2Mi": must be equal to hugepages-2Mi limit of 4Mi',
                )
            ],
            id="hugepages-request-differs",
        ),
        pytest.param(
            {"requests": {"memory": "1Gi", "hugepages-1Gi": "1Gi"}},
            [(f"{R}.limits", "Required value: Limit must be set for non overcommitable resources")],
            id="hugepages-without-limit",
        ),
        pytest.param(
            {"limits": {"memory": "1Gi", "hugepages-2Mi": "3Mi"}},
            [
                (
                    f"{R}.limits[hugepages-2Mi]",
                    'Invalid value: "3Mi": 3Mi is not positive integer multiple of hugepages-2Mi',
                )
            ],
            id="hugepages-indivisible",
        ),
        pytest.param(
            {"limits": {"memory": "1Gi", "hugepages-x": "2Mi"}},
            [
                (
                    f"{R}.limits[hugepages-x]",
                    'Invalid value: "2Mi": 2Mi is not positive integer multiple of hugepages-x',
                )
            ],
            id="hugepages-bad-size",
        ),
    ],
)
def test_container_resource_names_and_values(resources: dict, expected: list) -> None:
    assert _res(resources) == expected


def test_resource_claims_must_name_pod_claims() -> None:
    claims = {"claims": [{"name": "gpu"}, {"name": "gpu"}, {"name": "fpga"}, {}]}
    assert _res(claims, resourceClaims=[{"name": "gpu", "resourceClaimName": "c1"}]) == [
        (f"{R}.claims[1]", 'Duplicate value: "gpu"'),
        (
            f"{R}.claims[2]",
            'Not found: "fpga": must be one of the names in pod.spec.resourceClaims',
        ),
        (f"{R}.claims[3]", "Required value"),
    ]


def test_resource_names_of_overhead_node_quota_and_limit_range() -> None:
    pod = _pod(overhead={"cpu": "100m", "gpu": "1"})
    assert _causes(pod) == [
        (
            "spec.overhead.limits[gpu]",
            'Invalid value: "gpu": must be a standard resource type or fully qualified',
        ),
        (
            "spec.overhead.limits[gpu]",
            'Invalid value: "gpu": must be a standard resource for containers',
        ),
    ]
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n"},
        "status": {"capacity": {"cpu": "4", "example.com/gpu": "1500m", "pods": "110"}},
    }
    assert _causes(node) == [
        ("status.capacity.example.com/gpu", 'Invalid value: "1500m": must be an integer')
    ]
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "q", "namespace": "ns"},
        "spec": {
            "hard": {
                "pods": "10",
                "requests.cpu": "4",
                "count/deployments.apps": "5",
                "requests.example.com/gpu": "2",
                "hugepages-2Mi": "1Gi",
                "bogus": "1",
                "services": "1500m",
            }
        },
    }
    assert _causes(quota) == [
        (
            "spec.hard[bogus]",
            'Invalid value: "bogus": must be a standard resource type or fully qualified',
        ),
        ("spec.hard[bogus]", 'Invalid value: "bogus": must be a standard resource for quota'),
        ("spec.hard[services]", 'Invalid value: "1500m": must be an integer'),
    ]
    lr = {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "l", "namespace": "ns"},
        "spec": {
            "limits": [
                {"type": "Container", "max": {"cpu": "2", "storage": "1Gi"}},
                {"type": "PersistentVolumeClaim", "max": {"storage": "10Gi"}},
            ]
        },
    }
    assert _causes(lr) == [
        (
            "spec.limits[0].max[storage]",
            'Invalid value: "storage": must be a standard resource for containers',
        )
    ]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            {"dnsPolicy": "None"},
            [
                (
                    "spec.dnsConfig",
                    "Required value: must provide `dnsConfig` when `dnsPolicy` is None",
                )
            ],
            id="none-without-config",
        ),
        pytest.param(
            {"dnsPolicy": "None", "dnsConfig": {"searches": ["a.local"]}},
            [
                (
                    "spec.dnsConfig.nameservers",
                    "Required value: must provide at least one DNS nameserver when `dnsPolicy` is None",
                )
            ],
            id="none-without-nameservers",
        ),
        pytest.param(
            {"dnsConfig": {"nameservers": ["1.1.1.1", "8.8.8.8", "9.9.9.9", "10.0.0.1"]}},
            [
                (
                    "spec.dnsConfig.nameservers",
                    'Invalid value: []string{"1.1.1.1", "8.8.8.8", "9.9.9.9", "10.0.0.1"}: must not have more than 3 nameservers',
                )
            ],
            id="four-nameservers",
        ),
        pytest.param(
            {"dnsConfig": {"nameservers": ["dns.local"]}},
            [
                (
                    "spec.dnsConfig.nameservers[0]",
                    'Invalid value: "dns.local": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
                )
            ],
            id="nameserver-not-ip",
        ),
        pytest.param(
            {"dnsConfig": {"searches": [f"s{i}.example.com" for i in range(33)]}},
            [
                (
                    "spec.dnsConfig.searches",
                    "Invalid value: []string{"
                    + ", ".join(f'"s{i}.example.com"' for i in range(33))
                    + "}: must not have more than 32 search paths",
                )
            ],
            id="too-many-searches",
        ),
        pytest.param(
            {
                "dnsConfig": {
                    "searches": ["a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "." + "d" * 60] * 9
                }
            },
            [
                (
                    "spec.dnsConfig.searches",
                    "Invalid value: []string{"
                    + ", ".join(
                        ['"' + "a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "." + "d" * 60 + '"']
                        * 9
                    )
                    + "}: must not have more than 2048 characters (including spaces) in the search list",
                )
            ],
            id="search-list-too-long",
        ),
        pytest.param(
            {
                "dnsConfig": {
                    "searches": ["ok.local.", "Bad_Domain"],
                    "options": [{"name": "ndots", "value": "2"}, {"value": "1"}],
                }
            },
            [
                (
                    "spec.dnsConfig.searches[1]",
                    "Invalid value: \"Bad_Domain\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                ),
                ("spec.dnsConfig.options[1]", "Required value: must not be empty"),
            ],
            id="search-and-option",
        ),
    ],
)
def test_pod_dns_config(spec: dict, expected: list) -> None:
    assert _causes(_pod(**spec)) == expected


def test_string_lists_render_as_go_values() -> None:
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "n"},
        "spec": {"podCIDR": "10.0.0.0/24", "podCIDRs": ["10.0.1.0/24", "fd00::/64"]},
    }
    assert _causes(node) == [
        (
            "spec.podCIDRs",
            'Invalid value: []string{"10.0.1.0/24", "fd00::/64"}: first entry must match `podCIDR`',
        )
    ]


def test_every_schema_volume_source_is_a_volume_type() -> None:
    """In-tree sources (gcePersistentDisk, iscsi, ...) are accepted end to end: pruning keeps
    them, defaulting does not add an emptyDir, validation counts them as the volume's type."""
    sources = [
        fl.name for fl in schema.lookup("io.k8s.api.core.v1.Volume").fields if fl.name != "name"
    ]
    assert len(sources) == 30
    for src in sources:
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "d"},
            "spec": {
                "containers": [{"name": "c", "image": "i"}],
                "volumes": [{"name": "v", src: {}}],
            },
        }
        pruned, warnings = schema.prune(pod)
        assert warnings == [], src
        out = apply_defaults(pruned)
        assert [k for k in out["spec"]["volumes"][0] if k != "name"] == [src]
        if src in ("persistentVolumeClaim", "hostPath"):  # their path / claimName is required
            assert _causes(out) == [
                (
                    f"spec.volumes[0].{src}.{'claimName' if src[0] == 'p' else 'path'}",
                    "Required value",
                )
            ]
        else:
            validate_create(out)
    two = _pod(volumes=[{"name": "v", "iscsi": {}, "gitRepo": {}}])
    assert _causes(two) == [
        ("spec.volumes[0].iscsi", "Forbidden: may not specify more than 1 volume type")
    ]


# ------------------------------------------------------------------------------ pod spec memo
# validate_pod_spec memoises its errors by the spec's content; the memo must be invisible.


def _spec_variants() -> list[dict]:  # type: ignore[type-arg]
    """Pod specs of many shapes, valid and broken, with look-alikes (same JSON text but for
    the type of one value, or of the same values in another key order)."""
    from kcore.testing.clusters import random_pods

    specs: list[dict] = [copy.deepcopy(p["spec"]) for p in random_pods(11, 40)]  # type: ignore[type-arg]
    broken = copy.deepcopy(specs[0])
    broken["containers"][0]["resources"]["requests"]["cpu"] = "-1"
    broken["restartPolicy"] = "Sometimes"
    specs.append(broken)
    specs.append({**copy.deepcopy(broken), "dnsPolicy": "Nope"})
    reordered = dict(reversed(list(copy.deepcopy(broken).items())))
    specs.append(reordered)
    as_float = copy.deepcopy(specs[0])
    as_float["activeDeadlineSeconds"] = -1.0  # "Invalid value: -1.0: ..."
    as_int = copy.deepcopy(specs[0])
    as_int["activeDeadlineSeconds"] = -1  # "Invalid value: -1: ..."
    as_bool = copy.deepcopy(specs[0])
    as_bool["activeDeadlineSeconds"] = True  # "Invalid value: true: ..."
    as_one = copy.deepcopy(specs[0])
    as_one["activeDeadlineSeconds"] = 1  # valid
    specs += [as_float, as_int, as_bool, as_one, {"containers": []}, {}]
    return specs


def _reference(spec: object, path: str, for_pod: bool) -> list:  # type: ignore[type-arg]
    from kcore.api import validation

    errs = validation._Errs("Pod", "p")
    validation._validate_pod_spec(spec, path, errs, for_pod)
    return list(errs.causes)


@pytest.mark.parametrize("for_pod", [True, False])
def test_pod_spec_memo_gives_the_uncached_errors(for_pod: bool) -> None:
    """Every spec, validated twice (a miss, then a hit) among its look-alikes, gives exactly
    the causes of the unmemoised validation, in order."""
    from kcore.api import validation

    validation._POD_SPEC_ERRORS.clear()
    specs = _spec_variants()
    for _ in range(2):
        for spec in specs:
            errs = validation._Errs("Pod", "p")
            errs.required("before")  # causes appended earlier are kept, not replayed
            validation.validate_pod_spec(spec, "spec", errs, for_pod)
            assert errs.causes[1:] == _reference(spec, "spec", for_pod)
            assert errs.causes[0].field == "before"
    assert validation._POD_SPEC_ERRORS  # the memo was used
    broken = specs[40]
    assert _reference(broken, "spec", for_pod)  # and errors were replayed


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({"containers": ({"name": "c", "image": "i"},)}, id="tuple"),
        pytest.param({"terminationGracePeriodSeconds": float("nan")}, id="nan"),
        pytest.param({"terminationGracePeriodSeconds": float("inf")}, id="inf"),
        pytest.param({"nodeName": type("S", (str,), {})("n")}, id="str-subclass"),
        pytest.param({1: "x"}, id="non-string-key"),
        pytest.param({"priority": 2**70}, id="huge-int"),
    ],
)
def test_pod_spec_memo_ignores_values_json_cannot_tell_apart(value: dict) -> None:  # type: ignore[type-arg]
    """NaN would look like null, a tuple like a list, a str subclass like a str: such specs
    are validated without the memo."""
    from kcore.api import validation

    assert validation._plain_digest(value) is None
    assert validation._plain_digest({"terminationGracePeriodSeconds": None}) is not None
    errs = validation._Errs("Pod", "p")
    validation.validate_pod_spec(value, "spec", errs)
    assert errs.causes == _reference(value, "spec", True)
