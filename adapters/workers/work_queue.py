"""The work table on PostgreSQL: submissions, and leases that workers claim, renew and release.

Leases are timed by the database's clock (`now()`), never a worker's, so workers on machines
whose clocks disagree still agree on when a lease has expired. A claim takes rows with
`FOR UPDATE SKIP LOCKED`, so two workers never claim the same plan and never wait for each
other. The lease only decides who works on a plan; the event store's optimistic concurrency on
the plan's version stays the final guard against two appends of the same step.

A plan that ended is marked `done` and left out of claims until it gets an event again, as when
an operator's `retry` or `skip` reopens it: that append alone makes the plan claimable, so
whoever made it (the CLI, the Python API) needs no access to this table.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from psycopg import sql

from adapters.store.event_store import POSTGRES_EVENTS_TABLE
from adapters.store.postgres_setup import schema_lock
from adapters.store.store_url import StoreConfig
from adapters.workers.errors import NeedsPostgresError, StoreNotInitialisedError
from adapters.workers.work_schema import CRASH_COLUMNS_DDL, WORK_TABLE
from core import StoreUnavailableError

T = TypeVar("T")

Connection = psycopg.Connection[tuple[Any, ...]]

NEWER_EVENTS = f"""EXISTS (
    SELECT 1 FROM {POSTGRES_EVENTS_TABLE} AS e
    WHERE e.originator_id = w.plan_id AND e.originator_version > w.seen_version)"""

CLAIMABLE = f"""NOT done
      AND (owner IS NULL OR expires_at < now())
      AND (owner IS NOT NULL OR due_at <= now() OR {NEWER_EVENTS})"""
"""A row of the work table (`w`) that a claim would take now."""

CLAIM = f"""
WITH candidate AS (
    SELECT plan_id, owner FROM {WORK_TABLE} AS w
    WHERE {CLAIMABLE}
    ORDER BY submitted_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE {WORK_TABLE} AS w
SET owner = %(owner)s, expires_at = now() + %(lease_s)s * interval '1 second',
    last_owner = coalesce(candidate.owner, w.last_owner),
    crashes = w.crashes + (candidate.owner IS NOT NULL)::int,
    last_crash = CASE WHEN candidate.owner IS NULL THEN w.last_crash
        ELSE 'worker ' || candidate.owner || ' stopped renewing its lease (it died or stalled)' END
FROM candidate WHERE w.plan_id = candidate.plan_id
RETURNING w.plan_id, candidate.owner, w.crashes, w.last_crash
"""
"""A free or expired lease on a plan with something new to do; an expired one (a dead or stalled
owner) is always taken, since its plan may have attempts left running, and counts as a crash."""

RECENT_PLANS = f"""w.plan_id IN (
    SELECT originator_id FROM {POSTGRES_EVENTS_TABLE} WHERE notification_id >= %(after)s)"""

READABLE_BELOW = f"{POSTGRES_EVENTS_TABLE}_readable_below()"
"""The store's gap-safe bound (see `adapters.store.postgres_recorder`): every event below this
position that will ever exist is visible already."""

UNDONE = """
WITH head AS (SELECT {readable_below} AS position),
undone AS (
    UPDATE {work} AS w SET done = false
    WHERE done AND {recent} AND {newer}
    RETURNING w.plan_id
)
SELECT position FROM head
"""
"""Plans marked done that got an event since (a retry or skip reopened them) are open again.

One statement, one snapshot: the bound is read with the events the update sees. Every event
below the bound is visible to it, and an append still in flight (one a worker's hand-back did
not see when it marked the plan done) lands at or above it, so the next look starts there and
no lock is needed on either side."""

UNDONE_SINCE = UNDONE.format(
    readable_below=READABLE_BELOW, work=WORK_TABLE, recent=RECENT_PLANS, newer=NEWER_EVENTS
)
"""Looks only at plans with events after a position: one index range on the log, not a probe
per done plan (100,000 done plans: 0.6 ms against 590 ms)."""

UNDONE_ANY = UNDONE.format(
    readable_below=READABLE_BELOW, work=WORK_TABLE, recent="true", newer=NEWER_EVENTS
)
"""The first look of a queue: every done plan, since reopenings may predate it."""

DEPTH = f"""
SELECT count(*) FILTER (WHERE {CLAIMABLE}),
       count(*) FILTER (WHERE owner IS NOT NULL AND expires_at >= now())
FROM {WORK_TABLE} AS w
"""

RENEW = f"""
UPDATE {WORK_TABLE} SET expires_at = now() + %(lease_s)s * interval '1 second'
WHERE owner = %(owner)s AND plan_id = ANY(%(plan_ids)s)
RETURNING plan_id
"""

RELEASE = f"""
UPDATE {WORK_TABLE} AS w
SET owner = NULL, expires_at = NULL, seen_version = %(seen)s, due_at = %(due)s, crashes = 0,
    done = %(done)s AND NOT EXISTS (
        SELECT 1 FROM {POSTGRES_EVENTS_TABLE} AS e
        WHERE e.originator_id = w.plan_id AND e.originator_version > %(seen)s)
WHERE plan_id = %(plan_id)s AND owner = %(owner)s
"""
"""A plan reopened while its worker was handing it back is not marked done; one reopened by an
append that commits just after is opened again by the next look (`UNDONE`)."""

CRASHED = f"""
UPDATE {WORK_TABLE} SET owner = NULL, expires_at = NULL, due_at = now(),
    crashes = crashes + 1, last_crash = %(error)s
WHERE plan_id = %(plan_id)s AND owner = %(owner)s
"""
"""Processing the plan raised out of the engine: count it, and let any worker try again now."""


@dataclass(frozen=True)
class Claim:
    """A plan this worker now holds; `expired_owner` held it before and let its lease lapse.

    `crashes` counts the times in a row its processing crashed an engine (this takeover of an
    expired lease included), `last_crash` says how the last one did.
    """

    plan_id: UUID
    expired_owner: str | None
    crashes: int = 0
    last_crash: str | None = None


@dataclass(frozen=True)
class Lease:
    """Who holds a plan's lease, and until when (the database's clock)."""

    owner: str
    expires_at: datetime


class WorkQueue:
    """Submissions and leases in the work table of one store; errors leave as core errors.

    One connection, shared by the worker's threads under a lock (each statement is short). A
    connection lost (a restart, `pg_terminate_backend`) is replaced at the next call.
    """

    def __init__(self, config: StoreConfig, command: str = "worker") -> None:
        if config.kind != "postgresql" or config.conninfo is None or config.schema is None:
            raise NeedsPostgresError(command, config.display)
        self.display = config.display
        self._conninfo = config.conninfo
        self._options = f"-c search_path={config.schema} -c timezone=UTC"
        self._schema = config.schema
        self._lock = threading.Lock()
        self._connection: Connection | None = None
        self._log_position: int | None = None

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def require_initialised(self) -> None:
        """Raise `StoreNotInitialisedError` unless `planledger db init` has run.

        A work table made by an earlier version gets the columns added since.
        """
        if not self.initialised():
            raise StoreNotInitialisedError(self.display)
        found = self._run(
            lambda c: c.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s AND column_name = 'crashes'",
                (self._schema, WORK_TABLE),
            ).fetchone()
        )
        if found is None:
            table = sql.Identifier(self._schema, WORK_TABLE)
            with schema_lock(self._conninfo, self._schema) as connection:
                connection.execute(sql.SQL(CRASH_COLUMNS_DDL).format(table=table))

    def initialised(self) -> bool:
        """True once `planledger db init` has created the work table."""
        rows = self._run(
            lambda c: c.execute(
                "SELECT to_regclass(%s)", (f"{self._schema}.{WORK_TABLE}",)
            ).fetchall()
        )
        return rows[0][0] is not None

    def live_lease(self, plan_id: UUID) -> Lease | None:
        """The worker holding `plan_id` now, by the database's clock (None: nobody does)."""
        row = self._run(
            lambda c: c.execute(
                f"SELECT owner, expires_at FROM {WORK_TABLE} "
                "WHERE plan_id = %s AND owner IS NOT NULL AND expires_at >= now()",
                (plan_id,),
            ).fetchone()
        )
        return None if row is None else Lease(str(row[0]), row[1])

    def add(self, plan_id: UUID, key: str | None) -> UUID:
        """Queue a plan; with a key already used, the plan queued under it (race-safe)."""

        def add(connection: Connection) -> UUID:
            connection.execute(
                f"INSERT INTO {WORK_TABLE} (plan_id, submit_key) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING",
                (plan_id, key),
            )
            if key is None:
                return plan_id
            row = connection.execute(
                f"SELECT plan_id FROM {WORK_TABLE} WHERE submit_key = %s", (key,)
            ).fetchone()
            assert row is not None
            return UUID(str(row[0]))

        return self._run(add)

    def claim(self, owner: str, limit: int, lease_s: float) -> list[Claim]:
        """Take up to `limit` plans that are ready and not held by a live lease.

        Plans marked done that were reopened since the last claim are open again first.
        """
        self._run(self._open_reopened)
        rows = self._run(
            lambda c: c.execute(
                CLAIM, {"owner": owner, "limit": limit, "lease_s": lease_s}
            ).fetchall()
        )
        return [Claim(UUID(str(row[0])), row[1], int(row[2]), row[3]) for row in rows]

    def depth(self) -> tuple[int, int]:
        """How many plans a claim would take now, and how many are held by a live lease."""
        rows = self._run(lambda c: c.execute(DEPTH).fetchall())
        return int(rows[0][0]), int(rows[0][1])

    def renew(self, owner: str, plan_ids: Iterable[UUID], lease_s: float) -> set[UUID]:
        """Extend `owner`'s leases; return the plans it still holds (others took the rest)."""
        wanted = list(plan_ids)
        if not wanted:
            return set()
        rows = self._run(
            lambda c: c.execute(
                RENEW, {"owner": owner, "plan_ids": wanted, "lease_s": lease_s}
            ).fetchall()
        )
        return {UUID(str(row[0])) for row in rows}

    def release(
        self,
        owner: str,
        plan_id: UUID,
        *,
        seen_version: int,
        due_at: datetime | None,
        done: bool = False,
    ) -> None:
        """Give a plan back: claimable again on a newer event or at `due_at`; never if `done`."""
        params = {
            "owner": owner,
            "plan_id": plan_id,
            "seen": seen_version,
            "due": due_at,
            "done": done,
        }

        self._run(lambda connection: connection.execute(RELEASE, params))

    def record_crash(self, owner: str, plan_id: UUID, error: str) -> None:
        """Count a crash of the plan's processing and free its lease at once."""
        self._run(
            lambda c: c.execute(CRASHED, {"owner": owner, "plan_id": plan_id, "error": error})
        )

    def release_all(self, owner: str) -> int:
        """Free every lease `owner` still holds, claimable at once by anyone; return how many."""
        return self._run(
            lambda c: (
                c.execute(
                    f"UPDATE {WORK_TABLE} SET owner = NULL, expires_at = NULL, due_at = now() "
                    "WHERE owner = %s",
                    (owner,),
                ).rowcount
            )
        )

    def leases(self) -> list[tuple[UUID, str | None, bool]]:
        """Every plan with its current owner and whether it is done (for operators and tests)."""
        rows = self._run(
            lambda c: c.execute(
                f"SELECT plan_id, owner, done FROM {WORK_TABLE} ORDER BY submitted_at"
            ).fetchall()
        )
        return [(UUID(str(row[0])), row[1], bool(row[2])) for row in rows]

    def _open_reopened(self, connection: Connection) -> None:
        """Mark the done plans that have events newer than they were seen at not done."""
        if self._log_position is None:
            row = connection.execute(UNDONE_ANY).fetchone()
        else:
            row = connection.execute(UNDONE_SINCE, {"after": self._log_position}).fetchone()
        assert row is not None
        self._log_position = int(row[0])

    def _run(self, statement: Callable[[Connection], T]) -> T:
        """Run on the shared connection; a dead one (the server ended the session) is replaced
        and the statement tried once more, so one `pg_terminate_backend` costs no error."""
        with self._lock:
            for attempt in range(2):
                try:
                    return statement(self._connected())
                except (psycopg.OperationalError, psycopg.InterfaceError) as error:
                    self._drop_connection()
                    if attempt == 1:
                        raise StoreUnavailableError(self.display, _first_line(error)) from None
        raise AssertionError("unreachable")

    def _connected(self) -> Connection:
        connection = self._connection
        if connection is None or connection.closed or connection.broken:
            self._drop_connection()
            connection = psycopg.connect(
                self._conninfo,
                autocommit=True,
                options=self._options,
            )
            self._connection = connection
        return connection

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
