"""Operator controls through `PlanService` on every store: memory, a SQLite file, PostgreSQL."""

from __future__ import annotations

import pytest

from adapters.store import LibraryEventStore
from core.domain.errors import InvalidStepTransitionError, InvalidTransitionError, StepNotFoundError
from core.domain.events import (
    PlanPaused,
    PlanReopened,
    PlanUnpaused,
    StepRetryRequested,
    StepSkippedByOperator,
    StepStarted,
)
from core.domain.status import PlanStatus, StepStatus
from core.runtime.service import PlanService
from tests.integration.conftest import ToolBench, plan_spec, step, wait_until
from tests.integration.engine_contract_support import events_of, in_background
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite


class OperatorContract:
    """What every store backend must give the operator controls."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    def test_a_paused_run_finishes_its_running_step_starts_nothing_then_goes_on_once_unpaused(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("slow", tool="block", parameters={"gate": "go"}), step("next", depends_on=["slow"])
        )
        plan_id = service.create_plan(spec, by="alice")
        running = in_background(lambda: service.execute(plan_id))
        wait_until(lambda: bench.has_started("slow"), what="slow to start")

        service.pause(plan_id, by="olga", reason="freeze")
        bench.gate("go").set()
        wait_until(
            lambda: service.get_plan(plan_id).steps["slow"].status is StepStatus.COMPLETED,
            what="the running step to be recorded",
        )
        held = service.get_plan(plan_id)
        service.unpause(plan_id, by="olga", reason="thaw")
        plan = running.result(timeout=10)

        assert held.paused
        assert held.steps["next"].status is StepStatus.PENDING
        assert plan.status is PlanStatus.COMPLETED
        history = service.history(plan_id)
        [paused] = events_of(history, PlanPaused)
        [unpaused] = events_of(history, PlanUnpaused)
        [started_next] = events_of(history, StepStarted, "next")
        assert (paused.by, paused.reason) == ("olga", "freeze")
        assert paused.version < unpaused.version < started_next.version

    def test_an_engine_told_to_leave_a_paused_plan_returns_it_once_its_calls_ended(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(step("a"), step("b", depends_on=["a"]))
        plan_id = service.create_plan(spec, by="alice")
        service.pause(plan_id, by="olga", reason="not yet")

        plan = service.execute(plan_id, leave_when_paused=True)

        assert plan.status is PlanStatus.APPROVED
        assert plan.paused
        assert bench.calls == []

    def test_a_retry_reopens_the_failed_plan_and_reruns_only_the_step_and_what_it_skipped(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("ok"),
            step("flaky", tool="fail", parameters={"times": 1}, depends_on=["ok"]),
            step("after", depends_on=["flaky"]),
            step("last", depends_on=["after"]),
        )
        failed = service.run(spec, by="alice")
        assert failed.status is PlanStatus.FAILED

        retried = service.retry(failed.plan_id, "flaky", by="olga", reason="flaky network")
        plan = service.resume(failed.plan_id, by="olga")

        assert retried.status is PlanStatus.EXECUTING
        assert plan.status is PlanStatus.COMPLETED
        assert bench.call_counts() == {
            ("ok", 1): 1,
            ("flaky", 1): 1,
            ("flaky", 2): 1,
            ("after", 1): 1,
            ("last", 1): 1,
        }
        history = service.history(failed.plan_id)
        [reopened] = events_of(history, PlanReopened)
        [retry] = events_of(history, StepRetryRequested)
        assert (reopened.by, retry.by, retry.reason) == ("olga", "olga", "flaky network")
        assert retry.reopened_steps == ("after", "last")

    def test_a_skip_of_a_failed_step_lets_its_dependants_run(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("broken", tool="fail", parameters={"times": 9}),
            step("after", depends_on=["broken"]),
        )
        failed = service.run(spec, by="alice")

        service.skip(failed.plan_id, "broken", by="olga", reason="known issue")
        plan = service.execute(failed.plan_id)

        assert plan.status is PlanStatus.COMPLETED
        assert plan.steps["broken"].status is StepStatus.SKIPPED
        assert plan.steps["broken"].skip_reason == "skipped by olga: known issue"
        assert bench.call_counts() == {("broken", 1): 1, ("after", 1): 1}
        [skip] = events_of(service.history(failed.plan_id), StepSkippedByOperator)
        assert skip.reopened_steps == ("after",)

    def test_commands_that_do_not_fit_raise_and_write_nothing(
        self, service: PlanService, store: LibraryEventStore
    ) -> None:
        done = service.run(plan_spec(step("a")), by="alice")
        plan_id = done.plan_id
        before = len(store.load(plan_id))

        with pytest.raises(InvalidTransitionError, match=r"cannot pause .*: it is completed"):
            service.pause(plan_id, by="olga", reason="x")
        with pytest.raises(InvalidTransitionError, match=r"cannot unpause .*: it is completed"):
            service.unpause(plan_id, by="olga")
        with pytest.raises(InvalidTransitionError, match="cannot retry a step of"):
            service.retry(plan_id, "a", by="olga")
        with pytest.raises(InvalidTransitionError, match="cannot skip a step of"):
            service.skip(plan_id, "a", by="olga", reason="x")
        waiting = service.create_plan(plan_spec(step("a"), require_approval=True), by="alice")
        with pytest.raises(StepNotFoundError):
            service.skip(waiting, "nope", by="olga", reason="x")
        with pytest.raises(InvalidStepTransitionError, match="only a failed step"):
            service.retry(waiting, "a", by="olga")

        assert len(store.load(plan_id)) == before
        assert len(store.load(waiting)) == 2


class TestOperatorOnMemory(OnMemory, OperatorContract):
    """On the in-memory store."""


class TestOperatorOnSqlite(OnSqlite, OperatorContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestOperatorOnPostgres(OnPostgres, OperatorContract):
    """On PostgreSQL, in a fresh schema."""
