"""A plan shown at any version or moment is exactly the state the live run had then."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from adapters.store import LibraryEventStore
from adapters.time_travel import PointInHistory, parse_point, state_at
from core.domain.errors import NotInHistoryError, PlanNotFoundError
from core.domain.events import PlanEvent
from core.domain.plan import PlanState, evolve, fold
from core.domain.plan_view import plan_view
from core.domain.status import PlanStatus
from core.runtime.callbacks import Callbacks
from core.runtime.service import PlanService
from tests.integration.conftest import plan_spec, step
from tests.integration.store_backends import OnMemory, OnPostgres


class LiveStates:
    """Folds each event as the engine reports it, keeping a copy of the state per version."""

    def __init__(self, before_execution: list[PlanEvent]) -> None:
        self._lock = threading.Lock()
        self._state: PlanState | None = None
        self.by_version: dict[int, PlanState] = {}
        for event in before_execution:
            self(event)

    def __call__(self, event: PlanEvent) -> None:
        with self._lock:
            self._state = evolve(self._state, event)
            self.by_version[event.version] = copy.deepcopy(self._state)


def retried_and_failed_spec() -> dict[str, object]:
    """a, then b failing both its attempts, so c is skipped and the plan fails."""
    return plan_spec(
        step("a", parameters={"value": "first"}),
        step("b", "fail", depends_on=["a"], parameters={"times": 2}, max_retries=1),
        step("c", depends_on=["b"]),
    )


class TimeTravelContract:
    """Showing the past, against one backend; subclasses name the store."""

    @pytest.fixture
    def run(
        self, service: PlanService, make_service: Callable[..., PlanService]
    ) -> tuple[UUID, LiveStates]:
        plan_id = service.create_plan(retried_and_failed_spec(), by="alice")
        live = LiveStates(service.history(plan_id))
        final = make_service(callbacks=Callbacks(on_event=live)).execute(plan_id)
        assert final.status is PlanStatus.FAILED
        assert final.steps["b"].attempt == 2
        return plan_id, live

    def test_every_version_shows_the_state_the_live_run_had(
        self, store: LibraryEventStore, run: tuple[UUID, LiveStates]
    ) -> None:
        plan_id, live = run
        events = store.load(plan_id)
        assert sorted(live.by_version) == [event.version for event in events]

        for version, live_state in live.by_version.items():
            shown = state_at(store, plan_id, PointInHistory(version=version))

            assert shown == live_state, version
            assert shown == fold(events[:version]), version
            assert plan_view(shown) == plan_view(live_state), version

    def test_a_moment_shows_the_state_after_the_last_event_at_or_before_it(
        self, store: LibraryEventStore, run: tuple[UUID, LiveStates]
    ) -> None:
        plan_id, live = run
        events = store.load(plan_id)

        for event in events:
            expected = max(other.version for other in events if other.timestamp <= event.timestamp)
            shown = state_at(store, plan_id, PointInHistory(moment=event.timestamp))

            assert shown == live.by_version[expected], event.version

    def test_a_moment_after_the_last_event_shows_the_final_state(
        self, store: LibraryEventStore, run: tuple[UUID, LiveStates]
    ) -> None:
        plan_id, live = run
        last = store.load(plan_id)[-1]

        shown = state_at(
            store, plan_id, parse_point((last.timestamp + timedelta(days=1)).isoformat())
        )

        assert shown == live.by_version[last.version]

    def test_before_creation_or_beyond_the_last_version_there_is_no_state(
        self, store: LibraryEventStore, run: tuple[UUID, LiveStates]
    ) -> None:
        plan_id, live = run
        first = store.load(plan_id)[0]
        last_version = max(live.by_version)
        points = [
            PointInHistory(version=0),
            PointInHistory(version=last_version + 1),
            PointInHistory(moment=first.timestamp - timedelta(microseconds=1)),
        ]

        for point in points:
            with pytest.raises(NotInHistoryError):
                state_at(store, plan_id, point)

    def test_an_unknown_plan_is_not_found(self, store: LibraryEventStore) -> None:
        for point in (PointInHistory(version=1), parse_point("2025-01-01T00:00:00Z")):
            with pytest.raises(PlanNotFoundError):
                state_at(store, uuid4(), point)


class TestTimeTravelInMemory(OnMemory, TimeTravelContract):
    """On the in-memory store."""


class TestTimeTravelOnSqlite(TimeTravelContract):
    @pytest.fixture
    def store_url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'travel.db'}"


@pytest.mark.postgres
class TestTimeTravelOnPostgres(OnPostgres, TimeTravelContract):
    """On PostgreSQL, in a fresh schema."""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", PointInHistory(version=7)),
        ("0", PointInHistory(version=0)),
        ("2025-01-01T12:00:00Z", parse_point("2025-01-01T12:00:00+00:00")),
        ("2025-01-01T12:00:00", parse_point("2025-01-01T12:00:00+00:00")),
        ("2025-01-01T14:00:00+02:00", parse_point("2025-01-01T12:00:00+00:00")),
    ],
)
def test_a_point_is_a_version_or_an_iso_time_read_as_utc_when_it_has_no_zone(
    text: str, expected: PointInHistory
) -> None:
    assert parse_point(text) == expected


@pytest.mark.parametrize("text", ["", "-1", "yesterday", "v7"])
def test_anything_else_is_not_a_point(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_point(text)
