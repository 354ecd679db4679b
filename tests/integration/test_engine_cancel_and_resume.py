"""Cancelling from another thread, resuming after a crash, and write conflicts; on every backend."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest

from adapters.store import LibraryEventStore
from core.domain.decisions import apply_decisions
from core.domain.events import (
    PlanEvent,
    PlanResumed,
    StepCompleted,
    StepFailed,
    StepInterrupted,
    StepStarted,
    StepTimedOut,
)
from core.domain.plan import fold
from core.domain.scheduler import TimeOutStep
from core.domain.status import PlanStatus, StepStatus
from core.runtime.callbacks import Callbacks
from core.runtime.service import PlanService
from tests.integration.conftest import SystemClock, ToolBench, plan_spec, step, wait_until
from tests.integration.engine_contract_support import (
    InterferingStore,
    MakeService,
    crash_while_running,
    events_of,
    in_background,
)
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite


class CancelAndResumeContract:
    """Every backend cancels, resumes and survives a concurrent writer the same way."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    def test_a_plan_cancelled_from_another_thread_stops_its_running_tool(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(step("slow", tool="block"), step("next", depends_on=["slow"]))
        plan_id = service.create_plan(spec, by="alice")
        running = in_background(lambda: service.execute(plan_id))
        wait_until(lambda: bench.has_started("slow"), what="slow to start")

        service.cancel(plan_id, by="carol", reason="changed my mind")
        plan = running.result(timeout=10)

        assert plan.status is PlanStatus.CANCELLED
        assert plan.cancelled_by == "carol"
        assert plan.steps["slow"].status is StepStatus.CANCELLED
        assert plan.steps["next"].status is StepStatus.SKIPPED
        wait_until(lambda: bench.ended_by.get(("slow", 1)) == "cancelled", what="tool to stop")
        assert not bench.has_started("next")

    def test_resume_reruns_an_idempotent_step_left_running_and_never_a_completed_one(
        self, service: PlanService, store: LibraryEventStore, bench: ToolBench, clock: SystemClock
    ) -> None:
        spec = plan_spec(step("fetch"), step("sync"), step("report", depends_on=["fetch", "sync"]))
        plan_id = service.create_plan(spec, by="alice")
        left_running = crash_while_running(service, store, plan_id, clock, completed=["fetch"])
        assert left_running == ["sync"]

        plan = service.resume(plan_id, by="ops")

        assert plan.status is PlanStatus.COMPLETED
        assert plan.steps["fetch"].result == {"run": "earlier"}
        history = service.history(plan_id)
        [resumed] = events_of(history, PlanResumed)
        assert resumed.interrupted_steps == ("sync",)
        [interrupted] = events_of(history, StepInterrupted, "sync")
        assert (interrupted.attempt, interrupted.worker) == (1, "w-dead")
        starts = [
            (event.attempt, event.worker) for event in events_of(history, StepStarted, "sync")
        ]
        assert starts == [(1, "w-dead"), (2, "w-1")]
        assert bench.call_counts() == {("sync", 2): 1, ("report", 1): 1}

    def test_a_non_idempotent_step_left_running_by_a_crash_fails_as_interrupted(
        self, service: PlanService, store: LibraryEventStore, bench: ToolBench, clock: SystemClock
    ) -> None:
        spec = plan_spec(
            step("charge", idempotent=False, max_retries=3), step("receipt", depends_on=["charge"])
        )
        plan_id = service.create_plan(spec, by="alice")
        crash_while_running(service, store, plan_id, clock)

        plan = service.resume(plan_id, by="ops")

        assert plan.status is PlanStatus.FAILED
        [failed] = events_of(service.history(plan_id), StepFailed, "charge")
        assert (failed.attempt, failed.error_type, failed.will_retry) == (1, "interrupted", False)
        assert plan.steps["receipt"].status is StepStatus.SKIPPED
        assert bench.calls == []

    def test_events_another_writer_appended_first_still_reach_the_engine_after_a_conflict(
        self,
        make_service: MakeService,
        store: LibraryEventStore,
        bench: ToolBench,
        clock: SystemClock,
    ) -> None:
        def time_out_slow_first(batch: Sequence[PlanEvent]) -> None:
            # the other writer times out a call that has begun, so the engine has one to stop
            wait_until(lambda: bench.has_started("slow"), timeout=30, what="slow to start")
            plan = fold(store.load(batch[0].plan_id))
            timeout = TimeOutStep("slow", 1, 100, 100, None)
            store.append(
                apply_decisions(
                    plan, [timeout], now=clock.now(), worker="w-2", correlation_id=uuid.uuid4()
                )
            )

        seen: list[PlanEvent] = []
        slow_told_to_stop_by_the_end: list[bool] = []
        callbacks = Callbacks(
            on_event=seen.append,
            on_plan_complete=lambda _: slow_told_to_stop_by_the_end.append(
                bench.contexts[("slow", 1)].cancelled.is_set()
            ),
        )
        interfering = InterferingStore(
            store, before=("fast", StepCompleted), do=time_out_slow_first
        )
        service = make_service(on=interfering, callbacks=callbacks)
        spec = plan_spec(
            step("slow", tool="block"),
            step("fast"),
            step("after-fast", depends_on=["fast"]),
            continue_on_error=True,
        )

        plan = service.run(spec, by="alice")

        assert interfering.interfered
        assert plan.status is PlanStatus.PARTIAL
        assert [event.step_id for event in events_of(seen, StepTimedOut)] == ["slow"]
        assert slow_told_to_stop_by_the_end == [True]


class TestCancelAndResumeOnMemory(OnMemory, CancelAndResumeContract):
    """On the in-memory store."""


class TestCancelAndResumeOnSqlite(OnSqlite, CancelAndResumeContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestCancelAndResumeOnPostgres(OnPostgres, CancelAndResumeContract):
    """On PostgreSQL, in a fresh schema."""
