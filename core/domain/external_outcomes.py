"""Outcomes reported from outside for external steps, decided as events (pure).

The reporter names the step (and, to be safe against a stale report, the attempt it worked
on); the event carries the reporter as its actor. A result must be storable JSON. A failure
is retried as the step's `max_retries` says, like a tool's.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from core.domain.errors import InvalidStepTransitionError, StepNotFoundError
from core.domain.event_stamper import EventStamper
from core.domain.events import PlanEvent, StepCompleted, StepFailed
from core.domain.external_steps import EXTERNAL_FAILURE, EXTERNAL_TOOL, is_external
from core.domain.json_value import JsonValue, unstorable_part
from core.domain.plan import PlanState, StepState
from core.domain.scheduler import elapsed_ms, next_retry_at
from core.domain.status import StepStatus


def complete_external(
    plan: PlanState,
    step_id: str,
    *,
    result: JsonValue,
    attempt: int | None,
    by: str,
    now: datetime,
    correlation_id: UUID,
) -> list[PlanEvent]:
    """`by` carried out the external step's awaited attempt; `result` is what it produced."""
    step = _awaited(plan, step_id, attempt, "complete")
    unstorable = unstorable_part(result)
    if unstorable is not None:
        raise InvalidStepTransitionError(plan.plan_id, step_id, "complete", unstorable)
    stamp = EventStamper.after(plan, now, by, correlation_id)
    return [
        stamp(
            StepCompleted,
            step_id=step_id,
            attempt=step.attempt,
            tool=EXTERNAL_TOOL,
            result=result,
            duration_ms=elapsed_ms(step.started_at, now),
        )
    ]


def fail_external(
    plan: PlanState,
    step_id: str,
    *,
    error: str,
    attempt: int | None,
    by: str,
    now: datetime,
    correlation_id: UUID,
) -> list[PlanEvent]:
    """`by` could not carry out the awaited attempt, for the reason `error`."""
    if not error.strip():
        raise InvalidStepTransitionError(plan.plan_id, step_id, "fail", "say why: --error TEXT")
    step = _awaited(plan, step_id, attempt, "fail")
    retry_at = next_retry_at(step.spec, step.attempt - step.retried_after, now)
    stamp = EventStamper.after(plan, now, by, correlation_id)
    return [
        stamp(
            StepFailed,
            step_id=step_id,
            attempt=step.attempt,
            tool=EXTERNAL_TOOL,
            error_type=EXTERNAL_FAILURE,
            message=error,
            duration_ms=elapsed_ms(step.started_at, now),
            will_retry=retry_at is not None,
            retry_at=retry_at,
        )
    ]


def _awaited(plan: PlanState, step_id: str, attempt: int | None, action: str) -> StepState:
    """The step, if it is external and its outcome (of `attempt`, when named) is awaited."""
    step = plan.steps.get(step_id)
    if step is None:
        raise StepNotFoundError(plan.plan_id, step_id)
    if not is_external(step.spec):
        problem = f"the engine carries it out (tool {step.spec.tool!r}); only external steps"
        raise InvalidStepTransitionError(plan.plan_id, step_id, action, problem)
    if step.status is not StepStatus.RUNNING:
        waiting = step.status is StepStatus.PENDING and not plan.is_terminal
        problem = f"no outcome is awaited: it is {step.status.value}, plan {plan.status.value}"
        if waiting:
            problem += " (it waits for its dependencies, an approval or a retry)"
        raise InvalidStepTransitionError(plan.plan_id, step_id, action, problem)
    if attempt is not None and attempt != step.attempt:
        problem = f"attempt {attempt} is over; attempt {step.attempt} awaits its outcome"
        raise InvalidStepTransitionError(plan.plan_id, step_id, action, problem)
    return step
