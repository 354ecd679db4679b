"""PostgreSQL set-up that must happen once: the schema, under an advisory lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

SETUP_LOCK_KEY = 0x504C414E4C4544  # "PLANLED": serialises concurrent set-ups of any schema


@contextmanager
def schema_lock(conninfo: str, schema: str) -> Iterator[None]:
    """Create `schema` if missing and hold a session advisory lock while tables are created.

    Several processes starting at once would otherwise race on CREATE TABLE and fail with
    `tuple concurrently updated`.
    """
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK_KEY,))
        try:
            connection.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
            )
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK_KEY,))
