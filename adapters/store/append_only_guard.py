"""The events table's append-only guard on PostgreSQL: its triggers and function, checked.

The guard is only as good as its state: a role that owns the table can disable a trigger or
replace the function with a permissive body, tamper, then put it back. Writers therefore check,
when they open the store, that both triggers exist, are enabled, fire where they should and call
the function with exactly the body planledger wrote; `audit verify` checks the same. Only the
table's owner (`db init` as that role) can restore it.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

APPEND_ONLY_MESSAGE = "planledger events are append-only"
GUARD_FUNCTION = "planledger_refuse_change"
ROW_TRIGGER = "planledger_events_append_only"
TRUNCATE_TRIGGER = "planledger_events_no_truncate"

GUARD_BODY = (
    f" BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' "
    "USING DETAIL = TG_OP || ' on ' || TG_TABLE_NAME; END "
)
"""The function's body, byte for byte: any other body is a replaced guard."""

TRIGGERS = {
    ROW_TRIGGER: (27, "BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW"),
    TRUNCATE_TRIGGER: (34, "BEFORE TRUNCATE ON {table} FOR EACH STATEMENT"),
}
"""Each trigger's `pg_trigger.tgtype` (row 1 + before 2 + delete 8 + update 16; before 2 +
truncate 32) and the timing it is created with."""

ENABLED = ("O", "A")
"""`tgenabled`: fires in origin mode, or always. `D` is disabled, `R` fires only in replicas."""

Connection = psycopg.Connection[tuple[object, ...]]


def guard_problems(connection: psycopg.Connection[Any], schema: str, table: str) -> list[str]:
    """What is wrong with the guard of `schema.table` (empty when it is intact).

    A table that does not exist yet has nothing to guard.
    """
    cursor = connection.cursor(row_factory=tuple_row)  # whatever rows the connection gives
    name = sql.Identifier(schema, table).as_string(connection)
    if cursor.execute("SELECT to_regclass(%s)", (name,)).fetchone() == (None,):
        return []
    rows = cursor.execute(
        "SELECT t.tgname, t.tgenabled, t.tgtype, n.nspname, p.proname, p.prosrc, l.lanname "
        "FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
        "JOIN pg_namespace n ON n.oid = p.pronamespace "
        "JOIN pg_language l ON l.oid = p.prolang "
        "WHERE t.tgrelid = to_regclass(%s) AND NOT t.tgisinternal",
        (name,),
    ).fetchall()
    found = {str(row[0]): row for row in rows}
    problems: list[str] = []
    for trigger, (kind, _) in TRIGGERS.items():
        row = found.get(trigger)
        if row is None:
            problems.append(f"trigger {trigger} is missing")
            continue
        _, enabled, tgtype, function_schema, function, body, language = row
        if str(enabled) not in ENABLED:
            problems.append(f"trigger {trigger} is disabled (tgenabled {enabled})")
        if int(str(tgtype)) != kind:
            problems.append(f"trigger {trigger} no longer fires on the changes it refuses")
        if (function_schema, function, language) != (schema, GUARD_FUNCTION, "plpgsql") or (
            body != GUARD_BODY
        ):
            problems.append(f"trigger {trigger} calls a replaced function ({function})")
    return problems


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
