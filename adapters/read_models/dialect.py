"""What differs between SQLite and PostgreSQL for the read models: types, values, SQL spelling.

Statements are written once with `?` placeholders and the spelling both databases accept
(`INSERT ... ON CONFLICT ... DO UPDATE`, row-value comparisons); a dialect converts the rest.
SQLite stores UUIDs and times as text (times as fixed-width ISO-8601 in UTC, so text order is
time order) and JSON as text; PostgreSQL uses `uuid`, `timestamptz` and `jsonb`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

import orjson
from psycopg.types.json import Jsonb

from adapters.read_models.tables import ColumnKind
from adapters.read_models.text_escapes import (
    ESCAPE,
    escaped,
    escaped_value,
    needs_escaping,
    unescaped,
    unescaped_value,
)

Codec = Callable[[Any], object]
"""Converts one non-NULL value between the row dataclass and the database."""


def _iso_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _json_text(value: object) -> str:
    return orjson.dumps(value).decode()


def _jsonb(value: object) -> Jsonb:
    return Jsonb(value, dumps=_escaped_json_text)


def _escaped_json_text(value: object) -> str:
    text = _json_text(value)
    return _json_text(escaped_value(value)) if needs_escaping(text) else text


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


_ESCAPE_BYTES = ESCAPE.encode()


def jsonb_loads(data: str | bytes) -> Any:
    """How psycopg reads `jsonb` here: strings escaped on the way in are unescaped."""
    value = orjson.loads(data)
    marker = _ESCAPE_BYTES if isinstance(data, bytes) else ESCAPE
    return unescaped_value(value) if marker in data else value  # type: ignore[operator]


class Dialect:
    """The SQLite spelling; `PostgresDialect` overrides what PostgreSQL spells differently."""

    name: ClassVar[str] = "sqlite"
    types: ClassVar[dict[ColumnKind, str]] = {
        ColumnKind.UUID: "TEXT",
        ColumnKind.TEXT: "TEXT",
        ColumnKind.INTEGER: "INTEGER",
        ColumnKind.REAL: "REAL",
        ColumnKind.BOOLEAN: "INTEGER",
        ColumnKind.TIMESTAMP: "TEXT",
        ColumnKind.JSON: "TEXT",
    }
    encoders: ClassVar[dict[ColumnKind, Codec]] = {
        ColumnKind.UUID: str,
        ColumnKind.TIMESTAMP: _iso_text,
        ColumnKind.JSON: _json_text,
        ColumnKind.BOOLEAN: int,
    }
    """Python -> stored, per kind; a kind not listed is stored as it is."""
    decoders: ClassVar[dict[ColumnKind, Codec]] = {
        ColumnKind.UUID: UUID,
        ColumnKind.TIMESTAMP: datetime.fromisoformat,
        ColumnKind.JSON: orjson.loads,
        ColumnKind.BOOLEAN: bool,
    }
    """Stored -> Python, per kind."""
    like: ClassVar[str] = "LIKE"
    """Case-insensitive for ASCII in SQLite; PostgreSQL needs ILIKE."""
    lock_rows: ClassVar[str] = ""
    """SQLite locks the whole database with BEGIN IMMEDIATE instead of rows."""
    notification_id: ClassVar[str] = "rowid"
    """The column of the library's events table that holds the global position."""
    tables_query: ClassVar[str] = "SELECT name FROM sqlite_master WHERE type = 'table'"
    """The names of the tables that exist."""
    bulk_upsert: ClassVar[bool] = False
    """True: upsert a batch as one JSON document (see `table_io`); False: executemany."""
    epoch_ms: ClassVar[str] = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
    """The database's clock, in milliseconds since the epoch: one value within a statement."""

    def convert(self, statement: str) -> str:
        """The statement with this driver's placeholders."""
        return statement

    def encode(self, kind: ColumnKind, value: object) -> object:
        """A Python value as this database stores it."""
        codec = self.encoders.get(kind)
        return value if value is None or codec is None else codec(value)

    def decode(self, kind: ColumnKind, value: Any) -> object:
        """A stored value as the row dataclass holds it."""
        codec = self.decoders.get(kind)
        return value if value is None or codec is None else codec(value)

    def in_list(self, column: str, values: Sequence[object]) -> tuple[str, list[object]]:
        """`column IN (...)` for already encoded values, with its parameters."""
        marks = ", ".join("?" for _ in values)
        return f"{column} IN ({marks})", list(values)

    def after_rename(self, old: str, new: str) -> list[str]:
        """Statements that follow `ALTER TABLE old RENAME TO new` (SQLite: none)."""
        return []


class PostgresDialect(Dialect):
    """PostgreSQL: native uuid, timestamptz and jsonb; `%s` placeholders; row locks."""

    name: ClassVar[str] = "postgresql"
    types: ClassVar[dict[ColumnKind, str]] = {
        ColumnKind.UUID: "uuid",
        ColumnKind.TEXT: "text",
        ColumnKind.INTEGER: "bigint",
        ColumnKind.REAL: "double precision",
        ColumnKind.BOOLEAN: "boolean",
        ColumnKind.TIMESTAMP: "timestamptz",
        ColumnKind.JSON: "jsonb",
    }
    encoders: ClassVar[dict[ColumnKind, Codec]] = {
        ColumnKind.JSON: _jsonb,
        ColumnKind.TEXT: escaped,
    }
    decoders: ClassVar[dict[ColumnKind, Codec]] = {
        ColumnKind.TIMESTAMP: _utc,
        ColumnKind.TEXT: unescaped,
    }
    """Text and JSON go through `text_escapes`: PostgreSQL stores no NUL character."""
    like: ClassVar[str] = "ILIKE"
    lock_rows: ClassVar[str] = " FOR UPDATE"
    notification_id: ClassVar[str] = "notification_id"
    tables_query: ClassVar[str] = (
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    )
    bulk_upsert: ClassVar[bool] = True
    epoch_ms: ClassVar[str] = "CAST(EXTRACT(EPOCH FROM statement_timestamp()) * 1000 AS bigint)"

    def convert(self, statement: str) -> str:
        return statement.replace("?", "%s")

    def in_list(self, column: str, values: Sequence[object]) -> tuple[str, list[object]]:
        return f"{column} = ANY(?)", [list(values)]

    def after_rename(self, old: str, new: str) -> list[str]:
        """The primary key's index keeps the old table's name: give it the new one.

        Index names are unique per schema, so a later `old` table could not be created.
        """
        return [f'ALTER INDEX "{old}_pkey" RENAME TO "{new}_pkey"']


SQLITE = Dialect()
POSTGRES = PostgresDialect()
