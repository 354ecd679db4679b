"""The fold: a plan's state built from its events, one event at a time (pure).

`evolve` updates the state in place and returns it: the fold owns it, and an older state is had
by folding a prefix of the events. Step events are handled in `core.domain.step_transitions`
(an attempt's end as `core.domain.attempt_outcomes` describes it); the state and its scheduler
indexes are defined in `core.domain.plan_state`.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.domain import approval_transitions as approvals
from core.domain import expansion_transitions as expansions
from core.domain import operator_transitions as operator
from core.domain import revision_transitions as revisions
from core.domain import step_transitions as steps
from core.domain import sub_plan_transitions as sub_plans
from core.domain.attempt_outcomes import attempt_outcome
from core.domain.errors import CorruptHistoryError
from core.domain.events import (
    TERMINAL_EVENTS,
    ApprovalVoided,
    PlanApproved,
    PlanCancelled,
    PlanCompleted,
    PlanCreated,
    PlanDrafted,
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
    SubPlanFinished,
    SubPlanStarted,
)
from core.domain.pause import pause_after
from core.domain.plan_state import PlanState, StepError, StepState
from core.domain.status import PlanStatus, StepStatus
from core.domain.trigger_rules import Tally

__all__ = ["PlanState", "StepError", "StepState", "evolve", "fold"]


def fold(events: Iterable[PlanEvent]) -> PlanState:
    """Build a plan's state from its events, oldest first."""
    state: PlanState | None = None
    for event in events:
        state = evolve(state, event)
    if state is None:
        raise CorruptHistoryError("?", 0, "no events")
    return state


def evolve(state: PlanState | None, event: PlanEvent) -> PlanState:
    """Apply one event to the state (in place) and return it; `None` before `PlanCreated`."""
    if state is None:
        if not isinstance(event, PlanCreated) or event.version != 1:
            raise CorruptHistoryError(
                event.plan_id, event.version, "history must start with PlanCreated"
            )
        return _created(event)
    if event.plan_id != state.plan_id or event.version != state.version + 1:
        raise CorruptHistoryError(
            event.plan_id, event.version, f"expected version {state.version + 1} of {state.plan_id}"
        )
    if event.prev_hash != state.head_hash:
        raise CorruptHistoryError(
            event.plan_id, event.version, "prev_hash does not match the previous event's hash"
        )
    _apply(state, event)
    terminal = TERMINAL_EVENTS.get(type(event))
    if terminal is not None:
        state.status = terminal
        state.finished_at = event.timestamp
    state.version = event.version
    state.last_event_at = event.timestamp
    state.head_hash = event.hash
    return state


def _created(event: PlanCreated) -> PlanState:
    spec = event.spec
    state = PlanState(
        plan_id=event.plan_id,
        spec=spec,
        created_at=event.timestamp,
        created_by=event.actor,
        correlation_id=event.correlation_id,
        inputs=event.inputs,
        sealed_inputs=event.sealed_inputs,
        last_event_at=event.timestamp,
        head_hash=event.hash,
        parent_plan_id=event.parent_plan_id,
        parent_step_id=event.parent_step_id,
        root_plan_id=event.root_plan_id,
        depth=event.depth,
        traceparent=event.traceparent,
    )
    for step in spec.steps:
        state.steps[step.id] = StepState(spec=step, timeout_ms=spec.step_timeout_ms(step))
        state.dependants.setdefault(step.id, [])
        state.unmet[step.id] = len(step.depends_on)
        state.tallies[step.id] = Tally(len(step.depends_on))
        if not step.depends_on:
            state.ready[step.id] = None
    for step in spec.steps:
        for dependency in step.depends_on:
            state.dependants[dependency].append(step.id)
    state.counts[StepStatus.PENDING] = len(spec.steps)
    return state


def _on_rejected(state: PlanState, event: PlanRejected) -> None:
    state.rejected_by = event.by
    state.reason = event.reason


def _on_execution_started(state: PlanState, event: PlanExecutionStarted) -> None:
    state.status = PlanStatus.EXECUTING
    state.started_at = event.timestamp
    state.deadline = event.deadline


def _on_cancelled(state: PlanState, event: PlanCancelled) -> None:
    state.cancelled_by = event.by
    state.reason = event.reason


def _apply(state: PlanState, event: PlanEvent) -> None:
    outcome = attempt_outcome(event)
    if outcome is not None:
        steps.on_attempt_ended(state, event, outcome)
        return
    match event:
        case StepStarted():
            steps.on_step_started(state, event)
        case StepSkipped():
            steps.on_step_skipped(state, event)
        case StepPreparationFailed():
            steps.on_step_preparation_failed(state, event)
        case StepAdded():
            revisions.on_step_added(state, event)
            approvals.on_revised(state, event, event.by)
        case StepRevised():
            revisions.on_step_revised(state, event)
            approvals.on_revised(state, event, event.by)
        case StepRemoved():
            revisions.on_step_removed(state, event)
            approvals.on_revised(state, event, event.by)
        case PlanForked():
            revisions.on_plan_forked(state, event)
        case StepResultReused():
            revisions.on_step_result_reused(state, event)
        case StepsExpanded():
            expansions.on_steps_expanded(state, event)
        case StepsGathered():
            expansions.on_steps_gathered(state, event)
        case SubPlanStarted():
            sub_plans.on_sub_plan_started(state, event)
        case SubPlanFinished():
            sub_plans.on_sub_plan_finished(state, event)
        case PlanDrafted() if state.status is PlanStatus.DRAFT:
            pass  # how the spec came about; the spec itself is in PlanCreated
        case PlanSubmitted():
            approvals.on_submitted(state, event)
        case PlanApproved():
            approvals.on_approved(state, event)
        case ApprovalVoided():
            approvals.on_approval_voided(state, event)
        case PlanQuarantined():
            approvals.on_quarantined(state, event)
        case PlanRejected():
            _on_rejected(state, event)
        case PlanExecutionStarted():
            _on_execution_started(state, event)
        case PlanResumed():
            pass  # a resume changes nothing by itself; the interruptions it found are events
        case PlanCancelled():
            _on_cancelled(state, event)
        case PlanCompleted() | PlanPartiallyCompleted():
            state.reason = getattr(event, "reason", None)
            state.outputs = event.outputs
            state.output_refs = event.output_refs
        case PlanFailed() | PlanQuarantinedAfterCrashes():
            state.reason = event.reason
        case PlanPaused() | PlanUnpaused():
            state.pause = pause_after(state.pause, event)
        case PlanReopened():
            operator.on_reopened(state, event)
        case StepRetryRequested():
            operator.on_retry_requested(state, event)
        case StepSkippedByOperator():
            operator.on_skipped_by_operator(state, event)
        case _:
            raise CorruptHistoryError(
                event.plan_id, event.version, f"unexpected {type(event).__name__}"
            )
