"""Sub-plan decisions and their fold: a child started once, its end reported once (pure)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from adapters.json_schema_checker import JsonSchemaChecker
from core.domain.data_passing import scope
from core.domain.errors import CorruptHistoryError
from core.domain.events import (
    PlanApproved,
    PlanCreated,
    PlanSubmitted,
    StepCompleted,
    StepFailed,
    SubPlanFinished,
    SubPlanStarted,
)
from core.domain.plan import PlanState, evolve, fold
from core.domain.result_refs import BlobRef
from core.domain.status import PlanStatus, StepStatus
from core.domain.sub_plans import (
    SUB_PLAN_FAILED,
    child_plan_id,
    next_due,
    only_children_run,
    only_waits_on_children,
    report_child_end,
    start_child,
)
from tests.unit.builders import CORRELATION_ID, PLAN_ID, Ledger, at, executing_plan, spec, step

CHILD = {"description": "child", "steps": [step("migrate")], "outputs": {"v": "1.4"}}


def started(**fields: Any) -> tuple[Ledger, PlanState]:
    """A parent whose plan step `deploy` started its child; the child as created."""
    ledger = executing_plan(
        spec({"id": "deploy", "plan": CHILD, **fields}, step("after", "deploy"))
    )
    ledger.settle(at(0))
    start = start_child(
        ledger.plan,
        "deploy",
        now=at(1),
        correlation_id=CORRELATION_ID,
        json_schemas=JsonSchemaChecker(),
    )
    ledger.record(start.parent_events)
    return ledger, fold(start.child_events) if start.child_events else ledger.plan


def ended(child: PlanState, status: PlanStatus, reason: str | None = None) -> PlanState:
    """The child as it would be after ending (its own events are tested elsewhere)."""
    outputs = {"v": "1.4"} if status is PlanStatus.COMPLETED else {}
    return dataclasses.replace(child, status=status, reason=reason, outputs=outputs)


def test_starting_a_plan_step_creates_an_approved_child_linked_to_its_parent() -> None:
    ledger, child = started(inputs={"service": "api"})

    first = ledger.events[-1]
    assert isinstance(first, SubPlanStarted)
    assert first.child_plan_id == child_plan_id(PLAN_ID, "deploy", 1) == child.plan_id
    assert (first.depth, first.root_plan_id) == (1, PLAN_ID)
    assert ledger.plan.steps["deploy"].child_plan_id == child.plan_id
    assert (child.parent_plan_id, child.parent_step_id, child.root_plan_id, child.depth) == (
        PLAN_ID,
        "deploy",
        PLAN_ID,
        1,
    )
    assert child.status is PlanStatus.APPROVED
    assert child.approved_by == "engine"
    assert child.inputs == {"service": "api"}
    assert only_children_run(ledger.plan)


def test_the_child_history_starts_created_submitted_approved() -> None:
    ledger = executing_plan(spec({"id": "deploy", "plan": CHILD}))
    ledger.settle(at(0))

    start = start_child(
        ledger.plan,
        "deploy",
        now=at(1),
        correlation_id=CORRELATION_ID,
        json_schemas=JsonSchemaChecker(),
    )

    assert [type(e) for e in start.child_events] == [PlanCreated, PlanSubmitted, PlanApproved]
    assert {e.plan_id for e in start.child_events} == {child_plan_id(PLAN_ID, "deploy", 1)}


def test_a_completed_child_completes_the_step_with_its_outputs_exactly_once() -> None:
    ledger, child = started()

    report = report_child_end(
        ledger.plan, ended(child, PlanStatus.COMPLETED), now=at(5), correlation_id=CORRELATION_ID
    )
    ledger.record(report)
    again = report_child_end(
        ledger.plan, ended(child, PlanStatus.COMPLETED), now=at(6), correlation_id=CORRELATION_ID
    )

    assert [type(e) for e in report] == [SubPlanFinished, StepCompleted]
    assert ledger.plan.steps["deploy"].status is StepStatus.COMPLETED
    assert ledger.plan.steps["deploy"].result == {"v": "1.4"}
    assert again == []


def test_a_childs_outputs_stored_apart_reach_the_step_as_refs_its_templates_read() -> None:
    ledger, child = started()
    ref = BlobRef.of(b'"' + b"z" * 5000 + b'"')
    outputs = {"text": ref.view(), "small": "ok"}
    completed = dataclasses.replace(
        child, status=PlanStatus.COMPLETED, outputs=outputs, output_refs={"text": ref}
    )

    report = report_child_end(ledger.plan, completed, now=at(5), correlation_id=CORRELATION_ID)
    ledger.record(report)

    finished = report[-1]
    assert isinstance(finished, StepCompleted)
    assert (finished.result, finished.output_refs) == (outputs, {"text": ref})
    assert finished.model_dump(mode="json")["output_refs"]["text"]["digest"] == ref.digest
    step_scope = scope(ledger.plan, ["deploy"])["steps"]["deploy"]
    assert step_scope["result"] == {"text": ref, "small": "ok"}


def test_a_step_completed_without_refs_serialises_as_it_always_did() -> None:
    ledger, child = started()

    report = report_child_end(
        ledger.plan, ended(child, PlanStatus.COMPLETED), now=at(5), correlation_id=CORRELATION_ID
    )

    assert "output_refs" not in report[-1].model_dump(mode="json")


def test_a_child_still_running_is_not_reported() -> None:
    ledger, child = started()

    assert report_child_end(ledger.plan, child, now=at(5), correlation_id=CORRELATION_ID) == []


def test_a_failed_child_fails_the_step_with_sub_plan_failed_naming_it() -> None:
    ledger, child = started()

    report = report_child_end(
        ledger.plan,
        ended(child, PlanStatus.FAILED, "step 'migrate' failed"),
        now=at(5),
        correlation_id=CORRELATION_ID,
    )
    ledger.record(report)

    failed = report[-1]
    assert isinstance(failed, StepFailed)
    assert failed.error_type == SUB_PLAN_FAILED
    assert failed.message == f"sub-plan {child.plan_id} failed: step 'migrate' failed"
    assert ledger.plan.steps["deploy"].status is StepStatus.FAILED


def test_a_retry_of_a_plan_step_starts_a_new_child() -> None:
    ledger, child = started(max_retries=1)
    ledger.record(
        report_child_end(
            ledger.plan,
            ended(child, PlanStatus.FAILED, "no"),
            now=at(5),
            correlation_id=CORRELATION_ID,
        )
    )

    ledger.settle(at(6))
    retry = start_child(
        ledger.plan,
        "deploy",
        now=at(6),
        correlation_id=CORRELATION_ID,
        json_schemas=JsonSchemaChecker(),
    )

    first = retry.parent_events[0]
    assert isinstance(first, SubPlanStarted)
    assert first.attempt == 2
    assert first.child_plan_id == child_plan_id(PLAN_ID, "deploy", 2) != child.plan_id


def test_inputs_refused_by_the_child_schema_fail_the_step_without_a_child() -> None:
    child_spec = {**CHILD, "inputs_schema": {"type": "object", "required": ["service"]}}
    ledger = executing_plan(spec({"id": "deploy", "plan": child_spec}))
    ledger.settle(at(0))

    start = start_child(
        ledger.plan,
        "deploy",
        now=at(1),
        correlation_id=CORRELATION_ID,
        json_schemas=JsonSchemaChecker(),
    )

    assert start.child_events == []
    failed = start.parent_events[0]
    assert isinstance(failed, StepFailed)
    assert failed.error_type == SUB_PLAN_FAILED
    assert "the child's inputs are refused" in failed.message
    assert "service" in failed.message


def test_a_child_beyond_the_depth_limit_fails_the_step_when_it_would_start() -> None:
    ledger = executing_plan(spec({"id": "deploy", "plan": CHILD}, max_sub_plan_depth=0))
    ledger.settle(at(0))

    start = start_child(
        ledger.plan,
        "deploy",
        now=at(1),
        correlation_id=CORRELATION_ID,
        json_schemas=JsonSchemaChecker(),
    )

    failed = start.parent_events[0]
    assert isinstance(failed, StepFailed)
    assert failed.message == "the child would nest 1 deep, over max_sub_plan_depth 0"


def test_resume_leaves_a_step_that_waits_on_its_child_running() -> None:
    ledger, child = started()

    resumed = ledger.resume("ops", at(9))

    assert len(resumed) == 1
    assert ledger.plan.steps["deploy"].status is StepStatus.RUNNING
    assert ledger.plan.steps["deploy"].child_plan_id == child.plan_id


def test_a_report_for_another_child_is_a_corrupt_history() -> None:
    ledger, child = started()
    report = report_child_end(
        ledger.plan, ended(child, PlanStatus.COMPLETED), now=at(5), correlation_id=CORRELATION_ID
    )
    forged = report[0].model_copy(update={"child_plan_id": PLAN_ID})

    with pytest.raises(CorruptHistoryError, match="does not wait on"):
        evolve(ledger.plan, forged)


def test_a_parent_whose_children_fill_its_parallel_slots_only_waits_on_them() -> None:
    ledger = executing_plan(
        spec({"id": "deploy", "plan": CHILD}, step("other"), max_parallel_steps=1)
    )
    ledger.settle(at(0))
    ledger.record(
        start_child(
            ledger.plan,
            "deploy",
            now=at(1),
            correlation_id=CORRELATION_ID,
            json_schemas=JsonSchemaChecker(),
        ).parent_events
    )

    assert list(ledger.plan.ready) == ["other"]
    assert only_waits_on_children(ledger.plan)


def test_a_parent_with_a_tool_step_running_does_not_only_wait() -> None:
    ledger = executing_plan(spec({"id": "deploy", "plan": CHILD}, step("other")))
    ledger.settle(at(0))
    ledger.record(
        start_child(
            ledger.plan,
            "deploy",
            now=at(1),
            correlation_id=CORRELATION_ID,
            json_schemas=JsonSchemaChecker(),
        ).parent_events
    )

    assert ledger.status("other") is StepStatus.RUNNING
    assert not only_waits_on_children(ledger.plan)


def test_a_waiting_parent_is_due_again_when_its_plan_step_times_out() -> None:
    ledger, _ = started(timeout_ms=500)

    assert next_due(ledger.plan) == at(500)
