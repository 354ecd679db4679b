"""A connection pool that hands out the connection returned last, whose server process is warm.

psycopg_pool hands connections out first-in first-out, so one thread appending step after step
goes round every connection of the pool, each time waking a PostgreSQL backend that has slept
since its last turn: on this machine kind that cost 0.13 ms of a 0.48 ms append (a held
connection answers in 0.34 ms). Taking the most recently returned connection first keeps a
sequential writer on one warm backend; connections still idle at the other end are the ones
the pool's shrinking closes first. Everything else (growth, checks, waiting clients) is
psycopg_pool's.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import ConnectionPool


class WarmFirstConnectionPool(ConnectionPool[Any]):
    """`ConnectionPool`, but last in, first out."""

    def _get_ready_connection(self, timeout: float | None) -> Any:
        # called under the pool's lock; connections are returned to the right of the deque
        if self._pool:
            self._pool.rotate(1)
        return super()._get_ready_connection(timeout)


def warm_first(pool: ConnectionPool[Any]) -> None:
    """Make a pool the library built (not yet opened) hand out its warmest connection first.

    The library constructs its pool inside its datastore with no way to choose the class; the
    subclass adds behaviour only, no state, so switching the instance's class is safe.
    """
    pool.__class__ = WarmFirstConnectionPool
