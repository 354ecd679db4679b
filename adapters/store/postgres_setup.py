"""PostgreSQL set-up that must happen once: the schema and the append-only guard, under a lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from adapters.store.append_only_guard import guard_problems, install_guard
from adapters.store.guard_checks import APPEND_ONLY_MESSAGE, ROW_TRIGGER, TRUNCATE_TRIGGER
from core import StoreTamperedError

SETUP_LOCK_KEY = 0x504C414E4C4544  # "PLANLED": serialises concurrent set-ups of any schema

__all__ = ["APPEND_ONLY_MESSAGE", "refuse_changes_to_events", "schema_lock"]


@contextmanager
def schema_lock(conninfo: str, schema: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """Create `schema` if missing and hold a session advisory lock while tables are created.

    Several processes starting at once would otherwise race on CREATE TABLE and fail with
    `tuple concurrently updated`. The locked connection is yielded for more set-up.
    """
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK_KEY,))
        try:
            # checked first: CREATE SCHEMA IF NOT EXISTS needs rights an application role lacks
            exists = connection.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)
            ).fetchone()
            if exists is None:
                connection.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
                )
            yield connection
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK_KEY,))


def is_set_up(conninfo: str, schema: str, table: str) -> bool:
    """True when the events table and its append-only guard exist: nothing to create.

    Checked with reads only, so a role that may only read the store (an auditor's) opens it.
    """
    name = sql.Identifier(schema, table)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        qualified = name.as_string(connection)
        rows = connection.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s)", (qualified,)
        ).fetchall()
    return {ROW_TRIGGER, TRUNCATE_TRIGGER} <= {row[0] for row in rows}


def refuse_changes_to_events(
    connection: psycopg.Connection[tuple[object, ...]], schema: str, table: str
) -> None:
    """Make the events table refuse UPDATE, DELETE and TRUNCATE, once per table.

    The hash chain detects a tampered row after the fact; the triggers stop an accidental or
    careless change before it happens. Someone with the rights to bypass triggers
    (`session_replication_role = replica`) can still tamper, and verification still catches it.
    An intact guard is left alone: re-creating it on every start would take a lock that waits
    for writers. A guard that is there but disabled or replaced is refused
    (`StoreTamperedError`): only `db init`, as the table's owner, restores it.
    """
    present = guard_problems(connection, schema, table)
    if not present:
        return
    missing = [f"trigger {trigger} is missing" for trigger in (ROW_TRIGGER, TRUNCATE_TRIGGER)]
    if present != missing:
        raise StoreTamperedError(
            f"{schema}.{table}", "its append-only guard: " + "; ".join(present)
        )
    install_guard(connection, schema, table)
