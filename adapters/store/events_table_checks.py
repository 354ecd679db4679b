"""Whether a PostgreSQL events table is current: migrated, guarded, in the cluster it was
migrated in. `postgres_events_schema` says what migrated means; this module imports no driver,
so the lean `status` asks the same question through libpq that the recorder asks through
psycopg.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.store.catalog_rows import Fetch, quoted

APPEND_ARGUMENTS = "(uuid[], bigint[], text[], bytea[])"

IS_MIGRATED = """
SELECT to_regprocedure(%s) IS NOT NULL
   AND to_regprocedure(%s) IS NOT NULL
   AND (SELECT count(*) FROM pg_trigger
        WHERE tgrelid = to_regclass(%s) AND tgname = ANY(%s)) = %s
"""

IN_THIS_CLUSTER = """
SELECT coalesce(max(notification_id), 0) < {position}(pg_snapshot_xmax(pg_current_snapshot()))
FROM {table}
"""
"""False after a restore into a cluster whose transaction ids are lower than the era's."""


def function_name(table: str, role: str) -> str:
    """The name of the events table's function `role`: `position`, `append`, `readable_below`."""
    return f"{table}_{role}"


def events_table_is_current(fetch: Fetch, schema: str, table: str, triggers: Sequence[str]) -> bool:
    """Migrated, guarded, and in the cluster it was migrated in (one or two queries)."""
    params = (
        quoted(schema, function_name(table, "append")) + APPEND_ARGUMENTS,
        quoted(schema, function_name(table, "readable_below")) + "()",
        quoted(schema, table),
        list(triggers),
        len(triggers),
    )
    rows = fetch(IS_MIGRATED, params)
    if not (rows and rows[0][0]):
        return False
    statement = IN_THIS_CLUSTER.format(
        position=quoted(schema, function_name(table, "position")), table=quoted(schema, table)
    )
    rows = fetch(statement, ())
    return bool(rows and rows[0][0])
