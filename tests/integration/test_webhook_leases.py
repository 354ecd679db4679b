"""Webhook leases on real SQLite and PostgreSQL: one holder at a time, and a server that lost its
lease writes nothing.

Two `Subscriptions` on one database stand for two servers; lease times are the database's, so
the tests wait for a lease to lapse rather than move a clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from adapters.read_models import ReadModelDatabase, open_read_model_database
from adapters.store import parse_store_url
from adapters.webhooks import Attempt, Lease, Subscription, Subscriptions
from tests.integration.conftest import wait_until
from tests.integration.store_backends import OnPostgres, OnSqlite

SHORT = 0.3
LONG = 60.0
NOW = datetime(2026, 1, 1, tzinfo=UTC)
DELIVERED = Attempt(NOW, 204, None, 5)
REFUSED = Attempt(NOW, 500, None, 5)


def no_backoff(failures: int) -> timedelta:
    return timedelta(0)


class LeaseContract:
    @pytest.fixture
    def database(self, store_url: str) -> Iterator[ReadModelDatabase]:
        database = open_read_model_database(parse_store_url(store_url))
        yield database
        database.close()

    @pytest.fixture
    def subscriptions(self, database: ReadModelDatabase) -> Subscriptions:
        subscriptions = Subscriptions(database)
        subscriptions.add(Subscription("sub", "http://127.0.0.1:9/", (), None, 0, None), "t", NOW)
        return subscriptions

    def test_a_live_lease_is_refused_to_another_server_and_renewed_by_its_holder(
        self, subscriptions: Subscriptions
    ) -> None:
        first, second = Lease("a", LONG), Lease("b", LONG)

        claimed = subscriptions.claim("sub", first)

        assert claimed is not None
        assert claimed.position == 0
        assert subscriptions.claim("sub", second) is None
        assert subscriptions.claim("sub", first) is not None
        assert subscriptions.renew("sub", first)
        assert not subscriptions.renew("sub", second)
        [listed] = subscriptions.listing()
        assert listed["lease"]["holder"] == "a"

    def test_a_server_that_lost_its_lease_moves_no_position_and_records_no_attempt(
        self, subscriptions: Subscriptions
    ) -> None:
        stalled, successor = Lease("a", SHORT), Lease("b", LONG)
        assert subscriptions.claim("sub", stalled) is not None

        wait_until(
            lambda: subscriptions.claim("sub", successor) is not None,
            timeout=10,
            what="the stalled server's lease to lapse",
        )
        late = subscriptions.record_attempt(
            Subscription("sub", "", (), None, 0, None),
            7,
            "sub-7",
            ("StepCompleted", "p"),
            DELIVERED,
            stalled,
            no_backoff,
        )
        moved = subscriptions.advance("sub", 9, stalled)

        assert not late
        assert not moved
        [current] = subscriptions.live()
        assert current.position == 0
        assert subscriptions.deliveries("sub", 0, 10) == []
        assert not subscriptions.renew("sub", stalled)
        assert subscriptions.advance("sub", 3, successor)
        assert subscriptions.live()[0].position == 3

    def test_the_back_off_follows_the_attempts_recorded_for_the_event_not_the_server(
        self, subscriptions: Subscriptions
    ) -> None:
        lease = Lease("a", LONG)
        assert subscriptions.claim("sub", lease) is not None
        waits: list[int] = []

        def backoff(failures: int) -> timedelta:
            waits.append(failures)
            return timedelta(seconds=failures)

        for _ in range(3):
            assert subscriptions.record_attempt(
                Subscription("sub", "", (), None, 0, None),
                4,
                "sub-4",
                ("StepCompleted", "p"),
                REFUSED,
                lease,
                backoff,
            )

        assert waits == [1, 2, 3]
        assert subscriptions.live()[0].next_attempt_at == NOW + timedelta(seconds=3)

    def test_a_released_lease_is_free_at_once(self, subscriptions: Subscriptions) -> None:
        assert subscriptions.claim("sub", Lease("a", LONG)) is not None

        subscriptions.release("a")

        assert subscriptions.claim("sub", Lease("b", LONG)) is not None

    def test_a_store_an_earlier_release_wrote_gains_the_lease_table_when_a_server_starts(
        self, database: ReadModelDatabase, subscriptions: Subscriptions
    ) -> None:
        with database.session() as session:
            session.execute("DROP TABLE webhook_leases")

        started = Subscriptions(database)

        claimed = started.claim("sub", Lease("a", LONG))
        assert claimed is not None
        assert claimed.id == "sub"


class TestLeasesOnSqlite(OnSqlite, LeaseContract):
    pass


class TestLeasesOnPostgres(OnPostgres, LeaseContract):
    pass
