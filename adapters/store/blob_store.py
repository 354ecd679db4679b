"""The blob table: large results and outputs, stored once by their SHA-256, beside the events.

Events name a blob by its digest (`BlobRef`); the bytes live in `planledger_blobs` in the same
SQLite file or PostgreSQL schema, so one store still holds everything and a copy of it is whole.
A blob is written before the event that names it; one whose event never made it is unused.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading

from psycopg import sql

from adapters.store.postgres_setup import schema_lock
from adapters.store.side_tables import postgres_rows, postgres_table_exists, sqlite_transaction
from adapters.store.store_url import StoreConfig
from core import BlobRef, BlobStore

TABLE = "planledger_blobs"


class MemoryBlobs:
    """For a `memory://` store: blobs live as long as the process."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put(self, ref: BlobRef, content: bytes) -> None:
        with self._lock:
            self._blobs.setdefault(ref.digest, content)

    def get(self, digest: str) -> bytes:
        with self._lock:
            return self._blobs[digest]


class SqliteBlobs:
    """In the store's SQLite file."""

    def __init__(self, database: str, display: str) -> None:
        self._database = database
        self._display = display

    def put(self, ref: BlobRef, content: bytes) -> None:
        with self._connected() as connection:
            connection.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (digest TEXT PRIMARY KEY, "
                "media_type TEXT NOT NULL, size INTEGER NOT NULL, content BLOB NOT NULL)"
            )
            connection.execute(
                f"INSERT OR IGNORE INTO {TABLE} VALUES (?, ?, ?, ?)",
                (ref.digest, ref.media_type, ref.size, content),
            )

    def get(self, digest: str) -> bytes:
        with self._connected() as connection:
            try:
                row = connection.execute(
                    f"SELECT content FROM {TABLE} WHERE digest = ?", (digest,)
                ).fetchone()
            except sqlite3.OperationalError:  # no blob table: no blob was ever stored
                row = None
        if row is None:
            raise LookupError(f"no blob {digest} in {self._display}")
        return bytes(row[0])

    def _connected(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return sqlite_transaction(self._database, self._display)


class PostgresBlobs:
    """In the store's PostgreSQL schema."""

    def __init__(self, conninfo: str, schema: str, display: str) -> None:
        self._conninfo = conninfo
        self._schema = schema
        self._display = display
        self._table = sql.Identifier(schema, TABLE)
        self._created = False

    def put(self, ref: BlobRef, content: bytes) -> None:
        if not self._created and self._missing():
            with schema_lock(self._conninfo, self._schema) as connection:
                connection.execute(
                    sql.SQL(
                        "CREATE TABLE IF NOT EXISTS {} (digest text PRIMARY KEY, "
                        "media_type text NOT NULL, size bigint NOT NULL, content bytea NOT NULL)"
                    ).format(self._table)
                )
        self._created = True
        self._run(
            sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING").format(
                self._table
            ),
            (ref.digest, ref.media_type, ref.size, content),
        )

    def get(self, digest: str) -> bytes:
        if self._missing():
            raise LookupError(f"no blob {digest} in {self._display}")
        rows = self._run(
            sql.SQL("SELECT content FROM {} WHERE digest = %s").format(self._table), (digest,)
        )
        if not rows:
            raise LookupError(f"no blob {digest} in {self._display}")
        content = rows[0][0]
        assert isinstance(content, bytes)
        return content

    def _missing(self) -> bool:
        return not postgres_table_exists(self._conninfo, self._display, self._schema, TABLE)

    def _run(
        self, statement: sql.Composed | sql.SQL, params: tuple[object, ...]
    ) -> list[tuple[object, ...]]:
        return postgres_rows(self._conninfo, self._display, statement, params)


def open_blob_store(config: StoreConfig) -> BlobStore:
    """The blob table of the store `config` names."""
    if config.kind == "postgresql":
        assert config.conninfo is not None
        assert config.schema is not None
        return PostgresBlobs(config.conninfo, config.schema, config.display)
    if config.kind == "sqlite":
        return SqliteBlobs(config.env["SQLITE_DBNAME"], config.display)
    return MemoryBlobs()
