"""Step and plan timeouts, and the parallel slot a timed-out call gives back; on every backend."""

from __future__ import annotations

import pytest

from core.domain.events import StepCancelled, StepTimedOut
from core.domain.status import PlanStatus, StepStatus
from core.runtime.service import PlanService
from tests.integration.conftest import ToolBench, plan_spec, step, wait_until
from tests.integration.engine_contract_support import events_of
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite


class TimeoutContract:
    """Every backend times out steps and plans the same way."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    def test_a_step_past_its_timeout_is_timed_out_and_its_tool_told_to_stop(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("slow", tool="block", timeout_ms=100),
            step("watcher", tool="block", parameters={"gate": "slow-stopped"}),
            step("next", depends_on=["slow"]),
            continue_on_error=True,
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.PARTIAL
        assert plan.steps["slow"].status is StepStatus.FAILED
        [timed_out] = events_of(service.history(plan.plan_id), StepTimedOut, "slow")
        assert (timed_out.attempt, timed_out.timeout_ms, timed_out.will_retry) == (1, 100, False)
        assert timed_out.duration_ms >= 100
        assert bench.ended_by[("slow", 1)] == "cancelled"
        assert plan.steps["watcher"].result == {"ended_by": "gate"}, "slow ran on unstopped"
        assert plan.steps["next"].status is StepStatus.SKIPPED

    def test_a_plan_past_its_total_timeout_fails_and_its_running_steps_are_cancelled(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("slow", tool="block"), step("next", depends_on=["slow"]), total_timeout_ms=150
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.FAILED
        assert "total timeout" in (plan.reason or "")
        history = service.history(plan.plan_id)
        [cancelled] = events_of(history, StepCancelled, "slow")
        assert cancelled.attempt == 1
        assert plan.steps["slow"].status is StepStatus.CANCELLED
        assert plan.steps["next"].status is StepStatus.SKIPPED
        wait_until(lambda: bench.ended_by.get(("slow", 1)) == "cancelled", what="tool to stop")

    def test_a_timed_out_call_that_ignores_its_cancellation_does_not_hold_a_parallel_slot(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        stuck = {"gate": "release-stuck", "ignore_cancel": True, "max_wait_ms": 5000}
        spec = plan_spec(
            step("stuck", tool="block", parameters=stuck, timeout_ms=100),
            step("next"),
            allow_parallel=False,
            continue_on_error=True,
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.PARTIAL
        assert plan.steps["stuck"].status is StepStatus.FAILED
        assert plan.steps["next"].status is StepStatus.COMPLETED
        assert ("stuck", 1) not in bench.ended_by, "next waited for the abandoned call"


class TestTimeoutsOnMemory(OnMemory, TimeoutContract):
    """On the in-memory store."""


class TestTimeoutsOnSqlite(OnSqlite, TimeoutContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestTimeoutsOnPostgres(OnPostgres, TimeoutContract):
    """On PostgreSQL, in a fresh schema."""
