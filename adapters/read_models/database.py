"""Connections to the read-model database: the events' own SQLite file or PostgreSQL schema.

Read models live beside the events so one store URL names both. Each thread borrows a session
from a small pool; a session runs statements with `?` placeholders and opens transactions that,
when asked to, take SQLite's write lock at BEGIN (`BEGIN IMMEDIATE`) — on PostgreSQL the
projector locks its tracking rows instead.
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg
from psycopg.types.json import set_json_loads

from adapters.read_models.database_errors import translated_database_errors
from adapters.read_models.dialect import POSTGRES, SQLITE, Dialect, jsonb_loads
from adapters.store.postgres_setup import SETUP_LOCK_KEY

SQLITE_LOCK_TIMEOUT_S = 30.0


class Session(ABC):
    """One connection: statements, batches and transactions in the database's dialect."""

    dialect: Dialect

    @abstractmethod
    def execute(self, statement: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; the rows it returns (none for a write)."""

    @abstractmethod
    def execute_many(self, statement: str, rows: Sequence[Sequence[object]]) -> None:
        """Run one statement for each parameter row, as one batch."""

    def execute_all(
        self, statements: Sequence[tuple[str, Sequence[object]]]
    ) -> list[list[tuple[Any, ...]]]:
        """Run several reads; each one's rows (PostgreSQL: in one round trip)."""
        return [self.execute(statement, params) for statement, params in statements]

    @abstractmethod
    def transaction(self, *, write_lock: bool) -> AbstractContextManager[None]:
        """Commit on success, roll back on any exception (a kill included)."""

    @contextmanager
    def pipeline(self) -> Iterator[None]:
        """Send the writes inside without waiting for each result (PostgreSQL); SQLite: as is."""
        yield

    @property
    @abstractmethod
    def broken(self) -> bool:
        """True when the connection cannot be used again."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""


class SqliteSession(Session):
    """A sqlite3 connection in autocommit mode; transactions are explicit BEGIN/COMMIT."""

    dialect = SQLITE

    def __init__(self, database: str) -> None:
        self._connection = sqlite3.connect(
            database,
            timeout=SQLITE_LOCK_TIMEOUT_S,
            isolation_level=None,
            check_same_thread=False,
            uri=database.startswith("file:"),
        )

    def execute(self, statement: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return self._connection.execute(statement, params).fetchall()

    def execute_many(self, statement: str, rows: Sequence[Sequence[object]]) -> None:
        self._connection.executemany(statement, rows)

    @contextmanager
    def transaction(self, *, write_lock: bool) -> Iterator[None]:
        self._connection.execute("BEGIN IMMEDIATE" if write_lock else "BEGIN")
        try:
            yield
        except BaseException:
            self._connection.execute("ROLLBACK")
            raise
        self._connection.execute("COMMIT")

    @property
    def broken(self) -> bool:
        return self._connection.in_transaction

    def close(self) -> None:
        self._connection.close()


class PostgresSession(Session):
    """A psycopg connection in autocommit mode, its search path set to the store's schema."""

    dialect = POSTGRES

    def __init__(self, conninfo: str, schema: str) -> None:
        self._connection = psycopg.connect(conninfo, autocommit=True, options=_options(schema))
        set_json_loads(jsonb_loads, self._connection)

    def execute(self, statement: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        cursor = self._connection.execute(POSTGRES.convert(statement), params)
        return cursor.fetchall() if cursor.description is not None else []

    def execute_many(self, statement: str, rows: Sequence[Sequence[object]]) -> None:
        with self._connection.cursor() as cursor:
            cursor.executemany(POSTGRES.convert(statement), rows)

    def execute_all(
        self, statements: Sequence[tuple[str, Sequence[object]]]
    ) -> list[list[tuple[Any, ...]]]:
        if len(statements) < 2:
            return super().execute_all(statements)
        with self._connection.pipeline():
            cursors = [
                self._connection.execute(POSTGRES.convert(statement), params)
                for statement, params in statements
            ]
        return [cursor.fetchall() for cursor in cursors]

    @contextmanager
    def transaction(self, *, write_lock: bool) -> Iterator[None]:
        with self._connection.transaction():
            yield

    @contextmanager
    def pipeline(self) -> Iterator[None]:
        with self._connection.pipeline():
            yield

    @property
    def broken(self) -> bool:
        return self._connection.closed or self._connection.broken

    def close(self) -> None:
        self._connection.close()


def _options(schema: str) -> str:
    """Session settings: the store's schema, UTC, and a fresh plan for every statement.

    psycopg prepares a statement after a few runs, and PostgreSQL may then keep a generic plan
    made while the tables were empty (a sequential scan): a catch-up slowed down as it went.
    """
    return f"-c search_path={schema} -c timezone=UTC -c plan_cache_mode=force_custom_plan"


class ReadModelDatabase:
    """A pool of sessions on one read-model database; errors leave as core errors."""

    def __init__(self, connect: Callable[[], Session], dialect: Dialect, display: str) -> None:
        self._connect = connect
        self.dialect = dialect
        self.display = display
        self._idle: list[Session] = []
        self._lock = threading.Lock()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Borrow a session; an unusable database raises `StoreUnavailableError`."""
        with self._lock:
            session = self._idle.pop() if self._idle else None
        with translated_database_errors(self.display):
            if session is None:
                session = self._connect()
            try:
                yield session
            finally:
                self._give_back(session)

    @contextmanager
    def transaction(self, *, write_lock: bool = False) -> Iterator[Session]:
        """A session inside one transaction (with `write_lock`, SQLite's BEGIN IMMEDIATE)."""
        with self.session() as session, session.transaction(write_lock=write_lock):
            yield session

    def create_tables(self, statements: Sequence[str]) -> None:
        """Run `CREATE TABLE IF NOT EXISTS` statements, however many processes start at once.

        On PostgreSQL two of them at once can both miss the table, and one then fails on the
        catalogue's unique index: they run in one transaction holding the set-up advisory lock
        that `db init` takes. SQLite's write lock serialises them already.
        """
        with self.transaction(write_lock=True) as session:
            if self.dialect is POSTGRES:
                session.execute("SELECT pg_advisory_xact_lock(?)", [SETUP_LOCK_KEY])
            for statement in statements:
                session.execute(statement)

    def _give_back(self, session: Session) -> None:
        if session.broken:
            session.close()
            return
        with self._lock:
            self._idle.append(session)

    def close(self) -> None:
        """Close every idle session."""
        with self._lock:
            idle, self._idle = self._idle, []
        for session in idle:
            session.close()
