"""The plan summary view: one row per plan and one per step, mirroring the fold (pure)."""

from __future__ import annotations

from typing import Any

from core import (
    TERMINAL_EVENTS,
    ApprovalVoided,
    AttemptOutcome,
    PlanApproved,
    PlanCancelled,
    PlanCompleted,
    PlanCreated,
    PlanEvent,
    PlanExecutionStarted,
    PlanFailed,
    PlanForked,
    PlanPartiallyCompleted,
    PlanQuarantinedAfterCrashes,
    PlanRejected,
    PlanReopened,
    PlanStatus,
    PlanSubmitted,
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
    StepStatus,
    SubPlanStarted,
    attempt_outcome,
    elapsed_ms,
    operator_skip_reason,
    progress,
)
from projections.expansion_rows import expanded_rows, gathered_rows
from projections.pause_rows import with_pause
from projections.plan_revisions import revision_rows
from projections.reader import ViewState
from projections.row_update import updated
from projections.rows import PlanDataRow, PlanStepRow, PlanSummaryRow, Row
from projections.summary_counts import recounted

StepEvent = StepStarted | StepSkipped | StepPreparationFailed
"""The events that change one step's row besides an attempt's end (`core.attempt_outcome`)."""


class PlanSummaryProjection:
    """Plan status, step counts, progress and timings, each step's latest state, and the plan's
    inputs and outputs (`plan_data`, one row each when not empty).

    The rows say what `core.plan_view` says of the folded plan after the same events, and the
    summary row holds the operator's pause while it holds (see `projections.pause_rows`).
    Every event of a plan moves `last_version`, `last_event_at` and `head_hash`, so the view can
    be checked against the log; an event at or below `last_version` was already applied and
    changes nothing, and events of a plan the view does not know are ignored.
    """

    name: str = "plan_summary"
    row_types: tuple[type[Row], ...] = (PlanSummaryRow, PlanStepRow, PlanDataRow)

    def apply(self, event: PlanEvent, view: ViewState) -> list[Row]:
        """The summary row (and the step's row, for a step event) this event changes."""
        summary = view.summary(event.plan_id)
        if isinstance(event, PlanCreated):
            return [] if summary is not None else _created(event)
        if summary is None or event.version <= summary.last_version:
            return []
        head = {
            "last_version": event.version,
            "last_event_at": event.timestamp,
            "head_hash": event.hash,
        }
        return with_pause(summary, _changed(summary, head, event, view), event, view)


def _changed(
    summary: PlanSummaryRow, head: dict[str, Any], event: PlanEvent, view: ViewState
) -> list[Row]:
    """The summary row, first, and the step and data rows this event changes."""
    outcome = attempt_outcome(event)
    if outcome is not None:
        return _step_changed(summary, head, view.step(event.plan_id, outcome.step_id), outcome)
    match event:
        case StepStarted() | StepSkipped() | StepPreparationFailed():
            return _step_changed(summary, head, view.step(event.plan_id, event.step_id), event)
        case StepAdded() | StepRevised() | StepRemoved() | StepResultReused() | PlanForked():
            return revision_rows(summary, head, event, view)
        case StepsExpanded():
            return expanded_rows(summary, head, event, view)
        case StepsGathered():
            return gathered_rows(summary, head, event, view)
        case StepRetryRequested() | StepSkippedByOperator():
            return _operator_step_changed(summary, head, event, view)
        case PlanReopened():
            return [
                _plan_changed(updated(summary, **head), event),
                PlanDataRow(event.plan_id, "outputs", {}),
            ]
        case PlanCompleted(outputs=outputs) | PlanPartiallyCompleted(outputs=outputs) if outputs:
            return [
                _plan_changed(updated(summary, **head), event),
                PlanDataRow(event.plan_id, "outputs", outputs),
            ]
        case SubPlanStarted():
            return [updated(summary, **head), _child_row(event)]
        case _:
            return [_plan_changed(updated(summary, **head), event)]


SUB_PLAN_KIND = "sub_plan:"
"""`plan_data` kinds `sub_plan:STEP` hold the child plan a plan step started last."""

LINK_KIND = "link"
"""The `plan_data` kind that holds a sub-plan's parent, root and depth."""


def _child_row(event: SubPlanStarted) -> PlanDataRow:
    child = {"child_plan_id": str(event.child_plan_id), "attempt": event.attempt}
    return PlanDataRow(event.plan_id, f"{SUB_PLAN_KIND}{event.step_id}", child)


def _link_row(event: PlanCreated) -> PlanDataRow:
    link = {
        "parent_plan_id": str(event.parent_plan_id),
        "parent_step_id": event.parent_step_id,
        "root_plan_id": str(event.root_plan_id),
        "depth": event.depth,
    }
    return PlanDataRow(event.plan_id, LINK_KIND, link)


def _created(event: PlanCreated) -> list[Row]:
    spec = event.spec
    total = len(spec.steps)
    summary = PlanSummaryRow(
        plan_id=event.plan_id,
        name=spec.name,
        description=spec.description,
        status=PlanStatus.DRAFT.value,
        total_steps=total,
        pending=total,
        running=0,
        completed=0,
        failed=0,
        skipped=0,
        cancelled=0,
        progress=progress({StepStatus.PENDING.value: total}, total),
        created_at=event.timestamp,
        started_at=None,
        finished_at=None,
        duration_ms=None,
        created_by=event.actor,
        approved_by=None,
        rejected_by=None,
        reason=None,
        last_version=event.version,
        last_event_at=event.timestamp,
        head_hash=event.hash,
        paused_by=None,
        pause_reason=None,
        paused_at=None,
    )
    steps: list[Row] = [
        PlanStepRow.pending(event.plan_id, step.id, position, step.tool)
        for position, step in enumerate(spec.steps)
    ]
    if event.inputs:
        steps.append(PlanDataRow(event.plan_id, "inputs", event.inputs))
    if event.parent_plan_id is not None:
        steps.append(_link_row(event))
    return [summary, *steps]


def _plan_changed(summary: PlanSummaryRow, event: PlanEvent) -> PlanSummaryRow:
    match event:
        case PlanSubmitted(approval_required=required):
            status = PlanStatus.PENDING_APPROVAL if required else PlanStatus.APPROVED
            summary = updated(summary, status=status.value)
        case PlanApproved(by=by):
            # a re-approval after a revision voided it lets an executing plan go on executing
            executing = summary.status == PlanStatus.EXECUTING.value
            status = PlanStatus.EXECUTING if executing else PlanStatus.APPROVED
            summary = updated(summary, status=status.value, approved_by=by)
        case ApprovalVoided():
            approved = summary.status == PlanStatus.APPROVED.value
            waiting = PlanStatus.PENDING_APPROVAL.value if approved else summary.status
            summary = updated(summary, status=waiting, approved_by=None)
        case PlanRejected(by=by, reason=reason):
            summary = updated(summary, rejected_by=by, reason=reason)
        case PlanExecutionStarted(timestamp=timestamp):
            summary = updated(summary, status=PlanStatus.EXECUTING.value, started_at=timestamp)
        case (
            PlanCancelled(reason=reason)
            | PlanFailed(reason=reason)
            | PlanPartiallyCompleted(reason=reason)
            | PlanQuarantinedAfterCrashes(reason=reason)
        ):
            summary = updated(summary, reason=reason)
        case PlanCompleted():
            summary = updated(summary, reason=None)
        case PlanReopened():
            summary = updated(
                summary,
                status=PlanStatus.EXECUTING.value,
                reason=None,
                finished_at=None,
                duration_ms=None,
            )
    terminal = TERMINAL_EVENTS.get(type(event))
    if terminal is None:
        return summary
    started_at = summary.started_at
    return updated(
        summary,
        status=terminal.value,
        finished_at=event.timestamp,
        duration_ms=elapsed_ms(started_at, event.timestamp) if started_at is not None else None,
    )


def _step_changed(
    summary: PlanSummaryRow,
    head: dict[str, Any],
    step: PlanStepRow | None,
    change: StepEvent | AttemptOutcome,
) -> list[Row]:
    """One step's row moved on by a step event, or by the end of its attempt."""
    if step is None:
        return [updated(summary, **head)]
    if isinstance(change, AttemptOutcome):
        return _steps_changed(summary, head, [(step, _attempt_ended(step, change))])
    return _steps_changed(summary, head, [(step, _next_step(step, change))])


def _operator_step_changed(
    summary: PlanSummaryRow,
    head: dict[str, Any],
    event: StepRetryRequested | StepSkippedByOperator,
    view: ViewState,
) -> list[Row]:
    """The operator's step and every step it brought back to pending."""
    pairs: list[tuple[PlanStepRow, PlanStepRow]] = []
    step = view.step(event.plan_id, event.step_id)
    if step is not None:
        if isinstance(event, StepRetryRequested):
            pairs.append((step, updated(step, status=StepStatus.PENDING.value)))
        else:
            skipped = updated(
                step,
                status=StepStatus.SKIPPED.value,
                skip_reason=operator_skip_reason(event),
                error_type=None,
                error_message=None,
            )
            pairs.append((step, skipped))
    for step_id in event.reopened_steps:
        reopened = view.step(event.plan_id, step_id)
        if reopened is not None:
            back = updated(reopened, status=StepStatus.PENDING.value, skip_reason=None)
            pairs.append((reopened, back))
    return _steps_changed(summary, head, pairs)


def _steps_changed(
    summary: PlanSummaryRow,
    head: dict[str, Any],
    pairs: list[tuple[PlanStepRow, PlanStepRow]],
) -> list[Row]:
    """The summary with its counts moved for each (before, after) step row, and those rows."""
    moves: dict[str, int] = {}
    for before, after in pairs:
        if after.status != before.status:
            moves[before.status] = moves.get(before.status, 0) - 1
            moves[after.status] = moves.get(after.status, 0) + 1
    moved = recounted(summary, moves, **head) if moves else updated(summary, **head)
    return [moved, *(after for _, after in pairs)]


def _next_step(step: PlanStepRow, event: StepEvent) -> PlanStepRow:
    match event:
        case StepStarted(attempt=attempt):
            return updated(
                step, status=StepStatus.RUNNING.value, attempts=attempt, duration_ms=None
            )
        case StepSkipped(reason=reason):
            return updated(step, status=StepStatus.SKIPPED.value, skip_reason=reason)
        case StepPreparationFailed(error_type=error_type):
            return updated(
                step,
                status=StepStatus.FAILED.value,
                error_type=error_type,
                error_message=event.error_message,
            )


def _attempt_ended(step: PlanStepRow, outcome: AttemptOutcome) -> PlanStepRow:
    """The step's row after its attempt ended, as `core.attempt_outcome` describes the end."""
    changes: dict[str, Any] = {"status": outcome.step_status.value}
    if outcome.duration_ms is not None:
        changes["duration_ms"] = outcome.duration_ms
    if outcome.step_status is StepStatus.COMPLETED:
        changes["result"] = outcome.result
    if outcome.sets_step_error:
        error = outcome.error
        changes["error_type"] = None if error is None else error.error_type
        changes["error_message"] = None if error is None else error.message
    if outcome.cancel_reason is not None:
        changes["skip_reason"] = outcome.cancel_reason
    return updated(step, **changes)
