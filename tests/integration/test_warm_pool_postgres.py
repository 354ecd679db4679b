"""The PostgreSQL store's pool hands a sequential writer the connection it returned last.

psycopg_pool's own order is first in, first out: every append would wake the next idle backend
in turn. The warm-first pool (`adapters.store.warm_pool`) keeps one writer on one backend, and
still hands out other connections when that one is taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.store import LibraryEventStore, open_event_store, parse_store_url
from adapters.store.warm_pool import WarmFirstConnectionPool

pytestmark = pytest.mark.postgres


@pytest.fixture
def store(postgres_url: str) -> Iterator[LibraryEventStore]:
    opened = open_event_store(parse_store_url(postgres_url), {"POSTGRES_POOL_SIZE": "3"})
    yield opened
    opened.close()


def backend_pid(store: LibraryEventStore) -> Any:
    with store.application.recorder.datastore.get_connection() as connection:  # type: ignore[attr-defined]
        return connection.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"]


def test_the_store_pool_is_warm_first(store: LibraryEventStore) -> None:
    pool = store.application.recorder.datastore.pool  # type: ignore[attr-defined]
    assert isinstance(pool, WarmFirstConnectionPool)


def test_sequential_checkouts_stay_on_one_backend(store: LibraryEventStore) -> None:
    pool = store.application.recorder.datastore.pool  # type: ignore[attr-defined]
    pool.wait(timeout=10)
    assert pool.get_stats()["pool_available"] >= 2, "the test needs idle connections to choose from"

    pids = {backend_pid(store) for _ in range(10)}

    assert len(pids) == 1, pids


def test_a_taken_connection_leaves_the_others_to_other_callers(store: LibraryEventStore) -> None:
    datastore = store.application.recorder.datastore  # type: ignore[attr-defined]
    datastore.pool.wait(timeout=10)
    with datastore.get_connection() as held:
        held_pid = held.execute("SELECT pg_backend_pid() AS pid").fetchone()["pid"]
        other_pid = backend_pid(store)

    assert other_pid != held_pid
