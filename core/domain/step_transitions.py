"""How each step event changes a plan's state and the scheduler's indexes (pure).

Each handler checks that the event fits the state (a history that does not is corrupt) and then
updates the step and the indexes it touched: ready, running, retrying, blocked, the dependants'
trigger-rule tallies, and the per-status counts.
"""

from __future__ import annotations

from core.domain.attempt_outcomes import AttemptOutcome
from core.domain.errors import CorruptHistoryError
from core.domain.events import (
    PlanEvent,
    StepPreparationFailed,
    StepSkipped,
    StepStarted,
)
from core.domain.plan_state import PlanState, StepError, StepState
from core.domain.status import PlanStatus, StepStatus
from core.domain.trigger_rules import Ending, Verdict, verdict


def step_of(state: PlanState, event: PlanEvent, step_id: str) -> StepState:
    step = state.steps.get(step_id)
    if step is None:
        raise CorruptHistoryError(event.plan_id, event.version, f"unknown step {step_id!r}")
    return step


def set_status(state: PlanState, step: StepState, status: StepStatus) -> None:
    state.counts[step.status] -= 1
    state.counts[status] += 1
    step.status = status


def leave_pending(state: PlanState, step_id: str) -> None:
    state.ready.pop(step_id, None)
    state.retrying.pop(step_id, None)
    state.blocked.pop(step_id, None)


def settle(state: PlanState, step_id: str, ending: Ending) -> None:
    """A step ended: count it for each dependant and let the dependant's trigger rule decide.

    A dependant its rule already released (ready, started) or condemned (blocked) stays so.
    The ending is kept on the step, for a step added or revised later to count it.
    A child of a `for_each` step has no dependants: its parent is told instead.
    """
    ended = state.steps[step_id]
    ended.ending = ending
    if ended.parent is not None:
        state.item_ended(ended.parent)
        return
    for dependant in state.dependants[step_id]:
        state.unmet[dependant] -= 1
        tally = state.tallies[dependant]
        tally.count(ending)
        step = state.steps[dependant]
        if (
            step.status is not StepStatus.PENDING
            or step.attempt > 0
            or dependant in state.ready
            or dependant in state.blocked
        ):
            continue
        match verdict(step.spec.trigger, tally):
            case Verdict.RUN:
                state.ready[dependant] = None
            case Verdict.SKIP_AS_FAILED | Verdict.SKIP_AS_SKIPPED as said:
                state.blocked[dependant] = step_id
                step.blocked_as_skipped = said is Verdict.SKIP_AS_SKIPPED
            case Verdict.WAIT:
                pass


def on_step_started(state: PlanState, event: StepStarted) -> None:
    step = step_of(state, event, event.step_id)
    released = event.step_id in state.ready or event.step_id in state.retrying
    if (
        step.status is not StepStatus.PENDING
        or event.attempt != step.attempt + 1
        or not released
        or state.status is not PlanStatus.EXECUTING
    ):
        raise CorruptHistoryError(
            event.plan_id,
            event.version,
            f"step {event.step_id!r} cannot start attempt {event.attempt}: it is {step.status}, "
            f"{'' if released else 'not '}released by its dependencies, plan {state.status}",
        )
    leave_pending(state, event.step_id)
    set_status(state, step, StepStatus.RUNNING)
    state.running[event.step_id] = None
    step.attempt = event.attempt
    step.worker = event.worker
    step.parameters = event.parameters
    step.started_at = event.timestamp
    step.finished_at = step.duration_ms = step.retry_at = None


def running_attempt(state: PlanState, event: PlanEvent, step_id: str, attempt: int) -> StepState:
    step = step_of(state, event, step_id)
    if step.status is not StepStatus.RUNNING or step.attempt != attempt:
        raise CorruptHistoryError(
            event.plan_id, event.version, f"step {step_id!r} attempt {attempt} is not running"
        )
    del state.running[step_id]
    step.finished_at = event.timestamp
    return step


def on_attempt_ended(state: PlanState, event: PlanEvent, outcome: AttemptOutcome) -> None:
    """A running attempt ended: the step takes the status, error and result `outcome` says.

    A step that runs again is released at once after an interruption, and when its retry is
    due after a failure; a step that ended counts for its dependants.
    """
    step = running_attempt(state, event, outcome.step_id, outcome.attempt)
    if outcome.duration_ms is not None:
        step.duration_ms = outcome.duration_ms
    if outcome.sets_step_error:
        step.error = outcome.error
    match outcome.step_status:
        case StepStatus.COMPLETED:
            set_status(state, step, StepStatus.COMPLETED)
            step.result = outcome.result
            step.result_ref = outcome.result_ref
            step.output_refs = outcome.output_refs
            settle(state, outcome.step_id, Ending.SUCCESS)
        case StepStatus.PENDING if outcome.retry:
            set_status(state, step, StepStatus.PENDING)
            step.retry_at = outcome.retry_at
            due = outcome.retry_at or step.finished_at or state.created_at
            state.retrying[outcome.step_id] = due
        case StepStatus.PENDING:
            set_status(state, step, StepStatus.PENDING)
            state.ready[outcome.step_id] = None
        case StepStatus.CANCELLED:
            set_status(state, step, StepStatus.CANCELLED)
            step.skip_reason = outcome.cancel_reason
            settle(state, outcome.step_id, Ending.FAILED)
        case _:
            failed_for_good(state, step)


def failed_for_good(state: PlanState, step: StepState) -> None:
    step_id = step.spec.id
    set_status(state, step, StepStatus.FAILED)
    settle(state, step_id, Ending.FAILED)
    if state.spec.options.stops_on_error and state.stopped_by is None:
        state.stopped_by = step_id


def on_step_skipped(state: PlanState, event: StepSkipped) -> None:
    step = step_of(state, event, event.step_id)
    if step.status is not StepStatus.PENDING:
        raise CorruptHistoryError(
            event.plan_id, event.version, f"step {event.step_id!r} is not pending"
        )
    leave_pending(state, event.step_id)
    set_status(state, step, StepStatus.SKIPPED)
    step.skip_reason = event.reason
    step.skip_cause = event.cause_step_id
    step.finished_at = event.timestamp
    settle(state, event.step_id, Ending.SKIPPED if event.by_condition else Ending.FAILED)


def on_step_preparation_failed(state: PlanState, event: StepPreparationFailed) -> None:
    step = step_of(state, event, event.step_id)
    if step.status is not StepStatus.PENDING or (
        event.step_id not in state.ready and event.step_id not in state.retrying
    ):
        raise CorruptHistoryError(
            event.plan_id, event.version, f"step {event.step_id!r} is not ready to prepare"
        )
    leave_pending(state, event.step_id)
    step.error = StepError(event.error_type, event.error_message)
    step.finished_at = event.timestamp
    failed_for_good(state, step)
