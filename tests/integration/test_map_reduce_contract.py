"""Map-reduce (`for_each`) through the service on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from uuid import UUID

import pytest

from adapters.expressions import JinjaExpressions
from adapters.store import LibraryEventStore
from core.domain.decisions import Outcome, apply_decisions, record_outcome, start_execution
from core.domain.events import (
    StepInterrupted,
    StepPreparationFailed,
    StepsExpanded,
    StepsGathered,
    StepStarted,
)
from core.domain.plan_view import plan_view
from core.domain.scheduler import decide
from core.domain.status import PlanStatus, StepStatus
from core.runtime.service import PlanService
from tests.integration.conftest import SystemClock, ToolBench, plan_spec, step
from tests.integration.engine_contract_support import applied
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite


def crash_mid_map(
    service: PlanService,
    store: LibraryEventStore,
    plan_id: UUID,
    clock: SystemClock,
    completed: list[str],
) -> list[str]:
    """What a worker that died mid-map leaves: the map expanded, `completed` done, more running.

    As `crash_while_running`, but deciding until nothing is left: an expansion is a decision
    of its own before its children can start. No tool is called.
    """
    plan = service.get_plan(plan_id)
    now = clock.now()
    correlation_id = uuid.uuid4()
    events = applied(plan, start_execution(plan, now=now, correlation_id=correlation_id))
    while decisions := decide(plan, now, JinjaExpressions()).decisions:
        events += applied(
            plan,
            apply_decisions(
                plan, decisions, now=now, worker="w-dead", correlation_id=correlation_id
            ),
        )
        for step_id in [s for s in plan.running if s in completed]:
            outcome = Outcome(step_id, 1, 1, result={"run": "earlier"})
            events += applied(
                plan, record_outcome(plan, outcome, now=now, correlation_id=correlation_id)
            )
    store.append(events)
    return list(plan.running)


def map_spec(tool: str = "record", **options: object) -> dict[str, object]:
    """Items from the inputs -> one `tool` call per item -> a step that reads the list."""
    parameters = (
        {"value": "{{ item }}@{{ index }}"} if tool == "record" else {"times": "{{ item }}"}
    )
    return plan_spec(
        step("map", tool, for_each="{{ plan.inputs['items'] }}", parameters=parameters),
        step(
            "reduce",
            depends_on=["map"],
            parameters={"value": "{{ steps.map.result | length }} items"},
        ),
        **options,
    )


class MapReduceContract:
    """What every backend must keep of map-reduce; subclasses name the store URL."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    def test_each_item_runs_once_within_the_parallel_limit_and_the_reduce_sees_them_in_order(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        items = [f"f{i}" for i in range(12)]

        plan = service.run(map_spec(max_parallel_steps=3), by="alice", inputs={"items": items})

        assert plan.status is PlanStatus.COMPLETED
        reloaded = service.get_plan(plan.plan_id)
        assert reloaded.steps["map"].result == [
            {"value": f"f{i}@{i}", "step": f"map[{i}]"} for i in range(12)
        ]
        assert reloaded.steps["reduce"].result == {"value": "12 items", "step": "reduce"}
        assert bench.call_counts() == {
            **{(f"map[{i}]", 1): 1 for i in range(12)},
            ("reduce", 1): 1,
        }
        assert bench.max_concurrent <= 3
        history = service.history(plan.plan_id)
        assert [e.items for e in history if isinstance(e, StepsExpanded)] == [items]
        assert plan_view(reloaded) == plan_view(plan)

    def test_items_retry_and_fail_one_by_one(self, service: PlanService, bench: ToolBench) -> None:
        spec = map_spec("fail", continue_on_error=True)
        spec["steps"][0]["max_retries"] = 1  # type: ignore[index]

        plan = service.run(spec, by="alice", inputs={"items": [0, 1, 2]})

        assert plan.status is PlanStatus.PARTIAL
        assert [plan.steps[f"map[{i}]"].status for i in range(3)] == [
            StepStatus.COMPLETED,
            StepStatus.COMPLETED,
            StepStatus.FAILED,
        ]
        assert dict(bench.call_counts()) == {
            ("map[0]", 1): 1,
            ("map[1]", 1): 1,
            ("map[1]", 2): 1,
            ("map[2]", 1): 1,
            ("map[2]", 2): 1,
        }
        gathered = [e for e in service.history(plan.plan_id) if isinstance(e, StepsGathered)]
        assert [(e.failed_items, e.first_failed) for e in gathered] == [(1, "map[2]")]
        assert plan.steps["reduce"].status is StepStatus.SKIPPED

    def test_a_for_each_that_is_not_a_list_fails_the_step_before_any_item_runs(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        plan = service.run(map_spec(), by="alice", inputs={"items": {"a": 1}})

        failures = [
            e for e in service.history(plan.plan_id) if isinstance(e, StepPreparationFailed)
        ]
        assert [(e.step_id, e.field) for e in failures] == [("map", "for_each")]
        assert plan.status is PlanStatus.FAILED
        assert bench.calls == []

    def test_a_map_expanded_by_a_worker_that_died_is_finished_by_another_without_rerunning_items(
        self,
        service: PlanService,
        store: LibraryEventStore,
        make_service: Callable[..., PlanService],
        bench: ToolBench,
        clock: SystemClock,
    ) -> None:
        plan_id = service.create_plan(
            map_spec(max_parallel_steps=2), by="alice", inputs={"items": list("abcdef")}
        )
        left_running = crash_mid_map(service, store, plan_id, clock, ["map[0]", "map[1]"])
        other = make_service(worker="w-2")

        other.recover(plan_id, by="w-2")
        plan = other.execute(plan_id)

        assert left_running == ["map[2]", "map[3]"]
        assert plan.status is PlanStatus.COMPLETED
        history = other.history(plan.plan_id)
        assert [e.step_id for e in history if isinstance(e, StepInterrupted)] == left_running
        assert bench.call_counts() == {
            ("map[2]", 2): 1,
            ("map[3]", 2): 1,
            ("map[4]", 1): 1,
            ("map[5]", 1): 1,
            ("reduce", 1): 1,
        }
        workers = {e.step_id: e.worker for e in history if isinstance(e, StepStarted)}
        assert (workers["map[0]"], workers["map[5]"]) == ("w-dead", "w-2")
        assert plan.steps["map"].result[:2] == [{"run": "earlier"}] * 2


class TestMapReduceOnMemory(OnMemory, MapReduceContract):
    """On the in-memory store."""


class TestMapReduceOnSqlite(OnSqlite, MapReduceContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestMapReduceOnPostgres(OnPostgres, MapReduceContract):
    """On PostgreSQL, in a fresh schema."""
