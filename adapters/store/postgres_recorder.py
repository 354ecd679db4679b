"""planledger's PostgreSQL recorder: one round trip per append, no table lock, a gap-safe log.

The library's recorder keeps its global order gap-free by taking `LOCK TABLE ... IN EXCLUSIVE
MODE` in every insert transaction: every writer of the store waits for the one before it to
commit, flush included, and an append costs several round trips. This recorder appends with one
statement in autocommit (the table's `_append` function: the rows, the NOTIFY and the commit in
one round trip), and writers commit in parallel.

Without the lock, a row can commit after a row with a higher position, and a reader tailing
"position > last seen" would pass it over for good. So positions come from transaction ids
(`postgres_events_schema`): a transaction's rows sort after those of every transaction with a
lower id. A reader returns only rows below the position of the oldest transaction still in
flight (`_readable_below()`, from `pg_snapshot_xmin(pg_current_snapshot())`): every transaction
below it has ended, so every row below it that will ever exist is already visible. Rows above it
wait for the next read.

Plugged in as the persistence module `adapters.store.postgres_recorder:PlanLedgerPostgresFactory`;
everything else (datastore, pool, per-plan reads, tracking) is the library's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from time import monotonic, sleep
from typing import Any

from eventsourcing.persistence import InterfaceError, Notification, OperationalError, StoredEvent
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from eventsourcing.utils import Environment, EnvType, retry
from psycopg import sql

from adapters.store.guard_checks import ROW_TRIGGER, TRUNCATE_TRIGGER
from adapters.store.postgres_events_schema import EventsTable
from adapters.store.warm_pool import warm_first

APPEND = "SELECT position FROM {append}(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[]) position"

SELECT_READABLE = """
WITH bound AS MATERIALIZED (
    SELECT below, EXISTS (
        SELECT 1 FROM {table} WHERE notification_id >= below AND notification_id <= %(stop)s
    ) AS held_back
    FROM (SELECT {readable_below}() AS below) AS readable
)
SELECT row.notification_id, row.originator_id, row.originator_version, row.topic, row.state,
       bound.held_back
FROM bound LEFT JOIN LATERAL (
    SELECT notification_id, originator_id, originator_version, topic, state FROM {table}
    WHERE notification_id >= %(start)s AND notification_id <= %(stop)s
      AND notification_id < bound.below {topics}
    ORDER BY notification_id
    LIMIT %(limit)s
) AS row ON true
"""
"""Up to `limit` readable rows from `start`, and whether committed rows wait above them."""

LAST_POSITION = 2**63 - 1

SETTLE_WAIT_S = 10.0
"""How long a read waits for held-back rows before it returns without them."""

SETTLE_FIRST_PAUSE_S = 0.001
SETTLE_LONGEST_PAUSE_S = 0.05


@dataclass(frozen=True)
class ReadableBatch:
    """Rows a reader may pass, and whether committed rows above them were held back for now."""

    notifications: list[Notification]
    held_back: bool


class PlanLedgerPostgresRecorder(PostgresApplicationRecorder):
    """The library's application recorder with a lock-free append and a gap-safe log."""

    guard_triggers = (ROW_TRIGGER, TRUNCATE_TRIGGER)

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self.events = EventsTable(datastore.schema, events_table_name, self.channel_name)
        self._append = sql.SQL(APPEND).format(append=self.events.append)
        self._select_readable = {
            with_topics: sql.SQL(SELECT_READABLE).format(
                table=self.events.table,
                readable_below=self.events.readable_below,
                topics=sql.SQL("AND topic = ANY(%(topics)s)" if with_topics else ""),
            )
            for with_topics in (False, True)
        }

    def is_current(self) -> bool:
        """Whether the table is migrated for this recorder and guarded."""
        with self.datastore.get_connection() as connection:
            return self.events.is_current(connection, list(self.guard_triggers))

    def create_table(self) -> None:
        """Create or migrate the events table; the caller holds the set-up lock."""
        with self.datastore.get_connection() as connection:
            self.events.migrate(connection)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        """Append a batch in one statement: all rows or none (a taken version: IntegrityError)."""
        if not stored_events:
            return []
        columns = (
            [event.originator_id for event in stored_events],
            [event.originator_version for event in stored_events],
            [event.topic for event in stored_events],
            [event.state for event in stored_events],
        )
        with self.datastore.get_connection() as connection:
            rows = connection.execute(self._append, columns, prepare=True).fetchall()
        return [row["position"] for row in rows]

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """The library's reader, made gap-safe: never past a transaction still in flight.

        When committed rows are held back and fewer than `limit` could be read, it waits for
        them (a transaction below them is still in flight, usually for milliseconds), so a
        caller that reads after its own write gets that write. After `SETTLE_WAIT_S` it returns
        what it could read; the next read gets the rest.
        """
        first = 1 if start is None else start if inclusive_of_start else start + 1
        deadline = monotonic() + SETTLE_WAIT_S
        pause = SETTLE_FIRST_PAUSE_S
        while True:
            batch: ReadableBatch = self.select_readable(first, limit, stop, topics)
            if not batch.held_back or len(batch.notifications) >= limit:
                return batch.notifications
            if monotonic() > deadline:
                return batch.notifications
            sleep(pause)
            pause = min(pause * 2, SETTLE_LONGEST_PAUSE_S)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_readable(
        self, start: int, limit: int, stop: int | None = None, topics: Sequence[str] = ()
    ) -> ReadableBatch:
        """Up to `limit` rows from position `start` that no later commit can sort before."""
        params = {
            "start": start,
            "stop": LAST_POSITION if stop is None else stop,
            "limit": limit,
            "topics": list(topics),
        }
        with self.datastore.get_connection() as connection:
            rows = connection.execute(
                self._select_readable[bool(topics)], params, prepare=True
            ).fetchall()
        notifications = [
            Notification(
                id=row["notification_id"],
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in rows
            if row["notification_id"] is not None
        ]
        return ReadableBatch(notifications, held_back=bool(rows and rows[0]["held_back"]))


class PlanLedgerPostgresFactory(PostgresFactory):
    """The library's PostgreSQL persistence, with planledger's application recorder and a pool
    that keeps a sequential writer on its warmest connection (`warm_pool`)."""

    application_recorder_class = PlanLedgerPostgresRecorder

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        warm_first(self.datastore.pool)
