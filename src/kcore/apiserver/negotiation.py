"""Content negotiation: what a request body is, and how to render the answer.

Kubernetes clients name what they want with media-type parameters rather than different types:
``application/json;as=Table;v=v1;g=meta.k8s.io`` asks for a server-side Table, the aggregated
discovery list is ``application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList``.
This module parses ``Accept`` and ``Content-Type`` headers into :class:`MediaType` values and picks
the first rendering the endpoint can produce, in the client's order of preference (``q`` values
are honoured when present).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import lru_cache

from kcore.api.errors import NotAcceptable, UnsupportedMediaType

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH_YAML = "application/apply-patch+yaml"
APPLY_PATCH_CBOR = "application/apply-patch+cbor"

DISCOVERY_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
DISCOVERY_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

#: Patch content types and the patch type names of :class:`kcore.client.interface.PatchType`.
PATCH_TYPES: dict[str, str] = {
    JSON_PATCH: "json",
    MERGE_PATCH: "merge",
    STRATEGIC_PATCH: "strategic",
    APPLY_PATCH_YAML: "apply",
}


@dataclass(frozen=True, slots=True)
class MediaType:
    """One media range: ``type/subtype`` (lower case) plus its parameters (``q`` excluded)."""

    mime: str
    params: tuple[tuple[str, str], ...] = ()
    q: float = 1.0

    def param(self, name: str) -> str:
        for k, v in self.params:
            if k == name:
                return v
        return ""

    def matches_json(self) -> bool:
        return self.mime in (JSON, "application/*", "*/*")


class Rendering(enum.Enum):
    """How a response body is encoded."""

    JSON = "json"
    YAML = "yaml"
    TABLE = "table"
    PARTIAL = "partial"  # meta.k8s.io PartialObjectMetadata(List)
    DISCOVERY_V2 = "discovery-v2"
    DISCOVERY_V2BETA1 = "discovery-v2beta1"


@dataclass(frozen=True, slots=True)
class Negotiated:
    """The chosen rendering plus the Table ``includeObject`` policy if relevant."""

    rendering: Rendering
    content_type: str
    extra: dict[str, str] = field(default_factory=dict)


def _parse_one(text: str) -> MediaType | None:
    parts = [p.strip() for p in text.split(";")]
    mime = parts[0].lower()
    if not mime:
        return None
    if "/" not in mime:
        return None
    params: list[tuple[str, str]] = []
    q = 1.0
    for p in parts[1:]:
        if not p:
            continue
        k, sep, v = p.partition("=")
        k = k.strip().lower()
        v = v.strip().strip('"')
        if not sep:
            continue
        if k == "q":
            try:
                q = float(v)
            except ValueError:
                q = 0.0
            continue
        params.append((k, v))
    return MediaType(mime, tuple(params), q)


@lru_cache(maxsize=256)
def parse_accept(header: str) -> tuple[MediaType, ...]:
    """Parse an ``Accept`` header into media ranges, best first (stable for equal ``q``)."""
    if not header.strip():
        return (MediaType("*/*"),)
    out = [m for m in (_parse_one(p) for p in header.split(",")) if m is not None and m.q > 0]
    # Stable sort keeps the client's order among equal q values (kubectl relies on order).
    out.sort(key=lambda m: -m.q)
    return tuple(out)


@lru_cache(maxsize=256)
def parse_content_type(header: str) -> MediaType:
    """Parse a ``Content-Type``; an empty header means JSON (the Python client sends none)."""
    m = _parse_one(header) if header.strip() else None
    return m if m is not None else MediaType(JSON)


_JSON_RESULT = Negotiated(Rendering.JSON, JSON)
_YAML_RESULT = Negotiated(Rendering.YAML, YAML)


def negotiate(
    accept: str,
    *,
    table: bool = False,
    partial: bool = False,
    discovery: bool = False,
) -> Negotiated:
    """Pick how to answer a request with ``Accept: accept``.

    ``table``/``partial``/``discovery`` say whether this endpoint can render a Table,
    PartialObjectMetadata or aggregated discovery. Protobuf is never produced; a client that
    accepts nothing else gets ``406 NotAcceptable`` (kubectl and the Python client always accept
    JSON as well).
    """
    if not accept:
        return _JSON_RESULT
    for m in parse_accept(accept):
        mime = m.mime
        if mime == JSON:
            as_ = m.param("as")
            if not as_:
                return _JSON_RESULT
            g = m.param("g")
            v = m.param("v")
            if as_ == "Table" and table and g == "meta.k8s.io" and v in ("v1", "v1beta1"):
                return Negotiated(Rendering.TABLE, JSON, {"version": v})
            if (
                as_ in ("PartialObjectMetadata", "PartialObjectMetadataList")
                and partial
                and g == "meta.k8s.io"
                and v in ("v1", "v1beta1")
            ):
                return Negotiated(Rendering.PARTIAL, JSON, {"version": v})
            if as_ == "APIGroupDiscoveryList" and discovery and g == "apidiscovery.k8s.io":
                if v == "v2":
                    return Negotiated(Rendering.DISCOVERY_V2, DISCOVERY_V2)
                if v == "v2beta1":
                    return Negotiated(Rendering.DISCOVERY_V2BETA1, DISCOVERY_V2BETA1)
            continue
        if mime in ("*/*", "application/*"):
            return _JSON_RESULT
        if mime in (YAML, "application/*+yaml", "text/yaml"):
            return _YAML_RESULT
    msg = "only the following media types are accepted: application/json, application/yaml"
    raise NotAcceptable(msg)


def body_kind(content_type: str, *, patch: bool) -> str:
    """Classify a request body: ``json``, ``yaml``, ``protobuf`` or a patch type.

    Raises :class:`UnsupportedMediaType` (415) for anything else, with Kubernetes' wording.
    """
    m = parse_content_type(content_type)
    mime = m.mime
    if patch:
        pt = PATCH_TYPES.get(mime)
        if pt is not None:
            return pt
        supported = ", ".join(f'"{t}"' for t in PATCH_TYPES)
        msg = (
            "the body of the request was in an unknown format - accepted media types include: "
            + supported
        )
        raise UnsupportedMediaType(msg)
    if mime in (JSON, "*/*"):
        return "json"
    if mime in (YAML, "text/yaml", "application/x-yaml"):
        return "yaml"
    if mime == PROTOBUF:
        return "protobuf"
    msg = (
        f"the body of the request was in an unknown format - accepted media types include: "
        f'"{JSON}", "{YAML}", "{PROTOBUF}"'
    )
    raise UnsupportedMediaType(msg)
