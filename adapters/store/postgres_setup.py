"""PostgreSQL set-up that must happen once: the schema and the append-only guard, under a lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

SETUP_LOCK_KEY = 0x504C414E4C4544  # "PLANLED": serialises concurrent set-ups of any schema

APPEND_ONLY_MESSAGE = "planledger events are append-only"
GUARD_FUNCTION = "planledger_refuse_change"
ROW_TRIGGER = "planledger_events_append_only"
TRUNCATE_TRIGGER = "planledger_events_no_truncate"


@contextmanager
def schema_lock(conninfo: str, schema: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """Create `schema` if missing and hold a session advisory lock while tables are created.

    Several processes starting at once would otherwise race on CREATE TABLE and fail with
    `tuple concurrently updated`. The locked connection is yielded for more set-up.
    """
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK_KEY,))
        try:
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
    Existing triggers are left alone: re-creating them on every start would take a lock that
    waits for writers, and open a moment without the guard.
    """
    qualified = sql.Identifier(schema, table)
    name = qualified.as_string(connection)
    if connection.execute("SELECT to_regclass(%s)", (name,)).fetchone() == (None,):
        return
    present = {
        row[0]
        for row in connection.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s)", (name,)
        )
    }
    if {ROW_TRIGGER, TRUNCATE_TRIGGER} <= present:
        return
    function = sql.Identifier(schema, GUARD_FUNCTION)
    connection.execute(
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION {message} USING DETAIL = TG_OP || ' on ' || TG_TABLE_NAME; "
            "END $$"
        ).format(function=function, message=sql.Literal(APPEND_ONLY_MESSAGE))
    )
    triggers = {
        ROW_TRIGGER: "BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW",
        TRUNCATE_TRIGGER: "BEFORE TRUNCATE ON {table} FOR EACH STATEMENT",
    }
    for trigger, timing in triggers.items():
        if trigger not in present:
            connection.execute(
                sql.SQL(
                    "CREATE TRIGGER {trigger} " + timing + " EXECUTE FUNCTION {function}()"
                ).format(trigger=sql.Identifier(trigger), table=qualified, function=function)
            )
