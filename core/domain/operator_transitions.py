"""How an operator's reopening, retry and skip change a plan's state (pure).

A retry or a skip takes back endings: the step's own (a failure) and those of the steps skipped
because of it, which are pending again. Each taken-back ending leaves its dependants' trigger-rule
tallies, and every step that waits and whose tally changed is decided again, as
`core.domain.step_transitions.settle` decides it when a dependency ends.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.domain.errors import CorruptHistoryError
from core.domain.events import (
    PlanEvent,
    PlanReopened,
    StepRetryRequested,
    StepSkippedByOperator,
)
from core.domain.plan_state import PlanState, StepState
from core.domain.status import PlanStatus, StepStatus
from core.domain.step_transitions import leave_pending, set_status, step_of
from core.domain.trigger_rules import Ending, Verdict, verdict


def on_reopened(state: PlanState, event: PlanReopened) -> None:
    if state.status not in (PlanStatus.FAILED, PlanStatus.PARTIAL):
        raise CorruptHistoryError(
            event.plan_id, event.version, f"a {state.status} plan cannot be reopened"
        )
    state.status = PlanStatus.EXECUTING
    state.finished_at = None
    state.reason = None
    state.outputs = {}
    state.output_refs = {}
    state.deadline = event.deadline


def on_retry_requested(state: PlanState, event: StepRetryRequested) -> None:
    step = step_of(state, event, event.step_id)
    if step.status is not StepStatus.FAILED or state.is_terminal:
        raise CorruptHistoryError(
            event.plan_id, event.version, f"step {event.step_id!r} cannot be retried now"
        )
    reopened = _skipped_steps(state, event, event.reopened_steps)
    _take_back(state, [event.step_id, *event.reopened_steps])
    set_status(state, step, StepStatus.PENDING)
    step.retried_after = step.attempt
    step.finished_at = step.retry_at = None
    state.ready[event.step_id] = None
    _back_to_pending(state, reopened)
    _stop_again(state)
    _decide_again(state, {event.step_id}, event.reopened_steps)


def on_skipped_by_operator(state: PlanState, event: StepSkippedByOperator) -> None:
    step = step_of(state, event, event.step_id)
    if step.status is StepStatus.PENDING:
        leave_pending(state, event.step_id)
    elif step.status is not StepStatus.FAILED or state.is_terminal:
        raise CorruptHistoryError(
            event.plan_id, event.version, f"step {event.step_id!r} cannot be skipped now"
        )
    reopened = _skipped_steps(state, event, event.reopened_steps)
    _take_back(state, [event.step_id, *event.reopened_steps])
    set_status(state, step, StepStatus.SKIPPED)
    step.skip_reason = operator_skip_reason(event)
    step.skip_cause = None
    step.error = None
    step.finished_at = event.timestamp
    step.ending = Ending.SUCCESS
    for dependant in state.dependants[event.step_id]:
        state.unmet[dependant] -= 1
        state.tallies[dependant].count(Ending.SUCCESS)
    _back_to_pending(state, reopened)
    _stop_again(state)
    _decide_again(state, {event.step_id}, event.reopened_steps)


def operator_skip_reason(event: StepSkippedByOperator) -> str:
    """How a step an operator skipped says why (views show it as the step's skip reason)."""
    return f"skipped by {event.by}: {event.reason}"


def _skipped_steps(state: PlanState, event: PlanEvent, step_ids: Iterable[str]) -> list[StepState]:
    steps = [step_of(state, event, step_id) for step_id in step_ids]
    for step in steps:
        if step.status is not StepStatus.SKIPPED:
            raise CorruptHistoryError(
                event.plan_id, event.version, f"step {step.spec.id!r} is not skipped"
            )
    return steps


def _take_back(state: PlanState, step_ids: Iterable[str]) -> None:
    """The steps' endings no longer count for their dependants."""
    for step_id in step_ids:
        step = state.steps[step_id]
        if step.ending is None:
            continue
        for dependant in state.dependants[step_id]:
            state.unmet[dependant] += 1
            state.tallies[dependant].uncount(step.ending)
        step.ending = None


def _back_to_pending(state: PlanState, steps: Iterable[StepState]) -> None:
    for step in steps:
        set_status(state, step, StepStatus.PENDING)
        step.skip_reason = step.skip_cause = step.finished_at = None


def _stop_again(state: PlanState) -> None:
    """The plan stays stopped only by a step that is still failed."""
    stopper = state.stopped_by
    if stopper is None or state.steps[stopper].status is StepStatus.FAILED:
        return
    state.stopped_by = next(
        (step_id for step_id, step in state.steps.items() if step.status is StepStatus.FAILED),
        None,
    )


def _decide_again(state: PlanState, changed: set[str], reopened: Iterable[str]) -> None:
    """Release, condemn or hold each waiting step whose tally changed, in spec order.

    A reopened step that ran before (it was stopped while waiting for a retry) is released
    again as it was; the others are decided by their trigger rule, like a step that never ran.
    """
    again = set(reopened)
    affected = {d for step_id in changed | again for d in state.dependants[step_id]} | again
    for step_id, step in state.steps.items():
        if step_id not in affected or step.status is not StepStatus.PENDING:
            continue
        if step.attempt > 0:
            if step_id in again:
                _release_again(state, step)
            continue
        state.ready.pop(step_id, None)
        state.blocked.pop(step_id, None)
        _decide(state, step)


def _release_again(state: PlanState, step: StepState) -> None:
    if step.retry_at is not None:
        state.retrying[step.spec.id] = step.retry_at
    else:
        state.ready[step.spec.id] = None


def _decide(state: PlanState, step: StepState) -> None:
    step_id = step.spec.id
    if not step.spec.depends_on:
        state.ready[step_id] = None
        return
    match verdict(step.spec.trigger, state.tallies[step_id]):
        case Verdict.RUN:
            state.ready[step_id] = None
        case Verdict.SKIP_AS_FAILED | Verdict.SKIP_AS_SKIPPED as said:
            as_skipped = said is Verdict.SKIP_AS_SKIPPED
            wanted = Ending.SKIPPED if as_skipped else Ending.FAILED
            ended = [d for d in step.spec.depends_on if state.steps[d].ending is not None]
            state.blocked[step_id] = next(
                (d for d in ended if state.steps[d].ending is wanted), ended[0]
            )
            step.blocked_as_skipped = as_skipped
        case Verdict.WAIT:
            pass
