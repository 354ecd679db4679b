"""A plan's state as it was at a version or a moment: the fold of its events up to that point.

A version loads only the rows up to it (`lte` in the store's query) and folds them, so the cost
is that of the prefix. A moment has no index in the store, so all events are loaded and cut
after the last one recorded at or before it.

No snapshots, by measurement: for a 10,000-step plan (10,115 events, SQLite) the last version
takes 1.75 s, of which 0.15 s is the fold; the rest is reading and decoding, led by the
creation event that carries the whole spec — which a snapshot would have to carry too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from adapters.store import LibraryEventStore
from core import NotInHistoryError, PlanEvent, PlanNotFoundError, PlanState, fold


@dataclass(frozen=True)
class PointInHistory:
    """Where to look: a version (1 is the plan's creation) or an aware UTC moment."""

    version: int | None = None
    moment: datetime | None = None

    def __str__(self) -> str:
        return f"version {self.version}" if self.moment is None else self.moment.isoformat()


def parse_point(text: str) -> PointInHistory:
    """`7` is a version; anything else must be an ISO-8601 time (no zone means UTC).

    Raises ValueError for text that is neither.
    """
    text = text.strip()
    if text.isdigit():
        return PointInHistory(version=int(text))
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return PointInHistory(moment=moment.astimezone(UTC))


def state_at(store: LibraryEventStore, plan_id: UUID, point: PointInHistory) -> PlanState:
    """The plan as its events left it at `point`.

    Raises:
        PlanNotFoundError: the plan has no events.
        NotInHistoryError: the point is before the plan's creation or past its last version.
    """
    if point.moment is not None:
        return fold(_events_until(store, plan_id, point.moment))
    version = point.version or 0
    if version < 1:
        raise NotInHistoryError(plan_id, str(point), "versions start at 1, the plan's creation")
    events = store.load(plan_id, up_to_version=version)
    if not events:
        raise PlanNotFoundError(plan_id)
    if events[-1].version < version:
        raise NotInHistoryError(plan_id, str(point), f"its last version is {events[-1].version}")
    return fold(events)


def events_up_to(plan_id: UUID, events: list[PlanEvent], point: PointInHistory) -> list[PlanEvent]:
    """The prefix of a plan's loaded `events` up to `point` (errors as `state_at`'s)."""
    if not events:
        raise PlanNotFoundError(plan_id)
    if point.moment is not None:
        return _until(plan_id, events, point.moment)
    version = point.version or 0
    if version < 1:
        raise NotInHistoryError(plan_id, str(point), "versions start at 1, the plan's creation")
    if events[-1].version < version:
        raise NotInHistoryError(plan_id, str(point), f"its last version is {events[-1].version}")
    return [event for event in events if event.version <= version]


def _events_until(store: LibraryEventStore, plan_id: UUID, moment: datetime) -> list[PlanEvent]:
    """The events up to the last one recorded at or before `moment`."""
    events = store.load(plan_id)
    if not events:
        raise PlanNotFoundError(plan_id)
    return _until(plan_id, events, moment)


def _until(plan_id: UUID, events: list[PlanEvent], moment: datetime) -> list[PlanEvent]:
    last = max((event.version for event in events if event.timestamp <= moment), default=0)
    if last == 0:
        raise NotInHistoryError(
            plan_id,
            moment.isoformat(),
            f"it was created at {events[0].timestamp.isoformat()}",
        )
    return [event for event in events if event.version <= last]
