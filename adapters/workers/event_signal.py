"""Waking up when events are committed: LISTEN on the recorder's channel, the backlog drained.

The library's PostgreSQL recorder sends `NOTIFY <channel>` in every insert transaction. A worker
that was busy may come back to many queued notifications; they all mean "look again", so one
wait consumes them all instead of waking once per event. The wait is bounded: a missed
notification or a lost connection delays a worker by at most `timeout`, it never stalls it.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Self

import psycopg
import structlog
from psycopg import sql

RECONNECT_PAUSE_S = 1.0
"""After the listening connection failed, wait this long (within the timeout) before retrying."""

DRAIN_LIMIT = 100_000

logger = structlog.get_logger("planledger.worker")


class EventSignal:
    """`wait` returns when events were committed since the last wait, on `stop`, or at timeout."""

    def __init__(self, conninfo: str, channel: str, slice_s: float = 0.2) -> None:
        self._conninfo = conninfo
        self._channel = channel
        self._slice_s = slice_s
        self._connection: psycopg.Connection[tuple[Any, ...]] | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._drop()

    def wait(self, stop: threading.Event, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        try:
            connection = self._listening()
            while not stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                woken = False
                for _ in connection.notifies(timeout=min(self._slice_s, remaining), stop_after=1):
                    woken = True
                if woken:
                    for _ in connection.notifies(timeout=0.0, stop_after=DRAIN_LIMIT):
                        pass
                    return
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            logger.warning("listen_connection_lost", error=str(error).strip().splitlines()[0])
            self._drop()
            stop.wait(max(0.0, min(deadline - time.monotonic(), RECONNECT_PAUSE_S)))

    def _listening(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self._connection is None or self._connection.closed or self._connection.broken:
            self._drop()
            connection = psycopg.connect(self._conninfo, autocommit=True)
            connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
            self._connection = connection
        return self._connection

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
