"""A PostgreSQL store written by release 0.1.0 is migrated by `db init`, or refused until then."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from adapters.read_models import EventLog
from adapters.store import open_event_store, parse_store_url
from adapters.store.errors import StoreNeedsMigrationError
from adapters.workers import init_store
from core.domain.errors import InvalidInputError

pytestmark = pytest.mark.postgres

DUMP = Path(__file__).parents[1] / "replay" / "stores" / "0.1.0.postgres.sql"


@pytest.fixture
def old_store(postgres_available: str) -> Iterator[str]:
    """A schema restored from the 0.1.0 dump; its URL."""
    schema = f"old_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_available, autocommit=True) as connection:
        connection.execute(DUMP.read_text().replace("recorded_schema", schema).encode())
    yield f"{postgres_available}?schema={schema}"
    with psycopg.connect(postgres_available, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def old_positions(url: str) -> list[int]:
    dsn, _, schema = url.partition("?schema=")
    with psycopg.connect(dsn, autocommit=True) as connection:
        rows = connection.execute(
            sql.SQL("SELECT notification_id FROM {} ORDER BY 1").format(
                sql.Identifier(schema, "planledger_events")
            )
        ).fetchall()
    return [int(position) for (position,) in rows]


def test_an_old_store_opened_by_a_command_that_sets_nothing_up_is_refused_clearly(
    old_store: str,
) -> None:
    config = parse_store_url(old_store)

    with pytest.raises(StoreNeedsMigrationError, match="planledger db init") as refused:
        open_event_store(config, {"CREATE_TABLE": "n"})

    assert isinstance(refused.value, InvalidInputError)


def test_db_init_migrates_an_old_store_and_new_events_follow_the_old_ones_in_the_log(
    old_store: str,
) -> None:
    config = parse_store_url(old_store)
    before = old_positions(old_store)

    init_store(config)
    store = open_event_store(config, {"CREATE_TABLE": "n"})
    try:
        plan_id = uuid.uuid4()
        new = store.application.recorder.insert_events(
            [
                StoredEvent(plan_id, 1, "test:Event", b"{}"),
                StoredEvent(plan_id, 2, "test:Event", b"{}"),
            ]
        )
        log = EventLog(store)
        read = [notification.id for notification in log.fetch(0, 10_000)]
    finally:
        store.close()

    assert old_positions(old_store)[: len(before)] == before  # old rows keep their positions
    assert min(new) > max(before)
    assert read == [*before, *new]
