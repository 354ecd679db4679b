"""External steps through `PlanService` on every store: memory, a SQLite file, PostgreSQL."""

from __future__ import annotations

import pytest

from adapters.store import LibraryEventStore
from core.domain.errors import InvalidStepTransitionError, StepNotFoundError
from core.domain.events import StepCompleted, StepFailed, StepStarted, StepTimedOut
from core.domain.external_steps import EXTERNAL_FAILURE, EXTERNAL_WORKER
from core.domain.status import PlanStatus, StepStatus
from core.runtime.call_slots import CallSlots
from core.runtime.service import PlanService
from tests.integration.conftest import ToolBench, plan_spec, step, wait_until
from tests.integration.engine_contract_support import events_of, in_background
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite


def external(step_id: str, **fields: object) -> dict[str, object]:
    return step(step_id, tool="external", **fields)


def awaits(service: PlanService, plan_id: object, step_id: str, attempt: int = 1) -> bool:
    state = service.get_plan(plan_id).steps[step_id]  # type: ignore[arg-type]
    return state.status is StepStatus.RUNNING and state.attempt == attempt


class ExternalStepsContract:
    """What every store backend must give steps carried out outside the engine."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    def test_a_plan_mixing_engine_and_external_steps_completes_once_the_outside_reports(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("build", parameters={"value": "app-1.2"}),
            external(
                "sign-off",
                depends_on=["build"],
                parameters={
                    "instructions": "check {{ steps.build.result.value }}",
                    "assignee": "qa",
                },
            ),
            step("ship", depends_on=["sign-off"], parameters={"value": "shipped"}),
        )
        plan_id = service.create_plan(spec, by="alice")
        running = in_background(lambda: service.execute(plan_id))
        wait_until(lambda: awaits(service, plan_id, "sign-off"), what="sign-off to await")

        service.complete_step(plan_id, "sign-off", by="quinn", result={"ok": True})
        plan = running.result(timeout=10)

        assert plan.status is PlanStatus.COMPLETED
        assert [call.step_id for call in bench.calls] == ["build", "ship"]
        history = service.history(plan_id)
        [started] = events_of(history, StepStarted, "sign-off")
        [done] = events_of(history, StepCompleted, "sign-off")
        assert started.worker == EXTERNAL_WORKER
        assert started.parameters == {"instructions": "check app-1.2", "assignee": "qa"}
        assert (done.actor, done.result, done.tool) == ("quinn", {"ok": True}, "external")
        assert plan.steps["sign-off"].result == {"ok": True}

    def test_an_engine_handing_plans_off_returns_a_plan_that_only_awaits_an_outside_report(
        self, service: PlanService
    ) -> None:
        plan_id = service.create_plan(plan_spec(step("a"), external("b", depends_on=["a"])), by="x")

        plan = service.execute(plan_id, launch_child=lambda child: None)

        assert plan.status is PlanStatus.EXECUTING
        assert plan.steps["b"].status is StepStatus.RUNNING
        assert plan.steps["b"].worker == EXTERNAL_WORKER

    def test_an_awaited_external_step_holds_no_call_slot(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(external("ask"), step("b"), step("c", depends_on=["b"]))
        plan_id = service.create_plan(spec, by="alice")
        slots = CallSlots(1)

        plan = service.execute(plan_id, slots=slots, launch_child=lambda child: None)

        assert [call.step_id for call in bench.calls] == ["b", "c"]
        assert plan.steps["ask"].status is StepStatus.RUNNING
        assert slots.in_use == 0

    def test_a_reported_failure_is_retried_as_the_steps_policy_says_then_fails_the_plan(
        self, service: PlanService
    ) -> None:
        spec = plan_spec(external("ask", max_retries=1), step("after", depends_on=["ask"]))
        plan_id = service.create_plan(spec, by="alice")
        service.execute(plan_id, launch_child=lambda child: None)

        first = service.fail_step(plan_id, "ask", by="bob", error="nobody answered")
        service.execute(plan_id, launch_child=lambda child: None)
        service.fail_step(plan_id, "ask", by="bob", error="still nobody", attempt=2)
        plan = service.execute(plan_id, launch_child=lambda child: None)

        assert first.steps["ask"].status is StepStatus.PENDING
        assert plan.status is PlanStatus.FAILED
        assert plan.steps["after"].status is StepStatus.SKIPPED
        failures = events_of(service.history(plan_id), StepFailed, "ask")
        assert [(f.attempt, f.will_retry, f.error_type) for f in failures] == [
            (1, True, EXTERNAL_FAILURE),
            (2, False, EXTERNAL_FAILURE),
        ]
        assert {failure.actor for failure in failures} == {"bob"}

    def test_a_timed_out_external_step_is_retried_and_a_late_report_on_the_old_attempt_refused(
        self, service: PlanService
    ) -> None:
        spec = plan_spec(external("ask", timeout_ms=50, max_retries=1))
        plan_id = service.create_plan(spec, by="alice")
        running = in_background(lambda: service.execute(plan_id))
        wait_until(lambda: awaits(service, plan_id, "ask", attempt=2), what="a second attempt")

        with pytest.raises(InvalidStepTransitionError, match="attempt 1 is over"):
            service.complete_step(plan_id, "ask", by="late", result=1, attempt=1)
        service.complete_step(plan_id, "ask", by="quick", result=2, attempt=2)
        plan = running.result(timeout=10)

        assert plan.status is PlanStatus.COMPLETED
        [timed_out] = events_of(service.history(plan_id), StepTimedOut, "ask")
        assert (timed_out.attempt, timed_out.will_retry) == (1, True)
        assert plan.steps["ask"].result == 2

    def test_a_timed_out_external_step_without_retries_fails_the_plan(
        self, service: PlanService
    ) -> None:
        plan_id = service.create_plan(plan_spec(external("ask", timeout_ms=30)), by="alice")

        plan = service.execute(plan_id)

        assert plan.status is PlanStatus.FAILED
        assert plan.steps["ask"].error is not None
        assert plan.steps["ask"].error.error_type == "timeout"

    def test_resume_leaves_an_awaited_external_step_to_its_outside_party(
        self, service: PlanService
    ) -> None:
        plan_id = service.create_plan(plan_spec(external("ask")), by="alice")
        service.execute(plan_id, launch_child=lambda child: None)

        service.recover(plan_id, by="w-2")
        service.complete_step(plan_id, "ask", by="carol", result="yes")
        plan = service.resume(plan_id, by="ops")

        assert plan.status is PlanStatus.COMPLETED
        assert len(events_of(service.history(plan_id), StepStarted, "ask")) == 1

    def test_reports_that_do_not_fit_are_refused_and_write_nothing(
        self, service: PlanService, store: LibraryEventStore
    ) -> None:
        spec = plan_spec(step("tool-step"), external("later", depends_on=["tool-step"]))
        plan_id = service.create_plan(spec, by="alice")
        before = len(store.load(plan_id))

        with pytest.raises(StepNotFoundError):
            service.complete_step(plan_id, "nope", by="x")
        with pytest.raises(InvalidStepTransitionError, match="the engine carries it out"):
            service.complete_step(plan_id, "tool-step", by="x")
        with pytest.raises(InvalidStepTransitionError, match="no outcome is awaited"):
            service.complete_step(plan_id, "later", by="x")
        with pytest.raises(InvalidStepTransitionError, match="say why"):
            service.fail_step(plan_id, "later", by="x", error=" ")

        assert len(store.load(plan_id)) == before


class TestExternalStepsOnMemory(OnMemory, ExternalStepsContract):
    """On the in-memory store."""


class TestExternalStepsOnSqlite(OnSqlite, ExternalStepsContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestExternalStepsOnPostgres(OnPostgres, ExternalStepsContract):
    """On PostgreSQL, in a fresh schema."""
