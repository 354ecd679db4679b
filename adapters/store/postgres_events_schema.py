"""The PostgreSQL events table as planledger's recorder writes it, and its migration.

A row's position (`notification_id`) is derived from the id of the transaction that wrote it:
`base + ((xid - era) << 20) + n` for the n-th row of the batch. `era` is a transaction id taken
when the table was migrated and `base` the highest position then, so new rows sort after every
older one, and positions order rows by transaction id. A reader that stops below the oldest
transaction still writing therefore never passes a row that commits later (see
`postgres_recorder`). The constants are baked into three functions created at migration:

- `<table>_position(xid8)`: the first position of a transaction.
- `<table>_append(ids, versions, topics, states)`: one batch, its NOTIFY, in one statement.
- `<table>_readable_below()`: the first position a reader may not pass yet.

The rule counts every transaction in flight on the server, not only writers of this table: a
long transaction elsewhere holds readers back (never writers) until it ends. A finer rule that
left out transactions holding no lock on the table skipped rows under load (the ordering test
caught it, in about one round in twenty), so this one stays plain.

A store restored into another PostgreSQL cluster (where transaction ids start lower) or written
by release 0.1.0 (positions from a sequence, no functions) is not current: `db init` (or any
command allowed to set up) migrates it under the set-up advisory lock, in one transaction.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from adapters.store.events_table_checks import events_table_is_current, function_name
from adapters.store.psycopg_fetch import fetch_on

ROW_BITS = 20
"""Positions per transaction: a batch may hold up to 2**20 rows."""

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS {table} (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text,
    state bytea,
    notification_id bigserial,
    PRIMARY KEY (originator_id, originator_version))
WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01)
"""

CREATE_POSITION_INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {table} (notification_id)"

CREATE_POSITION_FUNCTION = """
CREATE OR REPLACE FUNCTION {position}(xid xid8) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN {base} + ((xid::text::bigint - {era}) << {row_bits})
"""

SET_POSITION_DEFAULT = """
ALTER TABLE {table} ALTER COLUMN notification_id
SET DEFAULT {position}(pg_current_xact_id()) + (nextval({sequence}) & {row_mask})
"""
"""A row inserted by other means (an older release's recorder, a hand-written INSERT) still gets
a position in its transaction's range; only the append function guarantees the batch's order."""

CREATE_APPEND_FUNCTION = """
CREATE OR REPLACE FUNCTION {append}(
    ids uuid[], versions bigint[], topics text[], states bytea[]
) RETURNS SETOF bigint LANGUAGE plpgsql AS $body$
DECLARE
    first bigint;
BEGIN
    IF cardinality(ids) > {row_mask} THEN
        RAISE EXCEPTION 'a planledger append holds at most {row_mask} events';
    END IF;
    IF pg_current_xact_id() < '{era}'::xid8 THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = 'this planledger store was restored into another PostgreSQL cluster: '
                      'run `planledger db init` once before writing';
    END IF;
    first := {position}(pg_current_xact_id());
    NOTIFY {channel};
    RETURN QUERY
        INSERT INTO {table} (originator_id, originator_version, topic, state, notification_id)
        SELECT batch.id, batch.version, batch.topic, batch.state, first + batch.n
        FROM unnest(ids, versions, topics, states) WITH ORDINALITY
            AS batch(id, version, topic, state, n)
        RETURNING notification_id;
END
$body$
"""

CREATE_READABLE_BELOW_FUNCTION = """
CREATE OR REPLACE FUNCTION {readable_below}() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
RETURN {position}(greatest('{era}'::xid8, pg_snapshot_xmin(pg_current_snapshot())))
"""
"""The position of the oldest transaction still in flight in the caller's snapshot (a STABLE
function runs in it): every transaction below it has ended, so every row below this position
that will ever exist is visible to the caller already."""

Connection = psycopg.Connection[Any]


class EventsTable:
    """The names of one schema's events table and of its functions."""

    def __init__(self, schema: str, table: str, channel: str) -> None:
        self.schema = schema
        self.name = table
        self.channel = channel
        self.table = sql.Identifier(schema, table)
        self.position = sql.Identifier(schema, function_name(table, "position"))
        self.append = sql.Identifier(schema, function_name(table, "append"))
        self.readable_below = sql.Identifier(schema, function_name(table, "readable_below"))

    def is_current(self, connection: Connection, triggers: list[str]) -> bool:
        """`events_table_checks.events_table_is_current` on a psycopg connection."""
        return events_table_is_current(fetch_on(connection), self.schema, self.name, triggers)

    def migrate(self, connection: Connection) -> None:
        """Create the table or bring it up to date, in one transaction that locks it."""
        cursor = connection.cursor(row_factory=tuple_row)
        with connection.transaction():
            cursor.execute(sql.SQL(CREATE_TABLE).format(table=self.table))
            cursor.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(self.table))
            cursor.execute(
                sql.SQL(CREATE_POSITION_INDEX).format(
                    index=sql.Identifier(f"{self.name}_notification_id_idx"), table=self.table
                )
            )
            base, era, sequence = self._constants(cursor)
            names = {
                "table": self.table,
                "position": self.position,
                "append": self.append,
                "readable_below": self.readable_below,
                "channel": sql.Identifier(self.channel),
                "sequence": sql.Literal(sequence),
                "base": sql.Literal(base),
                "era": sql.SQL(str(era)),
                "row_bits": sql.Literal(ROW_BITS),
                "row_mask": sql.Literal((1 << ROW_BITS) - 1),
            }
            for statement in (
                CREATE_POSITION_FUNCTION,
                SET_POSITION_DEFAULT,
                CREATE_APPEND_FUNCTION,
                CREATE_READABLE_BELOW_FUNCTION,
            ):
                cursor.execute(sql.SQL(statement).format(**names))

    def _constants(self, cursor: psycopg.Cursor[tuple[Any, ...]]) -> tuple[int, int, str]:
        """Above the highest position so far, this transaction's id, and the table's sequence."""
        row = cursor.execute(
            sql.SQL(
                "SELECT coalesce(max(notification_id), 0) + 1, pg_current_xact_id()::text::bigint, "
                "pg_get_serial_sequence(%s, 'notification_id') FROM {}"
            ).format(self.table),
            (self.table.as_string(cursor.connection),),
        ).fetchone()
        assert row is not None
        assert row[2] is not None, "the events table has no id sequence"
        return int(row[0]), int(row[1]), str(row[2])
