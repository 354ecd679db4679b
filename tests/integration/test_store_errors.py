"""The store adapter's boundary: library errors become core errors, and store URLs are checked."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    PersistenceError,
)

from adapters.store import open_event_store, parse_store_url
from adapters.store.library_errors import TRANSLATED, translated_errors
from core.domain.errors import ConcurrencyError, InvalidStoreUrlError, StoreUnavailableError


def library_errors() -> list[type[Exception]]:
    """Every persistence error the library defines, plus psycopg's connection failure."""
    found: list[type[Exception]] = []
    pending: list[type[Exception]] = [PersistenceError]
    while pending:
        error = pending.pop()
        found.append(error)
        pending.extend(error.__subclasses__())
    return [*sorted(set(found), key=lambda error: error.__name__), psycopg.OperationalError]


def test_the_translation_table_names_a_core_error_for_each_library_error_family() -> None:
    assert TRANSLATED[IntegrityError] is ConcurrencyError
    assert TRANSLATED[OperationalError] is StoreUnavailableError
    assert TRANSLATED[InterfaceError] is StoreUnavailableError
    assert TRANSLATED[PersistenceError] is StoreUnavailableError


@pytest.mark.parametrize("library_error", library_errors(), ids=lambda error: error.__name__)
def test_every_library_error_is_raised_as_the_core_error_the_table_names(
    library_error: type[Exception],
) -> None:
    expected = next(TRANSLATED[kind] for kind in library_error.__mro__ if kind in TRANSLATED)
    plan_id = uuid.uuid4()

    with pytest.raises(expected) as raised, translated_errors("sqlite:///x.db", plan_id, 7):
        raise library_error("connection lost\nsecond line")

    assert raised.value.__suppress_context__
    if isinstance(raised.value, ConcurrencyError):
        assert (raised.value.plan_id, raised.value.version) == (plan_id, 7)
    else:
        assert isinstance(raised.value, StoreUnavailableError)
        assert (raised.value.store, raised.value.reason) == ("sqlite:///x.db", "connection lost")


def test_memory_sqlite_and_postgresql_urls_are_accepted(tmp_path: Path) -> None:
    memory = parse_store_url("memory://")
    relative = parse_store_url("sqlite:///planledger.db")
    absolute = parse_store_url(f"sqlite:///{tmp_path / 'x.db'}")
    postgres = parse_store_url("postgresql://bob:s%40cret@db.example:6543/plans?schema=ledger")
    alias = parse_store_url("postgres://db.example/plans")

    assert memory.kind == "memory"
    assert memory.env["PERSISTENCE_MODULE"] == "eventsourcing.popo"
    assert (relative.kind, relative.env["SQLITE_DBNAME"]) == ("sqlite", "planledger.db")
    assert absolute.env["SQLITE_DBNAME"] == str(tmp_path / "x.db")
    assert postgres.kind == "postgresql"
    assert {key: postgres.env[key] for key in ("POSTGRES_HOST", "POSTGRES_PORT")} == {
        "POSTGRES_HOST": "db.example",
        "POSTGRES_PORT": "6543",
    }
    assert postgres.env["POSTGRES_DBNAME"] == "plans"
    assert postgres.env["POSTGRES_USER"] == "bob"
    assert postgres.env["POSTGRES_PASSWORD"] == "s@cret"
    assert postgres.schema == "ledger"
    assert "s@cret" not in postgres.display
    assert (alias.kind, alias.schema, alias.env["POSTGRES_PORT"]) == (
        "postgresql",
        "public",
        "5432",
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mysql://bob@db.example/plans", "expected sqlite:///PATH"),
        ("memory:", "expected sqlite:///PATH"),
        ("sqlite://db.example/plans.db", "has no host"),
        ("sqlite:///", "needs a file path"),
        ("sqlite:///{tmp}/missing/plans.db", "does not exist"),
        ("postgresql://bob@db.example/", "needs a database name"),
        ("postgresql://bob@db.example:port/plans", "port"),
        ("postgresql://bob@db.example:99999/plans", "port"),
        ("postgresql://bob@db.example/plans?sslmode=require", "unknown parameter(s): sslmode"),
        ("postgresql://bob@db.example/plans?schema=a-b", "not a plain identifier"),
    ],
)
def test_a_bad_store_url_is_refused_with_its_reason(url: str, reason: str, tmp_path: Path) -> None:
    url = url.replace("{tmp}", str(tmp_path))

    with pytest.raises(InvalidStoreUrlError) as raised:
        parse_store_url(url)

    assert raised.value.url == url
    assert reason in raised.value.reason
    assert reason in str(raised.value)


def test_an_unreachable_postgresql_server_raises_store_unavailable() -> None:
    config = parse_store_url("postgresql://postgres@127.0.0.1:1/test")

    with pytest.raises(StoreUnavailableError) as raised:
        open_event_store(config)

    assert raised.value.store == config.display
    assert raised.value.reason
