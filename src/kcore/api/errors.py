"""API errors as Kubernetes ``Status`` objects.

Every error the API layer can raise is a :class:`StatusError` carrying the ``reason`` and HTTP
``code`` that Kubernetes uses, plus optional ``details`` (the object's group, kind and name and a
list of :class:`StatusCause` with field paths). ``client`` and ``apiserver`` share this module, so
an error raised in a registry reaches an HTTP client, a ``LocalClient`` caller or kubectl with the
same reason and message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class StatusCause:
    """One cause of an error: ``reason`` (e.g. ``FieldValueInvalid``), message and field path."""

    reason: str
    message: str
    field: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"reason": self.reason, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


@dataclass(frozen=True, slots=True)
class StatusDetails:
    """``Status.details``: what the error is about and why."""

    name: str = ""
    group: str = ""
    kind: str = ""
    causes: tuple[StatusCause, ...] = ()
    retry_after_seconds: int = 0
    uid: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.name:
            out["name"] = self.name
        if self.group:
            out["group"] = self.group
        if self.kind:
            out["kind"] = self.kind
        if self.uid:
            out["uid"] = self.uid
        if self.causes:
            out["causes"] = [c.to_dict() for c in self.causes]
        if self.retry_after_seconds:
            out["retryAfterSeconds"] = self.retry_after_seconds
        return out


class StatusError(Exception):
    """An API error with a Kubernetes ``StatusReason`` and HTTP code.

    Subclasses fix ``reason`` and ``code``. ``to_status()`` renders the ``v1.Status`` object the
    APIServer sends; ``from_status()`` rebuilds the matching subclass on the client side.
    """

    reason: ClassVar[str] = "InternalError"
    code: ClassVar[int] = 500

    def __init__(self, message: str, *, details: StatusDetails | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or StatusDetails()

    def to_status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        details = self.details.to_dict()
        if details:
            status["details"] = details
        return status

    @staticmethod
    def from_status(status: dict[str, Any]) -> StatusError:
        """Rebuild the error a server described in a ``Status`` object."""
        reason = str(status.get("reason") or "")
        code = int(status.get("code") or 500)
        cls = _BY_REASON.get(reason) or _BY_CODE.get(code) or StatusError
        d = status.get("details") or {}
        causes = tuple(
            StatusCause(
                str(c.get("reason", "")), str(c.get("message", "")), str(c.get("field", ""))
            )
            for c in d.get("causes") or ()
        )
        details = StatusDetails(
            name=str(d.get("name", "")),
            group=str(d.get("group", "")),
            kind=str(d.get("kind", "")),
            causes=causes,
            retry_after_seconds=int(d.get("retryAfterSeconds", 0) or 0),
            uid=str(d.get("uid", "")),
        )
        err = cls(str(status.get("message") or reason or "unknown error"), details=details)
        if cls is StatusError:
            err.code_override = code  # type: ignore[attr-defined]
        return err

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class BadRequest(StatusError):
    reason = "BadRequest"
    code = 400


class Unauthorized(StatusError):
    reason = "Unauthorized"
    code = 401


class Forbidden(StatusError):
    reason = "Forbidden"
    code = 403


class NotFound(StatusError):
    reason = "NotFound"
    code = 404


class MethodNotAllowed(StatusError):
    reason = "MethodNotAllowed"
    code = 405


class NotAcceptable(StatusError):
    reason = "NotAcceptable"
    code = 406


class AlreadyExists(StatusError):
    reason = "AlreadyExists"
    code = 409


class Conflict(StatusError):
    reason = "Conflict"
    code = 409


class Gone(StatusError):
    reason = "Gone"
    code = 410


class Expired(StatusError):
    """A watch or list asked for a resourceVersion older than the compacted history (410)."""

    reason = "Expired"
    code = 410


class RequestEntityTooLarge(StatusError):
    reason = "RequestEntityTooLarge"
    code = 413


class UnsupportedMediaType(StatusError):
    reason = "UnsupportedMediaType"
    code = 415


class Invalid(StatusError):
    """Validation failed; ``details.causes`` names every offending field path (422)."""

    reason = "Invalid"
    code = 422


class TooManyRequests(StatusError):
    reason = "TooManyRequests"
    code = 429


class InternalError(StatusError):
    reason = "InternalError"
    code = 500


class ServiceUnavailable(StatusError):
    reason = "ServiceUnavailable"
    code = 503


class Timeout(StatusError):
    reason = "Timeout"
    code = 504


_BY_REASON: dict[str, type[StatusError]] = {
    c.reason: c
    for c in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        NotAcceptable,
        AlreadyExists,
        Conflict,
        Gone,
        Expired,
        RequestEntityTooLarge,
        UnsupportedMediaType,
        Invalid,
        TooManyRequests,
        InternalError,
        ServiceUnavailable,
        Timeout,
    )
}
_BY_CODE: dict[int, type[StatusError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    406: NotAcceptable,
    409: Conflict,
    410: Gone,
    413: RequestEntityTooLarge,
    415: UnsupportedMediaType,
    422: Invalid,
    429: TooManyRequests,
    500: InternalError,
    503: ServiceUnavailable,
    504: Timeout,
}


@dataclass(slots=True)
class FieldErrors:
    """Collects validation errors with field paths, then raises one :class:`Invalid`.

    ``kind``/``name`` go into the message the way Kubernetes words it, the kind qualified by its
    group for named groups: ``Pod "x" is invalid: spec.containers[0].name: Required value``,
    ``Deployment.apps "web" is invalid: ...``.
    """

    kind: str
    name: str
    group: str = ""
    causes: list[StatusCause] = field(default_factory=list)

    def required(self, path: str, detail: str = "") -> None:
        self.causes.append(StatusCause("FieldValueRequired", _msg("Required value", detail), path))

    def invalid(self, path: str, value: Any, detail: str) -> None:
        self.causes.append(
            StatusCause("FieldValueInvalid", f"Invalid value: {_show(value)}: {detail}", path)
        )

    def not_supported(self, path: str, value: Any, supported: list[str]) -> None:
        vals = ", ".join(f'"{s}"' for s in supported)
        self.causes.append(
            StatusCause(
                "FieldValueNotSupported",
                f"Unsupported value: {_show(value)}: supported values: {vals}",
                path,
            )
        )

    def duplicate(self, path: str, value: Any) -> None:
        self.causes.append(
            StatusCause("FieldValueDuplicate", f"Duplicate value: {_show(value)}", path)
        )

    def forbidden(self, path: str, detail: str) -> None:
        self.causes.append(StatusCause("FieldValueForbidden", f"Forbidden: {detail}", path))

    def too_long(self, path: str, limit: int) -> None:
        self.causes.append(
            StatusCause(
                "FieldValueTooLong",
                f"Too long: may not be more than {limit} bytes",
                path,
            )
        )

    def extend(self, other: FieldErrors) -> None:
        self.causes.extend(other.causes)

    def __bool__(self) -> bool:
        return bool(self.causes)

    def raise_if_any(self) -> None:
        if not self.causes:
            return
        parts = [f"{c.field}: {c.message}" if c.field else c.message for c in self.causes]
        joined = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
        qualified = f"{self.kind}.{self.group}" if self.group else self.kind
        raise Invalid(
            f'{qualified} "{self.name}" is invalid: {joined}',
            details=StatusDetails(
                name=self.name, group=self.group, kind=self.kind, causes=tuple(self.causes)
            ),
        )


def _msg(head: str, detail: str) -> str:
    return f"{head}: {detail}" if detail else head


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
