"""The read models' layout version, and bringing a database an earlier release wrote up to it.

Release 0.1.0 recorded no version: a database with its tables and no version row is at
version 1. Each later version names the projections whose tables it changed; an upgrade drops
those tables, creates them anew and replays the whole log into them, inside the caller's
transaction, so readers see the old tables or the new ones, never half-filled ones. A replay
stops at an event the projection fails on and records the failure, as the projector would. The
other projections keep their rows and positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.read_models.database import ReadModelDatabase, Session
from adapters.read_models.event_log import EventLog
from adapters.read_models.projector import BATCH_SIZE, apply_entries, batch_views, write_applied
from adapters.read_models.schema import (
    VERSION_TABLE,
    create_indexes,
    create_table,
    schema_statements,
)
from adapters.read_models.tables import TABLE_NAMES, TRACKING_TABLE, ColumnKind, table_spec
from adapters.read_models.target import Target
from adapters.read_models.tracking import record_failure, reset
from projections import PlanSummaryProjection, Projection
from projections.rows import PlanSummaryRow

LAYOUT_VERSION = 2
"""1: release 0.1.0. 2: `plan_summary` holds the pause (`paused_by`, `pause_reason`,
`paused_at`) instead of queries deriving it from `audit_log`."""

REBUILT_AT: dict[int, tuple[Projection, ...]] = {2: (PlanSummaryProjection(),)}
"""The projections whose tables each version changed: upgrading past it rebuilds them."""


@dataclass(frozen=True)
class Layout:
    """What a read-model database holds now: the tables it lacks, and its layout version."""

    missing: frozenset[str]
    version: int

    @property
    def outdated(self) -> bool:
        """True when an earlier release wrote it: some projections must be rebuilt."""
        return self.version < LAYOUT_VERSION

    @property
    def current(self) -> bool:
        """True when nothing needs to be created or upgraded."""
        return not self.missing and not self.outdated


def read_layout(session: Session) -> Layout:
    """The database's layout; one without any read-model table counts as current (empty)."""
    existing = {str(row[0]) for row in session.execute(session.dialect.tables_query)}
    wanted = {TRACKING_TABLE, VERSION_TABLE, *TABLE_NAMES.values()}
    recorded = None
    if VERSION_TABLE in existing:
        [(recorded,)] = session.execute(f"SELECT MAX(version) FROM {VERSION_TABLE}")
    if recorded is not None:
        version = int(recorded)
    elif TABLE_NAMES[PlanSummaryRow] in existing:
        version = 1
    else:
        version = LAYOUT_VERSION
    return Layout(frozenset(wanted - existing), version)


def read_models_present(database: ReadModelDatabase) -> bool:
    """True when every read-model table exists (a read-only copy may have none)."""
    with database.session() as session:
        return not read_layout(session).missing


def upgrade(session: Session, layout: Layout, log: EventLog | None) -> None:
    """Rebuild what changed since `layout.version` from `log`, create what is missing, and
    record the version; inside the caller's transaction, under the caller's set-up lock."""
    rebuilt = {
        projection.name: projection
        for version, projections in sorted(REBUILT_AT.items())
        if version > layout.version
        for projection in projections
    }
    for statement in schema_statements(session.dialect):
        session.execute(statement)
    for projection in rebuilt.values():
        assert log is not None, "an outdated layout is rebuilt from the event log"
        _replay(session, log, _recreated(session, Target.live(projection)))
    now = session.dialect.encode(ColumnKind.TIMESTAMP, datetime.now(UTC))
    session.execute(
        f"INSERT INTO {VERSION_TABLE} (version, reached_at) VALUES (?, ?) "
        "ON CONFLICT (version) DO NOTHING",
        [LAYOUT_VERSION, now],
    )


def _recreated(session: Session, target: Target) -> Target:
    """The target's tables dropped and created empty in this release's layout, at position 0."""
    for row_type, table in target.tables.items():
        session.execute(f"DROP TABLE IF EXISTS {table}")
        session.execute(create_table(session.dialect, table_spec(row_type), table))
        for statement in create_indexes(table_spec(row_type), table):
            session.execute(statement)
    reset(session, target.name, 0)
    return target


def _replay(session: Session, log: EventLog, target: Target) -> None:
    """Apply the whole log to the target, in batches, stopping at the first failure."""
    position = 0
    while entries := log.read(position, BATCH_SIZE):
        [view] = batch_views(session, [target], entries, {})
        applied = apply_entries(target, position, entries, view)
        write_applied(session, applied, position)
        position = applied.position
        failure = applied.failure
        if failure is not None:
            record_failure(session, failure.name, failure.position, failure.error)
            return
