"""Small tables kept beside the event store (blobs, data keys): one short connection per call.

They are read and written rarely (a large result, a plan's data key), so each call opens its
own connection and commits on its way out; a database error becomes `StoreUnavailableError`
naming the store, as everywhere else.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

import psycopg
from psycopg import sql

from core import StoreUnavailableError


@contextlib.contextmanager
def sqlite_transaction(database: str, display: str) -> Iterator[sqlite3.Connection]:
    """A connection to the store's SQLite file, committed on exit and closed."""
    try:
        with (
            contextlib.closing(
                sqlite3.connect(database, timeout=30, uri=database.startswith("file:"))
            ) as connection,
            connection,
        ):
            yield connection
    except sqlite3.Error as error:
        raise StoreUnavailableError(display, str(error)) from None


def postgres_rows(
    conninfo: str, display: str, statement: sql.Composed | sql.SQL, params: tuple[object, ...]
) -> list[tuple[object, ...]]:
    """Run one statement in its own autocommitted connection; its rows, if it returns any."""
    try:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            cursor = connection.execute(statement, params)
            return cursor.fetchall() if cursor.description is not None else []
    except psycopg.Error as error:
        raise StoreUnavailableError(display, str(error).strip().splitlines()[0]) from None


def postgres_table_exists(conninfo: str, display: str, schema: str, table: str) -> bool:
    """Whether `schema.table` exists (a side table is created on its first write)."""
    rows = postgres_rows(
        conninfo, display, sql.SQL("SELECT to_regclass(%s)"), (f"{schema}.{table}",)
    )
    return rows[0][0] is not None
