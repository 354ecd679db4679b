"""Rebuilding projections from zero into shadow tables, then swapping them in atomically.

The shadow tables (`<table>__rebuild`, tracked as `<name>__rebuild`) fill while the live views
keep serving and updating. One transaction then drops the live tables, renames the shadows into
their place, creates their indexes and sets the live tracking rows to the shadows' positions —
under the same lock the projector takes (the tracking rows on PostgreSQL, BEGIN IMMEDIATE on
SQLite), so readers see the old view or the new one, never a half-built one, and no projector
writes between. A live projector then goes on from the rebuilt position.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.read_models.database import ReadModelDatabase, Session
from adapters.read_models.event_log import EventLog
from adapters.read_models.outcomes import ProjectionReport
from adapters.read_models.projector import BATCH_SIZE, Projector
from adapters.read_models.schema import create_indexes, create_table
from adapters.read_models.tables import table_spec
from adapters.read_models.target import Target
from adapters.read_models.tracking import (
    ensure_tracking,
    forget,
    lock_positions,
    reset,
)
from projections.projection import Projection


def rebuild(
    database: ReadModelDatabase,
    log: EventLog,
    projections: Sequence[Projection],
    *,
    batch_size: int = BATCH_SIZE,
) -> list[ProjectionReport]:
    """Rebuild the projections from the first event; swap them in only if all succeeded."""
    shadows = [Target.shadow(projection) for projection in projections]
    with database.transaction(write_lock=True) as session:
        for shadow in shadows:
            _prepare(session, shadow)
    reports = Projector(database, log, shadows, batch_size=batch_size).catch_up()
    if any(report.failure is not None for report in reports):
        with database.transaction(write_lock=True) as session:
            for shadow in shadows:
                _discard(session, shadow)
        return reports
    pairs = [
        (shadow, Target.live(projection))
        for shadow, projection in zip(shadows, projections, strict=True)
    ]
    with database.transaction(write_lock=True) as session:
        positions = _swap(session, pairs)
    return [
        ProjectionReport(live.name, positions[live.name], report.applied)
        for (_, live), report in zip(pairs, reports, strict=True)
    ]


def _prepare(session: Session, shadow: Target) -> None:
    """Empty shadow tables (leftovers of an interrupted rebuild are dropped) at position 0.

    They get their primary keys now and their secondary indexes at the swap, which makes
    filling them cheaper.
    """
    _discard(session, shadow)
    for row_type, table in shadow.tables.items():
        session.execute(create_table(session.dialect, table_spec(row_type), table))
    reset(session, shadow.name, 0)


def _discard(session: Session, shadow: Target) -> None:
    for table in shadow.tables.values():
        session.execute(f"DROP TABLE IF EXISTS {table}")
    forget(session, shadow.name)


def _swap(session: Session, pairs: Sequence[tuple[Target, Target]]) -> dict[str, int]:
    """Put each shadow in its live view's place; the live positions become the shadows'."""
    ensure_tracking(session, [live.name for _, live in pairs])
    names = [target.name for pair in pairs for target in pair]
    locked = lock_positions(session, names)
    positions: dict[str, int] = {}
    for shadow, live in pairs:
        for row_type, table in shadow.tables.items():
            target_table = live.tables[row_type]
            session.execute(f"DROP TABLE IF EXISTS {target_table}")
            session.execute(f"ALTER TABLE {table} RENAME TO {target_table}")
            for statement in session.dialect.after_rename(table, target_table):
                session.execute(statement)
            for statement in create_indexes(table_spec(row_type), target_table):
                session.execute(statement)
        positions[live.name] = locked[shadow.name]
        reset(session, live.name, locked[shadow.name])
        forget(session, shadow.name)
    return positions
