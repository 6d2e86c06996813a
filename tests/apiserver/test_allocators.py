"""Service ClusterIP and NodePort allocation: ranges, collisions, release, repair, updates."""

from __future__ import annotations

import ipaddress
import random

import pytest

from kcore.api.errors import Invalid
from kcore.apiserver.allocators import DEFAULT_SERVICE_CIDR, ServiceAllocators
from kcore.apiserver.registry import APIRegistry


def _svc(name, **spec):
    return {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}], **spec}}


def test_default_range_is_loopback_and_kubernetes_service_gets_first_address(registry):
    net = ipaddress.ip_network(DEFAULT_SERVICE_CIDR)
    assert net.subnet_of(ipaddress.ip_network("127.0.0.0/8"))
    registry.ensure_kubernetes_service(6443)
    svc = registry.get("services", "kubernetes", namespace="default")
    assert svc["spec"]["clusterIP"] == "127.96.0.1"
    ep = registry.get("endpoints", "kubernetes", namespace="default")
    assert ep["subsets"][0]["ports"][0]["port"] == 6443
    registry.ensure_kubernetes_service(7443)
    assert (
        registry.get("endpoints", "kubernetes", namespace="default")["subsets"][0]["ports"][0][
            "port"
        ]
        == 7443
    )


def test_allocation_is_unique_and_in_range(registry):
    net = ipaddress.ip_network(DEFAULT_SERVICE_CIDR)
    ips = set()
    ports = set()
    for i in range(40):
        s = registry.create("services", _svc(f"s{i}", type="NodePort"), namespace="default")
        ip = s["spec"]["clusterIP"]
        assert ipaddress.ip_address(ip) in net
        assert s["spec"]["clusterIPs"] == [ip]
        ips.add(ip)
        np_ = s["spec"]["ports"][0]["nodePort"]
        assert 30000 <= np_ <= 32767
        ports.add(np_)
    assert len(ips) == 40
    assert len(ports) == 40


def test_requested_address_and_port(registry):
    s = registry.create("services", _svc("a", clusterIP="127.96.0.50"), namespace="default")
    assert s["spec"]["clusterIP"] == "127.96.0.50"
    with pytest.raises(Invalid, match="provided IP is already allocated"):
        registry.create("services", _svc("b", clusterIP="127.96.0.50"), namespace="default")
    with pytest.raises(Invalid, match="is not in the valid range"):
        registry.create("services", _svc("c", clusterIP="10.0.0.1"), namespace="default")
    registry.create(
        "services",
        {
            "metadata": {"name": "d"},
            "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]},
        },
        namespace="default",
    )
    with pytest.raises(Invalid, match="provided port is already allocated"):
        registry.create(
            "services",
            {
                "metadata": {"name": "e"},
                "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]},
            },
            namespace="default",
        )
    with pytest.raises(Invalid, match="valid range"):
        registry.create(
            "services",
            {
                "metadata": {"name": "f"},
                "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 80}]},
            },
            namespace="default",
        )


def test_headless_and_external_name_take_no_address(registry):
    s = registry.create("services", _svc("h", clusterIP="None"), namespace="default")
    assert s["spec"]["clusterIP"] == "None"
    s = registry.create(
        "services",
        {
            "metadata": {"name": "x"},
            "spec": {"type": "ExternalName", "externalName": "example.com"},
        },
        namespace="default",
    )
    assert "clusterIP" not in s["spec"] or not s["spec"]["clusterIP"]


def test_release_on_delete_and_failed_create(registry):
    registry.create("services", _svc("a", clusterIP="127.96.0.9"), namespace="default")
    registry.delete("services", "a", namespace="default")
    registry.create("services", _svc("b", clusterIP="127.96.0.9"), namespace="default")
    # a create that fails after allocation gives the address back
    with pytest.raises(Exception, match="already exists"):
        registry.create("services", _svc("b", clusterIP="127.96.0.10"), namespace="default")
    registry.create("services", _svc("c", clusterIP="127.96.0.10"), namespace="default")


def test_type_change_allocates_and_releases_node_ports(registry):
    s = registry.create("services", _svc("a"), namespace="default")
    assert "nodePort" not in s["spec"]["ports"][0]
    s = registry.update(
        "services", {**s, "spec": {**s["spec"], "type": "NodePort"}}, namespace="default"
    )
    np_ = s["spec"]["ports"][0]["nodePort"]
    assert 30000 <= np_ <= 32767
    spec = {
        **{k: v for k, v in s["spec"].items() if k != "externalTrafficPolicy"},
        "type": "ClusterIP",
        "ports": [{k: v for k, v in s["spec"]["ports"][0].items() if k != "nodePort"}],
    }
    s = registry.update("services", {**s, "spec": spec}, namespace="default")
    assert registry.allocators.ports.allocated() == set()


def test_repair_rebuilds_from_services(store, clock):
    reg = APIRegistry(store, clock, rng=random.Random(1))
    reg.create("services", _svc("a", clusterIP="127.96.0.20"), namespace="default")
    # lose the allocation record (e.g. a crash between allocation and release)
    alloc = ServiceAllocators(store, random.Random(2))
    alloc.ips.repair([])
    assert alloc.ips.allocated() == set()
    APIRegistry(store, clock, rng=random.Random(3))  # restart: repair from the services
    assert alloc.ip_offset("127.96.0.20") in alloc.ips.allocated()


def test_small_range_fills_up(store, clock):
    reg = APIRegistry(store, clock, rng=random.Random(1), service_cidr="127.200.0.0/29")
    for i in range(6):  # 8 addresses minus network and broadcast
        reg.create("services", _svc(f"s{i}"), namespace="default")
    with pytest.raises(Invalid, match="range is full"):
        reg.create("services", _svc("s6"), namespace="default")


def test_bad_configuration_is_rejected(store, clock):
    with pytest.raises(ValueError, match="invalid service CIDR"):
        APIRegistry(store, clock, service_cidr="127.0.0.1/33")
    with pytest.raises(ValueError, match="invalid node port range"):
        APIRegistry(store, clock, node_port_range=(40000, 30000))
