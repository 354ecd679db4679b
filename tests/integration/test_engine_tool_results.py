"""What the engine records of a tool's result, JSON or not; on every store backend."""

from __future__ import annotations

import pytest

from core.domain.status import PlanStatus, StepStatus
from core.runtime.service import PlanService
from tests.integration.conftest import plan_spec, step
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite


class ToolResultContract:
    """Every backend records a tool's result as it loads back, or fails the step."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    def test_a_tool_result_that_is_not_json_fails_its_step_instead_of_escaping(
        self, service: PlanService
    ) -> None:
        spec = plan_spec(
            step("odd", tool="return", parameters={"kind": "object"}),
            step("after", depends_on=["odd"]),
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.FAILED
        error = plan.steps["odd"].error
        assert error is not None
        assert error.error_type == "invalid_result"
        assert plan.steps["after"].status is StepStatus.SKIPPED

    def test_a_result_the_store_would_change_fails_the_step_instead(
        self, service: PlanService
    ) -> None:
        spec = plan_spec(step("huge", tool="return", parameters={"kind": "huge_int"}))

        plan = service.run(spec, by="alice")

        error = service.get_plan(plan.plan_id).steps["huge"].error
        assert error is not None
        assert error.error_type == "invalid_result"
        assert "result.count[1]" in error.message

    def test_a_json_like_tool_result_is_recorded_as_it_loads_back(
        self, service: PlanService
    ) -> None:
        spec = plan_spec(
            step("pair", tool="return", parameters={"kind": "tuple"}),
            step("when", tool="return", parameters={"kind": "datetime"}),
        )

        plan = service.run(spec, by="alice")

        reloaded = service.get_plan(plan.plan_id)
        assert plan.steps["pair"].result == reloaded.steps["pair"].result == {"pair": [1, 2]}
        expected_at = {"at": "2024-05-01T12:00:00Z"}
        assert plan.steps["when"].result == reloaded.steps["when"].result == expected_at


class TestToolResultsOnMemory(OnMemory, ToolResultContract):
    """On the in-memory store."""


class TestToolResultsOnSqlite(OnSqlite, ToolResultContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestToolResultsOnPostgres(OnPostgres, ToolResultContract):
    """On PostgreSQL, in a fresh schema."""
