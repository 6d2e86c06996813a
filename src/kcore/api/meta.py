"""Object metadata helpers: keys, name and label validation, generateName, owner references.

Everything here works on plain JSON dicts (the run-time representation of every kcore object)
and mirrors the behaviour and the exact error messages of Kubernetes 1.32
(``k8s.io/apimachinery/pkg/util/validation``, ``pkg/api/validation/objectmeta.go`` and
``client-go/tools/cache`` key functions).

The ``is_*`` validators return a list of error strings, empty when the value is valid, exactly as
the Go functions do; callers turn them into :class:`~kcore.api.errors.FieldErrors` entries.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any, NewType, Protocol

ObjectKey = NewType("ObjectKey", str)
"""``namespace/name`` for namespaced objects, ``name`` for cluster-scoped ones."""

# --------------------------------------------------------------------------------------------
# keys


def meta_namespace_key(obj: Mapping[str, Any] | str) -> ObjectKey:
    """The cache key of an object: ``namespace/name``, or ``name`` if it has no namespace.

    A string is returned unchanged (client-go accepts an explicit key, e.g. from a tombstone).

    Raises
    ------
    ValueError
        The object has no ``metadata``.
    """
    if isinstance(obj, str):
        return ObjectKey(obj)
    md = obj.get("metadata")
    if not isinstance(md, Mapping):
        msg = "object has no meta: metadata is missing"
        raise ValueError(msg)
    ns = md.get("namespace") or ""
    name = md.get("name") or ""
    return ObjectKey(f"{ns}/{name}" if ns else name)


def split_meta_namespace_key(key: str) -> tuple[str, str]:
    """Split a key into ``(namespace, name)``; namespace is ``""`` for cluster-scoped keys.

    Raises
    ------
    ValueError
        ``unexpected key format: "a/b/c"`` for more than one ``/``.
    """
    parts = key.split("/")
    if len(parts) == 1:
        return "", parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    msg = f'unexpected key format: "{key}"'
    raise ValueError(msg)


# --------------------------------------------------------------------------------------------
# generic message builders (validation.go)


def max_len_error(length: int) -> str:
    """``must be no more than N characters``."""
    return f"must be no more than {length} characters"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """A regex failure explained as Kubernetes words it, examples included."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    out = msg + " (e.g. "
    for i, ex in enumerate(examples):
        if i > 0:
            out += " or "
        out += f"'{ex}', "
    return out + f"regex used for validation is '{fmt}')"


def empty_error() -> str:
    return "must be non-empty"


def inclusive_range_error(lo: int, hi: int) -> str:
    return f"must be between {lo} and {hi}, inclusive"


# --------------------------------------------------------------------------------------------
# DNS names

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_MAX_LENGTH = 63
_DNS1123_LABEL_ERR = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_LABEL_RE = re.compile(DNS1123_LABEL_FMT)

DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + r"(\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
_DNS1123_SUBDOMAIN_ERR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_RE = re.compile(DNS1123_SUBDOMAIN_FMT)

DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_MAX_LENGTH = 63
_DNS1035_LABEL_ERR = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character"
)
_DNS1035_LABEL_RE = re.compile(DNS1035_LABEL_FMT)


def _fullmatch(rx: re.Pattern[str], value: str) -> bool:
    # fullmatch, not ``^...$``: Python's ``$`` also matches before a trailing newline.
    return rx.fullmatch(value) is not None


def is_dns1123_label(value: str) -> list[str]:
    """Errors for a DNS-1123 label (namespace names, container names, ...)."""
    errs: list[str] = []
    if len(value) > DNS1123_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_LABEL_MAX_LENGTH))
    if not _fullmatch(_DNS1123_LABEL_RE, value):
        errs.append(regex_error(_DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    """Errors for a DNS-1123 subdomain (most object names)."""
    errs: list[str] = []
    if len(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _fullmatch(_DNS1123_SUBDOMAIN_RE, value):
        errs.append(regex_error(_DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    """Errors for a DNS-1035 label (service names, port names of services)."""
    errs: list[str] = []
    if len(value) > DNS1035_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1035_LABEL_MAX_LENGTH))
    if not _fullmatch(_DNS1035_LABEL_RE, value):
        errs.append(regex_error(_DNS1035_LABEL_ERR, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


# --------------------------------------------------------------------------------------------
# qualified names (label keys, annotation keys, finalizers) and label values

QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
QUALIFIED_NAME_MAX_LENGTH = 63
_QUALIFIED_NAME_ERR = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_QUALIFIED_NAME_RE = re.compile(QUALIFIED_NAME_FMT)

LABEL_VALUE_FMT = f"({QUALIFIED_NAME_FMT})?"
LABEL_VALUE_MAX_LENGTH = 63
_LABEL_VALUE_ERR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character"
)
_LABEL_VALUE_RE = re.compile(LABEL_VALUE_FMT)


def is_qualified_name(value: str) -> list[str]:
    """Errors for a qualified name ``[prefix/]name`` (label and annotation keys, finalizers)."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part " + empty_error())
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(prefix))
    else:
        return [
            "a qualified name "
            + regex_error(_QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part " + empty_error())
    elif len(name) > QUALIFIED_NAME_MAX_LENGTH:
        errs.append("name part " + max_len_error(QUALIFIED_NAME_MAX_LENGTH))
    if not _fullmatch(_QUALIFIED_NAME_RE, name):
        errs.append(
            "name part "
            + regex_error(_QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def is_valid_label_value(value: str) -> list[str]:
    """Errors for a label value (empty is valid)."""
    errs: list[str] = []
    if len(value) > LABEL_VALUE_MAX_LENGTH:
        errs.append(max_len_error(LABEL_VALUE_MAX_LENGTH))
    if not _fullmatch(_LABEL_VALUE_RE, value):
        errs.append(regex_error(_LABEL_VALUE_ERR, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


# --------------------------------------------------------------------------------------------
# other formats

_PORT_NAME_CHARSET = re.compile(r"[-a-z0-9]+")
_PORT_NAME_LETTER = re.compile(r"[a-z]")


def is_valid_port_name(port: str) -> list[str]:
    """Errors for an IANA_SVC_NAME (container port names): ≤15 chars, ``[-a-z0-9]``, a letter."""
    errs: list[str] = []
    if len(port) > 15:
        errs.append(max_len_error(15))
    if not _fullmatch(_PORT_NAME_CHARSET, port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _PORT_NAME_LETTER.search(port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def is_valid_port_num(port: int) -> list[str]:
    """Errors for a port number outside 1..65535."""
    return [] if 1 <= port <= 65535 else [inclusive_range_error(1, 65535)]


def is_in_range(value: int, lo: int, hi: int) -> list[str]:
    return [] if lo <= value <= hi else [inclusive_range_error(lo, hi)]


_ENV_VAR_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*"
_ENV_VAR_RE = re.compile(_ENV_VAR_FMT)


def _chdir_prefix(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


def is_env_var_name(value: str) -> list[str]:
    """Errors for an environment variable name."""
    errs: list[str] = []
    if not _fullmatch(_ENV_VAR_RE, value):
        errs.append(
            regex_error(
                "a valid environment variable name must consist of alphabetic characters, "
                "digits, '_', '-', or '.', and must not start with a digit",
                _ENV_VAR_FMT,
                "my.env-name",
                "MY_ENV.NAME",
                "MyEnvName1",
            )
        )
    return errs + _chdir_prefix(value)


_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"
_CONFIG_KEY_RE = re.compile(_CONFIG_KEY_FMT)


def is_config_map_key(value: str) -> list[str]:
    """Errors for a ConfigMap or Secret data key."""
    errs: list[str] = []
    if len(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _fullmatch(_CONFIG_KEY_RE, value):
        errs.append(
            regex_error(
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                _CONFIG_KEY_FMT,
                "key.name",
                "KEY_NAME",
                "key-name",
            )
        )
    return errs + _chdir_prefix(value)


_C_IDENT_FMT = "[A-Za-z_][A-Za-z0-9_]*"
_C_IDENT_RE = re.compile(_C_IDENT_FMT)


def is_c_identifier(value: str) -> list[str]:
    if _fullmatch(_C_IDENT_RE, value):
        return []
    return [
        regex_error(
            "a valid C identifier must start with alphabetic character or '_', followed by a "
            "string of alphanumeric characters or '_'",
            _C_IDENT_FMT,
            "my_name",
            "MY_NAME",
            "MyName",
        )
    ]


def is_valid_ip(value: str) -> list[str]:
    """Errors for an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]
    return []


def is_valid_cidr(value: str) -> list[str]:
    """Errors for a CIDR such as ``10.0.0.0/16``."""
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return ["must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"]
    if "/" not in value:
        return ["must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"]
    return []


_PERCENT_RE = re.compile(r"[0-9]+%")


def is_valid_percent(value: str) -> list[str]:
    if _fullmatch(_PERCENT_RE, value):
        return []
    return [
        regex_error(
            "a valid percent string must be a numeric string followed by an ending '%'",
            "[0-9]+%",
            "1%",
            "93%",
        )
    ]


# --------------------------------------------------------------------------------------------
# object-name validators (apimachinery/pkg/api/validation/generic.go)


def _mask_trailing_dash(name: str) -> str:
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool = False) -> list[str]:
    """ValidateNameFunc for most kinds; ``prefix`` validates a ``generateName``."""
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool = False) -> list[str]:
    """ValidateNameFunc for namespaces."""
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool = False) -> list[str]:
    """ValidateNameFunc for services."""
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


def validate_path_segment_name(name: str, prefix: bool = False) -> list[str]:
    """ValidateNameFunc for kinds whose names only need to be valid URL path segments."""
    errs: list[str] = []
    if not prefix and name in (".", ".."):
        errs.append(f"may not be '{name}'")
    for illegal in ("/", "%"):
        if illegal in name:
            errs.append(f"may not contain '{illegal}'")
    return errs


# --------------------------------------------------------------------------------------------
# generateName

MAX_NAME_LENGTH = 63
RANDOM_LENGTH = 5
MAX_GENERATED_NAME_LENGTH = MAX_NAME_LENGTH - RANDOM_LENGTH
# Alphabet of apimachinery's util/rand.String: no vowels (no accidental words), no 0/1/3.
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


class RandomSource(Protocol):
    """What :func:`generate_name` needs from a seeded generator (``random.Random`` fits)."""

    def randrange(self, stop: int, /) -> int: ...


def random_suffix(rng: RandomSource, length: int = RANDOM_LENGTH) -> str:
    """``length`` characters drawn from :data:`ALPHANUMS`."""
    return "".join(ALPHANUMS[rng.randrange(len(ALPHANUMS))] for _ in range(length))


def generate_name(base: str, rng: RandomSource) -> str:
    """``metadata.generateName`` + 5 random characters, the base cut to 58 characters."""
    if len(base) > MAX_GENERATED_NAME_LENGTH:
        base = base[:MAX_GENERATED_NAME_LENGTH]
    return base + random_suffix(rng)


# --------------------------------------------------------------------------------------------
# owner references


def owner_references(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``metadata.ownerReferences`` (an empty list when absent)."""
    md = obj.get("metadata") or {}
    refs = md.get("ownerReferences") or []
    return [r for r in refs if isinstance(r, dict)]


def get_controller_of(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """The owner reference with ``controller: true``, if any."""
    for ref in owner_references(obj):
        if ref.get("controller") is True:
            return ref
    return None


def is_controlled_by(obj: Mapping[str, Any], owner: Mapping[str, Any]) -> bool:
    """Whether ``obj``'s controller reference points at ``owner`` (compared by UID)."""
    ref = get_controller_of(obj)
    if ref is None:
        return False
    uid = (owner.get("metadata") or {}).get("uid")
    return bool(uid) and ref.get("uid") == uid


def new_controller_ref(owner: Mapping[str, Any], api_version: str, kind: str) -> dict[str, Any]:
    """An owner reference to ``owner`` with ``controller`` and ``blockOwnerDeletion`` true."""
    md = owner.get("metadata") or {}
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": md.get("name", ""),
        "uid": md.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def has_owner_reference(obj: Mapping[str, Any], uid: str) -> bool:
    """Whether any owner reference of ``obj`` names ``uid``."""
    return any(r.get("uid") == uid for r in owner_references(obj))
