"""Data passing, conditions, trigger rules and outputs on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from adapters.store import LibraryEventStore
from core.domain.errors import InvalidInputsError
from core.domain.events import PlanCompleted, StepPreparationFailed, StepSkipped, StepStarted
from core.domain.status import PlanStatus, StepStatus
from core.runtime.service import PlanService
from tests.integration.conftest import ToolBench, plan_spec, step
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite

INPUTS_SCHEMA = {
    "type": "object",
    "properties": {"env": {"enum": ["qa", "prod"]}, "replicas": {"type": "integer"}},
    "required": ["env"],
    "additionalProperties": False,
}


def stored_events(store: LibraryEventStore) -> int:
    return store.application.recorder.max_notification_id() or 0


class DataPassingContract:
    """What every backend must keep of data passing; subclasses name the store URL."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    def test_a_condition_skips_a_branch_while_the_rest_completes(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("test", parameters={"value": "red"}),
            step("deploy", depends_on=["test"], when="steps.test.result.value == 'green'"),
            step("announce", depends_on=["deploy"]),
            step("report", depends_on=["test"], parameters={"value": "{{ steps.test.status }}"}),
            step("close", depends_on=["announce", "report"], trigger="none_failed"),
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.COMPLETED
        assert {s: plan.steps[s].status for s in plan.steps} == {
            "test": StepStatus.COMPLETED,
            "deploy": StepStatus.SKIPPED,
            "announce": StepStatus.SKIPPED,
            "report": StepStatus.COMPLETED,
            "close": StepStatus.COMPLETED,
        }
        assert plan.steps["deploy"].skip_reason == "condition false"
        assert bench.calls_of("deploy") == []
        assert bench.calls_of("announce") == []

    def test_resolved_parameters_inputs_and_outputs_are_recorded_and_reload(
        self, service: PlanService, store: LibraryEventStore
    ) -> None:
        spec = plan_spec(
            step("build", parameters={"value": "{{ plan.inputs.env }}-{{ plan.inputs.replicas }}"}),
            step(
                "ship", depends_on=["build"], parameters={"value": "{{ steps.build.result.value }}"}
            ),
        )
        spec["inputs_schema"] = INPUTS_SCHEMA
        spec["outputs"] = {"shipped": "{{ steps.ship.result }}", "env": "{{ plan.inputs.env }}"}

        plan = service.run(spec, by="alice", inputs={"env": "prod", "replicas": 3})
        history = service.history(plan.plan_id)

        starts = {e.step_id: e.parameters for e in history if isinstance(e, StepStarted)}
        assert starts == {"build": {"value": "prod-3"}, "ship": {"value": "prod-3"}}
        completed = [e for e in history if isinstance(e, PlanCompleted)]
        assert [e.outputs for e in completed] == [
            {"shipped": {"value": "prod-3", "step": "ship"}, "env": "prod"}
        ]
        assert service.get_plan(plan.plan_id).inputs == {"env": "prod", "replicas": 3}

    def test_inputs_failing_the_schema_are_refused_and_nothing_is_written(
        self, service: PlanService, store: LibraryEventStore
    ) -> None:
        spec = plan_spec(step("a"))
        spec["inputs_schema"] = INPUTS_SCHEMA
        before = stored_events(store)

        with pytest.raises(InvalidInputsError) as raised:
            service.create_plan(spec, by="alice", inputs={"env": "dev", "replicas": "three"})

        assert {str(problem) for problem in raised.value.problems} == {
            "inputs.env: 'dev' is not one of ['qa', 'prod']",
            "inputs.replicas: 'three' is not of type 'integer'",
        }
        assert stored_events(store) == before

    @pytest.mark.parametrize(
        ("rule", "ran"),
        [
            ("all_success", False),
            ("all_done", True),
            ("one_success", True),
            ("one_failed", True),
            ("none_failed", False),
        ],
    )
    def test_each_trigger_rule_after_one_failure_and_one_success(
        self, service: PlanService, bench: ToolBench, rule: str, ran: bool
    ) -> None:
        spec = plan_spec(
            step("ok"),
            step("broken", tool="fail", parameters={"times": 5}),
            step("after", depends_on=["ok", "broken"], trigger=rule),
            continue_on_error=True,
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.PARTIAL
        assert (len(bench.calls_of("after")) == 1) is ran
        expected = StepStatus.COMPLETED if ran else StepStatus.SKIPPED
        assert plan.steps["after"].status is expected

    def test_a_condition_error_fails_the_step_by_name_and_the_plan(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(step("a"), step("b", depends_on=["a"], when="steps.a.result.nope > 1"))

        plan = service.run(spec, by="alice")
        history = service.history(plan.plan_id)

        failures = [e for e in history if isinstance(e, StepPreparationFailed)]
        assert [(e.step_id, e.field, e.error_type) for e in failures] == [
            ("b", "when", "condition_error")
        ]
        assert plan.status is PlanStatus.FAILED
        assert plan.steps["b"].error is not None
        assert not [e for e in history if isinstance(e, StepSkipped)]
        assert bench.calls_of("b") == []


class TestDataPassingOnMemory(OnMemory, DataPassingContract):
    """On the in-memory store."""


class TestDataPassingOnSqlite(OnSqlite, DataPassingContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestDataPassingOnPostgres(OnPostgres, DataPassingContract):
    """On PostgreSQL, in a fresh schema."""
