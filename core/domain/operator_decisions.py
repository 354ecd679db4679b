"""Operator decisions: pause, unpause, retry a step, skip a step (pure).

Like `core.domain.decisions`, each returns events numbered from the plan's next version, or
raises an `InvalidInputError` and returns nothing when the command does not fit the plan. A
retry or a skip on a plan that ended failed or partial reopens it first (`PlanReopened`); on a
plan that names `approvers`, only they may retry or skip (it overrides what they approved).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, timedelta
from uuid import UUID

from core.domain.approval_binding import require_approver
from core.domain.errors import InvalidStepTransitionError, InvalidTransitionError, StepNotFoundError
from core.domain.event_stamper import EventStamper
from core.domain.events import (
    PlanEvent,
    PlanPaused,
    PlanReopened,
    PlanUnpaused,
    StepRetryRequested,
    StepSkippedByOperator,
)
from core.domain.plan_state import PlanState, StepState
from core.domain.status import PlanStatus, StepStatus

REOPENABLE = (PlanStatus.FAILED, PlanStatus.PARTIAL)
"""Ended plans an operator's retry or skip may reopen; a cancel or a rejection is final."""


def pause(
    plan: PlanState, *, by: str, reason: str, now: datetime, correlation_id: UUID
) -> list[PlanEvent]:
    """Pause a plan that has not ended: no new step starts until it is unpaused."""
    if plan.is_terminal:
        raise InvalidTransitionError(plan.plan_id, plan.status.value, "pause")
    if plan.paused_by is not None:
        raise InvalidTransitionError(plan.plan_id, f"already paused by {plan.paused_by}", "pause")
    stamp = EventStamper.after(plan, now, by, correlation_id)
    return [stamp(PlanPaused, by=by, reason=reason)]


def unpause(
    plan: PlanState, *, by: str, reason: str, now: datetime, correlation_id: UUID
) -> list[PlanEvent]:
    """Lift the pause of a paused plan that has not ended."""
    if plan.is_terminal:
        raise InvalidTransitionError(plan.plan_id, plan.status.value, "unpause")
    if plan.paused_by is None:
        raise InvalidTransitionError(plan.plan_id, "not paused", "unpause")
    stamp = EventStamper.after(plan, now, by, correlation_id)
    return [stamp(PlanUnpaused, by=by, reason=reason)]


def retry_step(
    plan: PlanState,
    step_id: str,
    *,
    by: str,
    reason: str,
    now: datetime,
    correlation_id: UUID,
    roles: Collection[str] = (),
) -> list[PlanEvent]:
    """A new attempt of a failed step, and the steps skipped because of it back to pending.

    Under `stop_on_error`, another failed step would stop the plan again at once: the retry
    is refused, naming it (skip it first).
    """
    step = _step(plan, step_id)
    require_approver(plan, by, "retry", roles)
    _check_plan(plan, "retry")
    _check_not_mapped(plan, step_id, "retry")
    if step.status is not StepStatus.FAILED:
        raise InvalidStepTransitionError(plan.plan_id, step_id, "retry", _not_failed(step))
    other = _other_failure(plan, step_id)
    if other is not None:
        raise InvalidStepTransitionError(
            plan.plan_id,
            step_id,
            "retry",
            f"step {other!r} failed too and would stop the plan again (stop_on_error); "
            f"skip it first",
        )
    stamp = EventStamper.after(plan, now, by, correlation_id)
    events = _reopening(plan, stamp, by=by, reason=reason)
    reopened = skipped_because_of(plan, step_id)
    events.append(
        stamp(StepRetryRequested, step_id=step_id, by=by, reason=reason, reopened_steps=reopened)
    )
    return events


def skip_step(
    plan: PlanState,
    step_id: str,
    *,
    by: str,
    reason: str,
    now: datetime,
    correlation_id: UUID,
    roles: Collection[str] = (),
) -> list[PlanEvent]:
    """Mark a failed or pending step skipped; its dependants count it as a success."""
    step = _step(plan, step_id)
    require_approver(plan, by, "skip", roles)
    _check_plan(plan, "skip")
    _check_not_mapped(plan, step_id, "skip")
    if step.status not in (StepStatus.FAILED, StepStatus.PENDING):
        raise InvalidStepTransitionError(
            plan.plan_id, step_id, "skip", f"it is {step.status.value}; {_SKIPPABLE}"
        )
    stamp = EventStamper.after(plan, now, by, correlation_id)
    events = _reopening(plan, stamp, by=by, reason=reason)
    reopened = skipped_because_of(plan, step_id)
    events.append(
        stamp(StepSkippedByOperator, step_id=step_id, by=by, reason=reason, reopened_steps=reopened)
    )
    return events


_SKIPPABLE = "only a failed or pending step can be skipped"


def skipped_because_of(plan: PlanState, step_id: str) -> tuple[str, ...]:
    """The skipped steps whose skip leads back to `step_id` through their causes, in spec order."""
    caused: defaultdict[str, list[str]] = defaultdict(list)
    for other_id, other in plan.steps.items():
        if other.status is StepStatus.SKIPPED and other.skip_cause is not None:
            caused[other.skip_cause].append(other_id)
    found: set[str] = set()
    frontier = [step_id]
    while frontier:
        for other_id in caused[frontier.pop()]:
            if other_id not in found:
                found.add(other_id)
                frontier.append(other_id)
    return tuple(other_id for other_id in plan.steps if other_id in found)


def _step(plan: PlanState, step_id: str) -> StepState:
    step = plan.steps.get(step_id)
    if step is None:
        raise StepNotFoundError(plan.plan_id, step_id)
    return step


def _check_plan(plan: PlanState, action: str) -> None:
    """Steps of a plan that ended otherwise than failed or partial stay as they are."""
    if plan.is_terminal and plan.status not in REOPENABLE:
        raise InvalidTransitionError(plan.plan_id, plan.status.value, f"{action} a step of")
    if plan.counts[StepStatus.CANCELLED]:
        raise InvalidTransitionError(
            plan.plan_id, "stopped at its total timeout", f"{action} a step of"
        )


def _check_not_mapped(plan: PlanState, step_id: str, action: str) -> None:
    """An expanded `for_each` step and its items end together, so neither is operated alone.

    Retrying one item would re-open a map already gathered; a fork from the mapped step
    re-runs it whole.
    """
    step = plan.steps[step_id]
    if step.parent is not None or step_id in plan.expansions:
        mapped = step.parent or step_id
        raise InvalidStepTransitionError(
            plan.plan_id,
            step_id,
            action,
            f"{step_id!r} belongs to the expanded for_each step {mapped!r}; "
            f"fork the plan from {mapped!r} to run it again",
        )


def _not_failed(step: StepState) -> str:
    problem = f"it is {step.status.value}; only a failed step can be retried"
    if step.status is StepStatus.PENDING and step.attempt > 0:
        return f"{problem} (it will run again by itself)"
    if step.status is StepStatus.SKIPPED and step.skip_cause is not None:
        return f"{problem} (it was skipped because of {step.skip_cause!r}: retry that one)"
    return problem


def _other_failure(plan: PlanState, step_id: str) -> str | None:
    if not plan.spec.options.stops_on_error:
        return None
    return next(
        (
            other_id
            for other_id, other in plan.steps.items()
            if other.status is StepStatus.FAILED and other_id != step_id
        ),
        None,
    )


def _reopening(plan: PlanState, stamp: EventStamper, *, by: str, reason: str) -> list[PlanEvent]:
    """`PlanReopened` when the plan has ended; its total timeout counts afresh from now."""
    if not plan.is_terminal:
        return []
    total = plan.spec.options.total_timeout_ms
    deadline = stamp.timestamp + timedelta(milliseconds=total) if total is not None else None
    return [stamp(PlanReopened, by=by, reason=reason, deadline=deadline)]
