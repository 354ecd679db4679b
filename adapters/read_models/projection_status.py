"""How far each projection is behind the log: position, head, lag in events and seconds, errors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from adapters.read_models.database import ReadModelDatabase, Session
from adapters.read_models.event_log import EventLog
from adapters.read_models.queries import iso
from adapters.read_models.tracking import Tracking, read_tracking
from core import JsonObject


def projection_status(
    database: ReadModelDatabase, log: EventLog, names: Sequence[str]
) -> list[JsonObject]:
    """One record per named projection, in the given order.

    `lag_seconds` is the age of the oldest event the projection has not applied (0 when it is
    at the head): how stale the view can be, not how long catching up would take.
    """
    head = log.head()
    now = datetime.now(UTC)
    with database.session() as session:
        tracking = read_tracking(session, names)
        return [_status(session, log, name, tracking.get(name), head, now) for name in names]


def _status(
    session: Session,
    log: EventLog,
    name: str,
    tracking: Tracking | None,
    head: int,
    now: datetime,
) -> JsonObject:
    position = tracking.position if tracking is not None else 0
    lag_events = log.count_after(position, session) if position < head else 0
    lag_seconds = 0.0
    if lag_events:
        oldest = log.read(position, 1)
        if oldest and oldest[0].event is not None:
            lag_seconds = max(0.0, (now - oldest[0].event.timestamp).total_seconds())
    return {
        "name": name,
        "position": position,
        "head": head,
        "lag_events": lag_events,
        "lag_seconds": round(lag_seconds, 3),
        "updated_at": iso(tracking.updated_at) if tracking is not None else None,
        "last_error": tracking.last_error if tracking is not None else None,
        "failed_position": tracking.failed_position if tracking is not None else None,
    }
