"""Raw SQL on the events table, as someone tampering with the database would write it.

On PostgreSQL the events table refuses UPDATE, DELETE and TRUNCATE (a trigger the store installs),
so the tampering connection deliberately bypasses triggers with
`SET session_replication_role = replica` (allowed to superusers such as the test's `postgres`):
verification must catch what gets past the guard.
"""

from __future__ import annotations

import contextlib
import sqlite3
from abc import ABC, abstractmethod
from typing import Any
from uuid import UUID

import orjson
import psycopg
from psycopg import sql


class RawEvents(ABC):
    """Tampering helpers over one events table; statements use `?` placeholders and `{table}`."""

    @abstractmethod
    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement in its own committed transaction; return its rows."""

    @abstractmethod
    def key(self, plan_id: UUID) -> object:
        """The plan id as the table stores it."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def state(self, plan_id: UUID, version: int) -> dict[str, Any]:
        rows = self.execute(
            "SELECT state FROM {table} WHERE originator_id = ? AND originator_version = ?",
            (self.key(plan_id), version),
        )
        state: dict[str, Any] = orjson.loads(bytes(rows[0][0]))
        return state

    def set_state(self, plan_id: UUID, version: int, state: bytes) -> None:
        self.execute(
            "UPDATE {table} SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (state, self.key(plan_id), version),
        )

    def change_field(self, plan_id: UUID, version: int, field: str, value: Any) -> None:
        state = self.state(plan_id, version)
        state[field] = value
        self.set_state(plan_id, version, orjson.dumps(state))

    def delete(self, plan_id: UUID, version: int) -> None:
        self.execute(
            "DELETE FROM {table} WHERE originator_id = ? AND originator_version = ?",
            (self.key(plan_id), version),
        )

    def shift(self, plan_id: UUID, from_version: int, by: int) -> None:
        """Renumber the versions from `from_version` on by `by` (through negatives: no clash)."""
        key = self.key(plan_id)
        self.execute(
            "UPDATE {table} SET originator_version = -(originator_version + ?) "
            "WHERE originator_id = ? AND originator_version >= ?",
            (by, key, from_version),
        )
        self.execute(
            "UPDATE {table} SET originator_version = -originator_version "
            "WHERE originator_id = ? AND originator_version < 0",
            (key,),
        )

    def insert(self, plan_id: UUID, version: int, topic: str, state: bytes) -> None:
        self.execute(
            "INSERT INTO {table} (originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?)",
            (self.key(plan_id), version, topic, state),
        )

    def swap(self, plan_id: UUID, first: int, second: int) -> None:
        """Swap the versions two rows are filed under, leaving their contents as they are."""
        key = self.key(plan_id)
        moves = ((first, -1), (second, first), (-1, second))
        for old, new in moves:
            self.execute(
                "UPDATE {table} SET originator_version = ? "
                "WHERE originator_id = ? AND originator_version = ?",
                (new, key, old),
            )


class RawSqliteEvents(RawEvents):
    """The `stored_events` table of a SQLite file, through the standard sqlite3 module."""

    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path)

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._connection:
            cursor = self._connection.execute(statement.format(table="stored_events"), params)
            return cursor.fetchall()

    def key(self, plan_id: UUID) -> object:
        return plan_id.hex

    def close(self) -> None:
        self._connection.close()


class RawPostgresEvents(RawEvents):
    """`<schema>.planledger_events`, on a connection that bypasses the append-only trigger."""

    def __init__(self, url: str) -> None:
        dsn, _, schema = url.partition("?schema=")
        self._connection = psycopg.connect(dsn, autocommit=True)
        self._connection.execute("SET session_replication_role = replica")
        self._table = sql.Identifier(schema, "planledger_events").as_string(self._connection)

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        text = statement.format(table=self._table).replace("?", "%s")
        cursor = self._connection.execute(text.encode(), params)
        return cursor.fetchall() if cursor.description is not None else []

    def key(self, plan_id: UUID) -> object:
        return plan_id

    def close(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self._connection.close()


def raw_events_for(store_url: str) -> RawEvents:
    """The tampering helper for a store URL (SQLite file or PostgreSQL schema)."""
    if store_url.startswith("sqlite:///"):
        return RawSqliteEvents(store_url.removeprefix("sqlite:///"))
    return RawPostgresEvents(store_url)
