"""Whole stores written by an earlier release must keep loading, folding and verifying, forever.

`stores/<release>.sqlite` is an SQLite store file and `stores/<release>.postgres.sql` a dump of
a PostgreSQL schema, both written by `scripts/record_store.py` with that release's code (read
models included); `<release>.expected.json` is each plan as that release folded it. Never
rewrite them to make a test pass: a moved or changed event class needs a topic alias or an
upcaster instead.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import orjson
import psycopg
import pytest

from adapters.audit.verifier import verify_store
from adapters.bootstrap import catch_up_read_models, open_store, read_models
from adapters.read_models import plan_heads
from adapters.settings import Settings
from adapters.store import LibraryEventStore
from core.domain.plan import fold
from core.domain.plan_view import plan_view

STORES = Path(__file__).parent / "stores"
RELEASES = sorted(path.name.removesuffix(".expected.json") for path in STORES.glob("*.json"))


def expected_of(release: str, backend: str) -> dict[str, Any]:
    expected: dict[str, Any] = orjson.loads((STORES / f"{release}.expected.json").read_bytes())
    return expected[backend]


def check_store(store: LibraryEventStore, settings: Settings, expected: dict[str, Any]) -> None:
    for name, plan in expected.items():
        events = store.load(UUID(plan["plan_id"]))
        assert plan_view(fold(events)) == plan["view"], name
    report = verify_store(store)
    assert report.verified, report.to_json()
    assert report.plans_checked >= len(expected)  # fork sources and sub-plans besides
    catch_up_read_models(settings, store)
    with read_models(settings) as database:
        heads = plan_heads(database)
    for plan in expected.values():
        assert heads[UUID(plan["plan_id"])][0] == plan["view"]["version"]


def test_there_are_recorded_stores() -> None:
    assert RELEASES


@pytest.mark.parametrize("release", RELEASES)
def test_a_recorded_sqlite_store_loads_folds_and_verifies(release: str, tmp_path: Path) -> None:
    copy = tmp_path / "store.sqlite"
    shutil.copyfile(STORES / f"{release}.sqlite", copy)
    settings = Settings(store_url=f"sqlite:///{copy}")

    store = open_store(settings)
    try:
        check_store(store, settings, expected_of(release, "sqlite"))
    finally:
        store.close()


@pytest.fixture
def restored_schema(postgres_available: str) -> Iterator[str]:
    """A fresh schema name; dropped afterwards."""
    schema = f"restored_{uuid4().hex[:10]}"
    yield schema
    with psycopg.connect(postgres_available, autocommit=True) as db:
        db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.mark.postgres
@pytest.mark.parametrize("release", RELEASES)
def test_a_recorded_postgres_schema_loads_folds_and_verifies(
    release: str, postgres_available: str, restored_schema: str
) -> None:
    dump = (STORES / f"{release}.postgres.sql").read_text()
    with psycopg.connect(postgres_available, autocommit=True) as db:
        db.execute(dump.replace("recorded_schema", restored_schema).encode())
    settings = Settings(store_url=f"{postgres_available}?schema={restored_schema}")

    store = open_store(settings)
    try:
        check_store(store, settings, expected_of(release, "postgresql"))
    finally:
        store.close()
