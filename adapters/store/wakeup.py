"""Waking up when new events may have been committed: LISTEN/NOTIFY, or polling where there is none.

The library's PostgreSQL recorder sends `NOTIFY <channel>` in every insert transaction, so a
notification arrives once the events are committed and visible. SQLite and the in-memory store
send nothing: there a wakeup looks again every `poll_s`. Every wait is bounded by its caller's
`timeout`, so a lost connection or a missed notification delays whoever waits, it never stalls
them. The projector's follower, the workers and `planledger wait` all wait through this.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any, Protocol, Self

import psycopg
import structlog
from psycopg import sql

POLL_INTERVAL_S = 0.05
"""Where the store sends no notifications, look for new events this often (the default)."""

RECONNECT_PAUSE_S = 1.0
"""After the listening connection failed, wait this long (within the timeout) before retrying."""

SLICE_S = 0.2
"""Look at `stop` at least this often while listening."""

DRAIN_LIMIT = 100_000
"""The most queued notifications one wait consumes, so that a flood cannot hold it forever."""

CONNECT_TIMEOUT_S = 10
"""Give up opening the listening connection after this long (a host that does not answer)."""

APPLICATION_NAME = "planledger-wakeup"
"""How the listening connection shows in `pg_stat_activity`, unless the process names its
connections itself (`PGAPPNAME`, as `scripts/bench_workers` names each worker's)."""

logger = structlog.get_logger("planledger.wakeup")


class Wakeup(Protocol):
    """Something to wait on until new events may have been committed."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def wait(self, stop: threading.Event, timeout: float) -> bool:
        """Return True when new events may be there, False when `stop` is set or `timeout` passed.

        True may be spurious (a poll, a reconnect): it means "look again", never "there is news".
        """
        ...


class PollingWakeup:
    """Wake up every `poll_s` seconds (SQLite, the in-memory store)."""

    def __init__(self, poll_s: float = POLL_INTERVAL_S) -> None:
        self._poll_s = poll_s

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def wait(self, stop: threading.Event, timeout: float) -> bool:
        if timeout < self._poll_s:
            stop.wait(timeout)
            return False
        return not stop.wait(self._poll_s)


class ListenWakeup:
    """LISTEN on the recorder's channel; one wait consumes every queued notification.

    A busy caller may come back to many notifications; they all mean "look again", so one wait
    drains them instead of waking once per event. A connection that fails (the server restarted,
    an operator terminated it) is dropped and opened again at the next wait. Whenever it is
    opened anew, that wait returns at once: events committed while nobody listened were never
    announced, so the caller must look for them.
    """

    def __init__(self, conninfo: str, channel: str, slice_s: float = SLICE_S) -> None:
        self._conninfo = conninfo
        self._channel = channel
        self._slice_s = slice_s
        self._connection: psycopg.Connection[tuple[Any, ...]] | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._drop()

    def wait(self, stop: threading.Event, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        try:
            connection = self._connection
            if connection is None or connection.closed or connection.broken:
                self._listen()
                return True
            return self._notified(connection, stop, deadline)
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            logger.warning("listen_connection_lost", error=str(error).strip().splitlines()[0])
            self._drop()
            return not stop.wait(max(0.0, min(deadline - time.monotonic(), RECONNECT_PAUSE_S)))

    def _notified(
        self,
        connection: psycopg.Connection[tuple[Any, ...]],
        stop: threading.Event,
        deadline: float,
    ) -> bool:
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            woken = False
            for _ in connection.notifies(timeout=min(self._slice_s, remaining), stop_after=1):
                woken = True
            if woken:
                _drain(connection)
                return True
        return False

    def _listen(self) -> None:
        self._drop()
        connection = psycopg.connect(
            self._conninfo,
            autocommit=True,
            fallback_application_name=APPLICATION_NAME,
            connect_timeout=CONNECT_TIMEOUT_S,
        )
        try:
            connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
        except BaseException:
            connection.close()
            raise
        self._connection = connection

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _drain(connection: psycopg.Connection[tuple[Any, ...]]) -> None:
    """Consume the notifications already queued: a poll reads one socket-full, so poll again."""
    drained = 0
    while drained < DRAIN_LIMIT:
        read = sum(1 for _ in connection.notifies(timeout=0.0))
        if read == 0:
            return
        drained += read
