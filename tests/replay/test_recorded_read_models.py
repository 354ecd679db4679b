"""Read models written by an earlier release are brought up to this release's layout on first
use, with nothing to do by hand: the projections whose tables changed are rebuilt from the log,
the others keep their rows and positions, and what they show is right (the pause included).

The stores are those of `test_recorded_stores` (copied: a recorded store is never changed).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from adapters.bootstrap import build_service, open_store, read_models, read_side
from adapters.read_models import (
    PlanFilter,
    ReadModelDatabase,
    list_plans,
    open_read_model_database,
    plan_pause,
)
from adapters.read_models.database import PostgresSession, SqliteSession
from adapters.read_models.dialect import POSTGRES, SQLITE
from adapters.read_models.layout import LAYOUT_VERSION, read_layout
from adapters.read_models.schema import VERSION_TABLE
from adapters.read_models.tables import TRACKING_TABLE, all_tables
from adapters.settings import Settings
from adapters.store import parse_store_url
from tests.replay.test_recorded_stores import RELEASES, STORES, expected_of

PAUSE_COLUMNS = ("paused_by", "pause_reason", "paused_at")
"""The columns release 0.1.0's `plan_summary` did not have."""

OldStore = Callable[[str], Settings]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OldStore]:
    """Settings naming a fresh copy of a release's recorded store, on each backend."""
    server = str(request.getfixturevalue("postgres_available")) if request.param != "sqlite" else ""
    schemas: list[str] = []

    def copy(release: str) -> Settings:
        if not server:
            path = tmp_path / f"{release}.sqlite"
            shutil.copyfile(STORES / f"{release}.sqlite", path)
            return Settings(store_url=f"sqlite:///{path}")
        schema = f"upgraded_{uuid4().hex[:10]}"
        schemas.append(schema)
        dump = (STORES / f"{release}.postgres.sql").read_text()
        with psycopg.connect(server, autocommit=True) as db:
            db.execute(dump.replace("recorded_schema", schema).encode())
        return Settings(store_url=f"{server}?schema={schema}")

    yield copy
    for schema in schemas:
        with psycopg.connect(server, autocommit=True) as db:
            db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def backend_of(settings: Settings) -> str:
    return parse_store_url(settings.store_url).kind


def raw_database(settings: Settings) -> ReadModelDatabase:
    """The read-model database as it is on disk: opened without creating or upgrading."""
    config = parse_store_url(settings.store_url)
    if config.kind == "postgresql":
        conninfo, schema = str(config.conninfo), str(config.schema)
        return ReadModelDatabase(lambda: PostgresSession(conninfo, schema), POSTGRES, "raw")
    path = config.env["SQLITE_DBNAME"]
    return ReadModelDatabase(lambda: SqliteSession(path), SQLITE, "raw")


RELEASE_0_1_0_TABLES = frozenset(
    {"plan_summary", "plan_steps", "plan_data", "step_history", "audit_log", "tool_stats"}
)
"""The read-model tables release 0.1.0 wrote; later views (notebooks) start empty."""


def stored_rows(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """Every 0.1.0 read-model table's rows in 0.1.0's columns, and each tracking position."""
    database = raw_database(settings)
    try:
        with database.session() as session:
            rows = {
                spec.name: session.execute(
                    f"SELECT {', '.join(c for c in spec.column_names if c not in PAUSE_COLUMNS)} "
                    f"FROM {spec.name} ORDER BY {', '.join(spec.key)}"
                )
                for spec in all_tables()
                if spec.name in RELEASE_0_1_0_TABLES
            }
            rows[TRACKING_TABLE] = session.execute(
                f"SELECT name, position, last_error FROM {TRACKING_TABLE} "
                f"WHERE name IN ({', '.join(repr(name) for name in RELEASE_0_1_0_TABLES)}) "
                "ORDER BY name"
            )
            return rows
    finally:
        database.close()


def layout_of(settings: Settings) -> tuple[int, list[tuple[Any, ...]]]:
    database = raw_database(settings)
    try:
        with database.session() as session:
            layout = read_layout(session)
            versions = (
                session.execute(f"SELECT version FROM {VERSION_TABLE}")
                if VERSION_TABLE not in layout.missing
                else []
            )
            return layout.version, versions
    finally:
        database.close()


def paused_now(settings: Settings, plan_id: UUID) -> tuple[list[str], Any]:
    """What `plans list --status paused` lists, and what `plans show` says of the plan's pause."""
    with read_models(settings) as database:
        listed = list_plans(database, PlanFilter(status="paused")).plans
        return [plan["id"] for plan in listed], plan_pause(database, plan_id)


@pytest.mark.parametrize("release", RELEASES)
def test_an_old_database_is_upgraded_on_first_use_and_shows_the_same_rows_and_no_pause(
    release: str, old_store: OldStore
) -> None:
    settings = old_store(release)
    operated = UUID(
        expected_of(release, backend_of(settings))["operated_retry_and_skip"]["plan_id"]
    )
    written = stored_rows(settings)
    version_before, _ = layout_of(settings)

    listed, pause = paused_now(settings, operated)

    assert version_before == 1
    assert layout_of(settings) == (LAYOUT_VERSION, [(LAYOUT_VERSION,)])
    assert (listed, pause) == ([], None)
    assert stored_rows(settings) == written
    with read_models(settings) as database, database.session() as session:
        pause_columns = session.execute(f"SELECT {', '.join(PAUSE_COLUMNS)} FROM plan_summary")
    assert len(pause_columns) == len(written["plan_summary"])
    assert set(pause_columns) == {(None, None, None)}


@pytest.mark.parametrize("release", RELEASES)
def test_a_plan_paused_in_an_old_store_shows_as_paused_once_it_is_upgraded(
    release: str, old_store: OldStore
) -> None:
    settings = old_store(release)
    store = open_store(settings)
    try:
        service = build_service(settings, store)
        plan_id = service.create_plan(
            {
                "description": "held",
                "steps": [{"id": "a", "tool": "echo", "parameters": {"value": 1}}],
            },
            by="ann",
        )
        service.pause(plan_id, by="olga", reason="audit first")
        paused_at = service.get_plan(plan_id).paused_at
    finally:
        store.close()

    listed, pause = paused_now(settings, plan_id)

    assert listed == [str(plan_id)]
    assert pause is not None
    assert (pause["by"], pause["reason"]) == ("olga", "audit first")
    assert paused_at is not None
    assert pause["at"] == paused_at.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize("release", RELEASES)
def test_a_rebuild_after_the_upgrade_gives_the_rows_the_upgrade_gave(
    release: str, old_store: OldStore
) -> None:
    settings = old_store(release)
    with read_side(settings) as side:
        side.catch_up()
        upgraded = stored_rows(settings)

        reports = side.rebuild()

    assert all(report.failure is None for report in reports)
    assert stored_rows(settings) == upgraded


@pytest.mark.parametrize("release", RELEASES)
def test_processes_opening_an_old_database_at_once_upgrade_it_once(
    release: str, old_store: OldStore
) -> None:
    settings = old_store(release)
    written = stored_rows(settings)
    config = parse_store_url(settings.store_url)
    start = threading.Barrier(3)
    problems: list[BaseException] = []

    def open_it() -> None:
        try:
            start.wait(timeout=30)
            open_read_model_database(config).close()
        except BaseException as error:
            problems.append(error)

    openers = [threading.Thread(target=open_it) for _ in range(3)]
    for opener in openers:
        opener.start()
    for opener in openers:
        opener.join(timeout=120)

    assert problems == []
    assert layout_of(settings) == (LAYOUT_VERSION, [(LAYOUT_VERSION,)])
    assert stored_rows(settings) == written
