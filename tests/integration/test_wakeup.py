"""The one wake-up: LISTEN/NOTIFY on PostgreSQL (reconnect, backlog drain), polling elsewhere."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from adapters.bootstrap import store_wakeup
from adapters.settings import Settings
from adapters.store import LibraryEventStore, ListenWakeup, PollingWakeup
from adapters.store.wakeup import APPLICATION_NAME, POLL_INTERVAL_S
from core.runtime.service import PlanService
from tests.integration.conftest import open_store, plan_spec, step

BACKLOG = 3000
"""More notifications than the client reads from its socket at once."""
QUIET_S = 0.3
"""How long a wait with nothing committed is given to show that it does not wake."""
LONG_S = 10.0
"""A wait that must wake: were it to reach this timeout instead, it returns False."""


@pytest.fixture
def store_url(postgres_url: str) -> str:
    return postgres_url


@pytest.fixture
def channel() -> str:
    """A channel of this test's own, for waits that must stay quiet.

    Every store of a database NOTIFYs `planledger_events`, and other tests (other people's
    too) commit to the shared database meanwhile.
    """
    return f"wakeup_test_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def listening(postgres_available: str, channel: str) -> Iterator[ListenWakeup]:
    with ListenWakeup(postgres_available, channel) as wakeup:
        yield wakeup


def notify(dsn: str, channel: str, times: int = 1) -> None:
    """Commit `times` transactions that each NOTIFY `channel`, as every append does."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        for index in range(times):
            connection.execute("SELECT pg_notify(%s, %s)", (channel, str(index)))


def listener_pids(dsn: str, channel: str) -> list[int]:
    """The backends of planledger wakeups that listen on `channel`."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        listen = sql.SQL("LISTEN {}").format(sql.Identifier(channel)).as_string(connection)
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND query = %s",
            (APPLICATION_NAME, listen),
        ).fetchall()
    return [row[0] for row in rows]


@pytest.mark.postgres
def test_the_bootstrap_wakeup_of_a_postgres_store_wakes_when_events_are_committed(
    store_url: str, store: LibraryEventStore, service: PlanService
) -> None:
    stop = threading.Event()
    with store_wakeup(Settings(store_url=store_url), store)() as wakeup:
        listening_from_here = wakeup.wait(stop, LONG_S)  # a new listener looks once
        service.create_plan(plan_spec(step("a")), by="tester")
        woken = wakeup.wait(stop, LONG_S)

    assert isinstance(wakeup, ListenWakeup)
    assert listening_from_here
    assert woken


@pytest.mark.postgres
def test_a_wakeup_whose_connection_was_terminated_listens_again_and_wakes_on_the_next_commit(
    postgres_available: str, channel: str, listening: ListenWakeup
) -> None:
    stop = threading.Event()
    assert listening.wait(stop, LONG_S)  # a new listener looks once: nobody listened before
    pids = listener_pids(postgres_available, channel)
    assert len(pids) == 1

    with psycopg.connect(postgres_available, autocommit=True) as connection:
        connection.execute("SELECT pg_terminate_backend(%s)", (pids[0],))
    notify(postgres_available, channel)  # committed while nobody listens
    noticed_the_loss = listening.wait(stop, LONG_S)
    listening_again = listening.wait(stop, LONG_S)
    new_pids = listener_pids(postgres_available, channel)
    quiet = listening.wait(stop, QUIET_S)
    notify(postgres_available, channel)
    woken = listening.wait(stop, LONG_S)

    assert noticed_the_loss
    assert listening_again
    assert len(new_pids) == 1
    assert new_pids != pids
    assert not quiet
    assert woken


@pytest.mark.postgres
def test_one_wait_consumes_a_backlog_of_many_notifications(
    postgres_available: str, channel: str, listening: ListenWakeup
) -> None:
    stop = threading.Event()
    assert listening.wait(stop, LONG_S)  # listening from here on
    with psycopg.connect(postgres_available, autocommit=True) as probe:
        probe.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))

        notify(postgres_available, channel, BACKLOG)
        # once a second listener has all of them, the wakeup's server side has sent them too
        delivered = sum(1 for _ in probe.notifies(timeout=LONG_S, stop_after=BACKLOG))

    woken = listening.wait(stop, LONG_S)
    again = listening.wait(stop, QUIET_S)

    assert delivered == BACKLOG
    assert woken
    assert not again


@pytest.mark.postgres
def test_a_listening_wait_returns_false_once_stop_is_set(listening: ListenWakeup) -> None:
    stop = threading.Event()
    assert listening.wait(stop, LONG_S)
    stop.set()

    assert not listening.wait(stop, LONG_S)


def test_the_bootstrap_gives_a_sqlite_store_a_wakeup_polling_at_the_configured_interval(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    settings = Settings.from_env({"PLANLEDGER_STORE": url, "PLANLEDGER_WAKEUP_POLL_S": "0.01"})
    opened = open_store(url)
    try:
        wakeup = store_wakeup(settings, opened)()
    finally:
        opened.close()

    assert settings.wakeup_poll_s == 0.01
    assert Settings.from_env({}).wakeup_poll_s == POLL_INTERVAL_S
    assert isinstance(wakeup, PollingWakeup)
    with wakeup:
        assert wakeup.wait(threading.Event(), LONG_S)


def test_a_polling_wakeup_wakes_each_interval_and_not_after_stop_or_a_shorter_timeout() -> None:
    wakeup = PollingWakeup(0.01)
    stop = threading.Event()

    polled = wakeup.wait(stop, LONG_S)
    short = wakeup.wait(stop, 0.0)
    stop.set()
    stopped = wakeup.wait(stop, LONG_S)

    assert polled
    assert not short
    assert not stopped
