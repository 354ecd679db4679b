"""Opening the read-model database of a store: its tables created on first use, or brought up
to this release's layout (`layout`) when an earlier release wrote them.

Read models live beside the events, so one store URL names both. Creating and upgrading happen
once, whoever opens the database first: on PostgreSQL under the store's set-up advisory lock,
on SQLite inside one write transaction (BEGIN IMMEDIATE); whoever comes next finds them done.
"""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager, nullcontext

from adapters.read_models.database import (
    PostgresSession,
    ReadModelDatabase,
    SqliteSession,
)
from adapters.read_models.dialect import POSTGRES, SQLITE
from adapters.read_models.event_log import EventLog
from adapters.read_models.layout import read_layout, upgrade
from adapters.store import StoreConfig, open_event_store
from adapters.store.postgres_setup import schema_lock


def open_read_model_database(config: StoreConfig) -> ReadModelDatabase:
    """The read-model database of a store, ready for this release's queries and projector."""
    if config.kind == "postgresql":
        assert config.conninfo is not None
        assert config.schema is not None
        conninfo, schema = config.conninfo, config.schema
        database = ReadModelDatabase(
            lambda: PostgresSession(conninfo, schema), POSTGRES, config.display
        )
    else:
        path = config.env.get("SQLITE_DBNAME") or _private_memory_database()
        database = ReadModelDatabase(lambda: SqliteSession(path), SQLITE, config.display)
    try:
        if not config.read_only:  # a read-only copy is read as it is
            ensure_layout(database, config)
    except BaseException:
        database.close()
        raise
    return database


def ensure_layout(database: ReadModelDatabase, config: StoreConfig) -> None:
    """Create what is missing and upgrade what an earlier release wrote, once.

    The layout is read again under the lock: another process may have done it meanwhile. An
    upgrade replays the log, so the event store is opened first, outside the lock (opening it
    takes the same lock on PostgreSQL, and may write on SQLite).
    """
    with database.session() as session:
        layout = read_layout(session)
    if layout.current:
        return
    store = open_event_store(config) if layout.outdated else None
    try:
        with _set_up_lock(config), database.transaction(write_lock=True) as session:
            layout = read_layout(session)
            if not layout.current:
                upgrade(session, layout, EventLog(store) if store is not None else None)
    finally:
        if store is not None:
            store.close()


def _set_up_lock(config: StoreConfig) -> AbstractContextManager[object]:
    """PostgreSQL: the store's set-up advisory lock; SQLite's BEGIN IMMEDIATE is enough."""
    if config.kind != "postgresql":
        return nullcontext()
    assert config.conninfo is not None
    assert config.schema is not None
    return schema_lock(config.conninfo, config.schema)


def _private_memory_database() -> str:
    """For a `memory://` store: a shared-cache in-memory SQLite database of this process.

    It lives while the pool holds a connection to it, which is as long as the store object.
    """
    return f"file:planledger-views-{uuid.uuid4().hex}?mode=memory&cache=shared"
