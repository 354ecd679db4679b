"""The tracking table: each projection's position in the global log and its last failure.

A position moves only inside the transaction that writes the rows it covers, and only from the
value the writer locked and re-read: that is what makes each event count exactly once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.read_models.database import Session
from adapters.read_models.tables import TRACKING_TABLE, ColumnKind


@dataclass(frozen=True)
class Tracking:
    """One projection's tracking row."""

    name: str
    position: int
    updated_at: datetime | None
    last_error: str | None
    failed_position: int | None


def ensure_tracking(session: Session, names: Collection[str]) -> None:
    """Give every named projection a tracking row (position 0) if it has none."""
    session.execute_many(
        f"INSERT INTO {TRACKING_TABLE} (name, position) VALUES (?, 0) "
        "ON CONFLICT (name) DO NOTHING",
        [(name,) for name in sorted(names)],
    )


def read_tracking(session: Session, names: Collection[str] | None = None) -> dict[str, Tracking]:
    """Tracking rows by name (all of them, or the named ones)."""
    statement = (
        f"SELECT name, position, updated_at, last_error, failed_position FROM {TRACKING_TABLE}"
    )
    found: dict[str, Tracking] = {}
    for name, position, updated_at, last_error, failed_position in session.execute(statement):
        updated = session.dialect.decode(ColumnKind.TIMESTAMP, updated_at)
        found[str(name)] = Tracking(
            str(name),
            int(position),
            updated if isinstance(updated, datetime) else None,
            last_error,
            None if failed_position is None else int(failed_position),
        )
    return found if names is None else {name: found[name] for name in names if name in found}


def lock_positions(session: Session, names: Collection[str]) -> dict[str, int]:
    """The positions, read under a lock that holds until the transaction ends.

    PostgreSQL locks the rows (in name order, so two runners cannot deadlock); on SQLite the
    caller's BEGIN IMMEDIATE already holds the database's single write lock.
    """
    dialect = session.dialect
    where, params = dialect.in_list("name", sorted(names))
    rows = session.execute(
        f"SELECT name, position FROM {TRACKING_TABLE} WHERE {where} ORDER BY name"
        f"{dialect.lock_rows}",
        params,
    )
    return {str(name): int(position) for name, position in rows}


def advance(session: Session, name: str, position: int) -> None:
    """Move a projection to `position` and clear its failure (it has passed it)."""
    session.execute(
        f"UPDATE {TRACKING_TABLE} SET position = ?, updated_at = ?, last_error = NULL, "
        "failed_position = NULL WHERE name = ?",
        [position, _now(session), name],
    )


def record_failure(session: Session, name: str, failed_position: int, error: str) -> None:
    """Remember why a projection stopped, and at which event; its position stays."""
    session.execute(
        f"UPDATE {TRACKING_TABLE} SET last_error = ?, failed_position = ?, updated_at = ? "
        "WHERE name = ?",
        [session.dialect.encode(ColumnKind.TEXT, error), failed_position, _now(session), name],
    )


def reset(session: Session, name: str, position: int) -> None:
    """Set a projection's position outright (after a rebuild) and clear its failure."""
    ensure_tracking(session, [name])
    advance(session, name, position)


def forget(session: Session, name: str) -> None:
    """Remove a tracking row (a finished or abandoned rebuild's)."""
    session.execute(f"DELETE FROM {TRACKING_TABLE} WHERE name = ?", [name])


def _now(session: Session) -> object:
    return session.dialect.encode(ColumnKind.TIMESTAMP, datetime.now(UTC))
