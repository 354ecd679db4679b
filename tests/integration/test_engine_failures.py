"""How a failed step affects its plan: downstream skips, continue-on-error, retries."""

from __future__ import annotations

import pytest

from core.domain.events import StepFailed, StepSkipped, StepStarted
from core.domain.status import PlanStatus, StepStatus
from core.runtime.callbacks import Callbacks
from core.runtime.service import PlanService
from tests.integration.conftest import ToolBench, plan_spec, step
from tests.integration.engine_contract_support import MakeService, events_of
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite


class FailureContract:
    """Every backend records failures, skips and retries the same way."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    def test_a_step_downstream_of_a_failure_is_skipped_and_running_siblings_finish(
        self, make_service: MakeService, bench: ToolBench
    ) -> None:
        failure_recorded = bench.gate("failure-recorded")
        service = make_service(callbacks=Callbacks(on_step_failed=lambda _: failure_recorded.set()))
        spec = plan_spec(
            step("bad", tool="fail", parameters={"times": 99}),
            step("downstream", depends_on=["bad"]),
            step("sibling", tool="block", parameters={"gate": "failure-recorded"}),
            step("after-sibling", depends_on=["sibling"]),
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.FAILED
        assert "'bad'" in (plan.reason or "")
        assert plan.steps["bad"].status is StepStatus.FAILED
        assert plan.steps["sibling"].status is StepStatus.COMPLETED
        assert plan.steps["sibling"].result == {"ended_by": "gate"}
        [skip] = events_of(service.history(plan.plan_id), StepSkipped, "downstream")
        assert skip.cause_step_id == "bad"
        assert "'bad'" in skip.reason
        assert plan.steps["after-sibling"].status is StepStatus.SKIPPED
        assert not bench.has_started("downstream")
        assert not bench.has_started("after-sibling")

    def test_continue_on_error_runs_what_it_can_and_ends_partial(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("bad", tool="fail", parameters={"times": 99}),
            step("downstream", depends_on=["bad"]),
            step("good"),
            step("after-good", depends_on=["good"]),
            continue_on_error=True,
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.PARTIAL
        statuses = {step_id: s.status for step_id, s in plan.steps.items()}
        assert statuses == {
            "bad": StepStatus.FAILED,
            "downstream": StepStatus.SKIPPED,
            "good": StepStatus.COMPLETED,
            "after-good": StepStatus.COMPLETED,
        }
        assert "'bad'" in (plan.steps["downstream"].skip_reason or "")

    def test_a_failed_attempt_is_retried_not_before_its_retry_time(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("flaky", tool="fail", parameters={"times": 1}, max_retries=2, retry_delay_ms=80)
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.COMPLETED
        assert plan.steps["flaky"].attempt == 2
        history = service.history(plan.plan_id)
        [failed] = events_of(history, StepFailed, "flaky")
        assert (failed.attempt, failed.will_retry, failed.error_type) == (1, True, "boom")
        assert failed.retry_at is not None
        second = [event for event in events_of(history, StepStarted, "flaky") if event.attempt == 2]
        assert len(second) == 1
        assert history.index(second[0]) > history.index(failed)
        assert second[0].timestamp >= failed.retry_at
        assert bench.calls_of("flaky")[1].at >= failed.retry_at


class TestFailuresOnMemory(OnMemory, FailureContract):
    """On the in-memory store."""


class TestFailuresOnSqlite(OnSqlite, FailureContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestFailuresOnPostgres(OnPostgres, FailureContract):
    """On PostgreSQL, in a fresh schema."""
