"""The SQLite store's own recorder: an append is all its rows or none, writers on other
connections wait their turn, and closing the store closes its writer connection."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from adapters.store import LibraryEventStore, open_event_store, parse_store_url
from adapters.store.sqlite_recorder import PlanLedgerSqliteRecorder
from core import PlanService, PlanStatus


def rows(plan_id: UUID, versions: range) -> list[StoredEvent]:
    return [StoredEvent(plan_id, version, "t", f"state {version}".encode()) for version in versions]


def recorder_of(store: LibraryEventStore) -> PlanLedgerSqliteRecorder:
    recorder = store.application.recorder
    assert isinstance(recorder, PlanLedgerSqliteRecorder), type(recorder)
    return recorder


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'planledger.db'}"


@pytest.fixture
def store(url: str) -> Iterator[LibraryEventStore]:
    opened = open_event_store(parse_store_url(url))
    yield opened
    opened.close()


def test_an_append_returns_the_positions_the_log_gives_its_rows(store: LibraryEventStore) -> None:
    recorder = recorder_of(store)
    plan_id = uuid4()

    first = recorder.insert_events(rows(plan_id, range(1, 3)))
    second = recorder.insert_events(rows(plan_id, range(3, 6)))

    logged = recorder.select_notifications(start=None, limit=10)
    assert [notification.id for notification in logged] == [*first, *second]
    assert [notification.originator_version for notification in logged] == [1, 2, 3, 4, 5]
    assert logged[4].state == b"state 5"


def test_an_append_with_a_taken_version_stores_none_of_its_rows(store: LibraryEventStore) -> None:
    recorder = recorder_of(store)
    plan_id = uuid4()
    recorder.insert_events(rows(plan_id, range(1, 3)))

    with pytest.raises(IntegrityError):
        recorder.insert_events(rows(plan_id, range(2, 5)))  # 3 and 4 are free, 2 is taken

    assert [stored.originator_version for stored in recorder.select_events(plan_id)] == [1, 2]
    recorder.insert_events(rows(plan_id, range(3, 5)))  # the writer is not left mid-transaction
    assert len(recorder.select_events(plan_id)) == 4


def test_writers_on_other_connections_wait_for_each_other(url: str) -> None:
    stores = [open_event_store(parse_store_url(url)) for _ in range(4)]
    plans = [uuid4() for _ in stores]
    failures: list[BaseException] = []

    def append_many(store: LibraryEventStore, plan_id: UUID) -> None:
        try:
            for version in range(1, 201, 2):
                recorder_of(store).insert_events(rows(plan_id, range(version, version + 2)))
        except BaseException as error:  # reported below: a thread's exception is otherwise lost
            failures.append(error)

    threads = [
        threading.Thread(target=append_many, args=(store, plan_id))
        for store, plan_id in zip(stores, plans, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert not failures, failures
        assert not any(thread.is_alive() for thread in threads)
        log = recorder_of(stores[0]).select_notifications(start=None, limit=10_000)
        assert len(log) == 800
        for plan_id in plans:
            versions = [row.originator_version for row in log if row.originator_id == plan_id]
            assert versions == list(range(1, 201))
    finally:
        for store in stores:
            store.close()


def test_closing_the_store_closes_its_writer_connection(url: str, tmp_path: Path) -> None:
    store = open_event_store(parse_store_url(url))
    recorder_of(store).insert_events(rows(uuid4(), range(1, 3)))
    write_ahead_log = tmp_path / "planledger.db-wal"
    assert write_ahead_log.exists()

    store.close()

    # SQLite folds the write-ahead log into the file and deletes it when its last connection
    # to the database closes: a writer left open would keep it
    assert not write_ahead_log.exists()


def test_a_plan_runs_to_completion_on_an_in_memory_sqlite_store(
    make_service: Callable[..., PlanService],
) -> None:
    """`:memory:` is a shared-cache database, which the library's pool appends to."""
    in_memory = open_event_store(parse_store_url("sqlite:///:memory:"))
    try:
        service = make_service(on=in_memory)
        spec = {
            "description": "one step",
            "steps": [{"id": "a", "tool": "record", "parameters": {"value": "x"}}],
        }

        plan = service.run(spec, by="tester")

        assert plan.status is PlanStatus.COMPLETED
        assert len(in_memory.load(plan.plan_id)) == plan.version
    finally:
        in_memory.close()
