"""The events table's append-only guard on PostgreSQL, checked and restored through psycopg.

What the guard must look like, and the check itself, live in `guard_checks`, which the lean
`status` also reads with (through libpq, without psycopg).
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from adapters.store.guard_checks import GUARD_BODY, GUARD_FUNCTION, TRIGGERS, guard_problems_in
from adapters.store.psycopg_fetch import fetch_on

Connection = psycopg.Connection[tuple[object, ...]]


def guard_problems(connection: psycopg.Connection[Any], schema: str, table: str) -> list[str]:
    """`guard_checks.guard_problems_in` on a psycopg connection."""
    return guard_problems_in(fetch_on(connection), schema, table)


def install_guard(connection: Connection, schema: str, table: str) -> list[str]:
    """Create the guard, or restore it to its exact form; return what had to be restored.

    A fresh table (both triggers missing) is not reported: that is the first set-up. Needs the
    table's owner.
    """
    problems = guard_problems(connection, schema, table)
    if not problems:
        return []
    qualified = sql.Identifier(schema, table)
    function = sql.Identifier(schema, GUARD_FUNCTION)
    connection.execute(
        sql.SQL(
            "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$"
            + GUARD_BODY
            + "$$"
        ).format(function=function)
    )
    for trigger, (_, timing) in TRIGGERS.items():
        connection.execute(
            sql.SQL("DROP TRIGGER IF EXISTS {trigger} ON {table}").format(
                trigger=sql.Identifier(trigger), table=qualified
            )
        )
        connection.execute(
            sql.SQL("CREATE TRIGGER {trigger} " + timing + " EXECUTE FUNCTION {function}()").format(
                trigger=sql.Identifier(trigger), table=qualified, function=function
            )
        )
    missing = [f"trigger {trigger} is missing" for trigger in TRIGGERS]
    return [] if problems == missing else problems


def guard_problems_at(conninfo: str, schema: str, table: str) -> list[str]:
    """`guard_problems` on a connection of its own (for `audit verify`)."""
    with psycopg.connect(conninfo, autocommit=True) as connection:
        return guard_problems(connection, schema, table)
