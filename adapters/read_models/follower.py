"""Following the log live: wait for new events (LISTEN on PostgreSQL, polling on SQLite).

The library's PostgreSQL recorder sends `NOTIFY <channel>` in every insert transaction, so the
notification arrives when the events are committed and visible. A bounded wait stays as the
fallback: a lost connection or a missed notification delays the view, it never stalls it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Sequence
from types import TracebackType
from typing import Protocol, Self

import psycopg
import structlog
from psycopg import sql

from adapters.read_models.outcomes import ProjectionReport
from core import StoreUnavailableError

POLL_INTERVAL_S = 0.05
"""SQLite has no notifications: look for new events this often."""

FALLBACK_WAIT_S = 1.0
"""Catch up at least this often even when no notification came."""

UNAVAILABLE_BACKOFF_S = 1.0
"""Wait this long after the database could not be reached, then try again."""

logger = structlog.get_logger("planledger.projector")


class Wakeup(Protocol):
    """Something to wait on until new events may have arrived."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def wait(self, stop: threading.Event, timeout: float) -> None:
        """Return when new events may be there, `stop` is set, or `timeout` passes."""
        ...


class PollingWakeup:
    """Wake up every `interval` seconds (SQLite, the in-memory store)."""

    def __init__(self, interval: float = POLL_INTERVAL_S) -> None:
        self._interval = interval

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def wait(self, stop: threading.Event, timeout: float) -> None:
        stop.wait(min(self._interval, timeout))


class ListenWakeup:
    """LISTEN on the recorder's channel; reconnects (at the next wait) after a lost connection."""

    def __init__(self, conninfo: str, channel: str, slice_s: float = 0.2) -> None:
        self._conninfo = conninfo
        self._channel = channel
        self._slice_s = slice_s
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _listening(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._connection is None or self._connection.closed or self._connection.broken:
            connection = psycopg.connect(self._conninfo, autocommit=True)
            connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
            self._connection = connection
        return self._connection

    def wait(self, stop: threading.Event, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        try:
            connection = self._listening()
            while not stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                for _ in connection.notifies(timeout=min(self._slice_s, remaining), stop_after=1):
                    return
        except psycopg.OperationalError as error:
            logger.warning("listen_connection_lost", error=str(error).strip())
            self._connection = None
            stop.wait(max(0.0, min(deadline - time.monotonic(), UNAVAILABLE_BACKOFF_S)))


def follow_log(
    catch_up: Callable[[Collection[str] | None], Sequence[ProjectionReport]],
    names: Sequence[str],
    wakeup: Wakeup,
    stop: threading.Event,
    retry_failed_after_s: float,
) -> None:
    """Catch up, wait, repeat until `stop`; a failed projection is retried after a pause."""
    retry_at: dict[str, float] = {}
    while not stop.is_set():
        now = time.monotonic()
        due = [name for name in names if retry_at.get(name, 0.0) <= now]
        try:
            reports = catch_up(due) if due else []
        except StoreUnavailableError as error:
            logger.warning(
                "read_models_unavailable", error=str(error), retry_s=UNAVAILABLE_BACKOFF_S
            )
            stop.wait(UNAVAILABLE_BACKOFF_S)
            continue
        for report in reports:
            if report.failure is not None:
                retry_at[report.name] = now + retry_failed_after_s
            else:
                retry_at.pop(report.name, None)
        wakeup.wait(stop, FALLBACK_WAIT_S)
