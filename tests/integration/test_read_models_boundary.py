"""The read side's edges: driver errors, the derived schema, undecodable events, public names."""

from __future__ import annotations

import dataclasses
import sqlite3
import uuid

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

import adapters.read_models
from adapters.read_models import ReadSide, open_read_model_database
from adapters.read_models.database_errors import (
    STATEMENT_FAILURES,
    TRANSLATED,
    is_unavailable,
    translated_database_errors,
)
from adapters.read_models.tables import TABLE_NAMES, TRACKING_TABLE, all_tables
from adapters.store import LibraryEventStore, parse_store_url
from core.domain.errors import StoreUnavailableError
from core.runtime.service import PlanService
from tests.integration.conftest import plan_spec, step
from tests.integration.test_read_models import (
    PostgresStore,
    ReadSideFixtures,
    SqliteStore,
)


@pytest.mark.parametrize("driver_error", list(TRANSLATED), ids=lambda error: error.__name__)
def test_every_unavailable_database_error_becomes_store_unavailable(
    driver_error: type[Exception],
) -> None:
    with pytest.raises(StoreUnavailableError) as raised, translated_database_errors("db"):
        raise driver_error("server closed the connection\nmore")

    assert TRANSLATED[driver_error] is StoreUnavailableError
    assert raised.value.reason == "server closed the connection"
    assert raised.value.__suppress_context__


@pytest.mark.parametrize(
    "driver_error",
    [sqlite3.IntegrityError, sqlite3.DataError, psycopg.errors.NotNullViolation, psycopg.DataError],
    ids=lambda error: error.__name__,
)
def test_errors_caused_by_rows_stay_statement_failures(driver_error: type[Exception]) -> None:
    with pytest.raises(driver_error), translated_database_errors("db"):
        raise driver_error("null value in column")

    assert issubclass(driver_error, STATEMENT_FAILURES)
    assert not is_unavailable(driver_error("x"))


def test_an_unreachable_postgresql_is_store_unavailable() -> None:
    config = parse_store_url("postgresql://nobody@127.0.0.1:1/none?schema=x")

    with pytest.raises(StoreUnavailableError):
        open_read_model_database(config)


def test_the_read_models_package_exports_its_queries_and_projector() -> None:
    assert sorted(adapters.read_models.__all__) == sorted(
        [
            "EventLog",
            "InvalidCursorError",
            "PlanFilter",
            "PlanPage",
            "ProjectionFailure",
            "ProjectionReport",
            "Projector",
            "ReadModelDatabase",
            "ReadSide",
            "Target",
            "UnknownProjectionError",
            "audit_trail",
            "export_audit",
            "list_plans",
            "open_read_model_database",
            "open_read_side",
            "plan_data",
            "plan_heads",
            "plan_pause",
            "projection_status",
            "rebuild",
            "show_plan",
            "step_timeline",
            "tool_stats",
        ]
    )


class BoundaryContract(ReadSideFixtures):
    """Schema and decoding on every database."""

    def test_each_table_has_its_row_types_fields_as_columns_and_key_as_primary_key(
        self, side: ReadSide
    ) -> None:
        with side.database.session() as session:
            for spec in all_tables():
                rows = session.execute(f"SELECT * FROM {spec.name} WHERE 1 = 0")
                assert rows == []
                fields = tuple(field.name for field in dataclasses.fields(spec.row_type))
                assert spec.column_names == fields
                assert spec.key == spec.row_type.KEY
            tracking = session.execute(
                f"SELECT name, position, updated_at, last_error, failed_position "
                f"FROM {TRACKING_TABLE} WHERE 1 = 0"
            )
        assert tracking == []
        assert {spec.name for spec in all_tables()} == set(TABLE_NAMES.values())

    def test_an_event_no_class_accepts_stops_every_projection_at_it(
        self, side: ReadSide, service: PlanService, store: LibraryEventStore
    ) -> None:
        service.run(plan_spec(step("a")), by="ann")
        bogus = StoredEvent(uuid.uuid4(), 1, "core.events:NoSuchEvent", b"{}")
        store.application.recorder.insert_events([bogus])
        service.run(plan_spec(step("b")), by="ann")
        log = [entry.position for entry in side.log.read(0, 1000)]
        position = next(e.position for e in side.log.read(0, 1000) if e.event is None)
        before = log[log.index(position) - 1]  # positions have holes: the event before it

        reports = side.catch_up()

        assert {(r.failure.position, r.failure.event_type) for r in reports if r.failure} == {
            (position, "undecodable")
        }
        assert all(r.failure is not None for r in reports)
        assert {r.position for r in reports} == {before}
        assert "NoSuchEvent" in (reports[0].failure.error if reports[0].failure else "")


class TestBoundaryOnSqlite(SqliteStore, BoundaryContract):
    pass


@pytest.mark.postgres
class TestBoundaryOnPostgres(PostgresStore, BoundaryContract):
    pass
