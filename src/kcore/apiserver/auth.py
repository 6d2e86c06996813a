"""Authentication: static bearer tokens from a token file, and anonymous access.

The token file has kube-apiserver's ``--token-auth-file`` format, one user per line::

    token,user,uid,"group1,group2"

(the groups column is optional; blank lines and lines starting with ``#`` are ignored). Requests
carry ``Authorization: Bearer <token>``. A missing token is the anonymous user
``system:anonymous`` (group ``system:unauthenticated``) when anonymous access is allowed and a
``401 Unauthorized`` otherwise; a wrong token is always 401. Every authenticated user is allowed
everything (kube-apiserver's ``AlwaysAllow`` authorizer); there is no RBAC yet.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from kcore.api.errors import BadRequest, Unauthorized

UNAUTHORIZED_MESSAGE = "Unauthorized"


@dataclass(frozen=True, slots=True)
class UserInfo:
    """An authenticated (or anonymous) user."""

    name: str
    uid: str = ""
    groups: tuple[str, ...] = ()


ANONYMOUS = UserInfo("system:anonymous", "", ("system:unauthenticated",))


def parse_token_file(text: str, *, source: str = "token file") -> dict[str, UserInfo]:
    """Parse token-file text into ``{token: user}``.

    Raises :class:`BadRequest` naming the line for a malformed line (fewer than three columns,
    an empty token or user, or a duplicate token), so a typo never silently locks a user out.
    """
    users: dict[str, UserInfo] = {}
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    for lineno, row in enumerate(reader, start=1):
        if not row or (len(row) == 1 and not row[0].strip()) or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 3:
            msg = (
                f'{source}:{lineno}: expected token,user,uid[,"group1,group2"], '
                f"got {len(row)} column(s)"
            )
            raise BadRequest(msg)
        token, user, uid = (c.strip() for c in row[:3])
        if not token or not user:
            msg = f"{source}:{lineno}: token and user must not be empty"
            raise BadRequest(msg)
        if token in users:
            msg = f"{source}:{lineno}: duplicate token for user {user!r}"
            raise BadRequest(msg)
        groups: tuple[str, ...] = ()
        if len(row) > 3:
            groups = tuple(g.strip() for g in row[3].split(",") if g.strip())
        users[token] = UserInfo(user, uid, (*groups, "system:authenticated"))
    return users


def load_token_file(path: str | Path) -> dict[str, UserInfo]:
    """Read and parse a token file (see :func:`parse_token_file`)."""
    p = Path(path)
    return parse_token_file(p.read_text(encoding="utf-8"), source=str(p))


def format_token_line(token: str, user: str, uid: str, groups: tuple[str, ...] = ()) -> str:
    """One token-file line (quoted groups column), ending in a newline."""
    line = f"{token},{user},{uid}"
    if groups:
        line += ',"' + ",".join(groups) + '"'
    return line + "\n"


class TokenAuthenticator:
    """Maps ``Authorization`` header values to users.

    Contract: :meth:`authenticate` returns the user, or raises :class:`Unauthorized` (401) with
    kube-apiserver's message. Header values are bytes as ASGI delivers them. Thread-safe (the
    token table is replaced, never mutated, by :meth:`set_tokens`).
    """

    def __init__(self, tokens: dict[str, UserInfo] | None = None, *, anonymous: bool = False):
        self.anonymous = anonymous
        self._by_header: dict[bytes, UserInfo] = {}
        self.set_tokens(tokens or {})

    def set_tokens(self, tokens: dict[str, UserInfo]) -> None:
        table: dict[bytes, UserInfo] = {}
        for tok, user in tokens.items():
            table[b"Bearer " + tok.encode()] = user
            table[b"bearer " + tok.encode()] = user
        self._by_header = table

    def authenticate(self, authorization: bytes | None) -> UserInfo:
        if authorization is None:
            if self.anonymous:
                return ANONYMOUS
            raise Unauthorized(UNAUTHORIZED_MESSAGE)
        user = self._by_header.get(authorization.strip())
        if user is None:
            raise Unauthorized(UNAUTHORIZED_MESSAGE)
        return user


class AllowAll:
    """An authenticator that lets every request in as an administrator (tests, simulation)."""

    anonymous = True

    def authenticate(self, authorization: bytes | None) -> UserInfo:  # noqa: ARG002
        return UserInfo("system:admin", "", ("system:masters", "system:authenticated"))
