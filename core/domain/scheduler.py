"""The scheduler: a pure function of (plan state, now) that says what should happen next (pure).

It reads only the fold's indexes (ready, running, waiting for a retry, blocked), so each call
costs what changed since the last one, not the plan's size. The engine turns its decisions
into events, applies them and asks again until nothing is left to decide.

A ready `for_each` step is expanded rather than started, and gathered once its children
ended (`core.domain.expansion`); its children are ordinary steps in every index.

Conditions and parameter templates are evaluated here, for the steps about to start, through
the `Expressions` port: a pure function of the source and the recorded results, so the same
events always lead to the same decisions. Its answers are recorded in the events it leads to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.domain.data_passing import (
    Unprepared,
    condition_holds,
    resolve_outputs,
    resolve_parameters,
)
from core.domain.expansion import ExpandStep, GatherItems, closing_gathers, gathers, items_of
from core.domain.json_value import JsonObject
from core.domain.plan import PlanState, StepState
from core.domain.ports import Expressions
from core.domain.result_refs import BlobRef
from core.domain.spec import StepSpec
from core.domain.status import PlanStatus, StepStatus
from core.domain.trigger_rules import TriggerRule

CONDITION_FALSE = "condition false"


@dataclass(frozen=True)
class StartStep:
    """Start attempt `attempt` of a step with its resolved `parameters`."""

    step_id: str
    attempt: int
    parameters: JsonObject = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class SkipStep:
    """Mark a pending step skipped: it can never run (`by_condition`: a `when` caused it)."""

    step_id: str
    reason: str
    cause_step_id: str | None
    by_condition: bool = False


@dataclass(frozen=True)
class FailStep:
    """A ready step cannot run: its condition or a parameter template failed to evaluate."""

    step_id: str
    field: str
    error_type: str
    message: str


@dataclass(frozen=True)
class TimeOutStep:
    """A running attempt is over its timeout; `retry_at` is set if a retry follows."""

    step_id: str
    attempt: int
    timeout_ms: int
    duration_ms: int
    retry_at: datetime | None


@dataclass(frozen=True)
class CancelStep:
    """Stop a running attempt because the plan is ending."""

    step_id: str
    attempt: int
    reason: str


@dataclass(frozen=True)
class FinishPlan:
    """End the plan with a terminal status."""

    status: PlanStatus
    reason: str
    outputs: JsonObject = field(default_factory=dict, compare=False)
    output_refs: dict[str, BlobRef] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class ExpireApproval:
    """Nobody approved the plan before its approval deadline."""


Decision = (
    StartStep
    | SkipStep
    | FailStep
    | TimeOutStep
    | CancelStep
    | FinishPlan
    | ExpireApproval
    | ExpandStep
    | GatherItems
)


@dataclass(frozen=True)
class Schedule:
    """What to do now, and when to ask again if nothing else happens first."""

    decisions: tuple[Decision, ...]
    wake_at: datetime | None


def decide(plan: PlanState, now: datetime, expressions: Expressions) -> Schedule:
    """Decide what should happen to `plan` at `now`; `expressions` evaluates its templates.

    A paused plan starts nothing (its ready steps and due retries wait), but its time-outs,
    deadline, skips and end are decided as ever; so does a plan whose approval a revision voided
    or does not cover its spec, or that was quarantined (`PlanState.starts_held`).
    """
    if plan.status is PlanStatus.PENDING_APPROVAL:
        deadline = plan.approval_deadline
        if deadline is not None and now >= deadline:
            return Schedule((ExpireApproval(),), None)
        return Schedule((), deadline)
    if plan.status is not PlanStatus.EXECUTING:
        return Schedule((), None)
    if plan.deadline is not None and now >= plan.deadline:
        return Schedule(_end_at_deadline(plan, now), None)
    decisions: list[Decision] = []
    wake: list[datetime | None] = [plan.deadline]
    timed_out = _time_outs(plan, now, decisions, wake)
    decisions.extend(gathers(plan, now))
    _skips(plan, decisions)
    if (
        plan.stopped_by is None
        and not plan.paused
        and not plan.starts_held
        and not _stops_now(plan, decisions)
    ):
        _starts(plan, now, len(plan.running) - timed_out, decisions, wake, expressions)
    if not decisions and not plan.running and plan.counts[StepStatus.PENDING] == 0:
        decisions.append(_finish(plan, expressions))
    return Schedule(tuple(decisions), min((at for at in wake if at is not None), default=None))


def _stops_now(plan: PlanState, decisions: list[Decision]) -> bool:
    """A final timeout decided now stops the plan as soon as it is applied: start nothing."""
    return plan.spec.options.stops_on_error and any(
        isinstance(decision, TimeOutStep) and decision.retry_at is None for decision in decisions
    )


def next_retry_at(step: StepSpec, attempt: int, now: datetime) -> datetime | None:
    """When the next attempt is due after attempt `attempt` failed; None when no retry is left.

    `attempt` counts from the last operator's retry, if any (that attempt is number 1 again).

    The delay grows geometrically: `retry_delay_ms * retry_backoff ** (attempt - 1)`.
    """
    if attempt >= 1 + step.max_retries:
        return None
    delay_ms = step.retry_delay_ms * step.retry_backoff ** (attempt - 1)
    return now + timedelta(milliseconds=delay_ms)


def elapsed_ms(start: datetime | None, end: datetime) -> int:
    """Whole milliseconds from `start` to `end` (0 when unknown or negative)."""
    if start is None:
        return 0
    return max(0, int((end - start) / timedelta(milliseconds=1)))


def _time_outs(
    plan: PlanState, now: datetime, decisions: list[Decision], wake: list[datetime | None]
) -> int:
    count = 0
    for step_id in plan.running:
        step = plan.steps[step_id]
        if step.timeout_ms is None or step.started_at is None:
            continue
        due = step.started_at + timedelta(milliseconds=step.timeout_ms)
        if now < due:
            wake.append(due)
            continue
        retry_at = next_retry_at(step.spec, step.attempt - step.retried_after, now)
        decisions.append(
            TimeOutStep(
                step_id, step.attempt, step.timeout_ms, elapsed_ms(step.started_at, now), retry_at
            )
        )
        count += 1
    return count


def _skips(plan: PlanState, decisions: list[Decision]) -> None:
    for step_id, cause in plan.blocked.items():
        as_skipped = plan.steps[step_id].blocked_as_skipped
        decisions.append(
            SkipStep(step_id, _dependency_reason(plan, step_id, cause), cause, as_skipped)
        )
    if plan.stopped_by is None or plan.counts[StepStatus.PENDING] == len(plan.blocked):
        return
    reason = f"plan stopped: step {plan.stopped_by!r} failed"
    for step_id, step in plan.steps.items():
        if step.status is StepStatus.PENDING and step_id not in plan.blocked:
            decisions.append(SkipStep(step_id, reason, plan.stopped_by))


def _dependency_reason(plan: PlanState, step_id: str, cause: str) -> str:
    rule = plan.steps[step_id].spec.trigger
    if rule is TriggerRule.ALL_SUCCESS:
        return f"dependency {cause!r} {plan.steps[cause].status.value}"
    tally = plan.tallies[step_id]
    return (
        f"trigger rule {rule.value} not met: of {tally.total} dependencies {tally.succeeded} "
        f"succeeded, {tally.failed} failed, {tally.skipped} skipped"
    )


def _starts(
    plan: PlanState,
    now: datetime,
    busy: int,
    decisions: list[Decision],
    wake: list[datetime | None],
    expressions: Expressions,
) -> None:
    """Start ready steps while slots are free; a false `when` skips a step without a slot.

    Under `stop_on_error`, a step that cannot be prepared stops the plan: nothing after it starts.
    """
    free = plan.spec.options.parallel_slots - busy
    stops = plan.spec.options.stops_on_error
    for step_id in plan.ready:
        if free <= 0:
            break
        step = plan.steps[step_id]
        decision = _prepared(plan, step, expressions, first=step.attempt == 0)
        decisions.append(decision)
        if isinstance(decision, StartStep):
            free -= 1
        elif isinstance(decision, FailStep) and stops:
            return
    for step_id, due in plan.retrying.items():
        if now < due:
            wake.append(due)
        elif free > 0:
            decision = _prepared(plan, plan.steps[step_id], expressions, first=False)
            decisions.append(decision)
            if isinstance(decision, StartStep):
                free -= 1
            elif stops:
                return


def _prepared(
    plan: PlanState, step: StepState, expressions: Expressions, *, first: bool
) -> StartStep | SkipStep | FailStep | ExpandStep:
    """Start the step with resolved parameters, skip it (condition false), or fail it.

    A `for_each` step is expanded instead of started (see `core.domain.expansion`).

    The condition is evaluated once, before the first attempt; retries and re-runs after an
    interruption only resolve the parameters again (from the same recorded results).
    """
    step_id = step.spec.id
    if first:
        holds = condition_holds(plan, step, expressions)
        if isinstance(holds, Unprepared):
            return FailStep(step_id, holds.field, holds.error_type, holds.message)
        if not holds:
            return SkipStep(step_id, CONDITION_FALSE, None, by_condition=True)
    if step.spec.for_each is not None:
        expansion = items_of(plan, step, expressions)
        if isinstance(expansion, Unprepared):
            return FailStep(step_id, expansion.field, expansion.error_type, expansion.message)
        return expansion
    parameters = resolve_parameters(plan, step, expressions)
    if isinstance(parameters, Unprepared):
        return FailStep(step_id, parameters.field, parameters.error_type, parameters.message)
    return StartStep(step_id, step.attempt + 1, parameters)


def _end_at_deadline(plan: PlanState, now: datetime) -> tuple[Decision, ...]:
    timeout = plan.spec.options.total_timeout_ms
    reason = f"plan ran past its total timeout of {timeout} ms"
    decisions: list[Decision] = [
        CancelStep(step_id, plan.steps[step_id].attempt, reason) for step_id in plan.running
    ]
    decisions.extend(
        SkipStep(step_id, reason, None)
        for step_id, step in plan.steps.items()
        if step.status is StepStatus.PENDING
    )
    decisions.extend(closing_gathers(plan, now))
    decisions.append(FinishPlan(PlanStatus.FAILED, reason))
    return tuple(decisions)


def _finish(plan: PlanState, expressions: Expressions) -> FinishPlan:
    """The plan's end. A completed plan whose outputs do not resolve has failed its promise."""
    counts = plan.counts
    failed = counts[StepStatus.FAILED] + counts[StepStatus.CANCELLED]
    if failed == 0:
        outputs, problems = resolve_outputs(plan, expressions)
        if problems:
            return FinishPlan(PlanStatus.FAILED, "; ".join(problems))
        return FinishPlan(PlanStatus.COMPLETED, "every step completed", outputs)
    if plan.stopped_by is not None:
        return FinishPlan(PlanStatus.FAILED, f"step {plan.stopped_by!r} failed")
    if counts[StepStatus.COMPLETED] > 0:
        outputs, _ = resolve_outputs(plan, expressions)
        return FinishPlan(
            PlanStatus.PARTIAL,
            f"{failed} step(s) failed, {counts[StepStatus.COMPLETED]} completed",
            outputs,
        )
    return FinishPlan(PlanStatus.FAILED, "no step completed")
