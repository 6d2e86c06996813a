"""Tests for kcore.api.meta: keys, name validators (exact messages), generateName, owner refs."""

# ruff: noqa: E501
from __future__ import annotations

import random

import pytest

from kcore.api import meta


@pytest.mark.parametrize(
    ("obj", "key"),
    [
        pytest.param({"metadata": {"namespace": "ns", "name": "a"}}, "ns/a", id="namespaced"),
        pytest.param({"metadata": {"name": "n1"}}, "n1", id="cluster"),
        pytest.param({"metadata": {"namespace": "", "name": "x"}}, "x", id="empty-ns"),
    ],
)
def test_meta_namespace_key(obj: dict, key: str) -> None:
    assert meta.meta_namespace_key(obj) == key
    ns, name = meta.split_meta_namespace_key(key)
    assert name == obj["metadata"]["name"]
    assert ns == (obj["metadata"].get("namespace") or "")


def test_meta_namespace_key_errors() -> None:
    with pytest.raises(ValueError, match="metadata is missing"):
        meta.meta_namespace_key({})
    with pytest.raises(ValueError, match='unexpected key format: "a/b/c"'):
        meta.split_meta_namespace_key("a/b/c")


LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


@pytest.mark.parametrize(
    ("fn", "value", "errors"),
    [
        (meta.is_dns1123_label, "my-name", []),
        (meta.is_dns1123_label, "a" * 63, []),
        (meta.is_dns1123_label, "a" * 64, ["must be no more than 63 characters"]),
        (meta.is_dns1123_label, "My", [LABEL_MSG]),
        (meta.is_dns1123_label, "a.b", [LABEL_MSG]),
        (meta.is_dns1123_label, "-a", [LABEL_MSG]),
        (meta.is_dns1123_label, "a\n", [LABEL_MSG]),
        (meta.is_dns1123_subdomain, "example.com", []),
        (meta.is_dns1123_subdomain, "a..b", [SUBDOMAIN_MSG]),
        (meta.is_dns1123_subdomain, "", [SUBDOMAIN_MSG]),
        (
            meta.is_dns1035_label,
            "1abc",
            [
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
                "with an alphabetic character, and end with an alphanumeric character (e.g. "
                "'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
            ],
        ),
        (meta.is_qualified_name, "example.com/MyName", []),
        (meta.is_qualified_name, "/a", ["prefix part must be non-empty"]),
        (
            meta.is_qualified_name,
            "a/",
            [
                "name part must be non-empty",
                "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
                "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
                "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            ],
        ),
        (meta.is_qualified_name, "x" * 64, ["name part must be no more than 63 characters"]),
        (meta.is_valid_label_value, "", []),
        (meta.is_valid_label_value, "v1.2_3-x", []),
        (
            meta.is_valid_label_value,
            "-bad",
            [
                "a valid label must be an empty string or consist of alphanumeric characters, '-', "
                "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', "
                " or 'my_value',  or '12345', regex used for validation is "
                "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
            ],
        ),
        (meta.is_valid_port_name, "http", []),
        (meta.is_valid_port_name, "123", ["must contain at least one letter (a-z)"]),
        (meta.is_valid_port_name, "a--b", ["must not contain consecutive hyphens"]),
        (meta.is_valid_port_num, 0, ["must be between 1 and 65535, inclusive"]),
        (meta.is_valid_port_num, 65535, []),
        (meta.is_valid_ip, "10.0.0.1", []),
        (
            meta.is_valid_ip,
            "10.0.0.300",
            ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"],
        ),
        (meta.is_config_map_key, "..a", ["must not start with '..'"]),
    ],
)
def test_name_validators(fn, value, errors) -> None:  # type: ignore[no-untyped-def]
    assert fn(value) == errors


def test_name_validators_prefix_masks_trailing_dash() -> None:
    assert meta.name_is_dns_subdomain("web-", prefix=True) == []
    assert meta.name_is_dns_subdomain("web-", prefix=False) != []


def test_generate_name_is_seeded_and_bounded() -> None:
    a = meta.generate_name("web-", random.Random(1))
    b = meta.generate_name("web-", random.Random(1))
    assert a == b
    assert a.startswith("web-")
    assert len(a) == 9
    assert all(c in meta.ALPHANUMS for c in a[4:])
    long = meta.generate_name("x" * 80, random.Random(2))
    assert len(long) == 63
    assert long.startswith("x" * 58)


def test_owner_references() -> None:
    owner = {"metadata": {"name": "rs", "uid": "u1"}}
    ref = meta.new_controller_ref(owner, "apps/v1", "ReplicaSet")
    assert ref == {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": "rs",
        "uid": "u1",
        "controller": True,
        "blockOwnerDeletion": True,
    }
    pod = {"metadata": {"ownerReferences": [{"uid": "u0", "name": "x"}, ref]}}
    assert meta.get_controller_of(pod) == ref
    assert meta.is_controlled_by(pod, owner)
    assert not meta.is_controlled_by(pod, {"metadata": {"uid": "other"}})
    assert not meta.is_controlled_by({"metadata": {}}, owner)
    assert meta.has_owner_reference(pod, "u0")
