"""Each plan's data key, wrapped by the master key, in a table beside the events.

Unlike an event it can be deleted: forgetting a plan's data key (crypto-shredding) leaves its
sealed inputs unreadable while the events, and their hash chain, stay whole. On SQLite the
delete overwrites the row's bytes (`secure_delete`); on PostgreSQL the old row version stays
in the table's pages until `VACUUM`, and in WAL archives and backups — useless without the
master key, which the database never holds.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from typing import Protocol, cast
from uuid import UUID

from psycopg import sql

from adapters.store import StoreConfig
from adapters.store.postgres_setup import schema_lock
from adapters.store.side_tables import postgres_rows, postgres_table_exists, sqlite_transaction

TABLE = "planledger_data_keys"


class DataKeys(Protocol):
    """Where wrapped data keys are kept, by plan."""

    def put(self, plan_id: UUID, key_id: str, wrapped: bytes) -> bool:
        """Keep the key unless the plan has one already, which stays: True if this one was kept.

        Two creations racing under one plan id (the same idempotency key, twice at once) must
        not replace the key the winner's sealed inputs were encrypted under.
        """
        ...

    def get(self, plan_id: UUID) -> tuple[str, bytes] | None: ...

    def forget(self, plan_id: UUID) -> bool: ...


class MemoryDataKeys:
    """For a `memory://` store: they live as long as the process."""

    def __init__(self) -> None:
        self._rows: dict[UUID, tuple[str, bytes]] = {}
        self._lock = threading.Lock()

    def put(self, plan_id: UUID, key_id: str, wrapped: bytes) -> bool:
        with self._lock:
            return self._rows.setdefault(plan_id, (key_id, wrapped)) == (key_id, wrapped)

    def get(self, plan_id: UUID) -> tuple[str, bytes] | None:
        with self._lock:
            return self._rows.get(plan_id)

    def forget(self, plan_id: UUID) -> bool:
        with self._lock:
            return self._rows.pop(plan_id, None) is not None


class SqliteDataKeys:
    """In the store's SQLite file."""

    def __init__(self, database: str, display: str) -> None:
        self._database = database
        self._display = display

    def put(self, plan_id: UUID, key_id: str, wrapped: bytes) -> bool:
        with self._connected() as connection:
            connection.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (plan_id TEXT PRIMARY KEY, "
                "key_id TEXT NOT NULL, wrapped BLOB NOT NULL)"
            )
            inserted = connection.execute(
                f"INSERT OR IGNORE INTO {TABLE} VALUES (?, ?, ?)", (str(plan_id), key_id, wrapped)
            )
            return inserted.rowcount == 1

    def get(self, plan_id: UUID) -> tuple[str, bytes] | None:
        with self._connected() as connection:
            if not self._exists(connection):
                return None
            row = connection.execute(
                f"SELECT key_id, wrapped FROM {TABLE} WHERE plan_id = ?", (str(plan_id),)
            ).fetchone()
        return None if row is None else (str(row[0]), bytes(row[1]))

    def forget(self, plan_id: UUID) -> bool:
        with self._connected() as connection:
            if not self._exists(connection):
                return False
            connection.execute("PRAGMA secure_delete = ON")
            deleted = connection.execute(
                f"DELETE FROM {TABLE} WHERE plan_id = ?", (str(plan_id),)
            ).rowcount
        return deleted > 0

    @staticmethod
    def _exists(connection: sqlite3.Connection) -> bool:
        found = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
        ).fetchone()
        return found is not None

    def _connected(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return sqlite_transaction(self._database, self._display)


class PostgresDataKeys:
    """In the store's PostgreSQL schema."""

    def __init__(self, conninfo: str, schema: str, display: str) -> None:
        self._conninfo = conninfo
        self._schema = schema
        self._display = display
        self._table = sql.Identifier(schema, TABLE)

    def put(self, plan_id: UUID, key_id: str, wrapped: bytes) -> bool:
        if not self._exists():
            with schema_lock(self._conninfo, self._schema) as connection:
                connection.execute(
                    sql.SQL(
                        "CREATE TABLE IF NOT EXISTS {} (plan_id uuid PRIMARY KEY, "
                        "key_id text NOT NULL, wrapped bytea NOT NULL)"
                    ).format(self._table)
                )
        kept = self._run(
            sql.SQL(
                "INSERT INTO {} VALUES (%s, %s, %s) ON CONFLICT (plan_id) DO NOTHING "
                "RETURNING plan_id"
            ).format(self._table),
            (plan_id, key_id, wrapped),
        )
        return bool(kept)

    def get(self, plan_id: UUID) -> tuple[str, bytes] | None:
        if not self._exists():
            return None
        rows = self._run(
            sql.SQL("SELECT key_id, wrapped FROM {} WHERE plan_id = %s").format(self._table),
            (plan_id,),
        )
        return (str(rows[0][0]), bytes(cast(bytes, rows[0][1]))) if rows else None

    def forget(self, plan_id: UUID) -> bool:
        if not self._exists():
            return False
        rows = self._run(
            sql.SQL("DELETE FROM {} WHERE plan_id = %s RETURNING plan_id").format(self._table),
            (plan_id,),
        )
        return bool(rows)

    def _exists(self) -> bool:
        return postgres_table_exists(self._conninfo, self._display, self._schema, TABLE)

    def _run(
        self, statement: sql.Composed | sql.SQL, params: tuple[object, ...]
    ) -> list[tuple[object, ...]]:
        return postgres_rows(self._conninfo, self._display, statement, params)


def open_data_keys(config: StoreConfig) -> DataKeys:
    """The data-key table of the store `config` names."""
    if config.kind == "postgresql":
        assert config.conninfo is not None
        assert config.schema is not None
        return PostgresDataKeys(config.conninfo, config.schema, config.display)
    if config.kind == "sqlite":
        return SqliteDataKeys(config.env["SQLITE_DBNAME"], config.display)
    return MemoryDataKeys()
