"""planledger's SQLite recorder: an append is one short write transaction on a writer connection.

The library's recorder takes a connection from its pool for every append (a semaphore, a writer
lock, a condition and a dict of connections in use), opens its transaction with a deferred
`BEGIN`, runs one `INSERT` per row on connections that cache a single prepared statement, and
maps the driver's errors through two context managers: about 35 µs an append above the database
work, as much as SQLite's own CPU for a two-row commit. This recorder keeps one writer connection
with a statement cache, behind a lock of its own, and appends with `BEGIN IMMEDIATE`, the rows
and `COMMIT`. `IMMEDIATE` takes the file's write lock first, so another process's writer is
waited for (the busy timeout) before anything is read, never half-way.

Plugged in as the persistence module `adapters.store.sqlite_recorder:PlanLedgerSqliteFactory`;
reads, tracking and table creation stay the library's. An in-memory database (shared cache) is
left to the library's pool, which interlocks its readers and writers as shared cache needs.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteApplicationRecorder,
    SQLiteDatastore,
    SQLiteFactory,
)
from eventsourcing.utils import Environment, EnvType


class PlanLedgerSqliteRecorder(SQLiteApplicationRecorder):
    """The library's SQLite application recorder with a lean append (see the module)."""

    def __init__(
        self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self._writer: sqlite3.Connection | None = None
        self._writer_lock = threading.Lock()

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        """Append the rows in one transaction, all or none; a taken version: `IntegrityError`."""
        if self.datastore.pool.is_sqlite_memory_mode:
            return super().insert_events(stored_events, **kwargs) or []
        rows = [
            (_text_id(event.originator_id), event.originator_version, event.topic, event.state)
            for event in stored_events
        ]
        with self._writer_lock:
            writer = self._writer or self._open_writer()
            try:
                writer.execute("BEGIN IMMEDIATE")
                try:
                    positions = [
                        writer.execute(self.insert_events_statement, row).lastrowid or 0
                        for row in rows
                    ]
                    writer.execute("COMMIT")
                except BaseException:
                    writer.rollback()
                    raise
            except sqlite3.IntegrityError as error:
                raise IntegrityError(error) from error
            except sqlite3.OperationalError as error:
                raise OperationalError(error) from error
            except sqlite3.Error as error:
                raise PersistenceError(error) from error
        return positions

    def _open_writer(self) -> sqlite3.Connection:
        """The writer connection, opened on the first append. A connection from the library's
        pool is taken and returned first: the pool puts the file in WAL mode on its first one."""
        with self.datastore.get_connection(commit=False):
            pass
        pool = self.datastore.pool
        self._writer = sqlite3.connect(
            pool.db_name,
            uri=True,
            isolation_level=None,
            check_same_thread=False,
            timeout=pool.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT,
        )
        return self._writer

    def close(self) -> None:
        """Close the writer connection (the library's pool closes its own)."""
        with self._writer_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None


def _text_id(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


class PlanLedgerSqliteFactory(SQLiteFactory):
    """The library's SQLite persistence with planledger's application recorder, whose writer
    connection closes with the factory."""

    application_recorder_class = PlanLedgerSqliteRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        self._recorders: list[PlanLedgerSqliteRecorder] = []

    def application_recorder(self) -> PlanLedgerSqliteRecorder:
        recorder = super().application_recorder()
        assert isinstance(recorder, PlanLedgerSqliteRecorder), type(recorder)
        self._recorders.append(recorder)
        return recorder

    def close(self) -> None:
        for recorder in self._recorders:
            recorder.close()
        super().close()
