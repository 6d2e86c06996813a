"""Field paths and field errors in the format of Kubernetes' ``field.Error``.

An error reads ``<path>: <type>[: <value>][: <detail>]``, for example
``profiles[0].pluginConfig[1].args.hardPodAffinityWeight: Invalid value: 101: not in valid
range [0, 100]``. Several errors aggregate as ``[e1, e2]`` (``utilerrors.Aggregate``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


class ErrorType(StrEnum):
    """``field.ErrorType`` strings."""

    NOT_FOUND = "Not found"
    REQUIRED = "Required value"
    DUPLICATE = "Duplicate value"
    INVALID = "Invalid value"
    NOT_SUPPORTED = "Unsupported value"
    FORBIDDEN = "Forbidden"
    TOO_LONG = "Too long"
    INTERNAL = "Internal error"
    # Strict decoding (not field.ErrorType values; rendered as the JSON decoder words them).
    UNKNOWN_FIELD = "unknown field"
    DUPLICATE_FIELD = "duplicate field"


_NO_VALUE = (ErrorType.REQUIRED, ErrorType.FORBIDDEN, ErrorType.TOO_LONG, ErrorType.INTERNAL)


def format_value(value: Any) -> str:
    """Render a value as Go's field errors do: strings quoted, numbers and booleans plain."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, default=str)


@dataclass(frozen=True, slots=True)
class FieldError:
    """One validation error at a field path (``field.Error``)."""

    type: ErrorType
    field: str
    value: Any = None
    detail: str = ""

    def body(self) -> str:
        """The message without the path (``field.Error.ErrorBody``)."""
        s = str(self.type) if self.type in _NO_VALUE else f"{self.type}: {format_value(self.value)}"
        if self.detail:
            s += f": {self.detail}"
        return s

    def __str__(self) -> str:
        if self.type in (ErrorType.UNKNOWN_FIELD, ErrorType.DUPLICATE_FIELD):
            return f"{self.type} {json.dumps(self.field)}"
        return f"{self.field}: {self.body()}" if self.field else self.body()


def unknown_field(path: str) -> FieldError:
    return FieldError(ErrorType.UNKNOWN_FIELD, path)


def invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError(ErrorType.INVALID, path, value, detail)


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(ErrorType.REQUIRED, path, None, detail)


def duplicate(path: str, value: Any) -> FieldError:
    return FieldError(ErrorType.DUPLICATE, path, value)


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError(ErrorType.FORBIDDEN, path, None, detail)


def not_found(path: str, value: Any, detail: str = "") -> FieldError:
    return FieldError(ErrorType.NOT_FOUND, path, value, detail)


def not_supported(path: str, value: Any, supported: Iterable[str]) -> FieldError:
    listed = ", ".join(json.dumps(s) for s in supported)
    return FieldError(ErrorType.NOT_SUPPORTED, path, value, f"supported values: {listed}")


def child(path: str, *names: str) -> str:
    """``path.Child(names...)``."""
    out = path
    for n in names:
        out = f"{out}.{n}" if out else n
    return out


def index(path: str, i: int) -> str:
    """``path.Index(i)``."""
    return f"{path}[{i}]"


def key(path: str, k: str) -> str:
    """``path.Key(k)``."""
    return f"{path}[{k}]"


class ConfigError(ValueError):
    """A configuration that failed decoding or validation.

    ``errors`` holds every :class:`FieldError` found (validation reports all problems at once,
    as kube-scheduler does); ``str()`` is the aggregate message.
    """

    def __init__(self, errors: Sequence[FieldError], *, source: str = "") -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        self.source = source
        msg = aggregate_message(self.errors) if self.errors else ""
        super().__init__(": ".join(part for part in (source, msg) if part))


def aggregate_message(errors: Sequence[FieldError]) -> str:
    """``utilerrors.Aggregate.Error()``: one message alone, several as ``[a, b]``."""
    msgs: list[str] = []
    for e in errors:
        m = str(e)
        if m not in msgs:
            msgs.append(m)
    if len(msgs) == 1:
        return msgs[0]
    return "[" + ", ".join(msgs) + "]"


_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = re.compile(rf"^{_DNS1123_LABEL}(\.{_DNS1123_LABEL})*$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


def is_qualified_name(value: str) -> list[str]:
    """``validation.IsQualifiedName``: problems with a label key (empty list if valid)."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        elif len(prefix) > 253:
            errs.append("prefix part must be no more than 253 characters")
        elif not _DNS1123_SUBDOMAIN.match(prefix):
            errs.append(
                "prefix part a lowercase RFC 1123 subdomain must consist of lower case "
                "alphanumeric characters, '-' or '.', and must start and end with an "
                "alphanumeric character"
            )
    else:
        return [
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and "
            "must start and end with an alphanumeric character with an optional DNS subdomain "
            "prefix and '/'"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    elif not _QUALIFIED_NAME.match(name):
        errs.append(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must "
            "start and end with an alphanumeric character"
        )
    return errs


def validate_label_name(value: str, path: str) -> list[FieldError]:
    """``metav1validation.ValidateLabelName``."""
    return [invalid(path, value, m) for m in is_qualified_name(value)]
