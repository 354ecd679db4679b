"""Reading a plan's raw stored rows for verification: every row, even one that no longer decodes."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg import sql

from adapters.store import LibraryEventStore
from adapters.store.library_errors import translated_errors
from adapters.store.pydantic_mapper import DECODE_ERRORS
from core import ChainRow, PlanEvent

NOTIFICATION_BATCH = 1000


def chain_rows(store: LibraryEventStore, plan_id: UUID) -> list[ChainRow]:
    """The plan's rows in version order, each decoded if it still can be."""
    with translated_errors(store.display, plan_id):
        records = store.application.recorder.select_events(plan_id)
    return [chain_row(store, record) for record in records]


def chain_row(store: LibraryEventStore, record: StoredEvent) -> ChainRow:
    """One row as verification sees it; a row that does not decode keeps the reason why."""
    stored_hash_value = stored_hash(record.state)
    try:
        event = cast(PlanEvent, store.application.mapper.to_domain_event(record))
    except DECODE_ERRORS as error:
        reason = f"{type(error).__name__}: {(str(error).strip() or '?').splitlines()[0]}"
        return ChainRow(record.originator_version, None, stored_hash_value, reason)
    return ChainRow(record.originator_version, event, stored_hash_value)


def stored_hash(state: bytes) -> str | None:
    """The `hash` field as stored, read without the event class (which may refuse the row)."""
    try:
        body: Any = orjson.loads(state)
    except orjson.JSONDecodeError:
        return None
    value = body.get("hash") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


def plan_id_of(value: UUID | str) -> UUID:
    """A stored row's plan id as a UUID (the recorders hand it over either way)."""
    return value if isinstance(value, UUID) else UUID(value)


def stored_plan_ids(store: LibraryEventStore) -> list[UUID]:
    """Every plan id with at least one stored event, in a stable order."""
    recorder = store.application.recorder
    with translated_errors(store.display):
        if isinstance(recorder, SQLiteApplicationRecorder):
            with recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(f"SELECT DISTINCT originator_id FROM {recorder.events_table_name}")
                values = [row[0] for row in cursor.fetchall()]
        elif isinstance(recorder, PostgresApplicationRecorder):
            statement = sql.SQL("SELECT DISTINCT originator_id FROM {}").format(
                sql.Identifier(recorder.datastore.schema, recorder.events_table_name)
            )
            with recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(statement)
                values = [row["originator_id"] for row in cursor.fetchall()]
        else:
            values = _ids_from_notifications(store)
    return sorted({UUID(str(value)) for value in values})


def _ids_from_notifications(store: LibraryEventStore) -> list[object]:
    """For the in-memory store, which has no SQL: walk the global log in batches."""
    recorder = store.application.recorder
    ids: list[object] = []
    start: int | None = None
    while batch := recorder.select_notifications(start, NOTIFICATION_BATCH):
        ids += [notification.originator_id for notification in batch]
        start = batch[-1].id + 1
    return ids
