"""The event catalogue: frozen facts that survive a JSON round trip."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from core.domain.events import (
    EVENT_TYPES,
    TERMINAL_EVENTS,
    ApprovalVoided,
    PlanApproved,
    PlanCancelled,
    PlanCompleted,
    PlanCreated,
    PlanEvent,
    PlanExecutionStarted,
    PlanFailed,
    PlanForked,
    PlanPartiallyCompleted,
    PlanPaused,
    PlanQuarantined,
    PlanQuarantinedAfterCrashes,
    PlanRejected,
    PlanReopened,
    PlanResumed,
    PlanSubmitted,
    PlanUnpaused,
    StepAdded,
    StepCancelled,
    StepCompleted,
    StepFailed,
    StepInterrupted,
    StepPreparationFailed,
    StepRemoved,
    StepResultReused,
    StepRetryRequested,
    StepRevised,
    StepsExpanded,
    StepsGathered,
    StepSkipped,
    StepSkippedByOperator,
    StepStarted,
    StepTimedOut,
    SubPlanFinished,
    SubPlanStarted,
)
from core.domain.status import PlanStatus
from tests.unit.builders import CORRELATION_ID, PLAN_ID, T0, at, spec, step
from tests.unit.notebook_samples import NOTEBOOK_FIELDS

PLAN_SPEC = spec(
    step("build", parameters={"target": "app", "flags": ["-O2"], "depth": {"n": 1}}),
    step("ship", "build", max_retries=2, retry_backoff=1.5, timeout_ms=900, idempotent=False),
    require_approval=True,
    approvers=["carol"],
    total_timeout_ms=60_000,
)

CHILD_ID = UUID("00000000-0000-0000-0000-00000000c41d")

FIELDS: dict[type[PlanEvent], dict[str, Any]] = {
    PlanCreated: {"spec": PLAN_SPEC},
    PlanSubmitted: {"approval_required": True, "approval_deadline": at(60_000)},
    PlanApproved: {"by": "carol", "comment": "looks fine"},
    PlanRejected: {"by": "engine", "reason": "approval expired", "expired": True},
    PlanExecutionStarted: {"deadline": at(120_000)},
    PlanResumed: {"by": "ops", "interrupted_steps": ("build", "ship")},
    StepPreparationFailed: {
        "step_id": "ship",
        "field": "when",
        "error_type": "condition_error",
        "message": "'dict object' has no attribute 'nope'",
    },
    StepStarted: {
        "step_id": "build",
        "attempt": 1,
        "tool": "echo",
        "worker": "w1",
        "parameters": {"target": "app", "flags": ["-O2"]},
    },
    StepCompleted: {
        "step_id": "build",
        "attempt": 1,
        "tool": "shell",
        "result": {"lines": [1, 2.5, "three", None, True]},
        "duration_ms": 12,
    },
    StepFailed: {
        "step_id": "ship",
        "attempt": 2,
        "tool": "shell",
        "error_type": "exit_code",
        "message": "exit 3",
        "details": {"stderr": "no space left"},
        "duration_ms": 40,
        "will_retry": True,
        "retry_at": at(5_000),
    },
    StepTimedOut: {
        "step_id": "ship",
        "attempt": 3,
        "tool": "shell",
        "timeout_ms": 900,
        "duration_ms": 901,
        "will_retry": False,
    },
    StepInterrupted: {"step_id": "build", "attempt": 1, "worker": "w1"},
    StepSkipped: {
        "step_id": "ship",
        "reason": "dependency 'build' failed",
        "cause_step_id": "build",
    },
    StepCancelled: {"step_id": "build", "attempt": 1, "reason": "plan cancelled"},
    SubPlanStarted: {
        "step_id": "deploy",
        "attempt": 1,
        "child_plan_id": CHILD_ID,
        "depth": 1,
        "root_plan_id": PLAN_ID,
    },
    SubPlanFinished: {
        "step_id": "deploy",
        "attempt": 1,
        "child_plan_id": CHILD_ID,
        "status": "completed",
        "outputs": {"version": "1.4.0"},
    },
    PlanCompleted: {},
    PlanFailed: {"reason": "step 'ship' failed"},
    PlanPartiallyCompleted: {"reason": "1 step(s) failed, 1 completed"},
    PlanCancelled: {"by": "ops", "reason": "enough"},
    StepAdded: {"step": PLAN_SPEC.steps[1], "by": "ann", "reason": "needed"},
    StepRevised: {
        "step": PLAN_SPEC.steps[1],
        "fields": ("max_retries",),
        "by": "ann",
        "reason": "flaky",
    },
    StepRemoved: {"step_id": "ship", "by": "ann", "reason": "not needed"},
    PlanForked: {
        "source_plan_id": UUID(int=7),
        "source_version": 12,
        "from_step": "ship",
        "by": "ann",
    },
    StepResultReused: {"step_id": "build", "source_plan_id": UUID(int=7), "result": {"ok": 1}},
    StepsExpanded: {"step_id": "build", "items": ["a.txt", {"n": 2}, None]},
    StepsGathered: {
        "step_id": "build",
        "result": [3, None, 5],
        "failed_items": 1,
        "first_failed": "build[1]",
        "duration_ms": 40,
    },
    PlanPaused: {"by": "ops", "reason": "deploy freeze"},
    PlanUnpaused: {"by": "ops", "reason": "freeze over"},
    PlanReopened: {"by": "ops", "reason": "flaky network", "deadline": at(9_000)},
    StepRetryRequested: {
        "step_id": "build",
        "by": "ops",
        "reason": "flaky network",
        "reopened_steps": ("ship",),
    },
    StepSkippedByOperator: {"step_id": "lint", "by": "ops", "reason": "known issue"},
    ApprovalVoided: {
        "by_revision_version": 7,
        "by": "ann",
        "reason": "needed",
        "approval_deadline": at(9_000),
    },
    PlanQuarantined: {"by": "w1", "untrusted_version": 5, "reason": "unsigned PlanApproved"},
    **NOTEBOOK_FIELDS,
    PlanQuarantinedAfterCrashes: {"by": "w-1", "crashes": 3, "reason": "MemoryError"},
}


def sample(event_type: type[PlanEvent]) -> PlanEvent:
    return event_type(
        originator_id=PLAN_ID,
        originator_version=3,
        timestamp=T0,
        actor="alice",
        correlation_id=CORRELATION_ID,
        **FIELDS[event_type],
    )


def test_the_samples_cover_every_event_type() -> None:
    assert set(FIELDS) == set(EVENT_TYPES)
    assert len(EVENT_TYPES) == len(set(EVENT_TYPES))


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.__name__)
def test_an_event_is_frozen(event_type: type[PlanEvent]) -> None:
    event = sample(event_type)

    with pytest.raises(ValidationError):
        event.actor = "mallory"  # type: ignore[misc]

    assert event.actor == "alice"


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.__name__)
def test_an_event_round_trips_through_json(event_type: type[PlanEvent]) -> None:
    event = sample(event_type)

    restored = event_type.model_validate(event.model_dump(mode="json"))

    assert restored == event
    assert restored.timestamp.tzinfo is not None


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda t: t.__name__)
def test_an_event_refuses_unknown_fields(event_type: type[PlanEvent]) -> None:
    data = {**sample(event_type).model_dump(mode="json"), "surprise": 1}

    with pytest.raises(ValidationError):
        event_type.model_validate(data)


def test_an_event_names_its_plan_and_version() -> None:
    event = sample(PlanCompleted)

    assert (event.plan_id, event.version) == (PLAN_ID, 3)


def test_the_terminal_events_are_the_ones_that_end_a_plan() -> None:
    assert set(TERMINAL_EVENTS.values()) == {status for status in PlanStatus if status.is_terminal}
    assert set(TERMINAL_EVENTS) <= set(EVENT_TYPES)
