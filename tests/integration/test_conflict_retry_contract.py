"""Commands racing other writers on every backend: they win in the end, or give up by name."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import pytest

from adapters.store import LibraryEventStore
from core.domain.errors import ConcurrencyError, ConflictRetriesExhaustedError
from core.domain.events import PlanEvent, StepAdded
from core.runtime import conflict_retry
from core.runtime.service import PlanService
from tests.integration.conftest import plan_spec, step
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite

MakeService = Callable[..., PlanService]
WRITERS = 8
ADDS_EACH = 5


class RivalStore:
    """The real store, where a rival writer gets in first before each of the next `rounds` appends.

    The rival appends to the same plan through the real store, so each of those appends loses
    its race for real.
    """

    def __init__(self, store: LibraryEventStore, rival: PlanService, rounds: int) -> None:
        self._store = store
        self._rival = rival
        self.rounds = rounds
        self.appends = 0

    def load(self, plan_id: UUID, after_version: int = 0) -> list[PlanEvent]:
        return self._store.load(plan_id, after_version)

    def append(self, events: Sequence[PlanEvent]) -> None:
        self.appends += 1
        if self.rounds > 0 and events:
            self.rounds -= 1
            plan_id = events[0].originator_id
            self._rival.add_step(
                plan_id, step(f"rival-{self.appends}"), by="rival", reason="got there first"
            )
        self._store.append(events)


def waiting_plan(service: PlanService) -> UUID:
    return service.create_plan(plan_spec(step("a"), require_approval=True), by="alice")


def added_steps(service: PlanService, plan_id: UUID) -> list[str]:
    return [e.step.id for e in service.history(plan_id) if isinstance(e, StepAdded)]


class ConflictRetryContract:
    """Lost optimistic-concurrency races, on every store."""

    def test_a_command_that_loses_many_races_in_a_row_still_succeeds(
        self, store: LibraryEventStore, make_service: MakeService
    ) -> None:
        rival = make_service(worker="rival")
        plan_id = waiting_plan(rival)
        racing = RivalStore(store, rival, rounds=50)
        service = make_service(on=racing)

        service.add_step(plan_id, step("ours"), by="bob", reason="in the end")

        assert racing.appends == 51
        added = added_steps(service, plan_id)
        assert added[-1] == "ours"
        assert len(added) == 51

    def test_commands_of_many_writers_at_once_all_succeed_and_none_is_lost(
        self,
        store: LibraryEventStore,
        make_service: MakeService,
        reopen_store: Callable[[LibraryEventStore], LibraryEventStore],
    ) -> None:
        plan_id = waiting_plan(make_service())
        services = [make_service(on=reopen_store(store)) for _ in range(WRITERS)]
        together = threading.Barrier(WRITERS)

        def add_steps(index: int) -> None:
            together.wait(timeout=10)
            for n in range(ADDS_EACH):
                services[index].add_step(
                    plan_id, step(f"w{index}-{n}"), by=f"writer-{index}", reason="race"
                )

        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            list(pool.map(add_steps, range(WRITERS), timeout=60))

        added = added_steps(make_service(), plan_id)
        wanted = {f"w{index}-{n}" for index in range(WRITERS) for n in range(ADDS_EACH)}
        assert sorted(added) == sorted(wanted)

    def test_a_command_that_loses_every_race_gives_up_with_an_error_naming_the_plan(
        self, store: LibraryEventStore, make_service: MakeService, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(conflict_retry, "MAX_CONFLICT_ATTEMPTS", 5)
        rival = make_service(worker="rival")
        plan_id = waiting_plan(rival)
        service = make_service(on=RivalStore(store, rival, rounds=1_000_000))

        with pytest.raises(ConflictRetriesExhaustedError) as gave_up:
            service.add_step(plan_id, step("ours"), by="bob", reason="never")

        assert isinstance(gave_up.value, ConcurrencyError)
        assert gave_up.value.plan_id == plan_id
        assert gave_up.value.attempts == 5
        assert str(plan_id) in str(gave_up.value)
        assert "ours" not in added_steps(rival, plan_id)


class TestConflictRetryOnMemory(OnMemory, ConflictRetryContract):
    """On the in-memory store."""


class TestConflictRetryOnSqlite(OnSqlite, ConflictRetryContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestConflictRetryOnPostgres(OnPostgres, ConflictRetryContract):
    """On PostgreSQL, in a fresh schema."""
