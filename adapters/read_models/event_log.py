"""The store's global event log as projections read it: batches of decoded events by position.

Gap safety — why reading `position > last` never passes over an event that commits later:
on PostgreSQL, planledger's recorder gives a transaction's rows positions above those of every
transaction with a lower id, and reads only below the oldest transaction still in flight
(`adapters.store.postgres_recorder`); rows above it are held back until it ends, and a read
waits a moment for them rather than return less than it could. On
SQLite there is one writer at a time and the rowid is assigned under that write lock, so a
commit never lands below a row already visible. The in-memory store appends under a lock, in
order. Positions have holes either way, which is why they are "last seen", never "last + 1".
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Self, cast

from eventsourcing.persistence import Notification

from adapters.read_models.database import Session
from adapters.store import LibraryEventStore
from adapters.store.library_errors import translated_errors
from adapters.store.pydantic_mapper import DECODE_ERRORS
from core import PlanEvent


@dataclass(frozen=True)
class LogEntry:
    """One event of the global log: its position, and the event or why it cannot be decoded."""

    position: int
    event: PlanEvent | None
    problem: str | None = None


class EventLog:
    """Reads the global log of one store."""

    def __init__(self, store: LibraryEventStore) -> None:
        self._store = store
        self._recorder = store.application.recorder

    @property
    def store(self) -> LibraryEventStore:
        """The store whose log this is."""
        return self._store

    @property
    def notify_channel(self) -> str | None:
        """The PostgreSQL channel the recorder NOTIFYs on each insert, if it has one."""
        channel = getattr(self._recorder, "channel_name", None)
        return channel if isinstance(channel, str) else None

    def read(self, after: int, limit: int) -> list[LogEntry]:
        """Up to `limit` events with a position above `after`, in order."""
        return self.decode(self.fetch(after, limit))

    def fetch(self, after: int, limit: int) -> Sequence[Notification]:
        """Up to `limit` stored events above `after`, not yet decoded (gap-safe: see above)."""
        with translated_errors(self._store.display):
            return self._recorder.select_notifications(
                start=after + 1, limit=limit, inclusive_of_start=True
            )

    def decode(self, notifications: Sequence[Notification]) -> list[LogEntry]:
        """Decode fetched events; one no event class accepts becomes an entry with a problem."""
        return [self._decode(notification) for notification in notifications]

    def head(self) -> int:
        """The position of the newest event (0 for an empty log)."""
        with translated_errors(self._store.display):
            return int(self._recorder.max_notification_id() or 0)

    def count_after(self, position: int, session: Session) -> int:
        """How many events lie above `position` (ids have holes, so not `head - position`).

        The events live in the read models' own database, except for the in-memory store,
        whose ids have no holes.
        """
        table = getattr(self._recorder, "events_table_name", None)
        if not isinstance(table, str):
            return max(self.head() - position, 0)
        column = session.dialect.notification_id
        rows = session.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} > ?", [position])
        return int(rows[0][0])

    def _decode(self, notification: Notification) -> LogEntry:
        try:
            event = cast(PlanEvent, self._store.application.mapper.to_domain_event(notification))
        except DECODE_ERRORS as error:
            text = str(error).strip().splitlines()
            problem = f"cannot decode {notification.topic}: {text[0] if text else error!r}"
            return LogEntry(notification.id, None, problem)
        return LogEntry(notification.id, event)


class ReadAhead:
    """Reads batch after batch, fetching the next one in a thread while the caller works.

    After a full batch the next one (above its last position) is fetched in the background, so
    the database's time overlaps the projections' time; decoding, which needs the interpreter
    as much as the projections do, stays on the caller's thread. A fetch that turns out not to
    be wanted (the caller asks for another position) is dropped, never used.
    """

    def __init__(self, log: EventLog, limit: int) -> None:
        self._log = log
        self._limit = limit
        self._pool: ThreadPoolExecutor | None = None
        self._pending: tuple[int, Future[Sequence[Notification]]] | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def read(self, after: int) -> list[LogEntry]:
        """Up to `limit` events above `after`."""
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] == after:
            notifications = pending[1].result()
        else:
            notifications = self._log.fetch(after, self._limit)
        if len(notifications) == self._limit:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="projector-read-ahead")
            following = notifications[-1].id
            self._pending = (following, self._pool.submit(self._log.fetch, following, self._limit))
        return self._log.decode(notifications)
