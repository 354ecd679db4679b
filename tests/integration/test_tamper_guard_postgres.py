"""On PostgreSQL the events table refuses UPDATE, DELETE and TRUNCATE; appends go on as before."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from adapters.store import LibraryEventStore
from adapters.store.postgres_setup import APPEND_ONLY_MESSAGE
from core.domain.status import PlanStatus
from core.runtime.service import PlanService
from tests.integration.conftest import open_store, plan_spec, step

pytestmark = pytest.mark.postgres

CHANGES = {
    "update": "UPDATE {table} SET topic = 'x'",
    "delete": "DELETE FROM {table}",
    "truncate": "TRUNCATE {table}",
}


@pytest.fixture
def store_url(postgres_url: str) -> str:
    return postgres_url


@pytest.fixture
def connection(store_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """An ordinary connection (no trigger bypass), as an operator or a buggy script would use."""
    dsn, _, _ = store_url.partition("?schema=")
    with psycopg.connect(dsn, autocommit=True) as opened:
        yield opened


def events_table(store_url: str) -> sql.Identifier:
    return sql.Identifier(store_url.partition("?schema=")[2], "planledger_events")


def count_events(connection: psycopg.Connection[tuple[object, ...]], store_url: str) -> int:
    row = connection.execute(
        sql.SQL("SELECT count(*) FROM {}").format(events_table(store_url))
    ).fetchone()
    assert row is not None
    return int(str(row[0]))


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_changing_stored_events_is_refused(
    service: PlanService,
    connection: psycopg.Connection[tuple[object, ...]],
    store_url: str,
    change: str,
) -> None:
    service.run(plan_spec(step("a")), by="alice")
    before = count_events(connection, store_url)
    statement = sql.SQL(CHANGES[change]).format(table=events_table(store_url))

    with pytest.raises(psycopg.errors.RaiseException, match=APPEND_ONLY_MESSAGE):
        connection.execute(statement)

    assert count_events(connection, store_url) == before


def test_appends_still_work_with_the_guard_in_place(
    service: PlanService, connection: psycopg.Connection[tuple[object, ...]], store_url: str
) -> None:
    first = service.run(plan_spec(step("a"), step("b", depends_on=["a"])), by="alice")
    second = service.run(plan_spec(step("c")), by="bob")

    assert (first.status, second.status) == (PlanStatus.COMPLETED, PlanStatus.COMPLETED)
    assert count_events(connection, store_url) == first.version + second.version


def test_opening_the_store_again_keeps_exactly_one_guard(
    store: LibraryEventStore, connection: psycopg.Connection[tuple[object, ...]], store_url: str
) -> None:
    for _ in range(2):
        open_store(store_url).close()

    triggers = connection.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) ORDER BY tgname",
        (events_table(store_url).as_string(connection),),
    ).fetchall()

    assert triggers == [("planledger_events_append_only",), ("planledger_events_no_truncate",)]
