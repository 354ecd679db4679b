"""Decision functions: given a plan and a command or a schedule, the events to record (pure).

Each function returns events numbered from the plan's next version; the caller applies them
(`evolve`) and appends them in one batch. They raise an `InvalidInputError` and return nothing
when the command does not fit the plan, so nothing is written.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from core.domain.approval_binding import check_approval, may_approve, plan_digest, spec_digest
from core.domain.attempt_outcomes import INTERRUPTED
from core.domain.errors import (
    InvalidTransitionError,
    NotAnApproverError,
    SeparationOfDutiesError,
)
from core.domain.event_stamper import EventStamper
from core.domain.events import (
    ENGINE_ACTOR,
    PlanApproved,
    PlanCancelled,
    PlanCompleted,
    PlanCreated,
    PlanEvent,
    PlanExecutionStarted,
    PlanFailed,
    PlanPartiallyCompleted,
    PlanRejected,
    PlanResumed,
    PlanSubmitted,
    StepCancelled,
    StepCompleted,
    StepFailed,
    StepInterrupted,
    StepPreparationFailed,
    StepsExpanded,
    StepsGathered,
    StepSkipped,
    StepStarted,
    StepTimedOut,
)
from core.domain.expansion import ExpandStep, GatherItems, closing_gathers
from core.domain.external_steps import EXTERNAL_WORKER, is_external, waits_outside
from core.domain.json_value import JsonObject, JsonValue
from core.domain.plan import PlanState
from core.domain.result_refs import BlobRef
from core.domain.roles import names_approver
from core.domain.scheduler import (
    CancelStep,
    Decision,
    ExpireApproval,
    FailStep,
    FinishPlan,
    SkipStep,
    StartStep,
    TimeOutStep,
    next_retry_at,
)
from core.domain.secret_inputs import SealedInputs
from core.domain.spec import PlanSpec
from core.domain.status import PlanStatus, StepStatus
from core.domain.trace_context import parse_traceparent


@dataclass(frozen=True)
class Outcome:
    """What one tool call ended with: a result, or an error type and message."""

    step_id: str
    attempt: int
    duration_ms: int
    result: JsonValue = None
    error_type: str | None = None
    message: str = ""
    details: JsonValue = None
    result_ref: BlobRef | None = None


def create_plan(
    plan_id: UUID,
    spec: PlanSpec,
    *,
    by: str,
    now: datetime,
    correlation_id: UUID,
    inputs: JsonObject | None = None,
    traceparent: str | None = None,
    sealed_inputs: SealedInputs | None = None,
) -> list[PlanEvent]:
    """Create and submit a plan with its (already checked) `inputs`; auto-approve if asked.

    `traceparent` links the plan's trace to its caller's; it is checked here (W3C format), so a
    bad one raises `InvalidTraceparentError` and nothing is recorded. Secret inputs come
    redacted in `inputs` and encrypted in `sealed_inputs`.
    """
    if traceparent is not None:
        traceparent = parse_traceparent(traceparent).header
    stamp = EventStamper(plan_id, 1, now, by, correlation_id)
    inputs = inputs or {}
    created = stamp(
        PlanCreated,
        spec=spec,
        inputs=inputs,
        traceparent=traceparent,
        sealed_inputs=sealed_inputs,
    )
    return [created, *submit(stamp, spec, now, inputs)]


def submit(
    stamp: EventStamper, spec: PlanSpec, now: datetime, inputs: JsonObject
) -> list[PlanEvent]:
    """Take a new plan out of `draft`: to approval, or approved (at once with `auto_approve`).

    A plan that requires approval records the digest of its spec and inputs, which binds every
    approval of it to the spec it approves (see `core.domain.approval_binding`).
    """
    options = spec.options
    deadline = None
    if options.needs_approval and options.approval_timeout_ms is not None:
        deadline = now + timedelta(milliseconds=options.approval_timeout_ms)
    digest = spec_digest(spec, inputs) if options.require_approval else None
    events: list[PlanEvent] = [
        stamp(
            PlanSubmitted,
            approval_required=options.needs_approval,
            approval_deadline=deadline,
            spec_digest=digest,
        )
    ]
    if options.require_approval and options.auto_approve:
        stamp.actor = ENGINE_ACTOR
        events.append(
            stamp(PlanApproved, by=ENGINE_ACTOR, comment="auto_approve", spec_digest=digest)
        )
    return events


def approve(
    plan: PlanState,
    *,
    by: str,
    comment: str,
    now: datetime,
    correlation_id: UUID,
    roles: Collection[str] = (),
) -> list[PlanEvent]:
    """A person approves a plan that waits for approval: the approval covers its spec as it is.

    `roles` are those `by` was authenticated with. A plan whose approval a revision voided waits
    again, even while it executes.
    """
    if not may_approve(plan):
        raise InvalidTransitionError(plan.plan_id, plan.status.value, "approve")
    check_approval(plan, by, roles)
    stamp = EventStamper.after(plan, now, by, correlation_id)
    return [stamp(PlanApproved, by=by, comment=comment, spec_digest=plan_digest(plan))]


def reject(
    plan: PlanState,
    *,
    by: str,
    reason: str,
    now: datetime,
    correlation_id: UUID,
    roles: Collection[str] = (),
) -> list[PlanEvent]:
    """A person rejects a plan that waits for approval (`roles`: those `by` was granted)."""
    _check_approver(plan, by, roles, "reject")
    return [EventStamper.after(plan, now, by, correlation_id)(PlanRejected, by=by, reason=reason)]


def cancel(
    plan: PlanState, *, by: str, reason: str, now: datetime, correlation_id: UUID
) -> list[PlanEvent]:
    """Cancel a plan that has not ended: running attempts are cancelled, pending steps skipped.

    An expanded `for_each` step is gathered (failed) once its children have been ended.
    """
    if plan.is_terminal:
        raise InvalidTransitionError(plan.plan_id, plan.status.value, "cancel")
    stamp = EventStamper.after(plan, now, by, correlation_id)
    events: list[PlanEvent] = [
        stamp(StepCancelled, step_id=step_id, attempt=plan.steps[step_id].attempt, reason=reason)
        for step_id in plan.running
    ]
    events.extend(
        stamp(StepSkipped, step_id=step_id, reason=f"plan cancelled: {reason}", cause_step_id=None)
        for step_id, step in plan.steps.items()
        if step.status is StepStatus.PENDING
    )
    events.extend(_decision_event(plan, gather, stamp, by) for gather in closing_gathers(plan, now))
    events.append(stamp(PlanCancelled, by=by, reason=reason))
    return events


def start_execution(plan: PlanState, *, now: datetime, correlation_id: UUID) -> list[PlanEvent]:
    """Begin executing an approved plan; the total timeout starts counting now."""
    if plan.status is not PlanStatus.APPROVED:
        raise InvalidTransitionError(plan.plan_id, plan.status.value, "execute")
    total = plan.spec.options.total_timeout_ms
    deadline = now + timedelta(milliseconds=total) if total is not None else None
    stamp = EventStamper.after(plan, now, ENGINE_ACTOR, correlation_id)
    return [stamp(PlanExecutionStarted, deadline=deadline)]


def resume(plan: PlanState, *, by: str, now: datetime, correlation_id: UUID) -> list[PlanEvent]:
    """Resume after a stop: attempts left running are re-run if idempotent, else failed.

    A plan step whose child plan runs, and an external step, are left running: the child or
    the outside party goes on and reports its end.
    """
    if plan.status is not PlanStatus.EXECUTING:
        raise InvalidTransitionError(plan.plan_id, plan.status.value, "resume")
    stamp = EventStamper.after(plan, now, by, correlation_id)
    running = [step_id for step_id in plan.running if not waits_outside(plan.steps[step_id])]
    events: list[PlanEvent] = [stamp(PlanResumed, by=by, interrupted_steps=tuple(running))]
    for step_id in running:
        step = plan.steps[step_id]
        worker = step.worker or "unknown"
        if step.spec.idempotent:
            events.append(
                stamp(StepInterrupted, step_id=step_id, attempt=step.attempt, worker=worker)
            )
        else:
            events.append(
                stamp(
                    StepFailed,
                    step_id=step_id,
                    attempt=step.attempt,
                    tool=step.spec.tool,
                    error_type=INTERRUPTED,
                    message=(
                        f"attempt {step.attempt} on {worker} was cut off and the step is not "
                        "idempotent, so it is not run again"
                    ),
                    duration_ms=0,
                )
            )
    return events


def record_outcome(
    plan: PlanState, outcome: Outcome, *, now: datetime, correlation_id: UUID
) -> list[PlanEvent]:
    """Record a finished tool call, or nothing if that attempt is no longer running."""
    step = plan.steps.get(outcome.step_id)
    if step is None or step.status is not StepStatus.RUNNING or step.attempt != outcome.attempt:
        return []
    stamp = EventStamper.after(plan, now, ENGINE_ACTOR, correlation_id)
    if outcome.error_type is None:
        return [
            stamp(
                StepCompleted,
                step_id=outcome.step_id,
                attempt=outcome.attempt,
                tool=step.spec.tool,
                result=outcome.result,
                duration_ms=outcome.duration_ms,
                result_ref=outcome.result_ref,
            )
        ]
    retry_at = next_retry_at(step.spec, outcome.attempt - step.retried_after, now)
    return [
        stamp(
            StepFailed,
            step_id=outcome.step_id,
            attempt=outcome.attempt,
            tool=step.spec.tool,
            error_type=outcome.error_type,
            message=outcome.message,
            details=outcome.details,
            duration_ms=outcome.duration_ms,
            will_retry=retry_at is not None,
            retry_at=retry_at,
        )
    ]


def apply_decisions(
    plan: PlanState,
    decisions: Iterable[Decision],
    *,
    now: datetime,
    worker: str,
    correlation_id: UUID,
) -> list[PlanEvent]:
    """Turn the scheduler's decisions into events, in order."""
    stamp = EventStamper.after(plan, now, ENGINE_ACTOR, correlation_id)
    return [_decision_event(plan, decision, stamp, worker) for decision in decisions]


def _decision_event(
    plan: PlanState, decision: Decision, stamp: EventStamper, worker: str
) -> PlanEvent:
    match decision:
        case StartStep(step_id, attempt, parameters):
            spec = plan.steps[step_id].spec
            return stamp(
                StepStarted,
                step_id=step_id,
                attempt=attempt,
                tool=spec.tool,
                worker=EXTERNAL_WORKER if is_external(spec) else worker,
                parameters=parameters,
            )
        case SkipStep(step_id, reason, cause, by_condition):
            return stamp(
                StepSkipped,
                step_id=step_id,
                reason=reason,
                cause_step_id=cause,
                by_condition=by_condition,
            )
        case FailStep(step_id, field, error_type, message):
            return stamp(
                StepPreparationFailed,
                step_id=step_id,
                field=field,
                error_type=error_type,
                message=message,
            )
        case TimeOutStep(step_id, attempt, timeout_ms, duration_ms, retry_at):
            return stamp(
                StepTimedOut,
                step_id=step_id,
                attempt=attempt,
                tool=plan.steps[step_id].spec.tool,
                timeout_ms=timeout_ms,
                duration_ms=duration_ms,
                will_retry=retry_at is not None,
                retry_at=retry_at,
            )
        case CancelStep(step_id, attempt, reason):
            return stamp(StepCancelled, step_id=step_id, attempt=attempt, reason=reason)
        case FinishPlan(PlanStatus.COMPLETED, _, outputs, refs):
            return stamp(PlanCompleted, outputs=outputs, output_refs=refs)
        case FinishPlan(PlanStatus.PARTIAL, reason, outputs, refs):
            return stamp(PlanPartiallyCompleted, reason=reason, outputs=outputs, output_refs=refs)
        case FinishPlan(status, reason):
            return stamp(_FINISH_EVENTS[status], reason=reason)
        case ExpandStep(step_id, items):
            return stamp(StepsExpanded, step_id=step_id, items=items)
        case GatherItems(step_id, result, failed_items, first_failed, duration_ms, item_refs):
            return stamp(
                StepsGathered,
                step_id=step_id,
                result=result,
                failed_items=failed_items,
                first_failed=first_failed,
                duration_ms=duration_ms,
                item_refs=item_refs,
            )
        case ExpireApproval():
            return stamp(PlanRejected, by=ENGINE_ACTOR, reason="approval expired", expired=True)
    raise AssertionError(f"unhandled decision {decision!r}")


_FINISH_EVENTS: dict[PlanStatus, type[PlanFailed]] = {PlanStatus.FAILED: PlanFailed}


def check_may_approve(
    spec: PlanSpec, by: str, *, created_by: str, roles: Collection[str] = ()
) -> None:
    """Raise unless `by` may approve a plan of this spec that `created_by` creates now (a spec
    that needs no approval needs no approver).

    `run --approve-as` asks before anything is written, so a refusal leaves no plan behind.
    """
    if not spec.options.needs_approval:
        return
    approvers = spec.options.approvers
    if not names_approver(approvers, by, roles):
        raise NotAnApproverError(None, by, approvers)
    if spec.options.separation_of_duties and by == created_by:
        raise SeparationOfDutiesError(None, by, "created")


def _check_approver(plan: PlanState, by: str, roles: Collection[str], action: str) -> None:
    if plan.status is not PlanStatus.PENDING_APPROVAL:
        raise InvalidTransitionError(plan.plan_id, plan.status.value, action)
    approvers = plan.spec.options.approvers
    if not names_approver(approvers, by, roles):
        raise NotAnApproverError(plan.plan_id, by, approvers)
