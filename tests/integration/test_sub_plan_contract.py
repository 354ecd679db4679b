"""Sub-plans on memory, SQLite and PostgreSQL: results, failures, cancel, nesting, no starvation."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import pytest

from adapters.store import LibraryEventStore
from core.domain.events import (
    PlanApproved,
    PlanCreated,
    PlanEvent,
    StepCompleted,
    StepInterrupted,
    SubPlanFinished,
    SubPlanStarted,
)
from core.domain.status import PlanStatus, StepStatus
from core.domain.sub_plans import SUB_PLAN_FAILED
from core.runtime.call_slots import CallSlots
from core.runtime.service import PlanService
from tests.integration.conftest import ToolBench, plan_spec, step, wait_until
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite


def child(*steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """An inline child spec."""
    return {"description": "child plan", "steps": list(steps), **fields}


def plan_step(step_id: str, spec: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"id": step_id, "plan": spec, **fields}


MakeService = Callable[..., PlanService]


def nested(levels: int, leaf: dict[str, Any]) -> dict[str, Any]:
    """A chain of `levels` plans, each running the next in a plan step; the last runs `leaf`."""
    spec = child(leaf, outputs={"leaf": "{{{{ steps.{}.result }}}}".format(leaf["id"])})
    for level in range(levels - 1, 0, -1):
        spec = child(
            plan_step(f"level{level}", spec),
            outputs={"leaf": f"{{{{ steps.level{level}.result.leaf }}}}"},
            options={"max_parallel_steps": 1},
        )
    return spec


class Killed(BaseException):
    """What a process kill looks like from inside: nothing after it runs, nothing commits."""


class KillingStore:
    """The real store, until the first append that `kills` matches: then the process "dies"."""

    def __init__(self, store: LibraryEventStore, kills: Callable[[PlanEvent], bool]) -> None:
        self.store = store
        self.kills = kills
        self.dead = False

    def load(self, plan_id: UUID, after_version: int = 0) -> list[PlanEvent]:
        if self.dead:
            raise Killed
        return self.store.load(plan_id, after_version)

    def append(self, events: Sequence[PlanEvent]) -> None:
        if self.dead or any(self.kills(event) for event in events):
            self.dead = True
            raise Killed
        self.store.append(events)


def child_of(service: PlanService, plan_id: Any, step_id: str) -> Any:
    child_id = service.get_plan(plan_id).steps[step_id].child_plan_id
    assert child_id is not None
    return child_id


class SubPlanContract:
    """What every backend must keep of sub-plans; subclasses name the store URL."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    def test_child_outputs_become_the_step_result_and_flow_into_a_later_step(
        self, service: PlanService
    ) -> None:
        deploy = child(
            step("migrate", parameters={"value": "{{ plan.inputs.service }}-migrated"}),
            outputs={"version": "{{ steps.migrate.result.value }}"},
            inputs_schema={"type": "object", "required": ["service"]},
        )
        spec = plan_spec(
            step("build", parameters={"value": "api"}),
            plan_step(
                "deploy",
                deploy,
                depends_on=["build"],
                inputs={"service": "{{ steps.build.result.value }}"},
            ),
            step(
                "announce",
                depends_on=["deploy"],
                parameters={"value": "{{ steps.deploy.result.version }}"},
            ),
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.COMPLETED
        assert plan.steps["deploy"].result == {"version": "api-migrated"}
        assert plan.steps["announce"].result == {"value": "api-migrated", "step": "announce"}
        child_id = plan.steps["deploy"].child_plan_id
        assert child_id is not None
        history = service.history(plan.plan_id)
        started = [e for e in history if isinstance(e, SubPlanStarted)]
        finished = [e for e in history if isinstance(e, SubPlanFinished)]
        assert [(e.step_id, e.child_plan_id, e.depth, e.root_plan_id) for e in started] == [
            ("deploy", child_id, 1, plan.plan_id)
        ]
        assert [(e.status, e.outputs) for e in finished] == [
            ("completed", {"version": "api-migrated"})
        ]
        child_history = service.history(child_id)
        created = child_history[0]
        assert isinstance(created, PlanCreated)
        assert (created.parent_plan_id, created.parent_step_id, created.root_plan_id) == (
            plan.plan_id,
            "deploy",
            plan.plan_id,
        )
        assert created.depth == 1
        assert created.inputs == {"service": "api"}
        approvals = [e for e in child_history if isinstance(e, PlanApproved)]
        assert [a.by for a in approvals] == ["engine"]
        assert service.get_plan(child_id).status is PlanStatus.COMPLETED

    def test_a_failing_child_fails_the_parent_step_naming_the_child(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            plan_step("deploy", child(step("migrate", "fail", parameters={"times": 5}))),
            step("announce", depends_on=["deploy"]),
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.FAILED
        deploy = plan.steps["deploy"]
        child_id = deploy.child_plan_id
        assert deploy.status is StepStatus.FAILED
        assert deploy.error is not None
        assert deploy.error.error_type == SUB_PLAN_FAILED
        assert str(child_id) in deploy.error.message
        assert "step 'migrate' failed" in deploy.error.message
        assert plan.steps["announce"].status is StepStatus.SKIPPED
        assert bench.calls_of("announce") == []

    def test_child_inputs_refused_by_its_schema_fail_the_step_without_a_child(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        deploy = child(
            step("migrate"),
            inputs_schema={"type": "object", "properties": {"replicas": {"type": "integer"}}},
        )
        spec = plan_spec(
            step("count", parameters={"value": "three"}),
            plan_step(
                "deploy",
                deploy,
                depends_on=["count"],
                inputs={"replicas": "{{ steps.count.result.value }}"},
            ),
        )

        plan = service.run(spec, by="alice")

        deploy_state = plan.steps["deploy"]
        assert plan.status is PlanStatus.FAILED
        assert deploy_state.error is not None
        assert deploy_state.error.error_type == SUB_PLAN_FAILED
        assert "inputs.replicas" in deploy_state.error.message
        assert deploy_state.child_plan_id is None
        assert bench.calls_of("migrate") == []

    def test_cancelling_the_parent_cancels_its_children_recursively(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(plan_step("outer", nested(2, step("wait", "block", parameters={}))))
        plan_id = service.create_plan(spec, by="alice")
        runner = threading.Thread(target=service.execute, args=(plan_id,), daemon=True)
        runner.start()
        wait_until(lambda: bench.has_started("wait"), what="the grandchild's tool to start")

        service.cancel(plan_id, by="alice", reason="stop it")
        runner.join(timeout=10)

        assert not runner.is_alive()
        child_id = child_of(service, plan_id, "outer")
        grandchild_id = child_of(service, child_id, "level1")
        assert service.get_plan(plan_id).status is PlanStatus.CANCELLED
        assert service.get_plan(child_id).status is PlanStatus.CANCELLED
        assert service.get_plan(grandchild_id).status is PlanStatus.CANCELLED
        wait_until(lambda: ("wait", 1) in bench.ended_by, what="the tool call to end")
        assert bench.ended_by[("wait", 1)] == "cancelled"

    def test_a_plan_step_that_times_out_cancels_its_child(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(plan_step("outer", child(step("wait", "block")), timeout_ms=300))

        plan = service.run(spec, by="alice")

        outer = plan.steps["outer"]
        assert plan.status is PlanStatus.FAILED
        assert outer.error is not None
        assert outer.error.error_type == "timeout"
        assert outer.child_plan_id is not None
        assert service.get_plan(outer.child_plan_id).status is PlanStatus.CANCELLED
        wait_until(lambda: ("wait", 1) in bench.ended_by, what="the tool call to end")
        assert bench.ended_by[("wait", 1)] == "cancelled"

    def test_three_levels_finish_with_one_parallel_step_and_one_call_slot(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = nested(3, step("leaf", parameters={"value": "deep"}))
        spec["options"] = {"max_parallel_steps": 1}
        plan_id = service.create_plan(spec, by="alice")

        plan = service.execute(plan_id, slots=CallSlots(1))

        assert plan.status is PlanStatus.COMPLETED
        assert plan.outputs == {"leaf": {"value": "deep", "step": "leaf"}}
        assert len(bench.calls_of("leaf")) == 1

    def test_a_parent_left_waiting_goes_on_when_its_child_ends_elsewhere(
        self, service: PlanService, store: LibraryEventStore
    ) -> None:
        spec = plan_spec(
            plan_step(
                "deploy", child(step("migrate"), outputs={"ok": "{{ steps.migrate.status }}"})
            )
        )
        plan_id = service.create_plan(spec, by="alice")

        launched: list[UUID] = []

        parked = service.execute(plan_id, launch_child=launched.append)
        child_id = child_of(service, plan_id, "deploy")
        ended_child = service.execute(child_id, launch_child=launched.append)
        again = service.execute(child_id, launch_child=launched.append)
        plan = service.execute(plan_id, launch_child=launched.append)

        assert parked.status is PlanStatus.EXECUTING
        assert launched == [child_id]
        assert ended_child.status is again.status is PlanStatus.COMPLETED
        assert plan.status is PlanStatus.COMPLETED
        assert plan.steps["deploy"].result == {"ok": "completed"}
        reports = [e for e in service.history(plan_id) if isinstance(e, SubPlanFinished)]
        assert len(reports) == 1

    def test_a_child_that_ended_while_its_parent_was_down_is_reported_once_on_resume(
        self, make_service: MakeService, store: LibraryEventStore, bench: ToolBench
    ) -> None:
        spec = plan_spec(plan_step("deploy", child(step("migrate"), outputs={"ok": "yes"})))
        killing = KillingStore(store, lambda event: isinstance(event, SubPlanFinished))
        plan_id = make_service(on=killing).create_plan(spec, by="alice")
        with pytest.raises(Killed):
            make_service(on=killing).execute(plan_id)
        child_id = child_of(make_service(), plan_id, "deploy")
        assert make_service().get_plan(child_id).status is PlanStatus.COMPLETED

        plan = make_service().resume(plan_id, by="ops")

        assert plan.status is PlanStatus.COMPLETED
        assert plan.steps["deploy"].result == {"ok": "yes"}
        history = make_service().history(plan_id)
        assert len([e for e in history if isinstance(e, SubPlanFinished)]) == 1
        assert len(bench.calls_of("migrate")) == 1

    def test_resume_after_a_crash_deep_in_a_grandchild_finishes_every_level(
        self, make_service: MakeService, store: LibraryEventStore, bench: ToolBench
    ) -> None:
        spec = nested(3, step("leaf", parameters={"value": "deep"}))
        killing = KillingStore(
            store, lambda e: isinstance(e, StepCompleted) and e.step_id == "leaf"
        )
        plan_id = make_service(on=killing).create_plan(spec, by="alice")
        with pytest.raises(Killed):
            make_service(on=killing).execute(plan_id)

        plan = make_service().resume(plan_id, by="ops")

        assert plan.status is PlanStatus.COMPLETED
        assert plan.outputs == {"leaf": {"value": "deep", "step": "leaf"}}
        grandchild = child_of(make_service(), child_of(make_service(), plan_id, "level1"), "level2")
        interrupted = [
            e for e in make_service().history(grandchild) if isinstance(e, StepInterrupted)
        ]
        assert [e.step_id for e in interrupted] == ["leaf"]
        assert len(bench.calls_of("leaf")) == 2


class TestSubPlansOnMemory(OnMemory, SubPlanContract):
    """On the in-memory store."""


class TestSubPlansOnSqlite(OnSqlite, SubPlanContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestSubPlansOnPostgres(OnPostgres, SubPlanContract):
    """On PostgreSQL, in a fresh schema."""
