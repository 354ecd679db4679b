"""Sub-plans: a plan step that runs a child plan, decided as events (pure).

The child is an ordinary plan, created in the same append as the parent's `SubPlanStarted`, so
neither exists without the other. Its id is derived from the parent, step and attempt, so the
same history always names the same child. The engine approves it because its parent was
approved. When it ends, `SubPlanFinished` and the step's own outcome are recorded on the parent,
once: a report for an attempt that is no longer running is nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid5

from core.domain.event_stamper import EventStamper
from core.domain.events import (
    ENGINE_ACTOR,
    PlanApproved,
    PlanCreated,
    PlanEvent,
    PlanSubmitted,
    StepCompleted,
    StepFailed,
    SubPlanFinished,
    SubPlanStarted,
)
from core.domain.external_steps import waits_outside
from core.domain.json_value import JsonObject
from core.domain.plan import PlanState, StepState
from core.domain.ports import JsonSchemas
from core.domain.scheduler import elapsed_ms, next_retry_at
from core.domain.secret_inputs import SealedInputs, scrubbed
from core.domain.status import PlanStatus, StepStatus

SUB_PLAN_FAILED = "sub_plan_failed"
"""The error type of a plan step whose child did not complete, or could not start."""


@dataclass(frozen=True)
class ChildInputs:
    """A child's inputs resolved with its parent's secrets in clear (the runtime makes them).

    `clear` is what the child's `inputs_schema` checks; `recorded` (the child's secret inputs
    `***`, no parent secret anywhere in clear) and `sealed` go into its `PlanCreated`;
    `secrets` are the texts to scrub from a refusal; `refused` says why there are none.
    """

    clear: JsonObject
    recorded: JsonObject
    sealed: SealedInputs | None
    secrets: list[str]
    refused: str | None = None

    @classmethod
    def refusal(cls, reason: str) -> ChildInputs:
        """No inputs: the child cannot start, for `reason` (already free of secrets)."""
        return cls({}, {}, None, [], reason)


@dataclass(frozen=True)
class ChildStart:
    """The events that start one child: on the parent, and the child's own first ones."""

    parent_events: list[PlanEvent]
    child_events: list[PlanEvent]


def child_plan_id(parent_id: UUID, step_id: str, attempt: int) -> UUID:
    """The id of the child that attempt `attempt` of `step_id` starts (deterministic)."""
    return uuid5(parent_id, f"{step_id}/{attempt}")


def waits_on_child(step: StepState) -> bool:
    """True while a running plan step's attempt has its child."""
    return step.status is StepStatus.RUNNING and step.child_plan_id is not None


def unstarted_children(plan: PlanState) -> list[str]:
    """The running plan steps whose child is not created yet (their `StepStarted` just now)."""
    return [
        step_id
        for step_id in plan.running
        if plan.steps[step_id].spec.is_sub_plan and plan.steps[step_id].child_plan_id is None
    ]


def waiting_children(plan: PlanState) -> dict[str, UUID]:
    """Step id -> child id for each running plan step whose child runs."""
    return {
        step_id: child
        for step_id in plan.running
        if (child := plan.steps[step_id].child_plan_id) is not None
    }


def only_children_run(plan: PlanState) -> bool:
    """True when the plan executes and nothing runs but children and external steps.

    Either kind is carried out elsewhere and reported as an event: the plan can only wait.
    """
    return (
        plan.status is PlanStatus.EXECUTING
        and bool(plan.running)
        and all(waits_outside(plan.steps[step_id]) for step_id in plan.running)
    )


def only_waits_on_children(plan: PlanState) -> bool:
    """True when the plan can do nothing until a child ends or an outside report comes (or
    `next_due`).

    Only children and external steps run, and no ready step may start: the plan stopped, or
    they fill its `max_parallel_steps`. A ready step that waits for a worker's call slot is not
    such a wait.
    """
    if not only_children_run(plan):
        return False
    full = len(plan.running) >= plan.spec.options.parallel_slots
    return not plan.ready or full or plan.stopped_by is not None


def next_due(plan: PlanState) -> datetime | None:
    """When a plan that waits on its children has something of its own to do.

    The plan's deadline, a running plan step's timeout, or a retry falling due, whichever first.
    """
    due = [plan.deadline, *plan.retrying.values()] + [
        step.started_at + timedelta(milliseconds=step.timeout_ms)
        for step_id in plan.running
        if (step := plan.steps[step_id]).timeout_ms is not None and step.started_at is not None
    ]
    return min((at for at in due if at is not None), default=None)


def start_child(
    plan: PlanState,
    step_id: str,
    *,
    now: datetime,
    correlation_id: UUID,
    json_schemas: JsonSchemas,
    inputs: ChildInputs | None = None,
) -> ChildStart:
    """Create the child of a plan step that just started, or fail the step if it cannot start.

    The step's resolved parameters (recorded in `StepStarted`) are the child's inputs, or, for
    a parent with secret inputs, `inputs` (the same resolved with the secrets in clear); they
    must pass the child's `inputs_schema`, and the child must stay within `max_sub_plan_depth`.
    """
    step = plan.steps[step_id]
    assert step.spec.plan is not None
    spec = step.spec.plan
    given = inputs or ChildInputs(step.parameters or {}, step.parameters or {}, None, [])
    stamp = EventStamper.after(plan, now, ENGINE_ACTOR, correlation_id)
    depth = plan.depth + 1
    limit = plan.spec.options.max_sub_plan_depth
    problem = None
    if depth > limit:
        problem = f"the child would nest {depth} deep, over max_sub_plan_depth {limit}"
    elif given.refused is not None:
        problem = f"the child's inputs cannot be made: {given.refused}"
    elif spec.inputs_schema is not None:
        problems = json_schemas.instance_problems(given.clear, spec.inputs_schema)
        if problems:
            refused = "the child's inputs are refused: " + "; ".join(map(str, problems))
            problem = str(scrubbed(refused, given.secrets))
    if problem is not None:
        return ChildStart([_failed(stamp, step, problem, None, now)], [])
    child_id = child_plan_id(plan.plan_id, step_id, step.attempt)
    started = stamp(
        SubPlanStarted,
        step_id=step_id,
        attempt=step.attempt,
        child_plan_id=child_id,
        depth=depth,
        root_plan_id=plan.root_id,
    )
    child = EventStamper(child_id, 1, now, ENGINE_ACTOR, correlation_id)
    child_events: list[PlanEvent] = [
        child(
            PlanCreated,
            spec=spec,
            inputs=given.recorded,
            sealed_inputs=given.sealed,
            parent_plan_id=plan.plan_id,
            parent_step_id=step_id,
            root_plan_id=plan.root_id,
            depth=depth,
            traceparent=plan.trace.attempt_traceparent(step_id, step.attempt),
        ),
        child(PlanSubmitted, approval_required=False),
        child(PlanApproved, by=ENGINE_ACTOR, comment=f"its parent plan {plan.plan_id} is approved"),
    ]
    return ChildStart([started], child_events)


def report_child_end(
    parent: PlanState, child: PlanState, *, now: datetime, correlation_id: UUID
) -> list[PlanEvent]:
    """`SubPlanFinished` and the step's outcome on the parent; nothing if not awaited (any more).

    A completed child completes the step with its outputs as the result, and the refs of those
    it stored apart (so templates read them whole, as a large tool result); any other end fails it
    with `sub_plan_failed` (retried as a new child if the step has retries left).
    """
    step_id = child.parent_step_id
    step = parent.steps.get(step_id) if step_id is not None else None
    if step is None or not waits_on_child(step) or step.child_plan_id != child.plan_id:
        return []
    if not child.is_terminal:
        return []
    stamp = EventStamper.after(parent, now, ENGINE_ACTOR, correlation_id)
    events: list[PlanEvent] = [
        stamp(
            SubPlanFinished,
            step_id=step.spec.id,
            attempt=step.attempt,
            child_plan_id=child.plan_id,
            status=child.status.value,
            outputs=child.outputs,
            reason=child.reason,
        )
    ]
    duration = elapsed_ms(step.started_at, now)
    if child.status is PlanStatus.COMPLETED:
        events.append(
            stamp(
                StepCompleted,
                step_id=step.spec.id,
                attempt=step.attempt,
                tool=step.spec.tool,
                result=child.outputs,
                duration_ms=duration,
                output_refs=child.output_refs,
            )
        )
        return events
    message = f"sub-plan {child.plan_id} {child.status.value}: {child.reason or 'no reason given'}"
    events.append(_failed(stamp, step, message, str(child.plan_id), now))
    return events


def _failed(
    stamp: EventStamper, step: StepState, message: str, child: str | None, now: datetime
) -> PlanEvent:
    retry_at = next_retry_at(step.spec, step.attempt, now)
    details: JsonObject | None = {"child_plan_id": child} if child is not None else None
    return stamp(
        StepFailed,
        step_id=step.spec.id,
        attempt=step.attempt,
        tool=step.spec.tool,
        error_type=SUB_PLAN_FAILED,
        message=message,
        details=details,
        duration_ms=elapsed_ms(step.started_at, now),
        will_retry=retry_at is not None,
        retry_at=retry_at,
    )
