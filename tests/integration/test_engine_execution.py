"""How the engine runs a DAG: dependencies, parallel slots; on every store backend."""

from __future__ import annotations

import pytest

from core.domain.events import StepCompleted, StepStarted
from core.domain.status import PlanStatus
from core.runtime.service import PlanService
from tests.integration.conftest import ToolBench, plan_spec, step
from tests.integration.engine_contract_support import most_running_at_once, position
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite


class ExecutionContract:
    """Every backend starts a step once its dependencies are done, within the parallel limits."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    def test_a_dag_completes_with_every_step_result_recorded(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("fetch", parameters={"value": "F"}),
            step("left", parameters={"value": "L"}, depends_on=["fetch"]),
            step("right", parameters={"value": "R"}, depends_on=["fetch"]),
            step("join", parameters={"value": "J"}, depends_on=["left", "right"]),
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.COMPLETED
        reloaded = service.get_plan(plan.plan_id)
        assert reloaded.status is PlanStatus.COMPLETED
        assert {step_id: s.result for step_id, s in reloaded.steps.items()} == {
            "fetch": {"value": "F", "step": "fetch"},
            "left": {"value": "L", "step": "left"},
            "right": {"value": "R", "step": "right"},
            "join": {"value": "J", "step": "join"},
        }
        history = service.history(plan.plan_id)
        assert position(history, StepStarted, "join") > position(history, StepCompleted, "left")
        assert position(history, StepStarted, "join") > position(history, StepCompleted, "right")
        assert bench.call_counts() == {(s, 1): 1 for s in ("fetch", "left", "right", "join")}

    def test_a_step_starts_when_its_own_dependencies_are_done_not_when_a_wave_ends(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("quick"),
            step("slow", tool="block", parameters={"gate": "after-quick", "max_wait_ms": 5000}),
            step("after-quick", parameters={"opens": "after-quick"}, depends_on=["quick"]),
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.COMPLETED
        assert plan.steps["slow"].result == {"ended_by": "gate"}
        history = service.history(plan.plan_id)
        assert position(history, StepStarted, "after-quick") < position(
            history, StepCompleted, "slow"
        )

    def test_no_more_steps_run_at_once_than_max_parallel_steps(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        three_at_once = {"together": 3, "hold_ms": 3000}
        spec = plan_spec(
            *(step(f"s{i}", tool="hold", parameters=three_at_once) for i in range(6)),
            max_parallel_steps=3,
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.COMPLETED
        assert most_running_at_once(service.history(plan.plan_id)) == 3
        assert bench.max_concurrent == 3
        assert {s.result["ended_by"] for s in plan.steps.values()} == {"together"}

    def test_steps_run_one_at_a_time_when_parallel_is_not_allowed(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            *(step(f"s{i}", tool="hold", parameters={"hold_ms": 30}) for i in range(4)),
            allow_parallel=False,
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.COMPLETED
        assert most_running_at_once(service.history(plan.plan_id)) == 1
        assert bench.max_concurrent == 1


class TestExecutionOnMemory(OnMemory, ExecutionContract):
    """On the in-memory store."""


class TestExecutionOnSqlite(OnSqlite, ExecutionContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestExecutionOnPostgres(OnPostgres, ExecutionContract):
    """On PostgreSQL, in a fresh schema."""
