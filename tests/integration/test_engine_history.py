"""Callbacks, the history round trip of every event type, and store errors; on every backend."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from adapters.store import LibraryEventStore
from core.domain.errors import ConcurrencyError, PlanNotFoundError
from core.domain.events import (
    EVENT_TYPES,
    PlanApproved,
    PlanCompleted,
    PlanEvent,
    StepCompleted,
    StepFailed,
    StepStarted,
)
from core.domain.status import PlanStatus
from core.runtime.callbacks import Callbacks
from core.runtime.service import PlanService
from tests.integration.conftest import RandomIds, SystemClock, ToolBench, plan_spec, step
from tests.integration.engine_contract_support import MakeService, RecordingStore, events_of
from tests.integration.notebook_scenarios import every_notebook_call
from tests.integration.plans_of_each_kind import run_one_plan_of_each_kind
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite


class HistoryContract:
    """Every backend gives back the history it was given and fails loudly on bad reads, writes."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    def test_callbacks_are_called_with_the_recorded_events(
        self, make_service: MakeService, bench: ToolBench
    ) -> None:
        seen: dict[str, list[PlanEvent]] = {"start": [], "complete": [], "failed": [], "plan": []}
        callbacks = Callbacks(
            on_step_start=seen["start"].append,
            on_step_complete=seen["complete"].append,
            on_step_failed=seen["failed"].append,
            on_plan_complete=seen["plan"].append,
        )
        service = make_service(callbacks=callbacks)
        spec = plan_spec(
            step("flaky", tool="fail", parameters={"times": 1}, max_retries=1),
            step("after", depends_on=["flaky"]),
        )

        plan = service.run(spec, by="alice")

        history = service.history(plan.plan_id)
        assert plan.status is PlanStatus.COMPLETED
        assert seen["start"] == events_of(history, StepStarted)
        assert len(seen["start"]) == 3
        assert seen["complete"] == events_of(history, StepCompleted)
        assert seen["failed"] == events_of(history, StepFailed)
        assert seen["plan"] == events_of(history, PlanCompleted)
        assert len(seen["plan"]) == 1

    def test_history_round_trips_every_event_type_through_the_store(
        self,
        make_service: MakeService,
        store: LibraryEventStore,
        reopen_store: Callable[[LibraryEventStore], LibraryEventStore],
        clock: SystemClock,
    ) -> None:
        recording = RecordingStore(store)
        service = make_service(on=recording)
        plan_ids = run_one_plan_of_each_kind(service, recording, clock)
        plan_ids.append(every_notebook_call(recording, clock, RandomIds()))

        again = reopen_store(store)

        recorded_types = {type(event) for event in recording.appended}
        assert recorded_types == set(EVENT_TYPES)
        for plan_id in plan_ids:
            written = [event for event in recording.appended if event.plan_id == plan_id]
            loaded = again.load(plan_id)
            assert [type(event) for event in loaded] == [type(event) for event in written]
            assert [event.model_dump() for event in loaded] == [
                event.model_dump() for event in written
            ]

    # -- errors --------------------------------------------------------------------------------

    def test_an_unknown_plan_id_raises_plan_not_found(self, service: PlanService) -> None:
        unknown = uuid.uuid4()

        with pytest.raises(PlanNotFoundError) as raised:
            service.get_plan(unknown)

        assert raised.value.plan_id == unknown
        with pytest.raises(PlanNotFoundError):
            service.execute(unknown)
        with pytest.raises(PlanNotFoundError):
            service.approve(unknown, by="bob")

    def test_an_append_at_a_taken_version_raises_a_conflict_and_writes_nothing(
        self, service: PlanService, store: LibraryEventStore, clock: SystemClock
    ) -> None:
        plan_id = service.create_plan(plan_spec(step("a"), require_approval=True), by="alice")
        before = [event.model_dump() for event in store.load(plan_id)]
        next_version = len(before) + 1

        def approval(version: int) -> PlanApproved:
            return PlanApproved(
                originator_id=plan_id,
                originator_version=version,
                timestamp=clock.now(),
                actor="bob",
                correlation_id=uuid.uuid4(),
                by="bob",
            )

        with pytest.raises(ConcurrencyError) as raised:
            store.append([approval(2)])
        with pytest.raises(ConcurrencyError):
            store.append([approval(next_version), approval(2)])

        assert raised.value.plan_id == plan_id
        assert [event.model_dump() for event in store.load(plan_id)] == before


class TestHistoryOnMemory(OnMemory, HistoryContract):
    """On the in-memory store."""


class TestHistoryOnSqlite(OnSqlite, HistoryContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestHistoryOnPostgres(OnPostgres, HistoryContract):
    """On PostgreSQL, in a fresh schema."""
