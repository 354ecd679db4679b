"""What the events table's append-only guard must look like, and what is wrong with it.

The guard is only as good as its state: a role that owns the table can disable a trigger or
replace the function with a permissive body, tamper, then put it back. Writers therefore check,
when they open the store, that both triggers exist, are enabled, fire where they should and call
the function with exactly the body planledger wrote; `audit verify` and the lean `status` check
the same. Only the table's owner (`db init` as that role) can restore it (`append_only_guard`).
This module imports no driver: the checks read through a `Fetch`.
"""

from __future__ import annotations

from adapters.store.catalog_rows import Fetch, quoted

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

_GUARD_ROWS = (
    "SELECT t.tgname, t.tgenabled, t.tgtype, n.nspname, p.proname, p.prosrc, l.lanname "
    "FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
    "JOIN pg_namespace n ON n.oid = p.pronamespace "
    "JOIN pg_language l ON l.oid = p.prolang "
    "WHERE t.tgrelid = to_regclass(%s) AND NOT t.tgisinternal"
)


def guard_problems_in(fetch: Fetch, schema: str, table: str) -> list[str]:
    """What is wrong with the guard of `schema.table` (empty when it is intact).

    A table that does not exist yet has nothing to guard.
    """
    name = quoted(schema, table)
    if list(fetch("SELECT to_regclass(%s)", (name,))) == [(None,)]:
        return []
    found = {str(row[0]): row for row in fetch(_GUARD_ROWS, (name,))}
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
