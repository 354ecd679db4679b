"""API tokens: created once and shown once, kept only as a SHA-256 hash in the store's database.

A token is 32 random bytes (`plt_` + URL-safe base64): guessing one is hopeless, so a fast hash
is enough, and it lets a request be matched by an indexed lookup of its hash. The table lives
beside the events (the SQLite file or the PostgreSQL schema), in a table of its own.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from adapters.principals.errors import (
    InvalidTokenRequestError,
    NotAuthenticatedError,
    TokenNameTakenError,
    TokenNotFoundError,
)
from adapters.principals.permissions import Principal
from adapters.read_models import ReadModelDatabase
from core import JsonObject, Role

TOKEN_PREFIX = "plt_"
TOKEN_PRINCIPAL = "token:"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
EXPIRY_PATTERN = re.compile(r"^(\d{1,5})([smhd])$")
EXPIRY_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}

TABLE = """
CREATE TABLE IF NOT EXISTS api_tokens (
    name TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    roles TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
)
"""


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def parse_expiry(text: str, now: datetime) -> datetime:
    """`30d`, `12h`, `15m` or `90s` from `now`."""
    match = EXPIRY_PATTERN.match(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise InvalidTokenRequestError("--expires", f"{text!r} is not a duration like 30d or 12h")
    return now + timedelta(**{EXPIRY_UNITS[match.group(2)]: int(match.group(1))})


def parse_roles(names: list[str]) -> frozenset[Role]:
    """Role names as roles; an unknown one is refused, naming the known ones."""
    known = {role.value: role for role in Role}
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        listed = ", ".join(known)
        raise InvalidTokenRequestError(
            "--role", f"{', '.join(unknown) or 'none'} (roles: {listed})"
        )
    return frozenset(known[name] for name in names)


@dataclass(frozen=True)
class IssuedToken:
    """A token as `tokens create` prints it: the secret exists only here."""

    name: str
    token: str


class TokenStore:
    """Create, list, revoke and check API tokens in the store's database."""

    def __init__(self, database: ReadModelDatabase) -> None:
        self._database = database
        database.create_tables([TABLE])

    def create(
        self, name: str, roles: frozenset[Role], now: datetime, expires_at: datetime | None
    ) -> IssuedToken:
        """A new token for principal `token:NAME`; only its hash is kept."""
        if not NAME_PATTERN.match(name):
            raise InvalidTokenRequestError("NAME", "letters, digits, `.`, `_`, `-`; at most 64")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = [name, token_hash(token), ",".join(sorted(roles)), _text(now), _text(expires_at)]
        with self._database.transaction(write_lock=True) as session:
            if session.execute("SELECT 1 FROM api_tokens WHERE name = ?", [name]):
                raise TokenNameTakenError(name)
            session.execute(
                "INSERT INTO api_tokens (name, token_hash, roles, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                row,
            )
        return IssuedToken(name, token)

    def revoke(self, name: str, now: datetime) -> None:
        """The token stops working at once; its name stays taken."""
        with self._database.transaction(write_lock=True) as session:
            if not session.execute("SELECT 1 FROM api_tokens WHERE name = ?", [name]):
                raise TokenNotFoundError(name)
            session.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                [_text(now), name],
            )

    def list(self) -> list[JsonObject]:
        """Every token's name, roles and dates; never the token or its hash."""
        with self._database.session() as session:
            rows = session.execute(
                "SELECT name, roles, created_at, expires_at, revoked_at FROM api_tokens "
                "ORDER BY name"
            )
        return [
            {
                "name": name,
                "principal": TOKEN_PRINCIPAL + name,
                "roles": roles.split(","),
                "created_at": created,
                "expires_at": expires,
                "revoked_at": revoked,
            }
            for name, roles, created, expires, revoked in rows
        ]

    def authenticate(self, token: str, now: datetime) -> Principal:
        """The principal a presented token stands for, or `NotAuthenticatedError`."""
        with self._database.session() as session:
            rows = session.execute(
                "SELECT name, roles, expires_at, revoked_at FROM api_tokens WHERE token_hash = ?",
                [token_hash(token)],
            )
        if not rows:
            raise NotAuthenticatedError("unknown token")
        name, roles, expires_at, revoked_at = rows[0]
        if revoked_at is not None:
            raise NotAuthenticatedError("the token was revoked")
        if expires_at is not None and datetime.fromisoformat(expires_at) <= now:
            raise NotAuthenticatedError("the token has expired")
        return Principal(TOKEN_PRINCIPAL + name, frozenset(Role(role) for role in roles.split(",")))


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")
